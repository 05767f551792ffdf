package reduce

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/seccomp-gen/seccomp-gen/abi"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/profiles"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// Input is one trace and the name it goes by in reports and errors.
type Input struct {
	Path string
	File *trace.File
}

// Options are the user's choices. The zero value keeps everything, uses no
// baseline, targets the ABIs seen in the traces plus Native, and answers
// known but unobserved syscalls with EPERM.
type Options struct {
	// Arches are the ABIs the profile covers. Empty: those seen in the
	// traces plus Native. Leaving out an ABI the traces used while
	// covering another ABI of its machine is an *UncoveredABIError.
	Arches []string
	// DropArches are ABIs whose syscalls are left out on purpose (a 32-bit
	// helper that will not run in production); the profile does not cover
	// them. Result.DroppedArches reports what was left out.
	DropArches []string
	// Native is the host's ABI (scmp.Native()); it comes first in the
	// policy's Arches when it is covered.
	Native string
	// Baselines are added to every profile (profiles.Resolve).
	Baselines []*profiles.Baseline
	// MinCount drops syscalls seen fewer than MinCount times in total.
	MinCount uint64
	// MinRuns drops syscalls seen in fewer than MinRuns of the traces.
	MinRuns int
	// Allow exempts these names from the deny ceiling.
	Allow []string
	// Ceiling is the deny ceiling; nil uses profiles.Ceiling().
	Ceiling []profiles.CeilingEntry
	// NoCeiling disables the deny ceiling entirely (tests, experts).
	NoCeiling bool
	// DefaultAction is the action for known but unobserved syscalls: ""
	// or "errno" (EPERM), "kill" (kill the process), "log", "trap".
	DefaultAction string
	// AllowIncomplete accepts traces that lost events (lost > 0).
	AllowIncomplete bool
	// NoFallbacks answers every unobserved syscall with DefaultAction,
	// also the newer members of fallback families (see FallbackAnswer).
	NoFallbacks bool
	// Fallbacks is the fallback table; nil uses profiles.Fallbacks().
	Fallbacks []profiles.Fallback
	// NoArgRules leaves every argument unrestricted (no argument rules,
	// clone3 allowed like any other syscall; see args.go).
	NoArgRules bool
	// Extend is a profile the result extends (extend.go): everything it
	// allows stays allowed, what it allows unconditionally without
	// argument rules, and the ABIs it covers are covered (unless Arches
	// says otherwise). ExtendName names it in the rules' comments.
	Extend     *policy.Policy
	ExtendName string
	// Fits, when set, is one more check of the finished policy (generate
	// --format bpf compiles its own filter, laid out otherwise than the
	// runtimes'). An error wrapping policy.ErrFilterTooLarge drops
	// argument rules as a runtime filter that is too long does.
	Fits func(*policy.Policy) error
}

// DefaultActions are the values Options.DefaultAction accepts.
var DefaultActions = []string{"errno", "kill", "log", "trap"}

// neverDropped are the syscalls a process needs to exit and to return from
// signal handlers: thresholds never drop them.
var neverDropped = map[string]bool{
	"exit": true, "exit_group": true, "rt_sigreturn": true, "sigreturn": true, "restart_syscall": true,
}

// Dropped is a syscall a threshold removed, with its counts.
type Dropped struct {
	Arch  string // the ABIs it was dropped on: "x86_64" or "aarch64, x86_64"
	Name  string
	Count uint64 // total over all traces and ABIs (see thresholds)
	Runs  int    // traces it was seen in, on any ABI
	// Possible counts the traces that could have made it: those holding
	// an ABI that has the syscall.
	Possible int
	Why      string // "below --min-count 3 and --min-runs 2"
	// ByBaseline is true when a baseline allows the syscall anyway;
	// Allowed when the profile allows the name anyway for another reason
	// (another ABI's syscall kept under that name, as open is openat on
	// aarch64).
	ByBaseline bool
	Allowed    bool
}

// Observed is one syscall of the merged traces.
type Observed struct {
	Arch  string
	Name  string
	Count uint64 // summed over the traces, saturated at trace.MaxCount
	Runs  int
	// Saturated says the true sum is larger than Count.
	Saturated bool
}

