package reduce

import (
	"maps"
	"slices"
	"strings"

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
//     values get the profile's answers (its deny rules with conditions,
//     then the default: extension.denials);
//     a syscall the traces allow without conditions stays so.
//
// A profile whose default lets syscalls run (allow or log, a deny list)
// keeps every named syscall it does not deny outright, and its default:
// numbers no syscall has (and syscalls newer than libseccomp's tables, which
// a newer kernel runs) run as they did. A syscall it denies outright that
// the traces use is then allowed without argument rules: with such a
// default, the values an argument rule does not admit would run anyway.
//
// What neither the profile nor the traces allow gets the profile's answer
// (extension.denials): a profile whose default denies gives the result its
// default, and its own deny rules' answers (ERRNO(13), a kill) are kept;
// only the fallback answers (ENOSYS where an allowed syscall is the
// fallback) stay the result's own.
//
// A syscall such a profile lets run except under argument conditions (its
// deny rules with conditions: personality(8) denied, every other persona
// allowed by the default) keeps those rules as they are when the traces
// cannot have used a value they deny: the syscall was not traced, or every
// traced call has recorded values for the arguments the rules test and
// the profile lets each combination of them run. Otherwise (a denied value
// was used, or the values are not known) it is allowed without conditions.

// extension is what an extended profile adds.
type extension struct {
	free   map[string]bool          // allowed unconditionally
	logged map[string]bool          // of free: logged (SCMP_ACT_LOG) by the profile
	cond   map[string][]policy.Rule // allowed under conditions: its allow and log rules, one name each
	// deflt is the profile's default action when it lets syscalls run
	// (allow or log), "" otherwise.
	deflt policy.Action
	// guarded are the names of free that the profile lets run except
	// under argument conditions: its deciding rules, one name each, in
	// file order.
	guarded map[string][]policy.Rule
	p       *policy.Policy
	on      []string // the ABIs read
}

// extendSets reads p on the target ABIs (those of them p covers; all of
// them when it covers none).
func extendSets(p *policy.Policy, name string, arches []string, r trace.Tables) (*extension, error) {
	ext := &extension{free: map[string]bool{}, logged: map[string]bool{}, cond: map[string][]policy.Rule{},
		guarded: map[string][]policy.Rule{}, p: p}
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
	ext.on = on
	seen := map[string]map[int]bool{}
	guardIdx := map[string]map[int]bool{}
	plain := map[string]bool{} // runs unconditionally on some ABI
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
				if !v.Conditional {
					plain[n] = true
					continue
				}
				_, idx := p.Deciding(arch, n)
				for _, i := range idx {
					if guardIdx[n] == nil {
						guardIdx[n] = map[int]bool{}
					}
					guardIdx[n][i] = true
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
	for n, idx := range guardIdx {
		if plain[n] {
			continue
		}
		c := comment
		for _, i := range slices.Sorted(maps.Keys(idx)) {
			rule := p.Rules[i]
			rc := c
			if rule.Comment != "" {
				rc += ": " + rule.Comment
			}
			ext.guarded[n] = append(ext.guarded[n], policy.Rule{Names: []string{n}, Action: rule.Action,
				Errno: rule.Errno, Args: slices.Clone(rule.Args), Comment: rc})
		}
	}
	return ext, nil
}

// maxGuardCombos bounds the combinations of recorded values checked
// against a guarded syscall's rules; more count as unknown.
const maxGuardCombos = 4096

// guard returns the guarded syscalls' rules to keep, and marks those names
// restricted (they leave the unconditional lists): those whose traced
// calls (the kept entries) and baseline calls the extended profile lets
// run with every recorded combination of the tested arguments' values.
func (ext *extension) guard(inputs []Input, kept map[key]bool, set *allowed, arches []string, restricted map[string]bool, r trace.Tables) (rules []policy.Rule, names []string) {
	covered := map[string]bool{}
	for _, a := range arches {
		covered[a] = true
	}
	for _, n := range slices.Sorted(maps.Keys(ext.guarded)) {
		if ext.used(n, inputs, kept, set, covered, r) {
			continue
		}
		restricted[n] = true
		rules = append(rules, ext.guarded[n]...)
		names = append(names, n)
	}
	return rules, names
}

// used reports whether the traces or the baselines may have called n with
// values its guarded rules do not let run.
func (ext *extension) used(n string, inputs []Input, kept map[key]bool, set *allowed, covered map[string]bool, r trace.Tables) bool {
	var tested []uint
	for _, rule := range ext.guarded[n] {
		for _, a := range rule.Args {
			if !slices.Contains(tested, a.Index) {
				tested = append(tested, a.Index)
			}
		}
	}
	// runs checks one call's recorded values (index -> values) on arches.
	runs := func(vals map[uint][]uint64, arches []string) bool {
		combos := 1
		for _, i := range tested {
			if len(vals[i]) == 0 {
				return false // not recorded: unknown
			}
			if combos *= len(vals[i]); combos > maxGuardCombos {
				return false
			}
		}
		var args [6]uint64
		var try func(k int) bool
		try = func(k int) bool {
			if k == len(tested) {
				for _, a := range arches {
					if v := ext.p.EvalArch(a, n, args); v.Action != policy.ActAllow && v.Action != policy.ActLog {
						return false
					}
				}
				return true
			}
			for _, v := range vals[tested[k]] {
				args[tested[k]] = v
				if !try(k + 1) {
					return false
				}
			}
			return true
		}
		return try(0)
	}
	for _, in := range inputs {
		for _, s := range in.File.Syscalls {
			name, err := trace.ResolveName(r, s)
			if err != nil || name == "" || !kept[key{s.Arch, name}] {
				continue
			}
			if name != n {
				// Another ABI's name allowed as n, or a multiplexer
				// (socketcall) whose calls include n: values unknown.
				if mux, _, ok := policy.MuxCall(n); ok && name == mux {
					return true
				}
				for a := range covered {
					if to, ok := allowedAs(r, covered, s.Arch, a, name); ok && to == n {
						return true
					}
				}
				continue
			}
			vals := map[uint][]uint64{}
			for _, av := range s.Args {
				if av.Overflow {
					continue // some values are missing: unknown
				}
				vals[uint(av.Index)] = av.Values
			}
			on := []string{s.Arch}
			if !ext.p.Covers(s.Arch) {
				on = ext.on
			}
			if !runs(vals, on) {
				return true
			}
		}
	}
	if set.baseline[n] {
		bv, ok := set.baselineArgs[n]
		if !ok {
			return true // the runtime's values are not known
		}
		vals := map[uint][]uint64{}
		for i, v := range bv {
			vals[uint(i)] = v
		}
		if !runs(vals, ext.on) {
			return true
		}
	}
	return false
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

// denials keeps the extended profile's own answers for the syscalls the
// result denies without having seen them (known: the unobserved rule's
// names, answered action/errno): a program that ran under that profile
// got them (ENOSYS from podman's default, EPERM from Docker's, ERRNO(13)
// or a kill from a rule of its own), and one that reads ENOSYS as "not
// supported" would meet a hard EPERM instead. A name the profile answers
// the same way on every ABI read, unconditionally and with a denial, gets
// that answer: left to the result's default (dflt) when it is the same,
// else a rule per answer; every other name stays in the unobserved rule.
//
// The traces' argument rules deny the values no run used with the same
// unobserved answer (args: the rules so far); for a syscall the profile
// denies outright those values get its answer too (left to the default,
// or the rule's action changed).
func (ext *extension) denials(known []string, args []policy.Rule, action policy.Action, errno *uint, dflt policy.Verdict, name string) (rest []string, rules, argsOut []policy.Rule) {
	if ext.p == nil {
		return known, nil, args
	}
	unobserved, byDefault := answerOf(action, errno), answer{dflt.Action, dflt.Errno}
	comment := "answered as the extended profile answers them"
	if name != "" {
		comment = "answered as the extended profile " + name + " answers them"
	}
	groups := map[answer][]string{}
	for _, n := range known {
		got, ok := ext.denialOf(n)
		switch {
		case !ok:
			if kept, ok := ext.condDenials(n, byDefault, comment); ok {
				// Denied for some values with answers of their own,
				// the default's for the rest.
				rules = append(rules, kept...)
				continue
			}
			rest = append(rest, n)
		case got == byDefault:
			// The result's default answers it so; no rule names it, as
			// the extended profile did not (runc answers ENOSYS past
			// the highest syscall a profile names).
		case got == unobserved:
			rest = append(rest, n)
		default:
			groups[got] = append(groups[got], n)
		}
	}
	for _, a := range slices.SortedFunc(maps.Keys(groups), func(x, y answer) int {
		if x.action != y.action {
			return strings.Compare(string(x.action), string(y.action))
		}
		return int(x.errno) - int(y.errno)
	}) {
		rules = append(rules, a.rule(groups[a], comment))
	}
	// A syscall the run allows for some values (argument rules) that the
	// profile denies for some values its own way: the run's denials of
	// the values it did not use give way to the profile's deny rules (but
	// where they meet a value an allow rule admits) and its default.
	allows := map[string][][]policy.Arg{}
	for _, r := range args {
		if len(r.Names) == 1 && (r.Action == policy.ActAllow || r.Action == policy.ActLog) {
			allows[r.Names[0]] = append(allows[r.Names[0]], r.Args)
		}
	}
	condKept := map[string]bool{}
	for _, n := range slices.Sorted(maps.Keys(allows)) {
		kept, ok := ext.condDenials(n, byDefault, comment)
		if !ok {
			continue
		}
		condKept[n] = true
		for _, k := range kept {
			if !slices.ContainsFunc(allows[n], func(a []policy.Arg) bool {
				return !policy.Disjoint(a, k.Args, 64) || !policy.Disjoint(a, k.Args, 32)
			}) {
				rules = append(rules, k)
			}
		}
	}
	for _, r := range args {
		if len(r.Names) == 1 && condKept[r.Names[0]] && answerOf(r.Action, r.Errno) == unobserved {
			continue // the default answers those values, as in the profile
		}
		// Argument rules name one syscall each.
		if len(r.Names) == 1 && answerOf(r.Action, r.Errno) == unobserved {
			if got, ok := ext.denialOf(r.Names[0]); ok && got != unobserved {
				if got == byDefault {
					continue
				}
				kept := got.rule(r.Names, r.Comment)
				r.Action, r.Errno = kept.Action, kept.Errno
			}
		}
		argsOut = append(argsOut, r)
	}
	return rest, rules, argsOut
}

// condDenials returns n's deny rules with argument conditions in the
// extended profile, one name each, when on every ABI read the profile
// answers n by such rules and, where none holds, as the result's default
// (dflt): carried over, they keep the profile's answers to the values they
// test, and the default answers the rest as the profile did. Only for a
// profile whose default denies (an allowing one: extension.guard).
func (ext *extension) condDenials(n string, dflt answer, comment string) ([]policy.Rule, bool) {
	if ext.deflt != "" {
		return nil, false
	}
	idx := map[int]bool{}
	for _, arch := range ext.on {
		v := ext.p.LookupArch(arch, n)
		if !v.Conditional || answerOf(v.Action, &v.Errno) != dflt {
			return nil, false
		}
		_, cond := ext.p.Deciding(arch, n)
		for _, i := range cond {
			idx[i] = true
		}
	}
	var out []policy.Rule
	for _, i := range slices.Sorted(maps.Keys(idx)) {
		r := ext.p.Rules[i]
		if r.Action == policy.ActAllow || r.Action == policy.ActLog {
			continue // ext.cond's
		}
		c := comment
		if r.Comment != "" {
			c += ": " + r.Comment
		}
		out = append(out, policy.Rule{Names: []string{n}, Action: r.Action, Errno: r.Errno, Args: slices.Clone(r.Args), Comment: c})
	}
	return out, len(out) > 0
}

// answer is a denial: an action and, for SCMP_ACT_ERRNO, its errno.
type answer struct {
	action policy.Action
	errno  uint
}

func answerOf(a policy.Action, e *uint) answer {
	if (a == policy.ActErrno || a == policy.ActTrace) && e != nil {
		return answer{a, *e}
	}
	return answer{action: a}
}

// rule is a rule of names answered a.
func (a answer) rule(names []string, comment string) policy.Rule {
	r := policy.Rule{Names: names, Action: a.action, Comment: comment}
	if a.action == policy.ActErrno || a.action == policy.ActTrace { // TRACE's msg value
		r.Errno = policy.Errno(a.errno)
	}
	return r
}

// denialOf is the extended profile's answer to n when it denies n the same
// way on every ABI read, unconditionally.
func (ext *extension) denialOf(n string) (answer, bool) {
	var got *answer
	for _, arch := range ext.on {
		v := ext.p.LookupArch(arch, n)
		if v.Conditional || v.Action == policy.ActAllow || v.Action == policy.ActLog {
			return answer{}, false
		}
		a := answerOf(v.Action, &v.Errno)
		if got != nil && *got != a {
			return answer{}, false
		}
		got = &a
	}
	if got == nil {
		return answer{}, false
	}
	return *got, true
}

// deniedDefault names the extended profile's default answer, which the
// result keeps when it denies (reduce: p.DefaultAction).
func (ext *extension) deniedDefault() string {
	return ext.p.DefaultVerdict().Text()
}
