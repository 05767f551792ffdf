// Package report renders coverage verdicts (replay, check) and profile
// differences (diff) for people and machines: a human table, JSON, and JUnit
// XML for CI systems. It sits at the end of the pipeline:
//
//	trace/replay -> verdict.CheckCoverage -> report (human | json | junit)
//
// Every rendering is deterministic: the same verdict gives the same bytes.
package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/internal/text"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

// Format is a report format.
type Format string

// The report formats.
const (
	Human Format = "human"
	JSON  Format = "json"
	JUnit Format = "junit"
)

// Formats lists the known formats.
var Formats = []Format{Human, JSON, JUnit}

// ParseFormat checks a --report value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("report format %q: unknown (known: human, json, junit)", s)
}

// Syscall is one (ABI, syscall) of a verdict.
type Syscall struct {
	Name  string `json:"name"` // "#NR" when libseccomp cannot name it
	Arch  string `json:"arch"`
	Nr    int    `json:"nr"`
	Count uint64 `json:"count"`
	First string `json:"first,omitempty"`
	// Traces are the input traces that need it (check).
	Traces  []string `json:"traces,omitempty"`
	Covered bool     `json:"covered"`
	// Reason is a verdict.Reason* constant ("denied", "arch", "unknown",
	// "conditional", "enforced", "would-kill", or "fallback" or "no-syscall" for a covered
	// syscall answered with an errno the program falls back from); Detail
	// explains it.
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
	// argsChecked: a conditional entry whose recorded argument values
	// were checked against the profile (all allowed when covered).
	argsChecked bool
}

// Verdict is the result of checking a profile against runs.
type Verdict struct {
	// Tool is the command that made the verdict: "replay", "replay
	// --enforce" or "check".
	Tool    string `json:"tool"`
	Profile string `json:"profile"`
	// Inputs are the trace files (check), the command line (replay), or
	// ["pid", PID] / ["cgroup", PATH] (replay --pid / --cgroup).
	Inputs []string `json:"inputs"`
	// ExitCode is the workload's exit status (replay only): its exit code,
	// or 128+N when signal N killed it (as a shell reports it).
	ExitCode *int `json:"exit_code,omitempty"`
	// Signal names the signal that killed the workload (replay only; nil
	// when it exited, or did not run). ExitCode is then 128+Number.
	Signal *Signal `json:"signal,omitempty"`
	// OK is true when the profile covers every syscall (false when nothing
	// was checked because the command did not run: NotRun).
	OK bool `json:"ok"`
	// Passed is the verdict on the whole run, the one a CI system should
	// read: the profile covers it (OK) and the run itself went right
	// (RunError is empty). replay and check exit 0 exactly when it is
	// true.
	Passed bool `json:"passed"`
	// RunError says why the replayed run failed apart from the profile:
	// the command exited non-zero, was killed, cut short by --timeout or a
	// second signal, or not found, or the recorder lost events; for replay
	// and check, an incomplete verdict (syscalls allowed only for argument
	// values the run did not all record). Empty when the run went right.
	RunError string `json:"run_error,omitempty"`
	// NotRun says that the command could not be started (not found, not
	// executable): nothing was checked.
	NotRun bool `json:"not_run,omitempty"`
	// Checked counts the distinct (ABI, syscall) pairs checked.
	Checked  int       `json:"checked"`
	Missing  []Syscall `json:"missing"`
	Syscalls []Syscall `json:"syscalls"`
	Lost     uint64    `json:"lost"`
	// TimedOut says that replay --timeout killed the command (the verdict
	// covers the run up to then).
	TimedOut bool     `json:"timed_out,omitempty"`
	Notes    []string `json:"notes,omitempty"`
}

// Signal is a signal that killed a workload.
type Signal struct {
	Name   string `json:"name,omitempty"` // "SIGTERM"; empty for a real-time signal
	Number int    `json:"number"`
}

