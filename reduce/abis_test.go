package reduce_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// A trace with an i386 helper on x86_64: a profile that covers x86_64 but
// not x86 kills the helper at its first syscall (runc and crun kill ABIs a
// profile does not list), so Reduce refuses it unless x86 is covered or
// dropped on purpose.
func TestUncoveredABI(t *testing.T) {
	helper := mk(t, "x86", "read=1", "mmap2=3", "fcntl64=1", "exit_group=1")
	helper.Syscalls[0].First = "helper32"
	main := mk(t, "x86_64", "read=1", "exit_group=1")
	inputs := in(helper, main)

	_, err := reduce.Reduce(inputs, reduce.Options{Native: "x86_64", Arches: []string{"x86_64"}}, tables)
	var ue *reduce.UncoveredABIError
	if !errors.As(err, &ue) || !errors.Is(err, reduce.ErrUncoveredABI) || !errors.Is(err, reduce.ErrInput) {
		t.Fatalf("--arch x86_64 with x86 syscalls in the trace: err %v, want an *UncoveredABIError", err)
	}
	if len(ue.ABIs) != 1 || ue.ABIs[0].Arch != "x86" || ue.ABIs[0].Covered != "x86_64" || ue.ABIs[0].Syscalls != 4 ||
		!slices.Equal(ue.ABIs[0].Programs, []string{"helper32"}) || !slices.Equal(ue.ABIs[0].Traces, []string{"t1.yaml"}) {
		t.Errorf("error %+v", ue.ABIs)
	}
	msg := ue.Named(func(f string) string { return map[string]string{"Arches": "--arch", "DropArches": "--drop-arch"}[f] })
	for _, want := range []string{"4 distinct syscall(s) on x86 by helper32 (in t1.yaml)", "--arch x86,", "--drop-arch x86"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}

	// x32 is an ABI of the same machine too.
	x32 := mk(t, "x32", "read=1")
	if _, err := reduce.Reduce(in(x32, main), reduce.Options{Native: "x86_64", Arches: []string{"x86_64", "x86"}}, tables); !errors.Is(err, reduce.ErrUncoveredABI) {
		t.Errorf("x32 left out: err %v", err)
	}

	// Covered: fine.
	res := run(t, inputs, reduce.Options{Arches: []string{"x86_64", "x86"}})
	if !res.Policy.Allows("mmap2") {
		t.Errorf("x86 covered: mmap2 not allowed")
	}
	// The primary ABI is exempt: runtimes filter it whatever the profile
	// lists.
	run(t, inputs, reduce.Options{Arches: []string{"x86"}})
	// Another machine: a port, the names are mapped.
	run(t, inputs, reduce.Options{Arches: []string{"aarch64"}})
	// Thresholds that drop every x86 syscall leave nothing to kill.
	run(t, in(mk(t, "x86", "getpid=1"), mk(t, "x86_64", "read=2", "exit_group=2"), mk(t, "x86_64", "read=1", "exit_group=1")),
		reduce.Options{Arches: []string{"x86_64"}, MinRuns: 2})

	// Dropped on purpose: left out and reported.
	res = run(t, inputs, reduce.Options{Arches: []string{"x86_64"}, DropArches: []string{"x86"}})
	if res.Policy.Covers("x86") || res.Policy.Allows("mmap2") || res.Policy.Allows("fcntl64") {
		t.Errorf("x86 dropped: arches %v, allowed %v", res.Policy.Arches, res.Allowed)
	}
	if len(res.Mappings) != 0 {
		t.Errorf("dropped x86 syscalls mapped: %+v", res.Mappings)
	}
	if len(res.DroppedArches) != 1 || res.DroppedArches[0].Arch != "x86" || res.DroppedArches[0].Syscalls != 4 {
		t.Errorf("DroppedArches %+v", res.DroppedArches)
	}
	var buf bytes.Buffer
	res.WriteReport(&buf, "generate")
	if !strings.Contains(buf.String(), "generate: --drop-arch x86: left out 4 distinct syscall(s) on x86 by helper32 (in t1.yaml); the profile does not cover x86") {
		t.Errorf("report:\n%s", buf.String())
	}
	// Without Arches, a dropped ABI is not covered either.
	res = run(t, inputs, reduce.Options{DropArches: []string{"x86"}})
	if !slices.Equal(res.Policy.Arches, []string{"x86_64"}) {
		t.Errorf("dropped x86, no Arches: arches %v", res.Policy.Arches)
	}

	// Nor is a dropped host ABI: it was added back, with the baselines'
	// syscalls only, while the report said it was not covered.
	res = run(t, inputs, reduce.Options{Native: "x86_64", DropArches: []string{"x86_64"}})
	if !slices.Equal(res.Policy.Arches, []string{"x86"}) {
		t.Errorf("dropped the host's x86_64, no Arches: arches %v, want [x86]", res.Policy.Arches)
	}

	for _, o := range []reduce.Options{
		{Native: "x86_64", DropArches: []string{"i386"}},
		{Native: "x86_64", Arches: []string{"x86"}, DropArches: []string{"x86"}},
		// Nothing left to cover.
		{Native: "x86_64", DropArches: []string{"x86_64", "x86"}},
	} {
		var oe *reduce.OptionError
		if _, err := reduce.Reduce(inputs, o, tables); !errors.As(err, &oe) || oe.Field != "DropArches" {
			t.Errorf("%+v: err %v, want an *OptionError for DropArches", o, err)
		}
	}
}

