package widen

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// Entries read from glibc 2.36's source by hand, to check the generator
// against: syscalls.list lists mremap; malloc/malloc.c's mremap_chunk
// (realloc's path for mmapped chunks) calls __mremap; open64.c issues
// openat.
func TestGlibcTableFromSource(t *testing.T) {
	for name, want := range map[string][]string{
		"mremap":  {"mremap"},
		"realloc": {"mremap"},
		"open":    {"openat"},
		"read":    {"read"},
	} {
		got := GlibcTable(name)
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("glibc %s: %v, want %s in it", name, got, w)
			}
		}
	}
}

// Entries whose x86_64 meaning hangs on a 64-bit alias or an #ifdef
// __NR_x branch, read from glibc 2.36's source by hand:
//   - ftruncate64.c, truncate64.c, fcntl64.c, posix_fadvise64.c: "#ifndef
//     __NR_ftruncate64 / # define __NR_ftruncate64 __NR_ftruncate" and
//     alike, x86_64 having no ftruncate64, truncate64, fcntl64 or
//     fadvise64_64;
//   - sysdeps/unix/syscalls.list: dup2 issues dup2 (before
//     sysdeps/posix/dup2.c's fcntl+close in the search order);
//   - poll.c: "#ifdef __NR_poll" SYSCALL_CANCEL (poll), ppoll only without;
//   - mmap64.c: mmap2 only "#ifdef __NR_mmap2"; lseek64.c: _llseek only
//     "#ifdef __NR__llseek".
func TestGlibcTableX86_64Branches(t *testing.T) {
	for name, want := range map[string]string{
		"ftruncate64":     "ftruncate",
		"ftruncate":       "ftruncate",
		"truncate64":      "truncate",
		"fcntl64":         "fcntl",
		"fcntl":           "fcntl",
		"dup2":            "dup2",
		"poll":            "poll",
		"mmap64":          "mmap",
		"lseek64":         "lseek",
		"pread64":         "pread64",
		"posix_fadvise64": "fadvise64",
		"read":            "read",
	} {
		if got := GlibcTable(name); !slices.Equal(got, []string{want}) {
			t.Errorf("glibc %s: %v, want [%s]", name, got, want)
		}
	}
}

func TestGoTableFromSource(t *testing.T) {
	for name, want := range map[string]string{
		"syscall.Fchmodat":            "fchmodat",
		"syscall.Ftruncate":           "ftruncate",
		"syscall.Fallocate":           "fallocate",
		"golang.org/x/sys/unix.Statx": "statx",
		"runtime.futex":               "futex",
		// Traps defined by number, not by a SYS_ constant (a Go
		// program's file copy, exec and crypto/rand were not widened).
		"internal/syscall/unix.CopyFileRange":   "copy_file_range",
		"internal/syscall/unix.GetRandom":       "getrandom",
		"internal/syscall/unix.PidFDOpen":       "pidfd_open",
		"internal/syscall/unix.PidFDSendSignal": "pidfd_send_signal",
	} {
		if got := GoTable(name); !slices.Contains(got, want) {
			t.Errorf("go %s: %v, want %s in it", name, got, want)
		}
	}
}

// The committed tables are what the generators make from the sources:
// glibc's (when a glibc git directory is given in SECCOMP_GEN_GLIBC_GIT)
// and the installed Go toolchain's and x/sys's (always).
func TestTablesUpToDate(t *testing.T) {
	gitDir := os.Getenv("SECCOMP_GEN_GLIBC_GIT")
	if gitDir == "" {
		gitDir = "/work/.mirror/bminor+glibc/repo"
	}
	if _, err := os.Stat(gitDir); err == nil {
		out, err := exec.Command("go", "run", "./internal/glibcgen", "-git", gitDir, "-tag", "glibc-2.36").Output()
		if err != nil {
			t.Fatalf("glibcgen: %v", err)
		}
		if !bytes.Equal(out, glibcTable) {
			t.Errorf("glibc-2.36-x86_64.txt differs from what glibcgen makes; regenerate: go run ./widen/internal/glibcgen -git %s > widen/glibc-2.36-x86_64.txt", gitDir)
		}
	} else {
		t.Logf("no glibc git directory (SECCOMP_GEN_GLIBC_GIT): glibc table not regenerated")
	}
	mod, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "golang.org/x/sys").Output()
	if err != nil {
		testutil.SkipOrFail(t, "go list golang.org/x/sys: "+err.Error())
	}
	out, err := exec.Command("go", "run", "./internal/gogen", "-xsys", string(bytes.TrimSpace(mod))).Output()
	if err != nil {
		t.Fatalf("gogen: %v", err)
	}
	if !bytes.Equal(bytes.SplitN(out, []byte("\n"), 2)[0], bytes.SplitN(goTable, []byte("\n"), 2)[0]) {
		t.Logf("go table made by another Go version: %s", bytes.SplitN(goTable, []byte("\n"), 2)[0])
		return
	}
	if !bytes.Equal(out, goTable) {
		t.Errorf("go-linux-amd64.txt differs from what gogen makes; regenerate: go run ./widen/internal/gogen -xsys %s > widen/go-linux-amd64.txt", bytes.TrimSpace(mod))
	}
}

