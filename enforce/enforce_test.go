package enforce

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	seccomp "github.com/seccomp/libseccomp-golang"

	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/internal/reexec"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

// TestMain registers the shim, as seccomp-gen's main does: Run
// re-executes this test binary as `ShimName CMD...`.
func TestMain(m *testing.M) {
	reexec.Register(ShimName, ShimMain)
	if status, ok := reexec.Init(); ok {
		os.Exit(status)
	}
	os.Exit(m.Run())
}

// workload compiles testdata/demo/workload.c into a temporary directory.
func workload(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "workload")
	if out, err := exec.Command("gcc", "-O2", "-o", bin, "../testdata/demo/workload.c").CombinedOutput(); err != nil {
		t.Fatalf("gcc (make deps installs it) testdata/demo/workload.c: %v\n%s", err, out)
	}
	return bin
}

// allowAllBut allows everything on x86_64 except name, which gets act.
func allowAllBut(name string, act policy.Action) *policy.Policy {
	return &policy.Policy{DefaultAction: policy.ActAllow, Arches: []string{"x86_64"},
		Rules: []policy.Rule{{Names: []string{name}, Action: act}}}
}

func run(t *testing.T, p *policy.Policy, argv ...string) (*Result, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	res, err := Run(p, argv, IO{Stdout: &out, Stderr: &errb})
	if err != nil {
		t.Fatalf("Run %v: %v\nstderr:\n%s", argv, err, errb.String())
	}
	return res, out.String(), errb.String()
}

func native(t *testing.T) {
	t.Helper()
	if n, err := scmp.Native(); err != nil || n != "x86_64" {
		t.Skipf("the test policies are for x86_64, this machine is %s", n)
	}
}

func TestRunDenials(t *testing.T) {
	native(t)
	wl := workload(t)
	for _, c := range []struct {
		act    policy.Action
		errno  *uint
		reason string
		out    string
	}{
		{policy.ActErrno, policy.Errno(13), verdict.ReasonEnforced, "getpriority -> -1 (Permission denied)"},
		{policy.ActTrace, nil, verdict.ReasonEnforced, "getpriority -> -1 (Function not implemented)"},
		{policy.ActKillProcess, nil, verdict.ReasonWouldKill, "getpriority -> -1 (Operation not permitted)"},
	} {
		p := allowAllBut("getpriority", c.act)
		p.Rules[0].Errno = c.errno
		res, out, stderr := run(t, p, wl, "--extra")
		if !strings.Contains(out, c.out) {
			t.Errorf("%s: the workload did not get the profile's answer:\n%s%s", c.act, out, stderr)
		}
		if len(res.Denied) != 1 {
			t.Fatalf("%s: denied %+v", c.act, res.Denied)
		}
		d := res.Denied[0]
		if d.Name != "getpriority" || d.Arch != "x86_64" || d.Count != 1 || d.First != wl || d.Reason != c.reason {
			t.Errorf("%s: denial %+v", c.act, d)
		}
		if res.ExitCode != 0 || res.Setup != 0 {
			t.Errorf("%s: exit %d, setup %d", c.act, res.ExitCode, res.Setup)
		}
	}
	// Without --extra the workload never calls getpriority.
	res, out, _ := run(t, allowAllBut("getpriority", policy.ActErrno), wl)
	if len(res.Denied) != 0 || !strings.Contains(out, "workload: child exited 0") {
		t.Errorf("plain run: denied %+v\n%s", res.Denied, out)
	}
}

