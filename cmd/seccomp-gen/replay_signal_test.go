package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/report"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"golang.org/x/sys/unix"
)

// TestReplayKilledBySignal: a command that a signal killed is reported as
// killed by that signal (name and number) in every report format, not as
// "exited with status 143"; exit_code stays 128+N and replay exits 4, as
// for any failed run. --enforce sees the wait status, so a command that
// exits 143 by itself is an exit status there.
func TestReplayKilledBySignal(t *testing.T) {
	dir := t.TempDir()
	prof := writeProfile(t, dir, "p.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)
	const killed = "the command was killed by signal SIGTERM (15)"
	for _, mode := range []string{"traced", "enforce"} {
		t.Run(mode, func(t *testing.T) {
			var flags []string
			if mode == "traced" {
				testutil.RequireRoot(t)
			} else {
				flags = []string{"--enforce"}
			}
			run := func(format string, argv ...string) (string, string) {
				t.Helper()
				out := filepath.Join(t.TempDir(), "report")
				args := append(append([]string{"replay", "-p", prof, "--report", format, "-o", out}, flags...), "--")
				_, stderr, code := sg(t, dir, append(args, argv...)...)
				if code != exitCommandFailed {
					t.Fatalf("%s: exit %d, want %d\n%s", format, code, exitCommandFailed, stderr)
				}
				data, err := os.ReadFile(out)
				if err != nil {
					t.Fatalf("no %s report: %v", format, err)
				}
				return string(data), stderr
			}
			term := []string{"sh", "-c", "kill -TERM $$"}

			human, _ := run("human", term...)
			if !strings.Contains(human, "note: "+killed+"\n") || strings.Contains(human, "status 143") {
				t.Errorf("human report, want %q and no status 143:\n%s", killed, human)
			}

			data, _ := run("json", term...)
			var v report.Verdict
			if err := json.Unmarshal([]byte(data), &v); err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			if v.ExitCode == nil || *v.ExitCode != 143 || v.Signal == nil || v.Signal.Name != "SIGTERM" || v.Signal.Number != 15 ||
				v.RunError != killed || v.Passed {
				t.Errorf("JSON report: want exit_code 143, signal SIGTERM 15, run_error %q:\n%s", killed, data)
			}

			data, _ = run("junit", term...)
			var j junitDoc
			if err := xml.Unmarshal([]byte(data), &j); err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			props := map[string]string{}
			for _, p := range j.Suite.Properties {
				props[p.Name] = p.Value
			}
			if props["exit_code"] != "143" || props["signal"] != "SIGTERM (15)" || !strings.Contains(data, killed) {
				t.Errorf("JUnit report: want exit_code 143, signal SIGTERM (15) and %q:\n%s", killed, data)
			}

			if mode == "enforce" {
				data, _ = run("json", "sh", "-c", "exit 143")
				v = report.Verdict{}
				if err := json.Unmarshal([]byte(data), &v); err != nil {
					t.Fatalf("%v\n%s", err, data)
				}
				if v.ExitCode == nil || *v.ExitCode != 143 || v.Signal != nil || v.RunError != "the command exited with status 143" {
					t.Errorf("JSON report of exit 143: want no signal:\n%s", data)
				}
			}
		})
	}
}

// TestReplaySignalAfterCommandExited: a SIGTERM that comes after the
// command exited, while a process it left (a daemon) still runs, cuts the
// run short as one while the command runs does: the report says so and
// how many processes still ran, and the run fails (exit 4), whatever the
// command's own status (0 here). Before, both modes passed silently (exit
// 0, "passed": true, no note): traced, the SIGTERM passed on ended the
// daemon; --enforce left it running under its helper, which denied what
// the report never showed (found by an audit). The signal is sent once the
// shell has exited and been reaped, and its daemon adopted by replay.
func TestReplaySignalAfterCommandExited(t *testing.T) {
	dir := t.TempDir()
	prof := writeProfile(t, dir, "p.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)
	const cut = "interrupted after the command exited, while 1 process of its tree still ran"
	// Ctrl-C too: what the command left is in no terminal's foreground
	// group (a daemon's own session; a non-interactive shell's background
	// job ignores SIGINT anyway), so replay passes SIGTERM on. It waited
	// for the daemon to end by itself, saying it waited for the command.
	for _, c := range []struct {
		mode string
		sig  syscall.Signal
	}{{"traced", syscall.SIGTERM}, {"traced", syscall.SIGINT}, {"enforce", syscall.SIGTERM}, {"enforce", syscall.SIGINT}} {
		mode := c.mode
		t.Run(mode+"/"+unix.SignalName(c.sig), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.json")
			args := []string{"replay", "-p", prof, "--report", "json", "-o", out}
			if mode == "traced" {
				testutil.RequireRoot(t)
			} else {
				args = append(args, "--enforce")
			}
			p, sh, daemon := startLeavingDaemon(t, args...)
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				_, err := os.Stat(fmt.Sprintf("/proc/%d", sh))
				status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", daemon))
				if err != nil && strings.Contains(string(status), fmt.Sprintf("\nPPid:\t%d\n", p.cmd.Process.Pid)) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the shell (pid %d) not reaped, or its daemon not adopted by replay, within 10 s:\n%s", sh, status)
				}
			}
			time.Sleep(100 * time.Millisecond) // for replay to take the shell's exit in
			if err := p.cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			if err := waitDone(p.cmd, 20*time.Second); err != nil {
				t.Fatal(err)
			}
			rest := p.rest()
			if strings.Contains(rest, "waiting for the command to exit") {
				t.Errorf("said it waited for the command, which had exited:\n%s", rest)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("no report: %v\n%s", err, rest)
			}
			var v report.Verdict
			if err := json.Unmarshal(data, &v); err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			if code := p.cmd.ProcessState.ExitCode(); code != exitCommandFailed || v.Passed || v.RunError != cut ||
				!slices.Contains(v.Notes, cut+": the verdict covers the run up to then") || v.ExitCode == nil || *v.ExitCode != 0 {
				t.Errorf("exit %d, want %d, a failed run %q, a note saying so and the command's exit code 0; stderr:\n%s\nreport:\n%s", code, exitCommandFailed, cut, rest, data)
			}
		})
	}
}

