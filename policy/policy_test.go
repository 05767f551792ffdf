package policy

import (
	"reflect"
	"testing"
)

func testPolicy() *Policy {
	return &Policy{
		DefaultAction: ActErrno,
		DefaultErrno:  Errno(ENOSYS),
		Arches:        []string{"x86_64"},
		Rules: []Rule{
			{Names: []string{"write", "read"}, Action: ActAllow},
			{Names: []string{"socket"}, Action: ActAllow, Args: []Arg{{Index: 0, Value: 1, Op: OpEqualTo}}},
			{Names: []string{"mount"}, Action: ActErrno, Errno: Errno(EPERM)},
			{Names: []string{"read", "close"}, Action: ActAllow},
			{Names: []string{"reboot"}, Action: ActKillProcess},
		},
	}
}

func TestLookup(t *testing.T) {
	p := testPolicy()
	cases := []struct {
		name string
		want Verdict
	}{
		{"read", Verdict{Action: ActAllow, Errno: EPERM}},
		{"close", Verdict{Action: ActAllow, Errno: EPERM}},
		{"mount", Verdict{Action: ActErrno, Errno: EPERM}},
		{"reboot", Verdict{Action: ActKillProcess, Errno: EPERM}},
		{"openat", Verdict{Action: ActErrno, Errno: ENOSYS}},
		{"socket", Verdict{Action: ActErrno, Errno: ENOSYS, Conditional: true}},
	}
	for _, c := range cases {
		if got := p.Lookup(c.name); got != c.want {
			t.Errorf("Lookup(%s) = %+v, want %+v", c.name, got, c.want)
		}
	}
	if !p.Allows("write") || p.Allows("socket") || p.Allows("mount") {
		t.Error("Allows disagrees with Lookup")
	}
	if got, want := p.AllowedNames(), []string{"close", "read", "write"}; !reflect.DeepEqual(got, want) {
		t.Errorf("AllowedNames = %v, want %v", got, want)
	}
	if !p.Covers("x86_64") || p.Covers("x86") {
		t.Error("Covers disagrees with Arches")
	}
}

func TestCanonicalizeIsDeterministic(t *testing.T) {
	a, b := testPolicy(), testPolicy()
	b.Rules[0], b.Rules[3] = b.Rules[3], b.Rules[0]
	a.Canonicalize()
	b.Canonicalize()
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("rule order changed the canonical form:\n%+v\n%+v", a.Rules, b.Rules)
	}
	want := []string{"close", "read", "write"}
	if a.Rules[0].Action != ActAllow || !reflect.DeepEqual(a.Rules[0].Names, want) {
		t.Fatalf("first rule %+v, want merged allow of %v", a.Rules[0], want)
	}
	if last := a.Rules[len(a.Rules)-1]; len(last.Args) == 0 {
		t.Fatalf("conditional rule not kept last: %+v", a.Rules)
	}
}

func TestValidate(t *testing.T) {
	if err := testPolicy().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []func(*Policy){
		func(p *Policy) { p.DefaultAction = "SCMP_ACT_MAYBE" },
		func(p *Policy) { p.Arches = nil },
		func(p *Policy) { p.Rules[0].Action = "ALLOW" },
		func(p *Policy) { p.Rules[0].Names = nil },
		func(p *Policy) { p.Rules[1].Args[0].Index = 6 },
	}
	for i, mut := range bad {
		p := testPolicy()
		mut(p)
		if err := p.Validate(); err == nil {
			t.Errorf("case %d: invalid policy accepted", i)
		}
	}
}

// Canonicalize merges a rule into the first earlier one with the same
// action, errno, conditions and comment when no rule in between names one
// of its syscalls, the rule naming it included.
func TestCanonicalizeMerges(t *testing.T) {
	a1 := []Arg{{Index: 0, Value: 1, Op: OpEqualTo}}
	a2 := []Arg{{Index: 0, Value: 2, Op: OpEqualTo}}
	cases := []struct {
		name  string
		rules []Rule
		want  []Rule
	}{
		{"into the rule naming the syscall",
			[]Rule{{Names: []string{"a"}, Action: ActAllow, Args: a1}, {Names: []string{"a", "b"}, Action: ActAllow, Args: a1}},
			[]Rule{{Names: []string{"a", "b"}, Action: ActAllow, Args: a1}}},
		{"across a rule naming other syscalls",
			[]Rule{{Names: []string{"a"}, Action: ActAllow, Args: a1}, {Names: []string{"b"}, Action: ActErrno, Errno: Errno(13), Args: a2}, {Names: []string{"c"}, Action: ActAllow, Args: a1}},
			[]Rule{{Names: []string{"a", "c"}, Action: ActAllow, Args: a1}, {Names: []string{"b"}, Action: ActErrno, Errno: Errno(13), Args: a2}}},
		{"not across a rule naming the syscall",
			[]Rule{{Names: []string{"a"}, Action: ActAllow, Args: a1}, {Names: []string{"b"}, Action: ActErrno, Errno: Errno(13), Args: a2}, {Names: []string{"b"}, Action: ActAllow, Args: a1}},
			[]Rule{{Names: []string{"a"}, Action: ActAllow, Args: a1}, {Names: []string{"b"}, Action: ActErrno, Errno: Errno(13), Args: a2}, {Names: []string{"b"}, Action: ActAllow, Args: a1}}},
		{"after a merge, into the merged rule",
			[]Rule{{Names: []string{"a"}, Action: ActAllow, Args: a1}, {Names: []string{"b"}, Action: ActAllow, Args: a1}, {Names: []string{"c"}, Action: ActErrno, Errno: Errno(13), Args: a2}, {Names: []string{"b", "d"}, Action: ActAllow, Args: a1}},
			[]Rule{{Names: []string{"a", "b", "d"}, Action: ActAllow, Args: a1}, {Names: []string{"c"}, Action: ActErrno, Errno: Errno(13), Args: a2}}},
	}
	for _, c := range cases {
		p := &Policy{DefaultAction: ActErrno, Arches: []string{"x86_64"}, Rules: c.rules}
		p.Canonicalize()
		if !reflect.DeepEqual(p.Rules, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, p.Rules, c.want)
		}
	}
	// A rule without names and no rule to merge into stays, so that
	// Validate still refuses it.
	p := &Policy{DefaultAction: ActErrno, Arches: []string{"x86_64"}, Rules: []Rule{{Names: []string{"a"}, Action: ActAllow}, {Action: ActErrno, Errno: Errno(13)}}}
	p.Canonicalize()
	if err := p.Validate(); err == nil {
		t.Errorf("a rule without names was dropped: %+v", p.Rules)
	}
}
