package policy

import "testing"

func TestEval(t *testing.T) {
	p := &Policy{
		DefaultAction: ActErrno,
		DefaultErrno:  Errno(ENOSYS),
		Arches:        []string{"x86_64"},
		Rules: []Rule{
			{Names: []string{"read", "write"}, Action: ActAllow},
			// socket(AF_UNIX, ...) only; everything else falls through.
			{Names: []string{"socket"}, Action: ActAllow, Args: []Arg{{Index: 0, Value: 1, Op: OpEqualTo}}},
			// A conditional rule before an unconditional one for the same
			// name is dropped: libseccomp replaces the syscall's conditions
			// with the unconditional rule (runc and crun measured so).
			{Names: []string{"close"}, Action: ActAllow, Args: []Arg{{Index: 0, Value: 3, Op: OpGreaterEqual}}},
			{Names: []string{"close"}, Action: ActErrno, Errno: Errno(9)},
			// Conditions are AND-ed.
			{Names: []string{"mmap"}, Action: ActAllow, Args: []Arg{
				{Index: 2, Value: 4, ValueTwo: 0, Op: OpMaskedEqual}, // no PROT_EXEC
				{Index: 1, Value: 1 << 20, Op: OpLessEqual},
			}},
			{Names: []string{"mount"}, Action: ActKillProcess},
			{Names: []string{"ptrace"}, Action: ActTrace},
			// An unconditional rule first: later rules never decide.
			{Names: []string{"read"}, Action: ActErrno, Errno: Errno(EPERM)},
			// An index beyond the six arguments never holds.
			{Names: []string{"kill"}, Action: ActAllow, Args: []Arg{{Index: 6, Value: 0, Op: OpEqualTo}}},
		},
	}
	deny := Verdict{Action: ActErrno, Errno: ENOSYS}
	allow := Verdict{Action: ActAllow, Errno: EPERM}
	cases := []struct {
		name string
		args [6]uint64
		want Verdict
	}{
		{"read", [6]uint64{}, allow},
		{"write", [6]uint64{1, 2, 3}, allow},
		{"socket", [6]uint64{1, 1}, allow},
		{"socket", [6]uint64{2, 1}, deny},
		{"close", [6]uint64{3}, Verdict{Action: ActErrno, Errno: 9}},
		{"close", [6]uint64{2}, Verdict{Action: ActErrno, Errno: 9}},
		{"mmap", [6]uint64{0, 4096, 3}, allow},   // PROT_READ|PROT_WRITE, small
		{"mmap", [6]uint64{0, 4096, 5}, deny},    // PROT_EXEC
		{"mmap", [6]uint64{0, 2 << 20, 3}, deny}, // too large
		{"mount", [6]uint64{}, Verdict{Action: ActKillProcess, Errno: EPERM}},
		{"ptrace", [6]uint64{}, Verdict{Action: ActTrace, Errno: EPERM}},
		{"kill", [6]uint64{}, deny},
		{"openat", [6]uint64{}, deny},
		{"", [6]uint64{}, deny}, // a number libseccomp cannot name
	}
	for _, c := range cases {
		if got := p.Eval(c.name, c.args); got != c.want {
			t.Errorf("Eval(%s, %v) = %+v, want %+v", c.name, c.args[:3], got, c.want)
		}
	}
}

// Where Lookup's answer does not depend on arguments, Eval gives the same
// answer for any arguments.
func TestEvalAgreesWithLookup(t *testing.T) {
	p := testPolicy()
	for _, def := range []*Policy{p, {DefaultAction: ActKillProcess, Arches: []string{"x86_64"}, Rules: p.Rules}} {
		for _, name := range []string{"read", "write", "close", "mount", "reboot", "openat", ""} {
			want := def.Lookup(name)
			if want.Conditional {
				t.Fatalf("%s: unexpected conditional verdict", name)
			}
			for _, args := range [][6]uint64{{}, {1, 2, 3, 4, 5, 6}, {^uint64(0)}} {
				if got := def.Eval(name, args); got != want {
					t.Errorf("default %s: Eval(%s, %v) = %+v, Lookup = %+v", def.DefaultAction, name, args, got, want)
				}
			}
		}
	}
}

func TestArgHolds(t *testing.T) {
	cases := []struct {
		a    Arg
		v    uint64
		want bool
	}{
		{Arg{Op: OpNotEqual, Value: 5}, 5, false},
		{Arg{Op: OpNotEqual, Value: 5}, 6, true},
		{Arg{Op: OpLessThan, Value: 5}, 4, true},
		{Arg{Op: OpLessThan, Value: 5}, 5, false},
		{Arg{Op: OpLessEqual, Value: 5}, 5, true},
		{Arg{Op: OpLessEqual, Value: 5}, 6, false},
		{Arg{Op: OpEqualTo, Value: 5}, 5, true},
		{Arg{Op: OpEqualTo, Value: 5}, 4, false},
		{Arg{Op: OpGreaterEqual, Value: 5}, 5, true},
		{Arg{Op: OpGreaterEqual, Value: 5}, 4, false},
		{Arg{Op: OpGreaterThan, Value: 5}, 6, true},
		{Arg{Op: OpGreaterThan, Value: 5}, 5, false},
		// Comparisons are unsigned 64-bit, as the kernel's.
		{Arg{Op: OpGreaterThan, Value: 5}, ^uint64(0), true},
		{Arg{Op: OpMaskedEqual, Value: 0xf0, ValueTwo: 0x30}, 0x3f, true},
		{Arg{Op: OpMaskedEqual, Value: 0xf0, ValueTwo: 0x30}, 0x4f, false},
		{Arg{Op: "SCMP_CMP_BOGUS", Value: 5}, 5, false},
	}
	for _, c := range cases {
		if got := c.a.Holds(c.v); got != c.want {
			t.Errorf("%s %#x vs %#x: %v, want %v", c.a.Op, c.a.Value, c.v, got, c.want)
		}
	}
}
