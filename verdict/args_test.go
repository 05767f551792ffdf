package verdict_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

// TestCoverageArgs: check reports a recorded argument value the profile
// does not allow like a missing syscall, naming the value and what the
// profile allows; values it allows pass.
func TestCoverageArgs(t *testing.T) {
	gen := argTrace(t, "x86_64", append([]string{"clone", "socket"}, base...), map[string][]trace.ArgValues{
		"clone": {{Index: 0, Values: []uint64{0x11}}}, "socket": {{Index: 0, Values: []uint64{1}}},
	})
	p := reduceArgs(t, gen).Policy
	run := argTrace(t, "x86_64", append([]string{"clone", "socket"}, base...), map[string][]trace.ArgValues{
		"clone": {{Index: 0, Values: []uint64{0x11, 0x10000011}}}, "socket": {{Index: 0, Values: []uint64{1, 2}}},
	})
	cov, err := verdict.CheckCoverage(p, run)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"socket": "socket domain AF_INET (2): profile allows AF_UNIX (1) only",
		"clone":  "clone flags CLONE_NEWUSER (0x10000000): profile allows none of",
	}
	missing := cov.Missing()
	if len(missing) != 2 {
		t.Fatalf("missing %+v, want clone and socket", missing)
	}
	for _, e := range missing {
		if e.Reason != verdict.ReasonArgument || !strings.Contains(e.Explain(p), want[e.Name]) {
			t.Errorf("%s: %s %q, want %q", e.Name, e.Reason, e.Explain(p), want[e.Name])
		}
	}
	// The generating trace itself is covered.
	if cov, err := verdict.CheckCoverage(p, gen); err != nil || !cov.OK() {
		t.Errorf("the trace the profile was made from is not covered: %+v %v", cov, err)
	}
	// replay --enforce: a denial whose answer depends on arguments names
	// the argument.
	e := &verdict.Entry{Arch: "x86_64", Name: "socket", Reason: verdict.ReasonEnforced, Action: "SCMP_ACT_ERRNO", Errno: 1}
	if !verdict.AttributeArgs(p, e, [6]uint64{40, 1}) || !strings.Contains(e.Explain(p), "for socket domain AF_VSOCK (40): profile allows AF_UNIX (1) only") {
		t.Errorf("enforced denial: %q", e.Explain(p))
	}
	// Rules on socket's domain and type: with an allowed domain, the type
	// is to blame, not the domain.
	p = reduceArgs(t, argTrace(t, "x86_64", append([]string{"socket"}, base...), map[string][]trace.ArgValues{
		"socket": {{Index: 0, Values: []uint64{1}}, {Index: 1, Values: []uint64{1}}},
	})).Policy
	e = &verdict.Entry{Arch: "x86_64", Name: "socket", Reason: verdict.ReasonEnforced, Action: "SCMP_ACT_ERRNO", Errno: 1}
	if !verdict.AttributeArgs(p, e, [6]uint64{1, 3}) || !strings.HasSuffix(e.Explain(p), "for socket type SOCK_RAW (3): profile allows SOCK_STREAM (1) only") || strings.Contains(e.Explain(p), "domain") {
		t.Errorf("enforced denial of socket(AF_UNIX, SOCK_RAW): %q", e.Explain(p))
	}
	// The same from a trace (traced replay, check): the allowed type of a
	// denied combination is not blamed.
	p = reduceArgs(t, argTrace(t, "x86_64", append([]string{"socket"}, base...), map[string][]trace.ArgValues{
		"socket": {{Index: 0, Values: []uint64{2}}, {Index: 1, Values: []uint64{2}}},
	})).Policy
	cov, err = verdict.CheckCoverage(p, argTrace(t, "x86_64", append([]string{"socket"}, base...), map[string][]trace.ArgValues{
		"socket": {{Index: 0, Values: []uint64{1}}, {Index: 1, Values: []uint64{2}}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	if m := cov.Missing(); len(m) != 1 || m[0].Explain(p) != "socket domain AF_UNIX (1): profile allows AF_INET (2) only" {
		t.Errorf("traced socket(AF_UNIX, SOCK_DGRAM) under an AF_INET+SOCK_DGRAM profile: %+v", m)
	}
}

var base = []string{"read", "write", "exit_group", "mmap", "brk"}

func argTrace(t *testing.T, arch string, names []string, args map[string][]trace.ArgValues) *trace.File {
	t.Helper()
	f := &trace.File{Version: trace.Version, Target: trace.Target{Command: []string{"w"}}, Host: trace.Host{Arch: "x86_64"}, Started: time.Unix(0, 0)}
	for _, n := range names {
		nr, err := scmp.Number(arch, n)
		if err != nil {
			t.Fatal(err)
		}
		f.Syscalls = append(f.Syscalls, trace.Syscall{Arch: arch, Nr: nr, Name: n, Count: 1, Args: args[n]})
	}
	f.Canonicalize()
	return f
}

type reduced struct{ Policy *policy.Policy }

func reduceArgs(t *testing.T, f *trace.File) reduced {
	t.Helper()
	res, err := reduce.Reduce([]reduce.Input{{Path: "t.yaml", File: f}}, reduce.Options{Native: "x86_64"}, scmp.Tables{})
	if err != nil {
		t.Fatal(err)
	}
	return reduced{res.Policy}
}

// TestCoverageArgsCompiled: the same verdict from the compiled filter
// (check -p profile.bpf), for the restricted argument only.
func TestCoverageArgsCompiled(t *testing.T) {
	gen := argTrace(t, "x86_64", append([]string{"clone", "socket"}, base...), map[string][]trace.ArgValues{
		"clone": {{Index: 0, Values: []uint64{0x11}}}, "socket": {{Index: 0, Values: []uint64{1}}, {Index: 1, Values: []uint64{1}}},
	})
	p := reduceArgs(t, gen).Policy
	run := argTrace(t, "x86_64", append([]string{"clone", "socket"}, base...), map[string][]trace.ArgValues{
		"clone": {{Index: 0, Values: []uint64{0x11}}}, "socket": {{Index: 0, Values: []uint64{1, 2}}, {Index: 1, Values: []uint64{1}}},
	})
	cov, err := verdict.CheckCoverageOf(compiled(t, p), run)
	if err != nil {
		t.Fatal(err)
	}
	m := cov.Missing()
	if len(m) != 1 || m[0].Name != "socket" || m[0].Reason != verdict.ReasonArgument || m[0].Explain(nil) != "socket domain AF_INET (2): filter allows AF_UNIX (1) only" {
		t.Fatalf("missing %+v", m)
	}
	// Only the refused value recorded (socket(AF_INET, SOCK_STREAM) under
	// a filter made for AF_UNIX+SOCK_STREAM): no probe of one argument at
	// a time is allowed, yet the filter allows socket with other values,
	// and the report names the refused one as the policy's does (it said
	// "profile answers SCMP_ACT_ERRNO(EPERM)"). The type, allowed with
	// another domain, is not blamed.
	only := argTrace(t, "x86_64", append([]string{"clone", "socket"}, base...), map[string][]trace.ArgValues{
		"clone": {{Index: 0, Values: []uint64{0x11}}}, "socket": {{Index: 0, Values: []uint64{2}}, {Index: 1, Values: []uint64{1}}},
	})
	for _, a := range []verdict.Answerer{compiled(t, p), pa(p)} {
		cov, err = verdict.CheckCoverageOf(a, only)
		if err != nil {
			t.Fatal(err)
		}
		m = cov.Missing()
		if len(m) != 1 || m[0].Reason != verdict.ReasonArgument || len(m[0].ArgDenied) != 1 || m[0].ArgDenied[0].Index != 0 || m[0].ArgDenied[0].Value != 2 {
			t.Fatalf("%T: missing %+v, want socket's domain AF_INET (2) blamed", a, m)
		}
		if want := "socket domain AF_INET (2): filter allows AF_UNIX (1) only"; verdict.PolicyOf(a) == nil && m[0].Explain(nil) != want {
			t.Errorf("compiled filter: %q, want %q", m[0].Explain(nil), want)
		}
	}
	// The type, restricted together with the domain (two conditions per
	// rule): SOCK_DGRAM is denied with the allowed domain.
	run = argTrace(t, "x86_64", append([]string{"clone", "socket"}, base...), map[string][]trace.ArgValues{
		"clone": {{Index: 0, Values: []uint64{0x11}}}, "socket": {{Index: 0, Values: []uint64{1}}, {Index: 1, Values: []uint64{1, 2}}},
	})
	for _, a := range []verdict.Answerer{compiled(t, p), pa(p)} {
		cov, err = verdict.CheckCoverageOf(a, run)
		if err != nil {
			t.Fatal(err)
		}
		m = cov.Missing()
		if len(m) != 1 || m[0].Reason != verdict.ReasonArgument || m[0].Explain(p) != "socket type SOCK_DGRAM (2): profile allows SOCK_STREAM (1) only" {
			t.Fatalf("%T: missing %+v (%q)", a, m, m[0].Explain(p))
		}
	}
	if cov, err := verdict.CheckCoverageOf(compiled(t, p), gen); err != nil || !cov.OK() {
		t.Errorf("the generating trace is not covered by the compiled filter: %+v %v", cov, err)
	}
}

// TestCoverageArgs32Bit: on x86, check names mmap2's prot and fcntl64's
// cmd (glibc's mmap and fcntl there) when a run uses values the profile
// does not allow.
func TestCoverageArgs32Bit(t *testing.T) {
	names := []string{"mmap2", "fcntl64", "read", "write", "exit_group", "brk"}
	gen := argTrace(t, "x86", names, map[string][]trace.ArgValues{
		"mmap2": {{Index: 2, Values: []uint64{0, 2}}}, "fcntl64": {{Index: 1, Values: []uint64{1}}},
	})
	p := reduceArgs(t, gen).Policy
	run := argTrace(t, "x86", names, map[string][]trace.ArgValues{
		"mmap2": {{Index: 2, Values: []uint64{2, 6}}}, "fcntl64": {{Index: 1, Values: []uint64{1, 3}}},
	})
	cov, err := verdict.CheckCoverage(p, run)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"mmap2":   "mmap2 prot PROT_EXEC|PROT_WRITE (0x6)",
		"fcntl64": "fcntl64 cmd F_GETFL (3): profile allows F_GETFD (1) only",
	}
	missing := cov.Missing()
	if len(missing) != 2 {
		t.Fatalf("missing %+v, want mmap2 and fcntl64", missing)
	}
	for _, e := range missing {
		if e.Arch != "x86" || e.Reason != verdict.ReasonArgument || !strings.Contains(e.Explain(p), want[e.Name]) {
			t.Errorf("%s %s: %s %q, want %q", e.Arch, e.Name, e.Reason, e.Explain(p), want[e.Name])
		}
	}
	if cov, err := verdict.CheckCoverage(p, gen); err != nil || !cov.OK() {
		t.Errorf("the trace the profile was made from is not covered: %+v %v", cov, err)
	}
}

// TestCoverageArgsAcrossTraces: several traces are checked as one run whose
// arguments took every value any of them recorded. A profile that allows
// socket(AF_INET, SOCK_STREAM) and socket(AF_UNIX, SOCK_DGRAM) covers a
// trace of each, checked alone or together (together, AF_INET was judged
// with the last trace's type only, SOCK_DGRAM, and reported denied).
func TestCoverageArgsAcrossTraces(t *testing.T) {
	sock := func(domain, typ uint64) *trace.File {
		return argTrace(t, "x86_64", append([]string{"socket"}, base...), map[string][]trace.ArgValues{
			"socket": {{Index: 0, Values: []uint64{domain}}, {Index: 1, Values: []uint64{typ}}},
		})
	}
	p := &policy.Policy{
		DefaultAction: policy.ActErrno,
		DefaultErrno:  policy.Errno(policy.EPERM),
		Arches:        []string{"x86_64"},
		Rules: []policy.Rule{
			{Names: base, Action: policy.ActAllow},
			{Names: []string{"socket"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 2, Op: policy.OpEqualTo}, {Index: 1, Value: 1, Op: policy.OpEqualTo}}},
			{Names: []string{"socket"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 1, Op: policy.OpEqualTo}, {Index: 1, Value: 2, Op: policy.OpEqualTo}}},
		},
	}
	inet, unix := sock(2, 1), sock(1, 2)
	for _, c := range []struct {
		name   string
		traces []*trace.File
	}{{"inet", []*trace.File{inet}}, {"unix", []*trace.File{unix}}, {"inet, unix", []*trace.File{inet, unix}}, {"unix, inet", []*trace.File{unix, inet}}} {
		cov, err := verdict.CheckCoverage(p, c.traces...)
		if err != nil {
			t.Fatal(err)
		}
		if !cov.OK() {
			var why []string
			for _, e := range cov.Entries {
				if !e.Covered {
					why = append(why, e.Name+": "+e.ExplainArgs(p))
				}
			}
			t.Errorf("traces %s: not covered: %s", c.name, strings.Join(why, "; "))
		}
	}
}

