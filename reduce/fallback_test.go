package reduce_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/reduce"
)

// An unobserved newer syscall is answered ENOSYS only when the profile
// allows every older syscall of its family; the report names the source.
// (clone3 is answered ENOSYS by the argument rules anyway, args.go: these
// cases turn them off to see the table's own answer.)
func TestFallbackAnswers(t *testing.T) {
	withClone := mk(t, "x86_64", "clone=2", "read=1", "exit_group=1")
	res := run(t, in(withClone), reduce.Options{NoArgRules: true})
	if v := res.Policy.Lookup("clone3"); v.Action != policy.ActErrno || v.Errno != policy.ENOSYS {
		t.Errorf("clone3 with clone allowed: %+v, want ENOSYS", v)
	}
	if v := res.Policy.Lookup("faccessat2"); v.Errno != policy.EPERM {
		t.Errorf("faccessat2 without faccessat: %+v, want EPERM", v)
	}
	var buf bytes.Buffer
	res.WriteReport(&buf, "generate")
	if !strings.Contains(buf.String(), "clone3: answered ENOSYS (not EPERM): falls back to clone in glibc 2.36 sysdeps/unix/sysv/linux/clone-internal.c") {
		t.Errorf("report lacks the clone3 fallback:\n%s", buf.String())
	}

	without := mk(t, "x86_64", "read=1", "exit_group=1")
	res = run(t, in(without), reduce.Options{NoArgRules: true})
	if v := res.Policy.Lookup("clone3"); v.Errno != policy.EPERM {
		t.Errorf("clone3 without clone: %+v, want EPERM", v)
	}
	// A family needs all of its older members.
	closeOnly := mk(t, "x86_64", "close=1", "openat=1", "exit_group=1")
	if v := run(t, in(closeOnly), reduce.Options{}).Policy.Lookup("close_range"); v.Errno != policy.EPERM {
		t.Errorf("close_range without getdents64: %+v, want EPERM", v)
	}
	// Observed newer syscalls stay allowed.
	both := mk(t, "x86_64", "clone=1", "clone3=1", "exit_group=1")
	if v := run(t, in(both), reduce.Options{NoArgRules: true}).Policy.Lookup("clone3"); v.Action != policy.ActAllow {
		t.Errorf("observed clone3: %+v", v)
	}
	// --default-action kill still answers the family ENOSYS: a glibc
	// program must not die on clone3.
	res = run(t, in(withClone), reduce.Options{DefaultAction: "kill", NoArgRules: true})
	if v := res.Policy.Lookup("clone3"); v.Errno != policy.ENOSYS {
		t.Errorf("clone3 under kill: %+v", v)
	}
	if v := res.Policy.Lookup("faccessat2"); v.Action != policy.ActKillProcess {
		t.Errorf("faccessat2 under kill: %+v", v)
	}
	res = run(t, in(withClone), reduce.Options{NoFallbacks: true, NoArgRules: true})
	if v := res.Policy.Lookup("clone3"); v.Errno != policy.EPERM || len(res.Fallbacks) != 0 {
		t.Errorf("clone3 with NoFallbacks: %+v, %v", v, res.Fallbacks)
	}

	// With the argument rules clone3 is theirs: answered ENOSYS once, not
	// reported as a fallback; the other families still are.
	withAccess := mk(t, "x86_64", "clone=2", "faccessat=1", "exit_group=1")
	res = run(t, in(withAccess), reduce.Options{})
	if v := res.Policy.Lookup("clone3"); v.Errno != policy.ENOSYS {
		t.Errorf("clone3 under the argument rules: %+v", v)
	}
	var names []string
	for _, f := range res.Fallbacks {
		names = append(names, f.Name)
	}
	if slices.Contains(names, "clone3") || !slices.Contains(names, "faccessat2") {
		t.Errorf("fallbacks with argument rules: %v, want faccessat2 and not clone3", names)
	}
	if v := res.Policy.Lookup("faccessat2"); v.Errno != policy.ENOSYS {
		t.Errorf("faccessat2 with faccessat allowed: %+v", v)
	}
}
