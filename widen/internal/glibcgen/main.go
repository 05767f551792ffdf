// Command glibcgen builds widen/glibc-2.36-x86_64.txt, the table of which system calls
// each glibc function may issue, from the glibc source at a git tag:
//
//	go run ./widen/internal/glibcgen -git /path/to/glibc.git -tag glibc-2.36 > widen/glibc-2.36-x86_64.txt
//
// How (see widen/doc.go for the limits):
//   - syscalls.list files (columns: file, caller, syscall name, args, strong
//     name, weak names): each strong and weak name issues that syscall;
//   - .c and .h files (static inline helpers such as __brk_call live in
//     headers): the names given to INLINE_SYSCALL, INLINE_SYSCALL_CALL,
//     INTERNAL_SYSCALL, INTERNAL_SYSCALL_CALL, SYSCALL_CANCEL, MMAP_CALL and
//     __NR_name outside preprocessor lines, in each function's body (a name
//     at the start of a line followed by "(", the body from a "{" to a "}"
//     at the start of a line; weak_alias, strong_alias, versioned_symbol
//     and compat_symbol name the same function); .S files: SYS_ify(name),
//     credited to the file's ENTRY names;
//   - calls through a macro of the same file (MMAP → __mmap, MORECORE →
//     __glibc_morecore) count as calls of every identifier in its body;
//   - then transitively: a function that calls a function defined elsewhere
//     gets that function's syscalls, until nothing changes (a static
//     function of the same file is preferred to one of another file);
//   - files that build other libraries (notLibc) are left out;
//   - x86_64 only: a conditional on a syscall number (#ifdef __NR_x,
//     #ifndef __NR_x, #if defined __NR_x, and their #else) keeps only the
//     branch the x86_64 build compiles, libseccomp's x86_64 table saying
//     which __NR_ exist; a name that x86_64 lacks is renamed by the
//     sources' own "#define __NR_x __NR_y" fallbacks (ftruncate64 →
//     ftruncate, fcntl64 → fcntl, clock_gettime64 → clock_gettime), and a
//     name still unknown is dropped: glibc cannot issue a syscall without
//     its __NR_ constant, so the name stood in a branch x86_64 does not
//     compile (mmap2, _llseek).
//
// Files are taken from the x86_64 sysdeps directories first and generic
// directories after, the first file of a base name winning, as glibc's
// sysdeps search order does (the Implies files: ...linux, nptl, pthread,
// unix, posix); a syscalls.list entry hides a same-named file of a later
// directory.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// arch is the ABI whose syscall numbers decide #ifdef __NR_x branches and
// which names the table may hold.
const arch = "x86_64"

// dirs is the sysdeps search order for x86_64 Linux (sysdeps/x86_64 Implies
// files), then the generic source directories whose functions wrap
// syscalls.
var dirs = []string{
	"sysdeps/unix/sysv/linux/x86_64/64",
	"sysdeps/unix/sysv/linux/x86_64",
	"sysdeps/unix/sysv/linux/x86",
	"sysdeps/unix/sysv/linux/wordsize-64",
	"sysdeps/unix/sysv/linux",
	"sysdeps/nptl",
	"sysdeps/pthread",
	"sysdeps/unix",
	"sysdeps/posix",
	"nptl", "malloc", "io", "misc", "posix", "socket", "signal", "time",
	"resource", "dirent", "stdlib", "libio", "login", "inet", "resolv",
	"stdio-common", "string", "termios", "rt", "pwd", "grp", "shadow",
	"nss", "assert", "setjmp", "locale", "iconv",
	"sysvipc", "timezone",
}

// notLibc are source files in those directories that build other
// libraries or programs (libmemusage.so, libc_malloc_debug.so, the
// memusagestat program): their functions are not what a program imports
// from libc.
var notLibc = map[string]bool{
	"malloc/memusage.c":     true,
	"malloc/memusagestat.c": true,
	"malloc/malloc-debug.c": true,
	"malloc/mcheck.c":       true,
	"malloc/mcheck-impl.c":  true,
	"malloc/mtrace.c":       true,
	"malloc/mtrace-impl.c":  true,
}

