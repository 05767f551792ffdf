package policy

import (
	"errors"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

func eqArg(i uint, v uint64) Arg { return Arg{Index: i, Value: v, Op: OpEqualTo} }

// The classes of issue 8, each as runc and crun were measured to apply
// them (internal/runtimetest's TestRuleSemanticsUnderRuncAndCrun runs the
// same shapes in real containers).
func TestEvalRuntimeSemantics(t *testing.T) {
	allow := Verdict{Action: ActAllow, Errno: EPERM}
	e13 := Verdict{Action: ActErrno, Errno: 13}
	deny := Verdict{Action: ActErrno, Errno: EPERM}
	cases := []struct {
		name  string
		rules []Rule
		call  string
		args  [6]uint64
		want  Verdict
	}{
		{"errno then allow", []Rule{{Names: []string{"uname"}, Action: ActErrno, Errno: Errno(13)}, {Names: []string{"uname"}, Action: ActAllow}}, "uname", [6]uint64{}, e13},
		{"allow then errno", []Rule{{Names: []string{"uname"}, Action: ActAllow}, {Names: []string{"uname"}, Action: ActErrno, Errno: Errno(13)}}, "uname", [6]uint64{}, allow},
		{"conditional then unconditional", []Rule{{Names: []string{"uname"}, Action: ActErrno, Errno: Errno(13), Args: []Arg{eqArg(0, 1)}}, {Names: []string{"uname"}, Action: ActAllow}}, "uname", [6]uint64{1}, allow},
		{"same index is OR (1)", []Rule{{Names: []string{"uname"}, Action: ActAllow, Args: []Arg{eqArg(0, 1), eqArg(0, 2)}}}, "uname", [6]uint64{2}, allow},
		{"same index is OR (3)", []Rule{{Names: []string{"uname"}, Action: ActAllow, Args: []Arg{eqArg(0, 1), eqArg(0, 2), eqArg(1, 7)}}}, "uname", [6]uint64{0, 7}, allow},
		{"different indexes are AND", []Rule{{Names: []string{"uname"}, Action: ActAllow, Args: []Arg{eqArg(0, 1), eqArg(1, 2)}}}, "uname", [6]uint64{1, 0}, deny},
		{"default-equal rule skipped", []Rule{{Names: []string{"uname"}, Action: ActErrno}, {Names: []string{"uname"}, Action: ActAllow}}, "uname", [6]uint64{}, allow},
		{"explicit EPERM equals default", []Rule{{Names: []string{"uname"}, Action: ActErrno, Errno: Errno(1)}, {Names: []string{"uname"}, Action: ActErrno, Errno: Errno(13)}}, "uname", [6]uint64{}, e13},
		{"masked with mask 0 is unconditional", []Rule{{Names: []string{"uname"}, Action: ActErrno, Errno: Errno(13), Args: []Arg{{Index: 0, Op: OpMaskedEqual, Value: 0, ValueTwo: 1}}}, {Names: []string{"uname"}, Action: ActAllow}}, "uname", [6]uint64{5}, e13},
		{"masked masks the value", []Rule{{Names: []string{"uname"}, Action: ActAllow, Args: []Arg{{Index: 0, Op: OpMaskedEqual, Value: 0xf0, ValueTwo: 0x3f}}}}, "uname", [6]uint64{0x30}, allow},
	}
	for _, c := range cases {
		p := &Policy{DefaultAction: ActErrno, Arches: []string{"x86_64"}, Rules: c.rules}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: Validate: %v", c.name, err)
		}
		if got := p.Eval(c.call, c.args); got != c.want {
			t.Errorf("%s: Eval = %+v, want %+v", c.name, got, c.want)
		}
		q := *p
		q.Rules = append([]Rule(nil), p.Rules...)
		q.Canonicalize()
		if got := q.Eval(c.call, c.args); got != c.want {
			t.Errorf("%s: after Canonicalize Eval = %+v, want %+v (rules %+v)", c.name, got, c.want, q.Rules)
		}
	}
}

