package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/enforce"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// TestCtrlCWhileStarting: Ctrl-C goes to the terminal's whole process
// group, so it reaches the process seccomp-gen starts the command through
// (the recorder's stub, replay --enforce's shim) as well as seccomp-gen.
// Whenever it lands before the command's execve, the command is not run,
// seccomp-gen exits 130 saying "interrupted before the command started",
// and replay writes its report (not_run). Before, depending on where the
// recorder's start was, replay said "command could not be executed (exit
// status 130)" and exited 4, or "start CMD: write |1: broken pipe" and
// exited 1, or found "no syscall" and exited 2; trace exited 130 without a
// word; replay --enforce said "killed by SIGINT before it started" and
// exited 4, or "send policy: broken pipe" and exited 1.
//
// The signal is sent when SECCOMP_GEN_TIMING says the recorder reached a
// phase of its start, all of them before the gate opens: the stub is
// starting, or waits at its gate. For --enforce, it is sent once the shim
// is seen running, and the test tries again when the command ran first.
func TestCtrlCWhileStarting(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	prof := filepath.Join(dir, "p.json")
	if _, stderr, code := sg(t, dir, "generate", "-o", prof, genTrace(t, "workload.yaml")); code != 0 {
		t.Fatalf("generate: exit %d %s", code, stderr)
	}
	t.Setenv("SECCOMP_GEN_TIMING", "1")
	ran := filepath.Join(dir, "ran")
	check := func(t *testing.T, p *started, tool, report string) {
		t.Helper()
		rest := p.rest()
		if _, err := os.Stat(ran); err == nil {
			t.Fatalf("the command ran: the signal came too late for this test\n%s", rest)
		}
		want := "seccomp-gen: " + tool + ": /bin/touch: interrupted before the command started: it was not run"
		if code := p.cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(rest, want) {
			t.Errorf("exit %d, want 130 and %q; stderr:\n%s", code, want, rest)
		}
		if report == "" {
			return
		}
		data, err := os.ReadFile(report)
		if err != nil {
			t.Fatalf("no report: %v", err)
		}
		var v struct {
			NotRun   bool   `json:"not_run"`
			ExitCode *int   `json:"exit_code"`
			RunError string `json:"run_error"`
		}
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		if !v.NotRun || v.ExitCode == nil || *v.ExitCode != 130 || !strings.Contains(v.RunError, "interrupted before the command started") {
			t.Errorf("the report does not say the command was not run:\n%s", data)
		}
	}
	for _, phase := range []string{"stub-start", "types", "loaded", "argmask"} {
		t.Run("trace/"+phase, func(t *testing.T) {
			out := filepath.Join(dir, "t.yaml")
			p := startSG(t, true, "trace", "-o", out, "--", "/bin/touch", ran)
			waitLine(t, p.lines, "seccomp-gen: timing "+phase+" ")
			p.signalGroup(t, syscall.SIGINT)
			if err := waitDone(p.cmd, 20*time.Second); err != nil {
				t.Fatal(err)
			}
			check(t, p, "trace", "")
			if _, err := os.Stat(out); err == nil {
				t.Errorf("a trace was written")
			}
		})
		t.Run("replay/"+phase, func(t *testing.T) {
			out := filepath.Join(dir, "r-"+phase+".json")
			p := startSG(t, true, "replay", "-p", prof, "--report", "json", "-o", out, "--", "/bin/touch", ran)
			waitLine(t, p.lines, "seccomp-gen: timing "+phase+" ")
			p.signalGroup(t, syscall.SIGINT)
			if err := waitDone(p.cmd, 20*time.Second); err != nil {
				t.Fatal(err)
			}
			check(t, p, "replay", out)
		})
	}
	t.Run("replay --enforce", func(t *testing.T) {
		for try := 0; try < 10; try++ {
			os.Remove(ran)
			out := filepath.Join(dir, "e.json")
			os.Remove(out)
			p := startSG(t, true, "replay", "--enforce", "-p", prof, "--report", "json", "-o", out, "--", "/bin/touch", ran)
			waitShim(t, p.cmd.Process.Pid)
			p.signalGroup(t, syscall.SIGINT)
			if err := waitDone(p.cmd, 20*time.Second); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(ran); err == nil {
				t.Logf("try %d: the command ran before the signal; again", try)
				p.rest()
				continue
			}
			check(t, p, "replay", out)
			return
		}
		t.Fatal("the command ran before SIGINT every time")
	})
}

// waitShim waits until the process pid has a child running as replay
// --enforce's shim (before its execve of the command; a thread's children
// are listed under that thread).
func waitShim(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var children []string
		tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
		for _, f := range tasks {
			data, _ := os.ReadFile(f)
			children = append(children, strings.Fields(string(data))...)
		}
		for _, c := range children {
			cmdline, _ := os.ReadFile("/proc/" + c + "/cmdline")
			if strings.HasPrefix(string(cmdline), enforce.ShimName+"\x00") {
				return
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
	t.Fatal("no shim within 10s")
}
