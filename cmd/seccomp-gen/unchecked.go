package main

import (
	"fmt"
	"strings"

	"github.com/seccomp-gen/seccomp-gen/internal/text"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

// uncheckedError is the error of a verdict that would pass although some
// syscalls are allowed only for argument values the run did not record in
// full (verdict.Entry.Unchecked): the recorder keeps the arguments of a few
// syscalls only (trace.RecordedArgs), and a bounded number of values of
// each, so a call the profile denies may have been made. nil when there is
// none. Like lost events, this makes the verdict incomplete rather than a
// pass; --allow-incomplete accepts it, and replay --enforce has the
// kernel check every call.
func uncheckedError(tool string, cov *verdict.Coverage) error {
	un := cov.Unchecked()
	if len(un) == 0 {
		return nil
	}
	var parts []string
	for i, e := range un {
		if i == maxWarnings {
			parts = append(parts, text.Count(len(un)-i, "more syscall", "more syscalls"))
			break
		}
		var args []string
		for _, a := range e.UncheckedArgs {
			what := fmt.Sprintf("argument %d", a)
			if spec, ok := reduce.FindArgSpec(e.Name, a); ok {
				what = fmt.Sprintf("%s (argument %d)", spec.What, a)
			}
			args = append(args, what)
		}
		if len(args) == 0 {
			args = []string{"its arguments"}
		}
		parts = append(parts, fmt.Sprintf("%s/%s by its %s", e.Arch, e.Label(), strings.Join(args, " and ")))
	}
	return fmt.Errorf("%s: incomplete, the profile allows %s only for some values, and the run's values are not all recorded: the verdict could miss a denied call (replay --enforce checks every call; --allow-incomplete to accept it)", tool, strings.Join(parts, "; "))
}