// The 32-bit names map to the 64-bit ones on a 64-bit machine that lacks
// them (a trace of an i386 program, a profile for aarch64); socketcall maps
// to the socket calls it was recorded making.
func TestArchMapping32To64(t *testing.T) {
	a := mk(t, "x86", "mmap2=1", "fcntl64=1", "_llseek=1", "stat64=1", "fstat64=1", "getuid32=1", "ugetrlimit=1",
		"clock_gettime64=1", "_newselect=1", "waitpid=1", "sigreturn=1", "exit_group=1", "socketcall=2")
	sc := slices.IndexFunc(a.Syscalls, func(s trace.Syscall) bool { return s.Name == "socketcall" })
	a.Syscalls[sc].Args = []trace.ArgValues{{Index: 0, Values: []uint64{1, 3}}} // SYS_SOCKET, SYS_CONNECT
	want := map[string]string{"mmap2": "mmap", "fcntl64": "fcntl", "_llseek": "lseek", "stat64": "newfstatat", "fstat64": "fstat",
		"getuid32": "getuid", "ugetrlimit": "prlimit64", "clock_gettime64": "clock_gettime", "_newselect": "pselect6",
		"waitpid": "wait4", "sigreturn": "rt_sigreturn"}
	res := run(t, in(a), reduce.Options{Arches: []string{"aarch64"}, Baselines: nil})
	got := map[string][]string{}
	for _, m := range res.Mappings {
		got[m.From] = append(got[m.From], m.To)
	}
	for from, to := range want {
		if !slices.Equal(got[from], []string{to}) {
			t.Errorf("%s: mapped to %q, want %s", from, got[from], to)
		}
		if !slices.Contains(res.Allowed, to) {
			t.Errorf("%s (for %s) not allowed", to, from)
		}
	}
	if !slices.Equal(got["socketcall"], []string{"connect", "socket"}) || !slices.Contains(res.Allowed, "socket") || !slices.Contains(res.Allowed, "connect") {
		t.Errorf("socketcall(SYS_SOCKET, SYS_CONNECT): mapped to %q, allowed %v", got["socketcall"], res.Allowed)
	}
	if slices.Contains(res.Allowed, "bind") {
		t.Error("bind allowed: socketcall never made it")
	}
	var buf bytes.Buffer
	res.WriteReport(&buf, "generate")
	if !strings.Contains(buf.String(), "generate: aarch64: socketcall does not exist there, allowed as socket") {
		t.Errorf("report:\n%s", buf.String())
	}
	// Recorded without its call argument: which calls is not known.
	a.Syscalls[sc].Args = nil
	res = run(t, in(a), reduce.Options{Arches: []string{"aarch64"}})
	if slices.Contains(res.Allowed, "socket") || !slices.ContainsFunc(res.Mappings, func(m reduce.Mapping) bool { return m.From == "socketcall" && m.To == "" }) {
		t.Errorf("socketcall of unknown calls: allowed %v, mappings %+v", res.Allowed, res.Mappings)
	}
	// On x86_64 (x86 covered too) nothing is mapped: x86 runs them.
	if res := run(t, in(a), reduce.Options{Arches: []string{"x86_64", "x86"}}); len(res.Mappings) != 0 {
		t.Errorf("x86 covered: mappings %+v", res.Mappings)
	}
}

// Every name of the mapping table is a syscall on some ABI: a typo would
// map nothing.
func TestEquivalentsNamesExist(t *testing.T) {
	exists := func(n string) bool {
		return slices.ContainsFunc(trace.KnownArches, func(a string) bool { return tables.Has(a, n) })
	}
	for from, tos := range mergeTables(reduce.Equivalents, reduce.Companions) {
		if !exists(from) {
			t.Errorf("%s: not a syscall on any ABI", from)
		}
		for _, to := range tos {
			if !exists(to) {
				t.Errorf("%s -> %s: not a syscall on any ABI", from, to)
			}
		}
	}
}

func mergeTables(a, b map[string][]string) map[string][]string {
	out := map[string][]string{}
	for _, m := range []map[string][]string{a, b} {
		for k, v := range m {
			out[k] = append(out[k], v...)
		}
	}
	return out
}

