package enforce

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	seccomp "github.com/seccomp/libseccomp-golang"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

// defaultEPERM is a profile shaped like Docker's default (default
// ERRNO(EPERM), an allow list) that names nothing above exit_group (231):
// runc's ENOSYS stub answers every x86_64 number above 231 that reaches it,
// crun has no stub and answers the default (policy.Runtimes).
func defaultEPERM() *policy.Policy {
	return &policy.Policy{
		DefaultAction: policy.ActErrno,
		DefaultErrno:  policy.Errno(policy.EPERM),
		Arches:        []string{"x86_64"},
		Rules:         []policy.Rule{{Names: []string{"read", "write", "exit_group"}, Action: policy.ActAllow}},
	}
}

// TestHandleAnswersAsRunc: the supervisor answers as runc does (Docker's
// runtime; the stub is runc's) and records crun's answer where it differs.
// Before, it answered the default everywhere (crun's answer): mseal (462)
// got EPERM under replay --enforce and ENOSYS under Docker, and the report
// did not say so.
func TestHandleAnswersAsRunc(t *testing.T) {
	native(t)
	p := defaultEPERM()
	s := &supervisor{p: p, shimExeced: func() bool { return true }, entries: map[[2]int]*verdict.Entry{}}
	for _, c := range []struct {
		nr    int
		errno int32
		crun  bool // crun answers otherwise (EPERM)
	}{
		{140, 1, false},  // getpriority: below the stub, both EPERM
		{232, 38, true},  // epoll_wait: the first number above exit_group
		{462, 38, true},  // mseal: beyond libseccomp 2.5.4's table
		{1000, 38, true}, // no kernel has it
	} {
		req := &seccomp.ScmpNotifReq{ID: 1, Pid: 1}
		req.Data.Arch = seccomp.ArchAMD64
		req.Data.Syscall = seccomp.ScmpSyscall(c.nr)
		req.Data.Args = make([]uint64, 6)
		resp, e := s.handle(req)
		if resp.Error != c.errno {
			t.Errorf("nr %d: answered errno %d, runc answers %d", c.nr, resp.Error, c.errno)
		}
		if e == nil {
			t.Fatalf("nr %d: not recorded", c.nr)
		}
		if e.Action != policy.ActErrno || e.Errno != uint(c.errno) {
			t.Errorf("nr %d: recorded %s(%d), want errno %d", c.nr, e.Action, e.Errno, c.errno)
		}
		if !c.crun && strings.Contains(e.Explain(p), "crun") {
			t.Errorf("nr %d: runc and crun agree, the report says otherwise: %q", c.nr, e.Explain(p))
		}
		if c.crun && !strings.Contains(e.Explain(p), "crun answers SCMP_ACT_ERRNO(EPERM)") {
			t.Errorf("nr %d: the report does not say crun answers otherwise: %q", c.nr, e.Explain(p))
		}
	}
}

// runtimesSrc calls the syscalls named on its command line and prints the
// errno each got, as testdata/workloads/newsys.c's numbers would be.
const runtimesSrc = `#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
	for (int i = 1; i < argc; i++) {
		long nr = strtol(argv[i], NULL, 0);
		errno = 0;
		long r = syscall(nr, 0L, 0L, 0L);
		printf("%ld: %ld errno %d\n", nr, r, r < 0 ? errno : 0);
	}
	return 0;
}
`

