package recorder_test

// Ground truth for the attach targets, `seccomp-gen trace --pid PID` and
// `seccomp-gen trace --cgroup DIR`: the gated workload (testdata/workloads/
// gated.c) blocks reading its standard input; the tracer (strace -p, or
// seccomp-gen) attaches while it waits; two bytes open the gate; everything
// the workload, its thread and its child do after that must be in the trace.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/trace"
)

// gatedProc is the gated workload, started and waiting at its gate.
type gatedProc struct {
	cmd  *exec.Cmd
	gate io.WriteCloser
}

func startGated(t *testing.T, w workload) *gatedProc {
	t.Helper()
	cmd := exec.Command(w.Argv[0], w.Argv[1:]...)
	gate, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return &gatedProc{cmd: cmd, gate: gate}
}

// open opens the gate and waits for the workload to exit with status 0.
func (g *gatedProc) open(t *testing.T) {
	t.Helper()
	if _, err := g.gate.Write([]byte("go")); err != nil {
		t.Fatalf("open the gate: %v", err)
	}
	g.gate.Close()
	done := make(chan error, 1)
	go func() { done <- g.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("gated workload: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("gated workload: still running 30s after its gate opened")
	}
}

// lineWaiter collects a process's stderr and lets a test wait for a line.
type lineWaiter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan string
}

func newLineWaiter(r io.Reader) *lineWaiter {
	lw := &lineWaiter{lines: make(chan string, 100)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lw.mu.Lock()
			lw.buf.WriteString(sc.Text() + "\n")
			lw.mu.Unlock()
			select {
			case lw.lines <- sc.Text():
			default:
			}
		}
		close(lw.lines)
	}()
	return lw
}

func (lw *lineWaiter) String() string {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.buf.String()
}

// waitFor waits for a line containing want.
func (lw *lineWaiter) waitFor(t *testing.T, what, want string) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-lw.lines:
			if !ok {
				t.Fatalf("%s exited before printing %q:\n%s", what, want, lw)
			}
			if strings.Contains(l, want) {
				return
			}
		case <-timeout:
			t.Fatalf("%s: no %q after 20s:\n%s", what, want, lw)
		}
	}
}

// waitCmd waits for cmd, which must end on its own once the workload has
// exited, and fails unless it exits with 0.
func waitCmd(t *testing.T, what string, cmd *exec.Cmd, lw *lineWaiter) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v\n%s", what, err, lw)
		}
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%s: still running 10s after the workload exited\n%s", what, lw)
	}
}

// straceAttached is the ground truth for the attach tests: strace -f -p on
// the gated workload, attached while it waits at the gate.
func straceAttached(t *testing.T, w workload) *straceResult {
	t.Helper()
	g := startGated(t, w)
	log := filepath.Join(t.TempDir(), "strace.log")
	// Attach messages stay on (no quiet=attach): they say when strace
	// is ready. They go to stderr, not to the log.
	cmd := exec.Command("strace", "-f", "-n", "-e", "quiet=exit", "-o", log, "-p", strconv.Itoa(g.cmd.Process.Pid))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lw := newLineWaiter(stderr)
	lw.waitFor(t, "strace -p", "attached")
	g.open(t)
	waitCmd(t, "strace -p", cmd, lw)
	fh, err := os.Open(log)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	st, err := parseStrace(fh)
	if err != nil {
		t.Fatalf("%s: %v", log, err)
	}
	for _, e := range w.Expect {
		c, err := resolveExpect(e)
		if err != nil {
			t.Fatal(err)
		}
		if st.Calls[c] == nil {
			t.Fatalf("strace -p did not see %s that %s promises after its gate: workload broken", e, filepath.Base(w.Source))
		}
	}
	return st
}

// traceAttached runs seccomp-gen trace with target (--pid PID or --cgroup
// DIR) against the gated workload g and returns the trace.
func traceAttached(t *testing.T, bin string, g *gatedProc, target ...string) *trace.File {
	t.Helper()
	traceFile := filepath.Join(t.TempDir(), "trace.yaml")
	// -v prints "seccomp-gen: tracing ..." once the BPF programs are attached.
	cmd := exec.Command(bin, append([]string{"trace", "-v", "-o", traceFile}, target...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	lw := newLineWaiter(stderr)
	what := "seccomp-gen trace " + strings.Join(target, " ")
	lw.waitFor(t, what, "tracing")
	g.open(t)
	waitCmd(t, what, cmd, lw)
	tf, err := trace.ReadFile(traceFile)
	if err != nil {
		t.Fatalf("%s wrote no readable trace: %v\n%s", what, err, lw)
	}
	t.Cleanup(func() {
		if t.Failed() {
			data, _ := os.ReadFile(traceFile)
			t.Logf("seccomp-gen output:\n%s\ntrace file:\n%s", lw, data)
		}
	})
	return tf
}

func runAttachTargets(t *testing.T, bin string, w workload) {
	st := straceAttached(t, w)
	t.Run("pid", func(t *testing.T) {
		g := startGated(t, w)
		pid := g.cmd.Process.Pid
		tf := traceAttached(t, bin, g, "--pid", strconv.Itoa(pid))
		if tf.Target.PID != pid {
			t.Errorf("trace: target pid %d, want %d", tf.Target.PID, pid)
		}
		checkTrace(t, w, st, tf)
	})
	t.Run("cgroup", func(t *testing.T) {
		root, err := cgroup2Root()
		if err != nil {
			t.Fatal(err)
		}
		dir, err := os.MkdirTemp(root, "seccomp-gen-groundtruth-")
		if err != nil {
			t.Fatalf("create a cgroup: %v", err)
		}
		t.Cleanup(func() {
			if err := os.Remove(dir); err != nil {
				t.Errorf("remove cgroup: %v", err)
			}
		})
		g := startGated(t, w)
		// Into the cgroup while it waits at the gate; its thread and
		// child are born there.
		procs := filepath.Join(dir, "cgroup.procs")
		if err := os.WriteFile(procs, []byte(strconv.Itoa(g.cmd.Process.Pid)), 0o644); err != nil {
			t.Fatalf("move the workload into %s: %v", dir, err)
		}
		tf := traceAttached(t, bin, g, "--cgroup", dir)
		checkTrace(t, w, st, tf)
	})
}

// cgroup2Root finds a cgroup v2 mount: /sys/fs/cgroup on unified hosts,
// /sys/fs/cgroup/unified on hybrid ones.
func cgroup2Root() (string, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		// "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw"
		pre, post, ok := strings.Cut(line, " - ")
		f := strings.Fields(pre)
		if ok && len(f) >= 5 && strings.HasPrefix(post, "cgroup2 ") {
			return f[4], nil
		}
	}
	return "", fmt.Errorf("no cgroup v2 mount in /proc/self/mountinfo")
}