func TestEvalArch32(t *testing.T) {
	p := &Policy{DefaultAction: ActErrno, Arches: []string{"x86_64", "x86"}, Rules: []Rule{
		{Names: []string{"uname"}, Action: ActAllow, Args: []Arg{eqArg(0, 1<<32|5)}},
		// On 32-bit ABIs only the low word of the mask counts: a mask of
		// 1<<32 is a no-op there, so the rule is unconditional.
		{Names: []string{"getpid"}, Action: ActAllow, Args: []Arg{{Index: 0, Op: OpMaskedEqual, Value: 1 << 32, ValueTwo: 0}}},
	}}
	if v := p.EvalArch("x86", "uname", [6]uint64{5}); v.Action != ActAllow {
		t.Errorf("x86 uname(5) = %+v: the low words match", v)
	}
	if v := p.EvalArch("x86_64", "uname", [6]uint64{5}); v.Action != ActErrno {
		t.Errorf("x86_64 uname(5) = %+v", v)
	}
	if v := p.LookupArch("x86", "getpid"); v.Conditional || v.Action != ActAllow {
		t.Errorf("x86 getpid = %+v, want unconditional allow", v)
	}
	if v := p.Lookup("getpid"); !v.Conditional {
		t.Errorf("x86_64 getpid = %+v, want conditional", v)
	}
}

func TestCheckRefuses(t *testing.T) {
	r := func(a Action, e *uint, args ...Arg) Rule {
		return Rule{Names: []string{"getuid"}, Action: a, Errno: e, Args: args}
	}
	bad := map[string]*Policy{
		"flags":                 {Flags: []string{"SECCOMP_FILTER_FLAG_LOG"}},
		"errno on allow":        {Rules: []Rule{r(ActAllow, Errno(5))}},
		"default errno on kill": {DefaultAction: ActKillProcess, DefaultErrno: Errno(5)},
		"errno 4095":            {Rules: []Rule{r(ActErrno, Errno(4095))}},
		"default errno 4095":    {DefaultErrno: Errno(4095)},
		"not equal and a range": {Rules: []Rule{r(ActAllow, nil, Arg{Index: 0, Op: OpNotEqual, Value: 7}), r(ActErrno, Errno(13), Arg{Index: 0, Op: OpLessEqual, Value: 10})}},
		"seven conditions":      {Rules: []Rule{r(ActAllow, nil, eqArg(0, 1), eqArg(1, 1), eqArg(2, 1), eqArg(3, 1), eqArg(4, 1), eqArg(5, 1), eqArg(0, 2))}},
		"identical conditions":  {Rules: []Rule{r(ActAllow, nil, eqArg(0, 1)), r(ActErrno, Errno(13), eqArg(0, 1))}},
		"overlapping":           {Rules: []Rule{r(ActAllow, nil, eqArg(0, 1)), r(ActErrno, Errno(13), eqArg(1, 1))}},
		"ranges side by side":   {Rules: []Rule{r(ActAllow, nil, Arg{Index: 0, Op: OpGreaterThan, Value: 1 << 40}), r(ActAllow, nil, Arg{Index: 0, Op: OpLessThan, Value: 1 << 20})}},
		"ranges in one rule":    {Rules: []Rule{r(ActAllow, nil, Arg{Index: 0, Op: OpGreaterThan, Value: 1 << 40}, Arg{Index: 0, Op: OpLessThan, Value: 1 << 20})}},
		"chain next to a chain": {Rules: []Rule{r(ActAllow, nil, eqArg(0, 1), eqArg(1, 1)), r(ActAllow, nil, eqArg(0, 2))}},
	}
	for name, p := range bad {
		if p.DefaultAction == "" {
			p.DefaultAction = ActErrno
		}
		p.Arches = []string{"x86_64"}
		err := p.Validate()
		var ae *AmbiguousError
		if !errors.Is(err, ErrAmbiguous) || !errors.As(err, &ae) {
			t.Errorf("%s: Validate = %v, want an *AmbiguousError", name, err)
			continue
		}
		t.Logf("%s: %v", name, err)
	}
	good := map[string][]Rule{
		"disjoint different actions": {r(ActAllow, nil, eqArg(0, 1)), r(ActErrno, Errno(13), eqArg(0, 2))},
		"personality-like":           {r(ActAllow, nil, eqArg(0, 0)), r(ActAllow, nil, eqArg(0, 8)), r(ActAllow, nil, eqArg(0, 0xffffffff))},
		"socket-like":                {r(ActAllow, nil, Arg{Index: 0, Op: OpLessThan, Value: 12}), r(ActAllow, nil, eqArg(0, 13)), r(ActAllow, nil, eqArg(0, 1<<32|14))},
		"eq, ne, masked, one range":  {r(ActAllow, nil, Arg{Index: 0, Op: OpNotEqual, Value: 7}), r(ActAllow, nil, Arg{Index: 0, Op: OpMaskedEqual, Value: 0xf0}), r(ActAllow, nil, Arg{Index: 0, Op: OpGreaterEqual, Value: 1 << 40}), r(ActAllow, nil, Arg{Index: 1, Op: OpLessThan, Value: 3})},
		"one chain":                  {r(ActAllow, nil, Arg{Index: 0, Op: OpMaskedEqual, Value: 0x7E020000}, Arg{Index: 1, Op: OpLessThan, Value: 9})},
		"unconditional first":        {r(ActAllow, nil), r(ActErrno, Errno(13), eqArg(0, 1)), r(ActKillProcess, nil, eqArg(1, 1))},
		"overlap wiped later":        {r(ActAllow, nil, Arg{Index: 0, Op: OpGreaterThan, Value: 1 << 40}), r(ActAllow, nil, Arg{Index: 0, Op: OpLessThan, Value: 1 << 20}), r(ActErrno, Errno(13))},
	}
	for name, rules := range good {
		p := &Policy{DefaultAction: ActErrno, Arches: []string{"x86_64"}, Rules: rules}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// On x86 libseccomp compares the low words only: conditions that
	// differ in the high word hold together there.
	p32 := &Policy{DefaultAction: ActErrno, Arches: []string{"x86_64", "x86"}, Rules: []Rule{r(ActAllow, nil, eqArg(0, 1)), r(ActErrno, Errno(13), eqArg(0, 1<<32|1))}}
	if err := p32.Validate(); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("rules disjoint on x86_64 only: Validate = %v, want ErrAmbiguous", err)
	}
	// Ranges that share one value (5) both hold there; on an x86-only
	// profile nothing else refuses them.
	meet := &Policy{DefaultAction: ActErrno, Arches: []string{"x86"}, Rules: []Rule{
		r(ActAllow, nil, Arg{Index: 0, Op: OpGreaterEqual, Value: 5}), r(ActErrno, Errno(13), Arg{Index: 0, Op: OpLessEqual, Value: 5})}}
	if err := meet.Validate(); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("ranges meeting at 5: Validate = %v, want ErrAmbiguous", err)
	}
	p32.Arches = []string{"x86_64"}
	if err := p32.Validate(); err != nil {
		t.Errorf("rules disjoint on x86_64: %v", err)
	}
	// The error names the rules in file order.
	p := &Policy{DefaultAction: ActErrno, Arches: []string{"x86_64"}, Rules: []Rule{
		{Names: []string{"read"}, Action: ActAllow}, r(ActAllow, nil, eqArg(0, 1)), r(ActErrno, Errno(13), eqArg(0, 1))}}
	if err := p.Validate(); err == nil || !strings.HasPrefix(err.Error(), "rules 1 and 2 (getuid): ") {
		t.Errorf("Validate = %v, want it to name rules 1 and 2", err)
	}
}