// String is the signal as the reports say it: "SIGTERM (15)", or "34"
// for a signal without a name.
func (s *Signal) String() string {
	if s.Name == "" {
		return fmt.Sprint(s.Number)
	}
	return fmt.Sprintf("%s (%d)", s.Name, s.Number)
}

// SetExit records how the workload ended: status as a shell reports it,
// and sig, the signal that killed it (0: it exited).
func (v *Verdict) SetExit(status int, sig syscall.Signal) {
	v.ExitCode = &status
	v.Signal = nil
	if sig > 0 {
		v.Signal = &Signal{Name: unix.SignalName(sig), Number: int(sig)}
	}
}

// Ended says how the workload ended when that is a failure: "the command
// was killed by signal SIGTERM (15)" or "the command exited with status
// 3"; "" when it exited 0 or did not run.
func (v *Verdict) Ended() string {
	switch {
	case v.NotRun || v.ExitCode == nil:
		return ""
	case v.Signal != nil:
		return "the command was killed by signal " + v.Signal.String()
	case *v.ExitCode != 0:
		return fmt.Sprintf("the command exited with status %d", *v.ExitCode)
	}
	return ""
}

// FromCoverage builds a verdict from a coverage result. p (may be nil) is
// used to explain arch findings.
func FromCoverage(tool, profile string, inputs []string, p *policy.Policy, c *verdict.Coverage) *Verdict {
	v := &Verdict{Tool: tool, Profile: profile, Inputs: inputs, Lost: c.Lost, Missing: []Syscall{}, Syscalls: []Syscall{}}
	for _, e := range c.Entries {
		s := Syscall{Name: e.Label(), Arch: e.Arch, Nr: e.Nr, Count: e.Count, First: e.First, Traces: e.Traces, Covered: e.Covered, Reason: e.Reason, argsChecked: !e.Unchecked}
		if e.Reason != "" {
			s.Detail = e.Explain(p)
		}
		v.Syscalls = append(v.Syscalls, s)
		if !e.Covered {
			v.Missing = append(v.Missing, s)
		}
	}
	v.Checked = len(v.Syscalls)
	v.OK = len(v.Missing) == 0
	v.Passed = v.OK
	if c.Lost > 0 {
		v.Notes = append(v.Notes, fmt.Sprintf("the recorder lost %s: the run was not completely recorded", text.Count(c.Lost, "event", "events")))
	}
	v.Notes = append(v.Notes, c.Notes...)
	return v
}

// FailRun marks the run of v as failed for reason why (see RunError): v
// no longer passes, whatever the profile covers.
func (v *Verdict) FailRun(why string) {
	if v.RunError != "" {
		why = v.RunError + "; " + why
	}
	v.RunError = why
	v.Passed = false
}

// NotStarted is the verdict of a replay whose command could not be started
// (why: "CMD: command not found"): nothing was checked, which is not a
// pass. status is the shell's status for it (127, 126).
func NotStarted(tool, profile string, inputs []string, status int, why string) *Verdict {
	v := &Verdict{Tool: tool, Profile: profile, Inputs: inputs, ExitCode: &status, Missing: []Syscall{}, Syscalls: []Syscall{}, NotRun: true}
	v.FailRun(why)
	return v
}

// Write renders v in format f.
func Write(w io.Writer, f Format, v *Verdict) error {
	return render(w, f, v, func(b *bytes.Buffer) { writeHuman(b, v) }, func(b *bytes.Buffer) error { return writeJUnit(b, v) })
}

