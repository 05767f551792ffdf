package verdict

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/seccomp-gen/seccomp-gen/abi"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// ErrNoSyscalls is wrapped by CheckCoverage when the traces hold no syscall
// at all: an empty trace proves nothing, so it must never pass silently.
var ErrNoSyscalls = errors.New("no syscalls to check")

// Why a traced syscall is not covered by a profile.
const (
	ReasonDenied      = "denied"      // a rule or the default action denies it
	ReasonArch        = "arch"        // the profile does not cover the ABI
	ReasonUnknown     = "unknown"     // libseccomp cannot name the number: no rule can allow it, and the default action denies it
	ReasonConditional = "conditional" // allowed only for some argument values
	ReasonEnforced    = "enforced"    // the filter denied it at run time
	ReasonWouldKill   = "would-kill"  // the filter would have killed the task
	// ReasonFallback marks a covered syscall: the profile answers it with
	// an errno its libc or runtime falls back from, to syscalls the
	// profile allows (the fallback table; MarkFallbacks).
	ReasonFallback = "fallback"
	// ReasonNoSyscall marks a covered number that no syscall has on its
	// ABI (abi.NoSyscall: a program's syscall(-1) or syscall(5000)
	// probe), which the profile answers ENOSYS, as the kernel does
	// without any profile (MarkNoSyscalls).
	ReasonNoSyscall = "no-syscall"
)

// MarkNoSyscalls marks as covered (ReasonNoSyscall) the entries of numbers
// no syscall has on their ABI that were answered ENOSYS: the run meets the
// answer it meets without a profile. Such a probe was "not covered" (no
// rule can name it), so a program that probes could never pass replay or
// check, although runc, crun and the kernel give it the same answer.
func MarkNoSyscalls(es []Entry) {
	for i := range es {
		e := &es[i]
		if e.Covered || e.Name != "" || (e.Reason != ReasonUnknown && e.Reason != ReasonEnforced) ||
			!answersENOSYS(e.Action, e.Errno) || e.Crun != nil || !abi.NoSyscall(e.Arch, e.Nr) {
			continue
		}
		e.Covered, e.Reason = true, ReasonNoSyscall
	}
}

// answersENOSYS reports whether a filter's answer is ENOSYS to the task:
// SCMP_ACT_ERRNO(ENOSYS), or SCMP_ACT_TRACE, which the kernel answers
// ENOSYS when no tracer is attached (seccomp(2); runc and crun attach
// none, and replay --enforce answers it so). check called a probe under a
// TRACE default missing where replay --enforce, from the same answer,
// called it covered.
func answersENOSYS(a policy.Action, errno uint) bool {
	return a == policy.ActTrace || (a == policy.ActErrno && errno == policy.ENOSYS)
}