// Every syscall the glibc table names exists on x86_64 (libseccomp's
// table): a name that does not (ftruncate64, fcntl64, mmap2, _llseek) is
// one x86_64 glibc never issues, and widening by it adds nothing.
func TestGlibcTableNamesX86_64Syscalls(t *testing.T) {
	sc := bufio.NewScanner(bytes.NewReader(glibcTable))
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fn, list, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("glibc table: bad line %q", line)
		}
		for _, s := range strings.Split(list, ",") {
			n++
			if !scmp.Has("x86_64", s) {
				t.Errorf("glibc table: %s names %q, not an x86_64 syscall", fn, s)
			}
		}
	}
	if n == 0 {
		t.Fatal("glibc table: no entries")
	}
}

func implied(r *Result, sc string) (Implied, bool) {
	i, ok := r.By()[sc]
	return i, ok
}

func TestAnalyzeXZ(t *testing.T) {
	testutil.RequireTool(t, "xz")
	p, _ := exec.LookPath("xz")
	r := Analyze([]string{p}, Options{})
	i, ok := implied(r, "poll")
	if !ok || i.Symbol != "poll" {
		t.Fatalf("xz: poll not implied by an import of poll: %+v (notes %v)", i, r.Notes)
	}
}

func TestAnalyzeSQLite(t *testing.T) {
	testutil.RequireTool(t, "sqlite3")
	p, _ := exec.LookPath("sqlite3")
	r := Analyze([]string{p}, Options{})
	var fromLib bool
	for _, i := range r.Implied {
		if i.Syscall == "mremap" && filepath.Base(i.File) != filepath.Base(p) && i.Symbol == "mremap" {
			fromLib = true // libsqlite3's unix VFS imports mremap
		}
	}
	if !fromLib {
		t.Fatalf("sqlite3: mremap not implied by a library importing mremap: %+v", r.By()["mremap"])
	}
	// libsqlite3 imports ftruncate64, on x86_64 glibc an alias of
	// ftruncate: the syscall is ftruncate (x86_64 has no ftruncate64).
	if i, ok := implied(r, "ftruncate"); !ok {
		t.Errorf("sqlite3: ftruncate not implied: %+v (notes %v)", i, r.Notes)
	}
}

func TestAnalyzeGo(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		testutil.SkipOrFail(t, "the Go table is for amd64")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	os.WriteFile(src, []byte(`package main
import ("io"; "os"; "os/exec"; "syscall")
func main() {
	if len(os.Args) > 5 {
		syscall.Fchmodat(0, "x", 0, 0); syscall.Fallocate(0, 0, 0, 1)
		in, _ := os.Open("a"); out, _ := os.Create("b"); io.Copy(out, in)
		exec.Command("true").Run()
	}
}
`), 0o644)
	bin := filepath.Join(dir, "prog")
	cmd := exec.Command("go", "build", "-o", bin, src)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GO111MODULE=off", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	r := Analyze([]string{bin}, Options{})
	for _, sc := range []string{"fchmodat", "fallocate", "futex", "clone", "copy_file_range", "pidfd_open"} {
		if _, ok := implied(r, sc); !ok {
			t.Errorf("go program: %s not implied (notes %v)", sc, r.Notes)
		}
	}
	id, err := Identify(bin)
	if err != nil || id.BuildID == "" {
		t.Errorf("Identify(go binary) = %+v, %v; want a build ID", id, err)
	}
}

func TestIdentify(t *testing.T) {
	testutil.RequireTool(t, "xz")
	p, _ := exec.LookPath("xz")
	id, err := Identify(p)
	if err != nil || len(id.BuildID) != 40 || id.SHA256 != "" {
		t.Errorf("Identify(xz) = %+v, %v; want a 20-byte GNU build ID", id, err)
	}
	f := filepath.Join(t.TempDir(), "script")
	os.WriteFile(f, []byte("#!/bin/sh\n"), 0o755)
	id, err = Identify(f)
	if err != nil || len(id.SHA256) != 64 || id.BuildID != "" {
		t.Errorf("Identify(script) = %+v, %v; want a sha256", id, err)
	}
}

