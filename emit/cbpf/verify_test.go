package cbpf

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/policy"
)

func cond(i uint, op policy.Op, v, v2 uint64) policy.Arg {
	return policy.Arg{Index: i, Op: op, Value: v, ValueTwo: v2}
}

// wordBugPolicy is a rule set of equality tests on two arguments that
// libseccomp 2.5.4 compiles wrongly (found by TestVerifyFilterRandom's
// search): on x86_64, after rule 3's test of a3 fails, the filter jumps into
// code shared with the x86 section that still holds a3 where it expects a1,
// and allows getpid(0, 1, 0, 0).
func wordBugPolicy() *policy.Policy {
	EQ, M := policy.OpEqualTo, policy.OpMaskedEqual
	r := func(a policy.Action, e *uint, args ...policy.Arg) policy.Rule {
		return policy.Rule{Names: []string{"getpid"}, Action: a, Errno: e, Args: args}
	}
	return &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64", "x86"}, Rules: []policy.Rule{
		r(policy.ActAllow, nil, cond(1, EQ, 0, 0)),
		r(policy.ActAllow, nil, cond(1, EQ, 2, 0), cond(3, EQ, 1, 0)),
		r(policy.ActAllow, nil, cond(1, M, 1, 0)),
		r(policy.ActKillProcess, nil, cond(1, M, 0xffffffff, 1), cond(3, EQ, 0xffffffff, 0)),
		r(policy.ActErrno, policy.Errno(13), cond(1, EQ, 0xffffffff, 0), cond(3, EQ, 3, 0)),
	}}
}

func TestVerifyFilterRefusesWordBug(t *testing.T) {
	p := wordBugPolicy()
	err := p.Validate()
	var amb *policy.AmbiguousError
	if !errors.As(err, &amb) || amb.Syscall != "getpid" || !strings.Contains(amb.Reason, "getpid(0x0, 0x1") {
		t.Fatalf("Validate = %v, want the verifier's refusal naming getpid(0x0, 0x1, ...)", err)
	}
	t.Log(err)
	// The refusal is libseccomp's doing: its filter really allows the call.
	ref, err := runcOrder(p)
	if err != nil {
		t.Fatal(err)
	}
	args := [6]uint64{0, 1}
	if got := verdict(ref.Run(Data{Nr: 39, Arch: AuditArchX86_64, Args: args})); got.Ret != 0x7fff0000 {
		t.Errorf("libseccomp now answers %v for getpid(0, 1): the bug may be fixed\n%s", got, disasm(ref))
	}
	if want := p.EvalArch("x86_64", "getpid", args); want.Action != policy.ActErrno {
		t.Errorf("model: %v, want the default EPERM", want)
	}
	// Without the verifier (a pure-Go user of package policy) the class is
	// refused outright.
	saved := policy.FilterVerifier
	policy.FilterVerifier = nil
	defer func() { policy.FilterVerifier = saved }()
	if err := p.Validate(); !errors.Is(err, policy.ErrAmbiguous) || !strings.Contains(err.Error(), "cannot check them") {
		t.Errorf("Validate without a verifier = %v, want a refusal", err)
	}
}

// reducerPairs is the shape generate writes for socket (domain, type):
// ALLOW for each observed pair, EPERM for every other domain and for every
// other type, the default ENOSYS.
func reducerPairs(arches []string, i0, i1 uint, doms, types []uint64, m1 uint64) *policy.Policy {
	p := &policy.Policy{DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(38), Arches: arches}
	for _, d := range doms {
		for _, ty := range types {
			p.Rules = append(p.Rules, policy.Rule{Names: []string{"getpid"}, Action: policy.ActAllow,
				Args: []policy.Arg{cond(i0, policy.OpEqualTo, d, 0), cond(i1, policy.OpMaskedEqual, m1, ty)}})
		}
	}
	for _, c := range testComplement(i0, 0xffffffff, doms) {
		p.Rules = append(p.Rules, policy.Rule{Names: []string{"getpid"}, Action: policy.ActErrno, Errno: policy.Errno(1), Args: []policy.Arg{c}})
	}
	for _, c := range testComplement(i1, m1, types) {
		p.Rules = append(p.Rules, policy.Rule{Names: []string{"getpid"}, Action: policy.ActErrno, Errno: policy.Errno(1), Args: []policy.Arg{c}})
	}
	return p
}

// testComplement: masked tests that together hold for the values outside
// allowed (a trie over the mask's bits, as reduce builds them).
func testComplement(idx uint, mask uint64, allowed []uint64) []policy.Arg {
	var out []policy.Arg
	var rec func(b int, pm, pv uint64, vs []uint64)
	rec = func(b int, pm, pv uint64, vs []uint64) {
		if len(vs) == 0 {
			out = append(out, cond(idx, policy.OpMaskedEqual, pm, pv))
			return
		}
		for b >= 0 && mask&(1<<b) == 0 {
			b--
		}
		if b < 0 {
			return
		}
		var zero, one []uint64
		for _, v := range vs {
			if v&(1<<b) != 0 {
				one = append(one, v)
			} else {
				zero = append(zero, v)
			}
		}
		rec(b-1, pm|1<<b, pv, zero)
		rec(b-1, pm|1<<b, pv|1<<b, one)
	}
	rec(63, 0, 0, allowed)
	return out
}