// Entry is the verdict for one (ABI, syscall) a run issued.
type Entry struct {
	Arch  string
	Nr    int
	Name  string // empty when libseccomp could not name Nr on Arch
	Count uint64
	// First is the program (comm) that issued the syscall first.
	First string
	// Callers are the executables the traces list as having made the
	// syscall (their executables lists), sorted; empty when they list
	// none. An argument value is recorded per syscall, not per program:
	// with several callers, which one passed a denied value is not known
	// (Explain says so), and First is only the first of them.
	Callers []string
	// Covered is true when the profile lets the syscall run.
	Covered bool
	// Reason is one of the Reason* constants when Covered is false, or
	// ReasonConditional for a covered syscall whose rule has argument
	// conditions (it passes, but only for the argument values allowed).
	Reason string
	// Action and Errno are what the profile answers (for Reason "denied").
	Action policy.Action
	Errno  uint
	// Crun is crun 1.8.1's answer where it differs from Action and Errno,
	// runc 1.1.5's, which replay --enforce gives (runc's ENOSYS stub
	// answers numbers above the highest syscall the profile names; crun
	// has none: policy.(*Policy).Runtimes). Nil where the two agree.
	Crun *policy.Verdict
	// Saturated says Count stopped at trace.MaxCount: the true sum is
	// larger.
	Saturated bool
	// ArgDenied are the argument values the profile does not allow
	// (Reason ReasonArgument, or a denial replay --enforce attributes to
	// an argument; see args.go).
	ArgDenied []ArgDenial
	// Unchecked says that the entry is covered only for some argument
	// values (ReasonConditional) and that the run's values of an argument
	// the profile tests are not all known: the recorder keeps none of it
	// (it records the arguments of trace.RecordedArgs only), or more
	// distinct values came than it keeps (overflow). UncheckedArgs lists
	// those argument indexes (empty when a raw filter's tests are not
	// known). A run may then have made a call the profile denies: replay
	// and check call the verdict incomplete (replay --enforce has the
	// kernel check every call).
	Unchecked     bool
	UncheckedArgs []int
	// Traces name the inputs that need a syscall not covered
	// (SetTraces): those that hold it or, for an entry denied by its
	// argument values, a denied value.
	Traces []string
	// args are the recorded argument values of the merged traces.
	args []trace.ArgValues
	// pairs are the recorded pairs of the merged traces (their union),
	// nil when one of them has none (pairsUnknown): which values went
	// together is then unknown, and each value is judged alone.
	pairs        *trace.ArgPairs
	pairsUnknown bool
	// pairsUnchecked says the pairs overflowed and the profile denies
	// some combination of the two arguments' recorded values (checkPairs).
	pairsUnchecked bool
	// filterPairAllows describes, per first value of a denied pair, the
	// values of the pair's other argument a raw filter allows with it.
	filterPairAllows map[uint64]string
	// filterAllows describes, per argument index of ArgDenied, the values
	// a raw filter allows there (a policy's rules say it otherwise).
	filterAllows map[int]string
	// fallback is the fallback a raw filter lets the program take from
	// an errno answer (a policy's rules say it otherwise: FallsBack).
	fallback *foundFallback
	// arches are the ABIs a raw filter covers, for an entry of another
	// (ReasonArch; a policy lists its own).
	arches []string
}

// SetTraces fills the Traces of the entries not covered: names[i] is the
// name of traces[i], the files the coverage was computed from.
func (c *Coverage) SetTraces(names []string, traces []*trace.File) {
	for i := range c.Entries {
		e := &c.Entries[i]
		e.Traces = nil
		if e.Covered {
			continue
		}
		for j, t := range traces {
			if holds(t, *e) {
				e.Traces = append(e.Traces, names[j])
			}
		}
	}
}

// holds says whether t has e's syscall and, when e is denied for argument
// values only, one of those values.
func holds(t *trace.File, e Entry) bool {
	for _, s := range t.Syscalls {
		if s.Arch != e.Arch || s.Nr != e.Nr {
			continue
		}
		if e.Reason != ReasonArgument || len(e.ArgDenied) == 0 || len(e.ArgDenied) >= maxArgDenials {
			return true // (beyond the bound, the denied values are not all known)
		}
		for _, d := range e.ArgDenied {
			if d.Pair {
				if p := s.Pairs; p != nil && p.Indexes == [2]int{d.Index, d.PairIndex} && slices.Contains(p.Values, [2]uint64{d.Value, d.PairValue}) {
					return true
				}
				continue
			}
			for _, a := range s.Args {
				if a.Index == d.Index && slices.Contains(a.Values, d.Value) {
					return true
				}
			}
		}
	}
	return false
}

// Label returns the syscall name, or "#NR" when it has none.
func (e Entry) Label() string {
	if e.Name != "" {
		return e.Name
	}
	return fmt.Sprintf("#%d", e.Nr)
}

