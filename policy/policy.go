package policy

import (
	"fmt"
	"sort"
	"strings"
)

// Action is a seccomp action, spelled as in Docker and OCI profiles.
type Action string

// The actions libseccomp and the runtimes know.
const (
	ActAllow       Action = "SCMP_ACT_ALLOW"
	ActErrno       Action = "SCMP_ACT_ERRNO"
	ActKill        Action = "SCMP_ACT_KILL" // kills the thread
	ActKillThread  Action = "SCMP_ACT_KILL_THREAD"
	ActKillProcess Action = "SCMP_ACT_KILL_PROCESS"
	ActTrap        Action = "SCMP_ACT_TRAP"
	ActLog         Action = "SCMP_ACT_LOG"
	ActTrace       Action = "SCMP_ACT_TRACE"
	ActNotify      Action = "SCMP_ACT_NOTIFY"
)

// Actions lists every known action.
var Actions = []Action{ActAllow, ActErrno, ActKill, ActKillThread, ActKillProcess, ActTrap, ActLog, ActTrace, ActNotify}

// Valid reports whether a is a known action.
func (a Action) Valid() bool {
	for _, k := range Actions {
		if a == k {
			return true
		}
	}
	return false
}

// Errno values seccomp-gen uses on purpose.
const (
	EPERM  = 1
	ENOSYS = 38
)

// Op compares a syscall argument, as in Docker and OCI profiles.
type Op string

// The comparison operators of libseccomp.
const (
	OpNotEqual     Op = "SCMP_CMP_NE"
	OpLessThan     Op = "SCMP_CMP_LT"
	OpLessEqual    Op = "SCMP_CMP_LE"
	OpEqualTo      Op = "SCMP_CMP_EQ"
	OpGreaterEqual Op = "SCMP_CMP_GE"
	OpGreaterThan  Op = "SCMP_CMP_GT"
	OpMaskedEqual  Op = "SCMP_CMP_MASKED_EQ"
)

// Arg is one argument condition. Conditions of a rule are AND-ed.
type Arg struct {
	Index    uint   `json:"index"`
	Value    uint64 `json:"value"`
	ValueTwo uint64 `json:"valueTwo,omitempty"`
	Op       Op     `json:"op"`
}

// Rule gives Action to the named syscalls (when Args, if any, all match).
type Rule struct {
	Names  []string
	Action Action
	// Errno is the return value for ActErrno (and ActTrace's message); nil
	// means the kernel default (EPERM).
	Errno *uint
	Args  []Arg
	// Comment says why the rule is there (which trace, which baseline).
	Comment string
}

// Policy is a whole seccomp profile.
type Policy struct {
	// DefaultAction applies to every syscall no rule names.
	DefaultAction Action
	// DefaultErrno is the errno of an ActErrno default action.
	DefaultErrno *uint
	// Arches are the trace arch names (x86_64, x86, x32, aarch64, arm) the
	// profile covers; every other ABI is denied. The first is the native one.
	Arches []string
	// Flags are seccomp filter flags (SECCOMP_FILTER_FLAG_*).
	Flags []string
	Rules []Rule
}

// Errno returns a pointer to e, for Rule.Errno and Policy.DefaultErrno.
func Errno(e uint) *uint { return &e }

// Verdict is what a policy answers for one syscall.
type Verdict struct {
	Action Action
	Errno  uint // for ActErrno
	// Conditional is true when the answer depends on argument values; Action
	// is then the answer when no argument condition matches.
	Conditional bool
}

// Lookup returns the verdict for a syscall name on an arch the policy
// covers, as runc and crun apply the rules (see doc.go): the first
// unconditional rule naming the syscall decides; without one, a syscall
// named by conditional rules gets a Conditional verdict whose Action is the
// default action (the answer when no condition holds). Rules whose action
// equals the default action change nothing and are skipped, as the
// runtimes do. Comparisons are 64-bit (see LookupArch for 32-bit ABIs).
// Callers check arch coverage with Covers.
func (p *Policy) Lookup(name string) Verdict { return p.LookupArch("", name) }

// Eval returns the verdict for one call of name with argument values args,
// as runc and crun apply the rules (see doc.go): the first unconditional
// rule naming the syscall decides; without one, a conditional rule whose
// conditions all hold (several conditions on one argument index are OR-ed:
// the runtimes add each as a rule of its own), else the default action.
// Where Lookup is not Conditional the two agree. An empty name (a number
// libseccomp cannot name) gets the default action (see Runtimes for runc's
// ENOSYS stub). Comparisons are 64-bit; EvalArch handles 32-bit ABIs. For
// a policy Check refuses, the answer is not what the runtimes give.
// Callers check arch coverage with Covers.
func (p *Policy) Eval(name string, args [6]uint64) Verdict { return p.EvalArch("", name, args) }

