package trace

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
)

func sampleWithExecutables() *File {
	f := sample()
	f.Executables = []Executable{
		{Path: "/usr/bin/xz", BuildID: "ba530377732bcf4f80c76555f44a20b1d015e747",
			Syscalls: []ExeSyscalls{{Arch: ArchX86_64, Nrs: []int{1, 0, 470}}}},
		{Path: "./a.out", SHA256: strings.Repeat("ab", 32)},
		{Path: "/bin/ls", BuildID: "01"},
	}
	return f
}

const executablesYAML = `syscalls:
  - {arch: x86, nr: 20, name: getpid, count: 1}
  - {arch: x86_64, nr: 0, name: read, count: 12, first: ls}
  - {arch: x86_64, nr: 1, name: write, count: 2, first: ls}
  - {arch: x86_64, nr: 470, count: 1}
executables:
  - {path: ./a.out, sha256: abababababababababababababababababababababababababababababababab}
  - {path: /bin/ls, build_id: "01"}
  - {path: /usr/bin/xz, build_id: ba530377732bcf4f80c76555f44a20b1d015e747, syscalls: [{arch: x86_64, nrs: [0, 1, 470]}]}
end: {entries: 4, total: 16}
`

func TestExecutablesRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, sampleWithExecutables()); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(buf.String(), executablesYAML) {
		t.Fatalf("encoded:\n%s\nwant it to end with:\n%s", buf.String(), executablesYAML)
	}
	got, err := Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Executables) != 3 || got.Executables[2].Syscalls[0].Nrs[2] != 470 {
		t.Fatalf("decoded executables %+v", got.Executables)
	}
	// A trace without executables is written as before (no key).
	buf.Reset()
	if err := Encode(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	if buf.String() != sampleYAML {
		t.Fatalf("a trace without executables changed:\n%s", buf.String())
	}
}

// An executable's syscall that the trace's syscalls do not hold makes the
// trace malformed: the lists say which of the counted syscalls each
// executable issued, and --per-executable would report one the profile
// never allows.
func TestExecutablesOutsideSyscalls(t *testing.T) {
	f := sampleWithExecutables()
	f.Executables[0].Syscalls = []ExeSyscalls{{Arch: ArchX86_64, Nrs: []int{0, 2}}}
	err := f.Validate()
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "executables[0] (/usr/bin/xz): x86_64 syscall 2 is not among the trace's syscalls") {
		t.Errorf("Validate: %v", err)
	}
	f.Executables[0].Syscalls = []ExeSyscalls{{Arch: ArchX86, Nrs: []int{20}}} // getpid on x86: held
	if err := f.Validate(); err != nil {
		t.Errorf("Validate of a consistent list: %v", err)
	}
}

// A cut anywhere inside the executables list is refused: the closing
// summary comes after it.
func TestExecutablesTruncated(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, sampleWithExecutables()); err != nil {
		t.Fatal(err)
	}
	full := buf.Bytes()
	start := bytes.Index(full, []byte("executables:"))
	for i := start; i < len(full); i++ {
		if len(bytes.TrimSpace(full[i:])) == 0 {
			continue
		}
		if _, err := Decode(bytes.NewReader(full[:i])); err == nil || !errors.Is(err, ErrFormat) {
			t.Fatalf("cut at %d inside executables: err %v", i, err)
		}
	}
}

func TestExecutablesRejects(t *testing.T) {
	for name, e := range map[string]Executable{
		"no path":    {BuildID: "01"},
		"bad sha256": {Path: "/x", SHA256: "xyz"},
		"bad arch":   {Path: "/x", Syscalls: []ExeSyscalls{{Arch: "mips", Nrs: []int{1}}}},
		"negative":   {Path: "/x", Syscalls: []ExeSyscalls{{Arch: ArchX86_64, Nrs: []int{-1}}}},
	} {
		f := sample()
		f.Executables = []Executable{e}
		if err := f.Validate(); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: Validate = %v, want ErrFormat", name, err)
		}
	}
}

