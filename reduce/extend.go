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
//     unconditionally: no argument rule of this run narrows it; one it
//     logs stays logged (SCMP_ACT_LOG), traced or not;
//   - a syscall it allows under argument conditions keeps those allow
//     rules, with their action (a log rule stays a log rule); when the
//     traces restrict the syscall too, the allow rules of both are kept,
//     the EPERM rules for the values neither allows are dropped and those
//     values get the default answer (ENOSYS);
//     a syscall the traces allow without conditions stays so.
//
// A profile whose default lets syscalls run (allow or log, a deny list)
// keeps every named syscall it does not deny outright, and its default:
// numbers no syscall has (and syscalls newer than libseccomp's tables, which
// a newer kernel runs) run as they did. A syscall it denies outright that
// the traces use is then allowed without argument rules: with such a
// default, the values an argument rule does not admit would run anyway.

// extension is what an extended profile adds.
type extension struct {
	free   map[string]bool          // allowed unconditionally
	logged map[string]bool          // of free: logged (SCMP_ACT_LOG) by the profile
	cond   map[string][]policy.Rule // allowed under conditions: its allow and log rules, one name each
	// deflt is the profile's default action when it lets syscalls run
	// (allow or log), "" otherwise.
	deflt policy.Action
}

// extendSets reads p on the target ABIs (those of them p covers; all of
// them when it covers none).
func extendSets(p *policy.Policy, name string, arches []string, r trace.Tables) (*extension, error) {
	ext := &extension{free: map[string]bool{}, logged: map[string]bool{}, cond: map[string][]policy.Rule{}}
	if p == nil {
		return ext, nil
	}
	if p.DefaultAction == policy.ActAllow || p.DefaultAction == policy.ActLog {
		ext.deflt = p.DefaultAction
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
				if v.Action == policy.ActLog {
					ext.logged[n] = true
				}
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
				ext.cond[n] = append(ext.cond[n], policy.Rule{Names: []string{n}, Action: rule.Action,
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
				return r.Action != policy.ActAllow && r.Action != policy.ActLog && slices.Contains(r.Names, n)
			})
			// Where the profile logs some of its calls, the traces'
			// allow rules log too: conditions of both may hold at
			// once, and rules with different actions then clash.
			if slices.ContainsFunc(ext.cond[n], func(r policy.Rule) bool { return r.Action == policy.ActLog }) {
				for i, r := range rules {
					// Argument rules name one syscall each.
					if r.Action == policy.ActAllow && len(r.Names) == 1 && r.Names[0] == n {
						rules[i].Action = policy.ActLog
					}
				}
			}
		}
		restricted[n] = true
		rules = append(rules, ext.cond[n]...)
		united = append(united, n)
	}
	return rules, united
}