// Holds reports whether the 64-bit argument value v satisfies the
// condition, as libseccomp compares it (a masked comparison masks both
// sides: v&Value == ValueTwo&Value).
func (a Arg) Holds(v uint64) bool { return a.holdsBits(v, 64) }

// HoldsBits is Holds on an ABI whose comparisons are bits wide (ArgBits):
// on 32-bit ABIs libseccomp compares the low words only.
func (a Arg) HoldsBits(v uint64, bits int) bool { return a.holdsBits(v, bits) }

// Allows reports whether name is allowed unconditionally (ActAllow, or
// ActLog which lets the syscall run).
func (p *Policy) Allows(name string) bool {
	v := p.Lookup(name)
	return !v.Conditional && (v.Action == ActAllow || v.Action == ActLog)
}

// Covers reports whether the policy lists arch.
func (p *Policy) Covers(arch string) bool { return contains(p.Arches, arch) }

// AllowedNames returns the sorted names that some rule allows without
// conditions.
func (p *Policy) AllowedNames() []string {
	set := map[string]bool{}
	for _, r := range p.Rules {
		for _, n := range r.Names {
			if p.Allows(n) {
				set[n] = true
			}
		}
	}
	return sortedKeys(set)
}

// Validate checks the policy for contradictions a runtime would reject.
func (p *Policy) Validate() error {
	if err := p.validateFields(); err != nil {
		return err
	}
	return p.Check()
}

// ValidateRules is Validate without the FilterVerifier (CheckRules): what
// Validate returns unless the verifier refuses the compiled filter.
func (p *Policy) ValidateRules() error {
	if err := p.validateFields(); err != nil {
		return err
	}
	return p.CheckRules()
}

func (p *Policy) validateFields() error {
	if !p.DefaultAction.Valid() {
		return fmt.Errorf("default action %q: unknown (known: %s)", p.DefaultAction, actionList())
	}
	if len(p.Arches) == 0 {
		return fmt.Errorf("no architectures: a profile must list the ABIs it covers")
	}
	for i, r := range p.Rules {
		if !r.Action.Valid() {
			return fmt.Errorf("rule %d (%s): unknown action %q (known: %s)", i, strings.Join(r.Names, ","), r.Action, actionList())
		}
		if len(r.Names) == 0 {
			return fmt.Errorf("rule %d: no syscall names", i)
		}
		for _, a := range r.Args {
			if a.Index > 5 {
				return fmt.Errorf("rule %d (%s): argument index %d out of range 0..5", i, strings.Join(r.Names, ","), a.Index)
			}
			if _, ok := opNames[a.Op]; !ok {
				return fmt.Errorf("rule %d (%s): argument %d: unknown op %q", i, strings.Join(r.Names, ","), a.Index, a.Op)
			}
		}
	}
	return nil
}

// Canonicalize rewrites the rules into a canonical order so that the same
// policy always emits the same bytes, without changing what any syscall
// gets under runc or crun (Eval, Runtimes and Check give the same answers
// before and after; a property test checks it). It only
//
//   - sorts and de-duplicates the names inside a rule;
//   - drops a name from a rule when an earlier rule decides that syscall
//     unconditionally (libseccomp ignores every later rule for it; the name
//     stays listed, so runc's ENOSYS stub does not move);
//   - merges two rules with the same action, errno, conditions and comment
//     when no rule between them names one of the later rule's syscalls;
//   - reorders rules only by swapping neighbours that share no syscall
//     name: unconditional before conditional, then by action, comment and
//     first name (conditional rules keep their relative order).
//
// A policy the rule checks refuse (Check without compiling: CheckRules,
// or Check itself when no FilterVerifier is installed) is left as it is,
// so that Validate still refuses it and its error numbers the rules as
// the file does. The FilterVerifier is not run here: what Validate checks
// afterwards is the canonical policy, the one that is written and loaded
// (verifying the input as well compiled every filter twice). A caller
// that wants the verifier's errors numbered as the file numbers its rules
// validates before canonicalising (emit's reader does).
func (p *Policy) Canonicalize() {
	if p.checkNoCompile() != nil {
		return
	}
	rules := make([]Rule, 0, len(p.Rules))
	for _, r := range p.Rules {
		r.Names = dedupSorted(r.Names)
		rules = append(rules, r)
	}
	rules = dropShadowed(rules, p.defaultKey())
	for {
		n := len(rules)
		rules = mergeRules(topoSort(rules))
		if len(rules) == n {
			break
		}
	}
	p.Rules = rules
	p.Flags = dedupSorted(p.Flags)
}

