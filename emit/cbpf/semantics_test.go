package cbpf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	seccomp "github.com/seccomp/libseccomp-golang"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// The differential test of what a profile means: for random policies with
// overlapping rules and argument conditions on several ABIs, three answers
// must agree for every (ABI, nr, args) tried:
//
//	(a) the filter Compile builds (the product: binary search, ENOSYS stub),
//	(b) policy.EvalArch (the model every command uses),
//	(c) libseccomp fed the way runc 1.1.5 adds rules (file order, one name
//	    at a time, rules equal to the default skipped, two conditions on one
//	    argument split into one rule each), linear layout, no stub,
//
// (a) and (c) run in emit/cbpf's interpreter. A policy that Validate
// refuses is skipped, but then (c) must not be the only one to refuse: when
// libseccomp refuses a policy (EEXIST: runc and crun would not start),
// Validate must have refused it too.

// fuzzNames are syscalls on both x86_64 and x86 (and two that are not: one
// only on x86, one unknown to libseccomp), and socket and ipc calls with
// their x86 multiplexers (libseccomp applies the calls' rules to
// socketcall and ipc there).
var fuzzNames = []string{"getpid", "getppid", "uname", "close", "waitpid", "arch_prctl", "no_such_syscall",
	"socket", "setsockopt", "socketcall", "semop", "ipc"}

var fuzzActions = []struct {
	a policy.Action
	e *uint
}{
	{policy.ActAllow, nil}, {policy.ActErrno, nil}, {policy.ActErrno, policy.Errno(1)},
	{policy.ActErrno, policy.Errno(5)}, {policy.ActErrno, policy.Errno(38)}, {policy.ActKillProcess, nil},
	{policy.ActKill, nil}, {policy.ActTrap, nil}, {policy.ActLog, nil}, {policy.ActTrace, policy.Errno(7)},
}

var fuzzOps = []policy.Op{policy.OpEqualTo, policy.OpNotEqual, policy.OpLessThan, policy.OpLessEqual,
	policy.OpGreaterThan, policy.OpGreaterEqual, policy.OpMaskedEqual}

var fuzzValues = []uint64{0, 1, 2, 3, 0xff, 0x7fffffff, 0xffffffff, 0x100000000, 0x100000001, 1 << 63, ^uint64(0), ^uint64(0) - 1}

type byteReader struct {
	b []byte
}

func (r *byteReader) next() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *byteReader) value() uint64 {
	c := r.next()
	if c < 0xf0 {
		return fuzzValues[int(c)%len(fuzzValues)]
	}
	var b [8]byte
	for i := range b {
		b[i] = r.next()
	}
	return binary.LittleEndian.Uint64(b[:])
}

