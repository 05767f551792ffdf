package reduce_test

import (
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// TestIntArgUpperHalf: the kernel reads an int argument's low 32 bits, and
// callers hand it to the kernel with different upper halves: musl's
// ioctl(int fd, int req) and an int passed where glibc takes unsigned long
// sign-extend a request with bit 31 set (_IOR: 0x80086601 becomes
// 0xffffffff80086601), glibc's macro constants zero-extend it, and an i386
// trace from int 0x80 in 64-bit code recorded whatever the upper half held.
// The profile allows the recorded call and the other extension of the same
// int, answers other ints EPERM, and the SPO CRD (int64 values) carries it.
func TestIntArgUpperHalf(t *testing.T) {
	f := argTrace(t, "x86_64", append([]string{"ioctl", "fcntl", "personality"}, base...), map[string][]trace.ArgValues{
		"ioctl":       {{Index: 1, Values: []uint64{0x5401, 0xffffffff80086601}}}, // TCGETS, FS_IOC_GETFLAGS through an int
		"fcntl":       {{Index: 1, Values: []uint64{0xdead000000000001}}},         // F_GETFD, other upper bits
		"personality": {{Index: 0, Values: []uint64{^uint64(0)}}},                 // personality(-1): the query
	})
	res := reduceArgs(t, f, "x86_64")
	p := res.Policy
	for _, c := range []evalCase{
		{"ioctl", 1, 0xffffffff80086601, "allow"},
		{"ioctl", 1, 0x80086601, "allow"},
		{"ioctl", 1, 0x5401, "allow"},
		{"ioctl", 1, 0x80086602, "eperm"},
		{"ioctl", 1, 0xffffffff80086602, "eperm"},
		{"ioctl", 1, 0x5402, "eperm"},
		{"fcntl", 1, 0xdead000000000001, "allow"},
		{"fcntl", 1, 1, "allow"},
		{"fcntl", 1, 2, "eperm"},
		{"personality", 0, ^uint64(0), "allow"},
		{"personality", 0, 0xffffffff, "allow"},
		{"personality", 0, 0x40000, "eperm"},
	} {
		var a [6]uint64
		a[c.arg] = c.v
		if got := answer(p.EvalArch("x86_64", c.name, a)); got != c.want {
			t.Errorf("x86_64 %s(a%d=%#x): %s, want %s", c.name, c.arg, c.v, got, c.want)
		}
	}
	if _, err := emit.SPO(p, "upper-half"); err != nil {
		t.Errorf("the SPO CRD cannot carry the profile: %v", err)
	}
	var out strings.Builder
	res.WriteReport(&out, "generate")
	if want := "ioctl request (argument 1) restricted to 0x5401, 0x80086601 (observed)"; !strings.Contains(out.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, out.String())
	}
	for _, w := range res.Weakenings {
		if w.Syscall == "personality" {
			t.Errorf("personality(-1) is personality(0xffffffff), which Docker's default allows; reported as weakening: %s", w.Message)
		}
	}

	// An i386 trace (int 0x80 from 64-bit code, recorded before the
	// recorder kept 32 bits of x86 registers).
	f = argTrace(t, "x86", []string{"fcntl64", "read", "write", "exit_group", "brk"}, map[string][]trace.ArgValues{
		"fcntl64": {{Index: 1, Values: []uint64{0xbeef000000000001}}},
	})
	p = reduceArgs(t, f, "x86").Policy
	for _, c := range []evalCase{{"fcntl64", 1, 1, "allow"}, {"fcntl64", 1, 2, "eperm"}} {
		var a [6]uint64
		a[c.arg] = c.v
		if got := answer(p.EvalArch("x86", c.name, a)); got != c.want {
			t.Errorf("x86 %s(a%d=%#x): %s, want %s", c.name, c.arg, c.v, got, c.want)
		}
	}
	if _, err := emit.SPO(p, "upper-half-i386"); err != nil {
		t.Errorf("the SPO CRD cannot carry the i386 profile: %v", err)
	}
}