// TestVerifyFilterRandom: random rule sets of the verified class (two
// arguments, equality tests) and of the reducer's shape. Whatever Validate
// accepts must be compiled by libseccomp (runc's order) as the model says
// on a dense grid of argument values the verifier did not choose. (Refusals
// are rare here, about one rule set in 5000 of this kind:
// TestVerifyFilterRefusesWordBug holds one.)
func TestVerifyFilterRandom(t *testing.T) {
	n := 600
	if testing.Short() {
		n = 100
	}
	state := uint64(0x77123)
	rnd := func(k int) int {
		state ^= state << 13
		state ^= state >> 7
		state ^= state << 17
		return int(state % uint64(k))
	}
	vals := []uint64{0, 1, 2, 3, 6, 0x10, 0x800, 0x80001, 0x7fffffff, 0x80000000, 0xffffffff}
	masks := []uint64{0xffffffff, 0xffffffff &^ 0x80800, 0xff, 0xf0, 0x7e020000, 0x80000000, 1}
	acts := []struct {
		a policy.Action
		e *uint
	}{{policy.ActAllow, nil}, {policy.ActAllow, nil}, {policy.ActErrno, policy.Errno(1)}, {policy.ActErrno, policy.Errno(13)}, {policy.ActKillProcess, nil}}
	grid := []uint64{0, 1, 2, 3, 5, 6, 0x10, 0x11, 0x800, 0x801, 0x80001, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000002, 0xffffffff00000001, 0x7e020000}
	accepted, refused, reducer := 0, 0, 0
	for i := 0; i < n; i++ {
		arches := [][]string{{"x86_64"}, {"x86_64", "x86"}, {"x86"}}[rnd(3)]
		ia := uint(rnd(6))
		ib := (ia + 1 + uint(rnd(5))) % 6
		var p *policy.Policy
		if i%3 == 0 {
			var doms, types []uint64
			for k := 1 + rnd(3); k > 0; k-- {
				doms = append(doms, []uint64{1, 2, 10, 16, 38}[rnd(5)])
				types = append(types, []uint64{1, 2, 3, 5, 10}[rnd(5)])
			}
			p = reducerPairs(arches, ia, ib, dedupe(doms), dedupe(types), 0xffffffff&^0x80800)
		} else {
			p = &policy.Policy{DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(uint([]int{1, 38}[rnd(2)])), Arches: arches}
			for k := 1 + rnd(10); k > 0; k-- {
				a := acts[rnd(len(acts))]
				r := policy.Rule{Names: []string{"getpid"}, Action: a.a, Errno: a.e}
				for _, idx := range [][]uint{{ia}, {ib}, {ia, ib}, {ib, ia}, {ia, ib}}[rnd(5)] {
					c := cond(idx, policy.OpEqualTo, vals[rnd(len(vals))], 0)
					if rnd(2) == 0 {
						c = cond(idx, policy.OpMaskedEqual, masks[rnd(len(masks))], vals[rnd(len(vals))])
						c.ValueTwo &= c.Value
					}
					r.Args = append(r.Args, c)
				}
				p.Rules = append(p.Rules, r)
			}
		}
		if err := p.Validate(); err != nil {
			if !errors.Is(err, policy.ErrAmbiguous) {
				t.Fatalf("Validate: %v\n%s", err, dump(p))
			}
			if strings.Contains(err.Error(), "libseccomp 2.5.4 builds for them") {
				refused++
			}
			if i%3 == 0 {
				t.Errorf("the reducer's shape refused: %v\n%s", err, dump(p))
			}
			continue
		}
		accepted++
		if i%3 == 0 {
			reducer++
		}
		ref, err := runcOrder(p)
		if err != nil {
			t.Fatalf("libseccomp refuses what Validate accepts: %v\n%s", err, dump(p))
		}
		own, err := Compile(p, Options{Arch: "x86_64"})
		if err != nil {
			t.Fatalf("Compile: %v\n%s", err, dump(p))
		}
		for _, abi := range arches {
			nr, _ := resolve(abi, "getpid")
			for _, x := range grid {
				for _, y := range grid {
					var a [6]uint64
					a[ia], a[ib] = x, y
					a[(ib+1)%6] = x // a third argument no rule tests
					d := Data{Nr: int32(nr), Arch: fuzzAudit[abi], Args: a}
					want := expect(p.EvalArch(abi, "getpid", a))
					if got := verdict(ref.Run(d)); got.Ret != want.Ret {
						t.Fatalf("%s %#x: libseccomp in runc's order %v, model %v; Validate accepted\n%s", abi, a, got, want, dump(p))
					}
					if got := verdict(own.Run(d)); got.Ret != want.Ret {
						t.Fatalf("%s %#x: Compile %v, model %v\n%s", abi, a, got, want, dump(p))
					}
				}
			}
		}
	}
	t.Logf("%d rule sets: %d accepted (%d of the reducer's shape), %d refused as miscompiled by libseccomp", n, accepted, reducer, refused)
	if accepted == 0 || reducer == 0 {
		t.Errorf("nothing accepted (%d, %d of the reducer's shape): the test shows nothing", accepted, reducer)
	}
}

