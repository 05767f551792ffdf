package reduce_test

import (
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// pairCase is a call and what the profile must answer it.
type pairCase struct {
	name string
	args [6]uint64
	want string // "allow", "eperm", "enosys"
}

// checkPairCases evaluates cases on the policy and on the filter libseccomp
// compiles from it (run in emit/cbpf's interpreter, as the kernel would):
// both must answer as the case says.
func checkPairCases(t *testing.T, p *policy.Policy, cases []pairCase) {
	t.Helper()
	prog, err := cbpf.Compile(p, cbpf.Options{Arch: "x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	audit, _ := cbpf.AuditArch("x86_64")
	for _, c := range cases {
		if got := answer(p.EvalArch("x86_64", c.name, c.args)); got != c.want {
			t.Errorf("policy: %s%#x: %s, want %s", c.name, c.args[:3], got, c.want)
		}
		nr, err := tables.Number("x86_64", c.name)
		if err != nil {
			t.Fatal(err)
		}
		r, err := prog.Run(cbpf.Data{Nr: int32(nr), Arch: audit, Args: c.args})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"allow": "SCMP_ACT_ALLOW", "eperm": "SCMP_ACT_ERRNO(1)", "enosys": "SCMP_ACT_ERRNO(38)"}[c.want]
		if r.String() != want {
			t.Errorf("filter: %s%#x: %s, want %s", c.name, c.args[:3], r, want)
		}
	}
}

// pairTrace is argTrace with pairs for some syscalls.
func pairTrace(t *testing.T, args map[string][]trace.ArgValues, pairs map[string]*trace.ArgPairs) *trace.File {
	t.Helper()
	names := append([]string{"socket", "setsockopt"}, base...)
	f := argTrace(t, "x86_64", names, args)
	for i := range f.Syscalls {
		f.Syscalls[i].Pairs = pairs[f.Syscalls[i].Name]
	}
	return f
}

var pairArgs = map[string][]trace.ArgValues{
	"socket":     {{Index: 0, Values: []uint64{1, 2}}, {Index: 1, Values: []uint64{1, 2}}},
	"setsockopt": {{Index: 1, Values: []uint64{1, 6}}, {Index: 2, Values: []uint64{1, 2}}},
}

// TestArgPairsObservedTogether: with the pairs the recorder keeps, a trace
// of socket(AF_UNIX, SOCK_STREAM) and socket(AF_INET, SOCK_DGRAM) (and
// setsockopt(SOL_SOCKET, SO_REUSEADDR), setsockopt(IPPROTO_TCP,
// TCP_NODELAY)) gives a profile that allows those combinations and answers
// the two others EPERM, as it answers unobserved values; the compiled
// filter agrees; the report says the pairs were used.
func TestArgPairsObservedTogether(t *testing.T) {
	f := pairTrace(t, pairArgs, map[string]*trace.ArgPairs{
		"socket":     {Indexes: [2]int{0, 1}, Values: [][2]uint64{{1, 1}, {2, 2}}},
		"setsockopt": {Indexes: [2]int{1, 2}, Values: [][2]uint64{{1, 2}, {6, 1}}},
	})
	res := reduceArgs(t, f, "x86_64")
	checkPairCases(t, res.Policy, []pairCase{
		{"socket", [6]uint64{1, 1}, "allow"},
		{"socket", [6]uint64{1, 1 | 0x80000}, "allow"}, // SOCK_CLOEXEC masked off
		{"socket", [6]uint64{2, 2}, "allow"},
		{"socket", [6]uint64{2, 2 | 0x800}, "allow"},
		{"socket", [6]uint64{1, 2}, "eperm"}, // observed values, not together
		{"socket", [6]uint64{2, 1}, "eperm"},
		{"socket", [6]uint64{1, 2 | 0x80000}, "eperm"},
		{"socket", [6]uint64{10, 1}, "eperm"}, // domain not observed
		{"socket", [6]uint64{1, 3}, "eperm"},  // type not observed
		{"socket", [6]uint64{1 | 1<<32, 1}, "enosys"},
		{"setsockopt", [6]uint64{3, 1, 2}, "allow"},
		{"setsockopt", [6]uint64{3, 6, 1}, "allow"},
		{"setsockopt", [6]uint64{3, 1, 1}, "eperm"},
		{"setsockopt", [6]uint64{3, 6, 2}, "eperm"},
		{"setsockopt", [6]uint64{3, 41, 1}, "eperm"},
		{"setsockopt", [6]uint64{3, 1, 3}, "eperm"},
	})
	var out strings.Builder
	res.WriteReport(&out, "generate")
	for _, want := range []string{
		"socket type (argument 1) restricted to SOCK_STREAM (1), SOCK_DGRAM (2) (observed); other values get EPERM; only with the domain it was observed with (SOCK_STREAM (1) with AF_UNIX (1), SOCK_DGRAM (2) with AF_INET (2)): other combinations get EPERM",
		"setsockopt optname (argument 2) restricted to 1, 2 (observed); other values get EPERM; only with the level it was observed with (2 with 1, 1 with 6)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report without %q:\n%s", want, out.String())
		}
	}
	var socketType reduce.ArgRule
	for _, a := range res.ArgRules {
		if a.Spec.Syscall == "socket" && a.Spec.Index == 1 {
			socketType = a
		}
	}
	if len(socketType.Pairs) != 2 || socketType.Pairs[0] != [2]uint64{1, 1} || socketType.Pairs[1] != [2]uint64{2, 2} {
		t.Errorf("socket type's pairs: %v, want [[1 1] [2 2]]", socketType.Pairs)
	}
}