func TestRuntimes(t *testing.T) {
	nrs := map[string]int{"read": 0, "write": 1, "getpid": 39, "uname": 63}
	resolve := func(arch, name string) (int, bool) { nr, ok := nrs[name]; return nr, ok }
	p := &Policy{DefaultAction: ActErrno, Arches: []string{"x86_64"}, Rules: []Rule{
		{Names: []string{"read", "write"}, Action: ActAllow}, {Names: []string{"getpid"}, Action: ActErrno}}}
	if hi := p.HighestNamed("x86_64", resolve); hi != 39 {
		t.Errorf("HighestNamed = %d, want 39 (a rule the runtimes skip still counts)", hi)
	}
	enosys := Verdict{Action: ActErrno, Errno: ENOSYS}
	eperm := Verdict{Action: ActErrno, Errno: EPERM}
	for _, c := range []struct {
		nr         int
		name       string
		runc, crun Verdict
	}{
		{1, "write", Verdict{Action: ActAllow, Errno: EPERM}, Verdict{Action: ActAllow, Errno: EPERM}},
		{39, "getpid", eperm, eperm},
		{63, "uname", enosys, eperm}, // named, above the highest named
		{1000, "", enosys, eperm},
	} {
		got := p.Runtimes("x86_64", c.nr, c.name, [6]uint64{}, resolve)
		if got.Runc != c.runc || got.Crun != c.crun || got.Agree() != (c.runc == c.crun) {
			t.Errorf("%d %s: %+v, want runc %+v crun %+v", c.nr, c.name, got, c.runc, c.crun)
		}
	}
	p.DefaultAction = ActAllow
	if got := p.Runtimes("x86_64", 1000, "", [6]uint64{}, resolve); !got.Agree() || got.Runc.Action != ActAllow {
		t.Errorf("allow default, nr 1000: %+v", got)
	}
}