// Unnamed is a syscall number libseccomp cannot name on its ABI (newer than
// the installed libseccomp, a gap in its table, or a number a program
// probed). No rule can name it, so none can allow it: the profile
// answers it with its default action, ENOSYS, as a kernel without that
// syscall would.
type Unnamed struct {
	Arch  string
	Nr    int
	Count uint64 // summed over the traces, saturated at trace.MaxCount
	// First is the program that issued it first (in the first trace that
	// has it).
	First string
	// Traces are the files that contain it.
	Traces    []string
	Saturated bool
	// Covered says the profile covers the ABI, so it answers ENOSYS; an
	// unnamed number is no reason to cover an ABI, and on one that is not
	// covered the runtimes kill the process.
	Covered bool
	// Default is the profile's default action when it lets calls run
	// (Options.Extend with such a default): then it runs there.
	Default policy.Action
	// Denied is the extended profile's denying default (Options.Extend),
	// which answers it instead of ENOSYS: "SCMP_ACT_ERRNO(1)".
	Denied string
}

// Result is the policy and everything the user should be told about how it
// was made.
type Result struct {
	Policy *policy.Policy
	// Observed lists the merged syscalls (before thresholds), sorted.
	Observed []Observed
	Dropped  []Dropped
	// DroppedArches are the syscalls Options.DropArches left out, per ABI.
	DroppedArches []ABIUse
	// DropNothing are the Options.DropArches ABIs no trace has a
	// syscall on (nothing to leave out: a typo, or the wrong traces).
	DropNothing []string
	Mappings    []Mapping
	// Baselines are the names of the baselines used, in order.
	Baselines []string
	// FromBaselines are the allowed names that no trace contained (from
	// the baselines or Options.Extend).
	FromBaselines []string
	// Extended are the syscalls whose argument-conditional rules come
	// from Options.Extend (its allow rules, or its deny rules in a profile
	// whose default lets calls run), sorted.
	Extended []string
	// Allowed are the names the profile allows, sorted.
	Allowed []string
	Traces  int
	// AllowNotInCeiling are --allow names the deny ceiling does not hold
	// (--allow only lifts the ceiling; it adds nothing to the profile).
	AllowNotInCeiling []string
	// Unnamed are the numbers libseccomp cannot name, sorted by ABI and
	// number. They are not in Observed; the profile answers them ENOSYS.
	Unnamed []Unnamed
	// Fallbacks are the unobserved syscalls answered ENOSYS because the
	// profile allows what their callers fall back to, sorted by name.
	Fallbacks []FallbackAnswer
	// ArgRules say how each restricted argument of an allowed syscall was
	// decided (args.go); Weakenings are the values allowed that Docker's
	// default profile denies.
	ArgRules   []ArgRule
	Weakenings []Weakening
}

type key struct{ arch, name string }

// Reduce merges inputs into a policy. Errors about the input match
// ErrInput; a bad Options field is an *OptionError naming it; deny-ceiling
// hits are a *DeniedError.
//
// It runs one phase after the other, each with its own report data in
// Result: merge (Observed, Unnamed), thresholds (Dropped), the deny ceiling
// (AllowNotInCeiling), the target ABIs (Policy.Arches), the allowed set
// (Allowed, Mappings, FromBaselines), the unobserved rest (the policy's
// explicit rule) and the fallback families among it (Fallbacks, answered
// ENOSYS: fallback.go).
func Reduce(inputs []Input, opts Options, r trace.Tables) (*Result, error) {
	// A filter the kernel would not load (over 4096 instructions: a trace
	// at the recorder's caps of 32 values per argument makes ~11000) loses
	// the argument rule with the most values, until it fits; each is
	// reported. Arguments with a Docker set keep it (never weaker). The
	// search (fit.go) finds the same rules to drop as dropping them one
	// at a time would, with far fewer compilations.
	return fit(inputs, opts, r)
}

// reduceOnce is Reduce with the arguments of shrink left unrestricted. On
// an error from the finished policy (too large a filter) it also returns
// the result so far, for its ArgRules.
func reduceOnce(inputs []Input, opts Options, r trace.Tables, shrink map[string]map[int]bool) (*Result, error) {
	res, p, err := build(inputs, opts, r, shrink)
	if err != nil {
		return nil, err
	}
	res, _, err = finish(res, p, opts)
	return res, err
}

