package reduce

import (
	"fmt"
	"sort"
	"strings"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/profiles"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// Resolver answers questions about syscall tables. scmp.Tables implements
// it with libseccomp; tests may use a small fake.
type Resolver interface {
	// Has reports whether name is a syscall on arch.
	Has(arch, name string) bool
	// Name returns the name of syscall nr on arch.
	Name(arch string, nr int) (string, bool)
	// Names lists every syscall name of arch.
	Names(arch string) ([]string, error)
}

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
	// traces plus Native.
	Arches []string
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
	Arch  string
	Name  string
	Count uint64 // total over all traces
	Runs  int    // traces it was seen in
	Why   string // "below --min-count 3 and --min-runs 2"
	// ByBaseline is true when a baseline allows the syscall anyway.
	ByBaseline bool
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
// probed). No profile can name it, so none can allow it: the profile
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
}

// Result is the policy and everything the user should be told about how it
// was made.
type Result struct {
	Policy *policy.Policy
	// Observed lists the merged syscalls (before thresholds), sorted.
	Observed []Observed
	Dropped  []Dropped
	Mappings []Mapping
	// Baselines are the names of the baselines used, in order.
	Baselines []string
	// FromBaselines are the allowed names that no trace contained.
	FromBaselines []string
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
}

type key struct{ arch, name string }

// Reduce merges inputs into a policy. Errors about the input match
// ErrInput; deny-ceiling hits are a *DeniedError.
func Reduce(inputs []Input, opts Options, r Resolver) (*Result, error) {
	if len(inputs) == 0 {
		return nil, inputErrf("no traces given")
	}
	action, errno, err := unobservedAction(opts.DefaultAction)
	if err != nil {
		return nil, err
	}
	if opts.MinRuns < 0 {
		return nil, inputErrf("--min-runs %d: must not be negative", opts.MinRuns)
	}
	if opts.MinRuns > len(inputs) {
		return nil, inputErrf("--min-runs %d: only %d trace(s) given, every syscall would be dropped", opts.MinRuns, len(inputs))
	}

	// Merge.
	counts := map[key]uint64{}
	saturated := map[key]bool{}
	runs := map[key]map[int]bool{}
	files := map[key][]string{}
	seenArches := map[string]bool{}
	type nrKey struct {
		arch string
		nr   int
	}
	unnamed := map[nrKey]*Unnamed{}
	for i, in := range inputs {
		f := in.File
		if f == nil {
			return nil, &TraceError{in.Path, inputErrf("no trace")}
		}
		if f.Lost > 0 && !opts.AllowIncomplete {
			return nil, &TraceError{in.Path, fmt.Errorf("%w: the recorder lost %d event(s); re-record, or pass --allow-incomplete to use it anyway", ErrIncomplete, f.Lost)}
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
				// No profile can name it, so none can allow it: report it
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
			var sat bool
			counts[k], sat = trace.AddCount(counts[k], s.Count)
			saturated[k] = saturated[k] || sat
			if runs[k] == nil {
				runs[k] = map[int]bool{}
			}
			if !runs[k][i] {
				runs[k][i] = true
				files[k] = append(files[k], in.Path)
			}
		}
	}
	res := &Result{Traces: len(inputs)}
	for _, u := range unnamed {
		res.Unnamed = append(res.Unnamed, *u)
	}
	sort.Slice(res.Unnamed, func(i, j int) bool {
		a, b := res.Unnamed[i], res.Unnamed[j]
		if a.Arch != b.Arch {
			return a.Arch < b.Arch
		}
		return a.Nr < b.Nr
	})
	keys := make([]key, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].arch != keys[j].arch {
			return keys[i].arch < keys[j].arch
		}
		return keys[i].name < keys[j].name
	})

	// Thresholds.
	var kept []key
	for _, k := range keys {
		c, n := counts[k], len(runs[k])
		res.Observed = append(res.Observed, Observed{k.arch, k.name, c, n, saturated[k]})
		var why []string
		if opts.MinCount > 0 && c < opts.MinCount {
			why = append(why, fmt.Sprintf("--min-count %d", opts.MinCount))
		}
		if opts.MinRuns > 0 && n < opts.MinRuns {
			why = append(why, fmt.Sprintf("--min-runs %d", opts.MinRuns))
		}
		if len(why) > 0 && !neverDropped[k.name] {
			res.Dropped = append(res.Dropped, Dropped{Arch: k.arch, Name: k.name, Count: c, Runs: n, Why: "below " + strings.Join(why, " and ")})
			continue
		}
		kept = append(kept, k)
	}

	// Deny ceiling.
	if !opts.NoCeiling {
		ceiling := opts.Ceiling
		if ceiling == nil {
			ceiling = profiles.Ceiling()
		}
		allow := map[string]bool{}
		for _, a := range opts.Allow {
			allow[a] = true
		}
		inCeiling := map[string]bool{}
		for _, c := range ceiling {
			inCeiling[c.Name] = true
		}
		for _, a := range opts.Allow {
			if !inCeiling[a] {
				res.AllowNotInCeiling = append(res.AllowNotInCeiling, a)
			}
		}
		sort.Strings(res.AllowNotInCeiling)
		var denied []Denied
		for _, c := range ceiling {
			if allow[c.Name] {
				continue
			}
			var in []string
			for _, k := range kept {
				if k.name == c.Name {
					in = append(in, files[k]...)
				}
			}
			if len(in) > 0 {
				denied = append(denied, Denied{Name: c.Name, Reason: c.Reason, Traces: dedup(in)})
			}
		}
		if len(denied) > 0 {
			return nil, &DeniedError{Syscalls: denied}
		}
	}

	// Target ABIs.
	arches, err := targetArches(opts, seenArches, r)
	if err != nil {
		return nil, err
	}
	for _, a := range opts.Allow {
		found := false
		for _, arch := range arches {
			if r.Has(arch, a) {
				found = true
			}
		}
		if !found {
			return nil, inputErrf("--allow %s: %v", a, &UnknownSyscallError{Arch: strings.Join(arches, "/"), Name: a})
		}
	}

	// Allowed names per target ABI: observed (mapped) + baselines.
	allowed := map[string]bool{}
	observed := map[string]bool{}
	mapped := map[Mapping]bool{}
	targets := map[string]bool{}
	for _, a := range arches {
		targets[a] = true
	}
	for _, arch := range arches {
		for _, k := range kept {
			if k.arch != arch && targets[k.arch] && family(k.arch) == family(arch) {
				// Seen on a covered ABI of the same machine (an i386
				// syscall on x86_64): it runs there, not here.
				allowed[k.name] = true
				observed[k.name] = true
				continue
			}
			to, ok := mapName(r, arch, k.name)
			if to != k.name {
				mapped[Mapping{Arch: arch, From: k.name, To: to}] = true
			}
			if ok {
				allowed[to] = true
				observed[to] = true
			}
		}
		for _, b := range opts.Baselines {
			list, ok := b.Syscalls[arch]
			for _, n := range list {
				if r.Has(arch, n) {
					allowed[n] = true
				}
			}
			if !ok && !(arch != primary(arch) && targets[primary(arch)]) {
				// Not measured on this ABI: map the measured list. A
				// runtime runs on its machine's primary ABI, so a
				// secondary one (x86 next to x86_64) gets no mapped copy.
				for _, n := range b.Syscalls[b.Measured] {
					if to, ok := mapName(r, arch, n); ok {
						allowed[to] = true
					}
				}
			}
		}
	}
	for i, u := range res.Unnamed {
		res.Unnamed[i].Covered = targets[u.Arch]
	}
	for m := range mapped {
		res.Mappings = append(res.Mappings, m)
	}
	sort.Slice(res.Mappings, func(i, j int) bool {
		a, b := res.Mappings[i], res.Mappings[j]
		if a.Arch != b.Arch {
			return a.Arch < b.Arch
		}
		return a.From < b.From
	})
	for _, b := range opts.Baselines {
		res.Baselines = append(res.Baselines, b.Name)
	}
	res.Allowed = sortedSet(allowed)
	for i, d := range res.Dropped {
		res.Dropped[i].ByBaseline = allowed[d.Name]
	}
	for _, n := range res.Allowed {
		if !observed[n] {
			res.FromBaselines = append(res.FromBaselines, n)
		}
	}
	if len(res.Allowed) == 0 {
		return nil, inputErrf("nothing left to allow: every syscall was dropped")
	}

	// Known but unobserved: every name of the covered ABIs not allowed.
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

	fallbacks, fallbackRule := applyFallbacks(opts, allowed, known)
	res.Fallbacks = fallbacks

	p := &policy.Policy{
		DefaultAction: policy.ActErrno,
		DefaultErrno:  policy.Errno(policy.ENOSYS),
		Arches:        arches,
	}
	src := fmt.Sprintf("observed in %d trace(s)", len(inputs))
	if len(res.Baselines) > 0 {
		src += " + baselines " + strings.Join(res.Baselines, ", ")
	}
	p.Rules = append(p.Rules, policy.Rule{Names: res.Allowed, Action: policy.ActAllow, Comment: src})
	if len(known) > 0 {
		p.Rules = append(p.Rules, policy.Rule{
			Names: sortedSet(known), Action: action, Errno: errno,
			Comment: "known to libseccomp but not observed",
		})
	}
	if fallbackRule != nil {
		p.Rules = append(p.Rules, *fallbackRule)
	}
	p.Canonicalize()
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	res.Policy = p
	return res, nil
}

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
	return "", nil, inputErrf("--default-action %q: unknown (known: %s)", s, strings.Join(DefaultActions, ", "))
}

