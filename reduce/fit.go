package reduce

import (
	"errors"
	"maps"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// Fitting the filter into the kernel's 4096 instructions.
//
// The rule: while the filter is too large, the argument rule with the most
// allowed values (the first of them in ArgRules order; never a Docker set)
// is left unrestricted. Which rule goes next depends only on the rules
// built so far, not on the compiled filter, so the whole sequence of
// policies P0, P1, ..., Pn (Pk: the first k of those rules dropped) is
// built without compiling anything. The answer is Pk for the smallest k
// whose checks pass (or fail otherwise than "too large"); dropping one
// rule at a time found it with k+1 compilations of the largest filters,
// each of which takes libseccomp seconds.
//
// The search compiles where a size estimate says the filter starts to fit,
// walks up from there to the first Pk that is not too large, then makes
// sure that no smaller k would do: Pj with j < k is known too large without
// compiling it when P(j+1)'s rules (or the runtimes' filter) were too
// large, step j+1 gave no syscall more conditional rules or conditions
// (then libseccomp's filter for Pj is not shorter: measured on every step
// of the fixtures in internal/argfixture, TestFitSizesShrink), and Pj
// passes the rule checks (policy.ValidateRules). Any other Pj is compiled.
// A step can make the filter longer: dropping the first argument of a
// pair whose second was unrestricted (setsockopt's level beside more than
// 64 combinations) restricts the second alone; such a step is compiled
// around. TestFitMatchesGreedy compares the result with dropping one rule
// at a time.

// fitStage says which check refused a policy.
type fitStage int

const (
	fitsNone  fitStage = iota
	fitsRules          // Validate: the rules, or the runtimes' filter (policy.FilterVerifier)
	fitsOwn            // Options.Fits
)

// maxInstructions is the kernel's BPF_MAXINSNS.
const maxInstructions = 4096

// fitStep is one policy of the sequence.
type fitStep struct {
	shrink map[string]map[int]bool
	res    *Result        // build's result (ArgRules)
	p      *policy.Policy // build's policy, not yet finished
	est    float64        // estimated filter length
	prof   map[string]ruleCount

	// Set once finished (compiled and checked).
	done  bool
	out   *Result
	stage fitStage
	err   error
	// rulesTooLarge: Validate refused it as too large, or it is known to.
	rulesTooLarge bool
}

func (s *fitStep) tooLarge() bool { return s.done && errors.Is(s.err, policy.ErrFilterTooLarge) }

// ruleCount is what the rules of a policy give one syscall name.
type ruleCount struct {
	conditional int  // rules with conditions
	conditions  int  // their conditions
	plain       bool // named by a rule without conditions
}

// fit returns what dropping the argument rules one at a time, compiling
// each time, returns (fit.go's comment above).
func fit(inputs []Input, opts Options, r trace.Tables) (*Result, error) {
	first, err := newFitStep(inputs, opts, r, nil)
	if err != nil {
		return nil, err
	}
	if policy.FilterVerifier == nil && opts.Fits == nil {
		// Nothing compiles the filter, so nothing is too large.
		return first.finish(opts)
	}
	steps := []*fitStep{first}
	for {
		spec, ok := nextDrop(steps[len(steps)-1])
		if !ok {
			break
		}
		shrink := map[string]map[int]bool{}
		for name, idx := range steps[len(steps)-1].shrink {
			shrink[name] = maps.Clone(idx)
		}
		if shrink[spec.Syscall] == nil {
			shrink[spec.Syscall] = map[int]bool{}
		}
		shrink[spec.Syscall][spec.Index] = true
		s, err := newFitStep(inputs, opts, r, shrink)
		if err != nil {
			// Not expected: build's errors do not depend on shrink.
			s = &fitStep{shrink: shrink, done: true, err: err}
		}
		steps = append(steps, s)
	}
	// Up from the estimate to the first step that is not too large (the
	// last step when every one is). The estimate is off by a few percent
	// either way; starting low costs less: a policy found too large is
	// not checked further, one that fits is (the FilterVerifier's probes).
	k := len(steps) - 1
	for i, s := range steps {
		if s.done || s.est <= 1.1*maxInstructions {
			k = i
			break
		}
	}
	for ; k < len(steps)-1; k++ {
		if steps[k].observe(opts); !steps[k].tooLarge() {
			break
		}
	}
	steps[k].observe(opts)
	// Down: every step below k must be too large, or it is the answer.
	for j := k - 1; j >= 0; j-- {
		s := steps[j]
		if !s.done && steps[j+1].rulesTooLarge && shrinks(steps[j], steps[j+1]) && s.p.ValidateRules() == nil {
			s.rulesTooLarge = true // known, not compiled
			continue
		}
		if s.observe(opts); !s.tooLarge() {
			k = j
		}
	}
	return steps[k].result()
}

// newFitStep builds the policy with shrink's arguments unrestricted.
func newFitStep(inputs []Input, opts Options, r trace.Tables, shrink map[string]map[int]bool) (*fitStep, error) {
	res, p, err := build(inputs, opts, r, shrink)
	if err != nil {
		return nil, err
	}
	s := &fitStep{shrink: shrink, res: res, p: p, prof: map[string]ruleCount{}}
	for _, rule := range p.Rules {
		for _, n := range rule.Names {
			c := s.prof[n]
			if len(rule.Args) > 0 {
				c.conditional++
				c.conditions += len(rule.Args)
			} else {
				c.plain = true
			}
			s.prof[n] = c
			// A rough length: measured on the fixtures, libseccomp's
			// filter has about 2.35 instructions per condition and one
			// per name without, on each ABI that has the name (within
			// 4%, except 35% over for argfixture's bpf-only: the search
			// then compiles one more policy, its answer is the same).
			for _, a := range p.Arches {
				if r.Has(a, n) {
					if len(rule.Args) > 0 {
						s.est += 2.35 * float64(len(rule.Args))
					} else {
						s.est += 0.9
					}
				}
			}
		}
	}
	return s, nil
}

// nextDrop is the argument rule the step after s leaves unrestricted: the
// one with the most allowed values, the first of them in ArgRules order,
// never a Docker set.
func nextDrop(s *fitStep) (ArgSpec, bool) {
	if s.res == nil {
		return ArgSpec{}, false
	}
	best := -1
	for i, ar := range s.res.ArgRules {
		if ar.Unrestricted || ar.Spec.Docker != nil || s.shrink[ar.Spec.Syscall][ar.Spec.Index] {
			continue
		}
		if best < 0 || len(ar.Allowed) > len(s.res.ArgRules[best].Allowed) {
			best = i
		}
	}
	if best < 0 {
		return ArgSpec{}, false
	}
	return s.res.ArgRules[best].Spec, true
}

// shrinks reports whether going from a to b gives no syscall more
// conditional rules or conditions, and a rule without conditions only to
// a syscall that loses all of its conditional ones.
func shrinks(a, b *fitStep) bool {
	for n, y := range b.prof {
		x := a.prof[n]
		if y.conditional > x.conditional || y.conditions > x.conditions {
			return false
		}
		if y.plain && !x.plain && (x.conditional == 0 || y.conditional > 0) {
			return false
		}
	}
	return true
}

// observe finishes s (compiles and checks its policy), once.
func (s *fitStep) observe(opts Options) {
	if s.done {
		return
	}
	s.out, s.stage, s.err = finish(s.res, s.p, opts)
	s.done = true
	s.rulesTooLarge = s.tooLarge() && s.stage == fitsRules
}

// finish is observe and result for a step taken as it is.
func (s *fitStep) finish(opts Options) (*Result, error) {
	s.observe(opts)
	return s.result()
}

// result is what Reduce returns for a finished step.
func (s *fitStep) result() (*Result, error) {
	if s.err != nil {
		return nil, s.err
	}
	return s.out, nil
}