// build is reduceOnce up to the policy, before it is canonicalised and
// checked: no filter is compiled.
func build(inputs []Input, opts Options, r trace.Tables, shrink map[string]map[int]bool) (*Result, *policy.Policy, error) {
	if len(inputs) == 0 {
		return nil, nil, inputErrf("no traces given")
	}
	action, errno, err := unobservedAction(opts.DefaultAction)
	if err != nil {
		return nil, nil, err
	}
	if opts.MinRuns < 0 {
		return nil, nil, &OptionError{Field: "MinRuns", Value: fmt.Sprint(opts.MinRuns), Msg: "must not be negative"}
	}
	if opts.MinRuns > len(inputs) {
		return nil, nil, &OptionError{Field: "MinRuns", Value: fmt.Sprint(opts.MinRuns),
			Msg: fmt.Sprintf("only %d trace(s) given, every syscall would be dropped", len(inputs))}
	}
	if err := checkDropArches(opts); err != nil {
		return nil, nil, err
	}
	m, err := merge(inputs, opts.AllowIncomplete, r)
	if err != nil {
		return nil, nil, err
	}
	res := &Result{Traces: len(inputs), Unnamed: m.unnamed}
	var kept []merged
	kept, res.Observed, res.Dropped = thresholds(inputs, m.syscalls, opts.MinCount, opts.MinRuns, r)
	kept, res.DroppedArches = dropArches(inputs, kept, m.arches, opts.DropArches)
	for _, a := range opts.DropArches {
		if !m.arches[a] && !slices.ContainsFunc(res.DroppedArches, func(u ABIUse) bool { return u.Arch == a }) {
			res.DropNothing = append(res.DropNothing, a)
		}
	}
	if !opts.NoCeiling {
		ceiling := opts.Ceiling
		if ceiling == nil {
			ceiling = profiles.Ceiling()
		}
		if res.AllowNotInCeiling, err = denyCeiling(kept, ceiling, opts.Allow); err != nil {
			return nil, nil, err
		}
	}
	if opts.Extend != nil {
		// The ABIs the extended profile covers stay covered.
		for _, a := range opts.Extend.Arches {
			if trace.IsKnownArch(a) && !slices.Contains(opts.DropArches, a) {
				m.arches[a] = true
			}
		}
	}
	arches, err := targetABIs(opts, m.arches, r)
	if err != nil {
		return nil, nil, err
	}
	if err := uncoveredABIs(inputs, kept, arches); err != nil {
		return nil, nil, err
	}
	set := allowedSet(inputs, kept, arches, opts.Baselines, r)
	ext, err := extendSets(opts.Extend, opts.ExtendName, arches, r)
	if err != nil {
		return nil, nil, err
	}
	for n := range ext.free {
		set.allowed[n] = true
	}
	var argRuleList []policy.Rule
	restricted := map[string]bool{}
	keptKeys := map[key]bool{}
	for _, k := range kept {
		keptKeys[k.key] = true
	}
	if !opts.NoArgRules && ext.deflt == "" {
		argRuleList, restricted, res.ArgRules, res.Weakenings = argRules(inputs, keptKeys, set.allowed, set.baseline, set.widened, set.baselineArgs, ext.free, arches, r, shrink)
	}
	argRuleList, res.Extended = ext.union(argRuleList, set.allowed, restricted)
	guardRules, guarded := ext.guard(inputs, keptKeys, set, arches, restricted, r)
	argRuleList = append(argRuleList, guardRules...)
	res.Extended = slices.Sorted(slices.Values(append(res.Extended, guarded...)))
	for i, u := range res.Unnamed {
		res.Unnamed[i].Covered = slices.Contains(arches, u.Arch)
		res.Unnamed[i].Default = ext.deflt
		if ext.p != nil && ext.deflt == "" {
			res.Unnamed[i].Denied = ext.deniedDefault()
		}
	}
	res.Mappings = set.mappings
	for _, b := range opts.Baselines {
		res.Baselines = append(res.Baselines, b.Name)
	}
	res.Allowed = slices.Sorted(maps.Keys(set.allowed))
	for i, d := range res.Dropped {
		res.Dropped[i].ByBaseline = set.baseline[d.Name]
		res.Dropped[i].Allowed = set.allowed[d.Name] && !set.baseline[d.Name]
	}
	for _, n := range res.Allowed {
		if !set.observed[n] {
			res.FromBaselines = append(res.FromBaselines, n)
		}
	}
	if len(res.Allowed) == 0 {
		return nil, nil, inputErrf("nothing left to allow: every syscall was dropped")
	}
	known, err := unobserved(arches, set.allowed, r)
	if err != nil {
		return nil, nil, err
	}
	known = slices.DeleteFunc(known, func(n string) bool { return restricted[n] })
	if slices.Contains(arches, abi.X86) {
		// On x86 libseccomp adds a socket or ipc call's rules to its
		// multiplexer too (policy.MuxCall): an EPERM rule for an
		// unobserved direct socket() would deny socketcall(SYS_SOCKET)
		// that the profile allows. Where the multiplexer is allowed, the
		// direct calls are left to the default answer (ENOSYS).
		known = slices.DeleteFunc(known, func(n string) bool {
			mux, _, ok := policy.MuxCall(n)
			return ok && set.allowed[mux]
		})
	}
	free := slices.DeleteFunc(slices.Clone(res.Allowed), func(n string) bool { return restricted[n] })
	logged := slices.DeleteFunc(slices.Clone(free), func(n string) bool { return !ext.logged[n] })
	free = slices.DeleteFunc(free, func(n string) bool { return ext.logged[n] })
	var fallbackRule *policy.Rule
	res.Fallbacks, fallbackRule, known = applyFallbacks(opts, set.allowed, known)
	resultDefault := policy.Verdict{Action: policy.ActErrno, Errno: policy.ENOSYS}
	switch {
	case ext.deflt != "":
		resultDefault = policy.Verdict{Action: ext.deflt}
	case ext.p != nil:
		// What neither allows gets the extended profile's answer
		// (extension.denials), its default's too.
		resultDefault = ext.p.DefaultVerdict()
	}
	var keptDenials []policy.Rule
	known, keptDenials, argRuleList = ext.denials(known, argRuleList, action, errno, resultDefault, opts.ExtendName)

	p := &policy.Policy{
		DefaultAction: policy.ActErrno,
		DefaultErrno:  policy.Errno(policy.ENOSYS),
		Arches:        arches,
	}
	switch {
	case ext.deflt != "":
		// The extended profile lets numbers no syscall has run (extend.go).
		p.DefaultAction, p.DefaultErrno = ext.deflt, nil
	case ext.p != nil:
		// Or denies them, and what else neither allows, its own way.
		p.DefaultAction = resultDefault.Action
		p.DefaultErrno = nil
		if resultDefault.Action == policy.ActErrno || resultDefault.Action == policy.ActTrace {
			p.DefaultErrno = policy.Errno(resultDefault.Errno)
		}
	}
	// No count of traces here: another run that adds nothing must not
	// change the profile's bytes (the report says how many were merged).
	src := "observed in the traces"
	if len(res.Baselines) > 0 {
		src += " + baselines " + strings.Join(res.Baselines, ", ")
	}
	if len(free) > 0 {
		p.Rules = append(p.Rules, policy.Rule{Names: free, Action: policy.ActAllow, Comment: src})
	}
	if len(logged) > 0 {
		c := "logged by the extended profile"
		if opts.ExtendName != "" {
			c += " " + opts.ExtendName
		}
		p.Rules = append(p.Rules, policy.Rule{Names: logged, Action: policy.ActLog, Comment: c})
	}
	if len(known) > 0 {
		p.Rules = append(p.Rules, policy.Rule{
			Names: known, Action: action, Errno: errno,
			Comment: UnobservedComment,
		})
	}
	p.Rules = append(p.Rules, keptDenials...)
	p.Rules = append(p.Rules, argRuleList...)
	if fallbackRule != nil {
		p.Rules = append(p.Rules, *fallbackRule)
	}
	return res, p, nil
}

