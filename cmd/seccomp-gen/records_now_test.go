package main

import (
	"strings"
	"testing"
)

// TestRecordsNow: run preloads the recorder for trace and traced replay,
// not for --help, replay --enforce or the other commands.
func TestRecordsNow(t *testing.T) {
	for _, c := range []struct {
		args string
		want bool
	}{
		{"trace -- true", true},
		{"trace -o x.yaml -- ls -h --help", true},
		{"trace --pid 1", true},
		{"trace", true},
		{"replay --profile p.json -- true", true},
		{"replay --profile p.json --enforce -- true", false},
		{"replay --enforce=true --profile p.json -- true", false},
		{"replay --profile p.json -- prog --enforce", true},
		{"trace --help", false},
		{"trace -h -- true", false},
		{"generate t.yaml", false},
		{"check --profile p.json t.yaml", false},
		{"", false},
		{"-- trace", false},
	} {
		if got := recordsNow(strings.Fields(c.args)); got != c.want {
			t.Errorf("recordsNow(%q) = %v, want %v", c.args, got, c.want)
		}
	}
}