// Explain says in a few words why the entry is not covered.
func (e Entry) Explain(p *policy.Policy) string {
	switch e.Reason {
	case ReasonDenied:
		return "profile answers " + ActionText(e.Action, e.Errno) + e.runtimeNote() + e.fallbackNote(p)
	case ReasonArch:
		arches := e.arches
		if p != nil {
			arches = p.Arches
		}
		if len(arches) > 0 {
			return fmt.Sprintf("ABI %s not covered by the profile (covers %s)", e.Arch, strings.Join(arches, ", "))
		}
		return fmt.Sprintf("ABI %s not covered by the profile", e.Arch)
	case ReasonUnknown:
		why := fmt.Sprintf("libseccomp cannot name number %d on %s: no rule can allow it", e.Nr, e.Arch)
		if e.Action != "" { // replay --enforce: what the filter did
			why += " (the filter answered " + ActionText(e.Action, e.Errno) + e.runtimeNote() + ")"
		}
		if e.Arch == "x86_64" && policy.LibseccompX32(e.Nr) {
			why += fmt.Sprintf("; libseccomp's filter takes %#x, bit 31 set, for an x32 number (runc's stub and the kernel for x86_64's)", uint32(e.Nr))
		}
		return why
	case ReasonConditional:
		return "allowed only for some argument values"
	case ReasonFallback:
		return "answered " + ActionText(e.Action, e.Errno) + e.runtimeNote() + e.fallbackNote(p)
	case ReasonNoSyscall:
		answer := ActionText(e.Action, e.Errno)
		if e.Action == policy.ActTrace {
			answer += " (ENOSYS: no tracer is attached)"
		}
		return fmt.Sprintf("no syscall has number %d on %s: answered %s, as the kernel does without a profile", e.Nr, e.Arch, answer)
	case ReasonArgument:
		return e.ExplainArgs(p) + e.callersNote()
	case ReasonEnforced:
		if len(e.ArgDenied) > 0 {
			// The calls denied for their arguments may have met
			// different answers (EPERM for a value, ENOSYS for one
			// with its upper bits set): name each.
			answers := []string{ActionText(e.Action, e.Errno)}
			for _, d := range e.ArgDenied {
				if a := ActionText(d.Action, d.Errno); d.Action != "" && !slices.Contains(answers, a) {
					answers = append(answers, a)
				}
			}
			return "denied by the filter with " + strings.Join(answers, " or ") + " for " + e.ExplainArgs(p)
		}
		return "denied by the filter with " + ActionText(e.Action, e.Errno) + e.runtimeNote() + e.fallbackNote(p)
	case ReasonWouldKill:
		return "the filter would have killed the process (" + string(e.Action) + "); answered EPERM so that the run went on"
	}
	return e.Reason
}

// maxCallersNamed is how many programs callersNote names.
const maxCallersNamed = 3

// callersNote is what Explain adds to a denied argument value when more
// than one program made the syscall: FIRST named the first of them, which
// sent people to the wrong program (`make` for its test binary's F_GETLK).
func (e Entry) callersNote() string {
	if len(e.Callers) < 2 {
		return ""
	}
	named := e.Callers
	more := ""
	if len(named) > maxCallersNamed {
		more = fmt.Sprintf(" and %d more", len(named)-maxCallersNamed)
		named = named[:maxCallersNamed]
	}
	return fmt.Sprintf("; %d programs made %s (%s%s) and the trace does not say which passed it (replay --enforce names it)",
		len(e.Callers), e.Label(), strings.Join(named, ", "), more)
}

// runtimeNote is what Explain adds to an answer that crun would not give
// (Crun), or "".
func (e Entry) runtimeNote() string {
	if e.Crun == nil {
		return ""
	}
	if e.Crun.Conditional {
		// An entry runc's stub denies that crun answers by its
		// argument values (checkPolicy).
		return ", as runc's ENOSYS stub does; crun allows it for some argument values"
	}
	return ", as runc's ENOSYS stub does; crun answers " + ActionText(e.Crun.Action, e.Crun.Errno)
}

// ActionText renders an action with its errno, "SCMP_ACT_ERRNO(EPERM)".
func ActionText(a policy.Action, errno uint) string {
	if a != policy.ActErrno {
		return string(a)
	}
	switch errno {
	case policy.EPERM:
		return "SCMP_ACT_ERRNO(EPERM)"
	case policy.ENOSYS:
		return "SCMP_ACT_ERRNO(ENOSYS)"
	}
	return fmt.Sprintf("SCMP_ACT_ERRNO(%d)", errno)
}

// Coverage is the verdict of a profile against one or more runs.
type Coverage struct {
	// Entries holds one entry per (arch, nr), sorted by arch, then name
	// (unnamed numbers last), then number.
	Entries []Entry
	// Lost sums the lost counters of the traces: a non-zero value means
	// the runs were not completely recorded. It saturates at
	// trace.MaxCount.
	Lost uint64
	// Notes are remarks for the report (counts that saturated).
	Notes []string
}

