package verdict

import (
	"slices"
	"strings"
	"sync"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/profiles"
)

// fallbackTable is the fallback table (profiles/fallbacks.yaml), read once.
var fallbackTable = sync.OnceValue(profiles.Fallbacks)

// errnoNames are the errno names the fallback table's "on" lists use.
var errnoNames = map[uint]string{policy.EPERM: "EPERM", policy.ENOSYS: "ENOSYS"}

// FallsBack says how a program gets on when p answers syscall name on arch
// with errno: the first entry of the fallback table for name that falls
// back on that errno to syscalls p lets run on arch (cond: some only for
// some argument values). ok is false when there is none. A whole-syscall
// answer it finds counts as covered (MarkFallbacks).
func FallsBack(p *policy.Policy, arch, name string, errno uint) (f profiles.Fallback, cond, ok bool) {
	return fallsBackIn(p, arch, name, errno, "")
}

// fallsBackIn is FallsBack over the entries whose Source starts with
// source ("": all).
func fallsBackIn(p *policy.Policy, arch, name string, errno uint, source string) (f profiles.Fallback, cond, ok bool) {
	if p == nil {
		return f, false, false
	}
	for _, f := range fallbackTable() {
		if f.Newer != name || !strings.HasPrefix(f.Source, source) || !(slices.Contains(f.On, "any") || errnoNames[errno] != "" && slices.Contains(f.On, errnoNames[errno])) {
			continue
		}
		all, someCond := true, false
		for _, o := range f.Older {
			allowed, c, _ := Allowed(p, arch, o)
			all, someCond = all && allowed, someCond || c
		}
		if all {
			return f, someCond, true
		}
	}
	return f, false, false
}

// MarkFallbacks marks as covered (Reason ReasonFallback) the entries p
// answers, as a whole syscall (not for an argument value), with an errno
// glibc falls back from to syscalls p allows (the table's glibc entries):
// generate answers clone3 ENOSYS whenever it checks clone's flags, and
// glibc then starts the thread with clone. The run does not need the
// syscall; it needs the fallback's, which a run under the profile makes
// and a replay checks like any other (replay --enforce sees clone denied
// if it is). Without this a threaded program failed the replay of its own
// trace. Only glibc's entries: the verdict does not know a program's libc,
// and glibc does not fall back where musl and Go do (its pipe2, dup3 and
// accept4 wrappers have no fallback), while musl and Go programs seldom
// make the calls of glibc's entries (clone3, faccessat2, statx, preadv2,
// pwritev2, close_range, rseq; Go's os package stats with newfstatat, a
// Go program calling unix.Statx itself would not fall back). Those of musl
// and Go stay missing, with Explain saying where such a program goes.
func MarkFallbacks(p *policy.Policy, es []Entry) {
	for i := range es {
		e := &es[i]
		if e.Covered || e.Action != policy.ActErrno || len(e.ArgDenied) > 0 || (e.Reason != ReasonDenied && e.Reason != ReasonEnforced) {
			continue
		}
		if _, _, ok := fallsBackIn(p, e.Arch, e.Name, e.Errno, "glibc "); ok {
			e.Covered, e.Reason = true, ReasonFallback
		}
	}
}

// fallbackNote is what Explain adds for an errno answer that the program
// falls back from ("; glibc 2.36 falls back to clone, which the profile
// allows for some argument values"), or "".
func (e Entry) fallbackNote(p *policy.Policy) string {
	if e.Action != policy.ActErrno || e.Name == "" {
		return ""
	}
	f, cond, ok := FallsBack(p, e.Arch, e.Name, e.Errno)
	if !ok {
		return ""
	}
	if len(f.Older) == 0 {
		return "; " + f.Source + " goes on without it"
	}
	allows := "which the profile allows"
	switch {
	case len(f.Older) == 1 && cond:
		allows += " for some argument values"
	case cond:
		allows = "all of which the profile allows (some only for some argument values)"
	case len(f.Older) > 1:
		allows = "all of which the profile allows"
	}
	return "; " + f.Source + " falls back to " + strings.Join(f.Older, ", ") + ", " + allows
}