// note reads the first ELF note's type and desc, past a name padded to 4
// bytes; a note that does not fit in its section is none. TestIdentify
// checks only the length of xz's build ID.
func TestNote(t *testing.T) {
	le := binary.LittleEndian
	mk := func(name string, typ uint32, desc []byte) []byte {
		b := le.AppendUint32(nil, uint32(len(name)))
		b = le.AppendUint32(b, uint32(len(desc)))
		b = le.AppendUint32(b, typ)
		b = append(b, name...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return append(b, desc...)
	}
	id := []byte{0xde, 0xad, 0xbe, 0xef}
	tests := []struct {
		name string
		data []byte
		desc string // hex
		typ  uint32
		ok   bool
	}{
		{"GNU build ID", mk("GNU\x00", 3, id), "deadbeef", 3, true},
		{"name padded", mk("Linux\x00", 1, id), "deadbeef", 1, true},
		{"no name, no desc", mk("", 4, nil), "", 4, true},
		{"desc past the end", mk("GNU\x00", 3, id)[:19], "", 0, false},
		{"short header", make([]byte, 11), "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			desc, typ, ok := note(tt.data, le)
			if hex.EncodeToString(desc) != tt.desc || typ != tt.typ || ok != tt.ok {
				t.Errorf("note = %x, %d, %v; want %s, %d, %v", desc, typ, ok, tt.desc, tt.typ, tt.ok)
			}
		})
	}
}

// The go build case: a build of a new package needs ftruncate,
// fallocate and fchmodat; the go command and its linker link the wrappers.
func TestAnalyzeGoToolchain(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		testutil.SkipOrFail(t, "no go in PATH")
	}
	root, err := exec.Command(goBin, "env", "GOROOT", "GOTOOLDIR").Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(root))
	exes := []string{filepath.Join(lines[0], "bin", "go"), filepath.Join(lines[1], "link"), filepath.Join(lines[1], "compile")}
	r := Analyze(exes, Options{})
	for _, sc := range []string{"ftruncate", "fallocate", "fchmodat"} {
		i, ok := implied(r, sc)
		if !ok || !strings.HasPrefix(i.Symbol, "syscall.") {
			t.Errorf("go toolchain: %s not implied by a syscall wrapper: %+v (notes %v)", sc, i, r.Notes)
		}
	}
}

func TestAnalyzeScript(t *testing.T) {
	testutil.RequireTool(t, "xz")
	xz, _ := exec.LookPath("xz")
	script := filepath.Join(t.TempDir(), "s")
	os.WriteFile(script, []byte("#!"+xz+" -dc\n"), 0o755)
	r := Analyze([]string{script}, Options{})
	if _, ok := implied(r, "poll"); !ok {
		t.Fatalf("script for %s: poll not implied (notes %v)", xz, r.Notes)
	}
}

// By prefers, among the files whose own wrapper of a syscall (or else
// another function) implies it, the one closest to the executable: its own
// import before any library's, a library it needs before one that library
// needs.
func TestByClosest(t *testing.T) {
	testutil.RequireTool(t, "sqlite3")
	p, _ := exec.LookPath("sqlite3")
	r := Analyze([]string{p}, Options{})
	type key struct {
		sc  string
		own bool
	}
	min := map[key]int{}
	for _, i := range r.Implied {
		k := key{i.Syscall, i.own()}
		if d, ok := min[k]; !ok || i.Depth < d {
			min[k] = i.Depth
		}
		if (i.File == p) != (i.Depth == 0) {
			t.Errorf("%+v: depth 0 is the executable itself", i)
		}
	}
	// The case the sort order alone gets wrong: a library whose path sorts
	// before the executable's implies a syscall the executable imports too.
	contested := 0
	for _, i := range r.Implied {
		if d, ok := min[key{i.Syscall, i.own()}]; ok && d == 0 && i.Depth > 0 && i.File < p {
			contested++
		}
	}
	if contested == 0 {
		t.Fatalf("sqlite3: no syscall implied by both the executable and a library sorting before it: the test shows nothing")
	}
	for sc, i := range r.By() {
		if !i.own() {
			if _, ok := min[key{sc, true}]; ok {
				t.Errorf("By()[%s] = %s links %s, but a file links %s's own wrapper", sc, i.File, i.Symbol, sc)
			}
		}
		if want := min[key{sc, i.own()}]; i.Depth != want {
			t.Errorf("By()[%s] = %s (depth %d), want one of depth %d", sc, i.File, i.Depth, want)
		}
	}
}

