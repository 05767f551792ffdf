package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

// Exit statuses shared by every command: the one place that says which
// error ends in which status. Commands that run a workload exit with the
// workload's own status when it fails (see trace), or with
// exitCommandFailed (replay).
const (
	exitOK      = 0
	exitFailure = 1 // a runtime error: the kernel refused, a file could not be written
	exitUsage   = 2 // bad flags, bad input files
	// exitNotCovered: the profile does not cover the run (or the traces;
	// for diff: the profiles differ, or with --superset A lacks something
	// B allows). It wins over exitCommandFailed.
	exitNotCovered = 3
	// exitFindings: lint found at least one finding of severity error.
	// A file lint could not read makes it exitUsage instead, after the
	// other files' findings are reported: not every file was checked.
	exitFindings = 3
	// exitCommandFailed: the profile covers the run but the command
	// itself failed (non-zero exit, killed by a signal, not found).
	exitCommandFailed = 4
)

// exitError carries an exit status through cobra. A nil err exits silently.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr marks err as a usage error (exit status 2).
func usageErr(err error) error { return &exitError{code: exitUsage, err: err} }

// usageErrf formats a usage error.
func usageErrf(format string, a ...any) error { return usageErr(fmt.Errorf(format, a...)) }

// exitWith returns an error that makes seccomp-gen exit with code, printing
// err if it is not nil.
func exitWith(code int, err error) error { return &exitError{code: code, err: err} }

// exitStatus maps the error a command returned to seccomp-gen's exit status
// and the error to print (nil: nothing). An exitError says its status
// itself; the library sentinels about the user's input are usage errors;
// everything else is a runtime error.
func exitStatus(err error) (int, error) {
	if err == nil {
		return exitOK, nil
	}
	var ex *exitError
	if errors.As(err, &ex) {
		return ex.code, ex.err
	}
	switch {
	case errors.Is(err, reduce.ErrInput), errors.Is(err, verdict.ErrNoSyscalls):
		return exitUsage, flagErr(err)
	case errors.Is(err, recorder.ErrOptions):
		// A target that can never give a trace (a kernel thread, the
		// tracer itself): the reason, without the library's "invalid
		// options: ".
		return exitUsage, withoutPrefix(err, recorder.ErrOptions.Error()+": ")
	case errors.Is(err, recorder.ErrNoProcess), errors.Is(err, recorder.ErrNotCgroup2):
		// The target named on the command line is not there.
		return exitUsage, err
	case errors.Is(err, recorder.ErrCommandNotFound), errors.Is(err, recorder.ErrCommandNotRun):
		// replay; trace exits with the command's status (traceErr).
		return exitCommandFailed, err
	}
	return exitFailure, err
}

// withoutPrefix is err, its message without prefix where it starts with it;
// errors.Is still matches what err matched.
func withoutPrefix(err error, prefix string) error {
	msg, ok := strings.CutPrefix(err.Error(), prefix)
	if !ok {
		return err
	}
	return &retold{msg: msg, err: err}
}

// retold is an error said in other words.
type retold struct {
	msg string
	err error
}

func (r *retold) Error() string { return r.msg }
func (r *retold) Unwrap() error { return r.err }

// optionFlags names the flag of each reduce.Options field that library
// errors name (reduce.Namer).
var optionFlags = map[string]string{
	"Arches":          "--arch",
	"DropArches":      "--drop-arch",
	"MinCount":        "--min-count",
	"MinRuns":         "--min-runs",
	"Allow":           "--allow",
	"DefaultAction":   "--default-action",
	"AllowIncomplete": "--allow-incomplete",
	"Native":          "native arch", // not a flag: scmp.Native()
}

func flagName(field string) string {
	if f, ok := optionFlags[field]; ok {
		return f
	}
	return field
}

// flagErr says a library error in the command line's words: the Options
// fields it names (reduce.Namer) become their flags. The error still
// matches what it matched.
func flagErr(err error) error {
	var n reduce.Namer
	if !errors.As(err, &n) {
		return err
	}
	return &flaggedError{err: err, msg: strings.Replace(err.Error(), n.Error(), n.Named(flagName), 1)}
}

type flaggedError struct {
	err error
	msg string
}

func (e *flaggedError) Error() string { return e.msg }
func (e *flaggedError) Unwrap() error { return e.err }
