package reduce_test

import (
	"reflect"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/reduce"
)

// TestReduceVerifiesOnce: the reducer has the runtimes' filter compiled and
// checked (policy.FilterVerifier) once per policy it finishes, for the
// canonical policy it returns; it used to verify the policy before
// canonicalising it as well (policy.Canonicalize ran the verifier), which
// was half of generate's time on traces at the recorder's caps.
func TestReduceVerifiesOnce(t *testing.T) {
	saved := policy.FilterVerifier
	t.Cleanup(func() { policy.FilterVerifier = saved })
	var seen [][]policy.Rule
	policy.FilterVerifier = func(p *policy.Policy, exhaustive []string) error {
		seen = append(seen, append([]policy.Rule(nil), p.Rules...))
		return saved(p, exhaustive)
	}
	res := run(t, in(mk(t, "x86_64", "read=5", "write=3", "exit_group=1")), reduce.Options{})
	if len(seen) != 1 || !reflect.DeepEqual(seen[0], res.Policy.Rules) {
		t.Fatalf("FilterVerifier ran %d times, want once, on the policy Reduce returns", len(seen))
	}
}