// fuzzPolicy decodes a policy from b.
func fuzzPolicy(b []byte) *policy.Policy {
	r := &byteReader{b: b}
	// A profile listing only x86 is read here with x86_64 added (runc and
	// crun keep the native ABI), so x86 never comes alone.
	arches := [][]string{{"x86_64"}, {"x86_64", "x86"}, {"x86", "x86_64"}, {"x86", "x86_64"}}[r.next()%4]
	d := fuzzActions[int(r.next())%len(fuzzActions)]
	if d.a == policy.ActTrace || (d.e != nil && r.next()%2 == 0) {
		d.e = nil
	}
	p := &policy.Policy{DefaultAction: d.a, DefaultErrno: d.e, Arches: arches}
	for n := 1 + int(r.next())%8; n > 0; n-- {
		a := fuzzActions[int(r.next())%len(fuzzActions)]
		rule := policy.Rule{Action: a.a, Errno: a.e}
		// mask's low 7 bits pick among the first 7 names, or with the top
		// bit set its low 5 bits among the socket and ipc ones.
		mask := r.next()
		group := fuzzNames[:7]
		if mask&0x80 != 0 {
			group = fuzzNames[7:]
		}
		for i, name := range group {
			if mask&(1<<i) != 0 {
				rule.Names = append(rule.Names, name)
			}
		}
		if len(rule.Names) == 0 {
			rule.Names = []string{group[int(mask>>5)%len(group)]}
		}
		if shape := r.next(); shape%2 == 1 {
			// The shapes libseccomp gets right (see policy.Check): one
			// equality test on a small value, or several on one argument
			// in one rule (split into one rule each).
			// shape&8: the conditions alternate between two arguments
			// (the class policy.FilterVerifier checks).
			k := r.next()
			for c := 1 + int(shape/2)%3; c > 0; c-- {
				idx := uint(k % 3)
				if shape&8 != 0 && c%2 == 0 {
					idx = uint(k+1) % 3
				}
				arg := policy.Arg{Index: idx, Op: policy.OpEqualTo, Value: uint64(r.next() % 6)}
				if k&0x40 != 0 {
					arg.Value |= 1 << 32
				}
				if k&0x80 != 0 {
					arg.Op, arg.ValueTwo = policy.OpMaskedEqual, uint64(r.next()%8)
				}
				if o := r.next(); o >= 0xc0 { // any op, any value
					arg.Op, arg.Value = fuzzOps[int(o)%len(fuzzOps)], r.value()
				}
				rule.Args = append(rule.Args, arg)
			}
			p.Rules = append(p.Rules, rule)
			continue
		}
		for c := int(r.next()) % 4; c > 0; c-- {
			k := r.next()
			arg := policy.Arg{Index: uint(k % 3), Op: fuzzOps[int(k/3)%len(fuzzOps)], Value: r.value()}
			if arg.Op == policy.OpMaskedEqual {
				arg.ValueTwo = r.value()
			}
			rule.Args = append(rule.Args, arg)
		}
		p.Rules = append(p.Rules, rule)
	}
	return p
}

