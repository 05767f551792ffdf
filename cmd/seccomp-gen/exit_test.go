package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

// TestExitStatus: the one mapping from errors to exit statuses.
func TestExitStatus(t *testing.T) {
	for _, tc := range []struct {
		err    error
		code   int
		silent bool
	}{
		{nil, exitOK, true},
		{exitWith(exitNotCovered, nil), exitNotCovered, true},
		{usageErrf("--x: bad"), exitUsage, false},
		{fmt.Errorf("generate: %w", reduce.ErrEmpty), exitUsage, false},
		{fmt.Errorf("generate: %w", &reduce.TraceError{Path: "a.yaml", Err: errors.New("bad")}), exitUsage, false},
		{fmt.Errorf("coverage: %w", verdict.ErrNoSyscalls), exitUsage, false},
		{fmt.Errorf("pid 1: %w", recorder.ErrNoProcess), exitUsage, false},
		{fmt.Errorf("x: %w", recorder.ErrCommandNotFound), exitCommandFailed, false},
		{fmt.Errorf("x: %w", recorder.ErrCommandNotRun), exitCommandFailed, false},
		{fmt.Errorf("/tmp: %w", recorder.ErrNotCgroup2), exitUsage, false},
		{fmt.Errorf("%w: a kernel thread", recorder.ErrOptions), exitUsage, false},
		{errors.New("the kernel said no"), exitFailure, false},
	} {
		code, err := exitStatus(tc.err)
		if code != tc.code || (err == nil) != tc.silent {
			t.Errorf("exitStatus(%v) = %d, %v; want %d (silent %v)", tc.err, code, err, tc.code, tc.silent)
		}
	}
}

// TestFlagErr: library errors name Options fields; the command says flags.
func TestFlagErr(t *testing.T) {
	err := fmt.Errorf("generate: %w", &reduce.TraceError{Path: "t.yaml", Err: &reduce.IncompleteError{Lost: 7}})
	code, got := exitStatus(err)
	want := "generate: t.yaml: incomplete trace: the recorder lost 7 event(s); re-record, or pass --allow-incomplete to use it anyway"
	if code != exitUsage || got.Error() != want || !errors.Is(got, reduce.ErrIncomplete) {
		t.Errorf("exitStatus = %d, %q; want %d, %q (still ErrIncomplete)", code, got, exitUsage, want)
	}
	_, got = exitStatus(fmt.Errorf("generate: %w", &reduce.OptionError{Field: "MinRuns", Value: "3", Msg: "only 1 trace(s) given"}))
	if got.Error() != "generate: --min-runs 3: only 1 trace(s) given" {
		t.Errorf("OptionError: %q", got)
	}
}
