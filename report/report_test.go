package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"syscall"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

func sampleVerdict(t *testing.T, extra bool) *Verdict {
	t.Helper()
	p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64"},
		Rules: []policy.Rule{{Names: []string{"read", "write"}, Action: policy.ActAllow}}}
	f := &trace.File{Version: 1, Target: trace.Target{Command: []string{"prog"}}, Syscalls: []trace.Syscall{
		{Arch: "x86_64", Nr: 0, Name: "read", Count: 2, First: "prog"},
		{Arch: "x86_64", Nr: 1, Name: "write", Count: 1, First: "prog"},
	}}
	if extra {
		f.Syscalls = append(f.Syscalls, trace.Syscall{Arch: "x86_64", Nr: 140, Name: "getpriority", Count: 3, First: "prog"})
	}
	c, err := verdict.CheckCoverage(p, f)
	if err != nil {
		t.Fatal(err)
	}
	return FromCoverage("check", "app.json", []string{"run.trace"}, p, c)
}

func renderT(t *testing.T, f Format, v *Verdict) string {
	t.Helper()
	var a, b bytes.Buffer
	if err := Write(&a, f, v); err != nil {
		t.Fatal(err)
	}
	if err := Write(&b, f, v); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Fatalf("%s report is not deterministic", f)
	}
	return a.String()
}

func TestHuman(t *testing.T) {
	out := renderT(t, Human, sampleVerdict(t, true))
	if !strings.Contains(out, "does NOT cover 1 of 3") {
		t.Errorf("human report:\n%s", out)
	}
	var row string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "getpriority") {
			row = l
		}
	}
	if f := strings.Fields(row); len(f) < 5 || f[1] != "x86_64" || f[2] != "140" || f[3] != "3" || f[4] != "prog" {
		t.Errorf("missing row %q in:\n%s", row, out)
	}
	if out := renderT(t, Human, sampleVerdict(t, false)); !strings.Contains(out, "covers all 2 syscalls") {
		t.Errorf("passing human report:\n%s", out)
	}
}

// FIRST comes from the workload (an executable path): control characters
// in it are escaped in the human report, kept in JSON.
func TestHumanFirstEscaped(t *testing.T) {
	v := sampleVerdict(t, true)
	for i := range v.Missing {
		v.Missing[i].First = "./e\x1b[2J\tx"
	}
	out := renderT(t, Human, v)
	if strings.ContainsAny(out, "\x1b\t") || !strings.Contains(out, ` $'./e\x1b[2J\x09x' `) {
		t.Errorf("human report:\n%q", out)
	}
}

func TestJSON(t *testing.T) {
	var got Verdict
	if err := json.Unmarshal([]byte(renderT(t, JSON, sampleVerdict(t, true))), &got); err != nil {
		t.Fatal(err)
	}
	if got.OK || len(got.Missing) != 1 || got.Missing[0].Name != "getpriority" || got.Missing[0].Arch != "x86_64" ||
		got.Missing[0].Count != 3 || got.Checked != 3 {
		t.Fatalf("json report: %+v", got)
	}
	if err := json.Unmarshal([]byte(renderT(t, JSON, sampleVerdict(t, false))), &got); err != nil || !got.OK || len(got.Missing) != 0 {
		t.Fatalf("passing json report: %+v %v", got, err)
	}
}

