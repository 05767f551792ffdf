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

// TestSPOKeepsMuxDenied: on x86 libseccomp adds socket's rules to
// socketcall as well ("socketcall if a0 == SYS_SOCKET", socket's other
// conditions on socketcall's pointer arguments), and only an unconditional
// socketcall rule the runtimes add overrides those copies. The reducer's
// EPERM rule for socketcall (no trace used it) equals the SPO default, so
// runc and crun skipped it and the k8s profile let socketcall(SYS_SOCKET)
// run for any domain, where the Docker profile denied it. socketcall now
// keeps a rule of its own, with the Docker profile's default errno.
func TestSPOKeepsMuxDenied(t *testing.T) {
	p := &policy.Policy{
		DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.ENOSYS), Arches: []string{"x86_64", "x86"},
		Rules: []policy.Rule{
			{Names: []string{"read", "exit_group"}, Action: policy.ActAllow},
			{Names: []string{"socket"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Op: policy.OpEqualTo, Value: 1}}},
			{Names: []string{"ptrace", "socketcall", "ipc"}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM)},
		},
	}
	data, err := SPO(p, "x")
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckReadBack(p, FormatSPO, data); err != nil {
		t.Fatal(err)
	}
	back, _, err := Parse("x.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args [6]uint64
		want policy.Verdict
	}{
		{"socketcall", [6]uint64{1, 0x1000}, policy.Verdict{Action: policy.ActErrno, Errno: policy.ENOSYS}},
		{"socketcall", [6]uint64{1, 1}, policy.Verdict{Action: policy.ActErrno, Errno: policy.ENOSYS}},
		// ipc multiplexes nothing the profile allows: the default.
		{"ipc", [6]uint64{1}, policy.Verdict{Action: policy.ActErrno, Errno: policy.EPERM}},
		{"socket", [6]uint64{1}, policy.Verdict{Action: policy.ActAllow}},
	} {
		if got := back.EvalArch("x86", c.name, c.args); got.Action != c.want.Action || got.Action == policy.ActErrno && got.Errno != c.want.Errno {
			t.Errorf("x86 %s%v: %+v as written, want %+v\n%s", c.name, c.args, got, c.want, data)
		}
	}
}

// TestSPOMuxDenialErrno: the rule that keeps socketcall denied in the k8s
// profile answers with the policy's default errno, or ENOSYS when that was
// EPERM or none: an EPERM rule equals the CRD's default, and the runtimes
// would skip it and let libseccomp's copies of socket's rule decide again.
func TestSPOMuxDenialErrno(t *testing.T) {
	for _, c := range []struct {
		name         string
		defaultErrno *uint
		want         uint
	}{
		{"none", nil, policy.ENOSYS},
		{"EPERM", policy.Errno(policy.EPERM), policy.ENOSYS},
		{"ENOSYS", policy.Errno(policy.ENOSYS), policy.ENOSYS},
		{"EACCES", policy.Errno(13), 13},
	} {
		p := &policy.Policy{
			DefaultAction: policy.ActErrno, DefaultErrno: c.defaultErrno, Arches: []string{"x86_64", "x86"},
			Rules: []policy.Rule{
				{Names: []string{"read", "exit_group"}, Action: policy.ActAllow},
				{Names: []string{"socket"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Op: policy.OpEqualTo, Value: 1}}},
				{Names: []string{"socketcall"}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM)},
			},
		}
		data, err := SPO(p, "x")
		if err != nil {
			t.Fatal(err)
		}
		back, _, err := Parse("x.yaml", data)
		if err != nil {
			t.Fatal(err)
		}
		for _, args := range [][6]uint64{{1, 0x1000}, {1, 1}} {
			if got := back.EvalArch("x86", "socketcall", args); got.Action != policy.ActErrno || got.Errno != c.want {
				t.Errorf("default errno %s: x86 socketcall%v: %+v as written, want errno %d\n%s", c.name, args, got, c.want, data)
			}
		}
	}
}

// TestSPORefusesDefaultErrnoLikeDocker: the CRD has no defaultErrnoRet, but
// a default errno the other formats refuse is refused for the k8s profile
// too, not dropped: the profile came from a policy no runtime would apply.
func TestSPORefusesDefaultErrnoLikeDocker(t *testing.T) {
	for name, mut := range map[string]func(*policy.Policy){
		"errno 4095":        func(p *policy.Policy) { p.DefaultErrno = policy.Errno(4095) },
		"errno 4096":        func(p *policy.Policy) { p.DefaultErrno = policy.Errno(4096) },
		"errno 65537":       func(p *policy.Policy) { p.DefaultErrno = policy.Errno(65537) },
		"errno on allow":    func(p *policy.Policy) { p.DefaultAction, p.DefaultErrno = policy.ActAllow, policy.Errno(1) },
		"errno on kill":     func(p *policy.Policy) { p.DefaultAction = policy.ActKillProcess },
		"trace errno 70000": func(p *policy.Policy) { p.DefaultAction, p.DefaultErrno = policy.ActTrace, policy.Errno(70000) },
	} {
		p := fixture()
		mut(p)
		_, derr := Docker(p)
		if derr == nil {
			t.Fatalf("%s: Docker accepted it", name)
		}
		for _, f := range []Format{FormatOCI, FormatSPO} {
			if _, err := Write(p, f, Options{}); err == nil || err.Error() != derr.Error() {
				t.Errorf("%s: %s: got %v, want %v (as Docker)", name, f, err, derr)
			}
		}
	}
}