func TestExecutableFor(t *testing.T) {
	f := sampleWithExecutables()
	if p, ok := f.ExecutableFor("xz"); !ok || p != "/usr/bin/xz" {
		t.Errorf("ExecutableFor(xz) = %q, %v", p, ok)
	}
	if _, ok := f.ExecutableFor("cat"); ok {
		t.Error("ExecutableFor(cat) found one")
	}
}

func TestFirstAsExecutable(t *testing.T) {
	f := sampleWithExecutables()
	f.FirstAsExecutable()
	for _, s := range f.Syscalls {
		if s.First != "" && s.First != "ls" && s.First != "/bin/ls" {
			t.Errorf("%s: first %q", s.Name, s.First)
		}
		if s.Name == "read" && s.First != "/bin/ls" {
			t.Errorf("read: first %q, want /bin/ls", s.First)
		}
	}
}

// executables_omitted (how many more executables ran than the list holds)
// is written after processes when it is not 0, read back, and absent
// otherwise, so that traces with a complete list read as before.
func TestExecutablesOmittedRoundTrip(t *testing.T) {
	f := sampleWithExecutables()
	f.ExecutablesOmitted = 477
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\nprocesses: 3\nexecutables_omitted: 477\nsyscalls:\n") {
		t.Fatalf("encoded:\n%s\nwant executables_omitted: 477 after processes", buf.String())
	}
	got, err := Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got.ExecutablesOmitted != 477 {
		t.Errorf("read back executables_omitted %d, want 477", got.ExecutablesOmitted)
	}
	buf.Reset()
	if err := Encode(&buf, sampleWithExecutables()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "executables_omitted") {
		t.Errorf("a complete list wrote executables_omitted:\n%s", buf.String())
	}
}

// FitExecutables empties the longest syscall lists, and only as many as
// needed, so that a recording of many executables is written (Encode
// refuses more than MaxExecutableNrs numbers).
func TestFitExecutables(t *testing.T) {
	f := sample()
	var nrs []int
	for nr := 0; nr < 400; nr++ {
		f.Syscalls = append(f.Syscalls, Syscall{Arch: ArchX86_64, Nr: 1000 + nr, Count: 1})
		nrs = append(nrs, 1000+nr)
	}
	f.Canonicalize()
	for i := 0; i < 256; i++ {
		n := 100 + i%3*100 // 100, 200 or 300 numbers
		f.Executables = append(f.Executables, Executable{Path: "/bin/p" + strconv.Itoa(i), BuildID: "01",
			Syscalls: []ExeSyscalls{{Arch: ArchX86_64, Nrs: append([]int(nil), nrs[:n]...)}}})
	}
	f.Canonicalize()
	var buf bytes.Buffer
	if err := Encode(&buf, f); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("256 executables, 51100 numbers: Encode: %v, want too large", err)
	}
	emptied := f.FitExecutables()
	total, kept300 := 0, 0
	for _, e := range f.Executables {
		for _, s := range e.Syscalls {
			total += len(s.Nrs)
			if len(s.Nrs) == 300 {
				kept300++
			}
		}
	}
	// The lists of 300 numbers go first: emptying 61 leaves 32800 numbers,
	// too many; 62 leave 32500.
	if emptied != 62 || total != 51100-62*300 || kept300 != 85-62 || len(f.Executables) != 256 {
		t.Errorf("emptied %d lists, %d numbers left, %d of 300 kept, %d executables; want 62, %d, 23, 256", emptied, total, kept300, len(f.Executables), 51100-62*300)
	}
	if err := Encode(&buf, f); err != nil {
		t.Errorf("after FitExecutables: %v", err)
	}
	if f.FitExecutables() != 0 {
		t.Error("a second FitExecutables emptied more lists")
	}
}