// TestRunAnswersAsRunc runs a program under Docker's default profile
// (moby/profiles v0.2.4, EPERM by default): mseal (462, which libseccomp
// 2.5.4 cannot name, so the profile's rule for it is dropped) and 1000 get
// ENOSYS, runc's answer (measured with runc 1.1.5 and the same profile:
// errno 38), where replay --enforce answered EPERM.
// The report says that crun answers both EPERM.
func TestRunAnswersAsRunc(t *testing.T) {
	native(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "runtimes.c")
	bin := filepath.Join(dir, "runtimes")
	if err := os.WriteFile(src, []byte(runtimesSrc), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-static", "-O1", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	p := dockerDefault(t)
	res, out, _ := run(t, p, bin, "462", "1000")
	if want := "462: -1 errno 38\n1000: -1 errno 38\n"; out != want {
		t.Errorf("under Docker's default profile the program says\n%s\nrunc makes it say\n%s", out, want)
	}
	if len(res.Denied) != 2 {
		t.Fatalf("denied: %+v", res.Denied)
	}
	for _, e := range res.Denied {
		if e.Errno != policy.ENOSYS || !strings.Contains(e.Explain(p), "crun answers SCMP_ACT_ERRNO(EPERM)") {
			t.Errorf("#%d: answered %s(%d) (%s); want ENOSYS, and that crun answers EPERM", e.Nr, e.Action, e.Errno, e.Explain(p))
		}
	}
}

// dockerDefault reads Docker's default profile (testdata/profiles), its
// names libseccomp 2.5.4 cannot resolve dropped as runc and crun drop them.
func dockerDefault(t *testing.T) *policy.Policy {
	t.Helper()
	p, _, err := emit.ReadWith(filepath.Join("..", "testdata", "profiles", "moby-default-v0.2.4.json"), emit.ReadOptions{AllowUnknownSyscalls: true})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestHandleOwnListener: a seccomp(SECCOMP_SET_MODE_FILTER,
// SECCOMP_FILTER_FLAG_NEW_LISTENER) that the profile allows is let run
// (the kernel then answers EBUSY) and counted, since runc and crun would
// have let it have a listener; one the profile denies gets the profile's
// answer, as in a container, and one under a profile with SCMP_ACT_NOTIFY
// of its own (the runtime's filter has a listener too) is not counted.
func TestHandleOwnListener(t *testing.T) {
	native(t)
	nr, err := scmp.Number("x86_64", "seccomp")
	if err != nil {
		t.Fatal(err)
	}
	withSeccomp := func(act policy.Action) *policy.Policy {
		p := defaultEPERM()
		p.Rules = append(p.Rules, policy.Rule{Names: []string{"seccomp"}, Action: act})
		return p
	}
	for _, c := range []struct {
		what    string
		p       *policy.Policy
		flags   uint64
		errno   int32
		counted int
	}{
		{"allowed, listener", withSeccomp(policy.ActAllow), 8, 0, 1},
		{"allowed, listener and TSYNC", withSeccomp(policy.ActAllow), 9, 0, 1},
		{"denied", withSeccomp(policy.ActErrno), 8, 1, 0},
		{"allowed, the profile notifies too", func() *policy.Policy {
			p := withSeccomp(policy.ActAllow)
			p.Rules = append(p.Rules, policy.Rule{Names: []string{"getppid"}, Action: policy.ActNotify})
			return p
		}(), 8, 0, 0},
	} {
		s := &supervisor{p: c.p, shimExeced: func() bool { return true }, entries: map[[2]int]*verdict.Entry{}}
		req := &seccomp.ScmpNotifReq{ID: 1, Pid: uint32(os.Getpid())}
		req.Data.Arch = seccomp.ArchAMD64
		req.Data.Syscall = seccomp.ScmpSyscall(nr)
		req.Data.Args = []uint64{1, c.flags, 0, 0, 0, 0}
		resp, _ := s.handle(req)
		if resp.Error != c.errno || (c.errno == 0) != (resp.Flags&seccomp.NotifRespFlagContinue != 0) {
			t.Errorf("%s: answered %+v, want errno %d", c.what, resp, c.errno)
		}
		if s.ownListener != c.counted {
			t.Errorf("%s: counted %d requests for a listener, want %d", c.what, s.ownListener, c.counted)
		}
		if c.counted > 0 && s.ownListenerFirst == "" {
			t.Errorf("%s: the program that asked is not named", c.what)
		}
	}
	r := &Result{OwnListener: 2, OwnListenerFirst: "/bin/sandbox"}
	if d := r.Differs(); !strings.Contains(d, "2 times, first by /bin/sandbox") || !strings.Contains(d, "EBUSY") {
		t.Errorf("Differs: %q", d)
	}
	if d := (&Result{}).Differs(); d != "" {
		t.Errorf("Differs of a run that asked nothing: %q", d)
	}
}

// TestHandleReasons: what the supervisor answers and records for a call
// on an ABI the profile does not list (x86, and x32, whose numbers share
// x86_64's audit arch and carry bit 30: runtimes kill it; answered EPERM),
// for a number libseccomp cannot name (no profile can allow it), and for
// the shim's own calls before its execve (let run, not recorded), where
// its execve and execveat of CMD are the workload's.
func TestHandleReasons(t *testing.T) {
	native(t)
	execveat, err := scmp.Number("x86_64", "execveat")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what   string
		arch   seccomp.ScmpArch
		nr     int
		execed bool
		errno  int32
		reason string // "": let run and not recorded
		abi    string
	}{
		{"x86 not covered", seccomp.ArchX86, 20, true, 1, verdict.ReasonArch, "x86"},
		{"x32 not covered", seccomp.ArchAMD64, 0x40000000 | 39, true, 1, verdict.ReasonArch, "x32"},
		{"number no table names", seccomp.ArchAMD64, 1000, true, 38, verdict.ReasonUnknown, "x86_64"},
		{"getpriority denied", seccomp.ArchAMD64, 140, true, 1, verdict.ReasonEnforced, "x86_64"},
		{"the shim's own call", seccomp.ArchAMD64, 140, false, 0, "", ""},
		{"the shim's execveat of CMD", seccomp.ArchAMD64, execveat, false, 38, verdict.ReasonEnforced, "x86_64"}, // above exit_group: runc's stub
	} {
		s := &supervisor{p: defaultEPERM(), shimExeced: func() bool { return c.execed }, entries: map[[2]int]*verdict.Entry{}}
		req := &seccomp.ScmpNotifReq{ID: 1, Pid: 1}
		req.Data.Arch = c.arch
		req.Data.Syscall = seccomp.ScmpSyscall(c.nr)
		req.Data.Args = make([]uint64, 6)
		resp, e := s.handle(req)
		if resp.Error != c.errno || (c.errno == 0) != (resp.Flags&seccomp.NotifRespFlagContinue != 0) {
			t.Errorf("%s: answered %+v, want errno %d", c.what, resp, c.errno)
		}
		switch {
		case c.reason == "" && e != nil:
			t.Errorf("%s: recorded %+v", c.what, e)
		case c.reason == "" && s.setup != 1:
			t.Errorf("%s: counted %d setup calls, want 1", c.what, s.setup)
		case c.reason != "" && e == nil:
			t.Errorf("%s: not recorded", c.what)
		case c.reason != "" && (e.Reason != c.reason || e.Arch != c.abi):
			t.Errorf("%s: recorded %s on %s, want %s on %s", c.what, e.Reason, e.Arch, c.reason, c.abi)
		}
	}
}

// A denial seen again is counted, and keeps the program that made it
// first.
func TestRecordCountsKeepsFirst(t *testing.T) {
	s := &supervisor{entries: map[[2]int]*verdict.Entry{}}
	const x86_64 = 0xc000003e
	s.record(x86_64, &verdict.Entry{Arch: "x86_64", Nr: 140, Name: "getpriority", Count: 1, First: "/bin/a"})
	s.record(x86_64, &verdict.Entry{Arch: "x86_64", Nr: 140, Name: "getpriority", Count: 1, First: "/bin/b"})
	e := s.entries[[2]int{x86_64, 140}]
	if e == nil || e.Count != 2 || e.First != "/bin/a" {
		t.Errorf("recorded %+v, want count 2, first /bin/a", e)
	}
}

// A profile whose default action is SCMP_ACT_NOTIFY has the runtime load
// its filter with a listener: a workload's request for one fails there
// too, and is not counted. One request is "1 time".
func TestOwnListenerNotifyDefault(t *testing.T) {
	native(t)
	nr, err := scmp.Number("x86_64", "seccomp")
	if err != nil {
		t.Fatal(err)
	}
	p := defaultEPERM()
	p.DefaultAction, p.DefaultErrno = policy.ActNotify, nil
	p.Rules = append(p.Rules, policy.Rule{Names: []string{"seccomp"}, Action: policy.ActAllow})
	s := &supervisor{p: p, shimExeced: func() bool { return true }, entries: map[[2]int]*verdict.Entry{}}
	req := &seccomp.ScmpNotifReq{ID: 1, Pid: uint32(os.Getpid())}
	req.Data.Arch = seccomp.ArchAMD64
	req.Data.Syscall = seccomp.ScmpSyscall(nr)
	req.Data.Args = []uint64{1, 8, 0, 0, 0, 0}
	s.handle(req)
	if s.ownListener != 0 {
		t.Errorf("counted %d requests for a listener under a profile that notifies by default, want 0", s.ownListener)
	}
	if d := (&Result{OwnListener: 1}).Differs(); !strings.Contains(d, "1 time)") {
		t.Errorf("Differs of one request: %q", d)
	}
}
