// Package argfixture builds traces whose argument rules make a filter
// longer than the kernel loads, so that reduce.Reduce must drop many of
// them (values at trace.MaxArgDistinct for most recorded arguments, on
// one or two ABIs, merged from several traces). Tests and benchmarks of
// the reducer and of generate use them; it has no other users.
package argfixture

import (
	"fmt"
	"maps"
	"math/rand"
	"path/filepath"
	"slices"
	"time"

	"github.com/seccomp-gen/seccomp-gen/trace"
)

// Fixture is a set of traces and the ABIs to generate the profile for.
type Fixture struct {
	Name   string
	Arches []string // --arch; empty: the traces' ABIs
	Traces map[string]*trace.File
}

// arg is one recorded argument of a fixture: n distinct values, drawn
// with mask applied (socket type and prot have few meaningful bits), or
// with stride set 3, 3+stride, 3+2*stride, ...
type arg struct {
	index  int
	n      int
	mask   uint64
	stride uint64
}

// Common syscalls of a small program on x86_64 and i386.
var (
	base64 = []string{"read", "write", "openat", "close", "fstat", "mmap", "mprotect", "munmap", "brk",
		"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "pread64", "access", "pipe2", "dup2", "getpid",
		"sendto", "recvfrom", "connect", "bind", "listen", "accept4", "wait4", "uname", "getcwd",
		"futex", "set_tid_address", "set_robust_list", "exit_group", "exit", "clock_gettime", "newfstatat",
		"execve", "getdents64", "lseek", "poll", "nanosleep", "getrandom", "madvise", "sched_yield"}
	base32 = []string{"read", "write", "openat", "close", "fstat64", "mmap2", "mprotect", "munmap", "brk",
		"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigreturn", "access", "dup2", "getpid",
		"futex", "set_thread_area", "set_tid_address", "exit_group", "exit", "clock_gettime64",
		"execve", "getdents64", "_llseek", "poll", "nanosleep", "uname", "getcwd", "waitpid"}
)

// All returns the fixtures, built with seeded pseudo-random values: the
// same each time. nr maps a name to its number on an ABI (trace.Tables'
// Number); names an ABI lacks are left out.
func All(nr func(arch, name string) (int, error)) ([]Fixture, error) {
	full := func(n int) map[string][]arg {
		return map[string][]arg{
			"ioctl": {{1, n, 0xffffffff, 0}}, "fcntl": {{1, n, 0xffffffff, 0}}, "prctl": {{0, n, 0xffffffff, 0}},
			"setsockopt": {{1, n, 0xffffffff, 0}, {2, n, 0xffffffff, 0}}, "getsockopt": {{1, n, 0xffffffff, 0}, {2, n, 0xffffffff, 0}},
			"kill": {{1, n, 63, 0}}, "tgkill": {{2, n, 63, 0}}, "tkill": {{1, n, 63, 0}}, "setns": {{1, n, 0xffffffff, 0}},
			"socketpair": {{0, n, 63, 0}}, "socket": {{0, 6, 31, 0}, {1, 4, 7, 0}}, "personality": {{0, 3, 0xffffffff, 0}},
			"unshare": {{0, 2, 0xffffffff, 0}}, "clone": {{0, 2, 0x7E020000, 0}}, "mmap": {{2, 4, 6, 0}},
			"mprotect": {{2, 3, 6, 0}},
		}
	}
	var out []Fixture
	add := func(name string, arches []string, traces ...map[string]*trace.File) {
		f := Fixture{Name: name, Arches: arches, Traces: map[string]*trace.File{}}
		for _, t := range traces {
			for p, tf := range t {
				f.Traces[p] = tf
			}
		}
		out = append(out, f)
	}
	one := func(path, arch string, seed int64, names []string, args map[string][]arg) (map[string]*trace.File, error) {
		f, err := build(nr, arch, seed, names, args)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return map[string]*trace.File{path: f}, nil
	}
	type spec struct {
		path, arch string
		seed       int64
		names      []string
		args       map[string][]arg
	}
	fixtures := []struct {
		name   string
		arches []string
		traces []spec
	}{
		// Every recorded argument at the recorder's cap.
		{"caps", []string{"x86_64"}, []spec{{"caps.yaml", "x86_64", 1, base64, full(trace.MaxArgDistinct)}}},
		// Fewer values, different per argument: ties and a pair over 64
		// combinations (setsockopt 20 x 32) whose optname becomes a rule
		// of its own when level is dropped.
		{"uneven", []string{"x86_64"}, []spec{{"uneven.yaml", "x86_64", 2, base64, map[string][]arg{
			"ioctl": {{1, 32, 0xffffffff, 0}}, "fcntl": {{1, 24, 0xffffffff, 0}}, "prctl": {{0, 24, 0xffffffff, 0}},
			"setsockopt": {{1, 20, 0xffffffff, 0}, {2, 32, 0xffffffff, 0}}, "getsockopt": {{1, 5, 0xffffffff, 0}, {2, 12, 0xffffffff, 0}},
			"kill": {{1, 7, 63, 0}}, "tgkill": {{2, 24, 63, 0}}, "tkill": {{1, 1, 63, 0}}, "setns": {{1, 16, 0xffffffff, 0}},
			"socketpair": {{0, 3, 63, 0}}, "socket": {{0, 3, 31, 0}, {1, 2, 7, 0}},
		}}}},
		// Three runs of one program merged, and an i386 helper (x86:
		// socketcall, fcntl64, mmap2, libseccomp's multiplexer copies).
		{"merged-x86", []string{"x86_64", "x86"}, []spec{
			{"run1.yaml", "x86_64", 3, base64, full(12)},
			{"run2.yaml", "x86_64", 4, base64, full(10)},
			{"run3.yaml", "x86_64", 5, base64, full(10)},
			{"helper.yaml", "x86", 6, append(slices.Clone(base32), "socketcall"), map[string][]arg{
				"ioctl": {{1, 32, 0xffffffff, 0}}, "fcntl64": {{1, 32, 0xffffffff, 0}}, "prctl": {{0, 20, 0xffffffff, 0}},
				"socketcall": {{0, 12, 31, 0}}, "kill": {{1, 9, 63, 0}}, "mmap2": {{2, 3, 6, 0}}, "tgkill": {{2, 5, 63, 0}},
			}},
		}},
		// The runtimes' filter fits, seccomp-gen's own (generate
		// --format bpf: binary search, ENOSYS stub) is 4118 instructions
		// long: only its check drops rules.
		{"bpf-only", []string{"x86_64", "x86"}, []spec{{"bpf-only.yaml", "x86_64", 7, []string{"read", "write", "mmap", "brk", "rt_sigreturn", "exit_group"}, map[string][]arg{
			"ioctl": {{1, 22, 0, 7919}}, "fcntl": {{1, 22, 0, 7919}}, "prctl": {{0, 22, 0, 7919}},
		}}}},
	}
	for _, fx := range fixtures {
		var traces []map[string]*trace.File
		for _, s := range fx.traces {
			t, err := one(s.path, s.arch, s.seed, s.names, s.args)
			if err != nil {
				return nil, fmt.Errorf("fixture %s: %w", fx.name, err)
			}
			traces = append(traces, t)
		}
		add(fx.name, fx.arches, traces...)
	}
	return out, nil
}

