package main

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
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
func smallFilter(t *testing.T) []insn {
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
	p, err := parseFilter(b)
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
		{"getpid", auditArchX86_64, nr(t, "getpid"), 0, true, true},
		{"write", auditArchX86_64, nr(t, "write"), 0, true, true},
		{"socket AF_UNIX", auditArchX86_64, nr(t, "socket"), 1, true, false},
		{"socket AF_INET", auditArchX86_64, nr(t, "socket"), 2, false, false},
		{"openat denied", auditArchX86_64, nr(t, "openat"), 0, false, false},
		{"getpid as i386 (arch not in the profile)", auditArchI386, 20, 0, false, false},
		{"x32 bit set", auditArchX86_64, 0x40000000 | nr(t, "getpid"), 0, false, false},
		{"beyond the table", auditArchX86_64, 1000, 0, false, false},
	}
	for _, c := range cases {
		d := seccompData{Nr: int32(c.nr), Arch: c.arch, Args: [6]uint64{c.arg0}}
		r, err := interpret(p, &d)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := r.Ret&seccompRetActionFull == seccompRetAllow; got != c.allow {
			t.Errorf("%s: allowed = %v (ret %#x), want %v", c.name, got, r.Ret, c.allow)
		}
		if r.Steps < 2 || r.Steps > len(p) {
			t.Errorf("%s: %d steps for a %d-instruction filter", c.name, r.Steps, len(p))
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
	p, err := parseFilter(b)
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

func TestParseFilterRejectsPartial(t *testing.T) {
	if _, err := parseFilter(make([]byte, 12)); err == nil {
		t.Fatal("12 bytes accepted")
	}
	if _, err := parseFilter(nil); err == nil {
		t.Fatal("empty filter accepted")
	}
}

// The bench's step-counting interpreter must give the same answers as the
// product's (emit/cbpf) on a real filter, for every ABI and argument case
// tried here.
func TestInterpreterAgreesWithCBPF(t *testing.T) {
	b, err := dockerDefaultFilter()
	if err != nil {
		t.Fatal(err)
	}
	mine, err := parseFilter(b)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := cbpf.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range []uint32{auditArchX86_64, auditArchI386, 0xdeadbeef} {
		for nr := int32(0); nr < 600; nr++ {
			for _, args := range [][6]uint64{{}, {2, 1, 0}, {0x7e020000, 0, 0}, {^uint64(0), 8}} {
				for _, x32 := range []int32{0, 0x40000000} {
					d := seccompData{Nr: nr | x32, Arch: arch, Args: args}
					r, err := interpret(mine, &d)
					if err != nil {
						t.Fatal(err)
					}
					want, err := theirs.Run(cbpf.Data{Nr: d.Nr, Arch: arch, Args: args})
					if err != nil {
						t.Fatal(err)
					}
					if r.Ret != want.Ret {
						t.Fatalf("arch %#x nr %d args %v: bench %#x, emit/cbpf %#x", arch, d.Nr, args, r.Ret, want.Ret)
					}
				}
			}
		}
	}
}