// runcOrder compiles p with libseccomp the way runc 1.1.5's matchCall adds
// rules, nothing more: the reference for what runc and crun load (minus
// runc's ENOSYS stub).
func runcOrder(p *policy.Policy) (Program, error) {
	def, err := libAction(p.DefaultAction, p.DefaultErrno)
	if err != nil {
		return nil, err
	}
	f, err := seccomp.NewFilter(def)
	if err != nil {
		return nil, err
	}
	defer f.Release()
	if err := f.SetBadArchAction(seccomp.ActKillProcess); err != nil {
		return nil, err
	}
	// Like runc: the native ABI stays in the filter whatever is listed.
	native, _ := seccomp.GetNativeArch()
	for _, a := range p.Arches {
		la, err := scmp.LibArch(a)
		if err != nil {
			return nil, err
		}
		if la != native {
			if err := f.AddArch(la); err != nil {
				return nil, err
			}
		}
	}
	for _, r := range p.Rules {
		act, err := libAction(r.Action, r.Errno)
		if err != nil {
			return nil, err
		}
		for _, name := range r.Names {
			if act == def {
				continue
			}
			nr, err := seccomp.GetSyscallFromName(name)
			if err != nil {
				continue
			}
			if len(r.Args) == 0 {
				if err := f.AddRule(nr, act); err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
				continue
			}
			counts := map[uint]int{}
			var conds []seccomp.ScmpCondition
			for _, a := range r.Args {
				c, err := seccomp.MakeCondition(a.Index, libOps[a.Op], a.Value, a.ValueTwo)
				if err != nil {
					return nil, err
				}
				counts[a.Index]++
				conds = append(conds, c)
			}
			multi := false
			for _, n := range counts {
				multi = multi || n > 1
			}
			if multi {
				for _, c := range conds {
					if err := f.AddRuleConditional(nr, act, []seccomp.ScmpCondition{c}); err != nil {
						return nil, fmt.Errorf("%s: %w", name, err)
					}
				}
			} else if err := f.AddRuleConditional(nr, act, conds); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	return export(f)
}

// probeArgs returns argument vectors around every value p's conditions
// name, plus extra.
func probeArgs(p *policy.Policy, extra []uint64) [][6]uint64 {
	vals := map[uint64]bool{0: true, ^uint64(0): true}
	for _, r := range p.Rules {
		for _, a := range r.Args {
			for _, v := range []uint64{a.Value, a.ValueTwo, a.ValueTwo & a.Value} {
				vals[v], vals[v+1], vals[v-1] = true, true, true
				vals[v^(1<<32)], vals[v|0xffffffff00000000] = true, true
			}
		}
	}
	for _, v := range extra {
		vals[v] = true
	}
	var list []uint64
	for v := range vals {
		list = append(list, v)
	}
	sort.Slice(list, func(i, j int) bool { return list[i] < list[j] })
	if len(list) > 40 { // keep the run short: every third value
		var some []uint64
		for i := 0; i < len(list); i += len(list)/40 + 1 {
			some = append(some, list[i])
		}
		some = append(some, extra...)
		list = some
	}
	var out [][6]uint64
	// Each value in each of the first three arguments, the others from a
	// rotating pick, so that conditions on several arguments meet.
	for i, v := range list {
		for k := 0; k < 3; k++ {
			var a [6]uint64
			a[k] = v
			a[(k+1)%3] = list[(i*7+k)%len(list)]
			a[(k+2)%3] = list[(i*13+k+1)%len(list)]
			out = append(out, a)
		}
	}
	return out
}

var fuzzAudit = map[string]uint32{"x86_64": AuditArchX86_64, "x86": AuditArchI386}

func resolve(arch, name string) (int, bool) {
	nr, err := scmp.Number(arch, name)
	return nr, err == nil
}

func checkSemantics(t *testing.T, raw []byte, extra []uint64) {
	p := fuzzPolicy(raw)
	refusal := p.Validate()
	if refusal != nil && !errors.Is(refusal, policy.ErrAmbiguous) {
		t.Fatalf("Validate: %v (not an ambiguity)\npolicy: %+v", refusal, p.Rules)
	}
	if refusal != nil {
		return // whatever libseccomp makes of it, the product refuses it
	}
	// libseccomp 2.5.4 never returns from seccomp_rule_add for some rule
	// sets (runc and crun hang too): a timeout is one more refusal.
	type built struct {
		prog Program
		err  error
	}
	done := make(chan built, 1)
	go func() {
		prog, err := runcOrder(p)
		done <- built{prog, err}
	}()
	var ref Program
	var refErr error
	select {
	case b := <-done:
		ref, refErr = b.prog, b.err
	case <-time.After(5 * time.Second):
		refErr = errors.New("libseccomp does not return (an endless loop adding the rules)")
	}
	if refErr != nil {
		t.Fatalf("libseccomp refuses the policy in runc's order (%v), Validate accepts it\npolicy: %s", refErr, dump(p))
	}
	prog, err := Compile(p, Options{Arch: "x86_64", SkipUnknown: true})
	if err != nil {
		t.Fatalf("Compile: %v\npolicy: %s", err, dump(p))
	}
	args := probeArgs(p, extra)
	for _, abi := range p.Arches {
		for _, name := range fuzzNames {
			nr, ok := resolve(abi, name)
			if !ok {
				continue
			}
			for _, a := range args {
				d := Data{Nr: int32(nr), Arch: fuzzAudit[abi], Args: a}
				want := verdict(ref.Run(d))
				got := verdict(prog.Run(d))
				if got.Ret != want.Ret {
					t.Fatalf("%s %s%v: Compile %v, libseccomp in runc's order %v\npolicy: %s", abi, name, a[:3], got, want, dump(p))
				}
				if model := expect(p.EvalArch(abi, name, a)); model.Ret != want.Ret {
					t.Fatalf("%s %s%#x: policy.EvalArch %v, libseccomp in runc's order %v\npolicy: %s", abi, name, a[:3], model, want, dump(p))
				}
			}
		}
		// Numbers libseccomp cannot name: the product answers like runc's
		// stub (ENOSYS) unless the default lets syscalls run; the
		// reference (crun) gives the default action.
		max, err := scmp.MaxNr(abi)
		if err != nil {
			t.Fatal(err)
		}
		for _, nr := range []int{max + 1, max + 100, 4095} {
			d := Data{Nr: int32(nr), Arch: fuzzAudit[abi]}
			rt := p.Runtimes(abi, nr, "", [6]uint64{}, resolve)
			if got, want := verdict(ref.Run(d)), expect(rt.Crun); got.Ret != want.Ret {
				t.Fatalf("%s nr %d: libseccomp %v, Runtimes().Crun %v", abi, nr, got, want)
			}
			if p.HighestNamed(abi, resolve) < 0 {
				continue
			}
			if got, want := verdict(prog.Run(d)), expect(rt.Runc); got.Ret != want.Ret {
				t.Fatalf("%s nr %d: Compile %v, Runtimes().Runc %v\npolicy: %s", abi, nr, got, want, dump(p))
			}
		}
	}
}

func dump(p *policy.Policy) string {
	var b strings.Builder
	fmt.Fprintf(&b, "default %s", p.DefaultAction)
	if p.DefaultErrno != nil {
		fmt.Fprintf(&b, "(%d)", *p.DefaultErrno)
	}
	fmt.Fprintf(&b, " arches %v\n", p.Arches)
	for i, r := range p.Rules {
		e := ""
		if r.Errno != nil {
			e = fmt.Sprintf("(%d)", *r.Errno)
		}
		fmt.Fprintf(&b, "  %d: %v %s%s", i, r.Names, r.Action, e)
		for _, a := range r.Args {
			fmt.Fprintf(&b, " [a%d %s %#x %#x]", a.Index, a.Op, a.Value, a.ValueTwo)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func FuzzSemantics(f *testing.F) {
	for _, seed := range semanticsSeeds {
		f.Add(seed, uint64(0), uint64(1)<<40)
	}
	f.Fuzz(func(t *testing.T, raw []byte, x, y uint64) {
		checkSemantics(t, raw, []uint64{x, y, x ^ y})
	})
}

// TestSemanticsRandom runs the differential check over many generated
// policies (a deterministic stream), so that `go test` covers far more
// than the seed corpus.
func TestSemanticsRandom(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	state := uint64(0x9e3779b97f4a7c15)
	rnd := func() byte {
		state ^= state << 13
		state ^= state >> 7
		state ^= state << 17
		return byte(state)
	}
	refused, byFilter := 0, 0
	for i := 0; i < n; i++ {
		raw := make([]byte, 64)
		for j := range raw {
			raw[j] = rnd()
		}
		if err := fuzzPolicy(raw).Validate(); err != nil {
			refused++
			if strings.Contains(err.Error(), "builds for them") {
				byFilter++
			}
		}
		checkSemantics(t, raw, nil)
	}
	t.Logf("%d random policies, %d refused as ambiguous, %d of them by the check of libseccomp's filter", n, refused, byFilter)
	// That check turns any disagreement between the model and libseccomp
	// into a refusal, so it must stay rare, or this test would hide a
	// model that is wrong.
	if byFilter*50 > n {
		t.Errorf("%d of %d policies refused because libseccomp's filter answers otherwise than the model: the model may be wrong", byFilter, n)
	}
}

// semanticsSeeds are hand-made byte strings for the classes of issue 8;
// testdata/fuzz/FuzzSemantics holds more (found by `make fuzz`).
var semanticsSeeds = [][]byte{
	{0, 1, 2, 1, 0x04, 0, 0, 0x04, 0},                     // ERRNO uname then ALLOW uname
	{0, 1, 2, 0, 0x04, 0, 1, 0x04, 0},                     // ALLOW uname then ERRNO uname
	{1, 3, 3, 0, 0x01, 2, 0, 1, 3, 1, 0x01, 0},            // two conditions on arg0 (OR)
	{1, 2, 3, 0, 0x03, 1, 0, 1, 3, 0x03, 1, 3, 5},         // different actions, disjoint conditions
	{0, 1, 3, 1, 0x01, 0, 0, 0x01, 1, 0, 3, 0x01, 0},      // conditional then unconditional
	{2, 0, 2, 3, 0x10, 2, 18, 0, 19, 0xf0, 1, 2, 3, 4, 5}, // x86 only, masked
}

// TestLibseccompWordBug shows why Validate refuses several conditional
// rules for one syscall unless they are single equality tests: libseccomp
// 2.5.4 (what runc and crun link) builds filters for such rule sets that
// compare the wrong 32-bit half of an argument after moving from one rule
// to the next. The policies are refused; libseccomp's wrong answer is
// checked too, so that a fixed libseccomp makes this test say so.
func TestLibseccompWordBug(t *testing.T) {
	x := uint64(0x1464ff0d98463e6e)
	cond := func(op policy.Op, v uint64) policy.Rule {
		return policy.Rule{Names: []string{"getpid"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 2, Op: op, Value: v}}}
	}
	cases := []struct {
		rules []policy.Rule
		arg   uint64
	}{
		{[]policy.Rule{cond(policy.OpLessEqual, x), cond(policy.OpLessThan, 1<<63)}, x + 1},
		{[]policy.Rule{cond(policy.OpLessThan, 1<<63), cond(policy.OpLessEqual, x)}, x + 1},
		{[]policy.Rule{cond(policy.OpGreaterThan, 1<<40), cond(policy.OpLessThan, 1<<20)}, 1 << 21},
		// One rule with two conditions on one argument: the runtimes split it.
		{[]policy.Rule{{Names: []string{"getpid"}, Action: policy.ActAllow, Args: []policy.Arg{
			{Index: 2, Op: policy.OpGreaterThan, Value: 1 << 40}, {Index: 2, Op: policy.OpLessThan, Value: 1 << 20}}}}, 1 << 21},
	}
	for i, c := range cases {
		p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64"}, Rules: c.rules}
		if err := p.Validate(); !errors.Is(err, policy.ErrAmbiguous) {
			t.Errorf("case %d: Validate = %v, want a refusal", i, err)
		} else {
			t.Logf("case %d: %v", i, err)
		}
		ref, err := runcOrder(p)
		if err != nil {
			t.Fatal(err)
		}
		args := [6]uint64{0, 0, c.arg}
		got := verdict(ref.Run(Data{Nr: 39, Arch: AuditArchX86_64, Args: args}))
		if want := expect(p.Eval("getpid", args)); got.Ret == want.Ret {
			t.Errorf("case %d: libseccomp now answers %v for %#x as the rules say: the refusal may be lifted\n%s", i, got, c.arg, disasm(ref))
		}
	}
}

// TestCompileFileOrder: the example. ERRNO uname followed by ALLOW
// uname is denied by runc and crun (and the other way round allowed); the
// compiled filter says the same, and so does a rule with two conditions on
// one argument (OR). A policy the runtimes read differently is refused.
func TestCompileFileOrder(t *testing.T) {
	uname, _ := scmp.Number("x86_64", "uname")
	getpid, _ := scmp.Number("x86_64", "getpid")
	errnoUname := policy.Rule{Names: []string{"uname"}, Action: policy.ActErrno, Errno: policy.Errno(13)}
	allowUname := policy.Rule{Names: []string{"uname"}, Action: policy.ActAllow}
	or := policy.Rule{Names: []string{"getpid"}, Action: policy.ActAllow, Args: []policy.Arg{
		{Index: 0, Value: 1, Op: policy.OpEqualTo}, {Index: 0, Value: 2, Op: policy.OpEqualTo}}}
	for _, c := range []struct {
		rules []policy.Rule
		nr    int
		arg   uint64
		want  policy.Verdict
	}{
		{[]policy.Rule{errnoUname, allowUname}, uname, 0, policy.Verdict{Action: policy.ActErrno, Errno: 13}},
		{[]policy.Rule{allowUname, errnoUname}, uname, 0, policy.Verdict{Action: policy.ActAllow}},
		{[]policy.Rule{or}, getpid, 1, policy.Verdict{Action: policy.ActAllow}},
		{[]policy.Rule{or}, getpid, 2, policy.Verdict{Action: policy.ActAllow}},
		{[]policy.Rule{or}, getpid, 3, policy.Verdict{Action: policy.ActErrno, Errno: policy.EPERM}},
	} {
		p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64"}, Rules: c.rules}
		for _, linear := range []bool{false, true} {
			prog, err := Compile(p, Options{Arch: "x86_64", Linear: linear})
			if err != nil {
				t.Fatal(err)
			}
			got := verdict(prog.Run(Data{Nr: int32(c.nr), Arch: AuditArchX86_64, Args: [6]uint64{c.arg}}))
			if want := expect(c.want); got.Ret != want.Ret {
				t.Errorf("%v nr %d arg %d: filter %v, want %v\n%s", c.rules, c.nr, c.arg, got, want, disasm(prog))
			}
			if model := expect(p.Eval(scmpName(c.nr), [6]uint64{c.arg})); model.Ret != got.Ret {
				t.Errorf("%v nr %d: policy.Eval %v, filter %v", c.rules, c.nr, model, got)
			}
		}
	}
	bad := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64"}, Rules: []policy.Rule{
		{Names: []string{"uname"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 1, Op: policy.OpEqualTo}}},
		{Names: []string{"uname"}, Action: policy.ActErrno, Errno: policy.Errno(13), Args: []policy.Arg{{Index: 0, Value: 1, Op: policy.OpEqualTo}}}}}
	if _, err := Compile(bad, Options{Arch: "x86_64"}); !errors.Is(err, policy.ErrAmbiguous) {
		t.Errorf("Compile of an ambiguous policy: %v, want policy.ErrAmbiguous", err)
	}
}

func scmpName(nr int) string {
	n, _ := scmp.Name("x86_64", nr)
	return n
}

// TestRangeRulesVerified: several rules of comparisons on one argument
// (moby's default since "Block AF_ALG": socket allowed for a0 < 38,
// a0 == 39 and a0 > 40) were refused by shape, "two range comparisons on
// argument 0 in different rules", although libseccomp 2.5.4 compiles them
// right (runc and Docker enforce them as written): the moby profile Docker
// ships next could not be read. Such rule sets are now tried on every class
// of values (rangeProbes) and accepted when the filter agrees with the
// rules; TestLibseccompWordBug's are still refused, by that check.
func TestRangeRulesVerified(t *testing.T) {
	rule := func(op policy.Op, v uint64) policy.Rule {
		return policy.Rule{Names: []string{"socket"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Op: op, Value: v}}}
	}
	p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64", "x86", "x32"},
		Rules: []policy.Rule{rule(policy.OpLessThan, 38), rule(policy.OpEqualTo, 39), rule(policy.OpGreaterThan, 40)}}
	if err := p.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	ref, err := runcOrder(p)
	if err != nil {
		t.Fatal(err)
	}
	nr, _ := scmp.Number("x86_64", "socket")
	for _, hi := range []uint64{0, 1, 0xffffffff} {
		for lo := uint64(0); lo < 64; lo++ {
			args := [6]uint64{hi<<32 | lo}
			got := verdict(ref.Run(Data{Nr: int32(nr), Arch: AuditArchX86_64, Args: args}))
			if want := expect(p.Eval("socket", args)); got.Ret != want.Ret {
				t.Fatalf("socket(%#x): libseccomp's filter %v, the rules %v", args[0], got, want)
			}
		}
	}
	// The same rules without the verifier (a program that cannot compile)
	// are refused, and the refusal says the commands check them.
	saved := policy.FilterVerifier
	policy.FilterVerifier = nil
	defer func() { policy.FilterVerifier = saved }()
	if err := p.Validate(); !errors.Is(err, policy.ErrAmbiguous) || !strings.Contains(err.Error(), "checked against libseccomp by seccomp-gen's commands") {
		t.Errorf("Validate without the verifier: %v", err)
	}
}