// render writes v (a *Verdict or a *Diff) in format f in one piece: human
// and junit are the given writers, json is v marshalled.
func render(w io.Writer, f Format, v any, human func(*bytes.Buffer), junit func(*bytes.Buffer) error) error {
	var buf bytes.Buffer
	switch f {
	case Human, "":
		human(&buf)
	case JSON:
		// Names such as <stdin> stay readable: no HTML escapes.
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	case JUnit:
		if err := junit(&buf); err != nil {
			return err
		}
	default:
		return fmt.Errorf("report format %q: unknown", f)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func writeHuman(w *bytes.Buffer, v *Verdict) {
	enforced := strings.HasSuffix(v.Tool, "--enforce")
	what := InputsText(v.Tool, v.Inputs)
	switch {
	case v.NotRun:
		fmt.Fprintf(w, "%s: profile %s was not checked: %s\n", v.Tool, v.Profile, v.RunError)
	case v.OK && enforced && len(v.Syscalls) > 0:
		// Only answers the program falls back from (ReasonFallback).
		fmt.Fprintf(w, "%s: the filter of profile %s denied nothing the run needed during %s\n", v.Tool, v.Profile, what)
	case v.OK && enforced:
		fmt.Fprintf(w, "%s: the filter of profile %s denied nothing during %s\n", v.Tool, v.Profile, what)
	case v.OK && v.Checked == 1:
		fmt.Fprintf(w, "%s: profile %s covers the 1 syscall (ABI, name) of %s\n", v.Tool, v.Profile, what)
	case v.OK:
		fmt.Fprintf(w, "%s: profile %s covers all %d syscalls (ABI, name) of %s\n", v.Tool, v.Profile, v.Checked, what)
	case enforced:
		fmt.Fprintf(w, "%s: the filter of profile %s denied %d %s (ABI, name) during %s:\n\n", v.Tool, v.Profile,
			len(v.Missing), text.Word(len(v.Missing), "syscall", "syscalls"), what)
	default:
		fmt.Fprintf(w, "%s: profile %s does NOT cover %d of %d %s (ABI, name) of %s:\n\n", v.Tool, v.Profile,
			len(v.Missing), v.Checked, text.Word(v.Checked, "syscall", "syscalls"), what)
	}
	if !v.OK && !v.NotRun {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		// TRACES (which input needs it) when there are several inputs
		// to tell apart.
		traces := len(v.Inputs) > 1 && slices.ContainsFunc(v.Missing, func(s Syscall) bool { return len(s.Traces) > 0 })
		if traces {
			fmt.Fprintln(tw, "SYSCALL\tABI\tNR\tCOUNT\tFIRST\tTRACES\tWHY")
		} else {
			fmt.Fprintln(tw, "SYSCALL\tABI\tNR\tCOUNT\tFIRST\tWHY")
		}
		for _, s := range v.Missing {
			first := displayName(s.First)
			if first == "" {
				first = "-"
			}
			if traces {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", s.Name, s.Arch, s.Nr, s.Count, first, orDash(tracesCell(s.Traces)), s.Detail)
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", s.Name, s.Arch, s.Nr, s.Count, first, s.Detail)
		}
		tw.Flush()
	}
	var cond, checked []string
	for _, s := range v.Syscalls {
		if s.Covered && s.Reason == verdict.ReasonConditional {
			if s.argsChecked {
				checked = append(checked, s.Arch+"/"+s.Name)
			} else {
				cond = append(cond, s.Arch+"/"+s.Name)
			}
		}
	}
	if len(checked) > 0 {
		fmt.Fprintf(w, "note: allowed only for some argument values (the recorded values are allowed): %s\n", strings.Join(checked, ", "))
	}
	if len(cond) > 0 {
		fmt.Fprintf(w, "note: allowed only for some argument values (not checked: the run's values were not all recorded): %s\n", strings.Join(cond, ", "))
	}
	for _, s := range v.Syscalls {
		if s.Covered && s.Reason == verdict.ReasonFallback {
			fmt.Fprintf(w, "note: %s/%s %s: covered, the program goes on without it\n", s.Arch, s.Name, s.Detail)
		}
		if s.Covered && s.Reason == verdict.ReasonNoSyscall {
			fmt.Fprintf(w, "note: %s/%s: %s: covered\n", s.Arch, s.Name, s.Detail)
		}
	}
	if e := v.Ended(); e != "" {
		fmt.Fprintf(w, "note: %s\n", e)
	}
	for _, n := range v.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	if v.OK && !v.Passed && !v.NotRun && v.RunError != v.Ended() {
		// The first line says the profile covers what was checked; the
		// verdict is still not a pass (an incomplete one: argument values
		// the traces do not hold), and the report read alone must say so.
		fmt.Fprintf(w, "%s: not a pass: %s\n", v.Tool, v.RunError)
	}
}

// InputsText says what a verdict is about, for people: "the run of `CMD`"
// with the command shell-quoted, "pid N", "cgroup PATH", a trace file or
// "N traces".
func InputsText(tool string, inputs []string) string {
	if strings.HasPrefix(tool, "replay") {
		if len(inputs) == 2 && (inputs[0] == "pid" || inputs[0] == "cgroup") {
			return inputs[0] + " " + ShellQuote(inputs[1:]) // replay --pid / --cgroup
		}
		return "the run of `" + ShellQuote(inputs) + "`"
	}
	if len(inputs) == 1 {
		return inputs[0]
	}
	return fmt.Sprintf("%d traces", len(inputs))
}

// ShellQuote renders argv as a POSIX shell would need it typed: words
// that need no quoting as they are, others in single quotes (” for an
// empty word, '\” for a quote inside one).
func ShellQuote(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = quoteWord(a)
	}
	return strings.Join(q, " ")
}

func quoteWord(a string) string {
	if a == "" {
		return "''"
	}
	if !printable(a) {
		return ansiQuote(a)
	}
	for _, r := range a {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_@%+=:,./-", r)) {
			return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return a
}

// printable reports whether a is valid UTF-8 without control characters
// (which would move the terminal's cursor, recolour it or break the
// report's columns).
func printable(a string) bool {
	if !utf8.ValidString(a) {
		return false
	}
	for _, r := range a {
		if !unicode.IsPrint(r) && r != ' ' {
			return false
		}
	}
	return true
}

// ansiQuote renders a word with control characters or bytes that are not
// UTF-8 as $'...' (bash, zsh, ksh, POSIX.1-2024 sh): such bytes as \xHH,
// the rest as is.
func ansiQuote(a string) string {
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(a); {
		r, n := utf8.DecodeRuneInString(a[i:])
		switch {
		case r == utf8.RuneError && n <= 1, !unicode.IsPrint(r) && r != ' ':
			for _, c := range []byte(a[i : i+n]) {
				fmt.Fprintf(&b, "\\x%02x", c)
			}
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
		i += n
	}
	b.WriteByte('\'')
	return b.String()
}

// displayName is a name from the workload (FIRST: an executable path, a
// comm) as the human report shows it: as is when printable, $'...' quoted
// otherwise.
func displayName(a string) string {
	if printable(a) {
		return a
	}
	return ansiQuote(a)
}

// DisplayName is displayName for other commands' lines about a
// workload's names (generate --per-executable): a file name with an
// escape sequence or a line end must not recolour the terminal or forge a
// line of the report.
func DisplayName(a string) string { return displayName(a) }

// JUnit XML: one test case per (ABI, syscall); a missing syscall is a
// failure whose message names it, its ABI and why. A replay adds the test
// case "run", a failure when the run itself failed (RunError).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func writeJUnit(w *bytes.Buffer, v *Verdict) error {
	suite := junitSuite{
		Name: "seccomp-gen " + v.Tool + " " + v.Profile,
		Properties: []junitProperty{
			{Name: "profile", Value: v.Profile},
			{Name: "inputs", Value: ShellQuote(v.Inputs)},
		},
	}
	if v.ExitCode != nil {
		suite.Properties = append(suite.Properties, junitProperty{Name: "exit_code", Value: fmt.Sprint(*v.ExitCode)})
	}
	if v.Signal != nil {
		suite.Properties = append(suite.Properties, junitProperty{Name: "signal", Value: v.Signal.String()})
	}
	for _, s := range v.Syscalls {
		c := junitCase{Name: s.Arch + "/" + s.Name, ClassName: "seccomp." + s.Arch}
		if !s.Covered {
			msg := fmt.Sprintf("syscall %s (ABI %s, nr %d) is not covered by %s: %s", s.Name, s.Arch, s.Nr, v.Profile, s.Detail)
			c.Failure = &junitFailure{
				Message: msg,
				Type:    s.Reason,
				Text:    fmt.Sprintf("%s\ncount: %d\nfirst issued by: %s\n", msg, s.Count, orDash(s.First)) + tracesLine(s.Traces),
			}
			suite.Failures++
		}
		suite.Cases = append(suite.Cases, c)
	}
	if len(suite.Cases) == 0 && !v.NotRun {
		// A passing replay --enforce lists no syscall (the filter let
		// everything run): the run itself is the test case. CI systems
		// count a suite without test cases as nothing tested.
		name := "profile covers the run"
		if strings.HasSuffix(v.Tool, "--enforce") {
			name = "filter denied nothing"
		}
		c := junitCase{Name: name, ClassName: "seccomp"}
		if !v.OK {
			c.Failure = &junitFailure{Message: "the profile does not cover the run", Type: "missing"}
			suite.Failures++
		}
		suite.Cases = append(suite.Cases, c)
	}
	if !strings.HasPrefix(v.Tool, "replay") && v.RunError != "" {
		// check's incomplete verdict (argument values the traces do not
		// hold): every syscall's case passes, and a CI system that reads
		// only the JUnit report must still see red.
		msg := "the verdict is not a pass: " + v.RunError
		suite.Cases = append(suite.Cases, junitCase{Name: "verdict", ClassName: "seccomp." + v.Tool,
			Failure: &junitFailure{Message: msg, Type: "incomplete", Text: msg + "\n"}})
		suite.Failures++
	}
	if strings.HasPrefix(v.Tool, "replay") {
		// The run itself is a test case too: a CI system that reads only
		// the JUnit report must see a command that failed, timed out or
		// was not found as red, not only as a property.
		c := junitCase{Name: "run", ClassName: "seccomp.replay"}
		if v.RunError != "" {
			msg := "the replayed run failed: " + v.RunError
			c.Failure = &junitFailure{Message: msg, Type: "run", Text: msg + "\n"}
			suite.Failures++
		}
		suite.Cases = append(suite.Cases, c)
	}
	if v.TimedOut {
		suite.Properties = append(suite.Properties, junitProperty{Name: "timed_out", Value: "true"})
	}
	if v.RunError != "" {
		suite.Properties = append(suite.Properties, junitProperty{Name: "run_error", Value: v.RunError})
	}
	return writeSuite(w, suite)
}

// writeSuite writes a JUnit document holding suite.
func writeSuite(w *bytes.Buffer, suite junitSuite) error {
	suite.Tests = len(suite.Cases)
	all := junitSuites{Name: "seccomp-gen", Tests: suite.Tests, Failures: suite.Failures, Suites: []junitSuite{suite}}
	w.WriteString(xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	w.WriteByte('\n')
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// maxTracesShown is how many traces the human report's TRACES column
// names; the JSON and JUnit reports name them all.
const maxTracesShown = 3

// tracesCell is the TRACES column: up to maxTracesShown names, then how
// many more. Every name made each row (the table pads all to the longest)
// 68 KB wide with 5000 traces.
func tracesCell(traces []string) string {
	if len(traces) <= maxTracesShown+1 {
		return strings.Join(traces, ",")
	}
	return strings.Join(traces[:maxTracesShown], ",") + fmt.Sprintf(",... (%d more; --report json lists all)", len(traces)-maxTracesShown)
}

// tracesLine is the JUnit failure text's line naming the traces that need a
// syscall, if known.
func tracesLine(traces []string) string {
	if len(traces) == 0 {
		return ""
	}
	return "traces: " + strings.Join(traces, ", ") + "\n"
}