// A denied argument value of a syscall that several programs made says
// that the trace does not tell which of them passed it (values are kept per
// syscall, not per program): FIRST, the first of them, sent people to the
// wrong program. One program: nothing added, FIRST is it.
func TestCoverageArgsCallers(t *testing.T) {
	gen := argTrace(t, "x86_64", append([]string{"socket"}, base...), map[string][]trace.ArgValues{
		"socket": {{Index: 0, Values: []uint64{1}}},
	})
	p := reduceArgs(t, gen).Policy
	run := argTrace(t, "x86_64", append([]string{"socket"}, base...), map[string][]trace.ArgValues{
		"socket": {{Index: 0, Values: []uint64{1, 2}}},
	})
	socket, err := scmp.Number("x86_64", "socket")
	if err != nil {
		t.Fatal(err)
	}
	exe := func(path string) trace.Executable {
		return trace.Executable{Path: path, Syscalls: []trace.ExeSyscalls{{Arch: "x86_64", Nrs: []int{socket}}}}
	}
	for _, c := range []struct {
		exes []trace.Executable
		want string
	}{
		{[]trace.Executable{exe("/usr/bin/make"), exe("/tmp/t/app.test")}, "; 2 programs made socket (/tmp/t/app.test, /usr/bin/make) and the trace does not say which passed it (replay --enforce names it)"},
		{[]trace.Executable{exe("/tmp/t/app.test")}, "profile allows AF_UNIX (1) only"},
	} {
		run.Executables = c.exes
		cov, err := verdict.CheckCoverage(p, run)
		if err != nil {
			t.Fatal(err)
		}
		m := cov.Missing()
		if len(m) != 1 || m[0].Reason != verdict.ReasonArgument || !strings.HasSuffix(m[0].Explain(p), c.want) {
			t.Errorf("%d callers: %+v, want an argument denial ending %q", len(c.exes), m, c.want)
			continue
		}
		t.Logf("%s", m[0].Explain(p))
	}
}

