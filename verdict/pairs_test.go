package verdict_test

import (
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

// withPairs sets the pairs of f's socket entry.
func withPairs(f *trace.File, values ...[2]uint64) *trace.File {
	for i := range f.Syscalls {
		if f.Syscalls[i].Name == "socket" {
			f.Syscalls[i].Pairs = &trace.ArgPairs{Indexes: [2]int{0, 1}, Values: values}
		}
	}
	return f
}

// TestCoveragePairs: check reports a recorded pair the profile does not
// allow together (socket(AF_UNIX, SOCK_DGRAM) under a profile for
// AF_UNIX+SOCK_STREAM and AF_INET+SOCK_DGRAM) as it reports a value,
// judged as one call (both arguments at once), from the policy and from
// the compiled filter; a trace whose pairs the profile allows passes, and
// so does one without pairs (an older trace: each value is allowed with
// some recorded value of the other argument), as before.
func TestCoveragePairs(t *testing.T) {
	names := append([]string{"socket"}, base...)
	args := map[string][]trace.ArgValues{"socket": {{Index: 0, Values: []uint64{1, 2}}, {Index: 1, Values: []uint64{1, 2}}}}
	gen := withPairs(argTrace(t, "x86_64", names, args), [2]uint64{1, 1}, [2]uint64{2, 2})
	p := reduceArgs(t, gen).Policy
	for _, a := range []verdict.Answerer{compiled(t, p), pa(p)} {
		who, prof := "filter", verdict.PolicyOf(a)
		if prof != nil {
			who = "profile"
		}
		cov, err := verdict.CheckCoverageOf(a, gen)
		if err != nil || !cov.OK() {
			t.Fatalf("%s: the training trace: %v %+v", who, err, cov.Missing())
		}
		run := withPairs(argTrace(t, "x86_64", names, args), [2]uint64{1, 1}, [2]uint64{1, 2}, [2]uint64{2, 2})
		cov, err = verdict.CheckCoverageOf(a, run)
		if err != nil {
			t.Fatal(err)
		}
		m := cov.Missing()
		want := "socket domain AF_UNIX (1), type SOCK_DGRAM (2): " + who + " allows domain AF_UNIX (1) with type SOCK_STREAM (1) only"
		if len(m) != 1 || m[0].Name != "socket" || m[0].Reason != verdict.ReasonArgument || m[0].Explain(prof) != want {
			t.Fatalf("%s: missing %+v, want socket: %q", who, m, want)
		}
		if d := m[0].ArgDenied; len(d) != 1 || !d[0].Pair || d[0].Index != 0 || d[0].Value != 1 || d[0].PairIndex != 1 || d[0].PairValue != 2 || d[0].Errno != 1 {
			t.Errorf("%s: denials %+v, want the pair (1, 2), EPERM", who, d)
		}
		// Only the trace that holds the pair is named.
		cov.SetTraces([]string{"gen.yaml", "run.yaml"}, []*trace.File{gen, run})
		if m := cov.Missing(); len(m[0].Traces) != 1 || m[0].Traces[0] != "run.yaml" {
			t.Errorf("%s: traces %v, want run.yaml", who, m[0].Traces)
		}
		// The same run recorded without pairs, or merged with a trace
		// without them: which values went together is unknown.
		old := argTrace(t, "x86_64", names, args)
		for _, traces := range [][]*trace.File{{old}, {run, old}} {
			cov, err = verdict.CheckCoverageOf(a, traces...)
			if err != nil || !cov.OK() {
				t.Errorf("%s: without pairs: %v %+v", who, err, cov.Missing())
			}
		}
		// A value denied alone is reported alone, its pair not again.
		run = withPairs(argTrace(t, "x86_64", names, map[string][]trace.ArgValues{"socket": {{Index: 0, Values: []uint64{1, 10}}, {Index: 1, Values: []uint64{1}}}}),
			[2]uint64{1, 1}, [2]uint64{10, 1})
		cov, err = verdict.CheckCoverageOf(a, run)
		if err != nil {
			t.Fatal(err)
		}
		if m := cov.Missing(); len(m) != 1 || len(m[0].ArgDenied) != 1 || m[0].ArgDenied[0].Pair || m[0].ArgDenied[0].Value != 10 {
			t.Errorf("%s: missing %+v, want AF_INET6 alone", who, m)
		}
	}
}

// TestAttributePair: replay --enforce names a denied call whose values are
// each allowed with others as the pair.
func TestAttributePair(t *testing.T) {
	names := append([]string{"socket"}, base...)
	gen := withPairs(argTrace(t, "x86_64", names, map[string][]trace.ArgValues{"socket": {{Index: 0, Values: []uint64{1, 2}}, {Index: 1, Values: []uint64{1, 2}}}}),
		[2]uint64{1, 1}, [2]uint64{2, 2})
	p := reduceArgs(t, gen).Policy
	e := verdict.Entry{Arch: "x86_64", Name: "socket", Nr: 41, Reason: verdict.ReasonEnforced, Action: "SCMP_ACT_ERRNO", Errno: 1}
	if !verdict.AttributeArgs(p, &e, [6]uint64{1, 2 | 0x80000}) {
		t.Fatal("not attributed")
	}
	want := "denied by the filter with SCMP_ACT_ERRNO(EPERM) for socket domain AF_UNIX (1), type SOCK_DGRAM (2): profile allows domain AF_UNIX (1) with type SOCK_STREAM (1) only"
	if got := e.Explain(p); got != want {
		t.Errorf("%q, want %q", got, want)
	}
}

// TestPairWideValue: an int argument passed with its upper 32 bits set
// (socket(0x100000001, SOCK_STREAM)) is recorded whole in the argument's
// values but as its low word in the pair; the filter compares all 64 bits
// and denies it. check judged the value in its pair only, (1, 1), and
// called the call covered; replay --enforce blamed the pair (AF_UNIX,
// SOCK_STREAM), which the profile allows. Both now name the value.
func TestPairWideValue(t *testing.T) {
	names := append([]string{"socket"}, base...)
	gen := withPairs(argTrace(t, "x86_64", names, map[string][]trace.ArgValues{"socket": {{Index: 0, Values: []uint64{1, 2}}, {Index: 1, Values: []uint64{1, 2}}}}),
		[2]uint64{1, 1}, [2]uint64{2, 2})
	p := reduceArgs(t, gen).Policy
	const wide = 0x100000001
	run := withPairs(argTrace(t, "x86_64", names, map[string][]trace.ArgValues{"socket": {{Index: 0, Values: []uint64{1, wide}}, {Index: 1, Values: []uint64{1}}}}),
		[2]uint64{1, 1})
	for _, a := range []verdict.Answerer{compiled(t, p), pa(p)} {
		cov, err := verdict.CheckCoverageOf(a, run)
		if err != nil {
			t.Fatal(err)
		}
		m := cov.Missing()
		if len(m) != 1 || m[0].Name != "socket" || len(m[0].ArgDenied) != 1 || m[0].ArgDenied[0].Pair || m[0].ArgDenied[0].Value != wide {
			t.Errorf("%T: missing %+v, want socket's domain 0x100000001 alone", a, m)
		}
	}
	e := verdict.Entry{Arch: "x86_64", Name: "socket", Nr: 41, Reason: verdict.ReasonEnforced, Action: "SCMP_ACT_ERRNO", Errno: 1}
	if !verdict.AttributeArgs(p, &e, [6]uint64{wide, 1}) {
		t.Fatal("not attributed")
	}
	if d := e.ArgDenied; len(d) != 1 || d[0].Pair || d[0].Index != 0 || d[0].Value != wide {
		t.Errorf("attributed %+v (%s), want domain 0x100000001 alone", d, e.Explain(p))
	}
	// A pair denied for its low words is still the pair.
	e = verdict.Entry{Arch: "x86_64", Name: "socket", Nr: 41, Reason: verdict.ReasonEnforced, Action: "SCMP_ACT_ERRNO", Errno: 1}
	verdict.AttributeArgs(p, &e, [6]uint64{1, 2})
	if d := e.ArgDenied; len(d) != 1 || !d[0].Pair {
		t.Errorf("attributed %+v, want the pair (1, 2)", d)
	}
}

// TestEnforcedAnswersNamed: replay --enforce merges the calls of one
// syscall denied for their arguments into one entry; when they met
// different answers (EPERM for a value the profile refuses, ENOSYS for
// one with its upper bits set, which no rule matches), the entry named
// the first call's only.
func TestEnforcedAnswersNamed(t *testing.T) {
	names := append([]string{"socket"}, base...)
	gen := withPairs(argTrace(t, "x86_64", names, map[string][]trace.ArgValues{"socket": {{Index: 0, Values: []uint64{1, 2}}, {Index: 1, Values: []uint64{1, 2}}}}),
		[2]uint64{1, 1}, [2]uint64{2, 2})
	p := reduceArgs(t, gen).Policy
	e := verdict.Entry{Arch: "x86_64", Name: "socket", Nr: 41, Reason: verdict.ReasonEnforced, Action: "SCMP_ACT_ERRNO", Errno: 1}
	verdict.AttributeArgs(p, &e, [6]uint64{10, 1})
	other := verdict.Entry{Arch: "x86_64", Name: "socket", Nr: 41, Reason: verdict.ReasonEnforced, Action: "SCMP_ACT_ERRNO", Errno: 38}
	verdict.AttributeArgs(p, &other, [6]uint64{0x100000001, 1})
	e.MergeArgDenials(other.ArgDenied)
	if got := e.Explain(p); !strings.HasPrefix(got, "denied by the filter with SCMP_ACT_ERRNO(EPERM) or SCMP_ACT_ERRNO(ENOSYS) for socket domain") {
		t.Errorf("%q: want both answers named", got)
	}
}

// TestCoveragePairsOverflow: pairs kept before the recorder's bound are
// calls made all the same: one the profile denies is missing, as without
// the overflow (check passed such a run, judging the values alone). The
// pairs not kept are unknown: unless the profile allows every combination
// of the recorded values, domain and type are unchecked and the run is not
// passed as proven. Merged with a trace whose pairs did not overflow, the
// pairs stay overflowed.
func TestCoveragePairsOverflow(t *testing.T) {
	names := append([]string{"socket"}, base...)
	args := map[string][]trace.ArgValues{"socket": {{Index: 0, Values: []uint64{1, 2}}, {Index: 1, Values: []uint64{1, 2}}}}
	gen := withPairs(argTrace(t, "x86_64", names, args), [2]uint64{1, 1}, [2]uint64{2, 2})
	p := reduceArgs(t, gen).Policy // (1, 1) and (2, 2) only
	all := withPairs(argTrace(t, "x86_64", names, args), [2]uint64{1, 1}, [2]uint64{1, 2}, [2]uint64{2, 1}, [2]uint64{2, 2})
	pAll := reduceArgs(t, all).Policy // every combination
	overflowed := func(f *trace.File) *trace.File {
		for i := range f.Syscalls {
			if f.Syscalls[i].Pairs != nil {
				f.Syscalls[i].Pairs.Overflow = true
			}
		}
		return f
	}
	for _, c := range []struct {
		name      string
		p         *policy.Policy
		traces    []*trace.File
		missing   bool
		unchecked bool
	}{
		{"kept pair denied", p, []*trace.File{overflowed(withPairs(argTrace(t, "x86_64", names, args), [2]uint64{1, 1}, [2]uint64{1, 2}))}, true, false},
		{"kept pairs allowed, others denied", p, []*trace.File{overflowed(withPairs(argTrace(t, "x86_64", names, args), [2]uint64{1, 1}, [2]uint64{2, 2}))}, false, true},
		{"every combination allowed", pAll, []*trace.File{overflowed(withPairs(argTrace(t, "x86_64", names, args), [2]uint64{1, 1}, [2]uint64{2, 2}))}, false, false},
		{"merged with pairs not overflowed", p, []*trace.File{
			overflowed(withPairs(argTrace(t, "x86_64", names, args), [2]uint64{1, 1})),
			withPairs(argTrace(t, "x86_64", names, args), [2]uint64{2, 2})}, false, true},
		{"not overflowed", p, []*trace.File{withPairs(argTrace(t, "x86_64", names, args), [2]uint64{1, 1}, [2]uint64{2, 2})}, false, false},
	} {
		for _, a := range []verdict.Answerer{compiled(t, c.p), pa(c.p)} {
			cov, err := verdict.CheckCoverageOf(a, c.traces...)
			if err != nil {
				t.Fatal(err)
			}
			m, un := cov.Missing(), cov.Unchecked()
			if (len(m) == 1 && m[0].Reason == verdict.ReasonArgument) != c.missing || len(m) > 1 {
				t.Errorf("%s: %T: missing %+v, want socket missing: %v", c.name, a, m, c.missing)
			}
			if got := len(un) == 1 && len(un[0].UncheckedArgs) == 2; got != c.unchecked || len(un) > 1 {
				t.Errorf("%s: %T: unchecked %+v, want socket's domain and type unchecked: %v", c.name, a, un, c.unchecked)
			}
		}
	}
}
