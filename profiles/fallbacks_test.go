package profiles

import (
	"slices"
	"strings"
	"testing"
)

func TestFallbacksTable(t *testing.T) {
	fb := Fallbacks()
	if len(fb) < 10 {
		t.Fatalf("only %d entries", len(fb))
	}
	for _, f := range fb {
		if !strings.HasPrefix(f.Test, "TestFallbacks/") {
			t.Errorf("%s (%s): test %q is not a TestFallbacks case", f.Newer, f.Source, f.Test)
		}
	}
	if _, err := parseFallbacks([]byte("fallbacks:\n  - newer: clone3\n    older: [clone]\n    on: [ENOSYS]\n")); err == nil {
		t.Error("an entry without source, file and test was accepted")
	}
	if _, err := parseFallbacks([]byte("fallbacks:\n  - newer: x\n    bogus: 1\n")); err == nil {
		t.Error("an unknown key was accepted")
	}
	entry := "fallbacks:\n  - newer: clone3\n    older: [clone]\n    on: [ENOSYS]\n    source: s\n    file: f\n    test: t\n"
	if _, err := parseFallbacks([]byte(entry + "    args: {fork: {0: [17]}}\n")); err == nil {
		t.Error("args of a syscall that is not older were accepted")
	}
	if _, err := parseFallbacks([]byte(entry + "    args: {clone: {6: [17]}}\n")); err == nil {
		t.Error("args at index 6 were accepted")
	}
	for _, f := range fb {
		if f.Newer == "clone3" && f.Source == "glibc 2.36" {
			if got := f.Args["clone"][0]; !slices.Equal(got, []uint64{0x3d0f00, 0x4111}) {
				t.Errorf("glibc's clone3 entry: clone flags %#x, want pthread_create's and posix_spawn's", got)
			}
		}
	}
}