// Missing returns the entries the profile does not cover.
func (c *Coverage) Missing() []Entry {
	var out []Entry
	for _, e := range c.Entries {
		if !e.Covered {
			out = append(out, e)
		}
	}
	return out
}

// OK reports whether every syscall is covered.
func (c *Coverage) OK() bool { return len(c.Missing()) == 0 }

// Allowed reports whether a policy lets a syscall on arch run: the arch must
// be covered and the name allowed, as libseccomp builds the rules on arch
// (policy.LookupArch: on x86 a condition on upper bits only is none, and
// socketcall and ipc receive the rules of the calls they multiplex). Rules
// with argument conditions count as allowing (conditional is then true)
// when either the condition's action or the fall-through verdict allows.
func Allowed(p *policy.Policy, arch, name string) (ok, conditional bool, v policy.Verdict) {
	if !p.Covers(arch) {
		return false, false, policy.Verdict{}
	}
	v = p.LookupArch(arch, name)
	if allowing(v.Action) && !v.Conditional {
		return true, false, v
	}
	if v.Conditional {
		if allowing(v.Action) {
			return true, true, v
		}
		_, conditional := p.Deciding(arch, name)
		for _, i := range conditional {
			if allowing(p.Rules[i].Action) {
				return true, true, v
			}
		}
	}
	return false, false, v
}

func allowing(a policy.Action) bool { return a == policy.ActAllow || a == policy.ActLog }

// CheckCoverage merges the traces (counts add up per (arch, nr), saturating
// at trace.MaxCount; First comes from the first trace that has the syscall)
// and says for each syscall whether p lets it run. A syscall on an ABI the
// profile does not list is missing, and so is a number without a name
// that the profile's default action denies: the traces must have been
// named with trace.ResolveNames (the recorder and trace readers do), so an
// entry without a name is one libseccomp cannot name, which no rule can
// allow; the default action answers it (UnnamedAnswer; runc's stub, where
// it answers ENOSYS instead, is there only for a default that denies).
//
// The answers are crun's: runc's stub needs the numbers of the profile's
// names, which CheckCoverageOf of a PolicyAnswerer has (checkPolicy).
func CheckCoverage(p *policy.Policy, traces ...*trace.File) (*Coverage, error) {
	return checkPolicy(p, nil, traces)
}

