package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/seccomp-gen/seccomp-gen/internal/text"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

// DiffEntry is one syscall (or number) two profiles answer differently.
type DiffEntry struct {
	Arch string `json:"arch"`
	// Name is the syscall name, "#NR" for a number libseccomp cannot name.
	Name string `json:"name"`
	Nr   int    `json:"nr"`
	// Args are the six argument values that tell the answers apart; absent
	// when neither profile's answer depends on arguments.
	Args []uint64 `json:"args,omitempty"`
	A    string   `json:"a"`
	B    string   `json:"b"`
}

// ArgsText renders Args: "arg0=0x2 arg2=0x1", "all 0", or "-" without args.
// A recorded argument (reduce.ArgSpecs) is named: "domain=AF_INET (2)".
func (e DiffEntry) ArgsText() string {
	if e.Args == nil {
		return "-"
	}
	var parts []string
	for i, v := range e.Args {
		if v != 0 {
			if spec, ok := reduce.FindArgSpec(e.Name, i); ok && spec.Restrict {
				parts = append(parts, fmt.Sprintf("%s=%s", spec.What, spec.ValueName(v)))
				continue
			}
			parts = append(parts, fmt.Sprintf("arg%d=%#x", i, v))
		}
	}
	if len(parts) == 0 {
		return "all 0"
	}
	return strings.Join(parts, " ")
}

// Diff is the difference between profile A and profile B.
type Diff struct {
	A string `json:"a"`
	B string `json:"b"`
	// Superset is set when the comparison was --superset: OK then means A
	// allows everything B allows.
	Superset    bool        `json:"superset"`
	OK          bool        `json:"ok"`
	OnlyA       []DiffEntry `json:"only_a"`
	OnlyB       []DiffEntry `json:"only_b"`
	Answer      []DiffEntry `json:"different_answer"`
	ArchesOnlyA []string    `json:"arches_only_a"`
	ArchesOnlyB []string    `json:"arches_only_b"`
	// NotShown counts the differences left out: with --superset and
	// without -v only what breaks the superset (OnlyB) is listed.
	NotShown int `json:"not_shown,omitempty"`
}

// FromProfileDiff builds a diff report. With superset and not verbose it
// keeps only what breaks the superset (calls B lets run and A does not) and
// counts the rest in NotShown.
func FromProfileDiff(a, b string, superset, verbose bool, d *verdict.ProfileDiff) *Diff {
	conv := func(in []verdict.DiffEntry) []DiffEntry {
		out := []DiffEntry{}
		for _, e := range in {
			out = append(out, DiffEntry{Arch: e.Arch, Name: e.Label(), Nr: e.Nr, Args: e.Args, A: e.A, B: e.B})
		}
		return out
	}
	r := &Diff{A: a, B: b, Superset: superset, OnlyA: conv(d.OnlyA), OnlyB: conv(d.OnlyB), Answer: conv(d.Answer),
		ArchesOnlyA: append([]string{}, d.ArchesOnlyA...), ArchesOnlyB: append([]string{}, d.ArchesOnlyB...)}
	if superset {
		r.OK = d.Superset()
		if !verbose {
			r.NotShown = len(r.OnlyA) + len(r.Answer)
			r.OnlyA, r.Answer = []DiffEntry{}, []DiffEntry{}
		}
	} else {
		r.OK = d.Same()
	}
	return r
}

// WriteDiff renders a diff report: human, json, or junit (one test case per
// difference).
func WriteDiff(w io.Writer, f Format, d *Diff) error {
	return render(w, f, d, func(b *bytes.Buffer) { writeDiffHuman(b, d) }, func(b *bytes.Buffer) error { return writeDiffJUnit(b, d) })
}

func writeDiffHuman(w *bytes.Buffer, d *Diff) {
	for _, a := range d.ArchesOnlyA {
		fmt.Fprintf(w, "ABI %s: listed only by %s\n", a, d.A)
	}
	for _, a := range d.ArchesOnlyB {
		fmt.Fprintf(w, "ABI %s: listed only by %s\n", a, d.B)
	}
	section := func(title string, es []DiffEntry) {
		if len(es) == 0 {
			return
		}
		fmt.Fprintf(w, "%s (%d):\n", title, len(es))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  ABI\tSYSCALL\tNR\tARGS\tA\tB")
		for _, e := range es {
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\t%s\n", e.Arch, e.Name, e.Nr, e.ArgsText(), e.A, e.B)
		}
		tw.Flush()
	}
	section("allowed only by A ("+d.A+")", d.OnlyA)
	section("allowed only by B ("+d.B+")", d.OnlyB)
	section("different answers (both deny, or both let it run)", d.Answer)
	if d.NotShown > 0 {
		fmt.Fprintf(w, "diff: %s %s (-v shows them)\n", text.Count(d.NotShown, "other difference", "other differences"), text.Word(d.NotShown, "does not break the superset and is not shown", "do not break the superset and are not shown"))
	}
	switch {
	case d.Superset && d.OK:
		fmt.Fprintf(w, "diff: %s allows everything %s allows\n", d.A, d.B)
	case d.Superset:
		fmt.Fprintf(w, "diff: %s does NOT allow %s that %s allows\n", d.A, text.Count(len(d.OnlyB), "syscall", "syscalls"), d.B)
	case d.OK:
		fmt.Fprintf(w, "diff: %s and %s give the same answer for every syscall\n", d.A, d.B)
	default:
		fmt.Fprintf(w, "diff: %s and %s differ: %d only in A, %d only in B, %d different answers\n",
			d.A, d.B, len(d.OnlyA), len(d.OnlyB), len(d.Answer))
	}
}

// writeDiffJUnit writes one test case per difference; a case fails when it
// breaks the question asked (--superset: only "allowed only by B" fails;
// otherwise every difference does).
func writeDiffJUnit(w *bytes.Buffer, d *Diff) error {
	suite := junitSuite{
		Name:       "seccomp-gen diff " + d.A + " " + d.B,
		Properties: []junitProperty{{Name: "a", Value: d.A}, {Name: "b", Value: d.B}, {Name: "superset", Value: fmt.Sprint(d.Superset)}},
	}
	add := func(es []DiffEntry, what string, fails bool) {
		for _, e := range es {
			name := e.Arch + "/" + e.Name
			with := ""
			if e.Args != nil {
				name += "(" + e.ArgsText() + ")"
				with = " with arguments " + e.ArgsText()
			}
			c := junitCase{Name: name, ClassName: "seccomp." + e.Arch}
			if fails {
				msg := fmt.Sprintf("%s (nr %d) on %s%s: %s; A (%s) answers %s, B (%s) answers %s", e.Name, e.Nr, e.Arch, with, what, d.A, e.A, d.B, e.B)
				c.Failure = &junitFailure{Message: msg, Type: what, Text: msg + "\n"}
				suite.Failures++
			}
			suite.Cases = append(suite.Cases, c)
		}
	}
	add(d.OnlyB, "allowed only by B", true)
	add(d.OnlyA, "allowed only by A", !d.Superset)
	add(d.Answer, "different answers", !d.Superset)
	if len(suite.Cases) == 0 {
		// Nothing to list: the comparison itself is the test case. CI
		// systems take a suite without test cases for no results at all.
		name := "same answers for every syscall"
		if d.Superset {
			name = "A allows everything B allows"
		}
		c := junitCase{Name: name, ClassName: "seccomp.diff"}
		if !d.OK {
			c.Failure = &junitFailure{Message: "the profiles differ", Type: "differ"}
			suite.Failures++
		}
		suite.Cases = append(suite.Cases, c)
	}
	return writeSuite(w, suite)
}
