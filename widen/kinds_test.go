package widen

import (
	"debug/elf"
	"os"
	"path/filepath"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// Every syscall of a kind is an x86_64 syscall, in one kind only.
func TestKindsDisjointX86_64(t *testing.T) {
	seen := map[string]string{}
	for _, k := range Kinds {
		if len(k.Syscalls) == 0 {
			t.Errorf("kind %q is empty", k.Name)
		}
		for _, s := range k.Syscalls {
			if !scmp.Has("x86_64", s) {
				t.Errorf("kind %q: %q is not an x86_64 syscall", k.Name, s)
			}
			if o, ok := seen[s]; ok {
				t.Errorf("%s is in kinds %q and %q", s, o, k.Name)
			}
			seen[s] = k.Name
		}
	}
}

func TestRelated(t *testing.T) {
	r := Related([]string{"ppoll", "brk", "read", "write", "ioctl"})
	for s, ev := range map[string]string{
		"poll":      "ppoll", // waiting on descriptors
		"ppoll":     "ppoll",
		"mremap":    "brk",  // memory mappings
		"ftruncate": "read", // file data: the first traced one, sorted
	} {
		if r[s] != ev {
			t.Errorf("Related: %s → %q, want %q", s, r[s], ev)
		}
	}
	for _, s := range []string{"socket", "bind", "clone", "uname", "ioctl", "setxattr"} {
		if r[s] != "" {
			t.Errorf("Related: %s → %q, want none (no kind, or no traced syscall of its kind)", s, r[s])
		}
	}
	if KindOf("ioctl") != "" || KindOf("poll") != "waiting on descriptors" {
		t.Errorf("KindOf: ioctl %q, poll %q", KindOf("ioctl"), KindOf("poll"))
	}
}

// A library of another machine earlier in the search path (an aarch64
// cross toolchain's directory in ld.so.conf) is skipped, as ld.so does.
func TestFindLibSkipsOtherMachine(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	from, err := elf.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer from.Close()
	foreign := append([]byte(nil), data...)
	// e_machine: 2 bytes at offset 18.
	other := elf.EM_AARCH64
	if from.Machine == elf.EM_AARCH64 {
		other = elf.EM_X86_64
	}
	from.ByteOrder.PutUint16(foreign[18:], uint16(other))
	dirs := []string{t.TempDir(), t.TempDir()}
	if err := os.WriteFile(filepath.Join(dirs[0], "libx.so.1"), foreign, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := findLib("libx.so.1", from, self, dirs); got != "" {
		t.Errorf("findLib found %s, a library of another machine", got)
	}
	if err := os.WriteFile(filepath.Join(dirs[1], "libx.so.1"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := findLib("libx.so.1", from, self, dirs), filepath.Join(dirs[1], "libx.so.1"); got != want {
		t.Errorf("findLib: %q, want %q (the other machine's copy skipped)", got, want)
	}
}
