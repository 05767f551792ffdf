package scmp

import (
	"errors"
	"runtime"
	"slices"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/abi"
)

func TestNameNumber(t *testing.T) {
	cases := []struct {
		arch string
		name string
		nr   int
	}{
		{"x86_64", "read", 0},
		{"x86_64", "getpid", 39},
		{"x86", "getpid", 20},
		{"x86", "restart_syscall", 0},
		{"x32", "read", int(abi.X32SyscallBit)},
		{"aarch64", "openat", 56},
		{"arm", "getpid", 20},
		// socketcall/ipc syscalls with direct numbers on x86: libseccomp's
		// name lookup gives a multiplexed pseudo number for these.
		{"x86", "accept4", 364},
		{"x86", "socket", 359},
	}
	for _, c := range cases {
		nr, err := Number(c.arch, c.name)
		if err != nil || nr != c.nr {
			t.Errorf("Number(%s, %s) = %d, %v; want %d", c.arch, c.name, nr, err, c.nr)
		}
		n, ok := Name(c.arch, c.nr)
		if !ok || n != c.name {
			t.Errorf("Name(%s, %d) = %q, %v; want %q", c.arch, c.nr, n, ok, c.name)
		}
	}
}

// A number beyond libseccomp's int32 names nothing: it does not wrap onto
// the syscall of its low 32 bits (2^32 onto read).
func TestNameBeyondInt32(t *testing.T) {
	for _, nr := range []int{1 << 32, 1<<32 + 101, 1<<32 + 59, -1} {
		if n, ok := Name("x86_64", nr); ok {
			t.Errorf("Name(x86_64, %d) = %q, want no name", nr, n)
		}
	}
}

// Every name the tables list resolves back to a number that names it.
func TestNamesResolve(t *testing.T) {
	for _, a := range ArchNames() {
		names, err := Names(a)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			nr, err := Number(a, n)
			if err != nil {
				t.Errorf("%s: Number(%s): %v", a, n, err)
				continue
			}
			if back, ok := Name(a, nr); !ok || back != n {
				t.Errorf("%s: %s -> %d -> %q", a, n, nr, back)
			}
		}
	}
}

func TestMissingOnArch(t *testing.T) {
	_, err := Number("aarch64", "open")
	var u *UnknownSyscallError
	if !errors.As(err, &u) || u.Name != "open" || u.Arch != "aarch64" {
		t.Fatalf("Number(aarch64, open) error = %v, want UnknownSyscallError", err)
	}
	if Has("aarch64", "open") || !Has("x86_64", "open") {
		t.Fatal("Has disagrees with the tables for open")
	}
	if _, ok := Name("x86_64", 100000); ok {
		t.Fatal("Name knows syscall 100000")
	}
	if _, ok := Name("x32", 0); ok {
		t.Fatal("x32 numbers without the x32 bit must not resolve")
	}
}

func TestArchNames(t *testing.T) {
	for _, a := range ArchNames() {
		s, err := SCMPName(a)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Canonical(s)
		if err != nil || back != a {
			t.Errorf("Canonical(%s) = %s, %v; want %s", s, back, err, a)
		}
		names, err := Names(a)
		if err != nil || len(names) < 250 {
			t.Errorf("Names(%s): %d names, %v", a, len(names), err)
		}
	}
	if _, err := Canonical("sparc"); !errors.Is(err, ErrUnknownArch) {
		t.Fatalf("Canonical(sparc) = %v, want ErrUnknownArch", err)
	}
	if n, _ := Native(); n != "x86_64" && n != "aarch64" {
		t.Logf("native arch %s", n)
	}
}

// TestNumberMemoized: Number answers from its memo as libseccomp does,
// for every name of every ABI, names an ABI lacks, and aliases (x86's
// accept4, resolved by name to a multiplexer pseudo number).
func TestNumberMemoized(t *testing.T) {
	for _, arch := range ArchNames() {
		a, err := lookup(arch)
		if err != nil {
			t.Fatal(err)
		}
		names, err := Names(arch)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range append(names, "accept4", "socketcall", "no_such_call", "mmap2", "open") {
			want, wantErr := number(a, n)
			for range 2 { // the first call may fill the memo
				got, err := Number(arch, n)
				var u *UnknownSyscallError
				if got != want || (err == nil) != (wantErr == nil) || (err != nil && (!errors.As(err, &u) || err.Error() != wantErr.Error())) {
					t.Fatalf("Number(%s, %s) = %d, %v; libseccomp: %d, %v", arch, n, got, err, want, wantErr)
				}
			}
		}
	}
}

// MaxNr is the highest number of the names Names lists, ARM's private
// syscalls (cacheflush at 0xf0002, above its ordinary table) included.
func TestMaxNr(t *testing.T) {
	for _, a := range ArchNames() {
		names, err := Names(a)
		if err != nil {
			t.Fatal(err)
		}
		hi := -1
		for _, n := range names {
			if nr, err := Number(a, n); err == nil && nr > hi {
				hi = nr
			}
		}
		if got, err := MaxNr(a); err != nil || got != hi || hi < 0x100 {
			t.Errorf("MaxNr(%s) = %#x, %v; the highest listed number is %#x", a, got, err, hi)
		}
	}
	for _, n := range []string{"breakpoint", "cacheflush", "set_tls"} {
		names, _ := Names("arm")
		if !Has("arm", n) || !slices.Contains(names, n) {
			t.Errorf("arm: %s (a private syscall) missing from the table", n)
		}
	}
}

func TestNativeAndUnknown(t *testing.T) {
	want := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	if n, err := Native(); err != nil || (want != "" && n != want) {
		t.Errorf("Native() = %q, %v; want %q", n, err, want)
	}
	if !KnownAnywhere("read") || !KnownAnywhere("cacheflush") || KnownAnywhere("no_such_call") {
		t.Error("KnownAnywhere disagrees with libseccomp for read, cacheflush or no_such_call")
	}
	if _, ok := Name("sparc", 0); ok || Has("sparc", "read") {
		t.Error("an unknown arch names a syscall")
	}
	if _, err := LibArch("sparc"); !errors.Is(err, ErrUnknownArch) {
		t.Errorf("LibArch(sparc) = %v, want ErrUnknownArch", err)
	}
	if _, err := MaxNr("sparc"); !errors.Is(err, ErrUnknownArch) {
		t.Errorf("MaxNr(sparc) = %v, want ErrUnknownArch", err)
	}
}
