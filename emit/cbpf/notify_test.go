package cbpf

import (
	"errors"
	"slices"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// Options.Notify (the replay --enforce filter): every denying action is
// SCMP_ACT_NOTIFY, what lets a syscall run stays, argument conditions
// still decide, and BadArch may be notify too.
func TestNotifyFilter(t *testing.T) {
	p := &policy.Policy{
		DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.ENOSYS),
		Arches: []string{"x86_64"},
		Rules: []policy.Rule{
			{Names: []string{"read", "write"}, Action: policy.ActAllow},
			{Names: []string{"getpid"}, Action: policy.ActLog},
			{Names: []string{"mount"}, Action: policy.ActKillProcess},
			{Names: []string{"reboot"}, Action: policy.ActTrap},
			{Names: []string{"ptrace"}, Action: policy.ActTrace},
			{Names: []string{"umount2"}, Action: policy.ActErrno, Errno: policy.Errno(13)},
			{Names: []string{"socket"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 1, Op: policy.OpEqualTo}}},
			{Names: []string{"frobnicate"}, Action: policy.ActAllow}, // unknown to libseccomp
		},
	}
	if _, err := Compile(p, Options{Notify: true, NoStub: true}); !errors.As(err, new(*scmp.UnknownSyscallError)) {
		t.Fatalf("unknown name without SkipUnknown: %v", err)
	}
	prog, err := Compile(p, Options{Notify: true, NoStub: true, SkipUnknown: true, BadArch: policy.ActNotify})
	if err != nil {
		t.Fatal(err)
	}
	nr := func(name string) int32 {
		n, err := scmp.Number("x86_64", name)
		if err != nil {
			t.Fatal(err)
		}
		return int32(n)
	}
	max, _ := scmp.MaxNr("x86_64")
	cases := []struct {
		what string
		d    Data
		want policy.Action
	}{
		{"read", Data{Nr: nr("read"), Arch: AuditArchX86_64}, policy.ActAllow},
		{"getpid (log)", Data{Nr: nr("getpid"), Arch: AuditArchX86_64}, policy.ActLog},
		{"mount (kill)", Data{Nr: nr("mount"), Arch: AuditArchX86_64}, policy.ActNotify},
		{"reboot (trap)", Data{Nr: nr("reboot"), Arch: AuditArchX86_64}, policy.ActNotify},
		{"ptrace (trace)", Data{Nr: nr("ptrace"), Arch: AuditArchX86_64}, policy.ActNotify},
		{"umount2 (errno)", Data{Nr: nr("umount2"), Arch: AuditArchX86_64}, policy.ActNotify},
		{"openat (default)", Data{Nr: nr("openat"), Arch: AuditArchX86_64}, policy.ActNotify},
		{"socket(AF_UNIX)", Data{Nr: nr("socket"), Arch: AuditArchX86_64, Args: [6]uint64{1}}, policy.ActAllow},
		{"socket(AF_INET)", Data{Nr: nr("socket"), Arch: AuditArchX86_64, Args: [6]uint64{2}}, policy.ActNotify},
		{"beyond the table (no stub)", Data{Nr: int32(max + 5), Arch: AuditArchX86_64}, policy.ActNotify},
		{"i386 (bad arch)", Data{Nr: 20, Arch: AuditArchI386}, policy.ActNotify},
		{"x32 bit (bad arch)", Data{Nr: int32(X32SyscallBit | 39), Arch: AuditArchX86_64}, policy.ActNotify},
	}
	for _, c := range cases {
		r, err := prog.Run(c.d)
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if r.Action != c.want {
			t.Errorf("%s: %s, want %s", c.what, r, c.want)
		}
	}
	if !NeedsListener(p) {
		t.Error("NeedsListener: false for a policy that denies")
	}
	allow := &policy.Policy{DefaultAction: policy.ActAllow, Arches: []string{"x86_64"},
		Rules: []policy.Rule{{Names: []string{"getpid"}, Action: policy.ActLog}}}
	if NeedsListener(allow) {
		t.Error("NeedsListener: true for a policy that denies nothing")
	}
	// BadArch is taken as given: a policy that denies nothing needs no
	// listener, and other ABIs are still killed.
	prog, err = Compile(allow, Options{Notify: true, NoStub: true})
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := prog.Run(Data{Nr: 20, Arch: AuditArchI386}); r.Action != policy.ActKillProcess {
		t.Errorf("allow-all policy with Notify, i386: %s, want kill", r)
	}
	// Without Notify a notify bad-arch action has no listener to go to.
	if _, err := Compile(p, Options{SkipUnknown: true, BadArch: policy.ActNotify}); err == nil {
		t.Error("BadArch notify compiled without Options.Notify")
	}
}

