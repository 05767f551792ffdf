package main

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

func nr(t *testing.T, name string) uint32 {
	t.Helper()
	n, err := scmp.Number("x86_64", name)
	if err != nil {
		t.Fatal(err)
	}
	return uint32(n)
}

// A small profile compiled by libseccomp: getpid allowed, socket allowed
// only for AF_UNIX, everything else EPERM.
func smallFilter(t *testing.T) cbpf.Program {
	t.Helper()
	one := uint(1)
	ls := &specs.LinuxSeccomp{
		DefaultAction:   specs.ActErrno,
		DefaultErrnoRet: &one,
		Architectures:   []specs.Arch{specs.ArchX86_64},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"getpid", "write"}, Action: specs.ActAllow},
			{Names: []string{"socket"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Value: 1, Op: specs.OpEqualTo}}},
		},
	}
	b, err := compileSpec(ls)
	if err != nil {
		t.Fatal(err)
	}
	p, err := cbpf.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestInterpretAndCache(t *testing.T) {
	p := smallFilter(t)
	cases := []struct {
		name      string
		arch      uint32
		nr        uint32
		arg0      uint64
		allow     bool
		cacheable bool
	}{
		{"getpid", cbpf.AuditArchX86_64, nr(t, "getpid"), 0, true, true},
		{"write", cbpf.AuditArchX86_64, nr(t, "write"), 0, true, true},
		{"socket AF_UNIX", cbpf.AuditArchX86_64, nr(t, "socket"), 1, true, false},
		{"socket AF_INET", cbpf.AuditArchX86_64, nr(t, "socket"), 2, false, false},
		{"openat denied", cbpf.AuditArchX86_64, nr(t, "openat"), 0, false, false},
		{"getpid as i386 (arch not in the profile)", cbpf.AuditArchI386, 20, 0, false, false},
		{"x32 bit set", cbpf.AuditArchX86_64, 0x40000000 | nr(t, "getpid"), 0, false, false},
		{"beyond the table", cbpf.AuditArchX86_64, 1000, 0, false, false},
	}
	for _, c := range cases {
		r, err := p.Run(cbpf.Data{Nr: int32(c.nr), Arch: c.arch, Args: [6]uint64{c.arg0}})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := r.Action == policy.ActAllow; got != c.allow {
			t.Errorf("%s: allowed = %v (ret %#x), want %v", c.name, got, r.Ret, c.allow)
		}
		if r.Steps < 2 || r.Steps > len(p) {
			t.Errorf("%s: %d steps for a %d-instruction filter", c.name, r.Steps, len(p))
		}
		// The kernel caches exactly the syscalls allowed without reading
		// an argument; constAllow and the interpreter must agree on that.
		if got := r.Action == policy.ActAllow && !r.ReadArgs; got != c.cacheable {
			t.Errorf("%s: interpreter says allowed arg-free = %v, want %v", c.name, got, c.cacheable)
		}
		if got := constAllow(p, c.arch, c.nr); got != c.cacheable {
			t.Errorf("%s: cacheable = %v, want %v", c.name, got, c.cacheable)
		}
	}
}

func TestAnalyzeSmallFilter(t *testing.T) {
	st, err := analyze(smallFilter(t))
	if err != nil {
		t.Fatal(err)
	}
	// getpid and write unconditionally; socket is denied for arg 0 == 0.
	if st.Allowed != 2 || st.ArgFree != 2 || st.Cacheable != 2 || len(st.ArgFreeNoCache) != 0 {
		t.Fatalf("stats %+v, want 2 allowed, 2 arg-free, 2 cacheable", st)
	}
	if st.MaxSteps < 2 || st.MeanSteps <= 0 {
		t.Fatalf("steps: %+v", st)
	}
}

func TestDockerDefault(t *testing.T) {
	b, err := dockerDefaultFilter()
	if err != nil {
		t.Fatal(err)
	}
	p, err := cbpf.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	st, err := analyze(p)
	if err != nil {
		t.Fatal(err)
	}
	// Docker's default allows a few hundred syscalls, not kexec_load or
	// bpf (without CAP_SYS_ADMIN), and every argument-free allowed syscall
	// is cache-eligible (the kernel's design for libseccomp filters).
	if st.Allowed < 250 || st.Allowed > 400 {
		t.Fatalf("docker default allows %d syscalls", st.Allowed)
	}
	for _, n := range st.AllowedNames {
		if n == "kexec_load" || n == "bpf" || n == "mount" {
			t.Errorf("docker default allows %s", n)
		}
	}
	if len(st.ArgFreeNoCache) != 0 {
		t.Errorf("not cacheable: %v", st.ArgFreeNoCache)
	}
	if st.Cacheable >= st.Allowed {
		t.Errorf("every allowed syscall cacheable (%d), but personality/clone/socket have conditions", st.Cacheable)
	}
}
