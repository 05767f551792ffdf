package trace

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// oddStrings are values that YAML reads as something else, or that need
// quoting or escaping in a flow collection, next to ordinary ones.
var oddStrings = []string{"", "true", "false", "yes", "No", "on", "OFF", "y", "n", "null", "Null", "~", "-", "--", "- x",
	"123", "0x10", "0o17", "1e3", "1_000", "+1", "-1", ".5", ".inf", "-.Inf", ".nan", "1:20", "190:20:30", "2001-12-14",
	"2001-12-14t21:59:43.10-05:00", "a: b", "a:b", "#c", "x #y", " lead", "trail ", "new\nline", "\nlead", "tab\tx", "cr\rx",
	"ls\u2028x", "nel\u0085x", "bom\ufeffx", "nul\x00x", "bad\xffutf8", "\xff", "quo\"te", "it's", "back\\slash", "[x]", "{x}",
	"a,b", "a]b", "*a", "&a", "!t", "%p", "@x", "`x", "?", "? x", "|", ">", "'", "\"", "ünï", "日本", "UPPER", "_llseek",
	"x86_64", "kworker/0:1", "sh", "go-build", "python3.11", "ld-linux", "/", "//", "/bin/true", "/usr/bin/g++", "/a b",
	"/a:b", "/a,b", "/a#b", "/x/ünï", "./rel", "rel/path", "0.004s", "12.345s", "1.5s", ".5s", "5.s", "5s", "6.18",
	"6.18.44-fc-v1045", "5.15.0-91-generic", "c89156ebdabf859f4ee70cb0c303004dccf1ae51", "1234", "0001", "12e45",
	"go:abc/def", strings.Repeat("long ", 40), strings.Repeat("x", 300)}

// traceFiles decodes the repository's trace files.
func traceFiles(t *testing.T) []*File {
	t.Helper()
	var files []string
	for _, pattern := range []string{"../testdata/*/*.yaml", "../testdata/*.yaml", "testdata/*.yaml", "../*/testdata/*.yaml", "../*/*/testdata/*.yaml"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	var out []*File
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(data, []byte("\nsyscalls:")) {
			continue
		}
		f, err := Decode(bytes.NewReader(data))
		if err != nil {
			continue // not a trace, or one made to be refused
		}
		out = append(out, f)
	}
	return out
}

// oddFiles are traces with each odd string in every string field.
func oddFiles() []*File {
	var out []*File
	code := 3
	for i, w := range oddStrings {
		f := &File{
			Version:   Version,
			Target:    Target{Command: []string{w, "x", w}, Cgroup: w},
			Host:      Host{Kernel: w, Arch: w},
			Started:   time.Date(2026, 12, 1, 10, 16, 36, i*1000, time.UTC),
			Duration:  Duration(time.Duration(i) * 1234567),
			Lost:      uint64(i),
			Processes: uint64(i) << 40,
			Syscalls: []Syscall{
				{Arch: w, Nr: i, Name: w, Count: uint64(i) + 1, First: w},
				{Arch: "x86", Nr: i, First: w, Count: 1 << 63, Args: []ArgValues{{Index: i % 6, Values: []uint64{}}, {Index: 5, Values: []uint64{0, 1 << 63}, Overflow: true}}},
				{Arch: "x86_64", Nr: 1, Count: MaxCount, Args: []ArgValues{{Index: 0}}},
			},
			Executables: []Executable{
				{Path: w, BuildID: w, SHA256: w, Syscalls: []ExeSyscalls{{Arch: w, Nrs: []int{i}}, {Arch: "x86", Nrs: []int{}}}},
				{Path: "/bin/" + w},
			},
		}
		switch i % 4 {
		case 0:
			f.Target = Target{PID: i + 1, Container: &Container{ID: w, Runtime: w, Mode: w, Unseen: []string{w, "start-up before attaching"}}}
			f.ExitCode = &code
			f.ExecutablesOmitted = uint64(i)
		case 1:
			f.Target = Target{Container: &Container{ID: w, Mode: "hook"}}
			f.Executables = nil
		case 2:
			f.Syscalls = nil
			f.Target.Cgroup = ""
		case 3:
			f.Target.Command = nil
		}
		out = append(out, f)
	}
	// Times at the edges of what appendText writes, and past them.
	for _, y := range []int{0, 1, 9999, 10000, -1} {
		out = append(out, &File{Version: Version, Target: Target{PID: 1}, Started: time.Date(y, 1, 2, 3, 4, 5, 6, time.UTC), Syscalls: []Syscall{{Arch: "x86_64", Count: 1}}})
	}
	out = append(out, &File{Version: Version, Target: Target{PID: 1}, Started: time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600))})
	return out
}

