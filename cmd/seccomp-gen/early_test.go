package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// earlyReady waits until a trace of a command by this test binary can
// start early (internal/prestub): a prepared recorder, and the hint to it
// that Prepare leaves in the pool.
func earlyReady(t *testing.T) {
	t.Helper()
	waitPrepared(t)
	dir, _, _ := recorder.PoolReady()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		hints, _ := filepath.Glob(filepath.Join(dir, "e-*-0"))
		for _, h := range hints {
			if k, err := os.Readlink(h); err == nil {
				if sets, _ := filepath.Glob(filepath.Join(dir, k, "r-*")); len(sets) > 0 {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no hint to a prepared recorder in %s within 60s", dir)
		}
	}
}

const earlyGate = "seccomp-gen: timing early-gate "

// goStart keeps a trace from starting early (internal/prestub), for the
// tests of the Go side's start: its phases (interrupted at each), and its
// check of the outputs (held while a signal comes). Where the C
// constructor's own checks read the output, a signal then ends seccomp-gen
// by its default action, as any does before the Go runtime has started;
// nothing has run and nothing is written.
var goStart = []string{"SECCOMP_GEN_EARLY=off"}

// TestEarlyStart: with a prepared recorder, `trace -o FILE -- CMD` is
// started by the constructor (the early-gate phase is there), and its
// trace is the one the Go side's own start gives (SECCOMP_GEN_EARLY=off),
// count for count; with the trace on stdout the command's output goes to
// stderr, as it does without.
func TestEarlyStart(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	script := `ls / >/dev/null; cat /proc/self/status >/dev/null; echo out; echo err >&2`
	traces := map[string]*trace.File{}
	for _, mode := range []string{"early", "off"} {
		var prefix []string
		if mode == "off" {
			prefix = []string{"env", "SECCOMP_GEN_EARLY=off", "SECCOMP_GEN_TIMING=1"}
		} else {
			earlyReady(t)
			prefix = []string{"env", "SECCOMP_GEN_TIMING=1", "SECCOMP_GEN_EARLY_DEBUG=1"}
		}
		out := filepath.Join(dir, mode+".yaml")
		stdout, stderr, code := sgVia(t, dir, nil, prefix, "trace", "-o", out, "--", "/bin/sh", "-c", script)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", mode, code, stderr)
		}
		if got := strings.Contains(stderr, earlyGate); got != (mode == "early") {
			t.Fatalf("%s: early start %v; stderr:\n%s", mode, got, stderr)
		}
		// The runtime's sigactions for the four signals reached the
		// constructor's wrapper (-Wl,--wrap=sigaction) while it held them:
		// its handlers of SIGTERM and SIGQUIT, and of SIGINT and SIGHUP
		// unless they were ignored at the start (inherited from this test,
		// say under nohup or as a shell's background job), which the
		// runtime then leaves ignored.
		want := 4
		for _, s := range []os.Signal{syscall.SIGINT, syscall.SIGHUP} {
			if signal.Ignored(s) {
				want--
			}
		}
		if held := fmt.Sprintf("handlers of %d signals held", want); mode == "early" && !strings.Contains(stderr, held) {
			t.Errorf("early: stderr lacks %q:\n%s", held, stderr)
		}
		if stdout != "out\n" || !strings.Contains(stderr, "err\n") {
			t.Errorf("%s: stdout %q, stderr %q", mode, stdout, stderr)
		}
		f, err := trace.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if f.Lost != 0 || f.Processes != 3 {
			t.Errorf("%s: lost %d, processes %d (want 0, 3: sh, ls and cat)", mode, f.Lost, f.Processes)
		}
		traces[mode] = f
	}
	counts := func(f *trace.File) string {
		var b strings.Builder
		for _, s := range f.Syscalls {
			fmt.Fprintf(&b, "%s/%d %s %d\n", s.Arch, s.Nr, s.Name, s.Count)
		}
		return b.String()
	}
	if e, o := counts(traces["early"]), counts(traces["off"]); e != o {
		t.Errorf("the early start's trace differs from the Go side's:\n%s\nwithout it:\n%s", e, o)
	}

	// -o -: the trace on stdout, the command's output on stderr.
	earlyReady(t)
	stdout, stderr, code := sgVia(t, dir, nil, []string{"env", "SECCOMP_GEN_TIMING=1"}, "trace", "--", "/bin/sh", "-c", "echo out")
	if code != 0 || !strings.Contains(stderr, earlyGate) {
		t.Fatalf("trace -- sh: exit %d, stderr:\n%s", code, stderr)
	}
	f, err := trace.Decode(strings.NewReader(stdout))
	if err != nil || len(f.Syscalls) == 0 {
		t.Fatalf("stdout is no trace (%v):\n%s", err, stdout)
	}
	if !strings.Contains(stderr, "out\n") {
		t.Errorf("the command's output is not on stderr:\n%s", stderr)
	}
}