// Options.NotifyNewListener: seccomp(SECCOMP_SET_MODE_FILTER, flags with
// SECCOMP_FILTER_FLAG_NEW_LISTENER) is notified on every covered ABI (x32's
// number carries its bit), whatever the policy says of seccomp; other
// seccomp calls and other syscalls get the policy's answer.
func TestNotifyNewListener(t *testing.T) {
	p := &policy.Policy{
		DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.EPERM),
		Arches: []string{"x86_64", "x86", "x32"},
		Rules:  []policy.Rule{{Names: []string{"seccomp", "getpid"}, Action: policy.ActAllow}},
	}
	prog, err := Compile(p, Options{Notify: true, NoStub: true, NotifyNewListener: true})
	if err != nil {
		t.Fatal(err)
	}
	nr := func(arch, name string) int32 {
		n, err := scmp.Number(arch, name)
		if err != nil {
			t.Fatal(err)
		}
		return int32(n)
	}
	hi := uint64(0xffffffff) << 32
	cases := []struct {
		what string
		d    Data
		want policy.Action
	}{
		{"x86_64 listener", Data{Nr: nr("x86_64", "seccomp"), Arch: AuditArchX86_64, Args: [6]uint64{1, 8}}, policy.ActNotify},
		{"x86_64 listener and TSYNC", Data{Nr: nr("x86_64", "seccomp"), Arch: AuditArchX86_64, Args: [6]uint64{1, 9}}, policy.ActNotify},
		{"x86_64 listener, junk high words", Data{Nr: nr("x86_64", "seccomp"), Arch: AuditArchX86_64, Args: [6]uint64{1 | hi, 8 | hi}}, policy.ActNotify},
		{"x86_64 no listener", Data{Nr: nr("x86_64", "seccomp"), Arch: AuditArchX86_64, Args: [6]uint64{1, 1}}, policy.ActAllow},
		{"x86_64 strict mode", Data{Nr: nr("x86_64", "seccomp"), Arch: AuditArchX86_64, Args: [6]uint64{0, 8}}, policy.ActAllow},
		{"x86 listener", Data{Nr: nr("x86", "seccomp"), Arch: AuditArchI386, Args: [6]uint64{1, 8}}, policy.ActNotify},
		{"x32 listener", Data{Nr: nr("x32", "seccomp"), Arch: AuditArchX86_64, Args: [6]uint64{1, 8}}, policy.ActNotify},
		// every ABI's block, the last one's included, lets other
		// operations and syscalls through
		{"x86 strict mode", Data{Nr: nr("x86", "seccomp"), Arch: AuditArchI386, Args: [6]uint64{0, 8}}, policy.ActAllow},
		{"x32 strict mode", Data{Nr: nr("x32", "seccomp"), Arch: AuditArchX86_64, Args: [6]uint64{0, 8}}, policy.ActAllow},
		{"x32 getpid", Data{Nr: nr("x32", "getpid"), Arch: AuditArchX86_64, Args: [6]uint64{1, 8}}, policy.ActAllow},
		{"x32 getppid (default)", Data{Nr: nr("x32", "getppid"), Arch: AuditArchX86_64, Args: [6]uint64{1, 8}}, policy.ActNotify},
		{"getpid", Data{Nr: nr("x86_64", "getpid"), Arch: AuditArchX86_64, Args: [6]uint64{1, 8}}, policy.ActAllow},
		{"getppid (default)", Data{Nr: nr("x86_64", "getppid"), Arch: AuditArchX86_64}, policy.ActNotify},
		{"x86 getpid", Data{Nr: nr("x86", "getpid"), Arch: AuditArchI386, Args: [6]uint64{1, 8}}, policy.ActAllow},
	}
	for _, c := range cases {
		r, err := prog.Run(c.d)
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if r.Action != c.want {
			t.Errorf("%s: %s, want %s", c.what, r, c.want)
		}
	}
	if x32 := nr("x32", "seccomp"); x32&int32(X32SyscallBit) == 0 {
		t.Errorf("x32 seccomp is %d: the check compares numbers with the x32 bit", x32)
	}
}

// NeedsListener says whether the filter Options.Notify builds has a
// SCMP_ACT_NOTIFY return (BadArch aside); the compiled filter itself is
// the reference. A denying default action with only allowing rules needs
// one as much as a denying rule does.
func TestNeedsListenerMatchesFilter(t *testing.T) {
	read := []string{"read"}
	for _, p := range []*policy.Policy{
		{DefaultAction: policy.ActErrno, Arches: []string{"x86_64"}, Rules: []policy.Rule{{Names: read, Action: policy.ActAllow}}},
		{DefaultAction: policy.ActKillProcess, Arches: []string{"x86_64"}, Rules: []policy.Rule{{Names: read, Action: policy.ActLog}}},
		{DefaultAction: policy.ActAllow, Arches: []string{"x86_64"}, Rules: []policy.Rule{{Names: read, Action: policy.ActTrap}}},
		{DefaultAction: policy.ActLog, Arches: []string{"x86_64"}, Rules: []policy.Rule{{Names: read, Action: policy.ActAllow}}},
	} {
		prog, err := Compile(p, Options{Arch: "x86_64", Notify: true, NoStub: true, BadArch: policy.ActKillProcess})
		if err != nil {
			t.Fatal(err)
		}
		notifies := slices.Contains(prog, ret(RetUserNotif))
		if got := NeedsListener(p); got != notifies {
			t.Errorf("default %s, rule %s: NeedsListener %v, filter returns SCMP_ACT_NOTIFY: %v\n%s", p.DefaultAction, p.Rules[0].Action, got, notifies, disasm(prog))
		}
	}
}