// TestEncodeTextMatchesTree: appendText writes every trace exactly as the
// yaml.v3 node tree that Encode wrote before (encodeTree): the
// repository's trace files, and odd strings in every string field.
func TestEncodeTextMatchesTree(t *testing.T) {
	files := traceFiles(t)
	if len(files) < 4 {
		t.Fatalf("only %d trace files: the test reads too little", len(files))
	}
	files = append(files, oddFiles()...)
	text := 0
	for i, f := range files {
		f.Canonicalize()
		want, err := encodeTree(f)
		if err != nil {
			t.Fatalf("file %d: %v", i, err)
		}
		got, ok := appendText(nil, f)
		if !ok {
			continue
		}
		text++
		if !bytes.Equal(got, want) {
			gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
			for j := range min(len(gl), len(wl)) {
				if gl[j] != wl[j] {
					t.Errorf("file %d (%q), line %d:\n got %q\nwant %q", i, f.Target.Command, j+1, gl[j], wl[j])
					break
				}
			}
			if len(gl) != len(wl) {
				t.Errorf("file %d: %d lines, want %d", i, len(gl), len(wl))
			}
		}
	}
	if text < len(files)-10 {
		t.Errorf("appendText wrote only %d of %d files", text, len(files))
	}
	t.Logf("%d files, %d written by appendText", len(files), text)
}

// TestEncodeFallsBack: a file that appendText does not write (a year past
// 9999) is still encoded, by encodeTree, and reads back.
func TestEncodeFallsBack(t *testing.T) {
	f := &File{Version: Version, Target: Target{PID: 1}, Started: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Syscalls: []Syscall{{Arch: "x86_64", Nr: 1, Count: 2}}}
	if _, ok := appendText(nil, f); ok {
		t.Fatal("appendText wrote a year past 9999")
	}
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	want, err := encodeTree(f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("Encode:\n%s\nwant\n%s", buf.Bytes(), want)
	}
}

// FuzzEncodeText compares appendText with encodeTree on a trace made of
// the fuzzer's strings and numbers.
func FuzzEncodeText(f *testing.F) {
	for i, w := range oddStrings {
		f.Add(w, oddStrings[(i+7)%len(oddStrings)], i, uint64(i)*977)
	}
	f.Fuzz(func(t *testing.T, a, b string, n int, c uint64) {
		file := &File{
			Version:     Version,
			Target:      Target{Command: []string{a, b}, Container: &Container{ID: a, Runtime: b, Mode: a, Unseen: []string{b}}},
			Host:        Host{Kernel: a, Arch: b},
			Started:     time.Unix(int64(c%(1<<40)), int64(n)).UTC(),
			Duration:    Duration(c % (1 << 50)),
			Lost:        c,
			Processes:   uint64(n),
			Syscalls:    []Syscall{{Arch: a, Nr: n, Name: b, Count: c, First: a, Args: []ArgValues{{Index: n, Values: []uint64{c}}}}},
			Executables: []Executable{{Path: a, BuildID: b, SHA256: a, Syscalls: []ExeSyscalls{{Arch: b, Nrs: []int{n}}}}},
		}
		want, err := encodeTree(file)
		if err != nil {
			return
		}
		got, ok := appendText(nil, file)
		if ok && !bytes.Equal(got, want) {
			t.Errorf("a=%q b=%q n=%d c=%d:\n got %s\nwant %s", a, b, n, c, got, want)
		}
	})
}