// Within one file, By names the most specific symbol: sqlite3 links both
// realloc and functions that call it (sscanf); realloc is the reason for
// mremap.
func TestBySpecific(t *testing.T) {
	testutil.RequireTool(t, "sqlite3")
	p, _ := exec.LookPath("sqlite3")
	r := Analyze([]string{p}, Options{})
	i := r.By()["mremap"]
	if i.Symbol != "realloc" && i.Symbol != "mremap" {
		t.Fatalf("sqlite3: mremap explained by %s links %s, want realloc (or mremap)", i.File, i.Symbol)
	}
	// And a syscall's own wrapper before anything that calls it.
	if i := r.By()["poll"]; i.Symbol != "poll" && i.Symbol != "__poll" {
		t.Errorf("sqlite3: poll explained by %s links %s, want poll", i.File, i.Symbol)
	}
}

// Within one file at one depth, By and ByKept name the symbol that may
// issue the fewest syscalls (realloc, not getaddrinfo, for mremap), and of
// two that may issue as many, the first in the order of Implied. sqlite3
// (TestBySpecific) imports mremap itself, so it does not show this.
func TestByFewestSyscalls(t *testing.T) {
	imp := func(sym string) Implied {
		return Implied{Syscall: "mremap", File: "/usr/bin/prog", Symbol: sym, Exe: "/usr/bin/prog"}
	}
	tests := []struct {
		name    string
		implied []Implied
		want    string
		same    bool // the table gives both symbols as many syscalls
	}{
		{"fewer syscalls", []Implied{imp("getaddrinfo"), imp("realloc")}, "realloc", false},
		{"as many", []Implied{imp("getcwd"), imp("getpass")}, "getcwd", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, i := range tt.implied {
				if !slices.Contains(GlibcTable(i.Symbol), "mremap") {
					t.Fatalf("the glibc table gives %s no mremap: the test shows nothing", i.Symbol)
				}
			}
			a, b := len(GlibcTable(tt.implied[0].Symbol)), len(GlibcTable(tt.implied[1].Symbol))
			if (a == b) != tt.same || (!tt.same && a < b) {
				t.Fatalf("the glibc table gives %s %d syscalls and %s %d: the test shows nothing", tt.implied[0].Symbol, a, tt.implied[1].Symbol, b)
			}
			r := &Result{Implied: tt.implied}
			if got := r.By()["mremap"].Symbol; got != tt.want {
				t.Errorf("By()[mremap] links %s, want %s", got, tt.want)
			}
			all := func(Implied) bool { return true }
			if got := r.ByKept(all)["mremap"].Symbol; got != tt.want {
				t.Errorf("ByKept()[mremap] links %s, want %s", got, tt.want)
			}
		})
	}
}

// Every Go program links the runtime's profiling timers and its mincore
// page-size probe; they run only after runtime.SetCPUProfileRate (and the
// probe never in a program the kernel starts). A program that links
// runtime/pprof implies the timers; one that does not implies neither,
// though the symbols are in both.
func TestAnalyzeGoRuntimeProfiling(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		testutil.SkipOrFail(t, "the Go table is for amd64")
	}
	dir := t.TempDir()
	build := func(name, src string) string {
		file := filepath.Join(dir, name+".go")
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		bin := filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-o", bin, file)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GO111MODULE=off", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		return bin
	}
	plain := build("plain", "package main\nimport \"time\"\nfunc main() { time.Sleep(1) }\n")
	prof := build("prof", "package main\nimport (\"os\"; \"runtime/pprof\")\nfunc main() { if len(os.Args) > 5 { pprof.StartCPUProfile(os.Stdout) } }\n")
	// The symbols are there in both: the rule, not the linker, leaves
	// them out of the plain program.
	for _, bin := range []string{plain, prof} {
		out, err := exec.Command("go", "tool", "nm", bin).Output()
		if err != nil {
			t.Fatalf("go tool nm: %v", err)
		}
		for _, sym := range []string{"runtime.timer_create.abi0", "runtime.mincore.abi0"} {
			if !strings.Contains(string(out), " "+sym+"\n") {
				t.Fatalf("%s does not link %s: the test shows nothing", bin, sym)
			}
		}
	}
	r := Analyze([]string{plain}, Options{})
	for _, sc := range []string{"timer_create", "timer_settime", "timer_delete", "setitimer", "mincore"} {
		if i, ok := implied(r, sc); ok {
			t.Errorf("a program without runtime.SetCPUProfileRate: %s implied by %+v", sc, i)
		}
	}
	if _, ok := implied(r, "nanosleep"); !ok {
		t.Errorf("plain program: nanosleep (runtime.usleep) not implied")
	}
	r = Analyze([]string{prof}, Options{})
	for _, sc := range []string{"timer_create", "timer_settime", "setitimer"} {
		if i, ok := implied(r, sc); !ok || !strings.HasPrefix(i.Symbol, "runtime.") {
			t.Errorf("a program linking runtime/pprof: %s not implied by the runtime: %+v", sc, i)
		}
	}
	if i, ok := implied(r, "mincore"); ok {
		t.Errorf("mincore implied by %+v", i)
	}
}