var (
	macroRe  = regexp.MustCompile(`\b(?:INLINE_SYSCALL_CALL|INLINE_SYSCALL|INTERNAL_SYSCALL_CALL|INTERNAL_SYSCALL|SYSCALL_CANCEL|INTERNAL_SYSCALL_CANCEL|MMAP_CALL|MMAP_CALL_INTERNAL|__syscall_cancel)\s*\(\s*(\w+)`)
	nrRe     = regexp.MustCompile(`\b__NR_(\w+)`)
	sysifyRe = regexp.MustCompile(`SYS_ify\s*\(\s*(\w+)\s*\)`)
	defRe    = regexp.MustCompile(`^(\w+)\s*\(`)
	aliasRe  = regexp.MustCompile(`\b(?:weak_alias|strong_alias|libc_ifunc_redirected|versioned_symbol|compat_symbol)\s*\(([^)]*)\)`)
	hiddenRe = regexp.MustCompile(`\b(?:libc_hidden_def|libc_hidden_weak|hidden_def|ENTRY|weak_function)\s*\(\s*(\w+)\s*\)`)
	callRe   = regexp.MustCompile(`\b([A-Za-z_]\w*)\s*\(`)
	defineRe = regexp.MustCompile(`^#\s*define\s+(\w+)(?:\([^)]*\))?\s*(.*)$`)
	identRe  = regexp.MustCompile(`[A-Za-z_]\w*`)
	wordRe   = regexp.MustCompile(`^\w+$`)
	// nrAliasRe is a fallback such as "# define __NR_fcntl64 __NR_fcntl".
	nrAliasRe = regexp.MustCompile(`^#\s*define\s+__NR_(\w+)\s+__NR_(\w+)\s*$`)
	// nrCondRe is a conditional on one syscall number: #ifdef __NR_x,
	// #ifndef __NR_x, #if [!]defined [(]__NR_x[)], #elif likewise.
	nrCondRe = regexp.MustCompile(`^#\s*(ifdef|ifndef|if|elif)\s+(!?)\s*(?:defined\s*\(?\s*)?__NR_(\w+)\s*\)?\s*$`)
)

// nrAlias collects the sources' "#define __NR_x __NR_y" fallbacks: x → y.
var nrAlias = map[string]string{}

type unit struct {
	file     string
	defines  map[string]bool
	syscalls map[string]bool
	calls    map[string]bool
	// local are the functions of the same file, which a call resolves to
	// first (static functions share names across files).
	local map[string]*unit
}

