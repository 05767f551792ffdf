package widen

import (
	"debug/elf"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
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
	for s, ev := range map[string]string{
		"alarm":     "the program's own time, which any run may do",
		"setitimer": "the program's own time, which any run may do",
		"times":     "the program's own time, which any run may do",
	} {
		if got := r[s].String(); got != ev+": a time limit, a progress display" {
			t.Errorf("Related: %s → %q, want %q", s, got, ev)
		}
	}
	if got := Related([]string{"timer_settime"}, nil)["timer_delete"].String(); got != "POSIX timers, like the traced timer_settime" {
		t.Errorf("Related: timer_delete with timer_settime traced → %q", got)
	}
	if got := Related([]string{"getrusage"}, nil)["alarm"].String(); got != "the program's own time, like the traced getrusage" {
		t.Errorf("Related: alarm with getrusage traced → %q, want the traced syscall named", got)
	}
	for _, s := range []string{"socket", "bind", "clone", "uname", "ioctl", "setxattr", "timer_create"} {
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

// Kinds are judged per executable: what an executable links counts when
// its own syscalls show the kind; a sign counts for the executable that
// issued its syscall; an executable the traces give no syscalls for is
// judged by all of them together.
func TestPerExecutable(t *testing.T) {
	nb := trace.Syscall{Arch: "x86_64", Name: "fcntl", Args: []trace.ArgValues{{Index: 1, Values: []uint64{trace.FSetfl}}, {Index: 2, Values: []uint64{trace.ONonblock}}}}
	signs := Signs([]trace.Syscall{nb})
	p := NewPerExecutable(map[string][]string{
		"/bin/a": {"chown", "read", "nanosleep"},
		"/bin/b": {"mkdir", "read", "fcntl"},
	}, []string{"chown", "read", "mkdir", "fcntl", "nanosleep"}, signs)
	for _, c := range []struct {
		exe, sc string
		want    string // "" when not widened
	}{
		{"/bin/a", "fchmod", "file attributes, like the traced chown"},
		{"/bin/b", "fchmod", ""},
		{"/bin/b", "renameat", "directory entries, like the traced mkdir"},
		{"/bin/a", "renameat", ""},
		{"/bin/a", "lseek", "file data, like the traced read"},
		{"/bin/b", "poll", "waiting on descriptors, shown by the traced fcntl(F_SETFL, O_NONBLOCK): a non-blocking descriptor is waited on when it would block"},
		{"/bin/a", "poll", ""},
		{"/bin/a", "clock_nanosleep", "sleeping, like the traced nanosleep"},
		{"/bin/a", "timer_create", ""},                               // sleeping is not POSIX timers
		{"/bin/b", "alarm", "the program's own time, " + whyOwnTime}, // any run may
		{"/bin/c", "getrusage", "the program's own time, " + whyOwnTime},
		{"/bin/c", "fchmod", "file attributes, like the traced chown"},
		{"/bin/c", "poll", "waiting on descriptors, shown by the traced fcntl(F_SETFL, O_NONBLOCK): a non-blocking descriptor is waited on when it would block"},
	} {
		r, ok := p.Why(Implied{Syscall: c.sc, Exe: c.exe, File: c.exe, Symbol: c.sc})
		if got := r.String(); ok != (c.want != "") || (ok && got != c.want) {
			t.Errorf("%s links %s: widened %v (%q), want %q", c.exe, c.sc, ok, got, c.want)
		}
	}
	if _, ok := p.Shows("/bin/b", FlagIoctlKind); !ok {
		t.Errorf("/bin/b traced fcntl: descriptor plumbing not shown")
	}
	if r, ok := p.Shows("/bin/a", FlagIoctlKind); ok {
		t.Errorf("/bin/a did no descriptor plumbing: shown by %v", r)
	}
}

// The descriptor-flag ioctl requests have the values of
// include/uapi/asm-generic/ioctls.h (linux-libc-dev, a dependency of
// libc6-dev).
func TestFlagIoctls(t *testing.T) {
	const header = "/usr/include/asm-generic/ioctls.h"
	data, err := os.ReadFile(header)
	if err != nil {
		testutil.SkipOrFail(t, "no kernel headers: "+err.Error())
	}
	want := map[string]uint64{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == "#define" {
			if v, err := strconv.ParseUint(f[2], 0, 64); err == nil {
				want[f[1]] = v
			}
		}
	}
	if len(FlagIoctls) != 4 {
		t.Fatalf("FlagIoctls: %v", FlagIoctls)
	}
	for _, f := range FlagIoctls {
		if w, ok := want[f.Name]; !ok || w != f.Request {
			t.Errorf("%s = %#x, want %#x from %s", f.Name, f.Request, w, header)
		}
	}
	if KindOf("fcntl") != FlagIoctlKind {
		t.Errorf("fcntl is of kind %q, FlagIoctlKind %q", KindOf("fcntl"), FlagIoctlKind)
	}
}

// TestSignSharedBetweenExecutables: a sign's argument values are the
// trace's, so where two executables called fcntl and the trace holds
// fcntl(F_SETFL, O_NONBLOCK), each is credited with it and the reason says
// that it may be the other's call; the one executable that called it
// alone is told plainly. (An audit found bash reported as "shown by the
// traced fcntl(F_SETFL, O_NONBLOCK)" when only a static program it ran
// had made that call.)
func TestSignSharedBetweenExecutables(t *testing.T) {
	syscalls := []trace.Syscall{{Arch: "x86_64", Nr: 72, Name: "fcntl", Count: 6,
		Args: []trace.ArgValues{{Index: 1, Values: []uint64{1, 3, trace.FSetfl}}, {Index: 2, Values: []uint64{0, trace.ONonblock}}}}}
	signs := Signs(syscalls)
	shared := NewPerExecutable(map[string][]string{
		"/usr/bin/bash": {"close", "fcntl", "read"},
		"/tmp/nb":       {"fcntl"},
	}, []string{"close", "fcntl", "read"}, signs)
	want := "waiting on descriptors, shown by the traced fcntl(F_SETFL, O_NONBLOCK) of this executable or another of the 2 that called fcntl (arguments are recorded per trace, not per executable): " + whyNonblock
	for _, exe := range []string{"/usr/bin/bash", "/tmp/nb"} {
		r, ok := shared.Why(Implied{Exe: exe, File: exe, Syscall: "poll"})
		if !ok || r.String() != want {
			t.Errorf("%s links poll: widened %v (%q), want %q", exe, ok, r.String(), want)
		}
	}
	alone := NewPerExecutable(map[string][]string{
		"/usr/bin/bash": {"close", "read"},
		"/tmp/nb":       {"fcntl"},
	}, []string{"close", "fcntl", "read"}, signs)
	if r, ok := alone.Why(Implied{Exe: "/usr/bin/bash", File: "/usr/bin/bash", Syscall: "poll"}); ok {
		t.Errorf("bash did not call fcntl, widened to poll: %s", r)
	}
	want = "waiting on descriptors, shown by the traced fcntl(F_SETFL, O_NONBLOCK): " + whyNonblock
	if r, ok := alone.Why(Implied{Exe: "/tmp/nb", File: "/tmp/nb", Syscall: "poll"}); !ok || r.String() != want {
		t.Errorf("/tmp/nb links poll: widened %v (%q), want %q", ok, r.String(), want)
	}
}