// finish canonicalises and checks the policy build made. On an error it
// also returns the result so far (for its ArgRules), and fits says which
// check refused it: fitsRules (the rules or the runtimes' filter, checked
// by Validate) or fitsOwn (opts.Fits).
func finish(res *Result, p *policy.Policy, opts Options) (*Result, fitStage, error) {
	p.Canonicalize()
	if err := p.Validate(); err != nil {
		return res, fitsRules, fmt.Errorf("policy: %w", err)
	}
	if opts.Fits != nil {
		if err := opts.Fits(p); err != nil {
			return res, fitsOwn, fmt.Errorf("policy: %w", err)
		}
	}
	res.Policy = p
	return res, fitsNone, nil
}

// merged is one named syscall of the merged traces.
type merged struct {
	key
	count     uint64 // saturated at trace.MaxCount
	saturated bool
	runs      int      // traces it is in
	files     []string // their paths, in input order
	last      int      // the index of the last input it is in
}

// mergeResult is what the merge phase found.
type mergeResult struct {
	syscalls []merged // sorted by arch, then name
	arches   map[string]bool
	unnamed  []Unnamed // sorted by arch, then number
}

// merge adds up the traces per (ABI, name): counts saturate at
// trace.MaxCount, runs count the traces a syscall is in. Numbers
// libseccomp cannot name are kept apart (Unnamed). A trace that lost
// events is refused unless allowIncomplete; an empty one always.
func merge(inputs []Input, allowIncomplete bool, r trace.Tables) (*mergeResult, error) {
	byKey := map[key]*merged{}
	seenArches := map[string]bool{}
	type nrKey struct {
		arch string
		nr   int
	}
	unnamed := map[nrKey]*Unnamed{}
	// In path order, so that what comes from "the first trace that has
	// it" (Unnamed.First and Traces, merged.files) does not depend on the
	// order the traces were given in.
	inputs = slices.Clone(inputs)
	slices.SortStableFunc(inputs, func(a, b Input) int { return cmp.Compare(a.Path, b.Path) })
	for i, in := range inputs {
		f := in.File
		if f == nil {
			return nil, &TraceError{in.Path, inputErrf("no trace")}
		}
		if f.Lost > 0 && !allowIncomplete {
			return nil, &TraceError{in.Path, &IncompleteError{Lost: f.Lost}}
		}
		if len(f.Syscalls) == 0 {
			return nil, &TraceError{in.Path, fmt.Errorf("%w: no syscalls recorded", ErrEmpty)}
		}
		for _, s := range f.Syscalls {
			if !trace.IsKnownArch(s.Arch) {
				return nil, &TraceError{in.Path, inputErrf("unknown arch %q (known: %s)", s.Arch, strings.Join(trace.KnownArches, ", "))}
			}
			name, err := trace.ResolveName(r, s)
			if err != nil {
				return nil, &TraceError{in.Path, err}
			}
			if name == "" {
				// No rule can name it, so none can allow it: report it
				// and let the default action (ENOSYS) answer it.
				k := nrKey{s.Arch, s.Nr}
				u := unnamed[k]
				if u == nil {
					u = &Unnamed{Arch: s.Arch, Nr: s.Nr, First: s.First}
					unnamed[k] = u
				}
				var sat bool
				u.Count, sat = trace.AddCount(u.Count, s.Count)
				u.Saturated = u.Saturated || sat
				if u.First == "" {
					u.First = s.First
				}
				if n := len(u.Traces); n == 0 || u.Traces[n-1] != in.Path {
					u.Traces = append(u.Traces, in.Path)
				}
				continue
			}
			seenArches[s.Arch] = true
			k := key{s.Arch, name}
			m := byKey[k]
			if m == nil {
				m = &merged{key: k}
				byKey[k] = m
			}
			var sat bool
			m.count, sat = trace.AddCount(m.count, s.Count)
			m.saturated = m.saturated || sat
			if m.runs == 0 || m.last != i {
				m.runs++
				m.last = i
				m.files = append(m.files, in.Path)
			}
		}
	}
	res := &mergeResult{arches: seenArches}
	for _, u := range unnamed {
		res.unnamed = append(res.unnamed, *u)
	}
	slices.SortFunc(res.unnamed, func(a, b Unnamed) int {
		return cmp.Or(cmp.Compare(a.Arch, b.Arch), cmp.Compare(a.Nr, b.Nr))
	})
	for _, m := range byKey {
		res.syscalls = append(res.syscalls, *m)
	}
	slices.SortFunc(res.syscalls, func(a, b merged) int {
		return cmp.Or(cmp.Compare(a.arch, b.arch), cmp.Compare(a.name, b.name))
	})
	return res, nil
}