// TestCoverageCompiledUnchecked: a compiled filter (check -p profile.bpf)
// allows umask only for mask 022, and the recorder keeps no values of
// umask's argument: the filter does not say which arguments it tests, so
// the entry is covered conditionally and unchecked, and the run is not
// passed as proven. The policy the filter came from names argument 0.
// Values of an argument the recorder restricts (personality's persona),
// recorded in full, leave nothing unchecked.
func TestCoverageCompiledUnchecked(t *testing.T) {
	p := &policy.Policy{
		DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.EPERM), Arches: []string{"x86_64"},
		Rules: []policy.Rule{
			{Names: base, Action: policy.ActAllow},
			{Names: []string{"umask"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 0o22, Op: policy.OpEqualTo}}},
			{Names: []string{"personality"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 8, Op: policy.OpEqualTo}}},
		},
	}
	for _, c := range []struct {
		name      string
		a         verdict.Answerer
		call      string
		args      []trace.ArgValues
		unchecked []int // nil: checked
	}{
		{"filter, umask, no values", compiled(t, p), "umask", nil, []int{}},
		{"policy, umask, no values", pa(p), "umask", nil, []int{0}},
		{"filter, personality, no values", compiled(t, p), "personality", nil, []int{0}},
		{"filter, personality, all values", compiled(t, p), "personality", []trace.ArgValues{{Index: 0, Values: []uint64{8}}}, nil},
		{"filter, personality, overflowed values", compiled(t, p), "personality", []trace.ArgValues{{Index: 0, Values: []uint64{8}, Overflow: true}}, []int{0}},
	} {
		cov, err := verdict.CheckCoverageOf(c.a, argTrace(t, "x86_64", append([]string{c.call}, base...), map[string][]trace.ArgValues{c.call: c.args}))
		if err != nil {
			t.Fatal(err)
		}
		if !cov.OK() {
			t.Errorf("%s: missing %+v", c.name, cov.Missing())
		}
		un := cov.Unchecked()
		switch {
		case c.unchecked == nil && len(un) != 0:
			t.Errorf("%s: unchecked %+v, want none", c.name, un)
		case c.unchecked != nil && (len(un) != 1 || un[0].Name != c.call || len(un[0].UncheckedArgs) != len(c.unchecked) ||
			len(c.unchecked) > 0 && un[0].UncheckedArgs[0] != c.unchecked[0]):
			t.Errorf("%s: unchecked %+v, want %s unchecked (arguments %v)", c.name, un, c.call, c.unchecked)
		}
	}
}

