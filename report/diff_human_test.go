package report

import (
	"strings"
	"testing"
)

// TestDiffHumanCounts: one difference is said in the singular.
func TestDiffHumanCounts(t *testing.T) {
	for _, tc := range []struct {
		d    Diff
		want string
	}{
		{Diff{A: "a.json", B: "b.json", Superset: true, OK: true, NotShown: 1}, "diff: 1 other difference does not break the superset and is not shown (-v shows them)\n"},
		{Diff{A: "a.json", B: "b.json", Superset: true, OK: true, NotShown: 2}, "diff: 2 other differences do not break the superset and are not shown (-v shows them)\n"},
		{Diff{A: "a.json", B: "b.json", Superset: true, OnlyB: []DiffEntry{{Arch: "x86_64", Name: "uname", Nr: 63}}}, "diff: a.json does NOT allow 1 syscall that b.json allows\n"},
	} {
		var b strings.Builder
		if err := WriteDiff(&b, Human, &tc.d); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tc.want) {
			t.Errorf("got:\n%s\nwant a line %q", b.String(), tc.want)
		}
	}
}
