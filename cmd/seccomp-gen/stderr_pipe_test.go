package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestClosedStderrPipeKeepsOutput: a command whose result goes to -o FILE
// (or generate --oci-config) writes it even when its standard error is a
// pipe whose reader is gone (`generate -o app.json t.yaml 2>&1 | head -1`,
// where head stops reading after one line). Its messages there are lost,
// as they would be anyway; the file is not, and the exit status is the
// command's own. Before, the first message killed it with SIGPIPE (the Go
// runtime's default on fds 1 and 2): no profile was written, an older one
// stayed in place, and only the pipeline's PIPESTATUS said so.
func TestClosedStderrPipeKeepsOutput(t *testing.T) {
	dir := t.TempDir()
	ls, v1 := genTrace(t, "busybox-ls.yaml"), genTrace(t, "workload.yaml")
	prof := filepath.Join(dir, "p.json")
	if _, stderr, code := sg(t, dir, "generate", "-o", prof, ls); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, stderr)
	}
	bundle := filepath.Join(dir, "config.json")
	if err := os.WriteFile(bundle, []byte(`{"ociVersion": "1.0.2", "process": {"args": ["sh"]}, "root": {"path": "rootfs"}, "linux": {}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	notProfile := filepath.Join(dir, "not-a-profile.json")
	if err := os.WriteFile(notProfile, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		out  string // the file the command writes
		code int
		want string // in the file
	}{
		// generate always reports on stderr.
		{"generate", []string{"generate", "-o", "gen.json", ls}, "gen.json", 0, `"defaultAction"`},
		{"generate --oci-config", []string{"generate", "--format", "oci", "--oci-config", bundle, ls}, bundle, 0, `"seccomp"`},
		// check warns about a version 1 trace on stderr.
		{"check", []string{"check", "-p", prof, "--report", "json", "-o", "check.json", v1}, "check.json", 3, `"tool": "check"`},
		// lint names a file that is not a profile on stderr.
		{"lint", []string{"lint", "--report", "json", "-o", "lint.json", prof, notProfile}, "lint.json", 2, `"not_linted": 1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := tc.out
			if !filepath.IsAbs(out) {
				out = filepath.Join(dir, out)
			}
			code, status := sgClosedStderr(t, dir, tc.args...)
			if status.Signaled() {
				t.Fatalf("killed by %v (its stderr is a pipe nobody reads)", status.Signal())
			}
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("nothing written: %v", err)
			}
			if !strings.Contains(string(data), tc.want) {
				t.Errorf("%s lacks %q:\n%.400s", out, tc.want, data)
			}
		})
	}
}

// sgClosedStderr runs seccomp-gen (this test binary) with args in dir, its
// standard error a pipe whose read end is closed before it starts.
func sgClosedStderr(t *testing.T, dir string, args ...string) (int, syscall.WaitStatus) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	defer w.Close()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), testMainEnv+"=1")
	cmd.Stderr = w
	err = cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	return cmd.ProcessState.ExitCode(), ws
}
