package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// started is seccomp-gen running in the background (startSG).
type started struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	lines  chan string // stderr, line by line; closed at its end
}

// startSG starts seccomp-gen (this test binary) with args, in a process
// group of its own when pgrp is set (so that the test can send Ctrl-C to
// the group, as a terminal does). Whatever still runs is killed when the
// test ends.
func startSG(t *testing.T, pgrp bool, args ...string) *started {
	t.Helper()
	return startSGEnv(t, pgrp, nil, args...)
}

// startSGEnv is startSG with env added to the environment.
func startSGEnv(t *testing.T, pgrp bool, env []string, args ...string) *started {
	t.Helper()
	s := &started{cmd: exec.Command(os.Args[0], args...), lines: make(chan string, 1000)}
	s.cmd.Env = append(append(os.Environ(), testMainEnv+"=1"), env...)
	s.cmd.Stdout = &s.stdout
	if pgrp {
		s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	errPipe, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if pgrp {
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		}
		_ = s.cmd.Process.Kill()
	})
	go func() {
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	return s
}

// signalGroup sends sig to the process group of a startSG(t, true, ...).
func (s *started) signalGroup(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(-s.cmd.Process.Pid, sig); err != nil {
		t.Fatal(err)
	}
}

// firstLine returns the first stderr line, failing the test unless it
// starts with prefix.
func (s *started) firstLine(t *testing.T, prefix string) string {
	t.Helper()
	line, ok := <-s.lines
	if !ok || !strings.HasPrefix(line, prefix) {
		t.Fatalf("first stderr line %q, want %q...", line, prefix)
	}
	return line
}

// rest returns the stderr lines not read yet, once stderr has ended.
func (s *started) rest() string {
	var b strings.Builder
	for l := range s.lines {
		b.WriteString(l + "\n")
	}
	return b.String()
}

// waitPrepared waits until the pool holds a recorder prepared for a trace
// by this test binary (trace/recorder/record_pool.go): the one the last
// trace's helper prepares, or one a trace of true leaves now.
func waitPrepared(t *testing.T) {
	t.Helper()
	dir, n, err := recorder.PoolReady()
	if dir == "" || err != nil {
		t.Fatalf("no pool of prepared recorders (%q, %v)", dir, err)
	}
	if n == 0 {
		if _, stderr, code := sg(t, t.TempDir(), "trace", "-o", filepath.Join(t.TempDir(), "warm.yaml"), "--", "true"); code != 0 {
			t.Fatalf("trace -- true: exit %d\n%s", code, stderr)
		}
		waitRefilled(t, dir, "")
	}
}

// waitRefilled waits until the pool (dir) holds a recorder prepared for a
// trace by this test binary, failing the test after 60s with why added.
func waitRefilled(t *testing.T, dir, why string) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, n, _ := recorder.PoolReady(); n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recorder prepared in %s within 60s%s (its helper runs SCHED_IDLE: a machine busy that long starves it)", dir, why)
		}
	}
}

// TestReplayLeavesPrepared: a replay of a command claims the prepared
// recorder (the pooled phase) and leaves the pool a new one: the helper
// that prepares it is started as replay's recorder is let go. Since replay
// lets it go on a goroutine while it judges the run (Options.ReleaseLater),
// the Release it defers is what holds its exit until then; here the
// judging takes long enough for the helper to start without it, so this
// test shows the refill, not that ordering.
func TestReplayLeavesPrepared(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	prof := writeProfile(t, dir, "p.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)
	waitPrepared(t)
	_, stderr, code := sgVia(t, dir, nil, []string{"env", "SECCOMP_GEN_TIMING=1"}, "replay", "-p", prof, "-o", filepath.Join(dir, "report.txt"), "--", "true")
	if code != 0 {
		t.Fatalf("replay -- true: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "seccomp-gen: timing pooled ") {
		t.Fatalf("replay did not claim the prepared recorder (no pooled phase):\n%s", stderr)
	}
	pool, _, _ := recorder.PoolReady()
	waitRefilled(t, pool, " of the replay's exit: was its helper started?")
}