// thresholds drops the syscalls seen fewer than minCount times in total or
// in fewer than minRuns traces (0: no threshold), except those a process
// needs to exit (neverDropped). It returns what it kept, every syscall with
// its counts (Observed), and what it dropped and why.
//
// A syscall is judged across ABIs as the profile's rules allow it: by its
// name, and where another ABI does the same job under another name (access
// on x86_64 is faccessat on aarch64: mapName; arch_prctl is i386's
// set_thread_area: companionNames), by that name there. The
// same workload traced on an x86_64 node and on an arm64 one made brk, and
// access/faccessat, in two runs, not in one run per ABI. A syscall no ABI
// of some traces has (arch_prctl in an arm64 run) cannot be seen in those:
// one seen in every trace that could have made it is kept whatever
// minRuns says. Within one ABI nothing changes: each name on its own, out
// of every trace. Judged per (ABI, name), --min-runs 2 over an x86_64 and
// an arm64 trace dropped every syscall.
func thresholds(inputs []Input, all []merged, minCount uint64, minRuns int, r trace.Tables) (kept []merged, observed []Observed, dropped []Dropped) {
	// The ABIs each trace holds syscalls of.
	traceArches := make([]map[string]bool, len(inputs))
	for i, in := range inputs {
		traceArches[i] = map[string]bool{}
		for _, s := range in.File.Syscalls {
			traceArches[i][s.Arch] = true
		}
	}
	// sameJob: o, on another ABI, is what m's syscall is there.
	sameJob := func(m, o merged) bool {
		if o.arch == m.arch {
			return false
		}
		if o.name == m.name {
			return true
		}
		if n, ok := mapName(r, o.arch, m.name); ok && n == o.name {
			return true
		}
		if n, ok := mapName(r, m.arch, o.name); ok && n == m.name {
			return true
		}
		// A 64-bit syscall's 32-bit companion on the same machine
		// (arch_prctl and i386's set_thread_area, newfstatat and statx:
		// companions, which the profile allows them as).
		return slices.Contains(companionNames(r, m.arch, o.arch, m.name), o.name) ||
			slices.Contains(companionNames(r, o.arch, m.arch, o.name), m.name)
	}
	for _, m := range all {
		observed = append(observed, Observed{m.arch, m.name, m.count, m.runs, m.saturated})
	}
	for _, m := range all {
		files := map[string]bool{}
		for _, f := range m.files {
			files[f] = true
		}
		count := m.count
		arches := []string{m.arch}
		for _, o := range all {
			if !sameJob(m, o) {
				continue
			}
			for _, f := range o.files {
				files[f] = true
			}
			count, _ = trace.AddCount(count, o.count) // saturated: Observed says so per ABI
			if !slices.Contains(arches, o.arch) {
				arches = append(arches, o.arch)
			}
		}
		// The traces that could have made it: those holding an ABI
		// that has it (or does its job under another name).
		possible := 0
		for _, ta := range traceArches {
			for a := range ta {
				if _, ok := mapName(r, a, m.name); ok || a == m.arch {
					possible++
					break
				}
			}
		}
		var why []string
		if minCount > 0 && count < minCount {
			why = append(why, fmt.Sprintf("--min-count %d", minCount))
		}
		if minRuns > 0 && len(files) < minRuns && len(files) < possible {
			why = append(why, fmt.Sprintf("--min-runs %d", minRuns))
		}
		if len(why) == 0 || neverDropped[m.name] {
			kept = append(kept, m)
			continue
		}
		d := Dropped{Arch: m.arch, Name: m.name, Count: count, Runs: len(files), Possible: possible, Why: "below " + strings.Join(why, " and ")}
		if i := slices.IndexFunc(dropped, func(e Dropped) bool {
			return e.Name == d.Name && e.Count == d.Count && e.Runs == d.Runs && e.Possible == d.Possible && e.Why == d.Why
		}); i >= 0 {
			dropped[i].Arch += ", " + d.Arch // the same name, dropped on another ABI
			continue
		}
		dropped = append(dropped, d)
	}
	slices.SortFunc(dropped, func(a, b Dropped) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Arch, b.Arch)) })
	return kept, observed, dropped
}

