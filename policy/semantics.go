package policy

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/seccomp-gen/seccomp-gen/abi"
)

// This file is the one definition of what a profile means: what runc 1.1.5
// and crun 1.8.1 (both through libseccomp 2.5.4) make of its rules. The
// measured table is in doc.go; the runtime oracle test is
// internal/runtimetest/semantics_test.go and the differential fuzz target
// against libseccomp is emit/cbpf's FuzzSemantics.

// ErrAmbiguous is wrapped by every *AmbiguousError: runc and crun would
// not apply the profile the same way, or libseccomp would not apply it in
// the order the file gives. Test for it with errors.Is.
var ErrAmbiguous = errors.New("profile means different things to runc and crun")

// ErrFilterTooLarge is wrapped by the errors that say a profile's filter
// has more instructions than the kernel loads (4096): its rules must shrink.
var ErrFilterTooLarge = errors.New("filter longer than the kernel accepts")

// AmbiguousError names the rules of a profile that runc and crun read
// differently (or refuse), and says why.
type AmbiguousError struct {
	// Syscall is the syscall the rules disagree on; "" when the reason is
	// not about one syscall.
	Syscall string
	// Rules are indexes into Policy.Rules (file order), ascending.
	Rules []int
	// Where, when set, names Rules[i] as the file does (Where[i]:
	// "syscalls[30]"), for a policy whose rules are not the file's entries
	// one for one (conditional entries left out for the capabilities,
	// unknown names dropped); the message then names those.
	Where []string
	// Reason says what the runtimes do with them.
	Reason string
	// Miscompiled: the filter libseccomp builds for the rules was seen to
	// answer a call otherwise than the rules say (FilterVerifier), rather
	// than the rules being read differently by the runtimes.
	Miscompiled bool
	// Cause is the error behind Reason, when there is one (libseccomp's
	// or the filter check's: ErrFilterTooLarge).
	Cause error
}