// TestSetTracesBeyondDenialBound: an entry keeps the first 16 denied
// values; a trace whose denied value is beyond them is named all the same
// (its value is not listed, so each trace with the syscall is), and a
// trace with the syscall's allowed value only is named when the bound is
// not reached.
func TestSetTracesBeyondDenialBound(t *testing.T) {
	p := &policy.Policy{
		DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.EPERM), Arches: []string{"x86_64"},
		Rules: []policy.Rule{
			{Names: base, Action: policy.ActAllow},
			{Names: []string{"personality"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 0, Op: policy.OpEqualTo}}},
		},
	}
	personality := func(values ...uint64) *trace.File {
		return argTrace(t, "x86_64", append([]string{"personality"}, base...), map[string][]trace.ArgValues{"personality": {{Index: 0, Values: values}}})
	}
	var many []uint64
	for v := uint64(1); v <= 16; v++ {
		many = append(many, v)
	}
	for _, c := range []struct {
		name   string
		traces []*trace.File
		want   []string
	}{
		{"beyond the bound", []*trace.File{personality(many...), personality(0, 17)}, []string{"a", "b"}},
		{"within the bound", []*trace.File{personality(many[:15]...), personality(0)}, []string{"a"}},
	} {
		cov, err := verdict.CheckCoverage(p, c.traces...)
		if err != nil {
			t.Fatal(err)
		}
		cov.SetTraces([]string{"a", "b"}, c.traces)
		m := cov.Missing()
		if len(m) != 1 || m[0].Reason != verdict.ReasonArgument || len(m[0].ArgDenied) > 16 || !slices.Equal(m[0].Traces, c.want) {
			t.Errorf("%s: missing %+v, want personality denied (at most 16 values listed) in %v", c.name, m, c.want)
		}
	}
}

