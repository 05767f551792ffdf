package cbpf

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// Verifying rule sets libseccomp may compile wrongly.
//
// libseccomp 2.5.4 (what runc and crun link on Debian 12) builds wrong
// filters for some syscalls with several conditional rules: on some paths
// the BPF moves from one rule to the next without reloading the argument
// word it compares (policy.Check's wrong-word refusal; TestLibseccompWordBug).
// Rules with a condition on each of two arguments (socket's domain and type,
// setsockopt's level and optname) are of that kind, yet most such rule sets
// come out right, and no rule of thumb found tells them apart (a random
// search finds wrong ones among rule sets of two equality tests on two
// arguments, and none among the shapes the reducer writes). So they are
// checked one by one instead: the policy is compiled the way runc and crun
// compile it (every ABI it lists, file order, libseccomp's linear layout) and
// the filter's answer is compared with policy.EvalArch for every class of
// argument values the rules' conditions tell apart. policy.Check accepts
// such a rule set only when this check passes.

// EnableFilterVerification installs the check as policy.FilterVerifier, so
// that Validate accepts the rule sets it has checked (and refuses, with an
// *policy.AmbiguousError, those libseccomp compiles wrongly). Commands call
// it once at start; without it Check refuses the whole class.
func EnableFilterVerification() { policy.FilterVerifier = VerifyFilter }

// maxProbes bounds the argument vectors tried per syscall and ABI.
const maxProbes = 1 << 20

// verified remembers the last answers: a command validates the same policy
// several times (read, reduce, write, compile). Keyed by a SHA-256 of
// filterKey (a large policy's key is some 100 KB) and bounded, so that a
// long fuzzing run does not keep every policy it tried. A call that finds the
// same policy being verified by another goroutine waits for that answer
// instead of compiling it again (tests run the fit search in parallel).
var verified struct {
	sync.Mutex
	m map[[sha256.Size]byte]*verification
}

// verification is one answer of VerifyFilter; done is closed once err is
// set.
type verification struct {
	done chan struct{}
	err  error
}

// maxVerified is large enough for the fit search's policies and those of
// every other test of a package (go test ./reduce/ verifies ~340
// policies; at 64 the fit tests lost entries and compiled them again).
const maxVerified = 1024

// VerifyFilter compiles p as runc and crun do and compares the filter with
// p.EvalArch for every syscall p's rules name, on each ABI p lists: on every
// class of argument values the conditions tell apart where they are
// equality tests, else on the values they name and their neighbours. The
// syscalls in exhaustive (policy's pairClass rule sets) must be tried on
// every class; one with too many classes is refused. It is safe for
// concurrent use.
func VerifyFilter(p *policy.Policy, exhaustive []string) error {
	key := sha256.Sum256([]byte(filterKey(p, exhaustive)))
	verified.Lock()
	v, ok := verified.m[key]
	if !ok {
		if verified.m == nil || len(verified.m) >= maxVerified {
			verified.m = map[[sha256.Size]byte]*verification{}
		}
		v = &verification{done: make(chan struct{})}
		verified.m[key] = v
	}
	verified.Unlock()
	if ok {
		<-v.done
		return v.err
	}
	finished := false
	defer func() {
		if !finished { // a panic: forget the entry, fail the waiters
			verified.Lock()
			if verified.m[key] == v {
				delete(verified.m, key)
			}
			verified.Unlock()
			v.err = errors.New("filter check: interrupted")
		}
		close(v.done)
	}()
	v.err = verifyCompile(p, exhaustive)
	finished = true
	return v.err
}

// filterKey is everything the answer depends on: the default action, the
// ABIs, every rule (libseccomp's layout depends on all of them) and the
// syscalls to try exhaustively.
func filterKey(p *policy.Policy, exhaustive []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s/%v/%v/%v\n", p.DefaultAction, errnoOf(p.DefaultErrno), p.Arches, exhaustive)
	for _, r := range p.Rules {
		// fmt.Fprintf(&b, "%v %s %v %v\n", r.Names, r.Action, errnoOf(r.Errno), r.Args)
		// without fmt for the names (a rule may name 300) and the errno.
		b.WriteByte('[')
		for i, n := range r.Names {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(n)
		}
		b.WriteString("] ")
		b.WriteString(string(r.Action))
		if r.Errno == nil {
			b.WriteString(" <nil> ")
		} else {
			b.WriteByte(' ')
			b.WriteString(strconv.FormatUint(uint64(*r.Errno), 10))
			b.WriteByte(' ')
		}
		if len(r.Args) == 0 {
			b.WriteString("[]\n")
		} else {
			fmt.Fprintf(&b, "%v\n", r.Args)
		}
	}
	return b.String()
}

