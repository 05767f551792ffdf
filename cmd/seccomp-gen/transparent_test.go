package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/report"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// A command run under trace or replay sees the world it would see when run
// bare (apart from the filter under replay --enforce). These tests compare
// the two.

// Ctrl-\ (SIGQUIT) reaches the whole foreground process group, as Ctrl-C
// does: the command dumps core (here: ulimit -c 0, so no file) and exits
// 131, and seccomp-gen writes its results and exits as the command did,
// instead of dying with a Go goroutine dump.
func TestCtrlBackslash(t *testing.T) {
	const quitter = "ulimit -c 0; echo up >&2; exec sleep 30"
	run := func(t *testing.T, args ...string) (code int) {
		t.Helper()
		sg := startSG(t, true, append(args, "--", "sh", "-c", quitter)...)
		waitLine(t, sg.lines, "up")
		time.Sleep(100 * time.Millisecond) // sh has exec'd sleep
		sg.signalGroup(t, syscall.SIGQUIT)
		if err := waitDone(sg.cmd, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		rest := sg.rest()
		if strings.Contains(rest, "goroutine ") || strings.Contains(rest, "SIGQUIT") {
			t.Errorf("Go's SIGQUIT dump on stderr:\n%s", rest)
		}
		return sg.cmd.ProcessState.ExitCode()
	}
	t.Run("trace", func(t *testing.T) {
		testutil.RequireRoot(t)
		out := filepath.Join(t.TempDir(), "t.yaml")
		if code := run(t, "trace", "-o", out); code != 128+int(syscall.SIGQUIT) {
			t.Errorf("exit %d, want the command's 131", code)
		}
		f, err := trace.ReadFile(out)
		if err != nil {
			t.Fatalf("no trace after Ctrl-\\: %v", err)
		}
		if f.ExitCode == nil || *f.ExitCode != 128+int(syscall.SIGQUIT) {
			t.Errorf("trace exit_code %v, want 131", f.ExitCode)
		}
	})
	t.Run("enforce", func(t *testing.T) {
		dir := t.TempDir()
		prof := writeProfile(t, dir, "p.json", allowAllBut("acct", policy.ActErrno), emit.FormatDocker)
		rep := filepath.Join(dir, "r.json")
		if code := run(t, "replay", "--enforce", "--report", "json", "-o", rep, "-p", prof); code != exitCommandFailed {
			t.Errorf("exit %d, want %d", code, exitCommandFailed)
		}
		data, err := os.ReadFile(rep)
		if err != nil {
			t.Fatalf("no report after Ctrl-\\: %v", err)
		}
		var v report.Verdict
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		if v.ExitCode == nil || *v.ExitCode != 128+int(syscall.SIGQUIT) {
			t.Errorf("report exit_code %v, want 131", v.ExitCode)
		}
	})
}
