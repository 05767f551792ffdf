package verdict

import (
	"errors"
	"sort"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// Answerer is a seccomp profile seen the way the kernel sees it: an answer
// for every (ABI, syscall number, argument values). A policy (through
// PolicyAnswerer) and a compiled filter (cbpf.Filter, run in the
// interpreter) are both answerers, so check, replay and diff take every
// format generate writes and judge them by the same questions.
type Answerer interface {
	// Arches lists the ABIs the profile covers; every other ABI is killed.
	Arches() []string
	// Covers reports whether arch is one of Arches.
	Covers(arch string) bool
	// Answer is the answer for syscall nr (as seccomp_data.nr carries it:
	// x32 numbers with bit 30 set) on a covered arch with argument values
	// args. Errno matters only for SCMP_ACT_ERRNO and SCMP_ACT_TRACE.
	// Conditional is set when the answer for nr may depend on arguments.
	Answer(arch string, nr int, args [6]uint64) policy.Verdict
	// Probes returns argument vectors worth asking about nr: the values the
	// profile's argument conditions name and their neighbours. It returns
	// nil when the answer for nr never depends on arguments.
	Probes(arch string, nr int) [][6]uint64
}

// PolicyAnswerer answers for a policy: it names the number with libseccomp's
// table and asks the policy (policy.(*Policy).Eval).
type PolicyAnswerer struct {
	P     *policy.Policy
	Names trace.Tables
	conds map[string][][]policy.Arg // syscall name -> condition lists of the rules naming it
	// mux holds, per ABI, the condition lists libseccomp gives a
	// multiplexer (x86's socketcall, ipc) from the rules of the calls it
	// multiplexes: "argument 0 == call number" and their other conditions.
	mux map[string]map[string][][]policy.Arg
}

// NewPolicyAnswerer returns the answerer of p.
func NewPolicyAnswerer(p *policy.Policy, names trace.Tables) *PolicyAnswerer {
	a := &PolicyAnswerer{P: p, Names: names, conds: map[string][][]policy.Arg{}, mux: map[string]map[string][][]policy.Arg{}}
	for _, r := range p.Rules {
		for _, n := range r.Names {
			if len(r.Args) > 0 {
				a.conds[n] = append(a.conds[n], r.Args)
			}
			mux, _, ok := policy.MuxCall(n)
			if !ok {
				continue
			}
			for _, arch := range p.Arches {
				if !policy.Multiplexed(arch, n) || a.mux[arch][mux] != nil {
					continue
				}
				if a.mux[arch] == nil {
					a.mux[arch] = map[string][][]policy.Arg{}
				}
				a.mux[arch][mux] = [][]policy.Arg{}
				for _, c := range p.RuleConditions(arch, mux) {
					if len(c) > 0 {
						a.mux[arch][mux] = append(a.mux[arch][mux], c)
					}
				}
			}
		}
	}
	return a
}

// condsOf returns the condition lists that decide name on arch.
func (a *PolicyAnswerer) condsOf(arch, name string) [][]policy.Arg {
	if m := a.mux[arch][name]; len(m) > 0 {
		return append(append([][]policy.Arg(nil), a.conds[name]...), m...)
	}
	return a.conds[name]
}

// Arches implements Answerer.
func (a *PolicyAnswerer) Arches() []string { return append([]string(nil), a.P.Arches...) }

// Covers implements Answerer.
func (a *PolicyAnswerer) Covers(arch string) bool { return a.P.Covers(arch) }

// Answer implements Answerer: what the filter libseccomp builds from the
// policy answers (crun's answer; see RuntimeAnswers for runc's stub), with
// the ABI's argument width (policy.EvalArch).
func (a *PolicyAnswerer) Answer(arch string, nr int, args [6]uint64) policy.Verdict {
	name, ok := a.Names.Name(arch, nr)
	if !ok {
		return UnnamedAnswer(a.P, arch, nr)
	}
	v := a.P.EvalArch(arch, name, args)
	v.Conditional = len(a.condsOf(arch, name)) > 0
	return v
}

// RuntimeAnswerer is implemented by answerers whose answer can depend on
// the runtime that loads the profile (runc 1.1.5 prepends an ENOSYS stub
// that crun 1.8.1 does not have: policy.(*Policy).Runtimes).
type RuntimeAnswerer interface {
	RuntimeAnswers(arch string, nr int, args [6]uint64) policy.RuntimeVerdicts
}

// RuntimeAnswers implements RuntimeAnswerer.
func (a *PolicyAnswerer) RuntimeAnswers(arch string, nr int, args [6]uint64) policy.RuntimeVerdicts {
	name, _ := a.Names.Name(arch, nr)
	rv := a.P.Runtimes(arch, nr, name, args, a.resolve)
	cond := name != "" && len(a.condsOf(arch, name)) > 0
	rv.Runc.Conditional, rv.Crun.Conditional = cond, cond
	return rv
}

// resolve is a policy.Resolver over the syscall tables.
func (a *PolicyAnswerer) resolve(arch, name string) (int, bool) {
	nr, err := a.Names.Number(arch, name)
	return nr, err == nil
}

// UnnamedAnswer is what the filter libseccomp builds from a policy answers
// for a syscall number libseccomp cannot name on arch (a gap in its table,
// or a number beyond it): no rule can name it, so the default action. That
// is crun's answer; runc's stub answers ENOSYS above the highest number the
// policy names (PolicyAnswerer.RuntimeAnswers reports both).
func UnnamedAnswer(p *policy.Policy, arch string, nr int) policy.Verdict {
	return p.EvalUnnamed(arch, nr)
}

// Probes implements Answerer.
func (a *PolicyAnswerer) Probes(arch string, nr int) [][6]uint64 {
	name, ok := a.Names.Name(arch, nr)
	if !ok || len(a.condsOf(arch, name)) == 0 {
		return nil
	}
	return ArgProbes(a.condsOf(arch, name))
}

// PolicyOf returns the policy behind a PolicyAnswerer, nil for any other
// answerer.
func PolicyOf(a Answerer) *policy.Policy {
	if pa, ok := a.(*PolicyAnswerer); ok {
		return pa.P
	}
	return nil
}

// ArgProbes returns the argument vectors that tell apart the answers of
// rules with the given condition lists (one list per rule): all zero; for
// each condition, its value and neighbours (v-1, v, v+1, 0, all ones, the
// high 32 bits set; for SCMP_CMP_MASKED_EQ the value, the mask, each masked
// bit flipped) alone on its index; and for each rule, values that satisfy
// all its conditions, then each condition's values in that context. The
// result is sorted and free of duplicates.
func ArgProbes(rules [][]policy.Arg) [][6]uint64 {
	set := map[[6]uint64]bool{{}: true}
	for _, conds := range rules {
		var sat [6]uint64
		fixed := [6]bool{}
		for _, c := range conds {
			if c.Index > 5 {
				continue
			}
			if !fixed[c.Index] {
				sat[c.Index] = satisfying(c)
				fixed[c.Index] = true
			}
		}
		set[sat] = true
		for _, c := range conds {
			if c.Index > 5 {
				continue
			}
			for _, v := range neighbours(c) {
				var alone [6]uint64
				alone[c.Index] = v
				set[alone] = true
				ctx := sat
				ctx[c.Index] = v
				set[ctx] = true
			}
		}
	}
	out := make([][6]uint64, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	SortProbes(out)
	return out
}

// SortProbes sorts argument vectors, all zero first.
func SortProbes(ps [][6]uint64) {
	sort.Slice(ps, func(i, j int) bool {
		for k := 0; k < 6; k++ {
			if ps[i][k] != ps[j][k] {
				return ps[i][k] < ps[j][k]
			}
		}
		return false
	})
}

// satisfying returns a value for which c holds (when one exists).
func satisfying(c policy.Arg) uint64 {
	switch c.Op {
	case policy.OpNotEqual:
		return c.Value ^ 1
	case policy.OpLessThan:
		return c.Value - 1 // wraps for 0: nothing is below 0
	case policy.OpGreaterThan:
		return c.Value + 1
	case policy.OpMaskedEqual:
		return c.ValueTwo
	}
	return c.Value
}

// neighbours returns the values worth probing for one condition.
func neighbours(c policy.Arg) []uint64 {
	const hi = uint64(0xffffffff) << 32
	v := c.Value
	out := []uint64{0, ^uint64(0), hi, v - 1, v, v + 1, v | hi, v &^ hi, v ^ (1 << 32)}
	if c.Op == policy.OpMaskedEqual {
		m, val := c.Value, c.ValueTwo
		out = append(out, val, val|^m, m|val, val|1<<32, val^hi)
		for b := 0; b < 64; b++ {
			if m&(1<<b) != 0 {
				out = append(out, val^(1<<b))
			}
		}
	}
	return out
}

// allowing reports whether an action lets the syscall run.
func allowingVerdict(v policy.Verdict) bool { return allowing(v.Action) }

// CheckCoverageOf is CheckCoverage for any answerer: a policy is judged by
// CheckCoverage itself, with runc's ENOSYS stub numbered by its tables (a
// syscall runc's stub answers ENOSYS is not covered, as replay --enforce
// says; Entry.Crun holds crun's answer); any other answerer (a compiled filter) the same way
// through its answers. A syscall counts as covered when the answer for all
// arguments zero lets it run, or, when the answer depends on arguments,
// when some probe does (Reason is then ReasonConditional, as for a policy
// rule with conditions).
func CheckCoverageOf(a Answerer, traces ...*trace.File) (*Coverage, error) {
	if a == nil {
		return nil, errors.New("coverage: no profile")
	}
	if pa, ok := a.(*PolicyAnswerer); ok {
		return checkPolicy(pa.P, pa.resolve, traces)
	}
	cov, merged, err := mergeTraces(traces)
	if err != nil {
		return nil, err
	}
	for _, e := range merged {
		switch {
		case !a.Covers(e.Arch):
			e.Reason, e.arches = ReasonArch, a.Arches()
		case e.Name == "":
			// The filter answers numbers, named or not: one that lets it
			// run covers it (a default that allows).
			v := a.Answer(e.Arch, e.Nr, [6]uint64{})
			e.Action, e.Errno = v.Action, v.Errno
			if e.Covered = allowingVerdict(v) && !v.Conditional; !e.Covered {
				e.Reason = ReasonUnknown
			}
		default:
			v := a.Answer(e.Arch, e.Nr, [6]uint64{})
			e.Action, e.Errno = v.Action, v.Errno
			e.Covered = allowingVerdict(v)
			var fa *filterArgs
			if v.Conditional {
				fa = newFilterArgs(a, e)
			}
			if !e.Covered && v.Conditional {
				// The filter's constants, one argument at a time, then the
				// recorded values together, then both kinds in every
				// combination (rules on two arguments: socket's domain
				// and type).
				for _, args := range append(a.Probes(e.Arch, e.Nr), recordedCombos(e)...) {
					if allowingVerdict(a.Answer(e.Arch, e.Nr, args)) {
						e.Covered = true
						break
					}
				}
				if !e.Covered {
					e.Covered = fa.covers(e)
				}
			}
			switch {
			case e.Covered && v.Conditional:
				e.Reason = ReasonConditional
				restricted := func(i int) bool { spec, ok := reduce.FindArgSpec(e.Name, i); return ok && spec.Restrict }
				checkArgs(e, func(args [6]uint64) policy.Verdict { return a.Answer(e.Arch, e.Nr, args) }, restricted)
				if e.Reason == ReasonArgument {
					fa.narrow(e)
				}
				markUnchecked(e, restricted, false)
			case !e.Covered:
				e.Reason = ReasonDenied
			}
		}
		cov.Entries = append(cov.Entries, *e)
	}
	markFallbacksOf(a, cov.Entries)
	MarkNoSyscalls(cov.Entries)
	cov.finish()
	return cov, nil
}