func TestJUnit(t *testing.T) {
	var got junitSuites
	if err := xml.Unmarshal([]byte(renderT(t, JUnit, sampleVerdict(t, true))), &got); err != nil {
		t.Fatal(err)
	}
	if got.Tests != 3 || got.Failures != 1 || len(got.Suites) != 1 {
		t.Fatalf("junit: %+v", got)
	}
	var failed []string
	for _, c := range got.Suites[0].Cases {
		if c.Failure != nil {
			failed = append(failed, c.Name)
			if !strings.Contains(c.Failure.Message, "getpriority (ABI x86_64") {
				t.Errorf("failure message %q", c.Failure.Message)
			}
		}
	}
	if len(failed) != 1 || failed[0] != "x86_64/getpriority" {
		t.Fatalf("failed cases %v", failed)
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats {
		if g, err := ParseFormat(string(f)); err != nil || g != f {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("xml accepted")
	}
}

// The note on conditionally allowed syscalls says "not checked" only for
// those whose values the run did not record.
func TestHumanConditionalNote(t *testing.T) {
	p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64"},
		Rules: []policy.Rule{
			{Names: []string{"read"}, Action: policy.ActAllow},
			{Names: []string{"fcntl"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 1, Value: 1, Op: policy.OpEqualTo}}},
			{Names: []string{"ioctl"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 1, Value: 0x5401, Op: policy.OpEqualTo}}},
		}}
	f := &trace.File{Version: 1, Target: trace.Target{Command: []string{"prog"}}, Syscalls: []trace.Syscall{
		{Arch: "x86_64", Nr: 0, Name: "read", Count: 1, First: "prog"},
		{Arch: "x86_64", Nr: 72, Name: "fcntl", Count: 1, First: "prog", Args: []trace.ArgValues{{Index: 1, Values: []uint64{1}}}},
		{Arch: "x86_64", Nr: 16, Name: "ioctl", Count: 1, First: "prog"},
	}}
	c, err := verdict.CheckCoverage(p, f)
	if err != nil {
		t.Fatal(err)
	}
	out := renderT(t, Human, FromCoverage("check", "app.json", []string{"run.trace"}, p, c))
	for _, want := range []string{
		"(the recorded values are allowed): x86_64/fcntl\n",
		"(not checked: the run's values were not all recorded): x86_64/ioctl\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

// With thousands of traces the human report's TRACES column names the
// first few and counts the rest (each row was padded to every name: 68 KB
// wide with 5000 traces); JSON names them all.
func TestHumanTracesBounded(t *testing.T) {
	v := sampleVerdict(t, true)
	var all []string
	for i := 0; i < 5000; i++ {
		all = append(all, "t/run"+strings.Repeat("0", 5)+".yaml")
	}
	v.Inputs = append([]string(nil), all...)
	for i := range v.Missing {
		v.Missing[i].Traces = all
	}
	out := renderT(t, Human, v)
	for _, l := range strings.Split(out, "\n") {
		if len(l) > 300 {
			t.Fatalf("a line of %d bytes:\n%.400s", len(l), l)
		}
	}
	if !strings.Contains(out, "(4997 more; --report json lists all)") {
		t.Errorf("no count of the traces not named:\n%s", out)
	}
	var got struct {
		Missing []struct{ Traces []string } `json:"missing"`
	}
	if err := json.Unmarshal([]byte(renderT(t, JSON, v)), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Missing) == 0 || len(got.Missing[0].Traces) != 5000 {
		t.Errorf("JSON report: %+v, want every trace named", got.Missing)
	}
	v.Inputs = all[:4]
	for i := range v.Missing {
		v.Missing[i].Traces = []string{"a", "b", "c", "d"}
	}
	if out := renderT(t, Human, v); !strings.Contains(out, " a,b,c,d ") {
		t.Errorf("4 traces not all named:\n%s", out)
	}
}

// TestVerdictEnded: how a replayed command ended, in the reports' words: a
// signal by name and number (a real-time one by number), an exit status,
// nothing for a clean exit or a command that did not run.
func TestVerdictEnded(t *testing.T) {
	for _, c := range []struct {
		status int
		sig    syscall.Signal
		want   string
	}{
		{0, 0, ""},
		{3, 0, "the command exited with status 3"},
		{143, 0, "the command exited with status 143"},
		{143, syscall.SIGTERM, "the command was killed by signal SIGTERM (15)"},
		{128 + 34, 34, "the command was killed by signal 34"},
	} {
		v := &Verdict{}
		v.SetExit(c.status, c.sig)
		if got := v.Ended(); got != c.want {
			t.Errorf("SetExit(%d, %d): Ended() = %q, want %q", c.status, c.sig, got, c.want)
		}
	}
	v := NotStarted("replay", "p.json", []string{"x"}, 130, "interrupted")
	if got := v.Ended(); got != "" {
		t.Errorf("not run: Ended() = %q, want nothing", got)
	}
}

// check's incomplete verdict (the profile covers every syscall by name, but
// argument values the traces do not hold decide): the JUnit report fails a
// "verdict" case and the human report says it is not a pass. Every
// syscall's case passed and the headline alone said "covers all".
func TestIncompleteCheckFails(t *testing.T) {
	v := sampleVerdict(t, false)
	const why = "incomplete, the profile allows x86_64/fcntl by its cmd (argument 1) only for some values"
	v.FailRun(why)
	var suites junitSuites
	if err := xml.Unmarshal([]byte(renderT(t, JUnit, v)), &suites); err != nil {
		t.Fatal(err)
	}
	if suites.Failures != 1 || len(suites.Suites) != 1 {
		t.Fatalf("failures %d, want 1", suites.Failures)
	}
	var found bool
	for _, c := range suites.Suites[0].Cases {
		if c.Name == "verdict" {
			found = c.Failure != nil && strings.Contains(c.Failure.Message, why)
		}
	}
	if !found {
		t.Errorf("no failing verdict case naming why: %+v", suites.Suites[0].Cases)
	}
	if out := renderT(t, Human, v); !strings.HasSuffix(out, "check: not a pass: "+why+"\n") {
		t.Errorf("human report does not end saying it is not a pass:\n%s", out)
	}
	// A pass has neither.
	v = sampleVerdict(t, false)
	if out := renderT(t, JUnit, v); strings.Contains(out, `"verdict"`) {
		t.Errorf("a pass has a verdict case:\n%s", out)
	}
	if out := renderT(t, Human, v); strings.Contains(out, "not a pass") {
		t.Errorf("a pass says it is not one:\n%s", out)
	}
}
