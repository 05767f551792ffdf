package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/report"
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