// TestTraceSignalAfterCommandExited: trace's side of
// TestReplaySignalAfterCommandExited. SIGTERM after the command exited,
// while a process it left still runs: the trace ends early (that process
// runs on, untraced, and the trace lacks what it does later), so trace
// exits 128+N and says why, as for a signal while the command runs.
// Before, it exited 0, the command's status, as if the trace were whole
// (found while fixing replay's case).
func TestTraceSignalAfterCommandExited(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "t.yaml")
	p, sh, daemon := startLeavingDaemon(t, "trace", "-o", out)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", sh)); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the shell (pid %d) not reaped within 10 s", sh)
		}
	}
	time.Sleep(100 * time.Millisecond) // for trace to take the shell's exit in
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := waitDone(p.cmd, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	rest := p.rest()
	if code := p.cmd.ProcessState.ExitCode(); code != 143 || !strings.Contains(rest, "SIGTERM ended the trace after the command exited, while processes of its tree still ran") {
		t.Errorf("exit %d, want 143 and why; stderr:\n%s", code, rest)
	}
	if _, err := trace.ReadFile(out); err != nil {
		t.Errorf("the trace was not written: %v", err)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", daemon)); err != nil {
		t.Errorf("the daemon did not run on: %v", err)
	}
}

// startLeavingDaemon starts seccomp-gen with args and, as its command, a
// shell that leaves a sleep running behind it (a daemon) and exits; it
// returns once both have started, with their PIDs. The sleep is killed
// when the test ends.
func startLeavingDaemon(t *testing.T, args ...string) (p *started, sh, daemon int) {
	t.Helper()
	pids := filepath.Join(t.TempDir(), "pids")
	script := `sleep 60 </dev/null >/dev/null 2>&1 & echo $$ $! >"$0.tmp" && mv "$0.tmp" "$0"`
	p = startSG(t, false, append(args, "--", "/bin/sh", "-c", script, pids)...)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if data, err := os.ReadFile(pids); err == nil {
			if _, err := fmt.Sscan(string(data), &sh, &daemon); err != nil {
				t.Fatalf("%s: %v", data, err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the command did not start within 20 s")
		}
	}
	t.Cleanup(func() { _ = syscall.Kill(daemon, syscall.SIGKILL) })
	return p, sh, daemon
}
