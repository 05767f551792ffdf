package reduce

import (
	"errors"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// ReduceGreedy is Reduce as it was before the search (the reference the
// search must match): after each too-large filter, the argument rule
// with the most allowed values (the first of them in ArgRules order) is
// left unrestricted and everything is built and compiled again.
func ReduceGreedy(inputs []Input, opts Options, r trace.Tables) (*Result, error) {
	var shrink map[string]map[int]bool
	for {
		res, err := reduceOnce(inputs, opts, r, shrink)
		if err == nil {
			return res, nil
		}
		if res == nil || !errors.Is(err, policy.ErrFilterTooLarge) {
			return nil, err
		}
		best := -1
		for i, ar := range res.ArgRules {
			if ar.Unrestricted || ar.Spec.Docker != nil || shrink[ar.Spec.Syscall][ar.Spec.Index] {
				continue
			}
			if best < 0 || len(ar.Allowed) > len(res.ArgRules[best].Allowed) {
				best = i
			}
		}
		if best < 0 {
			return nil, err
		}
		spec := res.ArgRules[best].Spec
		if shrink == nil {
			shrink = map[string]map[int]bool{}
		}
		if shrink[spec.Syscall] == nil {
			shrink[spec.Syscall] = map[int]bool{}
		}
		shrink[spec.Syscall][spec.Index] = true
	}
}