func (e *AmbiguousError) Error() string {
	var b strings.Builder
	switch {
	case len(e.Where) > 0 && len(e.Where) == len(e.Rules):
		b.WriteString(whereRuns(e.Where))
	case len(e.Rules) == 0:
		b.WriteString("profile")
	case len(e.Rules) == 1:
		fmt.Fprintf(&b, "rule %d", e.Rules[0])
	default:
		// Runs of three or more: "rules 43 to 105".
		var s []string
		for i := 0; i < len(e.Rules); {
			j := i
			for j+1 < len(e.Rules) && e.Rules[j+1] == e.Rules[j]+1 {
				j++
			}
			if j-i >= 2 {
				s = append(s, fmt.Sprintf("%d to %d", e.Rules[i], e.Rules[j]))
				i = j + 1
				continue
			}
			s = append(s, fmt.Sprint(e.Rules[i]))
			i++
		}
		fmt.Fprintf(&b, "rules %s", strings.Join(s, " and "))
	}
	if e.Syscall != "" {
		fmt.Fprintf(&b, " (%s)", e.Syscall)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// whereRuns names file entries ("syscalls[30]"), runs of three or more
// consecutive ones of one list as "syscalls[30] to syscalls[33]".
func whereRuns(where []string) string {
	split := func(w string) (string, int, bool) {
		i := strings.LastIndexByte(w, '[')
		if i < 0 || !strings.HasSuffix(w, "]") {
			return w, 0, false
		}
		n, err := strconv.Atoi(w[i+1 : len(w)-1])
		return w[:i], n, err == nil
	}
	var s []string
	for i := 0; i < len(where); {
		j := i
		pi, ni, ok := split(where[i])
		for ok && j+1 < len(where) {
			pj, nj, okj := split(where[j+1])
			if !okj || pj != pi || nj != ni+(j+1-i) {
				break
			}
			j++
		}
		if j-i >= 2 {
			s = append(s, where[i]+" to "+where[j])
			i = j + 1
			continue
		}
		s = append(s, where[i])
		i++
	}
	return strings.Join(s, " and ")
}

// Unwrap makes errors.Is(err, ErrAmbiguous) hold, and errors.Is with
// Cause's errors.
func (e *AmbiguousError) Unwrap() []error {
	if e.Cause != nil {
		return []error{ErrAmbiguous, e.Cause}
	}
	return []error{ErrAmbiguous}
}

// MaxErrno is the highest errno libseccomp 2.5.4 accepts for
// SCMP_ACT_ERRNO (it refuses MAX_ERRNO, 4095, and above).
const MaxErrno = 4094

// MaxConditions is the most argument conditions a rule may have: crun uses
// only the first six, runc all of them.
const MaxConditions = 6

// ArgBits returns the width of argument comparisons libseccomp generates
// for an ABI: 32 for its 32-bit arches (x86, x32, arm: only the low words
// of the value and the argument are compared), 64 otherwise (also for "").
func ArgBits(arch string) int {
	switch arch {
	case "i386", "i686":
		return 32
	}
	return abi.CmpBits(arch)
}

// libKey is an action as libseccomp sees it: runc and crun skip a rule
// whose key equals the default action's.
type libKey struct {
	action Action
	errno  uint
}

func keyOf(a Action, errno *uint) libKey {
	switch a {
	case ActKill:
		a = ActKillThread
	case ActErrno, ActTrace:
		e := uint(EPERM)
		if errno != nil {
			e = *errno
		}
		return libKey{a, e}
	}
	return libKey{a, 0}
}

func (p *Policy) defaultKey() libKey { return keyOf(p.DefaultAction, p.DefaultErrno) }

// EqualsDefault reports whether r's action and errno are the default
// action's: runc and crun add no filter rule for it (runc still counts its
// names in HighestNamed).
func (p *Policy) EqualsDefault(r Rule) bool { return keyOf(r.Action, r.Errno) == p.defaultKey() }

// libRule is one rule as libseccomp receives it for one syscall name.
type libRule struct {
	index int // in Policy.Rules
	key   libKey
	v     Verdict
	conds []Arg // without no-op conditions; none: unconditional
}

func ruleVerdict(r Rule) Verdict {
	v := Verdict{Action: r.Action, Errno: EPERM}
	if r.Errno != nil {
		v.Errno = *r.Errno
	}
	return v
}

func (p *Policy) defaultVerdict() Verdict {
	v := Verdict{Action: p.DefaultAction}
	if p.DefaultErrno != nil {
		v.Errno = *p.DefaultErrno
	} else if p.DefaultAction == ActErrno || p.DefaultAction == ActTrace {
		v.Errno = EPERM // what runc and crun pass to libseccomp
	}
	return v
}

// SameIndexTwice reports whether two conditions of args name the same
// argument index: runc and crun then add every condition as a rule of its
// own, so the conditions are OR-ed instead of AND-ed.
func SameIndexTwice(args []Arg) bool {
	seen := map[uint]bool{}
	for _, a := range args {
		if seen[a.Index] {
			return true
		}
		seen[a.Index] = true
	}
	return false
}

// noop reports whether libseccomp drops the condition as always true: a
// masked comparison whose mask (its low word on 32-bit arches) is zero.
func (a Arg) noop(bits int) bool {
	if a.Op != OpMaskedEqual {
		return false
	}
	if bits == 32 {
		return uint32(a.Value) == 0
	}
	return a.Value == 0
}

// libRules returns the rules libseccomp receives for name, in the order
// runc and crun add them: file order, rules whose action equals the default
// action skipped, rules with two conditions on one argument split into one
// rule per condition, no-op conditions dropped. With mux (the x86 ABI),
// the multiplexers socketcall and ipc also receive the rules of the socket
// and ipc calls (see muxCalls).
func (p *Policy) libRules(name string, bits int, mux bool) []libRule {
	var idx []int
	for i, r := range p.Rules {
		if contains(r.Names, name) || (mux && muxesInto(r.Names, name)) {
			idx = append(idx, i)
		}
	}
	return p.libRulesAt(name, idx, bits, mux)
}

// libRulesFor is libRules for name on the ABI arch.
func (p *Policy) libRulesFor(arch, name string) []libRule {
	return p.libRules(name, ArgBits(arch), IsX86(arch))
}

// libRulesDirect is libRulesAt for a name that is no multiplexer (not
// socketcall or ipc), given occ: the index of each rule that names it,
// once per time the rule names it, ascending. It does not read the rules'
// names: a rule may name 300 syscalls, and libRulesAt's pass over them for
// each of those syscalls made a profile's checks quadratic in its size.
func (p *Policy) libRulesDirect(occ []int, bits int) []libRule {
	def := p.defaultKey()
	var out []libRule
	for _, i := range occ {
		r := p.Rules[i]
		k := keyOf(r.Action, r.Errno)
		if k == def {
			continue
		}
		v := ruleVerdict(r)
		for _, g := range splitRule(r.Args) {
			var conds []Arg
			for _, a := range g {
				if !a.noop(bits) {
					conds = append(conds, a)
				}
			}
			out = append(out, libRule{index: i, key: k, v: v, conds: conds})
		}
	}
	return out
}

// splitRule returns the condition lists of the rules runc and crun add
// for one rule with conditions args: one rule per condition when two are
// on one argument (SameIndexTwice), else the rule as it is.
func splitRule(args []Arg) [][]Arg {
	if !SameIndexTwice(args) {
		return [][]Arg{args}
	}
	groups := make([][]Arg, 0, len(args))
	for _, a := range args {
		groups = append(groups, []Arg{a})
	}
	return groups
}

// isMux reports whether name is a multiplexer (socketcall, ipc): on x86 it
// also receives the rules of the calls it multiplexes (muxCalls).
func isMux(name string) bool { return name == "socketcall" || name == "ipc" }

// occurrences maps each name p's rules name to the rules naming it, once
// per time each names it, ascending (libRulesDirect's occ).
func (p *Policy) occurrences() map[string][]int {
	occ := map[string][]int{}
	for i, r := range p.Rules {
		for _, n := range r.Names {
			occ[n] = append(occ[n], i)
		}
	}
	return occ
}

// View answers as its Policy does, with the rules looked up by syscall
// name once, for callers that ask about every syscall of a large profile
// (the filter check asks about each on each ABI). It is valid while the
// Policy is not modified; it is safe for concurrent use.
type View struct {
	p   *Policy
	occ map[string][]int
}

// View returns a View of p. Modifying p afterwards makes it stale.
func (p *Policy) View() *View { return &View{p: p, occ: p.occurrences()} }

// libRulesFor is Policy.libRulesFor.
func (v *View) libRulesFor(arch, name string) []libRule {
	bits, mux := ArgBits(arch), IsX86(arch)
	if mux && isMux(name) {
		return v.p.libRules(name, bits, mux)
	}
	return v.p.libRulesDirect(v.occ[name], bits)
}

// RuleConditions is Policy.RuleConditions.
func (v *View) RuleConditions(arch, name string) [][]Arg {
	return conditionsOf(v.libRulesFor(arch, name))
}

// EvalFunc is Policy.EvalFunc.
func (v *View) EvalFunc(arch, name string) func(args [6]uint64) Verdict {
	return evalFunc(v.libRulesFor(arch, name), ArgBits(arch), v.p.defaultVerdict())
}

// IsX86 reports whether arch names 32-bit x86 (x86, i386, i686): the ABI
// where libseccomp multiplexes socket and ipc calls (MuxCall).
func IsX86(arch string) bool { return arch == abi.X86 || arch == "i386" || arch == "i686" }

// muxCalls are the calls libseccomp 2.5.4 multiplexes on x86 (src/syscalls.c,
// abi_rule_add): a rule for one of them is added twice, for the direct
// syscall and for the multiplexer (socketcall or ipc) with its argument 0
// replaced by "== call number"; the rule's other conditions stay, now on the
// multiplexer's arguments (socketcall's argument 1 is a pointer to the
// call's arguments, so a condition on socket's type compares a pointer).
var muxCalls = map[string]struct {
	mux  string
	call uint64
}{
	"socket": {"socketcall", 1}, "bind": {"socketcall", 2}, "connect": {"socketcall", 3}, "listen": {"socketcall", 4},
	"accept": {"socketcall", 5}, "getsockname": {"socketcall", 6}, "getpeername": {"socketcall", 7},
	"socketpair": {"socketcall", 8}, "send": {"socketcall", 9}, "recv": {"socketcall", 10}, "sendto": {"socketcall", 11},
	"recvfrom": {"socketcall", 12}, "shutdown": {"socketcall", 13}, "setsockopt": {"socketcall", 14},
	"getsockopt": {"socketcall", 15}, "sendmsg": {"socketcall", 16}, "recvmsg": {"socketcall", 17},
	"accept4": {"socketcall", 18}, "recvmmsg": {"socketcall", 19}, "sendmmsg": {"socketcall", 20},
	"semop": {"ipc", 1}, "semget": {"ipc", 2}, "semctl": {"ipc", 3}, "semtimedop": {"ipc", 4},
	"msgsnd": {"ipc", 11}, "msgrcv": {"ipc", 12}, "msgget": {"ipc", 13}, "msgctl": {"ipc", 14},
	"shmat": {"ipc", 21}, "shmdt": {"ipc", 22}, "shmget": {"ipc", 23}, "shmctl": {"ipc", 24},
}

// MuxCall returns the multiplexer (socketcall, ipc) and call number of
// name on x86, where libseccomp applies name's rules to the multiplexer too.
func MuxCall(name string) (mux string, call uint64, ok bool) {
	m, ok := muxCalls[name]
	return m.mux, m.call, ok
}

// MuxedCall returns the syscall that call number call of the multiplexer
// mux (socketcall, ipc) stands for on x86; MuxCall's inverse.
func MuxedCall(mux string, call uint64) (string, bool) {
	for name, m := range muxCalls {
		if m.mux == mux && m.call == call {
			return name, true
		}
	}
	return "", false
}

// Multiplexed reports whether libseccomp applies a rule for name on arch
// through a multiplexer (x86's socketcall and ipc). For send and recv,
// which x86 has only that way and x86_64 not at all, this is the only place
// a rule for them acts: runc and crun keep such names.
func Multiplexed(arch, name string) bool {
	_, ok := muxCalls[name]
	return ok && IsX86(arch)
}

func muxesInto(names []string, mux string) bool {
	for _, n := range names {
		if m, ok := muxCalls[n]; ok && m.mux == mux {
			return true
		}
	}
	return false
}

// libRulesAt is libRules for the rules at idx (ascending), which name the
// syscall (or, with mux, one it multiplexes).
func (p *Policy) libRulesAt(name string, idx []int, bits int, mux bool) []libRule {
	def := p.defaultKey()
	var out []libRule
	for _, i := range idx {
		r := p.Rules[i]
		k := keyOf(r.Action, r.Errno)
		if k == def {
			continue
		}
		v := ruleVerdict(r)
		groups := splitRule(r.Args)
		// One pass per name of the rule that lands on name, in the
		// rule's order (runc adds one name after the other).
		for _, n := range r.Names {
			call, direct := uint64(0), n == name
			if !direct {
				if !mux {
					continue // no map lookup: a rule may name 300 syscalls
				}
				m, ok := muxCalls[n]
				if !ok || m.mux != name {
					continue
				}
				call = m.call
			}
			for _, g := range groups {
				var conds []Arg
				if !direct {
					conds = append(conds, Arg{Index: 0, Op: OpEqualTo, Value: call})
				}
				for _, a := range g {
					if !a.noop(bits) && (direct || a.Index != 0) {
						conds = append(conds, a)
					}
				}
				out = append(out, libRule{index: i, key: k, v: v, conds: conds})
			}
		}
	}
	return out
}

// RuleConditions returns the conditions of the rules libseccomp receives
// for name on arch (after runc's splitting, libseccomp's dropping of no-op
// conditions and, on x86, the multiplexing of socket and ipc calls), one
// list per rule; an empty list is an unconditional rule.
func (p *Policy) RuleConditions(arch, name string) [][]Arg {
	return conditionsOf(p.libRulesFor(arch, name))
}

func conditionsOf(rules []libRule) [][]Arg {
	var out [][]Arg
	for _, r := range rules {
		out = append(out, r.conds)
	}
	return out
}

// decide applies libseccomp's per-syscall database to the rules of one
// syscall: the first unconditional rule decides alone (libseccomp drops the
// conditional rules before it and every rule after it); without one, the
// conditional rules that hold decide (rules of one action are OR-ed; Check
// refuses rules of different actions that may hold together, so at most
// one action can hold), else the default action. match reports whether the
// call's arguments satisfy a rule's conditions.
func decide(rules []libRule, def Verdict, match func([]Arg) bool) (Verdict, bool) {
	for _, r := range rules {
		if len(r.conds) == 0 {
			return r.v, false
		}
	}
	if match == nil {
		return def, len(rules) > 0
	}
	for _, r := range rules {
		if match(r.conds) {
			return r.v, false
		}
	}
	return def, false
}

// holdsBits is Holds on an ABI whose comparisons are bits wide.
func (a Arg) holdsBits(v uint64, bits int) bool {
	val, two := a.Value, a.ValueTwo
	if bits == 32 {
		v, val, two = uint64(uint32(v)), uint64(uint32(val)), uint64(uint32(two))
	}
	switch a.Op {
	case OpNotEqual:
		return v != val
	case OpLessThan:
		return v < val
	case OpLessEqual:
		return v <= val
	case OpEqualTo:
		return v == val
	case OpGreaterEqual:
		return v >= val
	case OpGreaterThan:
		return v > val
	case OpMaskedEqual:
		// libseccomp masks the value too (datum &= mask).
		return v&val == two&val
	}
	return false
}

func argsHoldBits(conds []Arg, args [6]uint64, bits int) bool {
	for _, c := range conds {
		if c.Index >= uint(len(args)) || !c.holdsBits(args[c.Index], bits) {
			return false
		}
	}
	return true
}

// EvalArch is Eval on one ABI (a trace arch name): on 32-bit ABIs (x86,
// x32, arm) libseccomp compares only the low 32 bits of arguments and
// values. Eval is EvalArch for a 64-bit ABI.
func (p *Policy) EvalArch(arch, name string, args [6]uint64) Verdict {
	if name == "" {
		return p.defaultVerdict()
	}
	bits := ArgBits(arch)
	v, _ := decide(p.libRulesFor(arch, name), p.defaultVerdict(), func(c []Arg) bool { return argsHoldBits(c, args, bits) })
	return v
}

// ErrnoRangeReason says why an errno above MaxErrno is refused, as runc
// and crun would take it: both keep its low 16 bits (runc converts it to
// an int16, crun's SCMP_ACT_ERRNO masks it) and libseccomp refuses 4095
// and above, so 4095..65535 stop the container from starting, while
// 65536 is errno 0, a call that returns 0 without running (a fake
// success), and 65537 is EPERM. "would not start" was said of them all.
func ErrnoRangeReason(v uint) string {
	if low := v & 0xffff; v > 0xffff && low <= MaxErrno {
		what := fmt.Sprintf("errno %d", low)
		if low == 0 {
			what = "errno 0: the call returns 0 without running, a fake success"
		}
		return fmt.Sprintf("out of range 0..%d (runc and crun keep its low 16 bits: %s)", MaxErrno, what)
	}
	return fmt.Sprintf("out of range 0..%d (libseccomp refuses %d and above: runc and crun would not start)", MaxErrno, MaxErrno+1)
}

// EvalUnnamed is what libseccomp's filter (crun's: it has no stub)
// answers for number nr on arch, a number libseccomp cannot name there:
// the default action, but on x86_64 for a number with bit 31 set and the
// x32 bit clear (0x80000000 to 0xbfffffff). libseccomp's x86_64 filter
// sends every number at or above the x32 bit but -1 to x32's rules, where
// runc's stub, the recorder and replay --enforce test the bit alone
// (abi.IsX32Nr) and take such a number for x86_64's: x32's default when
// the policy covers x32, else the action for an ABI it does not cover,
// which kills (crun killed syscall(0x80000005) under an x86_64 profile
// that answers unknown numbers ENOSYS, which check had called covered).
func (p *Policy) EvalUnnamed(arch string, nr int) Verdict {
	if arch == "x86_64" && LibseccompX32(nr) {
		if p.Covers("x32") {
			return p.defaultVerdict()
		}
		return Verdict{Action: ActKill}
	}
	return p.defaultVerdict()
}

// LibseccompX32 reports whether x86_64's number nr (as a trace holds it:
// 32 bits, signed) is one libseccomp's filter takes for x32's and the
// recorder does not: bit 31 set, the x32 bit (0x40000000) clear, not -1.
func LibseccompX32(nr int) bool {
	u := uint32(nr)
	return u >= 0x80000000 && u&0x40000000 == 0
}

// EvalFunc is EvalArch for one syscall on arch, its rules looked up once:
// for callers that ask about many argument vectors.
func (p *Policy) EvalFunc(arch, name string) func(args [6]uint64) Verdict {
	return evalFunc(p.libRulesFor(arch, name), ArgBits(arch), p.defaultVerdict())
}

func evalFunc(rules []libRule, bits int, def Verdict) func(args [6]uint64) Verdict {
	return func(args [6]uint64) Verdict {
		v, _ := decide(rules, def, func(c []Arg) bool { return argsHoldBits(c, args, bits) })
		return v
	}
}

// Deciding returns, for name on arch, the index in p.Rules of the rule that
// decides every call (the first unconditional one as runc and crun add
// rules; -1 when none does) and, when none does, the indexes of the
// conditional rules that apply, in file order. Rules the runtimes skip (equal
// to the default) and conditions that compare nothing are left out, as in
// EvalArch.
func (p *Policy) Deciding(arch, name string) (rule int, conditional []int) {
	rules := p.libRulesFor(arch, name)
	for _, r := range rules {
		if len(r.conds) == 0 {
			return r.index, nil
		}
	}
	for _, r := range rules {
		if n := len(conditional); n == 0 || conditional[n-1] != r.index {
			conditional = append(conditional, r.index)
		}
	}
	return -1, conditional
}

// LookupArch is Lookup on one ABI (see EvalArch).
func (p *Policy) LookupArch(arch, name string) Verdict {
	v, cond := decide(p.libRulesFor(arch, name), p.defaultVerdict(), nil)
	v.Conditional = cond
	return v
}

// Resolver maps a syscall name to its number on an ABI (a trace arch name)
// the way libseccomp does (x32 numbers carry the 0x40000000 bit); ok is
// false when the ABI has no such syscall (wrap scmp.Number: ok is err == nil).
type Resolver func(arch, name string) (nr int, ok bool)

// RuntimeVerdicts is what each runtime answers for one syscall.
type RuntimeVerdicts struct {
	Runc, Crun Verdict
}

// Agree reports whether both runtimes give the same answer.
func (r RuntimeVerdicts) Agree() bool { return r.Runc == r.Crun }

// RuncStub reports whether runc 1.1.5 prepends its ENOSYS stub to the
// filter: unless the default action lets syscalls run (allow, log, trace).
// runc means to skip it for defaultErrnoRet ENOSYS too but compares with
// the whole action value (a bug), so it never does; the answers are the
// same either way.
func (p *Policy) RuncStub() bool {
	switch p.DefaultAction {
	case ActAllow, ActLog, ActTrace:
		return false
	}
	return true
}

// HighestNamed returns the highest syscall number on arch among all names
// the rules list (every rule counts, also those the runtimes skip), or -1.
// runc's stub answers ENOSYS above it. runc takes the numbers from
// libseccomp's name lookup, which on x86 gives the socket and ipc calls
// (Multiplexed) negative pseudo numbers, and skips those: they do not
// count here either (a rule for shmdt, 398 on x86, leaves runc answering
// ENOSYS for shmdt when no name above 398 is listed).
func (p *Policy) HighestNamed(arch string, resolve Resolver) int {
	hi := -1
	for _, r := range p.Rules {
		for _, n := range r.Names {
			if Multiplexed(arch, n) {
				continue
			}
			if nr, ok := resolve(arch, n); ok && nr >= 0 && (hi < 0 || uint32(nr) > uint32(hi)) {
				hi = nr
			}
		}
	}
	return hi
}

// Runtimes returns what runc 1.1.5 and crun 1.8.1 answer for syscall
// number nr on ABI arch (covered by the policy; check with Covers), where
// name is libseccomp's name for nr there ("" when libseccomp cannot name
// it: a gap in its table or a number beyond it).
//
// crun loads libseccomp's filter as is: a named syscall gets EvalArch, an
// unnamed one the default action. runc prepends an ENOSYS stub (see
// RuncStub) that answers ERRNO(ENOSYS) for every number above the highest
// one the profile names on that ABI (HighestNamed), named or not; below
// it, runc answers as crun does. So the two differ for numbers above the
// highest named syscall unless the default action is ERRNO(ENOSYS) or lets
// syscalls run. Validate does not refuse profiles for that difference
// alone (an SPO profile cannot say defaultErrnoRet); diff and check report
// it.
func (p *Policy) Runtimes(arch string, nr int, name string, args [6]uint64, resolve Resolver) RuntimeVerdicts {
	hi := -1
	if p.RuncStub() {
		hi = p.HighestNamed(arch, resolve)
	}
	return p.RuntimesBelow(arch, nr, name, args, hi)
}

// RuntimesBelow is Runtimes with arch's HighestNamed given (any value when
// RuncStub is false), for a caller that asks for many numbers:
// HighestNamed resolves every name of every rule (~34 us for Docker's
// default profile here), which replay --enforce's supervisor paid for
// each denied call.
func (p *Policy) RuntimesBelow(arch string, nr int, name string, args [6]uint64, highest int) RuntimeVerdicts {
	crun := p.EvalArch(arch, name, args)
	if name == "" {
		crun = p.EvalUnnamed(arch, nr)
	}
	runc := crun
	if p.RuncStubbed(arch, nr, highest) {
		runc = Verdict{Action: ActErrno, Errno: ENOSYS}
	}
	return RuntimeVerdicts{Runc: runc, Crun: crun}
}

// RuncStubbed reports whether runc's stub answers syscall number nr on
// arch ERRNO(ENOSYS) before libseccomp's filter sees it, whatever its
// arguments, where highest is the ABI's HighestNamed.
func (p *Policy) RuncStubbed(arch string, nr, highest int) bool {
	return p.RuncStub() && highest > 0 && uint32(nr) > uint32(highest) && !runcSkipsX32(p, arch, nr)
}

// runcSkipsX32 reports whether runc's stub sends nr on arch to the filter
// without comparing it: x86_64 and x32 share an AUDIT_ARCH, and under a
// profile without x32 the stub's section for it passes every number with
// the x32 bit set to libseccomp's filter, syscall(-1) among them (read
// back from the filter runc 1.1.5 loads, TestRuncStubAsLoaded: it answered
// the default EPERM where this said ENOSYS).
func runcSkipsX32(p *Policy, arch string, nr int) bool {
	return arch == "x86_64" && uint32(nr)&abi.X32SyscallBit != 0 && !p.Covers("x32")
}

// Check returns an *AmbiguousError when runc and crun would not apply the
// policy the same way, would refuse it, or when libseccomp would not apply
// its rules in file order (Validate calls it):
//
//   - an errno above MaxErrno (libseccomp refuses it: neither runtime
//     starts the container);
//   - errnoRet on an action other than SCMP_ACT_ERRNO and SCMP_ACT_TRACE
//     (crun refuses the profile, runc ignores the value);
//   - more than six conditions in a rule (crun uses the first six);
//   - filter flags (runc 1.1.5 refuses every flag, crun applies them);
//   - two conditional rules with different actions for one syscall whose
//     conditions may hold together, unless an earlier unconditional rule
//     decides that syscall: libseccomp merges them into a tree evaluated in
//     its own order, not file order, and refuses some orders outright
//     (EEXIST: neither runtime starts the container).
func (p *Policy) Check() error { return p.check(FilterVerifier) }

// CheckRules is Check without the FilterVerifier: the checks of the rules
// alone, with the rule sets only the verifier can accept (pairClass)
// accepted. Check of the same policy returns what CheckRules returns, or
// else the FilterVerifier's answer (the reducer uses it to know a policy
// passes everything but the compiled filter's checks).
func (p *Policy) CheckRules() error {
	return p.check(func(*Policy, []string) error { return nil })
}

// checkNoCompile is Check up to the FilterVerifier: CheckRules when a
// verifier is installed (the rule sets it would check are accepted), else
// Check (which then refuses them).
func (p *Policy) checkNoCompile() error {
	if FilterVerifier == nil {
		return p.check(nil)
	}
	return p.CheckRules()
}

func (p *Policy) check(verifier func(*Policy, []string) error) error {
	if len(p.Flags) > 0 {
		return &AmbiguousError{Reason: fmt.Sprintf("filter flags %s: runc 1.1.5 refuses every seccomp flag, crun applies them", strings.Join(p.Flags, ", "))}
	}
	if p.DefaultErrno != nil && p.DefaultAction != ActErrno && p.DefaultAction != ActTrace {
		return &AmbiguousError{Reason: fmt.Sprintf("defaultErrnoRet with default action %s: crun refuses it, runc ignores it", p.DefaultAction)}
	}
	if p.DefaultAction == ActErrno && p.DefaultErrno != nil && *p.DefaultErrno > MaxErrno {
		return &AmbiguousError{Reason: fmt.Sprintf("defaultErrnoRet %d: %s", *p.DefaultErrno, ErrnoRangeReason(*p.DefaultErrno))}
	}
	for i, r := range p.Rules {
		if r.Action == ActErrno && r.Errno != nil && *r.Errno > MaxErrno {
			return &AmbiguousError{Syscall: strings.Join(r.Names, ","), Rules: []int{i},
				Reason: fmt.Sprintf("errnoRet %d: %s", *r.Errno, ErrnoRangeReason(*r.Errno))}
		}
		if r.Errno != nil && r.Action != ActErrno && r.Action != ActTrace {
			return &AmbiguousError{Syscall: strings.Join(r.Names, ","), Rules: []int{i},
				Reason: fmt.Sprintf("errnoRet with action %s: crun refuses it, runc ignores it", r.Action)}
		}
		if len(r.Args) > MaxConditions {
			return &AmbiguousError{Syscall: strings.Join(r.Names, ","), Rules: []int{i},
				Reason: fmt.Sprintf("%d argument conditions: crun uses the first %d, runc all of them", len(r.Args), MaxConditions)}
		}
	}
	widths := map[int]bool{}
	for _, a := range p.Arches {
		widths[ArgBits(a)] = true
	}
	if len(widths) == 0 {
		widths[64] = true
	}
	var names []string
	occ := map[string][]int{} // p.occurrences, with names in order
	for i, r := range p.Rules {
		for _, n := range r.Names {
			if len(occ[n]) == 0 {
				names = append(names, n)
			}
			occ[n] = append(occ[n], i)
		}
	}
	x86 := slices.ContainsFunc(p.Arches, IsX86)
	type pass struct {
		bits int
		mux  bool
	}
	var verify []string
	for _, ps := range []pass{{64, false}, {32, false}, {32, true}} {
		if !widths[ps.bits] || (ps.mux && !x86) {
			continue
		}
		list := names
		if ps.mux {
			// x86: what the multiplexers receive, their own rules and
			// those of the calls they multiplex.
			list = []string{"socketcall", "ipc"}
		}
		for _, n := range list {
			rules := p.libRulesDirect(occ[n], ps.bits)
			if ps.mux {
				rules = p.libRules(n, ps.bits, true)
			}
			err := checkSyscall(n, rules, ps.bits)
			var pe *pairError
			if errors.As(err, &pe) && verifier != nil {
				if !slices.Contains(verify, n) {
					verify = append(verify, n)
				}
				continue
			}
			if pe != nil {
				return pe.AmbiguousError
			}
			if err != nil {
				return err
			}
		}
	}
	if verifier != nil {
		return verifier(p, verify)
	}
	return nil
}

// FilterVerifier, when set, compiles the policy the way runc and crun do
// (with the libseccomp they link) and compares the filter's answers with
// EvalArch, after the checks above pass; it returns an *AmbiguousError
// where they differ. libseccomp 2.5.4 has bugs no shape rule here captures
// (on x86 it once left out the load of the syscall number, so every call
// got the default action), so the commands install it
// (cbpf.EnableFilterVerification); this package is pure Go and cannot.
// exhaustive are the syscalls whose rules are in the class only the
// verifier accepts (pairClass: several conditional rules with a condition
// on each of two arguments): it must try every class of argument values
// their conditions tell apart. Without a verifier Check refuses that class.
var FilterVerifier func(p *Policy, syscalls []string) error

// pairError is checkSyscall's refusal of rules in the verified class.
type pairError struct{ *AmbiguousError }

// pairClass reports whether rules (the chains libseccomp receives for one
// syscall, no-op conditions dropped) are in the class the FilterVerifier
// checks: at most two conditions per rule, on at most two argument indexes
// in all, each an equality or a masked equality whose operands fit in 32
// bits (and, masked, whose value is within the mask). The argument values
// those conditions tell apart are then few enough to try them all.
func pairClass(rules []libRule) bool {
	idx := map[uint]bool{}
	for _, r := range rules {
		if len(r.conds) > 2 {
			return false
		}
		for _, c := range r.conds {
			idx[c.Index] = true
			switch c.Op {
			case OpEqualTo:
				if c.Value > 0xffffffff {
					return false
				}
			case OpMaskedEqual:
				if c.Value > 0xffffffff || c.ValueTwo&^c.Value != 0 {
					return false
				}
			default:
				return false
			}
		}
	}
	return len(idx) <= 2
}

// checkSyscall checks the rules libseccomp receives for one syscall.
func checkSyscall(name string, rules []libRule, bits int) error {
	cut := len(rules)
	for i, r := range rules {
		if len(r.conds) == 0 {
			cut = i // decides alone; later rules are dropped
			break
		}
	}
	pre := rules[:cut]
	for j := range pre {
		for i := 0; i < j; i++ {
			a, b := pre[i], pre[j]
			if a.key == b.key || Disjoint(a.conds, b.conds, bits) {
				continue
			}
			return &AmbiguousError{Syscall: name, Rules: []int{a.index, b.index},
				Reason: fmt.Sprintf("conditional rules with different actions (%s, %s) may both hold (%s; %s): libseccomp does not apply them in file order and may refuse them (then neither runtime starts); give them disjoint conditions or make one unconditional",
					verdictString(a.v), verdictString(b.v), condString(a.conds), condString(b.conds))}
		}
	}
	if cut < len(rules) || len(pre) < 2 {
		return nil // no conditions left, or one chain of them
	}
	// Several chains of conditions: libseccomp 2.5.4 merges them into a
	// tree whose BPF may move from one chain to the next without reloading
	// the argument word it compares, and then compares the wrong word
	// (found by FuzzSemantics on x86_64 and x86; TestLibseccompWordBug and
	// the runtime oracle show it). Measured to come out right, and so
	// accepted: chains of one condition each, where on 64-bit ABIs each
	// argument has at most one range comparison (<, <=, >, >=) among them;
	// equality, inequality and masked tests mix freely (Docker's socket
	// rules: a0 < 12 and a0 == 13, 14, ...; its personality rules). Other
	// shapes are refused rather than given an answer the runtimes do not
	// enforce.
	what := ""
	ranges := map[uint]int{}
	for _, r := range pre {
		if len(r.conds) != 1 {
			what = "a rule with several conditions next to other conditional rules"
			break
		}
		switch c := r.conds[0]; c.Op {
		case OpLessThan, OpLessEqual, OpGreaterThan, OpGreaterEqual:
			ranges[c.Index]++
			if bits == 64 && ranges[c.Index] > 1 {
				what = fmt.Sprintf("two range comparisons on argument %d in different rules", c.Index)
			}
		}
		if what != "" {
			break
		}
	}
	if what == "" {
		return nil
	}
	idx := []int{}
	for _, r := range pre {
		if len(idx) == 0 || idx[len(idx)-1] != r.index {
			idx = append(idx, r.index)
		}
	}
	err := &AmbiguousError{Syscall: name, Rules: idx,
		Reason: fmt.Sprintf("%s: libseccomp 2.5.4 (which runc and crun use) builds a filter for them that compares the wrong argument word on some paths (it does not reload the argument when it moves from one rule to the next), so the runtimes would not enforce what the profile says; use one conditional rule for the syscall, or rules of one condition each with at most one range comparison per argument", what)}
	if pairClass(pre) || rangeClass(pre) {
		err.Reason += " (rules of equality tests on at most two arguments, or of one comparison each on one argument, are checked against libseccomp by seccomp-gen's commands; this program cannot check them)"
		return &pairError{err}
	}
	return err
}

// rangeClass reports whether rules (as pairClass) are comparisons the
// FilterVerifier can try on every class of values: one condition each, all
// on one argument, each ==, !=, <, <=, > or >= (no masked test). A filter
// tests an argument word only by comparing it with the words of the
// conditions' values, so one value per interval between those words tells
// every class apart (moby's default since "Block AF_ALG": socket allowed
// for a0 < 38, a0 == 39 and a0 > 40, which libseccomp 2.5.4 compiles right,
// was refused by the shape rule above). Wider shapes stay refused: among
// them are rule sets libseccomp never returns from adding (the runtime
// oracle's libseccomp-never-returns), which a verifier that compiles them
// would hang on.
func rangeClass(rules []libRule) bool {
	var idx []uint
	for _, r := range rules {
		if len(r.conds) != 1 {
			return false
		}
		c := r.conds[0]
		if !slices.Contains(idx, c.Index) {
			idx = append(idx, c.Index)
		}
		switch c.Op {
		case OpEqualTo, OpNotEqual, OpLessThan, OpLessEqual, OpGreaterThan, OpGreaterEqual:
		default:
			return false
		}
	}
	return len(idx) == 1
}

// DefaultVerdict is the answer of p's default action (with the errno runc
// and crun pass when defaultErrnoRet is not set).
func (p *Policy) DefaultVerdict() Verdict { return p.defaultVerdict() }

// Text renders v as the readers' messages do: "SCMP_ACT_ERRNO(38)",
// "SCMP_ACT_KILL_PROCESS".
func (v Verdict) Text() string { return verdictString(v) }

func verdictString(v Verdict) string {
	if v.Action == ActErrno || v.Action == ActTrace {
		return fmt.Sprintf("%s(%d)", v.Action, v.Errno)
	}
	return string(v.Action)
}

var opNames = map[Op]string{OpNotEqual: "!=", OpLessThan: "<", OpLessEqual: "<=", OpEqualTo: "==",
	OpGreaterEqual: ">=", OpGreaterThan: ">", OpMaskedEqual: "&"}

func condString(conds []Arg) string {
	s := make([]string, len(conds))
	for i, c := range conds {
		if c.Op == OpMaskedEqual {
			s[i] = fmt.Sprintf("arg%d&%#x==%#x", c.Index, c.Value, c.ValueTwo)
			continue
		}
		s[i] = fmt.Sprintf("arg%d%s%#x", c.Index, opNames[c.Op], c.Value)
	}
	return strings.Join(s, " && ")
}

// Disjoint reports whether no argument values can satisfy both condition
// lists (each a conjunction with at most one condition per index) on an
// ABI whose comparisons are bits wide. It is exact for pairs of
// comparisons and masked comparisons with one another and conservative
// (false) for a masked comparison against a range.
func Disjoint(a, b []Arg, bits int) bool {
	for _, x := range a {
		for _, y := range b {
			if x.Index == y.Index && satisfiable(x, bits) && satisfiable(y, bits) && !bothSatisfiable(x, y, bits) {
				return true
			}
		}
	}
	return false
}

// span is the set of values a condition admits, when it is an interval.
func (a Arg) span(bits int) (lo, hi uint64, ok bool) {
	max := ^uint64(0)
	v := a.Value
	if bits == 32 {
		max, v = uint64(^uint32(0)), uint64(uint32(v))
	}
	switch a.Op {
	case OpEqualTo:
		return v, v, true
	case OpLessThan:
		if v == 0 {
			return 1, 0, true // empty
		}
		return 0, v - 1, true
	case OpLessEqual:
		return 0, v, true
	case OpGreaterThan:
		if v == max {
			return 1, 0, true
		}
		return v + 1, max, true
	case OpGreaterEqual:
		return v, max, true
	case OpMaskedEqual:
		m := a.Value
		if bits == 32 {
			m = uint64(uint32(m))
		}
		if m == max { // a single value
			t := a.ValueTwo & m
			return t, t, true
		}
	}
	return 0, 0, false
}

func satisfiable(a Arg, bits int) bool {
	if lo, hi, ok := a.span(bits); ok {
		return lo <= hi
	}
	return true // NE, masked: always some value
}

func bothSatisfiable(x, y Arg, bits int) bool {
	xl, xh, xok := x.span(bits)
	yl, yh, yok := y.span(bits)
	switch {
	case xok && xl == xh:
		return y.holdsBits(xl, bits)
	case yok && yl == yh:
		return x.holdsBits(yl, bits)
	case xok && yok:
		return xl <= yh && yl <= xh
	case x.Op == OpNotEqual || y.Op == OpNotEqual:
		// The other one admits two values or more (single values were
		// handled above).
		return true
	case x.Op == OpMaskedEqual && y.Op == OpMaskedEqual:
		m := x.Value & y.Value
		if bits == 32 {
			m = uint64(uint32(m))
		}
		return x.ValueTwo&m == y.ValueTwo&m
	}
	return true // a masked comparison against a range: not proven
}
