package abi

import "testing"

// IsX32Nr follows the filters runc loads (abi.go): bit 30 set is x32's,
// but -1, which meets x86_64's rules.
func TestIsX32Nr(t *testing.T) {
	for nr, want := range map[uint32]bool{
		0: false, 39: false, 0x3fffffff: false,
		0x40000000: true, 0x40000027: true, 0x7fffffff: true, 0xc0000005: true, 0xfffffffe: true,
		0x80000005: false, // bit 30 clear: runc's stub and generate's filters, beyond x86_64's table
		0xffffffff: false, // -1: a tracer's skip, the native ABI's
	} {
		if got := IsX32Nr(nr); got != want {
			t.Errorf("IsX32Nr(%#x) = %v, want %v", nr, got, want)
		}
	}
}

func TestNoSyscall(t *testing.T) {
	for _, c := range []struct {
		arch string
		nr   int
		want bool
	}{
		{"x86_64", 39, false}, {"x86_64", 462, false}, {"x86_64", 1023, false},
		{"x86_64", -1, true}, {"x86_64", 5000, true}, {"x86_64", -2147483648, true},
		{"x32", 0x40000000 + 39, false}, {"x32", 0x7fffffff, true}, {"x32", -5, true},
		{"arm", 0xf0005, false}, {"arm", 0xf0000 + 0x800, true}, {"arm", 400, false},
		{"aarch64", 5000, true},
	} {
		if got := NoSyscall(c.arch, c.nr); got != c.want {
			t.Errorf("NoSyscall(%s, %d) = %v, want %v", c.arch, c.nr, got, c.want)
		}
	}
}