// targetArches returns the ABIs the profile covers, native first, then
// sorted.
func targetArches(opts Options, seen map[string]bool, r Resolver) ([]string, error) {
	set := map[string]bool{}
	if len(opts.Arches) > 0 {
		for _, a := range opts.Arches {
			if !trace.IsKnownArch(a) {
				return nil, inputErrf("--arch %q: unknown (known: %s)", a, strings.Join(trace.KnownArches, ", "))
			}
			set[a] = true
		}
	} else {
		for a := range seen {
			set[a] = true
		}
		if opts.Native != "" {
			if !trace.IsKnownArch(opts.Native) {
				return nil, inputErrf("native arch %q: unknown", opts.Native)
			}
			set[opts.Native] = true
		}
	}
	var out []string
	if set[opts.Native] {
		out = append(out, opts.Native)
		delete(set, opts.Native)
	}
	return append(out, sortedSet(set)...), nil
}

// primary is the main ABI of arch's machine: the one its runtimes use.
func primary(arch string) string {
	switch family(arch) {
	case "x86":
		return trace.ArchX86_64
	case "arm":
		return trace.ArchAArch64
	}
	return arch
}

// family groups the ABIs one machine runs.
func family(arch string) string {
	switch arch {
	case trace.ArchX86_64, trace.ArchX86, trace.ArchX32:
		return "x86"
	case trace.ArchAArch64, trace.ArchARM:
		return "arm"
	}
	return arch
}

func sortedSet(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func dedup(in []string) []string {
	set := map[string]bool{}
	for _, s := range in {
		set[s] = true
	}
	return sortedSet(set)
}
