package main

import (
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/seccomp-gen/seccomp-gen/internal/text"
	"github.com/seccomp-gen/seccomp-gen/profiles"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/report"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/widen"
)

// widenArch is the ABI the widening tables are for.
const widenArch = trace.ArchX86_64

// The modes of --widen.
const (
	widenImports = "imports" // every syscall the executables link
	widenKinds   = "kinds"   // those of a kind of work the traces show
)

// widenExecutables lists the executables of the traces: their
// executables list (whose identity must still match the file on disk),
// else the traced command looked up in PATH. Each file is identified once,
// and a reason not to widen from an executable is written once, naming the
// first trace and counting the others: merging thousands of traces from
// machines with files this one lacks wrote a line per trace and file.
func widenExecutables(w io.Writer, inputs []reduce.Input) []string {
	var out []string
	type idResult struct {
		id  widen.Identity
		err error
	}
	ids := map[string]idResult{}
	type skip struct{ path, why string } // why: " reason" or ": error"
	var skips []skip
	skipFirst := map[skip]string{} // the first trace
	skipMore := map[skip]int{}     // how many more traces
	skipped := func(trace, path, why string) {
		k := skip{path, why}
		if _, ok := skipFirst[k]; ok {
			skipMore[k]++
			return
		}
		skipFirst[k] = trace
		skips = append(skips, k)
	}
	for _, in := range inputs {
		exes := in.File.Executables
		if len(exes) == 0 && len(in.File.Target.Command) > 0 {
			if p, err := exec.LookPath(in.File.Target.Command[0]); err == nil {
				fmt.Fprintf(w, "generate: --widen: %s: the trace lists no executables; using the traced command %s\n", in.Path, p)
				out = append(out, p)
			} else {
				fmt.Fprintf(w, "generate: --widen: %s: the trace lists no executables and %s is not in PATH\n", in.Path, in.File.Target.Command[0])
			}
			continue
		}
		if n := in.File.ExecutablesOmitted; n > 0 {
			fmt.Fprintf(w, "generate: --widen: %s: %s ran that the trace does not list (more than the recorder keeps, or paths of 255 bytes or more); not widened from them\n", in.Path, text.Count(n, "more executable", "more executables"))
		}
		for _, e := range exes {
			if !filepath.IsAbs(e.Path) || strings.HasPrefix(e.Path, "/proc/") || strings.HasPrefix(e.Path, "/dev/fd/") {
				// Opened here, /proc/self/exe would be seccomp-gen itself.
				skipped(in.Path, e.Path, " names a file only for the process that exec'd it")
				continue
			}
			if e.BuildID == "" && e.SHA256 == "" {
				// Gone before it could be read where it ran (a container's
				// root): the file here may be another one.
				skipped(in.Path, e.Path, " was not identified when traced")
				continue
			}
			r, ok := ids[e.Path]
			if !ok {
				r.id, r.err = widen.Identify(e.Path)
				ids[e.Path] = r
			}
			if r.err != nil {
				skipped(in.Path, e.Path, ": "+r.err.Error())
				continue
			}
			if (e.BuildID != "" && r.id.BuildID != e.BuildID) || (e.SHA256 != "" && r.id.SHA256 != e.SHA256) {
				skipped(in.Path, e.Path, " is not the file that was traced (build ID or hash differs)")
				continue
			}
			out = append(out, e.Path)
		}
	}
	for _, k := range skips {
		more := ""
		if n := skipMore[k]; n > 0 {
			more = fmt.Sprintf(" (and in %s)", text.Count(n, "more trace", "more traces"))
		}
		fmt.Fprintf(w, "generate: --widen: %s: %s%s; not widened from it%s\n", skipFirst[k], k.path, k.why, more)
	}
	return out
}

