package reduce

import "github.com/seccomp-gen/seccomp-gen/policy"

// ArgRulesFor is a policy with the rules argRules writes for a flag-word
// argument of name: allowed masked values, and the complement EPERM.
func ArgRulesFor(name string, idx uint, mask uint64, allowed []uint64) *policy.Policy {
	p := &policy.Policy{DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.ENOSYS), Arches: []string{"x86_64"}}
	seen := map[uint64]bool{}
	for _, v := range allowed {
		if !seen[v&mask] {
			seen[v&mask] = true
			p.Rules = append(p.Rules, policy.Rule{Names: []string{name}, Action: policy.ActAllow,
				Args: []policy.Arg{{Index: idx, Value: mask, ValueTwo: v & mask, Op: policy.OpMaskedEqual}}})
		}
	}
	for _, c := range complement(idx, mask, allowed) {
		p.Rules = append(p.Rules, policy.Rule{Names: []string{name}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM), Args: []policy.Arg{c}})
	}
	return p
}
