package verdict

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// ReasonArgument: the profile allows the syscall only for some argument
// values, and the run used another one (Entry.ArgDenied says which).
const ReasonArgument = "argument"

// ArgDenial is one argument value a profile does not allow, or one pair of
// values (Pair) it does not allow together.
type ArgDenial struct {
	Index int
	Value uint64
	// Pair says the denial is of Value together with argument PairIndex's
	// PairValue, in one call (a recorded pair, trace.Syscall.Pairs, or
	// the call replay --enforce saw denied): each value alone is allowed
	// with some other value of the other argument.
	Pair      bool
	PairIndex int
	PairValue uint64
	// Action and Errno are what the profile answers for it.
	Action policy.Action
	Errno  uint
}

// maxArgDenials bounds the values kept per entry.
const maxArgDenials = 16

// addArgDenial adds d to e unless it is there already (or the bound is
// reached).
func (e *Entry) addArgDenial(d ArgDenial) {
	for _, x := range e.ArgDenied {
		if x.Index == d.Index && x.Value == d.Value && x.Pair == d.Pair && x.PairIndex == d.PairIndex && x.PairValue == d.PairValue {
			return
		}
	}
	if len(e.ArgDenied) < maxArgDenials {
		e.ArgDenied = append(e.ArgDenied, d)
	}
}

// AttributeArgs records in e (a denial seen by replay --enforce) the
// recorded arguments of the call when the profile's answer depends on
// arguments: the denial is then the argument's. It reports whether it did.
func AttributeArgs(p *policy.Policy, e *Entry, args [6]uint64) bool {
	if e.Name == "" || !p.LookupArch(e.Arch, e.Name).Conditional {
		return false
	}
	// The arguments to blame (see toBlame: socket(AF_UNIX, SOCK_RAW)
	// under allow rules: the type, not the domain); when none is (a
	// combination no rule allows), all of them.
	var blamed, all []ArgDenial
	for _, s := range reduce.ArgSpecs() {
		if s.Syscall == e.Name && conditionsOn(p, e.Arch, e.Name, s.Index) {
			d := ArgDenial{Index: s.Index, Value: args[s.Index], Action: e.Action, Errno: e.Errno}
			all = append(all, d)
			if toBlame(p, e.Arch, e.Name, s.Index, args[s.Index]) {
				blamed = append(blamed, d)
			}
		}
	}
	if len(blamed) == 0 {
		// An int argument whose upper 32 bits are set, where the call
		// with its low 32 bits would run (socket(0x100000001,
		// SOCK_STREAM) under a rule for AF_UNIX with SOCK_STREAM): the
		// upper bits are to blame, not the pair the low words make.
		low := args
		var wide []ArgDenial
		for _, d := range all {
			if wideInt(e.Name, d.Index, d.Value) {
				low[d.Index] &= 0xffffffff
				wide = append(wide, d)
			}
		}
		if len(wide) > 0 && allowing(p.EvalArch(e.Arch, e.Name, low).Action) {
			blamed = wide
		}
	}
	if len(blamed) == 0 && len(all) == 2 {
		// Two arguments each allowed with other values: the
		// combination is denied (socket(AF_UNIX, SOCK_DGRAM) under
		// rules for the pairs observed together).
		d := all[0]
		d.Pair, d.PairIndex, d.PairValue = true, all[1].Index, all[1].Value
		d.Value, d.PairValue = maskedValue(e.Name, d.Index, d.Value), maskedValue(e.Name, d.PairIndex, d.PairValue)
		blamed = []ArgDenial{d}
	}
	if len(blamed) == 0 {
		blamed = all
	}
	for _, d := range blamed {
		e.addArgDenial(d)
	}
	return len(blamed) > 0
}

// maskedValue is v as argument index of name is judged: an int's low 32
// bits and the bits its spec keeps (socket's type without SOCK_NONBLOCK
// and SOCK_CLOEXEC), v itself for an argument without a spec.
func maskedValue(name string, index int, v uint64) uint64 {
	spec, ok := reduce.FindArgSpec(name, index)
	if !ok {
		return v
	}
	if spec.Int {
		v &= 0xffffffff
	}
	return v & spec.Mask
}