// TestExplainWholeValue: a rule that tests bits outside the ones reports
// name a value by (clone allowed only for arg0 == SIGCHLD, as a
// hand-written profile may say) is explained with whole values: the
// recorded flags and the allowed value as numbers, with the namespace bits
// named. Named through the namespace mask, both read "none of
// CLONE_NEW...": "profile allows none of ..." for a call it refuses.
func TestExplainWholeValue(t *testing.T) {
	p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64"}, Rules: []policy.Rule{
		{Names: base, Action: policy.ActAllow},
		{Names: []string{"clone"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Op: policy.OpEqualTo, Value: 17}}},
	}}
	run := argTrace(t, "x86_64", append([]string{"clone"}, base...), map[string][]trace.ArgValues{
		"clone": {{Index: 0, Values: []uint64{0x1200011, 0x10000011, 17}}},
	})
	cov, err := verdict.CheckCoverage(p, run)
	if err != nil {
		t.Fatal(err)
	}
	m := cov.Missing()
	want := "clone flags 0x1200011: profile allows 0x11 only; clone flags CLONE_NEWUSER|0x11 (0x10000011): profile allows 0x11 only"
	if len(m) != 1 || m[0].Explain(p) != want {
		t.Errorf("got %+v\nwant %q", m, want)
	}
	// A deny list saying the same: the refusing test is named whole too.
	deny := &policy.Policy{DefaultAction: policy.ActAllow, Arches: []string{"x86_64"}, Rules: []policy.Rule{
		{Names: []string{"clone"}, Action: policy.ActErrno, Args: []policy.Arg{{Index: 0, Op: policy.OpNotEqual, Value: 17}}},
	}}
	if cov, err = verdict.CheckCoverage(deny, run); err != nil {
		t.Fatal(err)
	}
	want = "clone flags 0x1200011, flags CLONE_NEWUSER|0x11 (0x10000011): profile refuses flags != 0x11"
	if m := cov.Missing(); len(m) != 1 || m[0].Explain(deny) != want {
		t.Errorf("deny list: got %+v\nwant %q", m, want)
	}
	// Docker's form (the namespace bits masked, all clear) keeps naming
	// the bits that decide.
	p.Rules[1].Args = []policy.Arg{{Index: 0, Op: policy.OpMaskedEqual, Value: reduce.NamespaceFlags, ValueTwo: 0}}
	if cov, err = verdict.CheckCoverage(p, run); err != nil {
		t.Fatal(err)
	}
	if m := cov.Missing(); len(m) != 1 || !strings.HasPrefix(m[0].Explain(p), "clone flags CLONE_NEWUSER (0x10000000): profile allows none of CLONE_") {
		t.Errorf("Docker's mask: %+v", m)
	}
}