// TestArgPairsFallBack: where the traces do not say which values went
// together (an older trace without pairs, another trace merged with one
// without them, more pairs than the recorder keeps) every combination of
// the allowed values is allowed, as before pairs were recorded, and the
// report says why.
func TestArgPairsFallBack(t *testing.T) {
	cross := []pairCase{
		{"socket", [6]uint64{1, 1}, "allow"},
		{"socket", [6]uint64{2, 2}, "allow"},
		{"socket", [6]uint64{1, 2}, "allow"},
		{"socket", [6]uint64{2, 1}, "allow"},
		{"socket", [6]uint64{10, 1}, "eperm"},
		{"socket", [6]uint64{1, 3}, "eperm"},
	}
	withPairs := pairTrace(t, pairArgs, map[string]*trace.ArgPairs{"socket": {Indexes: [2]int{0, 1}, Values: [][2]uint64{{1, 1}, {2, 2}}}})
	for _, c := range []struct {
		name   string
		inputs []*trace.File
		why    string
	}{
		{"older trace", []*trace.File{pairTrace(t, pairArgs, nil)}, "a trace does not say which values of domain and type went together"},
		{"merged with an older trace", []*trace.File{withPairs, pairTrace(t, pairArgs, nil)}, "a trace does not say which values of domain and type went together"},
		{"overflow", []*trace.File{pairTrace(t, pairArgs, map[string]*trace.ArgPairs{"socket": {Indexes: [2]int{0, 1}, Values: [][2]uint64{{1, 1}, {2, 2}}, Overflow: true}})},
			"more distinct pairs than the recorder keeps"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var inputs []reduce.Input
			for i, f := range c.inputs {
				inputs = append(inputs, reduce.Input{Path: "t" + string(rune('0'+i)) + ".yaml", File: f})
			}
			res, err := reduce.Reduce(inputs, reduce.Options{Native: "x86_64", Arches: []string{"x86_64"}}, tables)
			if err != nil {
				t.Fatal(err)
			}
			checkPairCases(t, res.Policy, cross)
			var out strings.Builder
			res.WriteReport(&out, "generate")
			if want := "socket type (argument 1) restricted to SOCK_STREAM (1), SOCK_DGRAM (2) (observed); other values get EPERM; allowed with every allowed domain: " + c.why; !strings.Contains(out.String(), want) {
				t.Errorf("report without %q:\n%s", want, out.String())
			}
		})
	}
	// Merged traces that all have pairs: their union.
	other := pairTrace(t, pairArgs, map[string]*trace.ArgPairs{"socket": {Indexes: [2]int{0, 1}, Values: [][2]uint64{{1, 2}}}})
	res, err := reduce.Reduce([]reduce.Input{{Path: "a.yaml", File: withPairs}, {Path: "b.yaml", File: other}}, reduce.Options{Native: "x86_64", Arches: []string{"x86_64"}}, tables)
	if err != nil {
		t.Fatal(err)
	}
	checkPairCases(t, res.Policy, []pairCase{
		{"socket", [6]uint64{1, 1}, "allow"},
		{"socket", [6]uint64{2, 2}, "allow"},
		{"socket", [6]uint64{1, 2}, "allow"},
		{"socket", [6]uint64{2, 1}, "eperm"},
	})
	// More distinct pairs in all than one trace keeps: every combination.
	var vals []uint64
	var many [][2]uint64
	for i := uint64(0); i < 7; i++ {
		vals = append(vals, i+1)
	}
	for _, v := range vals {
		for _, w := range vals[:5] {
			many = append(many, [2]uint64{v, w})
		}
	}
	big := pairTrace(t, map[string][]trace.ArgValues{"socket": {{Index: 0, Values: vals}, {Index: 1, Values: vals}}},
		map[string]*trace.ArgPairs{"socket": {Indexes: [2]int{0, 1}, Values: many[:20]}})
	big2 := pairTrace(t, map[string][]trace.ArgValues{"socket": {{Index: 0, Values: vals}, {Index: 1, Values: vals}}},
		map[string]*trace.ArgPairs{"socket": {Indexes: [2]int{0, 1}, Values: many[15:]}})
	res, err = reduce.Reduce([]reduce.Input{{Path: "a.yaml", File: big}, {Path: "b.yaml", File: big2}}, reduce.Options{Native: "x86_64", Arches: []string{"x86_64"}}, tables)
	if err != nil {
		t.Fatal(err)
	}
	checkPairCases(t, res.Policy, []pairCase{{"socket", [6]uint64{1, 7}, "allow"}})
	var out strings.Builder
	res.WriteReport(&out, "generate")
	if want := "the traces together recorded 35 distinct pairs, more than the 32 one trace keeps"; !strings.Contains(out.String(), want) {
		t.Errorf("report without %q:\n%s", want, out.String())
	}
}

// TestRecordedPairsMatchSpecs: trace.RecordedPairs, which the recorder
// records, names exactly the Pair arguments of reduce.ArgSpecs, each with
// the first restricted argument of its syscall.
func TestRecordedPairsMatchSpecs(t *testing.T) {
	want := map[trace.RecordedPair]bool{}
	for _, s := range reduce.ArgSpecs() {
		if !s.Pair {
			continue
		}
		first := -1
		for _, f := range reduce.ArgSpecs() {
			if f.Syscall == s.Syscall && f.Restrict && !f.Pair {
				first = f.Index
				break
			}
		}
		want[trace.RecordedPair{Syscall: s.Syscall, Indexes: [2]int{first, s.Index}}] = true
	}
	got := map[trace.RecordedPair]bool{}
	for _, p := range trace.RecordedPairs {
		got[p] = true
		if !want[p] {
			t.Errorf("trace.RecordedPairs has %+v, not a Pair of reduce.ArgSpecs", p)
		}
	}
	for p := range want {
		if !got[p] {
			t.Errorf("reduce.ArgSpecs pairs %+v, not in trace.RecordedPairs", p)
		}
	}
}