// runc's stub takes each name's number from libseccomp's name lookup,
// which on x86 gives the socket and ipc calls negative pseudo numbers
// (shmdt: -222, not 398): runc skips them, so a rule for shmdt does not
// raise the stub and runc answers ENOSYS for shmdt itself (measured on
// the filter runc 1.1.5 loads). A profile naming only syscall 0 gets no
// stub on that ABI (runc looks for a highest number above 0).
func TestRuncStubNumbers(t *testing.T) {
	nrs := map[string]map[string]int{
		"x86":    {"read": 3, "rseq": 386, "shmdt": 398, "socket": 359},
		"x86_64": {"read": 0, "rseq": 334, "shmdt": 67, "socket": 41},
	}
	resolve := func(arch, name string) (int, bool) { nr, ok := nrs[arch][name]; return nr, ok }
	allow := Verdict{Action: ActAllow, Errno: EPERM}
	enosys := Verdict{Action: ActErrno, Errno: ENOSYS}
	eperm := Verdict{Action: ActErrno, Errno: EPERM}
	cases := []struct {
		name       string
		names      []string
		arch       string
		highest    int
		nr         int
		call       string
		runc, crun Verdict
	}{
		{"x86: shmdt above the stub", []string{"read", "rseq", "shmdt"}, "x86", 386, 398, "shmdt", enosys, allow},
		{"x86: socket below rseq", []string{"read", "rseq", "socket"}, "x86", 386, 359, "socket", allow, allow},
		{"x86: between rseq and shmdt", []string{"shmdt", "read", "rseq"}, "x86", 386, 390, "", enosys, eperm},
		{"x86_64: shmdt counts", []string{"read", "shmdt"}, "x86_64", 67, 67, "shmdt", allow, allow},
		{"x86_64: only syscall 0, no stub", []string{"read"}, "x86_64", 0, 1000, "", eperm, eperm},
		// The stub compares numbers unsigned, but on x86_64 it passes
		// those with the x32 bit set to the filter when the profile has
		// no x32: syscall(-1) meets the default under runc too.
		{"x86: -1 above the stub", []string{"read", "rseq"}, "x86", 386, -1, "", enosys, eperm},
		{"x86_64: bit 31 above the stub", []string{"read", "rseq"}, "x86_64", 334, int(int32(-0x7ffffffb)), "", enosys, Verdict{Action: ActKill}},
		{"x86_64: -1 passed to the filter", []string{"read", "rseq"}, "x86_64", 334, -1, "", eperm, eperm},
	}
	for _, c := range cases {
		p := &Policy{DefaultAction: ActErrno, Arches: []string{"x86_64", "x86"}, Rules: []Rule{{Names: c.names, Action: ActAllow}}}
		if hi := p.HighestNamed(c.arch, resolve); hi != c.highest {
			t.Errorf("%s: HighestNamed = %d, want %d", c.name, hi, c.highest)
		}
		got := p.Runtimes(c.arch, c.nr, c.call, [6]uint64{}, resolve)
		if got.Runc != c.runc || got.Crun != c.crun {
			t.Errorf("%s: %+v, want runc %+v crun %+v", c.name, got, c.runc, c.crun)
		}
	}
}

// randomPolicy makes policies whose rules overlap a lot: few names, few
// values, every action and op.
func randomPolicy(rnd *rand.Rand) *Policy {
	names := []string{"a", "b", "c", "d"}
	acts := []struct {
		a Action
		e *uint
	}{{ActAllow, nil}, {ActErrno, nil}, {ActErrno, Errno(1)}, {ActErrno, Errno(13)}, {ActKill, nil}, {ActKillThread, nil}, {ActKillProcess, nil}, {ActLog, nil}, {ActTrace, nil}}
	ops := []Op{OpEqualTo, OpEqualTo, OpEqualTo, OpNotEqual, OpLessThan, OpGreaterEqual, OpMaskedEqual}
	d := acts[rnd.Intn(len(acts))]
	p := &Policy{DefaultAction: d.a, Arches: [][]string{{"x86_64"}, {"x86"}, {"x86_64", "x86"}}[rnd.Intn(3)]}
	if d.a == ActErrno {
		p.DefaultErrno = d.e
	}
	for n := rnd.Intn(9); n > 0; n-- {
		a := acts[rnd.Intn(len(acts))]
		r := Rule{Action: a.a, Errno: a.e, Comment: []string{"", "x"}[rnd.Intn(2)]}
		for _, name := range names {
			if rnd.Intn(3) == 0 {
				r.Names = append(r.Names, name)
			}
		}
		if len(r.Names) == 0 {
			r.Names = []string{names[rnd.Intn(len(names))]}
		}
		if rnd.Intn(3) == 0 {
			for c := 1 + rnd.Intn(2); c > 0; c-- {
				r.Args = append(r.Args, Arg{Index: uint(rnd.Intn(2)), Op: ops[rnd.Intn(len(ops))], Value: uint64(rnd.Intn(4)), ValueTwo: uint64(rnd.Intn(4))})
			}
		}
		p.Rules = append(p.Rules, r)
	}
	return p
}