// widenBaseline analyses the traces' executables and returns a baseline
// of the syscalls they imply (deny ceiling and names libseccomp does not
// know on widenArch removed; with mode widenKinds also those of no kind of
// work the traces show), reporting each added syscall with the file and
// symbol that implies it.
func widenBaseline(w io.Writer, inputs []reduce.Input, allow []string, mode string, fallbacks bool, others []*profiles.Baseline) (*profiles.Baseline, error) {
	exes := widenExecutables(w, inputs)
	if len(exes) == 0 {
		// Said once, as a warning: a CI log would otherwise show a
		// --widen profile that is not widened.
		fmt.Fprintf(w, "generate: warning: --widen: none of the traced executables can be read here as it was traced; the profile is not widened\n")
	}
	res := widen.Analyze(exes, widen.Options{})
	for _, n := range res.Notes {
		fmt.Fprintf(w, "generate: --widen: %s\n", n)
	}
	observed := map[string]bool{}
	for _, in := range inputs {
		for _, s := range in.File.Syscalls {
			observed[s.Name] = true
		}
	}
	allowed := map[string]bool{}
	for _, a := range allow {
		allowed[a] = true
	}
	ceiling := map[string]string{}
	for _, c := range profiles.Ceiling() {
		ceiling[c.Name] = c.Reason
	}
	tables := scmp.Tables{}
	by := res.By()
	var kinds *widen.PerExecutable
	if mode == widenKinds {
		obs := make([]string, 0, len(observed))
		for s := range observed {
			obs = append(obs, s)
		}
		var signs []widen.Sign
		for _, in := range inputs {
			signs = append(signs, widen.Signs(in.File.Syscalls)...)
			if setflUnrecorded(in.File.Syscalls) {
				fmt.Fprintf(w, "generate: --widen=kinds: %s records fcntl(F_SETFL) without its flags (an older trace): a descriptor it made non-blocking cannot show waiting on descriptors; record it again\n", in.Path)
			}
		}
		kinds = widen.NewPerExecutable(executableSyscalls(inputs, tables), obs, signs)
		by = res.ByKept(func(i widen.Implied) bool {
			_, ok := kinds.Why(i)
			return ok
		})
	}
	var names []string
	var refused []string
	otherKind := 0
	for _, s := range res.Syscalls() {
		if !tables.Has(widenArch, s) {
			continue // a name of another ABI (mmap2, fstatat64) or unknown to libseccomp
		}
		_, ok := by[s]
		if !ok {
			if !observed[s] {
				otherKind++
			}
			continue
		}
		if _, in := ceiling[s]; in && !allowed[s] {
			refused = append(refused, s)
			continue
		}
		names = append(names, s)
	}
	if fallbacks {
		names = glibcFallbacks(w, names, observed, baselineNames(others), res, by)
	}
	for _, s := range names {
		if observed[s] {
			continue
		}
		i, why := by[s], ""
		if kinds != nil {
			r, _ := kinds.Why(i)
			why = " (" + r.String() + ")"
		}
		fmt.Fprintf(w, "generate: --widen: +%s: %s links %s%s\n", s, i.File, describe(i), why)
	}
	var args map[string]map[int][]uint64
	if kinds != nil && !slices.Contains(names, "ioctl") {
		if i, r, ok := flagIoctls(res, kinds); ok {
			names = append(names, "ioctl")
			sort.Strings(names)
			var reqs []uint64
			var req []string
			for _, f := range widen.FlagIoctls {
				reqs = append(reqs, f.Request)
				req = append(req, f.Name)
			}
			args = map[string]map[int][]uint64{"ioctl": {1: reqs}}
			fmt.Fprintf(w, "generate: --widen: +ioctl %s (the descriptor-flag requests, which do what fcntl F_SETFD and F_SETFL do): %s links %s (%s)\n", strings.Join(req, ", "), i.File, describe(i), r.String())
		}
	}
	sort.Strings(refused)
	for _, s := range refused {
		i := by[s]
		fmt.Fprintf(w, "generate: --widen: not widened to %s (deny ceiling: %s): %s links %s; --allow %s to add it\n", s, ceiling[s], i.File, describe(i), s)
	}
	added := 0
	for _, s := range names {
		if !observed[s] {
			added++
		}
	}
	fmt.Fprintf(w, "generate: --widen: %d syscall(s) implied by %d executable(s), %d not in the traces\n", len(names), len(exes), added)
	if kinds != nil {
		fmt.Fprintf(w, "generate: --widen=kinds: %d more syscall(s) linked but not widened: of no kind of work the traces show the executable linking them doing (--widen=imports adds them)\n", otherKind)
	}
	return &profiles.Baseline{
		Name:        "widen",
		Description: "syscalls the traced executables and their libraries link (generate --widen)",
		Syscalls:    map[string][]string{widenArch: names},
		Measured:    widenArch,
		Source:      "widen",
		OwnCalls:    true,
		Args:        args,
	}, nil
}

