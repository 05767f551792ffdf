package reduce

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ErrInput is matched (errors.Is) by every error about the user's input:
// traces, options, baselines. The command maps it to exit status 2.
var ErrInput = errors.New("bad input")

// Sentinels for the input problems a user can act on. Each is also ErrInput.
var (
	ErrIncomplete = inputSentinel("incomplete trace")
	ErrEmpty      = inputSentinel("empty trace")
	ErrDenied     = inputSentinel("syscall in the deny ceiling")
)

type sentinel struct{ msg string }

func inputSentinel(msg string) error     { return &sentinel{msg} }
func (s *sentinel) Error() string        { return s.msg }
func (s *sentinel) Is(target error) bool { return target == ErrInput }

// inputError wraps an error about the input so that it matches ErrInput.
type inputError struct{ err error }

func (e *inputError) Error() string        { return e.err.Error() }
func (e *inputError) Unwrap() error        { return e.err }
func (e *inputError) Is(target error) bool { return target == ErrInput }

func inputErrf(format string, a ...any) error {
	return &inputError{fmt.Errorf(format, a...)}
}

// Namer is implemented by the errors whose message names Options fields
// ("MinRuns", "Allow"): Named returns the message with each field called
// what name returns for it, so that a command can say its flags instead
// (cmd/seccomp-gen maps MinRuns to --min-runs).
type Namer interface {
	error
	Named(name func(field string) string) string
}

// OptionError is an Options field whose value Reduce cannot use.
type OptionError struct {
	Field string // "MinRuns", "Allow", "Arches", "DefaultAction", "Native"
	Value string // the value, as the message shows it
	Msg   string // what is wrong with it ("" when Err says it)
	Err   error  // the cause (an *UnknownSyscallError for Allow), or nil
}

func (e *OptionError) Error() string { return e.Named(fieldName) }

// Named implements Namer.
func (e *OptionError) Named(name func(string) string) string {
	s := name(e.Field) + " " + e.Value
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *OptionError) Unwrap() error        { return e.Err }
func (e *OptionError) Is(target error) bool { return target == ErrInput }

// IncompleteError says that the recorder lost events of a trace (its lost
// counter is not zero): the trace may lack syscalls. It matches
// ErrIncomplete and ErrInput.
type IncompleteError struct{ Lost uint64 }

func (e *IncompleteError) Error() string { return e.Named(fieldName) }

// Named implements Namer.
func (e *IncompleteError) Named(name func(string) string) string {
	return fmt.Sprintf("%v: the recorder lost %d event(s); re-record, or pass %s to use it anyway", ErrIncomplete, e.Lost, name("AllowIncomplete"))
}

func (e *IncompleteError) Is(target error) bool { return target == ErrIncomplete || target == ErrInput }

// fieldName is how the library's own messages call an Options field.
func fieldName(field string) string { return field }

// TraceError says which trace file a problem is in.
type TraceError struct {
	Path string
	Err  error
}

func (e *TraceError) Error() string        { return e.Path + ": " + e.Err.Error() }
func (e *TraceError) Unwrap() error        { return e.Err }
func (e *TraceError) Is(target error) bool { return target == ErrInput }

// UnknownSyscallError says that a name (or a number, when Name is empty)
// is not a syscall of Arch in the syscall tables.
type UnknownSyscallError struct {
	Arch string
	Name string
	Nr   int
}

func (e *UnknownSyscallError) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("syscall number %d is unknown on %s (libseccomp too old for this trace?)", e.Nr, e.Arch)
	}
	return fmt.Sprintf("unknown syscall %q on %s", e.Name, e.Arch)
}

func (e *UnknownSyscallError) Is(target error) bool { return target == ErrInput }

// Denied is one deny-ceiling syscall found in the traces.
type Denied struct {
	Name   string
	Reason string
	// Traces are the files that contain it.
	Traces []string
}

// DeniedError lists the deny-ceiling syscalls found in the traces. It
// matches ErrDenied and ErrInput.
type DeniedError struct {
	Syscalls []Denied
}

func (e *DeniedError) Error() string { return e.Named(fieldName) }

// Named implements Namer: the message says how to lift the ceiling for
// each syscall (Allow NAME; a command: --allow NAME).
func (e *DeniedError) Named(name func(string) string) string {
	var names, flags []string
	for _, d := range e.Syscalls {
		names = append(names, d.Name)
		flags = append(flags, name("Allow")+" "+d.Name)
	}
	d := e.Syscalls[0]
	if len(e.Syscalls) == 1 {
		return fmt.Sprintf("%s: syscall %s is in the deny ceiling (%s); pass %s to allow it",
			strings.Join(d.Traces, ", "), d.Name, d.Reason, flags[0])
	}
	files := map[string]bool{}
	for _, d := range e.Syscalls {
		for _, t := range d.Traces {
			files[t] = true
		}
	}
	fl := slices.Sorted(maps.Keys(files))
	return fmt.Sprintf("%s: syscalls %s are in the deny ceiling; pass %s to allow them",
		strings.Join(fl, ", "), strings.Join(names, ", "), strings.Join(flags, " "))
}

func (e *DeniedError) Is(target error) bool { return target == ErrDenied || target == ErrInput }
