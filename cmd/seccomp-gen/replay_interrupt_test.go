package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// TestReplayInterruptedBeforeStart: Ctrl-C while the recorder is still
// loading means the command is not run; the report says so (not_run, as
// for a command not found), so that CI has one to read, and replay exits
// 130. SECCOMP_GEN_TIMING shows when the recorder's start began.
func TestReplayInterruptedBeforeStart(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	prof := filepath.Join(dir, "p.json")
	if _, stderr, code := sg(t, dir, "generate", "-o", prof, genTrace(t, "workload.yaml")); code != 0 {
		t.Fatalf("generate: exit %d %s", code, stderr)
	}
	t.Setenv("SECCOMP_GEN_TIMING", "1")
	out := filepath.Join(dir, "r.json")
	ran := filepath.Join(dir, "ran")
	// The signal lands after the recorder's start began; on a fast enough
	// machine it could land after the command started: try again then.
	for try := 0; try < 5; try++ {
		os.Remove(out)
		p := startSG(t, false, "replay", "-p", prof, "--report", "json", "-o", out, "--", "/bin/touch", ran)
		waitLine(t, p.lines, "seccomp-gen: timing record ")
		if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		if err := waitDone(p.cmd, 20*time.Second); err != nil {
			t.Fatal(err)
		}
		rest := p.rest()
		if _, err := os.Stat(ran); err == nil {
			t.Logf("try %d: the command started before the signal; again", try)
			os.Remove(ran)
			continue
		}
		if code := p.cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(rest, "seccomp-gen: replay: /bin/touch: interrupted before the command started: it was not run, and nothing was checked\n") {
			t.Errorf("exit %d, want 130; stderr:\n%s", code, rest)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("no report: %v", err)
		}
		var v struct {
			NotRun   bool   `json:"not_run"`
			OK       bool   `json:"ok"`
			ExitCode *int   `json:"exit_code"`
			RunError string `json:"run_error"`
		}
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		if !v.NotRun || v.OK || v.ExitCode == nil || *v.ExitCode != 130 || !strings.Contains(v.RunError, "interrupted before the command started") {
			t.Errorf("report does not say the command was not run:\n%s", data)
		}
		return
	}
	t.Fatal("the command started before SIGINT every time")
}

// TestReplayPIDInterruptedWhileLoading: a --pid replay signalled while its
// profile is still loading (a FIFO no one writes yet) held the signal
// until the recording would start, and so waited on the FIFO: SIGTERM did
// nothing. As for a command: exit 143, and a report saying nothing was
// recorded.
func TestReplayPIDInterruptedWhileLoading(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "p.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	target := exec.Command("sleep", "60")
	if err := target.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = target.Process.Kill(); _ = target.Wait() })
	out := filepath.Join(dir, "r.json")
	p := startSG(t, false, "replay", "--pid", strconv.Itoa(target.Process.Pid), "-p", fifo, "--report", "json", "-o", out)
	t.Cleanup(func() {
		// Whatever happened, never leave it blocked on the FIFO.
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	// Signalled once blocked opening the FIFO (a sleep was too short on
	// a loaded machine: the signal came before seccomp-gen's handlers).
	waitFIFOOpen(t, p.cmd.Process.Pid)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := waitDone(p.cmd, 10*time.Second); err != nil {
		t.Fatalf("replay --pid did not end on SIGTERM while its profile loaded: %v", err)
	}
	rest := p.rest()
	if code := p.cmd.ProcessState.ExitCode(); code != 143 || !strings.Contains(rest, "interrupted before the recording started: nothing was checked") {
		t.Errorf("exit %d, want 143; stderr:\n%s", code, rest)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no report: %v", err)
	}
	if !strings.Contains(string(data), `"not_run": true`) || !strings.Contains(string(data), `"exit_code": 143`) {
		t.Errorf("report:\n%s", data)
	}
}

// waitFIFOOpen waits until a thread of process pid is blocked opening a
// FIFO that has no writer yet (the kernel's wait_for_partner).
func waitFIFOOpen(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/wchan")
		for _, w := range tasks {
			if b, err := os.ReadFile(w); err == nil && string(b) == "wait_for_partner" {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("pid %d never blocked opening the FIFO", pid)
}