// glibcComplete are the newer syscalls of the fallback table that glibc
// 2.36 issues on x86_64 only from code that falls back completely on
// ENOSYS: faccessat2 only in __faccessat (sysdeps/unix/sysv/linux/
// faccessat.c, which then calls faccessat, or checks the file's mode
// itself for AT_EACCESS), statx only in statx() (sysdeps/unix/sysv/linux/
// statx.c, which then calls statx_generic; fstatat64's statx branch is
// not compiled for x86_64, which has newfstatat). Not here: preadv2 and
// pwritev2 (with flags glibc says ENOTSUP instead), close_range (glibc's
// close_range() has no fallback; only closefrom falls back).
var glibcComplete = map[string]bool{"faccessat2": true, "statx": true}

// glibcFallbacks removes from the widened names the unobserved newer
// syscalls of glibcComplete whose older ones the widened or traced
// syscalls include and that only glibc functions imply: the profile's
// fallback table answers them ENOSYS, as it would without --widen, and
// glibc does the same work with the older ones. A Go program or another
// libc linking them keeps them (Go's unix.Statx, say, does not fall back).
func glibcFallbacks(w io.Writer, names []string, observed, base map[string]bool, res *widen.Result, by map[string]widen.Implied) []string {
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	for n := range observed {
		have[n] = true
	}
	for n := range base {
		have[n] = true
	}
	drop := map[string]string{}
	for _, f := range profiles.Fallbacks() {
		if !glibcComplete[f.Newer] || !strings.HasPrefix(f.Source, "glibc ") || observed[f.Newer] || !have[f.Newer] {
			continue
		}
		older := len(f.Older) > 0
		for _, o := range f.Older {
			older = older && have[o]
		}
		if !older {
			continue
		}
		glibc := true
		for _, i := range res.Implied {
			if i.Syscall == f.Newer && widen.GlibcTable(i.Symbol) == nil {
				glibc = false
			}
		}
		if glibc {
			drop[f.Newer] = strings.Join(f.Older, ", ")
		}
	}
	if len(drop) == 0 {
		return names
	}
	out := names[:0]
	for _, n := range names {
		older, ok := drop[n]
		if !ok {
			out = append(out, n)
			continue
		}
		if base[n] {
			continue // another baseline allows it: not widened, not denied
		}
		i := by[n]
		fmt.Fprintf(w, "generate: --widen: %s not widened: only glibc functions that fall back to %s on ENOSYS link it (%s links %s); the fallback table answers it ENOSYS\n", n, older, i.File, describe(i))
	}
	return out
}

// baselineNames returns the widenArch syscalls the baselines allow.
func baselineNames(bl []*profiles.Baseline) map[string]bool {
	out := map[string]bool{}
	for _, b := range bl {
		list, ok := b.Syscalls[widenArch]
		if !ok && b.Measured == widenArch {
			list = b.Syscalls[b.Measured]
		}
		for _, n := range list {
			out[n] = true
		}
	}
	return out
}

// flagIoctls says whether --widen=kinds adds ioctl with its
// descriptor-flag requests (widen.FlagIoctls) only: an executable (or a
// library it loads) links ioctl, and its traced syscalls show descriptor
// plumbing. It returns the file that links it and the reason.
func flagIoctls(res *widen.Result, kinds *widen.PerExecutable) (widen.Implied, widen.Reason, bool) {
	by := res.ByKept(func(i widen.Implied) bool {
		if i.Syscall != "ioctl" {
			return false
		}
		_, ok := kinds.Shows(i.Exe, widen.FlagIoctlKind)
		return ok
	})
	i, ok := by["ioctl"]
	if !ok {
		return widen.Implied{}, widen.Reason{}, false
	}
	r, _ := kinds.Shows(i.Exe, widen.FlagIoctlKind)
	return i, r, true
}

