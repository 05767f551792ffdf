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
	return fallsBackIn(policyAllows(p), arch, name, errno, "")
}

// allowsFunc says whether a profile lets syscall name run on arch (cond:
// only for some argument values). With values (argument index -> the
// values the callers pass there: profiles.Fallback.Args), a syscall the
// profile allows only for some argument values counts as allowed only
// when it allows one of those values.
type allowsFunc func(arch, name string, values map[int][]uint64) (ok, cond bool)

// policyAllows is Allowed for p; nil for a nil p.
func policyAllows(p *policy.Policy) allowsFunc {
	if p == nil {
		return nil
	}
	return func(arch, name string, values map[int][]uint64) (bool, bool) {
		ok, cond, _ := Allowed(p, arch, name)
		if !cond || len(values) == 0 {
			return ok, cond
		}
		eval := p.EvalFunc(arch, name)
		return anyAllows(ArgProbes(p.RuleConditions(arch, name)), values, func(args [6]uint64) bool { return allowing(eval(args).Action) }), true
	}
}

// anyAllows reports whether allows holds for one of probes with one of
// values put in (each index's values in turn, the probe's other
// arguments kept: a rule on clone's flags and its stack).
func anyAllows(probes [][6]uint64, values map[int][]uint64, allows func([6]uint64) bool) bool {
	for _, args := range probes {
		for i, vs := range values {
			for _, v := range vs {
				with := args
				with[i] = v
				if allows(with) {
					return true
				}
			}
		}
	}
	return false
}

// Numberer is implemented by answerers that number syscall names
// (cbpf.Filter with libseccomp's tables): the fallback verdict of an
// answerer other than a policy asks it for the older syscalls by number.
type Numberer interface {
	Number(arch, name string) (int, error)
}

// answererAllows says what a lets run, the way Allowed does for a policy:
// a syscall is allowed when the answer for all arguments zero lets it run
// (cond when that answer depends on arguments), or, when it depends on
// arguments, when the answer for one of a's probes does (cond); with
// values, when the answer for one of them (in all arguments zero or a
// probe) does. A policy is asked through Allowed; an answerer that cannot
// number a syscall (no Numberer) allows none (nil).
func answererAllows(a Answerer) allowsFunc {
	if p := PolicyOf(a); p != nil {
		return policyAllows(p)
	}
	n, ok := a.(Numberer)
	if !ok {
		return nil
	}
	return func(arch, name string, values map[int][]uint64) (bool, bool) {
		if !a.Covers(arch) {
			return false, false
		}
		nr, err := n.Number(arch, name)
		if err != nil {
			return false, false
		}
		v := a.Answer(arch, nr, [6]uint64{})
		if !v.Conditional {
			return allowingVerdict(v), false
		}
		allows := func(args [6]uint64) bool { return allowingVerdict(a.Answer(arch, nr, args)) }
		probes := append([][6]uint64{{}}, a.Probes(arch, nr)...)
		if len(values) > 0 {
			return anyAllows(probes, values, allows), true
		}
		return slices.ContainsFunc(probes, allows), true
	}
}

// fallsBackIn is FallsBack over the entries whose Source starts with
// source ("": all), for the profile whose answers allows gives (nil: none
// falls back).
func fallsBackIn(allows allowsFunc, arch, name string, errno uint, source string) (f profiles.Fallback, cond, ok bool) {
	if allows == nil {
		return f, false, false
	}
	for _, f := range fallbackTable() {
		if f.Newer != name || !strings.HasPrefix(f.Source, source) || !(slices.Contains(f.On, "any") || errnoNames[errno] != "" && slices.Contains(f.On, errnoNames[errno])) {
			continue
		}
		all, someCond := true, false
		for _, o := range f.Older {
			allowed, c := allows(arch, o, f.Args[o])
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
func MarkFallbacks(p *policy.Policy, es []Entry) { markFallbacks(policyAllows(p), es) }

// markFallbacksOf is MarkFallbacks for any answerer: a compiled filter
// gets the verdict of the policy it was compiled from. It also keeps, on
// each entry answered with an errno some entry of the table falls back
// from, what Explain says of it without a policy.
func markFallbacksOf(a Answerer, es []Entry) {
	allows := answererAllows(a)
	markFallbacks(allows, es)
	for i := range es {
		e := &es[i]
		if e.Action != policy.ActErrno || e.Name == "" {
			continue
		}
		if f, cond, ok := fallsBackIn(allows, e.Arch, e.Name, e.Errno, ""); ok {
			e.fallback = &foundFallback{f, cond}
		}
	}
}

// foundFallback is an entry of the fallback table a profile lets a program
// take (cond: some of its older syscalls only for some argument values).
type foundFallback struct {
	f    profiles.Fallback
	cond bool
}

func markFallbacks(allows allowsFunc, es []Entry) {
	for i := range es {
		e := &es[i]
		if e.Covered || e.Action != policy.ActErrno || len(e.ArgDenied) > 0 || (e.Reason != ReasonDenied && e.Reason != ReasonEnforced) {
			continue
		}
		if _, _, ok := fallsBackIn(allows, e.Arch, e.Name, e.Errno, "glibc "); ok {
			e.Covered, e.Reason = true, ReasonFallback
		}
	}
}

// fallbackNote is what Explain adds for an errno answer that the program
// falls back from ("; glibc 2.36 falls back to clone, which the profile
// allows for some argument values"), or "". Without a policy (a compiled
// filter) it is what the coverage found by asking the filter.
func (e Entry) fallbackNote(p *policy.Policy) string {
	if e.Action != policy.ActErrno || e.Name == "" {
		return ""
	}
	f, cond, ok := FallsBack(p, e.Arch, e.Name, e.Errno)
	if p == nil && e.fallback != nil {
		f, cond, ok = e.fallback.f, e.fallback.cond, true
	}
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
