package emit

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/policy"
)

// A profile whose canonical form orders its rules otherwise: the
// conditional socket rule first in the file, after read and write once
// canonical.
const unorderedProfile = `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [
 {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
 {"names": ["write", "read"], "action": "SCMP_ACT_ALLOW"}]}`

// TestReadVerifiesTheFile: reading a profile has the FilterVerifier check
// the rules in the file's order (what runc and crun load from it), and
// its refusal numbers the rules as the file does; the canonical policy is
// checked too. policy.Canonicalize no longer verifies, so the reader
// validates before canonicalising.
func TestReadVerifiesTheFile(t *testing.T) {
	saved := policy.FilterVerifier
	t.Cleanup(func() { policy.FilterVerifier = saved })
	var seen [][]string
	policy.FilterVerifier = func(p *policy.Policy, _ []string) error {
		var names []string
		for _, r := range p.Rules {
			names = append(names, strings.Join(r.Names, ","))
		}
		seen = append(seen, names)
		return nil
	}
	p, _, err := Parse("p.json", []byte(unorderedProfile))
	if err != nil {
		t.Fatal(err)
	}
	file := []string{"socket", "write,read"}
	if len(seen) == 0 || !reflect.DeepEqual(seen[0], file) {
		t.Errorf("verified %v, want the file's rules %v first", seen, file)
	}
	var canon []string
	for _, r := range p.Rules {
		canon = append(canon, strings.Join(r.Names, ","))
	}
	if reflect.DeepEqual(canon, file) {
		t.Fatalf("the canonical rules are the file's: the test needs a profile Canonicalize reorders")
	}
	if !slices.ContainsFunc(seen, func(s []string) bool { return reflect.DeepEqual(s, canon) }) {
		t.Errorf("verified %v, not the canonical rules %v", seen, canon)
	}

	policy.FilterVerifier = func(p *policy.Policy, _ []string) error {
		for i, r := range p.Rules {
			if slices.Contains(r.Names, "socket") {
				return &policy.AmbiguousError{Syscall: "socket", Rules: []int{i}, Miscompiled: true, Reason: "refused by the test"}
			}
		}
		return nil
	}
	_, _, err = Parse("p.json", []byte(unorderedProfile))
	if err == nil || !strings.Contains(err.Error(), "syscalls[0] (socket)") {
		t.Errorf("error %v, want it to name syscalls[0] (socket), the file's entry", err)
	}
}