// A workload that is seccomp-gen's own binary started as a shim
// (`ShimName true`: argv[0] the shim's name, found in PATH) is the
// workload, not the shim: its Go runtime's syscalls are reported. (The
// shim used to be recognised by its executable and argv in /proc, which
// took this workload for the shim.)
func TestRunSelfAsShimWorkload(t *testing.T) {
	native(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(self, filepath.Join(dir, ShimName)); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	res, _, stderr := run(t, allowAllBut("sched_getaffinity", policy.ActErrno), ShimName, "true")
	// The inner shim has no policy on fd 3: it stops with ExitSetup.
	if res.ExitCode != ExitSetup {
		t.Errorf("exit %d, want %d; stderr:\n%s", res.ExitCode, ExitSetup, stderr)
	}
	found := false
	for _, d := range res.Denied {
		found = found || d.Name == "sched_getaffinity"
	}
	if !found || res.Setup != 0 {
		t.Fatalf("sched_getaffinity of the workload not reported (setup %d): %+v", res.Setup, res.Denied)
	}
}

// A command that cannot be started is a SetupError that says why; the
// shim itself prints nothing (the caller reports it, once). A file the
// kernel will not execute after it was found (exec format error) is
// ExitNotExec, not a run that exited 125; a filter that denies execve is
// the profile's answer: a denial, and Result.NotStarted.
func TestRunCommandNotFound(t *testing.T) {
	garbage := filepath.Join(t.TempDir(), "garbage")
	if err := os.WriteFile(garbage, []byte("no program\n\x00"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Found, but its interpreter is not: not "no such file or directory".
	badInterp := filepath.Join(t.TempDir(), "badinterp")
	if err := os.WriteFile(badInterp, []byte("#!/nonexistent/interpreter\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cmd  string
		code int
		why  string
	}{
		{"/nonexistent/cmd", ExitNotFound, "/nonexistent/cmd: command not found"},
		{garbage, ExitNotExec, garbage + ": command could not be executed: exec format error (a script needs a #! line; else the file is no program for this machine)"},
		{badInterp, ExitNotFound, badInterp + ": command could not be executed: " + missingInterpreter},
	} {
		var errb bytes.Buffer
		_, err := Run(allowAllBut("getpriority", policy.ActErrno), []string{c.cmd}, IO{Stderr: &errb})
		var se *SetupError
		if !errors.As(err, &se) || se.Code != c.code || se.Error() != c.why || errb.Len() != 0 {
			t.Errorf("%s: got %v (%#v), stderr %q; want status %d and %q", c.cmd, err, se, errb.String(), c.code, c.why)
		}
	}
	native(t)
	var errb bytes.Buffer
	res, err := Run(allowAllBut("execve", policy.ActErrno), []string{"/bin/true"}, IO{Stderr: &errb})
	if err != nil || res.ExitCode != ExitNotExec || len(res.Denied) != 1 || res.Denied[0].Name != "execve" || res.Denied[0].First != "/bin/true" ||
		res.NotStarted != "/bin/true: command could not be executed: operation not permitted" {
		t.Errorf("execve denied: %v, %+v, stderr %q", err, res, errb.String())
	}
}

// Filter is cbpf.Compile with every denying action SCMP_ACT_NOTIFY, in the
// order policy.Lookup reads rules; checked in the userspace interpreter.
func TestFilter(t *testing.T) {
	p := &policy.Policy{
		DefaultAction: policy.ActErrno, Arches: []string{"x86_64"},
		Rules: []policy.Rule{
			// Unconditional rules decide in order: read is allowed.
			{Names: []string{"read", "write"}, Action: policy.ActAllow},
			{Names: []string{"read"}, Action: policy.ActErrno, Errno: policy.Errno(5)},
			// close is decided by the unconditional rule (notify), whatever
			// the conditional one says; socket only by its condition.
			{Names: []string{"close", "socket"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 1, Op: policy.OpEqualTo}}},
			{Names: []string{"close"}, Action: policy.ActKillProcess},
			{Names: []string{"getpid"}, Action: policy.ActLog},
			{Names: []string{"no_such_syscall"}, Action: policy.ActAllow}, // left out
		},
	}
	prog, err := Filter(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		arg0 uint64
		want policy.Action
	}{
		{"read", 0, policy.ActAllow},
		{"write", 0, policy.ActAllow},
		{"getpid", 0, policy.ActLog},
		{"close", 1, policy.ActNotify},
		{"socket", 1, policy.ActAllow},
		{"socket", 2, policy.ActNotify},
		{"openat", 0, policy.ActNotify},
	} {
		n, err := scmp.Number("x86_64", c.name)
		if err != nil {
			t.Fatal(err)
		}
		r, err := prog.Run(cbpf.Data{Nr: int32(n), Arch: cbpf.AuditArchX86_64, Args: [6]uint64{c.arg0}})
		if err != nil || r.Action != c.want {
			t.Errorf("%s(%d): %v %v, want %s", c.name, c.arg0, r, err, c.want)
		}
	}
	// Other ABIs reach the supervisor, which reports them.
	if r, _ := prog.Run(cbpf.Data{Nr: 20, Arch: cbpf.AuditArchI386}); r.Action != policy.ActNotify {
		t.Errorf("i386: %v, want notify", r)
	}
	// A policy that denies nothing has no listener: other ABIs are killed.
	allow := &policy.Policy{DefaultAction: policy.ActAllow, Arches: []string{"x86_64"}}
	prog, err = Filter(allow)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := prog.Run(cbpf.Data{Nr: 20, Arch: cbpf.AuditArchI386}); r.Action != policy.ActKillProcess {
		t.Errorf("allow-all policy, i386: %v, want kill", r)
	}
}

// TestRunKill: closing IO.Kill kills CMD's whole tree, a double-forked
// daemon included (Run is its subreaper), and Run returns with what it saw.
func TestRunKill(t *testing.T) {
	native(t)
	const mark = "1234.5"
	kill := make(chan struct{})
	// Kill once the three sleeps run (a fixed 500 ms came before the
	// shim's execve on a loaded machine: "the command did not start").
	go func() {
		defer close(kill)
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			n := 0
			procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
			for _, p := range procs {
				if b, err := os.ReadFile(p); err == nil && strings.HasPrefix(string(b), "sleep\x00"+mark) {
					n++
				}
			}
			if n >= 3 {
				return
			}
		}
	}()
	var out, errb bytes.Buffer
	start := time.Now()
	res, err := Run(allowAllBut("getpriority", policy.ActErrno),
		[]string{"sh", "-c", "sleep " + mark + " & (sleep " + mark + " &); sleep " + mark},
		IO{Stdout: &out, Stderr: &errb, Kill: kill})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, errb.String())
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("Run took %s after Kill", time.Since(start))
	}
	if res.Stopped != StoppedKill || res.Killed < 4 || res.ExitCode != 137 {
		t.Errorf("result %+v, want stopped by kill, >= 4 processes killed, exit 137", res)
	}
	time.Sleep(100 * time.Millisecond)
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), mark) {
			t.Errorf("%s survived: %q", p, b)
		}
	}
}

