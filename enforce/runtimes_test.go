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
