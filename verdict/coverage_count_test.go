package verdict

import (
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// Counts merged by CheckCoverage saturate at 2^63-1 and say so; they never
// wrap (the old sum of 2^64-1 and 2 was 1).
func TestCheckCoverageSaturates(t *testing.T) {
	max := uint64(trace.MaxCount)
	a := covTrace(
		trace.Syscall{Arch: "x86_64", Nr: 0, Name: "read", Count: max},
		trace.Syscall{Arch: "x86_64", Nr: 1, Name: "write", Count: max - 1},
		trace.Syscall{Arch: "x86_64", Nr: 231, Name: "exit_group", Count: ^uint64(0)}, // in memory only: no reader accepts it
	)
	b := covTrace(
		trace.Syscall{Arch: "x86_64", Nr: 0, Name: "read", Count: 2},
		trace.Syscall{Arch: "x86_64", Nr: 1, Name: "write", Count: 1},
	)
	a.Lost, b.Lost = max, 1
	// A baseline pseudo trace: count 0, merged like any other.
	bl := covTrace(trace.Syscall{Arch: "x86_64", Nr: 0, Name: "read", First: "baseline:runc"})
	c, err := CheckCoverage(covPolicy(), a, b, bl)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Entry{}
	for _, e := range c.Entries {
		got[e.Name] = e
	}
	if e := got["read"]; e.Count != max || !e.Saturated {
		t.Errorf("read: %+v, want saturated at 2^63-1", e)
	}
	if e := got["write"]; e.Count != max || e.Saturated {
		t.Errorf("write: %+v, want exactly 2^63-1", e)
	}
	if e := got["exit_group"]; e.Count != max || !e.Saturated {
		t.Errorf("exit_group: %+v, want clamped to 2^63-1", e)
	}
	if c.Lost != max {
		t.Errorf("lost %d, want 2^63-1", c.Lost)
	}
	notes := strings.Join(c.Notes, "\n")
	for _, want := range []string{
		"the count of read (x86_64) saturated at 9223372036854775807 (2^63-1)",
		"the count of exit_group (x86_64) saturated",
		"the lost counts add up to more than 9223372036854775807",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if strings.Contains(notes, "write") {
		t.Errorf("write did not saturate:\n%s", notes)
	}
}

func TestExplainUnknown(t *testing.T) {
	e := Entry{Arch: "x86_64", Nr: 460, Reason: ReasonUnknown}
	if got := e.Explain(covPolicy()); got != "libseccomp cannot name number 460 on x86_64: no rule can allow it" {
		t.Errorf("explain: %q", got)
	}
	e.Action, e.Errno = "SCMP_ACT_ERRNO", 38 // replay --enforce
	if got := e.Explain(covPolicy()); got != "libseccomp cannot name number 460 on x86_64: no rule can allow it (the filter answered SCMP_ACT_ERRNO(ENOSYS))" {
		t.Errorf("explain: %q", got)
	}
}

// anyAnswerer answers every covered syscall with a; it stands for a
// compiled filter (any answerer that is not a policy).
type anyAnswerer struct{ a policy.Action }

func (x anyAnswerer) Arches() []string        { return []string{"x86_64"} }
func (x anyAnswerer) Covers(arch string) bool { return arch == "x86_64" }
func (x anyAnswerer) Answer(string, int, [6]uint64) policy.Verdict {
	return policy.Verdict{Action: x.a}
}
func (x anyAnswerer) Probes(string, int) [][6]uint64 { return nil }

// CheckCoverageOf merges the traces as CheckCoverage does for any
// answerer: counts of a raw filter's verdict saturate too (they used to
// wrap: 2^64-1 + 2 was 1).
func TestCheckCoverageOfSaturates(t *testing.T) {
	max := uint64(trace.MaxCount)
	a := covTrace(trace.Syscall{Arch: "x86_64", Nr: 0, Name: "read", Count: ^uint64(0)})
	b := covTrace(trace.Syscall{Arch: "x86_64", Nr: 0, Name: "read", Count: 2})
	a.Lost, b.Lost = max, 1
	c, err := CheckCoverageOf(anyAnswerer{policy.ActAllow}, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Entries) != 1 || c.Entries[0].Count != max || !c.Entries[0].Saturated || !c.OK() {
		t.Errorf("entries %+v, want read covered, saturated at 2^63-1", c.Entries)
	}
	if c.Lost != max || len(c.Notes) != 2 {
		t.Errorf("lost %d, notes %q; want 2^63-1 and two notes", c.Lost, c.Notes)
	}
}

// Traces merged by CheckCoverage keep one set of values per argument: the
// union over the traces. One entry per trace made checkArgs judge every
// value once per trace against every trace's entries (quadratic: 5000
// traces took 2 s) and, for a second conditioned argument, against the
// last trace's values only (TestCoverageArgsAcrossTraces).
func TestMergeTracesUnionsArgs(t *testing.T) {
	var traces []*trace.File
	for i := 0; i < 1000; i++ {
		traces = append(traces, covTrace(trace.Syscall{Arch: "x86_64", Nr: 72, Name: "fcntl", Count: 1,
			Args: []trace.ArgValues{{Index: 1, Values: []uint64{1, uint64(2 + i%40)}, Overflow: i == 500}}}))
	}
	_, merged, err := mergeTraces(traces)
	if err != nil {
		t.Fatal(err)
	}
	e := merged[nrKey{"x86_64", 72}]
	if len(e.args) != 1 || e.args[0].Index != 1 || len(e.args[0].Values) != 41 || !e.args[0].Overflow {
		t.Fatalf("fcntl's arguments merged from 1000 traces: want one entry, index 1, 41 values, overflow; got %d entries: %+v", len(e.args), e.args[0])
	}
	for i, v := range e.args[0].Values {
		if v != uint64(i+1) {
			t.Fatalf("merged values not sorted and distinct: %v", e.args[0].Values)
		}
	}
}