// wideInt reports whether v, a value of an int argument (spec.Int), has
// bits set above its low 32: the recorder keeps a pair's values as ints
// (socket(0x100000001, SOCK_STREAM) is the pair (1, 1)), while the filter
// compares all 64 bits (an allow rule for domain 1 does not admit it). Such
// a value is judged alone, as it was passed.
func wideInt(name string, index int, v uint64) bool {
	spec, ok := reduce.FindArgSpec(name, index)
	return ok && spec.Int && v>>32 != 0
}

// toBlame reports whether argument index's value v is to blame for a
// denied call: no allow rule's test on that argument admits it, and, when
// denying rules test that argument (a profile that allows by default and
// refuses with conditions such as domain != AF_UNIX), one of those tests
// holds for v. A value that escapes every denying test (socket(AF_UNIX,
// SOCK_RAW) under "deny domain == AF_INET" and "deny type == SOCK_RAW":
// the domain) is not to blame.
func toBlame(p *policy.Policy, arch, name string, index int, v uint64) bool {
	if admitted(p, arch, name, index, v) {
		return false
	}
	return len(refusing(p, arch, name, index, nil)) == 0 || len(refusing(p, arch, name, index, &v)) > 0
}

// refusing returns the rules for name that do not let the call run and
// test argument index, and, when v is given, whose test on it holds for
// *v.
func refusing(p *policy.Policy, arch, name string, index int, v *uint64) []policy.Rule {
	bits := policy.ArgBits(arch)
	var out []policy.Rule
	for _, r := range p.Rules {
		if !slices.Contains(r.Names, name) || allowing(r.Action) {
			continue
		}
		for _, a := range r.Args {
			if int(a.Index) == index && (v == nil || a.HoldsBits(*v, bits)) {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// admitted reports whether some allow rule for name tests argument index
// and v passes that test.
func admitted(p *policy.Policy, arch, name string, index int, v uint64) bool {
	bits := policy.ArgBits(arch)
	for _, r := range p.Rules {
		if !slices.Contains(r.Names, name) || !allowing(r.Action) {
			continue
		}
		for _, a := range r.Args {
			if int(a.Index) == index && a.HoldsBits(v, bits) {
				return true
			}
		}
	}
	return false
}

// narrowArgDenials keeps, of e's argument denials, those to blame
// (toBlame), as AttributeArgs does for replay --enforce
// (socket(AF_UNIX, SOCK_DGRAM) under an AF_INET+SOCK_DGRAM rule: the
// domain, not the type); when none is (a combination no rule allows), all
// of them.
func narrowArgDenials(p *policy.Policy, e *Entry) {
	narrowWith(e, func(i int, v uint64) bool { return toBlame(p, e.Arch, e.Name, i, v) })
}

// narrowWith keeps, of e's argument denials, those blame says are to
// blame: a value no allowed call has, and of a denied pair the value so
// (socket(AF_INET6, SOCK_STREAM) under rules for AF_UNIX: the domain,
// alone) or, when each of its values is allowed with others, the pair.
// When none is, all of them stay.
func narrowWith(e *Entry, blame func(i int, v uint64) bool) {
	var blamed []ArgDenial
	for _, d := range e.ArgDenied {
		if !d.Pair {
			if blame(d.Index, d.Value) {
				blamed = append(blamed, d)
			}
			continue
		}
		b0, b1 := blame(d.Index, d.Value), blame(d.PairIndex, d.PairValue)
		if !b0 && !b1 {
			blamed = append(blamed, d)
		}
		if b0 {
			blamed = append(blamed, ArgDenial{Index: d.Index, Value: d.Value, Action: d.Action, Errno: d.Errno})
		}
		if b1 {
			blamed = append(blamed, ArgDenial{Index: d.PairIndex, Value: d.PairValue, Action: d.Action, Errno: d.Errno})
		}
	}
	if len(blamed) > 0 {
		e.ArgDenied = nil
		for _, d := range blamed {
			e.addArgDenial(d)
		}
		e.Action, e.Errno = blamed[0].Action, blamed[0].Errno
	}
}

// MergeArgDenials adds the argument denials of from to e.
func (e *Entry) MergeArgDenials(from []ArgDenial) {
	for _, d := range from {
		e.addArgDenial(d)
	}
}

// conditionsOn reports whether some rule libseccomp receives for name on
// arch has a condition on argument index (policy.RuleConditions: on x86,
// socketcall's and ipc's include those of the calls they multiplex).
func conditionsOn(p *policy.Policy, arch, name string, index int) bool {
	for _, conds := range p.RuleConditions(arch, name) {
		for _, a := range conds {
			if int(a.Index) == index {
				return true
			}
		}
	}
	return false
}

// checkArgs judges the recorded argument values of a syscall the profile
// allows only conditionally. A trace records the values of each argument
// apart, so a value is allowed when the profile allows it with some
// recorded value of each other conditioned argument (the others 0): exact
// for rules that condition one argument each; for rules on two arguments
// it may miss a denied combination, never invent one. Where the trace also
// recorded which values of two arguments went together (socket's domain
// and type: trace.Syscall.Pairs), those values are judged in their pairs
// instead (checkPairs), each pair as one call. conditioned says whether the
// answer may depend on an argument index. A value or pair the profile
// denies makes the entry not covered (ReasonArgument).
func checkArgs(e *Entry, answer func([6]uint64) policy.Verdict, conditioned func(int) bool) {
	if e.Reason != ReasonConditional {
		return
	}
	paired := pairedValues(e, conditioned)
	for _, av := range e.args {
		if av.Index < 0 || av.Index > 5 || !conditioned(av.Index) {
			continue
		}
		for _, v := range av.Values {
			if paired[av.Index][maskedValue(e.Name, av.Index, v)] && !wideInt(e.Name, av.Index, v) {
				continue // judged with the value it went with (checkPairs)
			}
			base := [6]uint64{}
			base[av.Index] = v
			combos := argCombos(base, e.args, func(i int) bool { return i != av.Index && conditioned(i) })
			if ok, denied := anyAllowed(combos, answer); !ok {
				e.addArgDenial(ArgDenial{Index: av.Index, Value: v, Action: denied.Action, Errno: denied.Errno})
			}
		}
	}
	checkPairs(e, answer, conditioned)
	if len(e.ArgDenied) > 0 {
		e.Covered = false
		e.Reason = ReasonArgument
		e.Action, e.Errno = e.ArgDenied[0].Action, e.ArgDenied[0].Errno
	}
}

// pairedValues returns, when e's recorded pairs are to be judged (known,
// on two arguments the answer may depend on; pairs kept before an
// overflow are calls made all the same), the values
// of each of the two arguments that the pairs hold (masked as checkPairs
// evaluates them): those are judged in their pairs, not alone. nil
// otherwise.
func pairedValues(e *Entry, conditioned func(int) bool) map[int]map[uint64]bool {
	p := e.pairs
	if p == nil {
		return nil
	}
	i0, i1 := p.Indexes[0], p.Indexes[1]
	if i0 < 0 || i1 > 5 || i0 == i1 || !conditioned(i0) || !conditioned(i1) {
		return nil
	}
	out := map[int]map[uint64]bool{i0: {}, i1: {}}
	for _, v := range p.Values {
		out[i0][v[0]], out[i1][v[1]] = true, true
	}
	return out
}

// anyAllowed says whether the profile allows one of combos (calls that
// differ in the arguments the recorder did not keep), and otherwise what
// it answers the first.
func anyAllowed(combos [][6]uint64, answer func([6]uint64) policy.Verdict) (bool, policy.Verdict) {
	var denied policy.Verdict
	for i, c := range combos {
		got := answer(c)
		if allowing(got.Action) {
			return true, policy.Verdict{}
		}
		if i == 0 {
			denied = got
		}
	}
	return false, denied
}

// checkPairs judges the recorded pairs of e (trace.Syscall.Pairs: the
// values of two arguments in one call), when every merged trace recorded
// them: each pair is evaluated as one call, both values in place (the
// other conditioned arguments take their recorded values, as in
// checkArgs), and a pair the profile does not allow is denied as a pair
// (narrowing then blames a value of it no allowed call has, alone). When
// the pairs overflowed, the calls made other pairs of the recorded values
// too, which are not known: unless the profile allows every combination
// of those values, the two arguments are unchecked (markUnchecked). Such
// pairs were judged as values alone, and check passed a run whose kept
// pairs the profile denied.
func checkPairs(e *Entry, answer func([6]uint64) policy.Verdict, conditioned func(int) bool) {
	if pairedValues(e, conditioned) == nil {
		return
	}
	p := e.pairs
	i0, i1 := p.Indexes[0], p.Indexes[1]
	for _, pv := range p.Values {
		base := [6]uint64{}
		base[i0], base[i1] = pv[0], pv[1]
		combos := argCombos(base, e.args, func(i int) bool { return i != i0 && i != i1 && conditioned(i) })
		if ok, denied := anyAllowed(combos, answer); !ok {
			e.addArgDenial(ArgDenial{Index: i0, Value: pv[0], Pair: true, PairIndex: i1, PairValue: pv[1], Action: denied.Action, Errno: denied.Errno})
		}
	}
	if !p.Overflow {
		return
	}
	for _, v0 := range valuesOf(e.args, i0) {
		for _, v1 := range valuesOf(e.args, i1) {
			base := [6]uint64{}
			base[i0], base[i1] = v0, v1
			combos := argCombos(base, e.args, func(i int) bool { return i != i0 && i != i1 && conditioned(i) })
			if ok, _ := anyAllowed(combos, answer); !ok {
				e.pairsUnchecked = true
				return
			}
		}
	}
}

// valuesOf returns the recorded values of argument i.
func valuesOf(args []trace.ArgValues, i int) []uint64 {
	var out []uint64
	for _, a := range args {
		if a.Index == i {
			out = append(out, a.Values...)
		}
	}
	return out
}

// ExplainArgs says which argument values the profile does not allow and
// which it does: "socket domain AF_INET (2): profile allows AF_UNIX (1)
// only". When no allow rule tests the argument and denying rules do (a
// profile that allows by default), it says which calls those refuse:
// "socket domain AF_INET (2): profile refuses domain != AF_UNIX (1) and
// type != SOCK_STREAM (1)".
func (e Entry) ExplainArgs(p *policy.Policy) string {
	var parts []string
	// Values refused by the same denying rules are named together:
	// "socket domain AF_INET (2), type SOCK_DGRAM (2): profile refuses ...".
	refusedAt := map[string]int{}
	for _, d := range e.ArgDenied {
		spec := specOf(e.Name, d.Index)
		if p != nil && readsUnmasked(p, e.Name, spec) {
			// The profile's tests read bits the spec's mask drops (clone
			// allowed only for arg0 == SIGCHLD): the value is named
			// whole, not by the risky bits alone, and so are the tests.
			spec.Whole = true
		}
		value := fmt.Sprintf("%s %s", spec.What, spec.ValueName(d.Value))
		if d.Pair {
			// "socket domain AF_UNIX (1), type SOCK_DGRAM (2): profile
			// allows domain AF_UNIX (1) with type SOCK_STREAM (1) only"
			spec2 := specOf(e.Name, d.PairIndex)
			s := fmt.Sprintf("%s %s, %s %s", e.Name, value, spec2.What, spec2.ValueName(d.PairValue))
			with := ""
			if p != nil {
				with = pairAllowedValues(p, e.Arch, e.Name, spec, d.Value, spec2)
			} else {
				with = e.filterPairAllows[d.Value]
			}
			if with != "" {
				who := "profile"
				if p == nil {
					who = "filter"
				}
				s += fmt.Sprintf(": %s allows %s with %s %s", who, value, spec2.What, with)
			} else {
				s += ": not allowed together"
			}
			parts = append(parts, s)
			continue
		}
		s := e.Name + " " + value
		if p != nil {
			if refused := refusedCalls(p, e.Arch, e.Name, d, spec.Whole); refused != "" {
				if i, ok := refusedAt[refused]; ok {
					parts[i] = strings.Replace(parts[i], ": profile refuses ", ", "+value+": profile refuses ", 1)
					continue
				}
				refusedAt[refused] = len(parts)
				s += ": profile refuses " + refused
			} else {
				s += ": profile allows " + AllowedValues(p, e.Arch, e.Name, spec)
			}
		} else if a, ok := e.filterAllows[d.Index]; ok {
			s += ": filter allows " + a
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// readsUnmasked reports whether a rule of p for name tests spec's argument
// on bits outside spec.Mask, where spec names values by their masked bits
// (clone's flags by their namespace bits): an equality with SIGCHLD, a
// mask of its own. Named through the mask, an allowed arg0 == 17 read
// "none of CLONE_NEW...", and so did a recorded 0x1200011 it refuses.
func readsUnmasked(p *policy.Policy, name string, spec reduce.ArgSpec) bool {
	if spec.Int || spec.Mask == ^uint64(0) {
		return false
	}
	for _, r := range p.Rules {
		if !slices.Contains(r.Names, name) {
			continue
		}
		for _, a := range r.Args {
			if int(a.Index) != spec.Index {
				continue
			}
			if a.Op != policy.OpMaskedEqual || a.Value&^spec.Mask != 0 {
				return true
			}
		}
	}
	return false
}

// onABI is a as libseccomp compares it on an ABI of bits-bit arguments:
// on x86 (32) the low words of its values only, so that a rule's
// 0x100000008 is explained as the 8 it allows there.
func onABI(a policy.Arg, bits int) policy.Arg {
	if bits == 32 {
		a.Value &= 0xffffffff
		a.ValueTwo &= 0xffffffff
	}
	return a
}

// specOf is the spec of argument index of name, or a plain one ("argument
// 2") where reduce.ArgSpecs has none.
func specOf(name string, index int) reduce.ArgSpec {
	spec, ok := reduce.FindArgSpec(name, index)
	if !ok {
		spec = reduce.ArgSpec{Syscall: name, Index: index, What: fmt.Sprintf("argument %d", index), Mask: ^uint64(0), Int: true}
	}
	return spec
}

// pairAllowedValues describes the values of spec2's argument that the
// allow rules for name admit together with value v of spec's: the rules
// on both arguments whose test on spec's holds for v. "" when none does
// (rules of another shape).
func pairAllowedValues(p *policy.Policy, arch, name string, spec reduce.ArgSpec, v uint64, spec2 reduce.ArgSpec) string {
	bits := policy.ArgBits(arch)
	var vals []string
	for _, r := range p.Rules {
		if !slices.Contains(r.Names, name) || !allowing(r.Action) || len(r.Args) != 2 {
			continue
		}
		k := slices.IndexFunc(r.Args, func(a policy.Arg) bool { return int(a.Index) == spec.Index })
		k2 := slices.IndexFunc(r.Args, func(a policy.Arg) bool { return int(a.Index) == spec2.Index })
		if k < 0 || k2 < 0 || !r.Args[k].HoldsBits(v, bits) {
			continue
		}
		vals = append(vals, condValue(onABI(r.Args[k2], bits), spec2))
	}
	if len(vals) == 0 {
		return ""
	}
	return listValues(uniq(vals))
}

// condValue names the values an allow rule's test admits: "AF_UNIX (1)",
// "values with &0xff == 0x1".
func condValue(a policy.Arg, spec reduce.ArgSpec) string {
	switch {
	case a.Op == policy.OpEqualTo:
		return spec.ValueName(a.Value)
	case a.Op == policy.OpMaskedEqual && a.Value == spec.Mask:
		return spec.ValueName(a.ValueTwo)
	case a.Op == policy.OpMaskedEqual:
		return fmt.Sprintf("values with &%#x == %#x", a.Value, a.ValueTwo&a.Value)
	}
	return fmt.Sprintf("%s %#x", strings.TrimPrefix(string(a.Op), "SCMP_CMP_"), a.Value)
}

// refusedCalls describes, when no allow rule tests d's argument, the
// denying rules whose test on it holds for d's value, each as the
// conjunction of its tests, joined by "; or": the
// calls they refuse. "" when allow rules test the argument or no denying
// rule's test holds.
func refusedCalls(p *policy.Policy, arch, name string, d ArgDenial, whole bool) string {
	bits := policy.ArgBits(arch)
	for _, r := range p.Rules {
		if !slices.Contains(r.Names, name) || !allowing(r.Action) {
			continue
		}
		for _, a := range r.Args {
			if int(a.Index) == d.Index {
				return ""
			}
		}
	}
	var out []string
	for _, r := range refusing(p, arch, name, d.Index, &d.Value) {
		var conds []string
		for _, a := range r.Args {
			if int(a.Index) == d.Index && !a.HoldsBits(d.Value, bits) {
				continue // another test on it (OR): not the one that holds
			}
			conds = append(conds, condText(name, onABI(a, bits), whole && int(a.Index) == d.Index))
		}
		out = append(out, strings.Join(conds, " and "))
	}
	return strings.Join(uniq(out), "; or ")
}

// condText renders one argument test: "domain != AF_UNIX (1)",
// "flags &0x10 == 0x10".
func condText(name string, a policy.Arg, whole bool) string {
	spec := specOf(name, int(a.Index))
	spec.Whole = whole
	op := map[policy.Op]string{policy.OpNotEqual: "!=", policy.OpLessThan: "<", policy.OpLessEqual: "<=",
		policy.OpEqualTo: "==", policy.OpGreaterEqual: ">=", policy.OpGreaterThan: ">"}[a.Op]
	switch {
	case a.Op == policy.OpMaskedEqual:
		return fmt.Sprintf("%s &%#x == %#x", spec.What, a.Value, a.ValueTwo&a.Value)
	case op == "":
		return fmt.Sprintf("%s %s %#x", spec.What, a.Op, a.Value)
	case a.Op == policy.OpEqualTo || a.Op == policy.OpNotEqual:
		return fmt.Sprintf("%s %s %s", spec.What, op, spec.ValueName(a.Value))
	}
	return fmt.Sprintf("%s %s %#x", spec.What, op, a.Value)
}

// AllowedValues describes the values of spec's argument that the allow
// rules for name admit: "AF_UNIX (1) only", "AF_UNIX (1), AF_INET (2)",
// "none" (no allow rule conditions it).
func AllowedValues(p *policy.Policy, arch, name string, spec reduce.ArgSpec) string {
	bits := policy.ArgBits(arch)
	var vals []string
	for _, r := range p.Rules {
		if !slices.Contains(r.Names, name) || !allowing(r.Action) {
			continue
		}
		// A rule on one argument, or on this and another (socket's domain
		// and type): this argument's test.
		k := slices.IndexFunc(r.Args, func(a policy.Arg) bool { return int(a.Index) == spec.Index })
		if k < 0 || len(r.Args) > 2 || (len(r.Args) == 2 && r.Args[0].Index == r.Args[1].Index) {
			continue
		}
		vals = append(vals, condValue(onABI(r.Args[k], bits), spec))
	}
	return listValues(uniq(vals)) // the rules of a pair repeat each value
}

// listValues renders value names: "AF_UNIX (1) only", "AF_UNIX (1),
// AF_INET (2)", "no value".
func listValues(vals []string) string {
	switch len(vals) {
	case 0:
		return "no value"
	case 1:
		if strings.HasPrefix(vals[0], "none of ") {
			return vals[0]
		}
		return vals[0] + " only"
	}
	if len(vals) > 8 {
		vals = append(vals[:8], fmt.Sprintf("and %d more", len(vals)-8))
	}
	return strings.Join(vals, ", ")
}

// uniq drops repeated strings, keeping the first of each.
func uniq(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// recordedCombos returns the argument vectors made of e's recorded values
// of restricted arguments, every combination (at most 4096), the others 0.
func recordedCombos(e *Entry) [][6]uint64 {
	return argCombos([6]uint64{}, e.args, func(i int) bool {
		spec, ok := reduce.FindArgSpec(e.Name, i)
		return ok && spec.Restrict
	})
}

// argCombos returns base with the recorded values of each argument use
// picks put in, every combination, in args' order; an argument that would
// make more than 4096 combinations is left as in base.
func argCombos(base [6]uint64, args []trace.ArgValues, use func(int) bool) [][6]uint64 {
	combos := [][6]uint64{base}
	for _, av := range args {
		if av.Index < 0 || av.Index > 5 || !use(av.Index) || len(av.Values) == 0 || len(combos)*len(av.Values) > 4096 {
			continue
		}
		next := make([][6]uint64, 0, len(combos)*len(av.Values))
		for _, c := range combos {
			for _, v := range av.Values {
				c[av.Index] = v
				next = append(next, c)
			}
		}
		combos = next
	}
	return combos
}