// build makes one trace of names on arch, with args' values for the
// syscalls it names (added to names when missing).
func build(nr func(arch, name string) (int, error), arch string, seed int64, names []string, args map[string][]arg) (*trace.File, error) {
	rnd := rand.New(rand.NewSource(seed))
	f := &trace.File{Version: trace.Version, Target: trace.Target{Command: []string{"w"}}, Host: trace.Host{Arch: "x86_64", Kernel: "6.1.0"},
		Started: time.Unix(0, 0).UTC(), Processes: 1}
	all := slices.Clone(names)
	for _, n := range slices.Sorted(maps.Keys(args)) {
		if !slices.Contains(all, n) {
			all = append(all, n)
		}
	}
	for _, n := range all {
		num, err := nr(arch, n)
		if err != nil {
			continue // not on this ABI
		}
		s := trace.Syscall{Arch: arch, Nr: num, Name: n, Count: uint64(1 + rnd.Intn(1000))}
		for _, a := range args[n] {
			vals := values(rnd, a.n, a.mask)
			if a.stride != 0 {
				vals = nil
				for i := range a.n {
					vals = append(vals, 3+uint64(i)*a.stride)
				}
			}
			s.Args = append(s.Args, trace.ArgValues{Index: a.index, Values: vals})
		}
		f.Syscalls = append(f.Syscalls, s)
	}
	f.Canonicalize()
	return f, f.Validate()
}

// values returns n distinct values within mask, sorted (fewer when the
// mask has fewer).
func values(rnd *rand.Rand, n int, mask uint64) []uint64 {
	seen := map[uint64]bool{}
	var out []uint64
	for tries := 0; len(out) < n && tries < 100*n; tries++ {
		var v uint64
		switch rnd.Intn(3) {
		case 0:
			v = uint64(rnd.Intn(64))
		case 1:
			v = uint64(rnd.Uint32())
		default:
			v = 0x5400 + uint64(rnd.Intn(256))
		}
		v &= mask
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// Write writes f's traces into dir and returns their paths, sorted.
func Write(dir string, f Fixture) ([]string, error) {
	var paths []string
	for _, name := range slices.Sorted(maps.Keys(f.Traces)) {
		p := filepath.Join(dir, name)
		if err := trace.WriteFile(p, f.Traces[name]); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}
