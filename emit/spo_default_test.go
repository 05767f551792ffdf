package emit

import (
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// TestSPOLeavesOutRulesEqualToItsDefault: without defaultErrnoRet the
// reducer's EPERM rules for argument values it does not allow equal the
// default; they are not written, and the file means what it meant with them
// under both runtimes (runc's stub included).
func TestSPOLeavesOutRulesEqualToItsDefault(t *testing.T) {
	eq := func(v uint64) []policy.Arg { return []policy.Arg{{Index: 0, Op: policy.OpEqualTo, Value: v}} }
	p := &policy.Policy{
		DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.ENOSYS), Arches: []string{"x86_64"},
		Rules: []policy.Rule{
			{Names: []string{"read", "exit_group"}, Action: policy.ActAllow},
			{Names: []string{"ptrace", "process_madvise"}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM)},
			{Names: []string{"prctl"}, Action: policy.ActAllow, Args: eq(15)},
			{Names: []string{"prctl"}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM), Args: []policy.Arg{{Index: 0, Op: policy.OpNotEqual, Value: 15}}},
			{Names: []string{"clone3"}, Action: policy.ActErrno, Errno: policy.Errno(policy.ENOSYS)},
		},
	}
	data, err := SPO(p, "x")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "- names:"); n != 4 || strings.Contains(string(data), "SCMP_CMP_NE") {
		t.Errorf("want 4 rules, the EPERM one for prctl left out:\n%s", data)
	}
	if err := CheckReadBack(p, FormatSPO, data); err != nil {
		t.Fatal(err)
	}
	back, _, err := Parse("x.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	all := clone(p) // what the file said before: every rule
	all.DefaultErrno = nil
	resolve := func(arch, name string) (int, bool) {
		nr, err := scmp.Number(arch, name)
		return nr, err == nil
	}
	for nr := 0; nr < 600; nr++ {
		name, _ := scmp.Name("x86_64", nr)
		for _, v := range []uint64{0, 14, 15, 16} {
			args := [6]uint64{v}
			if a, b := all.Runtimes("x86_64", nr, name, args, resolve), back.Runtimes("x86_64", nr, name, args, resolve); a != b {
				t.Errorf("%d %s(%d): %+v with every rule, %+v as written", nr, name, v, a, b)
			}
		}
	}
}
