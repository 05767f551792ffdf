package trace

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sample() *File {
	ec := 0
	return &File{
		Version:   Version,
		Target:    Target{Command: []string{"ls", "/"}},
		Host:      Host{Kernel: "6.18.44", Arch: ArchX86_64},
		Started:   time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
		Duration:  Duration(410 * time.Millisecond),
		ExitCode:  &ec,
		Processes: 3,
		Syscalls: []Syscall{
			{Arch: ArchX86_64, Nr: 1, Name: "write", Count: 2, First: "ls"},
			{Arch: ArchX86_64, Nr: 0, Name: "read", Count: 12, First: "ls"},
			{Arch: ArchX86, Nr: 20, Name: "getpid", Count: 1},
			{Arch: ArchX86_64, Nr: 470, Count: 1}, // a number libseccomp cannot name
		},
	}
}

const sampleYAML = `# seccomp-gen trace: syscalls counted in the kernel per (arch, nr)
version: 1
target: {command: [ls, /]}
host: {kernel: 6.18.44, arch: x86_64}
started: 2026-11-23T10:00:00Z
duration: 0.410s
exit_code: 0
lost: 0
processes: 3
syscalls:
  - {arch: x86, nr: 20, name: getpid, count: 1}
  - {arch: x86_64, nr: 0, name: read, count: 12, first: ls}
  - {arch: x86_64, nr: 1, name: write, count: 2, first: ls}
  - {arch: x86_64, nr: 470, count: 1}
`

func TestEncodeGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	if buf.String() != sampleYAML {
		t.Fatalf("encoding changed:\n%s\nwant:\n%s", buf.String(), sampleYAML)
	}
}

func TestRoundTripAndDeterminism(t *testing.T) {
	var a, b bytes.Buffer
	if err := Encode(&a, sample()); err != nil {
		t.Fatal(err)
	}
	f, err := Decode(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatalf("decode own output: %v", err)
	}
	if err := Encode(&b, f); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatalf("round trip changed the file:\n%s\nvs\n%s", a.String(), b.String())
	}
	if len(f.Syscalls) != 4 || f.Syscalls[0].Arch != ArchX86 || f.Syscalls[3].Nr != 470 {
		t.Fatalf("decoded syscalls not canonical: %+v", f.Syscalls)
	}
	if f.ExitCode == nil || *f.ExitCode != 0 || time.Duration(f.Duration) != 410*time.Millisecond {
		t.Fatalf("decoded header wrong: %+v", f)
	}
}

func TestDecodeRejects(t *testing.T) {
	cases := map[string]string{
		"empty":            "",
		"not yaml":         "{{{",
		"no version":       "target: {pid: 1}\nsyscalls: []\n",
		"future version":   "version: 9\ntarget: {pid: 1}\n",
		"unknown key":      "version: 1\ntarget: {pid: 1}\ncolour: red\n",
		"no target":        "version: 1\nsyscalls: []\n",
		"two targets":      "version: 1\ntarget: {pid: 1, cgroup: /x}\n",
		"unknown arch":     "version: 1\ntarget: {pid: 1}\nsyscalls:\n  - {arch: sparc, nr: 1, count: 1}\n",
		"negative nr":      "version: 1\ntarget: {pid: 1}\nsyscalls:\n  - {arch: x86_64, nr: -1, count: 1}\n",
		"zero count":       "version: 1\ntarget: {pid: 1}\nsyscalls:\n  - {arch: x86_64, nr: 1, count: 0}\n",
		"duplicate":        "version: 1\ntarget: {pid: 1}\nsyscalls:\n  - {arch: x86_64, nr: 1, count: 1}\n  - {arch: x86_64, nr: 1, count: 2}\n",
		"bad duration":     "version: 1\ntarget: {pid: 1}\nduration: soon\n",
		"two documents":    "version: 1\ntarget: {pid: 1}\n---\nversion: 1\n",
		"truncated":        sampleYAML[:len(sampleYAML)/2] + "  - {arch: x86_64, nr",
		"syscalls not seq": "version: 1\ntarget: {pid: 1}\nsyscalls: 3\n",
	}
	for name, in := range cases {
		_, err := Decode(strings.NewReader(in))
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !errors.Is(err, ErrFormat) {
			t.Errorf("%s: error %v does not wrap ErrFormat", name, err)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error is not one line: %q", name, err)
		}
	}
}

func TestReadFileNamesTheFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(p, []byte("version: 2\ntarget: {pid: 1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+": ") {
		t.Fatalf("error %v does not start with the file name", err)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "t.yaml")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, sample()); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil || string(got) != sampleYAML {
		t.Fatalf("file content %q, %v", got, err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("temporary files left behind: %v", ents)
	}
	// A write into a missing directory fails and leaves the old file alone.
	if err := WriteFile(filepath.Join(dir, "nope", "t.yaml"), sample()); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(sampleYAML))
	f.Add([]byte("version: 1\ntarget: {cgroup: /sys/fs/cgroup/x}\nsyscalls: []\n"))
	f.Add([]byte("version: 1\ntarget: {pid: 1}\nlost: 3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tf, err := Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Encode(&buf, tf); err != nil {
			t.Fatalf("re-encode of an accepted trace: %v", err)
		}
		if _, err := Decode(bytes.NewReader(buf.Bytes())); err != nil {
			t.Fatalf("own output rejected: %v\n%s", err, buf.String())
		}
	})
}
