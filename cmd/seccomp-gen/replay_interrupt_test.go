package main

import (
	"encoding/json"
	"os"
	"path/filepath"
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