func errnoOf(e *uint) any {
	if e == nil {
		return nil
	}
	return *e
}

// verifyCompile is VerifyFilter without the cache (a variable for tests).
var verifyCompile = verifyFilter

func verifyFilter(p *policy.Policy, exhaustive []string) error {
	var abis []string
	for _, a := range p.Arches {
		ca, err := scmp.Canonical(a)
		if err != nil {
			return fmt.Errorf("policy: %w", err)
		}
		if !slices.Contains(abis, ca) {
			abis = append(abis, ca)
		}
	}
	// What runc and crun load: every listed ABI in one filter, rules in
	// file order, libseccomp's own layout, no stub.
	prog, err := compileLib(p, "", abis, policy.ActKillProcess, Options{Linear: true, SkipUnknown: true})
	if err != nil {
		return &policy.AmbiguousError{Reason: fmt.Sprintf("libseccomp refuses the rules as runc and crun add them (%v): neither runtime would start", err), Cause: err}
	}
	return checkProgram(prog, p, abis, namedSyscalls(p), "the filter libseccomp 2.5.4 builds for them (what runc and crun load)", exhaustive)
}

// namedSyscalls lists the names p's rules name, and on x86 the
// multiplexers that receive socket and ipc calls' rules.
func namedSyscalls(p *policy.Policy) []string {
	var out []string
	add := func(n string) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	for _, r := range p.Rules {
		for _, n := range r.Names {
			add(n)
			if mux, _, ok := policy.MuxCall(n); ok {
				add(mux)
			}
		}
	}
	return out
}

// checkProgram compares prog's answers with p's for the syscalls on each of
// abis: on every class of argument values their conditions tell apart when
// those are equality tests (classProbes), else on the values the
// conditions name and their neighbours, one argument at a time. A syscall
// in exhaustive whose classes cannot all be tried is refused.
func checkProgram(prog Program, p *policy.Policy, abis, syscalls []string, what string, exhaustive []string) error {
	pv := p.View() // each syscall's rules looked up once, not by a pass over every rule

	// Run checks the whole program before each run; once is enough here
	// (it was most of the probes' time on filters near 4096 instructions).
	checked := false
	for _, name := range syscalls {
		for _, arch := range abis {
			nr, err := scmp.Number(arch, name)
			if err != nil {
				continue
			}
			audit, ok := AuditArch(arch)
			if !ok {
				continue
			}
			probes, ok := classProbes(pv, name, arch)
			if !ok && slices.Contains(exhaustive, name) {
				// Comparisons (policy's rangeClass): every class is
				// a product of a few words per argument word, tried
				// only where the policy needs it (other shapes keep
				// sampleProbes' few dozen vectors).
				probes, ok = rangeProbes(pv, name, arch)
			}
			if !ok && slices.Contains(exhaustive, name) {
				return &policy.AmbiguousError{Syscall: name, Rules: rulesNaming(p, []string{name}),
					Reason: fmt.Sprintf("the argument conditions tell more than %d classes of values apart: too many to check that libseccomp compiles them as written; use fewer values", maxProbes)}
			}
			if !ok {
				probes = sampleProbes(pv, name, arch)
			}
			eval := pv.EvalFunc(arch, name)
			for _, a := range probes {
				if !checked {
					if err := prog.Check(); err != nil {
						return fmt.Errorf("compiled filter: %w", err)
					}
					checked = true
				}
				r, err := prog.run(Data{Nr: int32(nr), Arch: audit, Args: a}.Bytes())
				if err != nil {
					return fmt.Errorf("compiled filter: %w", err)
				}
				got := policy.Verdict{Action: r.Action}
				if r.Action == policy.ActErrno || r.Action == policy.ActTrace {
					got.Errno = uint(r.Data)
				}
				want := eval(a)
				if retOf(got) != retOf(want) {
					return &policy.AmbiguousError{Syscall: name, Rules: rulesNaming(p, []string{name}), Miscompiled: true,
						Reason: fmt.Sprintf("%s answers %s(%s) on %s with %s where the rules say %s (libseccomp 2.5.4 builds wrong filters for some rule sets: it compares the wrong argument word on some paths between rules, or skips a load), so the runtimes would not enforce what the profile says; use fewer conditional rules for the syscall or one condition per rule",
							what, name, argList(a), arch, verdictText(got), verdictText(want))}
				}
			}
		}
	}
	return nil
}