// checkPolicy is CheckCoverage with runc's ENOSYS stub applied when
// resolve numbers the profile's names (nil: crun's answers alone). The
// stub answers ENOSYS above the highest number the profile names on an
// ABI (policy.(*Policy).HighestNamed), before libseccomp's filter: a
// syscall the profile allows there runs under crun but not under runc,
// which replay --enforce answers as. Only x86's socket and ipc calls can
// be allowed there (HighestNamed leaves them out); such an entry is
// denied with runc's answer, and Crun holds crun's.
func checkPolicy(p *policy.Policy, resolve policy.Resolver, traces []*trace.File) (*Coverage, error) {
	if p == nil {
		return nil, errors.New("coverage: no profile")
	}
	cov, merged, err := mergeTraces(traces)
	if err != nil {
		return nil, err
	}
	highest := map[string]int{} // arch -> HighestNamed
	stubbed := func(arch string, nr int) bool {
		if resolve == nil || !p.RuncStub() {
			return false
		}
		hi, ok := highest[arch]
		if !ok {
			hi = p.HighestNamed(arch, resolve)
			highest[arch] = hi
		}
		return p.RuncStubbed(arch, nr, hi)
	}
	stubbedNames := map[string][]string{} // arch -> the allowed names runc's stub answers
	for _, e := range merged {
		switch {
		case !p.Covers(e.Arch):
			e.Reason = ReasonArch
		case e.Name == "":
			v := UnnamedAnswer(p, e.Arch, e.Nr)
			e.Action, e.Errno = v.Action, v.Errno
			// A default that lets syscalls run (SCMP_ACT_ALLOW, _LOG)
			// lets this one run too, under runc, crun and replay
			// --enforce alike.
			if e.Covered = allowing(v.Action); !e.Covered {
				e.Reason = ReasonUnknown
			}
		default:
			ok, cond, v := Allowed(p, e.Arch, e.Name)
			e.Action, e.Errno = v.Action, v.Errno
			e.Covered = ok
			if ok && stubbed(e.Arch, e.Nr) {
				// runc's stub answers the number whatever the
				// arguments; crun lets it run (for some argument
				// values when cond: v.Conditional says so).
				crun := v
				e.Crun = &crun
				e.Covered, e.Reason = false, ReasonDenied
				e.Action, e.Errno = policy.ActErrno, policy.ENOSYS
				stubbedNames[e.Arch] = append(stubbedNames[e.Arch], e.Name)
				break
			}
			if cond {
				e.Reason = ReasonConditional
				checkArgs(e, func(a [6]uint64) policy.Verdict { return p.EvalArch(e.Arch, e.Name, a) },
					func(i int) bool { return conditionsOn(p, e.Arch, e.Name, i) })
				narrowArgDenials(p, e)
				markUnchecked(e, func(i int) bool { return conditionsOn(p, e.Arch, e.Name, i) }, true)
			} else if !ok {
				e.Reason = ReasonDenied
			}
		}
		cov.Entries = append(cov.Entries, *e)
	}
	for _, arch := range slices.Sorted(maps.Keys(stubbedNames)) {
		names := stubbedNames[arch]
		slices.Sort(names)
		cov.Notes = append(cov.Notes, fmt.Sprintf("runc and crun answer %s on %s differently: runc's ENOSYS stub answers every number above %d, the highest the profile names there (runc leaves out x86's socket and ipc calls, which libseccomp numbers with pseudo numbers below 0); crun, which has no stub, lets them run as the profile says",
			strings.Join(names, ", "), arch, highest[arch]))
	}
	MarkFallbacks(p, cov.Entries)
	MarkNoSyscalls(cov.Entries)
	cov.finish()
	return cov, nil
}

// markUnchecked sets e.Unchecked when e is still covered conditionally and
// the run's values of an argument that conditioned says the answer may
// depend on are not all recorded. known says that conditioned names every
// such argument (a policy's rules); otherwise (a raw filter, judged by the
// arguments the recorder restricts) an entry with no recorded value at all
// is unchecked too.
func markUnchecked(e *Entry, conditioned func(int) bool, known bool) {
	if !e.Covered || e.Reason != ReasonConditional {
		return
	}
	for i := 0; i < 6; i++ {
		if !conditioned(i) {
			continue
		}
		full := false
		for _, a := range e.args {
			if a.Index == i {
				full = !a.Overflow
			}
		}
		if e.pairsUnchecked && (i == e.pairs.Indexes[0] || i == e.pairs.Indexes[1]) {
			full = false
		}
		if !full {
			e.UncheckedArgs = append(e.UncheckedArgs, i)
		}
	}
	e.Unchecked = len(e.UncheckedArgs) > 0 || (!known && len(e.args) == 0)
}

// Unchecked returns the entries whose verdict depends on argument values
// the run did not record (Entry.Unchecked).
func (c *Coverage) Unchecked() []Entry {
	var out []Entry
	for _, e := range c.Entries {
		if e.Unchecked {
			out = append(out, e)
		}
	}
	return out
}

// nrKey is a syscall number on an ABI.
type nrKey struct {
	arch string
	nr   int
}

