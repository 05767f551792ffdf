package main

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/seccomp-gen/seccomp-gen/internal/atomicfile"
)

// reportFlags is the report group of check, replay, diff and lint: the
// format of the report (--report), where it goes (-o, '-' is stdout), and
// exit status 3 when the report says the check failed.
type reportFlags struct {
	name    string // the command, for errors
	report  string
	output  string
	formats []string // the formats the command knows, the first is the default
	// keep: a report that cannot be written to -o is kept in the
	// temporary directory (replay: the run it reports on cannot be
	// repeated for free).
	keep bool
	// written: writeReport was called (whether or not the write
	// succeeded): replay's notRunReport writes no second report then.
	// Atomic: replay's watchPreparation may write from its goroutine.
	written atomic.Bool
}

// addReportFlags adds --report and -o to cmd; formats are the report
// formats the command knows, the first being the default.
func (r *reportFlags) addReportFlags(cmd *cobra.Command, formats ...string) {
	r.name, r.formats = cmd.Name(), formats
	cmd.Flags().StringVar(&r.report, "report", formats[0], "report `FORMAT`: "+orList(formats))
	cmd.Flags().StringVarP(&r.output, "output", "o", "-", "write the report to `FILE` ('-' is stdout)")
}

// validateReport checks the group's flags. The output path is checked with
// the command's other paths (checkOutputs).
func (r *reportFlags) validateReport() error {
	name := r.name
	if !slices.Contains(r.formats, r.report) {
		return usageErrf("%s: --report %q: unknown (known: %s)", name, r.report, strings.Join(r.formats, ", "))
	}
	if r.output == "" {
		return usageErrf("%s: -o: empty file name (use '-' for stdout)", name)
	}
	return nil
}

// writeReport renders the report and writes it to -o in one piece; a
// report that says the check failed makes the exit status 3 (exitNotCovered,
// exitFindings).
func (r *reportFlags) writeReport(render func(io.Writer) error, failed bool) error {
	r.written.Store(true)
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return err
	}
	if err := atomicfile.Write(r.output, buf.Bytes(), 0o644); err != nil {
		if r.keep {
			// -o - too: a pipe whose reader is gone (| true) loses
			// the report of a run that cannot be repeated for free,
			// as trace keeps its trace.
			ext := map[string]string{"json": "json", "junit": "xml"}[r.report]
			if ext == "" {
				ext = "txt"
			}
			where := r.output
			if where == "-" {
				where = "to stdout"
			}
			return exitWith(exitFailure, fmt.Errorf("%s: report %s: %w%s", r.name, where, unwrapPath(err), keepElsewhere("report", "seccomp-gen-*.report."+ext, buf.Bytes())))
		}
		return exitWith(exitFailure, fmt.Errorf("%s: report: %w", r.name, err))
	}
	if failed {
		return exitWith(exitNotCovered, nil)
	}
	return nil
}

// orList renders "a, b or c".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