// LookPath finds CMD as the traced mode does: through a relative PATH entry
// too (exec.LookPath refuses it: ErrDot), through the default PATH when
// none is set, and it tells a directory or a
// file without execute permission (126) from a missing command (127).
func TestLookPath(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, mode := range map[string]os.FileMode{"bin/prog": 0o755, "data": 0o644} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	t.Setenv("PATH", "bin:/nonexistent")
	for _, c := range []struct {
		name, path, err string
		code            int
	}{
		{"prog", "bin/prog", "", 0},
		{"./bin/prog", "./bin/prog", "", 0},
		{"nosuch", "", "nosuch: command not found", ExitNotFound},
		{"./nosuch", "", "./nosuch: command not found", ExitNotFound},
		{"./bin", "", "./bin: command could not be executed: is a directory", ExitNotExec},
		{"./data", "", "./data: command could not be executed: permission denied", ExitNotExec},
	} {
		path, code, err := LookPath(c.name)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if path != c.path || code != c.code || msg != c.err {
			t.Errorf("LookPath(%q) = %q, %d, %q; want %q, %d, %q", c.name, path, code, msg, c.path, c.code, c.err)
		}
	}
	// Without PATH (env -i), a shell's default PATH, as in the traced mode.
	os.Unsetenv("PATH")
	if path, code, err := LookPath("sh"); !strings.HasPrefix(path, "/") || code != 0 || err != nil {
		t.Errorf("PATH unset: LookPath(sh) = %q, %d, %v; want it in the default PATH", path, code, err)
	}
}

