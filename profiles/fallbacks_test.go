package profiles

import (
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
}