func dedupe(v []uint64) []uint64 {
	var out []uint64
	for _, x := range v {
		dup := false
		for _, y := range out {
			dup = dup || x == y
		}
		if !dup {
			out = append(out, x)
		}
	}
	return out
}

func TestAtoms(t *testing.T) {
	// x == 5 and x & 0xf0 == 0x10: outcomes (F,F) (T,F) (F,T); (T,T) is
	// impossible.
	got, ok := atoms([]wordPred{{0xffffffff, 5}, {0xf0, 0x10}}, 1000)
	if !ok || len(got) != 3 {
		t.Fatalf("atoms = %#x, %v; want 3 words", got, ok)
	}
	if _, ok := atoms([]wordPred{{0xffffffff, 5}}, 10); ok {
		t.Errorf("atoms over the limit: want false")
	}
}

// TestVerifyFilterConcurrentOnce: goroutines verifying the same policy at
// the same time compile it once; the others wait for that answer (the
// reducer's fit tests run fixtures in parallel over the same policies).
func TestVerifyFilterConcurrentOnce(t *testing.T) {
	saved := verifyCompile
	t.Cleanup(func() { verifyCompile = saved })
	var calls atomic.Int32
	release := make(chan struct{})
	verifyCompile = func(p *policy.Policy, exhaustive []string) error {
		calls.Add(1)
		<-release
		return saved(p, exhaustive)
	}
	// A policy no other test verifies (its errno), so not in the cache.
	p := &policy.Policy{DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(4093), Arches: []string{"x86_64"},
		Rules: []policy.Rule{{Names: []string{"getpid"}, Action: policy.ActAllow}}}
	const n = 4
	errs := make(chan error, n)
	for range n {
		go func() { errs <- VerifyFilter(p, nil) }()
	}
	time.Sleep(200 * time.Millisecond) // let them all reach the cache
	close(release)
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if c := calls.Load(); c != 1 {
		t.Errorf("%d concurrent verifications of one policy compiled it %d times, want once", n, c)
	}
}

// checkProgram compares the errno of SCMP_ACT_TRACE answers too (it is the
// tracer's message data): a filter that answers TRACE(1) where the rules
// say TRACE(2) is miscompiled.
func TestCheckProgramTraceData(t *testing.T) {
	p := &policy.Policy{DefaultAction: policy.ActAllow, Arches: []string{"x86_64"},
		Rules: []policy.Rule{{Names: []string{"getpid"}, Action: policy.ActTrace, Errno: policy.Errno(2)}}}
	for _, c := range []struct {
		data uint32
		ok   bool
	}{{2, true}, {1, false}} {
		prog := Program{ret(RetTrace | c.data)}
		err := checkProgram(prog, p, []string{"x86_64"}, []string{"getpid"}, "the test filter", nil)
		var amb *policy.AmbiguousError
		if c.ok && err != nil || !c.ok && (!errors.As(err, &amb) || !amb.Miscompiled) {
			t.Errorf("filter answering TRACE(%d) where the rule says TRACE(2): %v", c.data, err)
		}
	}
}

// TestFilterKeyAsFmt: filterKey, written without fmt for the names, is the
// key it was with fmt (the cache of verifications keys on it: two policies
// must never share one).
func TestFilterKeyAsFmt(t *testing.T) {
	old := func(p *policy.Policy, exhaustive []string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%s/%v/%v/%v\n", p.DefaultAction, errnoOf(p.DefaultErrno), p.Arches, exhaustive)
		for _, r := range p.Rules {
			fmt.Fprintf(&b, "%v %s %v %v\n", r.Names, r.Action, errnoOf(r.Errno), r.Args)
		}
		return b.String()
	}
	ps := []*policy.Policy{wordBugPolicy(), {DefaultAction: policy.ActAllow}}
	ps = append(ps, &policy.Policy{DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(38), Arches: []string{"x86_64", "x86", "x32"}, Rules: []policy.Rule{
		{Names: []string{"read", "write", "close"}, Action: policy.ActAllow},
		{Names: []string{"ptrace"}, Action: policy.ActErrno, Errno: policy.Errno(0)},
		{Names: []string{"socket"}, Action: policy.ActTrace, Errno: policy.Errno(65535), Args: []policy.Arg{cond(0, policy.OpEqualTo, 1, 0), cond(1, policy.OpMaskedEqual, 0xff, 2)}},
		{Names: []string{}, Action: policy.ActLog, Args: []policy.Arg{}},
	}})
	for _, p := range ps {
		for _, ex := range [][]string{nil, {"getpid", "socket"}} {
			if got, want := filterKey(p, ex), old(p, ex); got != want {
				t.Errorf("filterKey:\n%s\nwith fmt:\n%s", got, want)
			}
		}
	}
}
