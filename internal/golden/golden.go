// Package golden compares test output with golden files in testdata and
// rewrites them when the test runs with -update, so that every package's
// golden tests behave, and say how to update, the same way.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files instead of comparing with them")

// Updating reports whether the test runs with -update.
func Updating() bool { return *update }

// Option changes what Check says on a mismatch.
type Option func(*options)

type options struct {
	shown string
	note  string
}

// Shown replaces the output printed on a mismatch (for binary files).
func Shown(s string) Option { return func(o *options) { o.shown = s } }

// Note adds a remark to the mismatch message (the library version the
// golden file depends on).
func Note(s string) Option { return func(o *options) { o.note = s } }

// Check compares got with the golden file at path; with -update it writes
// got there (creating the directory) instead.
func Check(t testing.TB, path string, got []byte, opts ...Option) {
	t.Helper()
	var o options
	for _, f := range opts {
		f(&o)
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	dir, _ := os.Getwd()
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (create it with: go test -run '^%s$' -update, in %s)", err, t.Name(), dir)
	}
	if bytes.Equal(got, want) {
		return
	}
	shown, wanted := string(got), string(want)
	if o.shown != "" {
		shown, wanted = o.shown, "(not shown)"
	}
	note := ""
	if o.note != "" {
		note = " (" + o.note + ")"
	}
	t.Errorf("%s differs from the golden file%s; if the change is intended, run: go test -run '^%s$' -update, in %s\n--- got ---\n%s\n--- want ---\n%s",
		path, note, t.Name(), dir, shown, wanted)
}
