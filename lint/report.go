package lint

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/seccomp-gen/seccomp-gen/internal/text"
)

// Result is the findings for one profile file, or why it could not be
// linted (Error; then Findings is empty).
type Result struct {
	File     string    `json:"file"`
	Findings []Finding `json:"findings"`
	Error    string    `json:"error,omitempty"`
}

// Summary counts findings by severity over results, and the files that
// could not be linted.
type Summary struct {
	Errors    int `json:"errors"`
	Warnings  int `json:"warnings"`
	Info      int `json:"info"`
	NotLinted int `json:"not_linted"`
}

// Summarize counts the findings of rs.
func Summarize(rs []Result) Summary {
	var s Summary
	for _, r := range rs {
		s.Errors += Count(r.Findings, Error)
		s.Warnings += Count(r.Findings, Warning)
		s.Info += Count(r.Findings, Info)
		if r.Error != "" {
			s.NotLinted++
		}
	}
	return s
}

// WriteHuman writes one line per finding, "FILE: SEVERITY: RULE SYSCALL:
// REASON [CHECK]", and a count per file; a file that could not be read
// gets "FILE: not linted: ERROR" instead.
func WriteHuman(w io.Writer, rs []Result) error {
	for _, r := range rs {
		if r.Error != "" {
			if _, err := fmt.Fprintf(w, "%s: not linted: %s\n", r.File, r.Error); err != nil {
				return err
			}
			continue
		}
		for _, f := range r.Findings {
			if _, err := fmt.Fprintf(w, "%s: %s\n", r.File, f); err != nil {
				return err
			}
		}
		s := Summarize([]Result{r})
		if _, err := fmt.Fprintf(w, "%s: %s, %s, %d info\n", r.File, text.Count(s.Errors, "error", "errors"), text.Count(s.Warnings, "warning", "warnings"), s.Info); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSON writes {"profiles": [...], "summary": {...}} with every
// finding.
func WriteJSON(w io.Writer, rs []Result) error {
	for i := range rs {
		if rs[i].Findings == nil {
			rs[i].Findings = []Finding{}
		}
	}
	doc := struct {
		Profiles []Result `json:"profiles"`
		Summary  Summary  `json:"summary"`
	}{rs, Summarize(rs)}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // <stdin>, not \u003cstdin\u003e
	return enc.Encode(doc)
}
