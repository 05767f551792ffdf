package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStdinHasOneName: every command names standard input ('-') <stdin>,
// in messages and in reports, whether it holds a trace or a profile.
func TestStdinHasOneName(t *testing.T) {
	dir := t.TempDir()
	tr := genTrace(t, "workload.yaml")
	prof := filepath.Join(dir, "p.json")
	if _, stderr, code := sg(t, dir, "generate", "-o", prof, tr); code != 0 {
		t.Fatalf("generate: exit %d %s", code, stderr)
	}
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string // in stdout or stderr
	}{
		{bad, []string{"generate", "-"}, "generate: <stdin>: malformed trace"},
		{tr, []string{"generate", "-o", filepath.Join(dir, "twice.json"), "-", tr}, "is the same file as <stdin>"},
		{bad, []string{"check", "-p", prof, "-"}, "check: trace <stdin>: malformed trace"},
		{tr, []string{"check", "-p", prof, "-"}, "of <stdin>"},
		{tr, []string{"check", "--report", "json", "-p", prof, "-"}, `"<stdin>"`},
		{prof, []string{"check", "--report", "json", "-p", "-", tr}, `"profile": "<stdin>"`},
		{prof, []string{"diff", "-", prof}, "<stdin> and " + prof},
		{prof, []string{"diff", "--report", "json", "-", prof}, `"a": "<stdin>"`},
		{bad, []string{"diff", "-", prof}, "diff: <stdin>: "},
		{prof, []string{"lint", "--report", "json", "-"}, `"file": "<stdin>"`},
		{bad, []string{"lint", "-"}, "lint: <stdin>: "},
		{bad, []string{"disasm", "-"}, "disasm: <stdin>: "},
	} {
		stdout, stderr, _ := sgStdin(t, dir, tc.stdin, tc.args...)
		if !strings.Contains(stdout+stderr, tc.want) {
			t.Errorf("%v: want %q in\n%s%s", tc.args, tc.want, stdout, stderr)
		}
		if strings.Contains(stdout+stderr, " - ") || strings.Contains(stdout+stderr, `"-"`) || strings.Contains(stdout+stderr, "trace -:") {
			t.Errorf("%v: '-' named as such:\n%s%s", tc.args, stdout, stderr)
		}
	}
}