// TestCanonicalizeKeepsMeaning is the property Canonicalize promises:
// Eval (on every ABI width), Lookup, HighestNamed and Validate give the
// same answers before and after, for many random policies; and the result
// is a fixed point.
func TestCanonicalizeKeepsMeaning(t *testing.T) {
	rnd := rand.New(rand.NewSource(8))
	resolve := func(arch, name string) (int, bool) { return int(name[0] - 'a'), true }
	n := 20000
	if testing.Short() {
		n = 2000
	}
	changed := 0
	for i := 0; i < n; i++ {
		p := randomPolicy(rnd)
		q := *p
		q.Rules = append([]Rule(nil), p.Rules...)
		q.Canonicalize()
		if (p.Validate() == nil) != (q.Validate() == nil) {
			t.Fatalf("Validate changed: %v -> %v\n%+v\n%+v", p.Validate(), q.Validate(), p.Rules, q.Rules)
		}
		if !reflect.DeepEqual(p.Rules, q.Rules) {
			changed++
		}
		for _, arch := range []string{"x86_64", "x86"} {
			if p.HighestNamed(arch, resolve) != q.HighestNamed(arch, resolve) {
				t.Fatalf("HighestNamed changed\n%+v\n%+v", p.Rules, q.Rules)
			}
			for _, name := range []string{"a", "b", "c", "d", "e"} {
				if a, b := p.LookupArch(arch, name), q.LookupArch(arch, name); a != b {
					t.Fatalf("%s Lookup(%s): %+v -> %+v\n%+v\n%+v", arch, name, a, b, p.Rules, q.Rules)
				}
				for x := uint64(0); x < 5; x++ {
					for y := uint64(0); y < 5; y++ {
						args := [6]uint64{x, y}
						if a, b := p.EvalArch(arch, name, args), q.EvalArch(arch, name, args); a != b {
							t.Fatalf("%s Eval(%s, %d, %d): %+v -> %+v\n%+v\n%+v", arch, name, x, y, a, b, p.Rules, q.Rules)
						}
					}
				}
			}
		}
		r := q
		r.Rules = append([]Rule(nil), q.Rules...)
		r.Canonicalize()
		if !reflect.DeepEqual(r.Rules, q.Rules) {
			t.Fatalf("not a fixed point:\n%+v\n%+v", q.Rules, r.Rules)
		}
	}
	t.Logf("%d random policies, %d rewritten", n, changed)
}

// TestCanonicalizeOrderIndependent: two policies that differ only by
// swapping neighbouring unconditional rules without a common name
// canonicalise to the same rules.
func TestCanonicalizeOrderIndependent(t *testing.T) {
	rnd := rand.New(rand.NewSource(9))
	for i := 0; i < 5000; i++ {
		p := randomPolicy(rnd)
		if p.Validate() != nil || len(p.Rules) < 2 {
			continue
		}
		q := *p
		q.Rules = append([]Rule(nil), p.Rules...)
		k := rnd.Intn(len(q.Rules) - 1)
		a, b := q.Rules[k], q.Rules[k+1]
		if sharesName(a, b) || len(a.Args) > 0 || len(b.Args) > 0 {
			continue
		}
		q.Rules[k], q.Rules[k+1] = b, a
		p.Canonicalize()
		q.Canonicalize()
		if !reflect.DeepEqual(p.Rules, q.Rules) {
			t.Fatalf("swap of independent rules %d and %d changed the canonical form:\n%+v\n%+v", k, k+1, p.Rules, q.Rules)
		}
	}
}

func TestWhereRuns(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{
		{[]string{"syscalls[30]", "syscalls[31]", "syscalls[32]", "syscalls[33]"}, "syscalls[30] to syscalls[33]"},
		{[]string{"syscalls[3]", "syscalls[4]"}, "syscalls[3] and syscalls[4]"},
		{[]string{"syscalls[1]", "syscalls[5]", "syscalls[6]", "syscalls[7]", "linux.seccomp.syscalls[8]"}, "syscalls[1] and syscalls[5] to syscalls[7] and linux.seccomp.syscalls[8]"},
		{[]string{"syscalls[2]"}, "syscalls[2]"},
	} {
		if got := whereRuns(c.in); got != c.want {
			t.Errorf("whereRuns(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
