package trace

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestSyscallNodeMatchesEncode: syscallNode writes every entry exactly as
// yaml.Node's Encode of the Syscall (what Encode used before) does: the
// repository's trace files, and names that YAML would read as something
// else.
func TestSyscallNodeMatchesEncode(t *testing.T) {
	var entries []Syscall
	var files []string
	for _, pattern := range []string{"../testdata/*/*.yaml", "../testdata/*.yaml", "testdata/*.yaml", "../*/testdata/*.yaml"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(data, []byte("\nsyscalls:")) {
			continue
		}
		f, err := Decode(bytes.NewReader(data))
		if err != nil {
			continue // not a trace, or one made to be refused
		}
		entries = append(entries, f.Syscalls...)
	}
	if len(entries) < 50 {
		t.Fatalf("only %d entries from %d files: the test reads too little", len(entries), len(files))
	}
	odd := []string{"", "true", "false", "yes", "No", "on", "OFF", "y", "n", "null", "Null", "~", "-", "123", "0x10", "1e3",
		".inf", "1:20", "a: b", "#c", "x #y", " lead", "trail ", "new\nline", "tab\tx", "quo\"te", "it's", "[x]", "{x}", "*a", "&a",
		"!t", "%p", "@x", "`x", "ünï", "UPPER", "_llseek", "x86_64", "kworker/0:1", "sh", "go-build", "a,b", "?", "|", ">"}
	for i, w := range odd {
		entries = append(entries,
			Syscall{Arch: w, Nr: i, Name: w, Count: uint64(i), First: w},
			Syscall{Arch: "x86", Nr: -i, First: w, Args: []ArgValues{{Index: i % 6, Values: []uint64{}}, {Index: 5, Values: []uint64{0, 1 << 63}, Overflow: true}}})
	}
	entries = append(entries, Syscall{Arch: "x86_64", Nr: 1, Count: 18446744073709551615, Args: []ArgValues{{Index: 0}}})
	entries = append(entries,
		Syscall{Arch: "x86_64", Nr: 41, Count: 2, Pairs: &ArgPairs{Indexes: [2]int{0, 1}, Values: [][2]uint64{{1, 1}, {2, 4294967295}}}},
		Syscall{Arch: "x86_64", Nr: 54, Count: 2, Args: []ArgValues{{Index: 1, Values: []uint64{1}}}, Pairs: &ArgPairs{Indexes: [2]int{1, 2}, Values: [][2]uint64{}, Overflow: true}})
	shared := strNodes{} // as Encode uses it: one for every entry, each value twice
	for _, s := range entries {
		var want yaml.Node
		if err := want.Encode(s); err != nil {
			t.Fatal(err)
		}
		want.Style = yaml.FlowStyle
		w, err := yaml.Marshal(&want)
		if err != nil {
			t.Fatal(err)
		}
		g, err := yaml.Marshal(syscallNode(s))
		if err != nil {
			t.Fatal(err)
		}
		if string(g) != string(w) {
			t.Errorf("%+v:\n got %s\nwant %s", s, strings.TrimSpace(string(g)), strings.TrimSpace(string(w)))
		}
		for range 2 {
			if g, err := yaml.Marshal(shared.syscallNode(s)); err != nil || string(g) != string(w) {
				t.Errorf("%+v, memoized:\n got %s (%v)\nwant %s", s, strings.TrimSpace(string(g)), err, strings.TrimSpace(string(w)))
			}
		}
	}
	t.Logf("%d entries from %d files", len(entries), len(files))
}