// mergeTraces adds up the traces per (arch, nr): counts saturate at
// trace.MaxCount (Saturated, and a note for the lost counter), the name
// and First come from the first trace that has them. No syscall at all is
// ErrNoSyscalls.
func mergeTraces(traces []*trace.File) (*Coverage, map[nrKey]*Entry, error) {
	merged := map[nrKey]*Entry{}
	callers := map[nrKey]map[string]bool{}
	cov := &Coverage{}
	lostSaturated := false
	for _, t := range traces {
		for _, x := range t.Executables {
			for _, es := range x.Syscalls {
				for _, nr := range es.Nrs {
					k := nrKey{es.Arch, nr}
					if callers[k] == nil {
						callers[k] = map[string]bool{}
					}
					callers[k][x.Path] = true
				}
			}
		}
		var sat bool
		cov.Lost, sat = trace.AddCount(cov.Lost, t.Lost)
		lostSaturated = lostSaturated || sat
		for _, s := range t.Syscalls {
			k := nrKey{s.Arch, s.Nr}
			if e, ok := merged[k]; ok {
				e.args = append(e.args, s.Args...)
				e.mergePairs(s.Pairs)
				var sat bool
				e.Count, sat = trace.AddCount(e.Count, s.Count)
				e.Saturated = e.Saturated || sat
				if e.Name == "" {
					e.Name = s.Name
				}
				if e.First == "" {
					e.First = s.First
				}
				continue
			}
			c, sat := trace.AddCount(0, s.Count)
			merged[k] = &Entry{Arch: s.Arch, Nr: s.Nr, Name: s.Name, Count: c, First: s.First, Saturated: sat, args: s.Args, pairsUnknown: s.Pairs == nil}
			if s.Pairs != nil {
				merged[k].pairs = &trace.ArgPairs{Indexes: s.Pairs.Indexes, Values: slices.Clone(s.Pairs.Values), Overflow: s.Pairs.Overflow}
			}
		}
	}
	for k, e := range merged {
		e.args = unionArgs(e.args)
		if c := callers[k]; len(c) > 0 {
			e.Callers = slices.Sorted(maps.Keys(c))
		}
	}
	if lostSaturated {
		cov.Notes = append(cov.Notes, fmt.Sprintf("the lost counts add up to more than %d (2^63-1); lost says %d", uint64(trace.MaxCount), cov.Lost))
	}
	if len(merged) == 0 {
		return nil, nil, fmt.Errorf("coverage: %w (the traces are empty)", ErrNoSyscalls)
	}
	return cov, merged, nil
}

// mergePairs adds another trace's pairs of e's syscall to e's: the union,
// or unknown from then on when one of them has none or pairs other
// arguments.
func (e *Entry) mergePairs(p *trace.ArgPairs) {
	if e.pairsUnknown || p == nil || e.pairs == nil || e.pairs.Indexes != p.Indexes {
		e.pairs, e.pairsUnknown = nil, true
		return
	}
	e.pairs.Values = append(e.pairs.Values, p.Values...)
	e.pairs.Overflow = e.pairs.Overflow || p.Overflow
	slices.SortFunc(e.pairs.Values, func(a, b [2]uint64) int {
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		return cmp.Compare(a[1], b[1])
	})
	e.pairs.Values = slices.Compact(e.pairs.Values)
}

// unionArgs merges the argument values several traces recorded for one
// syscall into one entry per index, sorted by index: the union of the
// values, overflowed when any trace's did. Each value is then judged once,
// against every value any trace recorded for the other arguments (one entry
// per trace made that quadratic in the number of traces, and argCombos
// kept only the last trace's values of the other argument).
func unionArgs(args []trace.ArgValues) []trace.ArgValues {
	by := map[int]int{} // index -> position in out
	var out []trace.ArgValues
	for _, a := range args {
		k, ok := by[a.Index]
		if !ok {
			by[a.Index] = len(out)
			out = append(out, trace.ArgValues{Index: a.Index, Values: slices.Clone(a.Values), Overflow: a.Overflow})
			continue
		}
		out[k].Values = append(out[k].Values, a.Values...)
		out[k].Overflow = out[k].Overflow || a.Overflow
	}
	for i := range out {
		slices.Sort(out[i].Values)
		out[i].Values = slices.Compact(out[i].Values)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

// finish sorts the entries and notes the counts that saturated.
func (c *Coverage) finish() {
	SortEntries(c.Entries)
	for _, e := range c.Entries {
		if e.Saturated {
			c.Notes = append(c.Notes, fmt.Sprintf("the count of %s (%s) saturated at %d (2^63-1): the traces add up to more", e.Label(), e.Arch, e.Count))
		}
	}
}

// SortEntries sorts entries by arch, then name (unnamed numbers last), then
// number, so that reports are deterministic.
func SortEntries(es []Entry) {
	sort.Slice(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.Arch != b.Arch {
			return a.Arch < b.Arch
		}
		if (a.Name == "") != (b.Name == "") {
			return a.Name != ""
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Nr < b.Nr
	})
}
