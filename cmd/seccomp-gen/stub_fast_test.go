package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/prefault"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// runFastStub starts this test binary as the recorder's stub (argv[0]
// recorder.StubName, the gate and ready pipes at fds 3 and 4) with
// GODEBUG=inittrace=1, so that any Go package initializer that runs says so
// on stderr. open says whether the gate is opened (one byte) or just
// closed. It returns the stub's (or the command's) stdout, stderr, exit
// status and whether the stub said it was up.
func runFastStub(t *testing.T, open bool, argv ...string) (string, string, int, bool) {
	t.Helper()
	return runFastStubFDs(t, "3,4", open, argv...)
}

// runFastStubFDs is runFastStub with the stub's "GATE,READY[,IGNORED]"
// argument given (the fds are 3 and 4).
func runFastStubFDs(t *testing.T, fds string, open bool, argv ...string) (string, string, int, bool) {
	t.Helper()
	stdout, stderr, code, up, _ := runFastStubErrno(t, fds, open, argv...)
	return stdout, stderr, code, up
}

// runFastStubErrno is runFastStubFDs that also returns what the stub
// wrote on ready after the byte that says it is up: the errno of a failed
// execve (0: none).
func runFastStubErrno(t *testing.T, fds string, open bool, argv ...string) (string, string, int, bool, int) {
	t.Helper()
	return runFastStubAt(t, fds, open, nil, argv...)
}

// runFastStubAt is runFastStubErrno that calls atGate (if not nil) with
// the stub's PID once it has said it is up, while it waits at its gate.
func runFastStubAt(t *testing.T, fds string, open bool, atGate func(pid int), argv ...string) (string, string, int, bool, int) {
	t.Helper()
	gateR, gateW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := &exec.Cmd{Path: self, Args: append([]string{recorder.StubName, fds}, argv...)}
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	cmd.ExtraFiles = []*os.File{gateR, readyW}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	gateR.Close()
	readyW.Close()
	var b [1]byte
	n, _ := readyR.Read(b[:])
	if n == 1 && atGate != nil {
		atGate(cmd.Process.Pid)
	}
	if open {
		gateW.Write([]byte{1})
	}
	gateW.Close()
	err = cmd.Wait()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	errno := 0
	if m, _ := readyR.Read(b[:]); m == 1 {
		errno = int(b[0])
	}
	readyR.Close()
	return stdout.String(), stderr.String(), code, n == 1, errno
}

// TestFastStub: the stub that the traced command starts through runs as a
// C constructor before the Go runtime (no Go initializer runs: inittrace
// prints nothing), and behaves as the Go stub (trace/recorder: Stub) does:
// says it is up, execs the command once the gate opens, exits 125 without
// running it when the gate closes, 127 or 126 when it cannot exec it, with
// the same messages.
func TestFastStub(t *testing.T) {
	stdout, stderr, code, up := runFastStub(t, true, "/bin/sh", "sh", "-c", "echo ran $0")
	if !up || code != 0 || stdout != "ran sh\n" {
		t.Errorf("open gate: up %v, exit %d, stdout %q, stderr %q", up, code, stdout, stderr)
	}
	if strings.Contains(stderr, "init ") {
		t.Errorf("Go initializers ran before the command:\n%s", stderr)
	}
	_, stderr, code, up = runFastStub(t, false, "/bin/sh", "sh", "-c", "echo ran")
	if want := "seccomp-gen: the tracer went away before tracing started; not running sh\n"; !up || code != 125 || stderr != want {
		t.Errorf("closed gate: up %v, exit %d, stderr %q, want 125 and %q", up, code, stderr, want)
	}
	// A failed execve: the errno on ready, for the tracer to say
	// (recorder.ExecError), nothing on stderr.
	dir := t.TempDir()
	script := filepath.Join(dir, "script")
	if err := os.WriteFile(script, []byte("echo no shebang\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, name string
		code       int
		errno      syscall.Errno
	}{
		{"/nonexistent/cmd", "cmd", 127, syscall.ENOENT},
		{dir, "dir", 126, syscall.EACCES},
		{script, "script", 126, syscall.ENOEXEC},
	} {
		_, stderr, code, _, errno := runFastStubErrno(t, "3,4", true, c.path, c.name)
		if code != c.code || syscall.Errno(errno) != c.errno || stderr != "" {
			t.Errorf("%s: exit %d, errno %d (%v) on ready, stderr %q; want %d, %d (%v) and nothing", c.name, code, errno, syscall.Errno(errno), stderr, c.code, c.errno, c.errno)
		}
	}
}

// The fast stub ignores the signals of its third field (hex, bit N-1 for
// signal N: those seccomp-gen was started with ignored) and sets the mask
// of its fourth before its execve; a bad field leaves the invocation to the
// Go stub, which refuses it.
func TestFastStubIgnoresSignals(t *testing.T) {
	probe := []string{"/bin/grep", "grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"}
	stdout, stderr, code, _ := runFastStubFDs(t, "3,4,1200,4002", true, probe...)
	// Ignored signals this test inherited stay ignored too.
	if want := fmt.Sprintf("SigBlk:\t0000000000004002\nSigIgn:\t%016x\n", 0x1200|testutil.IgnoredSignals(t)); code != 0 || stdout != want {
		t.Errorf("exit %d, stdout %q (stderr %q), want %q: SIGUSR1 and SIGPIPE ignored, SIGINT and SIGTERM blocked", code, stdout, stderr, want)
	}
	if strings.Contains(stderr, "init ") {
		t.Errorf("the Go stub ran, not the C one:\n%s", stderr)
	}
	_, stderr, code, _ = runFastStubFDs(t, "3,4,1200", true, probe...)
	if code != 125 || !strings.Contains(stderr, "bad trace stub invocation") {
		t.Errorf("bad mask: exit %d, stderr %q, want 125 and the Go stub's message", code, stderr)
	}
}

// The stub's constructor runs before internal/prefault's: a process that
// is the stub waits at its gate with little of the binary mapped, not all
// of its code (which the prefault constructor maps in any other process of
// this binary that chose to, this test's own included). The stub is told
// to prefault (SECCOMP_GEN_PREFAULT=on), so that it would, had its
// constructor not run first, on a machine whose faults are cheap too.
func TestFastStubBeforePrefault(t *testing.T) {
	if !prefault.Enabled {
		t.Skip("built without internal/prefault's constructor: nothing to test")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if prefault.Current().On {
		own, err := testutil.SmapsOf(os.Getpid(), self, "r-xp")
		if err != nil {
			t.Fatal(err)
		}
		if own.Rss < own.Size {
			t.Fatalf("this test's own code: %d of %d KiB resident, want all of it (prefault)", own.Rss, own.Size)
		}
	}
	t.Setenv("SECCOMP_GEN_PREFAULT", "on")
	_, _, _, up, _ := runFastStubAt(t, "3,4", true, func(pid int) {
		stub, err := testutil.SmapsOf(pid, self, "r-xp")
		if err != nil {
			t.Error(err)
			return
		}
		if stub.Rss*2 > stub.Size {
			t.Errorf("the stub at its gate: %d of %d KiB of the code resident, want less than half (the prefault constructor ran before the stub's?)", stub.Rss, stub.Size)
		}
	}, "/bin/true", "true")
	if !up {
		t.Fatal("the stub did not say it was up")
	}
}