// denyCeiling refuses kept syscalls of the deny ceiling that allow does
// not name (a *DeniedError listing each with the traces that hold it). It
// returns the names of allow that the ceiling does not hold, sorted:
// allowing them lifts nothing.
func denyCeiling(kept []merged, ceiling []profiles.CeilingEntry, allow []string) (notInCeiling []string, err error) {
	inCeiling := map[string]bool{}
	for _, c := range ceiling {
		inCeiling[c.Name] = true
	}
	for _, a := range allow {
		if !inCeiling[a] {
			notInCeiling = append(notInCeiling, a)
		}
	}
	sort.Strings(notInCeiling)
	var denied []Denied
	for _, c := range ceiling {
		if slices.Contains(allow, c.Name) {
			continue
		}
		var in []string
		for _, m := range kept {
			if m.name == c.Name {
				in = append(in, m.files...)
			}
		}
		if len(in) > 0 {
			slices.Sort(in)
			denied = append(denied, Denied{Name: c.Name, Reason: c.Reason, Traces: slices.Compact(in)})
		}
	}
	if len(denied) > 0 {
		return notInCeiling, &DeniedError{Syscalls: denied}
	}
	return notInCeiling, nil
}

// targetABIs returns the ABIs the profile covers (opts.Arches, or those
// seen plus opts.Native), native first, then sorted; every opts.Allow name
// must be a syscall on one of them.
func targetABIs(opts Options, seen map[string]bool, r trace.Tables) ([]string, error) {
	arches, err := targetArches(opts, seen, r)
	if err != nil {
		return nil, err
	}
	for _, a := range opts.Allow {
		if a == "" {
			return nil, &OptionError{Field: "Allow", Value: `""`, Msg: "empty syscall name"}
		}
		if !slices.ContainsFunc(arches, func(arch string) bool { return r.Has(arch, a) }) {
			return nil, &OptionError{Field: "Allow", Value: a, Err: &UnknownSyscallError{Arch: strings.Join(arches, "/"), Name: a}}
		}
	}
	return arches, nil
}