// A profile for a 32-bit ABI generated from a 64-bit trace also allows the
// names the 32-bit build of the program calls (fcntl64 for fcntl, with
// fcntl's argument rule), and only when the traced ABI is not covered.
func TestCompanionsFor32BitTargets(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		calls    []string
		want     []string // allowed besides the calls' own names
		not      []string
	}{
		{"x86_64", "x86",
			[]string{"execve=1", "arch_prctl=1", "fcntl=1", "lseek=1", "getuid=1", "mmap=2", "newfstatat=1", "clock_gettime=1", "rt_sigreturn=1", "prlimit64=1", "exit_group=1"},
			[]string{"fcntl64", "_llseek", "getuid32", "mmap2", "fstatat64", "statx", "clock_gettime64", "sigreturn", "ugetrlimit", "set_thread_area"},
			[]string{"set_tls", "geteuid32", "futex_time64"}},
		{"aarch64", "arm",
			[]string{"execve=1", "fcntl=1", "lseek=1", "getuid=1", "mmap=2", "newfstatat=1", "futex=1", "exit_group=1"},
			[]string{"fcntl64", "_llseek", "getuid32", "mmap2", "fstatat64", "statx", "futex_time64", "set_tls"},
			[]string{"set_thread_area", "clock_gettime64"}},
	} {
		t.Run(tc.to, func(t *testing.T) {
			f := mk(t, tc.from, tc.calls...)
			withArgs(f, "fcntl", 1, 1)
			withArgs(f, "mmap", 2, 1)
			res := run(t, in(f), reduce.Options{Native: tc.from, Arches: []string{tc.to}})
			p := res.Policy
			for _, n := range tc.want {
				if !slices.Contains(res.Allowed, n) {
					t.Errorf("%s not allowed (allowed: %v)", n, res.Allowed)
				}
			}
			for _, n := range tc.not {
				if slices.Contains(res.Allowed, n) {
					t.Errorf("%s allowed", n)
				}
			}
			// The companions carry the 64-bit name's argument rules.
			if v := p.EvalArch(tc.to, "fcntl64", [6]uint64{0, 1}); v.Action != policy.ActAllow {
				t.Errorf("fcntl64(F_GETFD): %+v", v)
			}
			if v := p.EvalArch(tc.to, "fcntl64", [6]uint64{0, 4}); v.Action == policy.ActAllow {
				t.Errorf("fcntl64(F_SETFL) allowed: fcntl's rule is not applied")
			}
			if v := p.EvalArch(tc.to, "mmap2", [6]uint64{0, 4096, 7}); v.Action == policy.ActAllow {
				t.Errorf("mmap2 W+X allowed: mmap's rule is not applied")
			}
			if !slices.Contains(res.Mappings, reduce.Mapping{Arch: tc.to, From: "fcntl", To: "fcntl64", Also: true}) {
				t.Errorf("fcntl64 not reported: %+v", res.Mappings)
			}
		})
	}
	// The traced ABI covered too: the program is a 64-bit one.
	f := mk(t, "x86_64", "execve=1", "fcntl=1", "exit_group=1")
	if res := run(t, in(f), reduce.Options{Arches: []string{"x86_64", "x86"}}); slices.Contains(res.Allowed, "fcntl64") || slices.Contains(res.Allowed, "set_thread_area") {
		t.Errorf("x86_64 covered: companions allowed: %v", res.Allowed)
	}
}

// TestMessagesNameSomeTraces: a message about a syscall in thousands of
// merged traces names three and counts the rest (the list stays whole in
// Traces).
func TestMessagesNameSomeTraces(t *testing.T) {
	traces := []string{"a.yaml", "b.yaml", "c.yaml", "d.yaml", "e.yaml", "f.yaml"}
	u := reduce.ABIUse{Arch: "x86", Syscalls: 1, Traces: traces}
	if got, want := u.String(), "1 distinct syscall(s) on x86 (in a.yaml, b.yaml, c.yaml and 3 more traces)"; got != want {
		t.Errorf("ABIUse: %q, want %q", got, want)
	}
	n := reduce.Unnamed{Arch: "x86_64", Nr: 999, Count: 6, Traces: traces}
	if got, want := n.String(), "x86_64 syscall number 999 (count 6, in a.yaml, b.yaml, c.yaml and 3 more traces)"; got != want {
		t.Errorf("Unnamed: %q, want %q", got, want)
	}
	u.Traces = traces[:4] // four: all named, "and 1 more" says no less
	if got := u.String(); !strings.Contains(got, "(in a.yaml, b.yaml, c.yaml, d.yaml)") {
		t.Errorf("ABIUse of 4 traces: %q", got)
	}
}
