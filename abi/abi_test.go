package abi

import (
	"slices"
	"testing"
)

func TestTable(t *testing.T) {
	for _, a := range All() {
		if got, ok := Lookup(a.Name); !ok || got != a {
			t.Errorf("Lookup(%q) = %v, %v", a.Name, got, ok)
		}
		if got, ok := Lookup(a.SCMP); !ok || got.Name != a.Name {
			t.Errorf("Lookup(%q) = %v, %v", a.SCMP, got, ok)
		}
		if !slices.Contains(Family(a.Machine), a.Name) || Family(a.Machine)[0] != a.Machine {
			t.Errorf("%s: family of %s is %v", a.Name, a.Machine, Family(a.Machine))
		}
		nr := a.Base + 1
		if got, ok := ForAudit(a.Audit, nr); !ok || got.Name != a.Name {
			t.Errorf("ForAudit(%#x, %#x) = %v, want %s", a.Audit, nr, got.Name, a.Name)
		}
	}
	if _, ok := Lookup("sparc"); ok || Known("SCMP_ARCH_X86_64") || !Known("x32") {
		t.Error("Lookup/Known accept what they should not")
	}
	if got := Family("arm64"); !slices.Equal(got, []string{"aarch64", "arm"}) {
		t.Errorf("Family(arm64) = %v", got)
	}
	if got := Family("x86"); !slices.Equal(got, []string{"x86_64", "x86", "x32"}) {
		t.Errorf("Family(x86) = %v", got)
	}
	if Primary("x32") != "x86_64" || Primary("arm") != "aarch64" || Primary("mips") != "" {
		t.Error("Primary")
	}
	if CmpBits("x86") != 32 || CmpBits("x32") != 32 || CmpBits("x86_64") != 64 || CmpBits("SCMP_ARCH_ARM") != 32 || CmpBits("mips") != 64 {
		t.Error("CmpBits")
	}
	if a, _ := Lookup("x32"); a.ArgBits != 64 {
		t.Error("x32 arguments are 64 bits wide")
	}
	if _, ok := ForAudit(0x1234, 0); ok {
		t.Error("ForAudit accepts an unknown AUDIT_ARCH")
	}
}