// allowed is what the allowed-set phase found.
type allowed struct {
	allowed  map[string]bool // names the profile allows
	observed map[string]bool // those of them the traces hold (on some ABI)
	baseline map[string]bool // those a baseline allows (values never recorded)
	// widened are those of baseline an OwnCalls baseline allows (the
	// programs' own calls, generate --widen), whose values are unknown.
	widened  map[string]bool
	mappings []Mapping // sorted by ABI, then name
	// baselineArgs are the argument values the baselines' runtimes pass
	// (profiles.Baseline.Args): name -> index -> values, nil for a
	// baseline syscall of unknown values (one baseline without values
	// for it makes them unknown).
	baselineArgs map[string]map[int][]uint64
}

// allowedSet returns the names to allow on the target ABIs: the kept
// syscalls (mapped to their equivalents on ABIs that lack them, reported
// as Mappings) and the baselines' syscalls.
func allowedSet(inputs []Input, kept []merged, arches []string, baselines []*profiles.Baseline, r trace.Tables) *allowed {
	res := &allowed{allowed: map[string]bool{}, observed: map[string]bool{}, baseline: map[string]bool{}, widened: map[string]bool{}}
	mapped := map[Mapping]bool{}
	targets := map[string]bool{}
	for _, a := range arches {
		targets[a] = true
	}
	muxed := muxCalls(inputs, kept, r)
	for _, arch := range arches {
		for _, k := range kept {
			to, ok := allowedAs(r, targets, k.arch, arch, k.name)
			if calls, isMux := muxed[k.key]; !ok && isMux {
				// socketcall: the socket calls it made, where they exist.
				for _, c := range calls {
					if to, ok := mapName(r, arch, c); ok {
						mapped[Mapping{Arch: arch, From: k.name, To: to}] = true
						res.allowed[to] = true
						res.observed[to] = true
					}
				}
				continue
			}
			if to != k.name {
				mapped[Mapping{Arch: arch, From: k.name, To: to}] = true
			}
			if ok {
				res.allowed[to] = true
				res.observed[to] = true
			}
			if !targets[k.arch] {
				// Generated for a 32-bit ABI from a 64-bit trace: the
				// 32-bit build calls these names (archmap.go).
				for _, c := range companionNames(r, k.arch, arch, k.name) {
					if c != to {
						mapped[Mapping{Arch: arch, From: k.name, To: c, Also: true}] = true
						res.allowed[c] = true
						res.observed[c] = true
					}
				}
			}
		}
		for _, b := range baselines {
			list, ok := b.Syscalls[arch]
			for _, n := range list {
				if r.Has(arch, n) {
					res.allowed[n] = true
					res.baseline[n] = true
					res.widened[n] = res.widened[n] || b.OwnCalls
				}
			}
			if !ok && !(arch != primary(arch) && targets[primary(arch)]) {
				// Not measured on this ABI: map the measured list. A
				// runtime runs on its machine's primary ABI, so a
				// secondary one (x86 next to x86_64) gets no mapped copy.
				for _, n := range b.Syscalls[b.Measured] {
					if to, ok := mapName(r, arch, n); ok {
						res.allowed[to] = true
						res.baseline[to] = true
						res.widened[to] = res.widened[to] || b.OwnCalls
					}
				}
			}
		}
	}
	res.baselineArgs = profiles.MergedArgs(baselines)
	res.mappings = slices.Collect(maps.Keys(mapped))
	slices.SortFunc(res.mappings, func(a, b Mapping) int {
		return cmp.Or(cmp.Compare(a.Arch, b.Arch), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), cmpBool(a.Also, b.Also))
	})
	return res
}

