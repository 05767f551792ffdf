package main

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/lint"
	"github.com/seccomp-gen/seccomp-gen/report"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

// TestJSONReportsDocumented: every field of the JSON reports (replay,
// check, diff, lint) and of version --json, and every reason a syscall can
// be missing for, is named in README's "JSON reports" section, so that a
// field added to a report is documented for the scripts that read it.
func TestJSONReportsDocumented(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n### JSON reports\n")
	if !ok {
		t.Fatal(`README.md has no "### JSON reports" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	section, _, _ = strings.Cut(section, "\n### ")
	names := []string{verdict.ReasonDenied, verdict.ReasonArch, verdict.ReasonUnknown, verdict.ReasonConditional,
		verdict.ReasonArgument, verdict.ReasonEnforced, verdict.ReasonWouldKill}
	for _, v := range []any{report.Verdict{}, report.Syscall{}, report.Diff{}, report.DiffEntry{},
		lint.Result{}, lint.Finding{}, lint.Summary{}, versionInfo{}} {
		typ := reflect.TypeOf(v)
		for i := 0; i < typ.NumField(); i++ {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if name != "" && name != "-" {
				names = append(names, name)
			}
		}
	}
	for _, n := range names {
		if !strings.Contains(section, "`"+n+"`") {
			t.Errorf("README.md's JSON reports section does not name `%s`", n)
		}
	}
}