// TestExplainLowWordOnX86: on x86 libseccomp compares an argument's low 32
// bits, so a rule's 0x100000008 allows 8 there (the runtime oracle's case
// x86-low-words): the explanation says 8, not the 64-bit value it did.
func TestExplainLowWordOnX86(t *testing.T) {
	p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64", "x86"}, Rules: []policy.Rule{
		{Names: base, Action: policy.ActAllow},
		{Names: []string{"personality"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Op: policy.OpEqualTo, Value: 1<<32 | 8}}},
	}}
	for _, c := range []struct{ arch, want string }{
		{"x86", "personality persona 9: profile allows 8 only"},
		{"x86_64", "personality persona 9: profile allows 0x100000008 only"},
	} {
		cov, err := verdict.CheckCoverage(p, argTrace(t, c.arch, append([]string{"personality"}, base...), map[string][]trace.ArgValues{
			"personality": {{Index: 0, Values: []uint64{9}}},
		}))
		if err != nil {
			t.Fatal(err)
		}
		if m := cov.Missing(); len(m) != 1 || m[0].Explain(p) != c.want {
			t.Errorf("%s: got %+v\nwant %q", c.arch, m, c.want)
		}
	}
}

// TestExplainCompiledUpperHalf: a compiled filter's explanation names an
// allowed int value with bits above 32 as the profile's does (a rule's
// 0x100000008 on x86_64, which the kernel compares whole): it skipped
// every such value and said "filter allows no value".
func TestExplainCompiledUpperHalf(t *testing.T) {
	p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64"}, Rules: []policy.Rule{
		{Names: base, Action: policy.ActAllow},
		{Names: []string{"personality"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Op: policy.OpEqualTo, Value: 1<<32 | 8}}},
		{Names: []string{"personality"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Op: policy.OpEqualTo, Value: 0x20008}}},
	}}
	run := argTrace(t, "x86_64", append([]string{"personality"}, base...), map[string][]trace.ArgValues{
		"personality": {{Index: 0, Values: []uint64{9}}},
	})
	cov, err := verdict.CheckCoverageOf(compiled(t, p), run)
	if err != nil {
		t.Fatal(err)
	}
	want := "personality persona 9: filter allows 0x20008, 0x100000008"
	if m := cov.Missing(); len(m) != 1 || m[0].Explain(nil) != want {
		t.Errorf("got %+v\nwant %q", m, want)
	}
}