// unobserved returns every name of the covered ABIs that is not allowed,
// sorted: the profile answers them with the unobserved action.
func unobserved(arches []string, allowed map[string]bool, r trace.Tables) ([]string, error) {
	known := map[string]bool{}
	for _, arch := range arches {
		names, err := r.Names(arch)
		if err != nil {
			return nil, fmt.Errorf("syscall table %s: %w", arch, err)
		}
		for _, n := range names {
			if !allowed[n] {
				known[n] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(known)), nil
}

// UnobservedComment is the comment of the rule for known but unobserved
// syscalls.
const UnobservedComment = "known to libseccomp but not observed"

func unobservedAction(s string) (policy.Action, *uint, error) {
	switch s {
	case "", "errno":
		return policy.ActErrno, policy.Errno(policy.EPERM), nil
	case "kill":
		return policy.ActKillProcess, nil, nil
	case "log":
		return policy.ActLog, nil, nil
	case "trap":
		return policy.ActTrap, nil, nil
	}
	return "", nil, &OptionError{Field: "DefaultAction", Value: strconv.Quote(s), Msg: "unknown (known: " + strings.Join(DefaultActions, ", ") + ")"}
}

// targetArches returns the ABIs the profile covers, native first, then
// sorted.
func targetArches(opts Options, seen map[string]bool, r trace.Tables) ([]string, error) {
	set := map[string]bool{}
	if len(opts.Arches) > 0 {
		for _, a := range opts.Arches {
			if !trace.IsKnownArch(a) {
				return nil, &OptionError{Field: "Arches", Value: strconv.Quote(a), Msg: "unknown (known: " + strings.Join(trace.KnownArches, ", ") + ")"}
			}
			set[a] = true
		}
	} else {
		for a := range seen {
			set[a] = true
		}
		if opts.Native != "" {
			if !trace.IsKnownArch(opts.Native) {
				return nil, &OptionError{Field: "Native", Value: strconv.Quote(opts.Native), Msg: "unknown"}
			}
			// A dropped ABI is not covered, the host's neither.
			if !slices.Contains(opts.DropArches, opts.Native) {
				set[opts.Native] = true
			}
		}
		if len(set) == 0 && len(opts.DropArches) > 0 {
			return nil, &OptionError{Field: "DropArches", Value: strings.Join(opts.DropArches, ", "), Msg: "leaves no ABI for the profile to cover"}
		}
	}
	var out []string
	if set[opts.Native] {
		out = append(out, opts.Native)
		delete(set, opts.Native)
	}
	return append(out, slices.Sorted(maps.Keys(set))...), nil
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// primary is the main ABI of arch's machine: the one its runtimes use.
func primary(arch string) string {
	if p := abi.Primary(arch); p != "" {
		return p
	}
	return arch
}

// family names the machine whose kernel runs arch (the ABIs one machine
// runs share it).
func family(arch string) string { return primary(arch) }
