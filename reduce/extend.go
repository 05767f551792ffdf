package reduce

import (
	"maps"
	"slices"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// Extending a profile (Options.Extend; the OCI hook's if:). The result
// allows everything the extended profile allows, plus what the traces
// hold, as runc and crun read both (policy.LookupArch):
//   - a syscall it lets run unconditionally (allow or log) is allowed
//     unconditionally: no argument rule of this run narrows it;
//   - a syscall it allows under argument conditions keeps those allow
//     rules; when the traces restrict the syscall too, the allow rules of
//     both are kept, the EPERM rules for the values neither allows are
//     dropped and those values get the default answer (ENOSYS);
//     a syscall the traces allow without conditions stays so.
//
// A profile whose default lets syscalls run keeps every named syscall it
// does not deny outright; numbers no syscall has still get ENOSYS.

// extension is what an extended profile adds.
type extension struct {
	free map[string]bool          // allowed unconditionally
	cond map[string][]policy.Rule // allowed under conditions: its allow rules, one name each
}

// extendSets reads p on the target ABIs (those of them p covers; all of
// them when it covers none).
func extendSets(p *policy.Policy, name string, arches []string, r trace.Tables) (*extension, error) {
	ext := &extension{free: map[string]bool{}, cond: map[string][]policy.Rule{}}
	if p == nil {
		return ext, nil
	}
	on := slices.DeleteFunc(slices.Clone(arches), func(a string) bool { return !p.Covers(a) })
	if len(on) == 0 {
		on = arches
	}
	comment := "kept from the extended profile"
	if name != "" {
		comment += " " + name
	}
	seen := map[string]map[int]bool{}
	for _, arch := range on {
		names, err := r.Names(arch)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			v := p.LookupArch(arch, n)
			runs := v.Action == policy.ActAllow || v.Action == policy.ActLog
			if runs {
				// Unconditional, or the answer when no condition holds
				// (a default-allow profile with deny rules): every value
				// but a few runs.
				ext.free[n] = true
				continue
			}
			if !v.Conditional {
				continue
			}
			_, idx := p.Deciding(arch, n)
			for _, i := range idx {
				rule := p.Rules[i]
				if rule.Action != policy.ActAllow && rule.Action != policy.ActLog {
					continue
				}
				if seen[n] == nil {
					seen[n] = map[int]bool{}
				}
				if seen[n][i] {
					continue
				}
				seen[n][i] = true
				c := rule.Comment
				if c == "" {
					c = comment
				} else {
					c = comment + ": " + c
				}
				ext.cond[n] = append(ext.cond[n], policy.Rule{Names: []string{n}, Action: policy.ActAllow,
					Args: slices.Clone(rule.Args), Comment: c})
			}
		}
	}
	for n := range ext.free {
		// Unconditional on one ABI: its rules elsewhere are lifted too.
		delete(ext.cond, n)
	}
	return ext, nil
}

// union adds the extended profile's conditional allow rules to rules (the
// argument rules of the traces) and returns them. restricted and allowed
// are updated: a syscall with such rules leaves the unconditional lists.
func (ext *extension) union(rules []policy.Rule, allowed, restricted map[string]bool) (out []policy.Rule, united []string) {
	for _, n := range slices.Sorted(maps.Keys(ext.cond)) {
		if allowed[n] && !restricted[n] {
			continue // the traces allow it without conditions
		}
		if restricted[n] {
			// Both sets of allow rules; no EPERM rule of the traces'
			// may deny what the extended profile allows.
			rules = slices.DeleteFunc(rules, func(r policy.Rule) bool {
				return r.Action != policy.ActAllow && slices.Contains(r.Names, n)
			})
		}
		restricted[n] = true
		rules = append(rules, ext.cond[n]...)
		united = append(united, n)
	}
	return rules, united
}
