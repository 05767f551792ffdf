package widen

import (
	"debug/elf"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
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
	r := Related([]string{"ppoll", "brk", "read", "write", "ioctl"}, nil)
	for s, ev := range map[string]string{
		"poll":      "waiting on descriptors, like the traced ppoll",
		"ppoll":     "waiting on descriptors, like the traced ppoll",
		"mremap":    "memory mappings, like the traced brk",
		"ftruncate": "file data, like the traced read", // the first traced one, sorted
	} {
		if got := r[s].String(); got != ev {
			t.Errorf("Related: %s → %q, want %q", s, got, ev)
		}
	}
	for _, s := range []string{"socket", "bind", "clone", "uname", "ioctl", "setxattr"} {
		if why, ok := r[s]; ok {
			t.Errorf("Related: %s → %q, want none (no kind, or no traced syscall of its kind)", s, why)
		}
	}
	if KindOf("ioctl") != "" || KindOf("poll") != "waiting on descriptors" {
		t.Errorf("KindOf: ioctl %q, poll %q", KindOf("ioctl"), KindOf("poll"))
	}
}

// A descriptor made non-blocking (fcntl(F_SETFL) or pipe2 with
// O_NONBLOCK, as the recorder keeps their flags) shows waiting on
// descriptors; F_SETFL without it (O_APPEND, masked to 0 by the recorder),
// a cmd without flags (an older trace) and O_NONBLOCK in another argument
// or syscall do not. A traced syscall of the kind is the better reason.
func TestSigns(t *testing.T) {
	sc := func(name string, index int, vals ...uint64) trace.Syscall {
		return trace.Syscall{Arch: trace.ArchX86_64, Name: name, Count: 1, Args: []trace.ArgValues{{Index: index, Values: vals}}}
	}
	const nb = trace.ONonblock
	for _, c := range []struct {
		calls []trace.Syscall
		want  []string
	}{
		{[]trace.Syscall{sc("fcntl", 2, 0, nb|0x400)}, []string{"fcntl(F_SETFL, O_NONBLOCK)"}},
		{[]trace.Syscall{{Arch: trace.ArchX86, Name: "fcntl64", Args: []trace.ArgValues{{Index: 1, Values: []uint64{4}}, {Index: 2, Values: []uint64{nb}}}}}, []string{"fcntl64(F_SETFL, O_NONBLOCK)"}},
		{[]trace.Syscall{sc("pipe2", 1, 0x80000|nb), sc("fcntl", 2, nb)}, []string{"fcntl(F_SETFL, O_NONBLOCK)", "pipe2(O_NONBLOCK)"}},
		{[]trace.Syscall{sc("fcntl", 2, 0)}, nil},      // F_SETFL(O_APPEND)
		{[]trace.Syscall{sc("fcntl", 1, 4)}, nil},      // F_SETFL, flags not recorded
		{[]trace.Syscall{sc("fcntl", 1, nb)}, nil},     // a cmd, not the flags
		{[]trace.Syscall{sc("pipe2", 0, nb)}, nil},     // another argument
		{[]trace.Syscall{sc("socket", 1, nb)}, nil},    // not a sign
		{[]trace.Syscall{sc("dup3", 2, 0x80000)}, nil}, // not a sign
	} {
		var got []string
		for _, s := range Signs(c.calls) {
			if s.Kind != "waiting on descriptors" {
				t.Errorf("Signs(%v): kind %q", c.calls, s.Kind)
			}
			got = append(got, s.Call)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Signs(%v) = %q, want %q", c.calls, got, c.want)
		}
	}
	signs := Signs([]trace.Syscall{sc("fcntl", 2, nb)})
	r := Related([]string{"fcntl", "read"}, signs)
	if got, want := r["poll"].String(), "waiting on descriptors, shown by the traced fcntl(F_SETFL, O_NONBLOCK): a non-blocking descriptor is waited on when it would block"; got != want {
		t.Errorf("Related with a sign: poll → %q, want %q", got, want)
	}
	if _, ok := r["socket"]; ok {
		t.Errorf("Related with a sign: socket widened")
	}
	r = Related([]string{"epoll_wait"}, signs)
	if got, want := r["poll"].String(), "waiting on descriptors, like the traced epoll_wait"; got != want {
		t.Errorf("Related with a sign and a traced wait: poll → %q, want %q", got, want)
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
