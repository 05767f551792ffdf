package widen

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

//go:embed glibc-2.36-x86_64.txt
var glibcTable []byte

//go:embed go-linux-amd64.txt
var goTable []byte

// Implied says why a syscall may be issued: File (an executable or one of
// its libraries) links Symbol, which may issue it.
type Implied struct {
	Syscall string
	File    string
	Symbol  string
	// Exe is the executable File was loaded for (File itself for the
	// executable).
	Exe string
	// Depth is how far File is from Exe: 0 for the executable itself, 1
	// for a library it names in DT_NEEDED, 2 for one those name, ...
	Depth int
}

// Result is what Analyze found.
type Result struct {
	// Implied lists, sorted by syscall, file and symbol, every (syscall,
	// file, symbol) found.
	Implied []Implied
	// Notes say what could not be read or has no table (a static C
	// program, a stripped Go binary, a library not found).
	Notes []string
}

// Syscalls returns the implied syscall names, sorted, each once.
func (r *Result) Syscalls() []string {
	set := map[string]bool{}
	for _, i := range r.Implied {
		set[i.Syscall] = true
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// By returns, for each syscall, the (file, symbol) that implies it most
// directly, which reports name as its reason: the syscall's own wrapper
// (poll for poll, mremap for mremap) before a function that may call it;
// then the executable's own import before a library's, and a library fewer
// DT_NEEDED steps away before one further; then the symbol that may issue
// the fewest syscalls (realloc rather than sscanf for mremap); ties in the
// sort order of Implied.
func (r *Result) By() map[string]Implied {
	out := map[string]Implied{}
	for _, i := range r.Implied {
		if o, ok := out[i.Syscall]; !ok || closer(i, o) {
			out[i.Syscall] = i
		}
	}
	return out
}

// ByKept is By over the Implied entries keep accepts: a syscall no kept
// entry implies is left out.
func (r *Result) ByKept(keep func(Implied) bool) map[string]Implied {
	out := map[string]Implied{}
	for _, i := range r.Implied {
		if !keep(i) {
			continue
		}
		if o, ok := out[i.Syscall]; !ok || closer(i, o) {
			out[i.Syscall] = i
		}
	}
	return out
}

// closer reports whether a explains its syscall more directly than b.
func closer(a, b Implied) bool {
	if ao, bo := a.own(), b.own(); ao != bo {
		return ao
	}
	if a.Depth != b.Depth {
		return a.Depth < b.Depth
	}
	return len(symbolSyscalls(a)) < len(symbolSyscalls(b))
}

// own reports whether Symbol is Syscall's own wrapper.
func (i Implied) own() bool {
	return i.Symbol == i.Syscall || i.Symbol == "__"+i.Syscall || i.Symbol == i.Syscall+"64"
}

// symbolSyscalls returns what the table gives for i's symbol.
func symbolSyscalls(i Implied) []string {
	if s := glibc()[i.Symbol]; s != nil {
		return s
	}
	return gosym()[goKey(i.Symbol)]
}

// goRuntimeOnlyWith are Go runtime functions the linker keeps in programs
// that never call them, mapped to the function without which they are
// never called ("": never, in a program the kernel starts). From Go
// 1.26's src/runtime:
//   - timer_create, timer_settime and timer_delete set up the per-thread
//     profiling timer (os_linux.go, setThreadCPUProfiler). The scheduler
//     links it (proc.go, execute) but calls it only when the profiling
//     rate differs from the thread's, and the rate is 0 until
//     SetCPUProfileRate (cpuprof.go; runtime/pprof.StartCPUProfile,
//     testing's -test.cpuprofile) sets it. setitimer (signal_unix.go,
//     setProcessCPUProfiler) is reached only from there too.
//   - mincore finds the page size when the process has no auxiliary
//     vector, neither from the loader nor in /proc/self/auxv (os_linux.go,
//     sysargs): a Go library loaded on Android; the kernel gives every
//     program it starts one.
var goRuntimeOnlyWith = map[string]string{
	"runtime.timer_create":  "runtime.SetCPUProfileRate",
	"runtime.timer_settime": "runtime.SetCPUProfileRate",
	"runtime.timer_delete":  "runtime.SetCPUProfileRate",
	"runtime.setitimer":     "runtime.SetCPUProfileRate",
	"runtime.mincore":       "",
}

type table map[string][]string

func parseTable(data []byte) table {
	t := table{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, list, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		t[name] = strings.Split(list, ",")
	}
	return t
}

// The tables are parsed at first use, not in an initializer: parsing them
// took ~1.4 ms at the start of every command of the binary (trace's start
// included, issue 13).
var (
	glibc = sync.OnceValue(func() table { return parseTable(glibcTable) })
	gosym = sync.OnceValue(func() table { return parseTable(goTable) })
)

// GlibcTable returns the syscalls the glibc function name may issue, per
// the embedded table.
func GlibcTable(name string) []string { return glibc()[name] }

// GoTable returns the syscalls the Go function symbol may issue, per the
// embedded table.
func GoTable(symbol string) []string { return gosym()[goKey(symbol)] }

// goKey normalises a linker symbol: "syscall.(*T).M" → "syscall.T.M".
func goKey(s string) string {
	s = strings.TrimSuffix(s, ".abi0") // assembly functions
	s = strings.ReplaceAll(s, "(*", "")
	return strings.ReplaceAll(s, ")", "")
}

// Options tune Analyze.
type Options struct {
	// LibDirs are searched for DT_NEEDED libraries after DT_RUNPATH/RPATH.
	// Nil: DefaultLibDirs().
	LibDirs []string
}

// DefaultLibDirs are the directories ld.so searches on Debian 12: those of
// /etc/ld.so.conf (and the files it includes), then the trusted
// directories.
func DefaultLibDirs() []string {
	dirs := ldSoConf("/etc/ld.so.conf", 0)
	dirs = append(dirs, "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib")
	return dedup(dirs)
}

func ldSoConf(path string, depth int) []string {
	if depth > 4 {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "include "); ok {
			matches, _ := filepath.Glob(strings.TrimSpace(rest))
			sort.Strings(matches)
			for _, m := range matches {
				out = append(out, ldSoConf(m, depth+1)...)
			}
			continue
		}
		out = append(out, line)
	}
	return out
}

func dedup(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Analyze reads each executable and the libraries it needs and returns
// the syscalls their linked functions may issue. A file that cannot be
// read is a Note, not an error.
func Analyze(exes []string, opts Options) *Result {
	if opts.LibDirs == nil {
		opts.LibDirs = DefaultLibDirs()
	}
	res := &Result{}
	set := map[Implied]bool{}
	add := func(i Implied) {
		if !set[i] {
			set[i] = true
			res.Implied = append(res.Implied, i)
		}
	}
	for _, exe := range dedup(exes) {
		analyzeExe(exe, opts, add, &res.Notes)
	}
	sort.Slice(res.Implied, func(a, b int) bool {
		x, y := res.Implied[a], res.Implied[b]
		if x.Syscall != y.Syscall {
			return x.Syscall < y.Syscall
		}
		if x.Exe != y.Exe {
			return x.Exe < y.Exe
		}
		if x.File != y.File {
			return x.File < y.File
		}
		return x.Symbol < y.Symbol
	})
	return res
}

// interpreter returns the program a "#!" script names, or "".
func interpreter(path string) string {
	fh, err := openRegular(path)
	if err != nil {
		return ""
	}
	defer fh.Close()
	return Interpreter(fh)
}

// AnalyzedAs returns the file Analyze reads for the executable path: the
// interpreter a "#!" script names, else path. It is the Exe of what
// Analyze finds for path.
func AnalyzedAs(path string) string {
	if in := interpreter(path); in != "" {
		return in
	}
	return path
}

// Interpreter returns the program named by a "#!" line at the start of
// file (its first word, read from the first 256 bytes as the kernel reads
// them: BINPRM_BUF_SIZE), or "" when the file is no script.
func Interpreter(file io.ReaderAt) string {
	buf := make([]byte, 256)
	n, _ := file.ReadAt(buf, 0)
	line, _, _ := bytes.Cut(buf[:n], []byte("\n"))
	rest, ok := bytes.CutPrefix(line, []byte("#!"))
	if !ok {
		return ""
	}
	f := strings.Fields(string(rest))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

func analyzeExe(exe string, opts Options, add func(Implied), notes *[]string) {
	if in := interpreter(exe); in != "" {
		// A script: what its interpreter links (#!/usr/bin/env python3
		// names env, whose imports say nothing of python's).
		*notes = append(*notes, fmt.Sprintf("%s: a script: widened from its interpreter %s", exe, in))
		exe = in
	}
	f, err := openELF(exe)
	if err != nil {
		*notes = append(*notes, fmt.Sprintf("%s: %v", exe, err))
		return
	}
	defer f.Close()
	if err := safely(exe, func() { analyzeELF(exe, f, opts, add, notes) }); err != nil {
		*notes = append(*notes, err.Error())
	}
}

// analyzeELF is analyzeExe for the open ELF file f.
func analyzeELF(exe string, f *elfFile, opts Options, add func(Implied), notes *[]string) {
	if f.Machine != elf.EM_X86_64 {
		*notes = append(*notes, fmt.Sprintf("%s: %s: no table for this machine", exe, f.Machine))
		return
	}
	if isGo(f.File) {
		syms, err := f.Symbols()
		if err != nil {
			*notes = append(*notes, fmt.Sprintf("%s: Go executable without a symbol table (stripped): nothing to widen from", exe))
		}
		linked := map[string]bool{}
		for _, s := range syms {
			linked[goKey(s.Name)] = true
		}
		for _, s := range syms {
			if need, ok := goRuntimeOnlyWith[goKey(s.Name)]; ok && (need == "" || !linked[need]) {
				continue
			}
			for _, sc := range gosym()[goKey(s.Name)] {
				add(Implied{Syscall: sc, File: exe, Symbol: s.Name, Exe: exe})
			}
		}
	}
	needed, _ := f.ImportedLibraries()
	if len(needed) == 0 && f.Section(".interp") == nil {
		if !isGo(f.File) {
			*notes = append(*notes, fmt.Sprintf("%s: statically linked: no imports to widen from", exe))
		}
		return
	}
	imports(f.File, exe, exe, 0, add)
	// Libraries, breadth first.
	seen := map[string]bool{}
	queue := []libRef{{names: needed, from: f.File, fromPath: exe, depth: 1}}
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		for _, n := range q.names {
			if seen[n] {
				continue
			}
			seen[n] = true
			if isLibc(n) {
				continue // its own calls are the table
			}
			p := findLib(n, q.from, q.fromPath, opts.LibDirs)
			if p == "" {
				*notes = append(*notes, fmt.Sprintf("%s: library %s not found", exe, n))
				continue
			}
			lf, err := openELF(p)
			if err != nil {
				*notes = append(*notes, fmt.Sprintf("%s: %s: %v", exe, p, err))
				continue
			}
			defer lf.Close() // its DT_RUNPATH is read for the libraries it needs
			imports(lf.File, p, exe, q.depth, add)
			more, _ := lf.ImportedLibraries()
			queue = append(queue, libRef{names: more, from: lf.File, fromPath: p, depth: q.depth + 1})
		}
	}
}

type libRef struct {
	names    []string
	from     *elf.File
	fromPath string
	depth    int // of the libraries in names
}

// isLibc reports whether a DT_NEEDED name is glibc's own: libc, the
// dynamic loader, and the libraries merged into libc in 2.34.
func isLibc(n string) bool {
	for _, p := range []string{"libc.so.", "ld-linux", "libpthread.so.", "libdl.so.", "librt.so.", "libutil.so.", "libanl.so."} {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

func imports(f *elf.File, path, exe string, depth int, add func(Implied)) {
	syms, err := f.DynamicSymbols()
	if err != nil {
		return
	}
	for _, s := range syms {
		if s.Section != elf.SHN_UNDEF || s.Name == "" {
			continue
		}
		if s.Library != "" && !isLibc(s.Library) && !strings.HasPrefix(s.Version, "GLIBC_") {
			continue // versioned from another library
		}
		for _, sc := range glibc()[s.Name] {
			add(Implied{Syscall: sc, File: path, Symbol: s.Name, Exe: exe, Depth: depth})
		}
	}
}

func findLib(name string, from *elf.File, fromPath string, dirs []string) string {
	if strings.Contains(name, "/") {
		return name
	}
	var search []string
	for _, tag := range []elf.DynTag{elf.DT_RUNPATH, elf.DT_RPATH} {
		vals, _ := from.DynString(tag)
		for _, v := range vals {
			for _, d := range strings.Split(v, ":") {
				d = strings.ReplaceAll(d, "$ORIGIN", filepath.Dir(fromPath))
				d = strings.ReplaceAll(d, "${ORIGIN}", filepath.Dir(fromPath))
				search = append(search, d)
			}
		}
	}
	for _, d := range append(search, dirs...) {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && sameMachine(p, from) {
			return p
		}
	}
	return ""
}

// sameMachine reports whether the ELF file at p is for from's machine and
// class: ld.so skips a library of another architecture (an aarch64
// cross-toolchain's /lib/aarch64-linux-gnu, listed in ld.so.conf) and
// searches on.
func sameMachine(p string, from *elf.File) bool {
	f, err := openELF(p)
	if err != nil {
		return false
	}
	defer f.Close()
	return f.Machine == from.Machine && f.Class == from.Class
}

func isGo(f *elf.File) bool {
	return f.Section(".go.buildinfo") != nil || f.Section(".note.go.buildid") != nil
}

// Identity is what names an executable across renames.
type Identity struct {
	// BuildID is the GNU build ID (hex) or, for Go, the Go build ID, when
	// the file has one.
	BuildID string
	// SHA256 is the hex content hash, set when there is no build ID.
	SHA256 string
}

// Identify reads the build ID of the ELF file at path (.note.gnu.build-id,
// else Go's .note.go.buildid), or hashes its content when it has none or
// is not ELF. Only a regular file is read (a FIFO or a device is an
// error), and one larger than 4 GiB without a build ID is not hashed.
func Identify(path string) (Identity, error) {
	fh, err := openRegular(path)
	if err != nil {
		return Identity{}, err
	}
	defer fh.Close()
	var id string
	_ = safely(path, func() {
		if f, err := elf.NewFile(fh); err == nil {
			id = buildID(f)
		}
	})
	if id != "" {
		return Identity{BuildID: id}, nil
	}
	st, err := fh.Stat()
	if err != nil {
		return Identity{}, err
	}
	if st.Size() > maxHashed {
		return Identity{}, fmt.Errorf("%s: %d bytes with no build ID: larger than %d, not hashed", path, st.Size(), maxHashed)
	}
	if _, err := fh.Seek(0, io.SeekStart); err != nil {
		return Identity{}, err
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(fh, maxHashed+1))
	if err != nil {
		return Identity{}, fmt.Errorf("hash %s: %w", path, err)
	}
	if n > maxHashed {
		return Identity{}, fmt.Errorf("%s: grew past %d bytes while hashed: not hashed", path, maxHashed)
	}
	return Identity{SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// buildID returns the GNU build ID as hex, or the Go build ID string.
func buildID(f *elf.File) string {
	for _, name := range []string{".note.gnu.build-id", ".note.go.buildid"} {
		s := f.Section(name)
		if s == nil {
			continue
		}
		data, err := s.Data()
		if err != nil {
			continue
		}
		desc, typ, ok := note(data, f.ByteOrder)
		if !ok {
			continue
		}
		if name == ".note.gnu.build-id" && typ == 3 { // NT_GNU_BUILD_ID
			return hex.EncodeToString(desc)
		}
		if name == ".note.go.buildid" && typ == 4 {
			return "go:" + string(desc)
		}
	}
	return ""
}

// note parses the first ELF note: namesz, descsz, type, name, desc.
func note(data []byte, bo interface{ Uint32([]byte) uint32 }) ([]byte, uint32, bool) {
	if len(data) < 12 {
		return nil, 0, false
	}
	namesz, descsz, typ := bo.Uint32(data), bo.Uint32(data[4:]), bo.Uint32(data[8:])
	off := 12 + (int(namesz)+3)&^3
	if namesz > 1<<16 || descsz > 1<<16 || off+int(descsz) > len(data) {
		return nil, 0, false
	}
	return data[off : off+int(descsz)], typ, true
}

// ErrNoExecutables says a trace names no executable to widen from.
var ErrNoExecutables = errors.New("no executables to widen from")