// executableSyscalls returns, per executable the traces list, the names
// of the syscalls its processes issued (of every ABI, by that ABI's name).
func executableSyscalls(inputs []reduce.Input, tables scmp.Tables) map[string][]string {
	sets := map[string]map[string]bool{}
	for _, in := range inputs {
		for _, e := range in.File.Executables {
			if sets[e.Path] == nil {
				sets[e.Path] = map[string]bool{}
			}
			for _, s := range e.Syscalls {
				for _, nr := range s.Nrs {
					if name, ok := tables.Name(s.Arch, nr); ok {
						sets[e.Path][name] = true
					}
				}
			}
		}
	}
	out := map[string][]string{}
	for p, set := range sets {
		for n := range set {
			out[p] = append(out[p], n)
		}
		sort.Strings(out[p])
	}
	return out
}

// setflUnrecorded says whether a trace holds fcntl or fcntl64 calls with
// cmd F_SETFL but not their flags (recorded before seccomp-gen kept them,
// or with trace --no-args: then no cmd either, and nothing is said).
func setflUnrecorded(syscalls []trace.Syscall) bool {
	for _, s := range syscalls {
		if s.Name != "fcntl" && s.Name != "fcntl64" {
			continue
		}
		setfl, flags := false, false
		for _, a := range s.Args {
			switch a.Index {
			case 1:
				setfl = slices.Contains(a.Values, trace.FSetfl)
			case 2:
				flags = true
			}
		}
		if setfl && !flags {
			return true
		}
	}
	return false
}

func describe(i widen.Implied) string {
	if i.File != i.Exe {
		return i.Symbol + " (library of " + i.Exe + ")"
	}
	return i.Symbol
}

// reportPerExecutable writes, per executable of the traces, the syscalls
// processes running it issued (the executables lists), by name.
func reportPerExecutable(w io.Writer, inputs []reduce.Input) {
	tables := scmp.Tables{}
	// An executable is one by its path and identity (build ID, else
	// content hash); one that has neither (it could not be read: a
	// deleted file, another mount namespace) is one per trace, since the
	// same path on two machines need not be the same program.
	type key struct{ path, id, trace string }
	sets := map[key]map[string]bool{}
	var order []key
	for _, in := range inputs {
		if len(in.File.Executables) == 0 {
			fmt.Fprintf(w, "generate: --per-executable: %s lists no executables (recorded before seccomp-gen knew them)\n", in.Path)
		}
		if n := in.File.ExecutablesOmitted; n > 0 {
			fmt.Fprintf(w, "generate: --per-executable: %s: %s ran that the trace does not list (more than the recorder keeps, or paths of 255 bytes or more)\n", in.Path, text.Count(n, "more executable", "more executables"))
		}
		for _, e := range in.File.Executables {
			k := key{path: e.Path, id: e.BuildID}
			switch {
			case k.id != "":
			case e.SHA256 != "":
				k.id = "sha256:" + e.SHA256
			default:
				k.trace = in.Path
			}
			if sets[k] == nil {
				sets[k] = map[string]bool{}
				order = append(order, k)
			}
			for _, s := range e.Syscalls {
				for _, nr := range s.Nrs {
					name, ok := tables.Name(s.Arch, nr)
					if !ok {
						name = fmt.Sprintf("%d", nr)
					}
					if s.Arch != widenArch {
						name = s.Arch + "/" + name
					}
					sets[k][name] = true
				}
			}
		}
	}
	sort.Slice(order, func(i, j int) bool {
		if order[i].path != order[j].path {
			return order[i].path < order[j].path
		}
		if order[i].id != order[j].id {
			return order[i].id < order[j].id
		}
		return order[i].trace < order[j].trace
	})
	for _, k := range order {
		names := make([]string, 0, len(sets[k]))
		for n := range sets[k] {
			names = append(names, n)
		}
		sort.Strings(names)
		id := k.id
		if id == "" {
			id = "not identified, in " + k.trace
		}
		fmt.Fprintf(w, "generate: executable %s (%s): %d syscall(s): %s\n", report.DisplayName(k.path), report.DisplayName(id), len(names), strings.Join(names, " "))
	}
}