// ruleSource is what the probes ask of a policy: a *policy.Policy, or its
// *policy.View where every syscall is asked about.
type ruleSource interface {
	RuleConditions(arch, name string) [][]policy.Arg
	EvalFunc(arch, name string) func(args [6]uint64) policy.Verdict
}

// sampleProbes returns argument vectors around the values name's
// conditions on arch compare with (the value, its neighbours, the other
// high word), one argument at a time, and all arguments zero.
func sampleProbes(p ruleSource, name, arch string) [][6]uint64 {
	out := [][6]uint64{{}}
	for _, conds := range p.RuleConditions(arch, name) {
		for _, c := range conds {
			if c.Index > 5 {
				continue
			}
			for _, v := range []uint64{c.Value, c.ValueTwo, c.Value & c.ValueTwo} {
				for _, x := range []uint64{v, v - 1, v + 1, v ^ 1<<32, v | 0xffffffff00000000, v & 0xffffffff} {
					var a [6]uint64
					a[c.Index] = x
					out = append(out, a)
				}
			}
		}
	}
	return out
}

// retOf is the value a filter returns for v (KILL and KILL_THREAD are one).
func retOf(v policy.Verdict) uint32 {
	data := uint16(0)
	if hasErrno(v.Action) {
		data = uint16(v.Errno)
	}
	r, err := RetValue(v.Action, data)
	if err != nil {
		return 0xffffffff
	}
	return r
}

func hasErrno(a policy.Action) bool { return a == policy.ActErrno || a == policy.ActTrace }

func verdictText(v policy.Verdict) string {
	if hasErrno(v.Action) {
		return fmt.Sprintf("%s(%d)", v.Action, v.Errno)
	}
	return string(v.Action)
}

func argList(a [6]uint64) string {
	s := make([]string, 0, 6)
	for _, v := range a {
		s = append(s, fmt.Sprintf("%#x", v))
	}
	return strings.Join(s, ", ")
}

