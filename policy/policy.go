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
// covers. Rules with argument conditions make the verdict Conditional.
// Callers check arch coverage with Covers.
func (p *Policy) Lookup(name string) Verdict {
	v := Verdict{Action: p.DefaultAction}
	if p.DefaultErrno != nil {
		v.Errno = *p.DefaultErrno
	} else if p.DefaultAction == ActErrno {
		v.Errno = EPERM
	}
	for _, r := range p.Rules {
		if !contains(r.Names, name) {
			continue
		}
		if len(r.Args) > 0 {
			v.Conditional = true
			continue
		}
		v.Action = r.Action
		v.Errno = EPERM
		if r.Errno != nil {
			v.Errno = *r.Errno
		}
		return v
	}
	return v
}

// Eval returns the verdict for one call of name with argument values args:
// the first rule naming the syscall whose argument conditions all hold (a
// rule without conditions always holds), else the default action. It is
// Lookup with the arguments known: where Lookup is not Conditional the two
// agree. An empty name (a number libseccomp cannot name) gets the default
// action. Callers check arch coverage with Covers.
func (p *Policy) Eval(name string, args [6]uint64) Verdict {
	v := Verdict{Action: p.DefaultAction}
	if p.DefaultErrno != nil {
		v.Errno = *p.DefaultErrno
	} else if p.DefaultAction == ActErrno {
		v.Errno = EPERM
	}
	if name == "" {
		return v
	}
	for _, r := range p.Rules {
		if !contains(r.Names, name) || !argsHold(r.Args, args) {
			continue
		}
		v = Verdict{Action: r.Action, Errno: EPERM}
		if r.Errno != nil {
			v.Errno = *r.Errno
		}
		return v
	}
	return v
}

// Holds reports whether the argument value v satisfies the condition.
func (a Arg) Holds(v uint64) bool {
	switch a.Op {
	case OpNotEqual:
		return v != a.Value
	case OpLessThan:
		return v < a.Value
	case OpLessEqual:
		return v <= a.Value
	case OpEqualTo:
		return v == a.Value
	case OpGreaterEqual:
		return v >= a.Value
	case OpGreaterThan:
		return v > a.Value
	case OpMaskedEqual:
		return v&a.Value == a.ValueTwo
	}
	return false
}

// argsHold reports whether every condition holds (AND); a condition on an
// argument index beyond the six a syscall has never holds.
func argsHold(conds []Arg, args [6]uint64) bool {
	for _, c := range conds {
		if c.Index >= uint(len(args)) || !c.Holds(args[c.Index]) {
			return false
		}
	}
	return true
}

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
		}
	}
	return nil
}

// Canonicalize sorts names inside rules, merges rules that differ only in
// names, and sorts rules so that the same policy always emits the same bytes.
// Rules with argument conditions keep their relative order.
func (p *Policy) Canonicalize() {
	type key struct {
		action  Action
		errno   string
		comment string
	}
	merged := map[key]*Rule{}
	var order []key
	var conditional []Rule
	for _, r := range p.Rules {
		if len(r.Args) > 0 {
			r.Names = dedupSorted(r.Names)
			conditional = append(conditional, r)
			continue
		}
		e := ""
		if r.Errno != nil {
			e = fmt.Sprint(*r.Errno)
		}
		k := key{r.Action, e, r.Comment}
		if m, ok := merged[k]; ok {
			m.Names = append(m.Names, r.Names...)
			continue
		}
		rc := r
		rc.Names = append([]string(nil), r.Names...)
		merged[k] = &rc
		order = append(order, k)
	}
	var rules []Rule
	for _, k := range order {
		r := merged[k]
		r.Names = dedupSorted(r.Names)
		rules = append(rules, *r)
	}
	sort.SliceStable(rules, func(i, j int) bool {
		a, b := rules[i], rules[j]
		if a.Action != b.Action {
			return actionRank(a.Action) < actionRank(b.Action)
		}
		if a.Comment != b.Comment {
			return a.Comment < b.Comment
		}
		return a.Names[0] < b.Names[0]
	})
	p.Rules = append(rules, conditional...)
	p.Flags = dedupSorted(p.Flags)
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