func main() {
	gitDir := flag.String("git", "", "glibc git directory")
	tag := flag.String("tag", "glibc-2.36", "tag to read")
	flag.Parse()
	if *gitDir == "" {
		fmt.Fprintln(os.Stderr, "glibcgen: -git is required")
		os.Exit(2)
	}
	out, err := build(*gitDir, *tag)
	if err != nil {
		fmt.Fprintf(os.Stderr, "glibcgen: %v\n", err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}

func git(gitDir string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", append([]string{"--git-dir", gitDir}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return out, nil
}

func build(gitDir, tag string) ([]byte, error) {
	var units []*unit
	seen := map[string]bool{} // base names taken
	for _, d := range dirs {
		ls, err := git(gitDir, "ls-tree", "--name-only", tag, d+"/")
		if err != nil {
			return nil, err
		}
		for _, p := range strings.Fields(string(ls)) {
			base := path.Base(p)
			ext := path.Ext(base)
			if base == "syscalls.list" {
				src, err := git(gitDir, "show", tag+":"+p)
				if err != nil {
					return nil, err
				}
				units = append(units, parseList(p, src, seen)...)
				continue
			}
			if ext != ".c" && ext != ".S" && ext != ".h" {
				continue
			}
			if seen[base] || seen[strings.TrimSuffix(base, ext)+".list"] || notLibc[p] || strings.HasPrefix(base, "tst-") || strings.HasPrefix(base, "test-") {
				continue
			}
			seen[base] = true
			src, err := git(gitDir, "show", tag+":"+p)
			if err != nil {
				return nil, err
			}
			units = append(units, parseSource(p, src)...)
		}
	}
	// Who defines what.
	definers := map[string][]*unit{}
	for _, u := range units {
		for n := range u.defines {
			definers[n] = append(definers[n], u)
		}
	}
	// Transitive closure over calls.
	for changed := true; changed; {
		changed = false
		for _, u := range units {
			for c := range u.calls {
				ds := definers[c]
				if l := u.local[c]; l != nil {
					ds = []*unit{l}
				}
				for _, d := range ds {
					if d == u {
						continue
					}
					for s := range d.syscalls {
						if !u.syscalls[s] {
							u.syscalls[s] = true
							changed = true
						}
					}
				}
			}
		}
	}
	table := map[string]map[string]bool{}
	from := map[string][]string{}
	for _, u := range units {
		if len(u.syscalls) == 0 {
			continue
		}
		sys := map[string]bool{}
		for s := range u.syscalls {
			if s, ok := onArch(s); ok {
				sys[s] = true
			}
		}
		if len(sys) == 0 {
			continue
		}
		for n := range u.defines {
			if table[n] == nil {
				table[n] = map[string]bool{}
			}
			for s := range sys {
				table[n][s] = true
			}
			from[n] = append(from[n], u.file)
		}
	}
	names := make([]string, 0, len(table))
	for n := range table {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	fmt.Fprintf(&b, "# glibc %s, x86_64: function -> syscalls it may issue.\n", strings.TrimPrefix(tag, "glibc-"))
	fmt.Fprintf(&b, "# Generated by widen/internal/glibcgen from git tag %s; do not edit.\n", tag)
	fmt.Fprintf(&b, "# Format: function<TAB>syscall,syscall,...\n")
	for _, n := range names {
		fmt.Fprintf(&b, "%s\t%s\n", n, strings.Join(sortedKeys(table[n]), ","))
	}
	return b.Bytes(), nil
}

// onArch names the syscall that glibc's name s stands for on arch: s if arch
// has it, else the target of the sources' __NR_ fallback for s, else none
// (s stood in a branch arch does not compile).
func onArch(s string) (string, bool) {
	for range 8 { // fallback chains are short; a cycle ends here
		if scmp.Has(arch, s) {
			return s, true
		}
		t, ok := nrAlias[s]
		if !ok {
			return "", false
		}
		s = t
	}
	return "", false
}

// nrDefined reports whether __NR_x is defined on arch (or by a fallback
// define earlier in the file).
func nrDefined(x string, local map[string]bool) bool {
	return scmp.Has(arch, x) || local[x]
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// parseList reads a syscalls.list. A file name already taken by a .c or .S
// file (earlier in the search order) is skipped, as glibc's make-syscalls.sh
// does.
func parseList(p string, src []byte, seen map[string]bool) []*unit {
	var out []*unit
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		if seen[f[0]+".c"] || seen[f[0]+".S"] || seen[f[0]+".list"] {
			continue
		}
		seen[f[0]+".list"] = true
		sys := f[2]
		if i := strings.IndexByte(sys, ':'); i >= 0 { // "socketcall:bind" style
			sys = sys[i+1:]
		}
		u := newUnit(p + ":" + f[0])
		u.syscalls[sys] = true
		for _, n := range f[4:] {
			if i := strings.IndexByte(n, '@'); i >= 0 {
				n = n[:i]
			}
			if wordRe.MatchString(n) {
				u.defines[n] = true
			}
		}
		out = append(out, u)
	}
	return out
}

// parseSource splits a .c file into its functions (a name at the start of
// a line followed by "(", a body from a "{" to a "}" at the start of a
// line) and credits each with the syscalls and calls in its body; aliases
// name the same function. A .S file is one unit: its ENTRY names.
func parseSource(p string, src []byte) []*unit {
	text := stripComments(string(src))
	if strings.HasSuffix(p, ".S") {
		u := newUnit(p)
		for _, m := range sysifyRe.FindAllStringSubmatch(text, -1) {
			u.syscalls[m[1]] = true
		}
		for _, m := range hiddenRe.FindAllStringSubmatch(text, -1) {
			u.defines[m[1]] = true
		}
		for _, m := range aliasRe.FindAllStringSubmatch(text, -1) {
			addAlias(map[string]*unit{}, u, m[1])
		}
		return []*unit{u}
	}
	byName := map[string]*unit{}
	var units []*unit
	var pending string
	var cur *unit
	var aliases []string
	macros := map[string]map[string]bool{} // #define NAME → identifiers of its body
	var conds condStack
	localNR := map[string]bool{} // __NR_x defined by this file
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "#") {
			body := trim
			for strings.HasSuffix(body, "\\") && i+1 < len(lines) {
				i++
				body = strings.TrimSuffix(body, "\\") + " " + lines[i]
			}
			if conds.directive(body, localNR) || !conds.active() {
				continue
			}
			if m := nrAliasRe.FindStringSubmatch(body); m != nil {
				nrAlias[m[1]] = m[2]
				localNR[m[1]] = true
			}
			if m := defineRe.FindStringSubmatch(body); m != nil {
				ids := map[string]bool{}
				for _, id := range identRe.FindAllString(m[2], -1) {
					ids[id] = true
				}
				macros[m[1]] = ids
			}
			continue
		}
		if !conds.active() {
			continue
		}
		if cur == nil {
			if m := defRe.FindStringSubmatch(line); m != nil && !keyword[m[1]] && !strings.HasSuffix(trim, ";") {
				pending = m[1]
			}
			if strings.HasPrefix(line, "{") && pending != "" {
				cur = byName[pending]
				if cur == nil {
					cur = newUnit(p + ":" + pending)
					cur.defines[pending] = true
					byName[pending] = cur
					units = append(units, cur)
				}
				pending = ""
			}
			for _, m := range aliasRe.FindAllStringSubmatch(line, -1) {
				aliases = append(aliases, m[1])
			}
			continue
		}
		if strings.HasPrefix(line, "}") {
			cur = nil
			continue
		}
		for _, m := range macroRe.FindAllStringSubmatch(line, -1) {
			cur.syscalls[strings.TrimPrefix(m[1], "__NR_")] = true
		}
		for _, m := range nrRe.FindAllStringSubmatch(line, -1) {
			cur.syscalls[m[1]] = true
		}
		for _, m := range callRe.FindAllStringSubmatch(line, -1) {
			if !keyword[m[1]] {
				cur.calls[m[1]] = true
			}
		}
	}
	for _, a := range aliases {
		addAlias(byName, nil, a)
	}
	// Calls through the file's own macros (MMAP → __mmap, MORECORE →
	// __glibc_morecore): the identifiers of the macro's body, nested
	// macros followed.
	for _, u := range units {
		for changed := true; changed; {
			changed = false
			for c := range u.calls {
				for id := range macros[c] {
					if !u.calls[id] {
						u.calls[id] = true
						changed = true
					}
				}
			}
		}
	}
	for _, u := range units {
		u.local = byName
	}
	return units
}

// cond is one open #if: whether its current branch is compiled on arch
// (unknown conditions count as compiled, both branches kept), and whether
// the condition is one on __NR_ that was decided.
type cond struct {
	known, taken, on bool // known: decided; taken: a branch was on; on: current branch
}

type condStack []cond

func (s condStack) active() bool {
	for _, c := range s {
		if !c.on {
			return false
		}
	}
	return true
}

// directive follows #if/#ifdef/#ifndef/#elif/#else/#endif and reports
// whether line was one of them.
func (s *condStack) directive(line string, local map[string]bool) bool {
	d := strings.TrimSpace(strings.TrimPrefix(line, "#"))
	word := d
	if i := strings.IndexAny(d, " \t(!"); i >= 0 {
		word = d[:i]
	}
	m := nrCondRe.FindStringSubmatch(line)
	decide := func() (bool, bool) { // (known, value)
		if m == nil {
			return false, true
		}
		v := nrDefined(m[3], local)
		if m[1] == "ifndef" {
			v = !v
		}
		if m[2] == "!" {
			v = !v
		}
		return true, v
	}
	switch word {
	case "if", "ifdef", "ifndef":
		known, v := decide()
		*s = append(*s, cond{known: known, taken: v, on: v})
	case "elif":
		if len(*s) == 0 {
			return true
		}
		c := &(*s)[len(*s)-1]
		known, v := decide()
		switch {
		case c.known && c.taken:
			c.on = false
		case c.known && known:
			c.on, c.taken = v, v
		default: // an undecided chain keeps every branch
			c.known, c.on = false, true
		}
	case "else":
		if len(*s) == 0 {
			return true
		}
		c := &(*s)[len(*s)-1]
		if c.known {
			c.on = !c.taken
			c.taken = true
		} else {
			c.on = true
		}
	case "endif":
		if len(*s) > 0 {
			*s = (*s)[:len(*s)-1]
		}
	default:
		return false
	}
	return true
}

func newUnit(file string) *unit {
	return &unit{file: file, defines: map[string]bool{}, syscalls: map[string]bool{}, calls: map[string]bool{}}
}

// addAlias handles weak_alias (a, b), strong_alias (a, b),
// versioned_symbol (libc, a, b, V), compat_symbol (libc, a, b, V): b names
// the function a (in byName, or u when given).
func addAlias(byName map[string]*unit, u *unit, args string) {
	var names []string
	for _, a := range strings.Split(args, ",") {
		a = strings.TrimSpace(a)
		if wordRe.MatchString(a) && a != "libc" && a != "libpthread" && !strings.HasPrefix(a, "GLIBC_") {
			names = append(names, a)
		}
	}
	if len(names) < 2 {
		return
	}
	target := u
	if target == nil {
		target = byName[names[0]]
	}
	if target == nil {
		return
	}
	for _, n := range names[1:] {
		target.defines[n] = true
		byName[n] = target
	}
}

var keyword = map[string]bool{
	"if": true, "while": true, "for": true, "switch": true, "return": true, "sizeof": true,
	"defined": true, "__glibc_unlikely": true, "__glibc_likely": true, "__builtin_expect": true,
	"weak_alias": true, "strong_alias": true, "libc_hidden_def": true, "versioned_symbol": true,
	"compat_symbol": true, "libc_hidden_weak": true, "hidden_def": true,
}

// stripComments removes /* */ and // comments.
func stripComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.HasPrefix(s[i:], "/*") {
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				break
			}
			// keep line count
			b.WriteString(strings.Repeat("\n", strings.Count(s[i:i+2+j+2], "\n")))
			i += 2 + j + 1
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