// rulesNaming lists the indexes of p's rules that name one of syscalls.
func rulesNaming(p *policy.Policy, syscalls []string) []int {
	var out []int
	for i, r := range p.Rules {
		for _, n := range r.Names {
			if slices.Contains(syscalls, n) {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// rangeProbes returns, for conditions that compare (==, !=, <, <=, >, >=;
// no masked test), argument vectors that meet every class of values the
// filter can tell apart: libseccomp tests a 32-bit word of an argument
// only by comparing it with a constant (JEQ, JGT, JGE), a word of some
// condition's value, so its answer is the same for all words between two
// consecutive constants. Each constant, its neighbours, 0 and 0xffffffff
// give one word in each interval; every word of every argument the
// conditions test takes each of them (a rule set libseccomp 2.5.4 compiles
// wrongly compares a word with another word's constant:
// TestLibseccompWordBug), and the vectors are their product. false when a
// condition is not a comparison or the product exceeds maxProbes.
func rangeProbes(p ruleSource, name, arch string) ([][6]uint64, bool) {
	argBits := policy.ArgBits(arch)
	consts := map[uint32]bool{0: true, 0xffffffff: true}
	var idx []uint
	for _, conds := range p.RuleConditions(arch, name) {
		for _, c := range conds {
			switch c.Op {
			case policy.OpEqualTo, policy.OpNotEqual, policy.OpLessThan, policy.OpLessEqual, policy.OpGreaterThan, policy.OpGreaterEqual:
			default:
				return nil, false
			}
			if c.Index > 5 {
				return nil, false
			}
			if !slices.Contains(idx, c.Index) {
				idx = append(idx, c.Index)
			}
			consts[uint32(c.Value)] = true
			if argBits == 64 {
				consts[uint32(c.Value>>32)] = true
			}
		}
	}
	set := map[uint32]bool{}
	for c := range consts {
		set[c-1], set[c], set[c+1] = true, true, true // 0-1 and max+1 wrap to values already in
	}
	vals := make([]uint32, 0, len(set))
	for v := range set {
		vals = append(vals, v)
	}
	slices.Sort(vals)
	slices.Sort(idx)
	var words []uint // 2i: low half of argument i, 2i+1: high half
	for _, i := range idx {
		words = append(words, 2*i)
		if argBits == 64 {
			words = append(words, 2*i+1)
		}
	}
	out := [][6]uint64{{}}
	for _, w := range words {
		var ok bool
		if out, ok = withWord(out, int(w), vals); !ok {
			return nil, false
		}
	}
	return out, true
}

// withWord returns every vector of out with word w (2i: the low half of
// argument i, 2i+1: its high half) set to each of vals in turn, or false
// when they would be more than maxProbes.
func withWord(out [][6]uint64, w int, vals []uint32) ([][6]uint64, bool) {
	if len(out)*len(vals) > maxProbes {
		return nil, false
	}
	next := make([][6]uint64, 0, len(out)*len(vals))
	for _, v := range out {
		for _, x := range vals {
			a := v
			if w%2 == 0 {
				a[w/2] |= uint64(x)
			} else {
				a[w/2] |= uint64(x) << 32
			}
			next = append(next, a)
		}
	}
	return next, true
}

// wordPred is one test libseccomp makes on a 32-bit word of an argument:
// word & mask == value.
type wordPred struct{ mask, value uint32 }

// classProbes returns one argument vector per class of values that the
// conditions libseccomp receives for name on arch tell apart: the product, over the
// argument words the conditions test, of one value per atom of that word's
// tests. libseccomp splits each 64-bit condition into a test on the high
// word and one on the low word (32-bit ABIs: the low word only), each of the
// form word & mask == value (an equality has the mask all ones), and builds
// the filter from nothing else, so two vectors in one class get the same
// answer from the filter and from the model. false when the classes are too
// many (or a condition is not an equality).
func classProbes(p ruleSource, name, arch string) ([][6]uint64, bool) {
	argBits := policy.ArgBits(arch)
	var preds [12][]wordPred // word 2i: low half of argument i, 2i+1: high half
	for _, conds := range p.RuleConditions(arch, name) {
		for _, c := range conds {
			var mask, value uint64
			switch c.Op {
			case policy.OpEqualTo:
				mask, value = ^uint64(0), c.Value
			case policy.OpMaskedEqual:
				mask, value = c.Value, c.ValueTwo&c.Value
			default:
				return nil, false
			}
			if c.Index > 5 {
				return nil, false
			}
			lo := wordPred{uint32(mask), uint32(value)}
			if !slices.Contains(preds[2*c.Index], lo) {
				preds[2*c.Index] = append(preds[2*c.Index], lo)
			}
			if argBits == 64 {
				hi := wordPred{uint32(mask >> 32), uint32(value >> 32)}
				if !slices.Contains(preds[2*c.Index+1], hi) {
					preds[2*c.Index+1] = append(preds[2*c.Index+1], hi)
				}
			}
		}
	}
	out := [][6]uint64{{}}
	for w, ps := range preds {
		if len(ps) == 0 {
			continue
		}
		reps, ok := atoms(ps, maxProbes)
		if !ok {
			return nil, false
		}
		if out, ok = withWord(out, w, reps); !ok {
			return nil, false
		}
	}
	return out, true
}

// atoms returns one word for each combination of outcomes of preds that
// some word has: the filter sees a word only through these tests, so words
// with the same outcomes get the same answer. It splits the words bit by
// bit (the highest undecided mask bit first) until every test is decided on
// each piece, and keeps the first word of each outcome vector.
func atoms(preds []wordPred, limit int) ([]uint32, bool) {
	var out []uint32
	seen := map[string]bool{}
	pieces := 0
	var rec func(fixed, val uint32) bool
	rec = func(fixed, val uint32) bool {
		for _, pr := range preds {
			if pr.mask&fixed&(val^pr.value) != 0 {
				continue // false on the whole piece
			}
			if free := pr.mask &^ fixed; free != 0 {
				b := uint32(1) << (31 - bits.LeadingZeros32(free))
				return rec(fixed|b, val) && rec(fixed|b, val|b)
			}
		}
		if pieces++; pieces > limit {
			return false
		}
		key := make([]byte, len(preds))
		for i, pr := range preds {
			if pr.mask&(val^pr.value) == 0 {
				key[i] = 1
			}
		}
		if !seen[string(key)] {
			seen[string(key)] = true
			out = append(out, val)
		}
		return true
	}
	if !rec(0, 0) {
		return nil, false
	}
	return out, true
}
