package reduce_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/profiles"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

var tables = scmp.Tables{}

// mk builds a trace from "name=count" pairs on x86_64, numbers from
// libseccomp's real table.
func mk(t *testing.T, arch string, pairs ...string) *trace.File {
	t.Helper()
	f := &trace.File{Version: trace.Version, Target: trace.Target{Command: []string{"/bin/true"}}, Host: trace.Host{Arch: arch}}
	for _, p := range pairs {
		name, cnt, _ := strings.Cut(p, "=")
		c, err := strconv.ParseUint(cnt, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		nr, err := scmp.Number(arch, name)
		if err != nil {
			t.Fatal(err)
		}
		f.Syscalls = append(f.Syscalls, trace.Syscall{Arch: arch, Nr: nr, Name: name, Count: c})
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	return f
}

func in(files ...*trace.File) []reduce.Input {
	var out []reduce.Input
	for i, f := range files {
		out = append(out, reduce.Input{Path: "t" + string(rune('1'+i)) + ".yaml", File: f})
	}
	return out
}

func run(t *testing.T, inputs []reduce.Input, o reduce.Options) *reduce.Result {
	t.Helper()
	if o.Native == "" {
		o.Native = "x86_64"
	}
	res, err := reduce.Reduce(inputs, o, tables)
	if err != nil {
		t.Fatalf("Reduce: %v", err)
	}
	return res
}

func TestThresholds(t *testing.T) {
	a := mk(t, "x86_64", "read=100", "write=5", "openat=2", "exit_group=1", "rt_sigreturn=1", "getrandom=1")
	b := mk(t, "x86_64", "read=50", "write=1", "exit_group=1", "mmap=9")
	tests := []struct {
		name      string
		o         reduce.Options
		allowed   []string
		dropped   []string
		notInRule []string
	}{
		{"keep all", reduce.Options{}, []string{"read", "write", "openat", "exit_group", "rt_sigreturn", "getrandom", "mmap"}, nil, nil},
		{"min-count 3", reduce.Options{MinCount: 3}, []string{"read", "write", "mmap", "exit_group", "rt_sigreturn"}, []string{"openat", "getrandom"}, []string{"openat", "getrandom"}},
		{"min-runs 2", reduce.Options{MinRuns: 2}, []string{"read", "write", "exit_group"}, []string{"openat", "getrandom", "mmap"}, []string{"openat", "getrandom", "mmap"}},
		{"both", reduce.Options{MinCount: 10, MinRuns: 2}, []string{"read", "exit_group", "rt_sigreturn"}, []string{"write", "openat", "getrandom", "mmap"}, []string{"write", "mmap"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, in(a, b), tt.o)
			for _, n := range tt.allowed {
				if n != "" && !res.Policy.Allows(n) {
					t.Errorf("%s not allowed; allowed: %v", n, res.Allowed)
				}
			}
			var dropped []string
			for _, d := range res.Dropped {
				dropped = append(dropped, d.Name)
				if d.Count == 0 || d.Runs == 0 || d.Why == "" {
					t.Errorf("dropped %+v: counts missing", d)
				}
			}
			for _, n := range tt.dropped {
				if n != "" && !slices.Contains(dropped, n) {
					t.Errorf("%s not reported dropped: %v", n, dropped)
				}
			}
			for _, n := range tt.notInRule {
				if res.Policy.Allows(n) {
					t.Errorf("%s dropped but still allowed", n)
				}
				if v := res.Policy.Lookup(n); v.Action != policy.ActErrno || v.Errno != policy.EPERM {
					t.Errorf("%s: verdict %+v, want EPERM", n, v)
				}
			}
		})
	}
	// Reported counts are totals over all traces.
	res := run(t, in(a, b), reduce.Options{MinCount: 10})
	for _, d := range res.Dropped {
		if d.Name == "write" && (d.Count != 6 || d.Runs != 2) {
			t.Errorf("write dropped with %+v, want count 6 in 2 runs", d)
		}
	}
}

func TestNeverDropped(t *testing.T) {
	a := mk(t, "x86_64", "read=100", "exit=1", "exit_group=1", "rt_sigreturn=1", "restart_syscall=1")
	b := mk(t, "x86_64", "read=100")
	res := run(t, in(a, b), reduce.Options{MinCount: 1000, MinRuns: 2})
	for _, n := range []string{"exit", "exit_group", "rt_sigreturn", "restart_syscall"} {
		if !res.Policy.Allows(n) {
			t.Errorf("%s dropped; it must never be", n)
		}
	}
	if res.Policy.Allows("read") {
		t.Error("read survived --min-count 1000")
	}
}

func TestDenyCeiling(t *testing.T) {
	a := mk(t, "x86_64", "read=10", "ptrace=3", "bpf=1")
	_, err := reduce.Reduce(in(a), reduce.Options{Native: "x86_64"}, tables)
	var de *reduce.DeniedError
	if !errors.As(err, &de) || !errors.Is(err, reduce.ErrDenied) || !errors.Is(err, reduce.ErrInput) {
		t.Fatalf("err = %v, want a *DeniedError", err)
	}
	for _, want := range []string{"t1.yaml", "bpf", "ptrace", "Allow bpf", "Allow ptrace"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
	_, err = reduce.Reduce(in(a), reduce.Options{Native: "x86_64", Allow: []string{"ptrace"}}, tables)
	if err == nil || strings.Contains(err.Error(), "Allow ptrace") || !strings.Contains(err.Error(), "Allow bpf") {
		t.Fatalf("with --allow ptrace: err = %v, want only bpf refused", err)
	}
	// The ceiling is sorted by name: allowing its earlier entry still
	// refuses the later one.
	_, err = reduce.Reduce(in(a), reduce.Options{Native: "x86_64", Allow: []string{"bpf"}}, tables)
	if err == nil || strings.Contains(err.Error(), "Allow bpf") || !strings.Contains(err.Error(), "Allow ptrace") {
		t.Fatalf("with --allow bpf: err = %v, want only ptrace refused", err)
	}
	res := run(t, in(a), reduce.Options{Allow: []string{"ptrace", "bpf", "uname"}})
	if !slices.Equal(res.AllowNotInCeiling, []string{"uname"}) || res.Policy.Allows("uname") {
		t.Errorf("--allow uname (not in the ceiling): %v, allowed %v", res.AllowNotInCeiling, res.Policy.Allows("uname"))
	}
	if !res.Policy.Allows("ptrace") || !res.Policy.Allows("bpf") {
		t.Error("allowed ceiling syscalls are not in the profile")
	}
	// A ceiling syscall dropped by a threshold is not an error.
	if _, err := reduce.Reduce(in(a), reduce.Options{Native: "x86_64", MinCount: 5}, tables); err != nil {
		t.Errorf("ceiling syscalls below --min-count: %v", err)
	}
	_, err = reduce.Reduce(in(a), reduce.Options{Native: "x86_64", Allow: []string{"nosuchcall"}, NoCeiling: true}, tables)
	var oe *reduce.OptionError
	if !errors.As(err, &oe) || oe.Field != "Allow" || !errors.Is(err, reduce.ErrInput) {
		t.Errorf("--allow of an unknown syscall: err = %v, want an OptionError naming Allow", err)
	}
	// A command says its flags instead of the fields.
	var n reduce.Namer
	if !errors.As(err, &n) || n.Named(func(f string) string { return "--" + strings.ToLower(f) }) != `--allow nosuchcall: unknown syscall "nosuchcall" on x86_64` {
		t.Errorf("Named: %v", err)
	}
	// An empty name (--allow ptrace, with a trailing comma) is said to be
	// empty, not taken for syscall number 0.
	_, err = reduce.Reduce(in(a), reduce.Options{Native: "x86_64", Allow: []string{"ptrace", ""}, NoCeiling: true}, tables)
	if !errors.As(err, &n) || n.Named(func(f string) string { return "--" + strings.ToLower(f) }) != `--allow "": empty syscall name` {
		t.Errorf("--allow of an empty name: %v", err)
	}
}

func TestCeilingNamesExist(t *testing.T) {
	c := profiles.Ceiling()
	if len(c) < 20 {
		t.Fatalf("ceiling has %d entries", len(c))
	}
	for _, e := range c {
		found := false
		for _, a := range trace.KnownArches {
			found = found || tables.Has(a, e.Name)
		}
		if !found {
			t.Errorf("ceiling entry %s is no syscall on any arch", e.Name)
		}
		if e.Reason == "" {
			t.Errorf("ceiling entry %s has no reason", e.Name)
		}
	}
}

func TestArchMapping(t *testing.T) {
	a := mk(t, "x86_64", "open=3", "stat=2", "fstat=1", "access=1", "pipe=1", "dup2=1", "epoll_wait=1", "fork=1", "getdents=1", "arch_prctl=1", "read=1")
	res := run(t, in(a), reduce.Options{Arches: []string{"aarch64"}})
	if !slices.Equal(res.Policy.Arches, []string{"aarch64"}) {
		t.Fatalf("arches %v, want exactly aarch64", res.Policy.Arches)
	}
	want := map[string]string{"open": "openat", "stat": "newfstatat", "access": "faccessat", "pipe": "pipe2",
		"dup2": "dup3", "epoll_wait": "epoll_pwait", "fork": "clone", "getdents": "getdents64", "arch_prctl": ""}
	got := map[string]string{}
	for _, m := range res.Mappings {
		if m.Arch != "aarch64" {
			t.Errorf("mapping for %s", m.Arch)
		}
		got[m.From] = m.To
	}
	for from, to := range want {
		if g, ok := got[from]; !ok || g != to {
			t.Errorf("mapping %s: got %q (reported %v), want %q", from, g, ok, to)
		}
		if to != "" && !res.Policy.Allows(to) && !res.Policy.Lookup(to).Conditional {
			t.Errorf("%s (for %s) not allowed", to, from)
		}
	}
	if _, ok := got["fstat"]; ok {
		t.Error("fstat exists on aarch64 and must not be mapped")
	}
	for _, n := range res.Allowed {
		if !tables.Has("aarch64", n) {
			t.Errorf("allowed %s does not exist on aarch64", n)
		}
	}
	var buf bytes.Buffer
	res.WriteReport(&buf, "generate")
	if !strings.Contains(buf.String(), "aarch64: open does not exist there, allowed as openat") ||
		!strings.Contains(buf.String(), "aarch64: arch_prctl has no equivalent there, left out") {
		t.Errorf("report misses mappings:\n%s", buf.String())
	}
}

func TestDefaultArches(t *testing.T) {
	a := mk(t, "x86", "read=1", "exit_group=1")
	b := mk(t, "x86_64", "read=1")
	res := run(t, in(a, b), reduce.Options{})
	if !slices.Equal(res.Policy.Arches, []string{"x86_64", "x86"}) {
		t.Errorf("arches %v, want [x86_64 x86] (native first)", res.Policy.Arches)
	}
	res = run(t, in(b), reduce.Options{Native: "aarch64"})
	if !slices.Equal(res.Policy.Arches, []string{"aarch64", "x86_64"}) {
		t.Errorf("arches %v, want [aarch64 x86_64]", res.Policy.Arches)
	}
	res = run(t, in(b), reduce.Options{})
	if !slices.Equal(res.Policy.Arches, []string{"x86_64"}) {
		t.Errorf("arches %v: x32/x86 must not be added silently", res.Policy.Arches)
	}
}

func TestBaselines(t *testing.T) {
	a := mk(t, "x86_64", "read=1")
	bl, err := profiles.Resolve(profiles.DefaultBaselines, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range bl {
		names = append(names, b.Name)
	}
	if !slices.Equal(names, []string{"process", "runc", "crun"}) {
		t.Errorf("default baselines resolve to %v", names)
	}
	res := run(t, in(a), reduce.Options{Baselines: bl})
	for _, b := range bl {
		for _, n := range b.Syscalls["x86_64"] {
			// A syscall with the runtime's argument values is allowed
			// with each of them (and an argument rule denies others).
			vals := b.Args[n]
			if spec, ok := reduce.FindArgSpec(n, 2); ok && spec.BaselineSafe {
				// mmap and mprotect: every prot but W+X (no trace
				// observed it).
				for _, c := range []struct {
					prot uint64
					want policy.Action
				}{{0, policy.ActAllow}, {3, policy.ActAllow}, {5, policy.ActAllow}, {6, policy.ActErrno}, {7, policy.ActErrno}} {
					if got := res.Policy.EvalArch("x86_64", n, [6]uint64{0, 0, c.prot}); got.Action != c.want {
						t.Errorf("baseline %s: %s(prot %#x): %v, want %s", b.Name, n, c.prot, got, c.want)
					}
				}
				continue
			}
			if len(vals) == 0 {
				if !res.Policy.Allows(n) {
					t.Errorf("baseline %s: %s not allowed", b.Name, n)
				}
				continue
			}
			for i, vs := range vals {
				for _, v := range vs {
					var args [6]uint64
					args[i] = v
					if got := res.Policy.EvalArch("x86_64", n, args); got.Action != policy.ActAllow {
						t.Errorf("baseline %s: %s(a%d=%d): %v, want allowed", b.Name, n, i, v, got)
					}
				}
				var args [6]uint64
				args[i] = 1000
				if got := res.Policy.EvalArch("x86_64", n, args); got.Action != policy.ActErrno || got.Errno != policy.EPERM {
					t.Errorf("baseline %s: %s(a%d=1000): %v, want EPERM (an argument rule)", b.Name, n, i, got)
				}
			}
		}
	}
	if !slices.Contains(res.FromBaselines, "execve") || slices.Contains(res.FromBaselines, "read") {
		t.Errorf("FromBaselines %v", res.FromBaselines)
	}
	// none: only what the trace has.
	none, err := profiles.Resolve([]string{"none"}, nil)
	if err != nil || none != nil {
		t.Fatalf("none: %v %v", none, err)
	}
	res = run(t, in(a), reduce.Options{Baselines: none})
	if !slices.Equal(res.Allowed, []string{"read"}) {
		t.Errorf("no baseline: allowed %v, want [read]", res.Allowed)
	}
	if _, err := profiles.Resolve([]string{"none", "runc"}, nil); err == nil {
		t.Error("none combined with runc accepted")
	}
	if _, err := profiles.Resolve([]string{"nosuch"}, nil); !errors.Is(err, profiles.ErrUnknownBaseline) {
		t.Errorf("unknown baseline: %v", err)
	}
	// Not measured on aarch64: the x86_64 list is mapped.
	bl, _ = profiles.Resolve([]string{"runc"}, nil)
	res = run(t, in(a), reduce.Options{Baselines: bl, Arches: []string{"aarch64"}})
	if !res.Policy.Allows("execve") || !res.Policy.Allows("openat") {
		t.Errorf("aarch64 runc baseline: allowed %v", res.Allowed)
	}
	// Measured on aarch64 too: its own list there, not the mapped one
	// (x86_64's open would be openat).
	both := &profiles.Baseline{Name: "both", Measured: "x86_64", Syscalls: map[string][]string{"x86_64": {"open"}, "aarch64": {"read"}}}
	res = run(t, in(a), reduce.Options{Baselines: []*profiles.Baseline{both}, Arches: []string{"x86_64", "aarch64"}})
	if !slices.Equal(res.Allowed, []string{"open", "read"}) {
		t.Errorf("baseline with an aarch64 list: allowed %v, want [open read]", res.Allowed)
	}
}

func TestShippedBaselinesExist(t *testing.T) {
	for _, name := range profiles.BaselineNames() {
		b, err := profiles.LoadBaseline(name)
		if err != nil {
			t.Fatal(err)
		}
		for arch, list := range b.Syscalls {
			if !trace.IsKnownArch(arch) {
				t.Errorf("%s: arch %s", name, arch)
			}
			for _, n := range list {
				if !tables.Has(arch, n) {
					t.Errorf("baseline %s: %s is no syscall on %s", name, n, arch)
				}
			}
		}
		for _, c := range profiles.Ceiling() {
			for _, list := range b.Syscalls {
				if slices.Contains(list, c.Name) {
					t.Errorf("baseline %s contains ceiling syscall %s", name, c.Name)
				}
			}
		}
	}
}

func TestPolicyShape(t *testing.T) {
	a := mk(t, "x86_64", "read=1", "write=1", "exit_group=1")
	res := run(t, in(a), reduce.Options{})
	p := res.Policy
	if p.DefaultAction != policy.ActErrno || p.DefaultErrno == nil || *p.DefaultErrno != policy.ENOSYS {
		t.Fatalf("default %s/%v, want ERRNO(ENOSYS)", p.DefaultAction, p.DefaultErrno)
	}
	all, _ := scmp.Names("x86_64")
	for _, n := range all {
		v := p.Lookup(n)
		switch {
		case slices.Contains(res.Allowed, n):
			if v.Action != policy.ActAllow {
				t.Errorf("%s: %+v, want allow", n, v)
			}
		case slices.ContainsFunc(res.Fallbacks, func(f reduce.FallbackAnswer) bool { return f.Name == n }):
			if v.Action != policy.ActErrno || v.Errno != policy.ENOSYS {
				t.Errorf("fallback %s: %+v, want ENOSYS", n, v)
			}
		case v.Action != policy.ActErrno || v.Errno != policy.EPERM:
			t.Errorf("known unobserved %s: %+v, want EPERM", n, v)
		}
	}
	if v := p.Lookup("no_such_syscall_yet"); v.Errno != policy.ENOSYS {
		t.Errorf("unknown syscall: %+v, want ENOSYS", v)
	}
	for _, c := range []struct {
		flag string
		want policy.Action
	}{{"kill", policy.ActKillProcess}, {"log", policy.ActLog}, {"trap", policy.ActTrap}, {"errno", policy.ActErrno}} {
		res := run(t, in(a), reduce.Options{DefaultAction: c.flag})
		if v := res.Policy.Lookup("ptrace"); v.Action != c.want {
			t.Errorf("--default-action %s: ptrace gets %s", c.flag, v.Action)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a := mk(t, "x86_64", "read=10", "write=3", "openat=1", "exit_group=1")
	b := mk(t, "x86_64", "mmap=2", "read=1", "close=4")
	c := mk(t, "x86", "read=1", "exit_group=1")
	bl, _ := profiles.Resolve(profiles.DefaultBaselines, nil)
	var first []byte
	for i, order := range [][]*trace.File{{a, b, c}, {c, b, a}, {b, a, c}} {
		res := run(t, in(order...), reduce.Options{Baselines: bl})
		out, err := emit.Docker(res.Policy)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = out
			continue
		}
		if !bytes.Equal(first, out) {
			t.Fatalf("order %d gives different Docker JSON", i)
		}
	}
}

func TestBadInput(t *testing.T) {
	good := mk(t, "x86_64", "read=1")
	lost := mk(t, "x86_64", "read=1")
	lost.Lost = 3
	lostOne := mk(t, "x86_64", "read=1")
	lostOne.Lost = 1
	empty := &trace.File{Version: 1, Target: trace.Target{PID: 1}}
	unknownName := mk(t, "x86_64", "read=1")
	unknownName.Syscalls[0].Name = "frobnicate"
	mismatch := mk(t, "x86_64", "read=1")
	mismatch.Syscalls[0].Name = "write"
	unknownNr := &trace.File{Version: 1, Target: trace.Target{PID: 1}, Syscalls: []trace.Syscall{{Arch: "x86_64", Nr: 999, Count: 1}}}
	badArch := &trace.File{Version: 1, Target: trace.Target{PID: 1}, Syscalls: []trace.Syscall{{Arch: "mips", Nr: 1, Count: 1}}}
	tests := []struct {
		name   string
		inputs []reduce.Input
		o      reduce.Options
		want   string
		is     error
	}{
		{"no traces", nil, reduce.Options{}, "no traces", nil},
		{"lost", in(lost), reduce.Options{}, "t1.yaml: incomplete trace: the recorder lost 3 event(s)", reduce.ErrIncomplete},
		{"lost one", in(lostOne), reduce.Options{}, "t1.yaml: incomplete trace: the recorder lost 1 event(s)", reduce.ErrIncomplete},
		{"empty", in(empty), reduce.Options{}, "t1.yaml: empty trace", reduce.ErrEmpty},
		{"unknown name", in(unknownName), reduce.Options{}, `t1.yaml: x86_64 syscall number 0 is read, but the trace names it frobnicate`, nil},
		{"name and number disagree", in(mismatch), reduce.Options{}, "t1.yaml: x86_64 syscall number 0 is read, but the trace names it write", nil},
		{"only unnamed numbers", in(unknownNr), reduce.Options{Baselines: []*profiles.Baseline{}}, "nothing left to allow", nil},
		{"bad arch in trace", in(badArch), reduce.Options{}, `t1.yaml: unknown arch "mips"`, nil},
		{"bad --arch", in(good), reduce.Options{Arches: []string{"sparc"}}, `Arches "sparc": unknown`, nil},
		{"min-runs too high", in(good), reduce.Options{MinRuns: 2}, "MinRuns 2: only 1 trace(s) given", nil},
		{"min-runs negative", in(good), reduce.Options{MinRuns: -1}, "MinRuns -1: must not be negative", nil},
		{"bad default action", in(good), reduce.Options{DefaultAction: "allow"}, `DefaultAction "allow": unknown`, nil},
		{"everything dropped", in(good), reduce.Options{MinCount: 5}, "nothing left to allow", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Native = "x86_64"
			_, err := reduce.Reduce(tt.inputs, tt.o, tables)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, reduce.ErrInput) {
				t.Errorf("%v does not match ErrInput", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("%v does not match %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want one line containing %q", err, tt.want)
			}
		})
	}
	if _, err := reduce.Reduce(in(lost), reduce.Options{Native: "x86_64", AllowIncomplete: true}, tables); err != nil {
		t.Errorf("--allow-incomplete: %v", err)
	}
}

func TestMixedABIs(t *testing.T) {
	// An i386 program traced on x86_64: its names are allowed for x86, and
	// not reported as missing on x86_64 (it never issues them there).
	a := mk(t, "x86", "read=1", "mmap2=3", "fstat64=1", "socketcall=1", "exit_group=1")
	b := mk(t, "x86_64", "read=1", "exit_group=1")
	res := run(t, in(a, b), reduce.Options{})
	if len(res.Mappings) != 0 {
		t.Errorf("mappings %+v, want none", res.Mappings)
	}
	for _, n := range []string{"mmap2", "fstat64", "socketcall"} {
		if !res.Policy.Allows(n) {
			t.Errorf("%s not allowed", n)
		}
	}
	// The runtime baselines run on x86_64: no x86 copies of their names.
	bl, _ := profiles.Resolve([]string{"runc"}, nil)
	res = run(t, in(a, b), reduce.Options{Baselines: bl})
	if res.Policy.Allows("fstatat64") || !res.Policy.Allows("newfstatat") || !res.Policy.Allows("sigreturn") {
		t.Errorf("x86 next to x86_64: allowed %v", res.Allowed)
	}
	// An x86_64 trace for a profile that also covers aarch64: mapped there.
	res = run(t, in(b, mk(t, "x86_64", "open=1")), reduce.Options{Arches: []string{"x86_64", "aarch64"}})
	if !res.Policy.Allows("open") || !res.Policy.Allows("openat") {
		t.Errorf("x86_64+aarch64: allowed %v", res.Allowed)
	}
}

// FuzzReduce: any trace the reader accepts reduces to a valid policy that
// allows every syscall it contains, or to an input error; never a panic.
func FuzzReduce(f *testing.F) {
	for _, name := range []string{"busybox-ls.yaml", "busybox-sh-pipe.yaml", "workload.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "traces", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0))
	}
	f.Add([]byte("version: 1\ntarget: {pid: 1}\nsyscalls:\n  - {arch: x86, nr: 102, count: 1}\n  - {arch: aarch64, nr: 56, count: 2}\n"), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		tf, err := trace.Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		o := reduce.Options{Native: "x86_64", AllowIncomplete: mode&1 != 0, NoCeiling: mode&2 != 0}
		if mode&4 != 0 {
			o.Arches = []string{"aarch64"}
		}
		res, err := reduce.Reduce([]reduce.Input{{Path: "f.yaml", File: tf}}, o, tables)
		if err != nil {
			if !errors.Is(err, reduce.ErrInput) {
				t.Fatalf("not an input error: %v", err)
			}
			return
		}
		if err := res.Policy.Validate(); err != nil {
			t.Fatal(err)
		}
		for _, s := range tf.Syscalls {
			name, err := trace.ResolveName(tables, s)
			if err != nil {
				t.Fatalf("Reduce accepted %+v: %v", s, err)
			}
			if name == "" {
				continue // unnamed: reported, answered ENOSYS
			}
			if len(o.Arches) == 0 && !res.Policy.Allows(name) && !res.Policy.Lookup(name).Conditional {
				t.Errorf("%s (%s) traced but not allowed", name, s.Arch)
			}
		}
	})
}

// Every reader path names entries with one rule (trace.ResolveName): a
// name that is not its number's is refused, on every ABI.
func TestNameNumberAgree(t *testing.T) {
	nr := func(arch, name string) int {
		n, err := scmp.Number(arch, name)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	tests := []struct {
		arch string
		nr   int
		name string
		want string // "" = accepted
	}{
		{"x86_64", nr("x86_64", "ptrace"), "brk", "x86_64 syscall number 101 is ptrace, but the trace names it brk"},
		{"x86_64", nr("x86_64", "brk"), "brk", ""},
		{"x86_64", nr("x86_64", "brk"), "", ""},
		{"x86", 12, "brk", "x86 syscall number 12 is chdir, but the trace names it brk"},
		{"x86", nr("x86", "ptrace"), "brk", "x86 syscall number 26 is ptrace"},
		{"x86", nr("x86", "brk"), "brk", ""},
		{"x32", nr("x32", "ptrace"), "brk", "is ptrace, but the trace names it brk"},
		{"x32", nr("x32", "brk"), "brk", ""},
		{"x32", 12, "brk", "x32 syscall number 12 has no name"}, // x86_64's number without the x32 bit
		{"aarch64", nr("aarch64", "ptrace"), "brk", "aarch64 syscall number 117 is ptrace"},
		{"aarch64", nr("x86_64", "brk"), "brk", "aarch64 syscall number 12 is"}, // x86_64's number on aarch64
		{"aarch64", nr("aarch64", "brk"), "brk", ""},
		{"arm", nr("arm", "ptrace"), "brk", "arm syscall number 26 is ptrace"},
		{"arm", nr("arm", "brk"), "brk", ""},
		{"x86_64", 460, "brk", "x86_64 syscall number 460 has no name"},
		{"x86_64", 400, "brk", "x86_64 syscall number 400 has no name"}, // a gap in the table
	}
	for _, tt := range tests {
		f := &trace.File{Version: trace.Version, Target: trace.Target{PID: 1}, Syscalls: []trace.Syscall{
			{Arch: "x86_64", Nr: nr("x86_64", "exit_group"), Name: "exit_group", Count: 1},
			{Arch: tt.arch, Nr: tt.nr, Name: tt.name, Count: 1},
		}}
		f.Canonicalize()
		_, err := reduce.Reduce(in(f), reduce.Options{Native: "x86_64", NoCeiling: true}, tables)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s %d %q: %v", tt.arch, tt.nr, tt.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, reduce.ErrInput) || !strings.HasPrefix(err.Error(), "t1.yaml: "+tt.arch+" syscall number ") {
			t.Errorf("%s %d %q: error %v, want %q", tt.arch, tt.nr, tt.name, err, tt.want)
		}
	}
}

// Numbers libseccomp cannot name are reported, every one, with count,
// program and traces, and the profile answers them ENOSYS, shown by the
// compiled filter in the interpreter.
// A trace of numbers libseccomp cannot name only: the report's first line
// says so instead of ending after its colon.
func TestOnlyUnnamedNumbersReport(t *testing.T) {
	a := &trace.File{Version: trace.Version, Target: trace.Target{PID: 1},
		Syscalls: []trace.Syscall{{Arch: "x86_64", Nr: 99999, Count: 1}}}
	bl, err := profiles.Resolve([]string{"process"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, in(a), reduce.Options{Baselines: bl})
	var rep bytes.Buffer
	res.WriteReport(&rep, "generate")
	first, _, _ := strings.Cut(rep.String(), "\n")
	if want := "generate: merged 1 trace(s): no syscall libseccomp can name"; first != want {
		t.Errorf("first line %q, want %q", first, want)
	}
}

func TestUnnamedNumbers(t *testing.T) {
	a := mk(t, "x86_64", "read=3", "exit_group=1")
	a.Syscalls = append(a.Syscalls,
		trace.Syscall{Arch: "x86_64", Nr: 460, Count: 2, First: "newsys"},           // newer than libseccomp 2.5.4
		trace.Syscall{Arch: "x86_64", Nr: 400, Count: 1, First: "prober"},           // a gap (335..423)
		trace.Syscall{Arch: "x86_64", Nr: 100000, Count: 1, First: "prober"},        // a bogus number
		trace.Syscall{Arch: "x86", Nr: 460, Name: "lsm_list_modules", Count: 1},     // newer libseccomp's name
		trace.Syscall{Arch: "x86_64", Nr: 470, Name: "not_yet_a_syscall", Count: 1}, // dropped name
	)
	a.Canonicalize()
	b := mk(t, "x86_64", "read=1")
	b.Syscalls = append(b.Syscalls, trace.Syscall{Arch: "x86_64", Nr: 460, Count: 5, First: "other"})
	res := run(t, in(a, b), reduce.Options{})
	type u struct {
		arch    string
		nr      int
		count   uint64
		first   string
		traces  string
		covered bool
	}
	var got []u
	for _, x := range res.Unnamed {
		got = append(got, u{x.Arch, x.Nr, x.Count, x.First, strings.Join(x.Traces, ","), x.Covered})
	}
	want := []u{
		{"x86", 460, 1, "", "t1.yaml", false},
		{"x86_64", 400, 1, "prober", "t1.yaml", true},
		{"x86_64", 460, 7, "newsys", "t1.yaml,t2.yaml", true},
		{"x86_64", 470, 1, "", "t1.yaml", true},
		{"x86_64", 100000, 1, "prober", "t1.yaml", true},
	}
	if !slices.Equal(got, want) {
		t.Errorf("unnamed:\n got %+v\nwant %+v", got, want)
	}
	if slices.Contains(res.Policy.Arches, "x86") {
		t.Errorf("an unnamed number made the profile cover x86: %v", res.Policy.Arches)
	}
	var rep bytes.Buffer
	res.WriteReport(&rep, "generate")
	for _, line := range []string{
		"generate: x86_64 syscall number 460 (count 7, first by newsys, in t1.yaml, t2.yaml): libseccomp cannot name it, so no rule can allow it; the profile answers ENOSYS",
		"generate: x86_64 syscall number 400 (count 1, first by prober, in t1.yaml): libseccomp cannot name it",
		"generate: x86 syscall number 460 (count 1, in t1.yaml): libseccomp cannot name it, so no rule can allow it; the profile does not cover ABI x86, so runtimes kill",
	} {
		if !strings.Contains(rep.String(), line) {
			t.Errorf("report lacks %q:\n%s", line, rep.String())
		}
	}
	// What the filter answers, with and without the ENOSYS stub, binary
	// search or linear: ENOSYS for every unnamed number (above the table,
	// in a gap, bogus), EPERM for known unobserved ones, allow for read.
	audit, _ := cbpf.AuditArch("x86_64")
	for _, o := range []cbpf.Options{{Arch: "x86_64"}, {Arch: "x86_64", NoStub: true}, {Arch: "x86_64", Linear: true}} {
		prog, err := cbpf.Compile(res.Policy, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			nr   int32
			want string
		}{
			{0, "SCMP_ACT_ALLOW"}, {460, "SCMP_ACT_ERRNO(38)"}, {400, "SCMP_ACT_ERRNO(38)"}, {335, "SCMP_ACT_ERRNO(38)"},
			{470, "SCMP_ACT_ERRNO(38)"}, {100000, "SCMP_ACT_ERRNO(38)"}, {101, "SCMP_ACT_ERRNO(1)"},
		} {
			r, err := prog.Run(cbpf.Data{Nr: c.nr, Arch: audit})
			if err != nil {
				t.Fatal(err)
			}
			if r.String() != c.want {
				t.Errorf("%+v: nr %d: %s, want %s", o, c.nr, r, c.want)
			}
		}
	}
	// The Docker profile says so too: defaultErrnoRet 38.
	out, err := emit.Write(res.Policy, emit.FormatDocker, emit.Options{})
	if err != nil || !strings.Contains(string(out), `"defaultErrnoRet": 38`) {
		t.Errorf("docker profile without defaultErrnoRet 38: %v\n%.400s", err, out)
	}
}

// Counts add up without wrapping: a sum above 2^63-1 saturates and the
// report says so.
func TestCountSaturation(t *testing.T) {
	a := mk(t, "x86_64", "read=9223372036854775807", "exit_group=1")
	b := mk(t, "x86_64", "read=1", "exit_group=9223372036854775806")
	res := run(t, in(a, b), reduce.Options{MinCount: 9223372036854775807})
	for _, o := range res.Observed {
		switch o.Name {
		case "read":
			if o.Count != trace.MaxCount || !o.Saturated {
				t.Errorf("read: %+v, want saturated at 2^63-1", o)
			}
		case "exit_group":
			if o.Count != trace.MaxCount || o.Saturated {
				t.Errorf("exit_group: %+v, want exactly 2^63-1", o)
			}
		}
	}
	if !res.Policy.Allows("read") {
		t.Error("read dropped by --min-count 2^63-1 although its sum is larger")
	}
	var rep bytes.Buffer
	res.WriteReport(&rep, "generate")
	if !strings.Contains(rep.String(), "count of read (x86_64) saturated at 9223372036854775807 (2^63-1)") || strings.Contains(rep.String(), "count of exit_group") {
		t.Errorf("report:\n%s", rep.String())
	}
}