// dropShadowed removes names that an earlier unconditional rule (one the
// runtimes do not skip) already decides, and rules left without names.
func dropShadowed(rules []Rule, def libKey) []Rule {
	decided := map[string]bool{}
	out := rules[:0]
	for _, r := range rules {
		var keep []string
		for _, n := range r.Names {
			if !decided[n] {
				keep = append(keep, n)
			}
		}
		if len(keep) == 0 && len(r.Names) > 0 {
			continue
		}
		r.Names = keep
		if len(r.Args) == 0 && keyOf(r.Action, r.Errno) != def {
			for _, n := range keep {
				decided[n] = true
			}
		}
		out = append(out, r)
	}
	return out
}

func sharesName(a, b Rule) bool {
	for _, n := range a.Names {
		if contains(b.Names, n) {
			return true
		}
	}
	return false
}

func sameRule(a, b Rule) bool {
	if a.Action != b.Action || a.Comment != b.Comment || (a.Errno == nil) != (b.Errno == nil) ||
		(a.Errno != nil && *a.Errno != *b.Errno) || len(a.Args) != len(b.Args) {
		return false
	}
	for i := range a.Args {
		if a.Args[i] != b.Args[i] {
			return false
		}
	}
	return true
}

// mergeRules merges each rule into the first earlier rule it can join
// (same action, errno, conditions and comment, and no rule in between
// naming one of its syscalls).
func mergeRules(rules []Rule) []Rule {
	var out []Rule
	last := map[string]int{} // name -> index in out of the last rule naming it
	for _, r := range rules {
		from := 0
		for _, n := range r.Names {
			if i, ok := last[n]; ok && i+1 > from {
				from = i + 1
			}
		}
		// The rule at from-1 names one of r's syscalls: r may join it (a
		// name twice in one rule means nothing more), not anything before.
		if from > 0 {
			from--
		}
		at := -1
		for i := from; i < len(out); i++ {
			if sameRule(out[i], r) {
				at = i
				break
			}
		}
		if at < 0 {
			out = append(out, r)
			at = len(out) - 1
		} else {
			out[at].Names = dedupSorted(append(append([]string(nil), out[at].Names...), r.Names...))
		}
		for _, n := range r.Names {
			if last[n] < at || !hasKey(last, n) {
				last[n] = at
			}
		}
	}
	return out
}

func hasKey(m map[string]int, k string) bool {
	_, ok := m[k]
	return ok
}

// topoSort orders rules by ruleLess among the orders that keep every pair
// of rules sharing a name in file order (Kahn's algorithm, smallest ready
// rule first): the result is the same for any two inputs that differ only
// by swaps of neighbours without a common name. Edges join consecutive
// rules naming a syscall; their transitive closure orders all of them.
func topoSort(rules []Rule) []Rule {
	n := len(rules)
	indeg := make([]int, n)
	succ := make([][]int, n)
	prev := map[string]int{}
	for j, r := range rules {
		seen := map[int]bool{}
		for _, name := range r.Names {
			if i, ok := prev[name]; ok && !seen[i] {
				seen[i] = true
				succ[i] = append(succ[i], j)
				indeg[j]++
			}
			prev[name] = j
		}
	}
	done := make([]bool, n)
	out := make([]Rule, 0, n)
	for len(out) < n {
		best := -1
		for i := 0; i < n; i++ {
			if !done[i] && indeg[i] == 0 && (best < 0 || ruleLess(rules[i], rules[best])) {
				best = i
			}
		}
		done[best] = true
		out = append(out, rules[best])
		for _, j := range succ[best] {
			indeg[j]--
		}
	}
	return out
}

// ruleLess is the canonical order of independent rules: unconditional
// ones first, by action, comment and first name; conditional ones keep
// their order (ruleLess is false between them, and topoSort picks the
// earliest of equals).
func ruleLess(a, b Rule) bool {
	ac, bc := len(a.Args) > 0, len(b.Args) > 0
	if ac != bc {
		return !ac
	}
	if ac {
		return false
	}
	if a.Action != b.Action {
		return actionRank(a.Action) < actionRank(b.Action)
	}
	if ea, eb := keyOf(a.Action, a.Errno).errno, keyOf(b.Action, b.Errno).errno; ea != eb {
		return ea < eb
	}
	if a.Comment != b.Comment {
		return a.Comment < b.Comment
	}
	return first(a.Names) < first(b.Names)
}

func first(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

func actionRank(a Action) int {
	for i, k := range Actions {
		if a == k {
			return i
		}
	}
	return len(Actions)
}

func actionList() string {
	s := make([]string, len(Actions))
	for i, a := range Actions {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func dedupSorted(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	set := map[string]bool{}
	for _, s := range in {
		set[s] = true
	}
	return sortedKeys(set)
}

func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
