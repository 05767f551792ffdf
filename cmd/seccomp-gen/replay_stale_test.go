package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// TestReplayFailureReplacesReport: a replay that fails before it has a
// verdict (the profile missing or not a profile, a flag refused) replaces
// the report file a previous run left with one that says the run did not
// happen, so that a CI system reading only the report never keeps showing
// an earlier pass; a report path that is one of the inputs is still never
// written.
func TestReplayFailureReplacesReport(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, []byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	stale := `{"tool":"replay","passed":true,"ok":true}`
	cases := []struct {
		name string
		args []string
		want string // in run_error
	}{
		{"missing profile", []string{"-p", "nonexistent.json", "--", "true"}, "nonexistent.json"},
		{"not a profile", []string{"-p", "notes.txt", "--", "true"}, "notes.txt"},
		{"flag refused", []string{"-p", good, "--duration", "-1s", "--", "true"}, "--duration"},
		{"baseline refused", []string{"-p", good, "--baseline", "nosuchbaseline", "--", "true"}, "nosuchbaseline"},
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, "report.json")
			if err := os.WriteFile(out, []byte(stale), 0o644); err != nil {
				t.Fatal(err)
			}
			_, stderr, code := sg(t, dir, append([]string{"replay", "--report", "json", "-o", out}, c.args...)...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d\n%s", code, exitUsage, stderr)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var v struct {
				Passed   *bool  `json:"passed"`
				NotRun   bool   `json:"not_run"`
				ExitCode *int   `json:"exit_code"`
				RunError string `json:"run_error"`
			}
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatalf("report: %v\n%s", err, b)
			}
			if v.Passed == nil || *v.Passed || !v.NotRun || v.ExitCode == nil || *v.ExitCode != exitUsage || !strings.Contains(v.RunError, c.want) {
				t.Fatalf("the report left after a failed replay does not say so (want passed false, not_run, exit_code %d, run_error naming %q):\n%s", exitUsage, c.want, b)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr does not name %q:\n%s", c.want, stderr)
			}
		})
	}

	// The recorder refused (no privileges): exit 1, the report says so.
	t.Run("not privileged", func(t *testing.T) {
		testutil.RequireRoot(t) // to drop to nobody
		// nobody must reach dir: t.TempDir's parent is 0700.
		if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(good, 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "nobody.json")
		if err := os.WriteFile(out, []byte(stale), 0o666); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(out, 0o666); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := sgVia(t, dir, nil, []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"},
			"replay", "--report", "json", "-o", out, "-p", good, "--", "true")
		if code != exitFailure {
			t.Fatalf("replay as nobody: exit %d, want %d\n%s", code, exitFailure, stderr)
		}
		if !strings.Contains(stderr, "seccomp-gen doctor") {
			t.Errorf("replay refused by the machine does not point at doctor, as trace does:\n%s", stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"not_run": true`) || !strings.Contains(string(b), `"passed": false`) {
			t.Fatalf("the report left after a refused replay does not say so:\n%s", b)
		}
	})

	// -o naming the profile: refused, and the profile is not replaced by
	// a report.
	_, stderr, code := sg(t, dir, "replay", "--report", "json", "-o", good, "-p", good, "--", "true")
	if code != exitUsage {
		t.Fatalf("-o = -p: exit %d\n%s", code, stderr)
	}
	if b, _ := os.ReadFile(good); !strings.HasPrefix(string(b), `{"defaultAction"`) {
		t.Fatalf("the profile was overwritten:\n%s", b)
	}
	// A report format replay does not know: nothing to write in.
	out := filepath.Join(dir, "report.x")
	if err := os.WriteFile(out, []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := sg(t, dir, "replay", "--report", "yaml", "-o", out, "-p", good, "--", "true"); code != exitUsage {
		t.Fatalf("--report yaml: exit %d\n%s", code, stderr)
	}
	if b, _ := os.ReadFile(out); string(b) != stale {
		t.Fatalf("a report of an unknown format was written:\n%s", b)
	}
}