// TestEarlyStartLeavesItToGo: where the Go side would refuse the command
// line, or could not tell the same command the same way, the constructor
// starts nothing, and the command runs (or does not) exactly as without
// the early start. The command is touch MARK: whether it ran is whether
// MARK exists.
func TestEarlyStartLeavesItToGo(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	prog := filepath.Join(dir, "prog")
	data, err := os.ReadFile("/bin/touch")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(prog, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "real.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.yaml", filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	mark := filepath.Join(dir, "mark")
	for _, c := range []struct {
		name   string
		prefix []string // before this test binary
		args   []string // trace's, before -- CMD
		cmd    string   // the program (default /bin/touch)
		code   int      // the exit status; 0: the command ran
	}{
		{name: "no directory", args: []string{"-o", filepath.Join(dir, "missing", "t.yaml")}, code: 2},
		{name: "a directory", args: []string{"-o", dir}, code: 2},
		{name: "the command's program", args: []string{"-o", prog}, cmd: prog, code: 2},
		{name: "stdout closed", prefix: []string{"/bin/sh", "-c", `exec "$@" >&-`, "sh"}, code: 2},
		{name: "duration", args: []string{"-o", filepath.Join(dir, "d.yaml"), "--duration", "1m"}},
		{name: "a link", args: []string{"-o", filepath.Join(dir, "link.yaml")}},
		{name: "a dot", args: []string{"-o", dir + "/./dot.yaml"}},
		{name: "flag twice", args: []string{"-v", "-v", "-o", filepath.Join(dir, "f.yaml")}},
		{name: "an unknown flag", args: []string{"--bogus", "-o", filepath.Join(dir, "u.yaml")}, code: 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			os.Remove(mark)
			earlyReady(t)
			cmd := c.cmd
			if cmd == "" {
				cmd = "/bin/touch"
			}
			prefix := append(append([]string(nil), c.prefix...), "env", "SECCOMP_GEN_TIMING=1")
			if len(c.prefix) > 0 && c.prefix[0] == "env" {
				prefix = append(append([]string(nil), c.prefix...), "SECCOMP_GEN_TIMING=1")
			}
			args := append(append([]string{"trace"}, c.args...), "--", cmd, mark)
			_, stderr, code := sgVia(t, dir, nil, prefix, args...)
			if strings.Contains(stderr, "seccomp-gen: timing early") {
				t.Errorf("started early; stderr:\n%s", stderr)
			}
			_, statErr := os.Stat(mark)
			ran := statErr == nil
			if code != c.code || ran != (c.code == 0) {
				t.Errorf("exit %d, command ran %v; want exit %d, ran %v; stderr:\n%s", code, ran, c.code, c.code == 0, stderr)
			}
		})
	}
}

// TestEarlyStartExecFails: a command the constructor started whose execve
// fails is reported as the Go side's start reports it.
func TestEarlyStartExecFails(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("no program\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var said [2]string
	for i, mode := range []string{"early", "off"} {
		prefix := []string{"env", "SECCOMP_GEN_TIMING=1", "SECCOMP_GEN_EARLY=" + mode}
		if mode == "early" {
			earlyReady(t)
		}
		_, stderr, code := sgVia(t, dir, nil, prefix, "trace", "-o", filepath.Join(dir, "t.yaml"), "--", bad)
		if got := strings.Contains(stderr, earlyGate); got != (mode == "early") {
			t.Fatalf("%s: early start %v; stderr:\n%s", mode, got, stderr)
		}
		if code != 126 {
			t.Errorf("%s: exit %d, want 126; stderr:\n%s", mode, code, stderr)
		}
		for _, l := range strings.Split(stderr, "\n") {
			if strings.HasPrefix(l, "seccomp-gen: trace") {
				said[i] = l
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "t.yaml")); err == nil {
			t.Errorf("%s: a trace was written for a command that did not run", mode)
		}
	}
	if said[0] == "" || said[0] != said[1] {
		t.Errorf("early: %q\nwithout: %q", said[0], said[1])
	}
}

// TestEarlyStartSignalFromCommand: a command started early that signals
// seccomp-gen at once reaches it while the Go runtime starts (the
// constructor holds the Ctrl-C policy's signals then, keeping the
// runtime's handlers out, notes them, and package gate raises them again
// once signal.Notify is in place): the signal is
// neither lost (seccomp-gen would wait for the command) nor fatal
// (seccomp-gen would die of it, with no trace): SIGTERM ends the trace at
// once, the trace is written, and the exit status is 143; SIGINT gives the
// command its time to exit, traced, and the status is the command's.
func TestEarlyStartSignalFromCommand(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	for _, c := range []struct {
		sig, script string
		code        int
	}{
		{"TERM", "exec >/dev/null 2>&1; kill -TERM $PPID; sleep 2", 143},
		{"INT", "kill -INT $PPID; sleep 0.2; exit 7", 7},
	} {
		// held: the Go side takes the signals over 300 ms late (package
		// gate's test knob), so the command's signal comes while the
		// constructor holds them, after the Go runtime set its handlers.
		for _, held := range []bool{false, true} {
			name := c.sig
			env := []string{"env", "SECCOMP_GEN_TIMING=1"}
			if held {
				name += "-held"
				env = append(env, "SECCOMP_GEN_EARLY_TEST_TAKE_DELAY_MS=300")
			}
			t.Run(name, func(t *testing.T) {
				earlyReady(t)
				out := filepath.Join(dir, name+".yaml")
				start := time.Now()
				_, stderr, code := sgVia(t, dir, nil, env, "trace", "-o", out, "--", "/bin/sh", "-c", c.script)
				if !strings.Contains(stderr, earlyGate) {
					t.Fatalf("not started early; stderr:\n%s", stderr)
				}
				if code != c.code || time.Since(start) > 1500*time.Millisecond {
					t.Errorf("exit %d after %v, want %d at once; stderr:\n%s", code, time.Since(start).Round(time.Millisecond), c.code, stderr)
				}
				if f, err := trace.ReadFile(out); err != nil || len(f.Syscalls) == 0 {
					t.Errorf("no trace (%v)", err)
				}
			})
		}
	}
}
