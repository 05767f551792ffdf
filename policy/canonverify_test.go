package policy

import (
	"errors"
	"reflect"
	"testing"
)

// pairPolicy has rules only a FilterVerifier can accept (two conditional
// rules with a condition on each of two arguments), in an order
// Canonicalize changes (a conditional rule before an unconditional one).
func pairPolicy() *Policy {
	return &Policy{DefaultAction: ActErrno, Arches: []string{"x86_64"}, Rules: []Rule{
		{Names: []string{"socket"}, Action: ActAllow, Args: []Arg{{Index: 0, Op: OpEqualTo, Value: 1}, {Index: 1, Op: OpEqualTo, Value: 2}}},
		{Names: []string{"socket"}, Action: ActAllow, Args: []Arg{{Index: 0, Op: OpEqualTo, Value: 2}, {Index: 1, Op: OpEqualTo, Value: 1}}},
		{Names: []string{"write", "read"}, Action: ActAllow},
	}}
}

// withVerifier installs v as FilterVerifier for the test.
func withVerifier(t *testing.T, v func(*Policy, []string) error) {
	saved := FilterVerifier
	FilterVerifier = v
	t.Cleanup(func() { FilterVerifier = saved })
}

// TestCanonicalizeDoesNotVerify: Canonicalize runs the rule checks only;
// the filter is verified once, by Validate, on the canonical policy (the
// one written). Canonicalize used to run the verifier on its input too,
// compiling every filter twice.
func TestCanonicalizeDoesNotVerify(t *testing.T) {
	var seen [][]Rule
	withVerifier(t, func(p *Policy, _ []string) error {
		seen = append(seen, append([]Rule(nil), p.Rules...))
		return nil
	})
	p := pairPolicy()
	p.Canonicalize()
	if len(seen) != 0 {
		t.Fatalf("Canonicalize ran the FilterVerifier %d times, want 0", len(seen))
	}
	if reflect.DeepEqual(p.Rules, pairPolicy().Rules) {
		t.Fatalf("Canonicalize left the rules as they were: the test needs a policy it rewrites")
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || !reflect.DeepEqual(seen[0], p.Rules) {
		t.Fatalf("Validate verified %v, want the canonical rules once: %v", seen, p.Rules)
	}
}

// TestCanonicalizeRefusedLeftAsIs: a policy the checks refuse keeps its
// rules (errors number them as the file does): without a FilterVerifier
// the rule sets only it accepts are refused; with one, a policy the rule
// checks refuse is.
func TestCanonicalizeRefusedLeftAsIs(t *testing.T) {
	withVerifier(t, nil)
	p := pairPolicy()
	p.Canonicalize()
	if !reflect.DeepEqual(p.Rules, pairPolicy().Rules) {
		t.Errorf("without a FilterVerifier the pair rules are refused, yet Canonicalize rewrote them: %+v", p.Rules)
	}
	if err := p.Validate(); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("Validate without a FilterVerifier: %v, want ErrAmbiguous", err)
	}

	withVerifier(t, func(*Policy, []string) error { return nil })
	q := pairPolicy()
	q.Flags = []string{"SECCOMP_FILTER_FLAG_LOG"} // runc refuses every flag
	q.Canonicalize()
	if !reflect.DeepEqual(q.Rules, pairPolicy().Rules) {
		t.Errorf("a policy the rule checks refuse was rewritten: %+v", q.Rules)
	}
}
