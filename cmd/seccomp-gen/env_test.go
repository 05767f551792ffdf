package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// Tests of hostile environments: a reader of stdout that went away,
// resource limits too low to work with.

// TestTraceStdoutClosedPipeKeepsTrace: `trace -o - -- cmd | head -c0` must
// not die of SIGPIPE and lose the run; the trace is kept in $TMPDIR and the
// error says where.
func TestTraceStdoutClosedPipeKeepsTrace(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // no reader: the trace's write gets EPIPE (or SIGPIPE)
	defer w.Close()
	cmd := exec.Command(os.Args[0], "trace", "-o", "-", "--", "true")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), testMainEnv+"=1", "TMPDIR="+tmp)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFailure {
		t.Fatalf("trace -o - to a closed pipe: %v (want exit %d), stderr:\n%s", err, exitFailure, stderr.String())
	}
	m := regexp.MustCompile(`saved to (\S+) instead`).FindStringSubmatch(stderr.String())
	if m == nil || !strings.HasPrefix(stderr.String(), "seccomp-gen: trace: write trace -: broken pipe") {
		t.Fatalf("stderr does not say where the trace went:\n%s", stderr.String())
	}
	if filepath.Dir(m[1]) != tmp {
		t.Fatalf("trace kept in %s, want it in $TMPDIR %s", m[1], tmp)
	}
	f, err := trace.ReadFile(m[1])
	if err != nil {
		t.Fatalf("the kept trace: %v", err)
	}
	if len(f.Syscalls) == 0 {
		t.Fatal("the kept trace has no syscalls")
	}
}