// An i386 program's auxiliary vector has 4-byte words: FIRST is still
// the name it was exec'd by (a symlink here), not its comm. (execName
// read every vector as 64-bit, found no AT_EXECFN, and FIRST fell back
// to the comm "link32".)
func TestRunFirstI386(t *testing.T) {
	native(t)
	testutil.RequireIA32(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "p32.c")
	if err := os.WriteFile(src, []byte("#include <sys/resource.h>\nint main(void) { getpriority(PRIO_PROCESS, 0); return 0; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "p32")
	if out, err := exec.Command("gcc", "-m32", "-static", "-O2", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc -m32 -static (make deps installs gcc-multilib): %v\n%s", err, out)
	}
	link := filepath.Join(dir, "link32")
	if err := os.Symlink(bin, link); err != nil {
		t.Fatal(err)
	}
	p := allowAllBut("getpriority", policy.ActErrno)
	p.Arches = []string{"x86_64", "x86"}
	// Through sh: CMD itself would be named by the command line.
	res, _, stderr := run(t, p, "sh", "-c", link)
	if len(res.Denied) != 1 || res.Denied[0].Arch != "x86" || res.Denied[0].First != link {
		t.Errorf("denied %+v, want getpriority on x86 first by %s\n%s", res.Denied, link, stderr)
	}
}

// The record the supervisor keeps for the sentinel reads back as written.
func TestInflightRecord(t *testing.T) {
	f, mem, err := newInflight()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if state, _ := mem.load(); state != inflightNone {
		t.Fatalf("new record: state %d, want %d", state, inflightNone)
	}
	req := &seccomp.ScmpNotifReq{ID: 1<<63 + 5, Pid: 4242}
	req.Data.Arch, req.Data.Syscall = seccomp.ArchAMD64, 83
	req.Data.Args = []uint64{1, 2, 3, 4, 5, 1 << 63}
	mem.received(req)
	state, got := mem.load()
	if state != inflightRecv || got.ID != req.ID || got.Pid != req.Pid || got.Data.Syscall != 83 || !slices.Equal(got.Data.Args, req.Data.Args) {
		t.Fatalf("record: state %d, %+v; want %d, %+v", state, got, inflightRecv, req)
	}
	// The arch as the kernel gives it (AUDIT_ARCH) round-trips too.
	if got.Data.Arch != req.Data.Arch {
		t.Fatalf("arch %v, want %v", got.Data.Arch, req.Data.Arch)
	}
	mem.answered()
	if state, got := mem.load(); state != inflightDone || got.ID != req.ID {
		t.Fatalf("answered: state %d, ID %d", state, got.ID)
	}
}

// TestRunKillAfterExit: an IO.Kill (replay --timeout) that comes after CMD
// exited, with nothing of its tree left to kill, cut nothing short: the
// result is a whole run, not one stopped by the kill. The timeout's timer
// and CMD's exit race; which came first decided whether replay reported
// "timed out (0 processes killed)" or a pass. The hooks put the kill in
// that window every time.
func TestRunKillAfterExit(t *testing.T) {
	native(t)
	kill := make(chan struct{})
	processed := make(chan struct{})
	testAfterMainExit = func() {
		close(kill)
		select {
		case <-processed:
		case <-time.After(10 * time.Second): // a hang guard, not a timing
			t.Error("the kill was not handled within 10s")
		}
	}
	testAfterKill = func() { close(processed) }
	defer func() { testAfterMainExit, testAfterKill = nil, nil }()
	var errb bytes.Buffer
	res, err := Run(allowAllBut("getpriority", policy.ActErrno), []string{"true"}, IO{Stderr: &errb, Kill: kill})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, errb.String())
	}
	if res.Stopped != "" || res.Killed != 0 || res.ExitCode != 0 {
		t.Errorf("result %+v, want a whole run: not stopped, nothing killed, exit 0", res)
	}
}
