package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/internal/reexec"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// testMainEnv makes the test binary behave as seccomp-gen (see TestMain):
// tests run commands as real processes, with real exit statuses and
// streams, and replay --enforce re-executes os.Executable() (the test
// binary) for its hidden child command.
const testMainEnv = "SECCOMP_GEN_TEST_MAIN"

// TestMain registers seccomp-gen's re-executed helpers (the recorder's
// stub, replay --enforce's shim) as main does, and turns the test binary
// into seccomp-gen when asked to, or for a hidden "__name" command.
func TestMain(m *testing.M) {
	registerHelpers()
	cbpf.EnableFilterVerification() // as main does
	if status, ok := reexec.Init(); ok {
		os.Exit(status)
	}
	if os.Getenv(testMainEnv) == "1" || (len(os.Args) > 1 && strings.HasPrefix(os.Args[1], "__")) {
		os.Exit(run(os.Args[1:]))
	}
	// Prepared recorders (trace/recorder/record_pool.go) go to a pool of
	// this run's own, not /run/seccomp-gen/bpf.
	code := testutil.MainWithPrivatePool(m)
	if workloadPath != "" {
		os.RemoveAll(filepath.Dir(workloadPath)) // the workload built once for every test
	}
	os.Exit(code)
}

// sg runs seccomp-gen (this test binary) with args in dir and returns its
// stdout, stderr and exit status.
func sg(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return sgWith(t, dir, nil, args...)
}

// sgWith is sg with standard input read from stdin (nil: none).
func sgWith(t *testing.T, dir string, stdin io.Reader, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return sgVia(t, dir, stdin, nil, args...)
}

// sgVia is sgWith through a program that ends by exec'ing the rest of
// its command line (prefix, then this test binary and args): a shell that
// sets a limit first, unshare.
func sgVia(t *testing.T, dir string, stdin io.Reader, prefix []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	argv := append(append(append([]string(nil), prefix...), os.Args[0]), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Stdin = dir, stdin
	cmd.Env = append(os.Environ(), testMainEnv+"=1")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("seccomp-gen %s: %v", strings.Join(args, " "), err)
	}
	return o.String(), e.String(), code
}

var (
	workloadOnce sync.Once
	workloadPath string
	workloadErr  error
)

// workload compiles testdata/demo/workload.c once per test binary.
func workload(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Fatalf("gcc is needed to build the test workload (make deps installs it): %v", err)
	}
	workloadOnce.Do(func() {
		dir, err := os.MkdirTemp("", "seccomp-gen-replay-")
		if err != nil {
			workloadErr = err
			return
		}
		workloadPath = filepath.Join(dir, "workload")
		out, err := exec.Command("gcc", "-O2", "-o", workloadPath, "../../testdata/demo/workload.c").CombinedOutput()
		if err != nil {
			workloadErr = errors.New(string(out))
		}
	})
	if workloadErr != nil {
		t.Fatalf("build workload: %v", workloadErr)
	}
	return workloadPath
}

// cc compiles one C source into dir.
func cc(t *testing.T, dir, name, src string, flags ...string) string {
	t.Helper()
	c := filepath.Join(dir, name+".c")
	if err := os.WriteFile(c, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, name)
	args := append([]string{"-O2", "-o", bin, c}, flags...)
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", name, err, out)
	}
	return bin
}

// writeProfile renders p in an emit format to dir/name.
func writeProfile(t *testing.T, dir, name string, p *policy.Policy, f emit.Format) string {
	t.Helper()
	data, err := emit.Write(p, f, emit.Options{})
	if err != nil {
		t.Fatalf("emit %s: %v", f, err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// profileFromTrace allows exactly the x86_64 syscalls of f (plus extra) and
// denies everything else with EPERM: the least-privilege profile of a run.
func profileFromTrace(t *testing.T, f *trace.File, drop string, extra ...string) *policy.Policy {
	t.Helper()
	names := append([]string(nil), extra...)
	for _, s := range f.Syscalls {
		if s.Arch == "x86_64" && s.Name != "" && s.Name != drop {
			names = append(names, s.Name)
		}
	}
	if len(names) == 0 {
		t.Fatalf("trace has no named x86_64 syscalls")
	}
	p := &policy.Policy{
		DefaultAction: policy.ActErrno,
		DefaultErrno:  policy.Errno(policy.EPERM),
		Arches:        []string{"x86_64"},
		Rules:         []policy.Rule{{Names: names, Action: policy.ActAllow}},
	}
	p.Canonicalize()
	return p
}

// allowAllBut allows everything on x86_64 except the named syscall, which
// gets act (errno EPERM for ActErrno). It needs no trace.
func allowAllBut(name string, act policy.Action) *policy.Policy {
	r := policy.Rule{Names: []string{name}, Action: act}
	if act == policy.ActErrno {
		r.Errno = policy.Errno(policy.EPERM)
	}
	return &policy.Policy{DefaultAction: policy.ActAllow, Arches: []string{"x86_64"}, Rules: []policy.Rule{r}}
}

// oneLine checks that stderr is exactly one "seccomp-gen: ..." line.
func oneLine(t *testing.T, stderr string) {
	t.Helper()
	s := strings.TrimRight(stderr, "\n")
	if s == "" || strings.Contains(s, "\n") || !strings.HasPrefix(s, "seccomp-gen: ") {
		t.Errorf("stderr is not one 'seccomp-gen: ...' line:\n%s", stderr)
	}
	if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
		t.Errorf("stack trace on stderr:\n%s", stderr)
	}
}
