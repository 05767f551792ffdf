// Package runtimetest runs commands in real OCI containers (runc and crun)
// from a busybox-static bundle, so that tests and the baseline measurement
// can check what a seccomp profile does under the runtimes users run.
//
// A Bundle is a directory with a rootfs (a copy of the host's static busybox
// with every applet linked to it, plus any extra files a test adds) and a
// config.json made by `runc spec`. Run starts it with runc or crun, captures
// the output and exit status, and always deletes the container.
//
// crun refuses the hybrid cgroup layout of this kind of host, so it runs in a
// private mount namespace where /sys/fs/cgroup/unified is unmounted and with
// --cgroup-manager=disabled; the host is left untouched.
package runtimetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// Runtimes are the OCI runtimes this package drives.
var Runtimes = []string{"runc", "crun"}

// Bundle is an OCI bundle directory whose config.json is edited in memory
// and written before each run.
type Bundle struct {
	Dir    string
	Rootfs string
	// Config is config.json as generic JSON, so that every field `runc
	// spec` writes survives.
	Config map[string]any
}

// BusyboxPath is the static busybox copied into bundles.
var BusyboxPath = "/bin/busybox"

// NewBundle creates a bundle in dir (which must exist and be empty or
// absent) with a busybox rootfs and the default `runc spec` config, set to
// terminal=false.
func NewBundle(dir string) (*Bundle, error) {
	rootfs := filepath.Join(dir, "rootfs")
	for _, d := range []string{"bin", "proc", "dev", "sys", "tmp", "etc"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			return nil, fmt.Errorf("bundle: %w", err)
		}
	}
	if err := CopyFile(BusyboxPath, filepath.Join(rootfs, "bin", "busybox"), 0o755); err != nil {
		return nil, fmt.Errorf("bundle: busybox: %w", err)
	}
	out, err := exec.Command(BusyboxPath, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("bundle: busybox --list: %w", err)
	}
	for _, a := range strings.Fields(string(out)) {
		if a == "busybox" || strings.Contains(a, "/") {
			continue
		}
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", a)); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("bundle: applet %s: %w", a, err)
		}
	}
	cmd := exec.Command("runc", "spec", "--bundle", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("bundle: runc spec: %w: %s", err, bytes.TrimSpace(out))
	}
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	b := &Bundle{Dir: dir, Rootfs: rootfs}
	if err := json.Unmarshal(data, &b.Config); err != nil {
		return nil, fmt.Errorf("bundle: config.json: %w", err)
	}
	b.process()["terminal"] = false
	return b, nil
}

func (b *Bundle) process() map[string]any {
	p, _ := b.Config["process"].(map[string]any)
	if p == nil {
		p = map[string]any{}
		b.Config["process"] = p
	}
	return p
}

func (b *Bundle) linux() map[string]any {
	l, _ := b.Config["linux"].(map[string]any)
	if l == nil {
		l = map[string]any{}
		b.Config["linux"] = l
	}
	return l
}

// SetArgs sets process.args.
func (b *Bundle) SetArgs(args ...string) { b.process()["args"] = args }

// SetNoNewPrivileges sets process.noNewPrivileges.
func (b *Bundle) SetNoNewPrivileges(v bool) { b.process()["noNewPrivileges"] = v }

// SetReadonly sets root.readonly (runc spec makes the rootfs read-only).
func (b *Bundle) SetReadonly(v bool) {
	r, _ := b.Config["root"].(map[string]any)
	if r == nil {
		r = map[string]any{"path": "rootfs"}
		b.Config["root"] = r
	}
	r["readonly"] = v
}

// SetSeccomp sets linux.seccomp to the given OCI seccomp object (JSON), or
// removes it when obj is nil.
func (b *Bundle) SetSeccomp(obj json.RawMessage) {
	if obj == nil {
		delete(b.linux(), "seccomp")
		return
	}
	b.linux()["seccomp"] = obj
}

// Reload reads config.json back from disk (after a tool edited it in place).
func (b *Bundle) Reload() error {
	data, err := os.ReadFile(filepath.Join(b.Dir, "config.json"))
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	cfg := map[string]any{}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return fmt.Errorf("bundle: config.json: %w", err)
	}
	b.Config = cfg
	return nil
}

// Write writes config.json.
func (b *Bundle) Write() error {
	data, err := json.MarshalIndent(b.Config, "", "\t")
	if err != nil {
		return fmt.Errorf("bundle: config.json: %w", err)
	}
	return os.WriteFile(filepath.Join(b.Dir, "config.json"), append(data, '\n'), 0o644)
}

// Result is what one container run gave.
type Result struct {
	Runtime  string
	Stdout   string
	Stderr   string
	ExitCode int
}

func (r Result) String() string {
	return fmt.Sprintf("%s: exit %d, stdout %q, stderr %q", r.Runtime, r.ExitCode, r.Stdout, r.Stderr)
}

var seq atomic.Int64

// Run writes config.json and runs the bundle with runtime ("runc" or
// "crun") in the foreground, with a timeout. A non-zero exit status of the
// container is not an error; failing to start the runtime at all is.
func (b *Bundle) Run(ctx context.Context, runtime string) (Result, error) {
	if err := b.Write(); err != nil {
		return Result{}, err
	}
	id := fmt.Sprintf("sg-rt-%d-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6, seq.Add(1))
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd, err := runtimeCmd(ctx, runtime, "run", "--bundle", b.Dir, id)
	if err != nil {
		return Result{}, err
	}
	defer exec.Command(runtime, "delete", "-f", id).Run()
	var stdout, stderr bytes.Buffer
	cmd.Stdin = nil
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err = cmd.Run()
	res := Result{Runtime: runtime, Stdout: stdout.String(), Stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.ExitCode = ee.ExitCode()
		if ee.ExitCode() < 0 {
			return res, fmt.Errorf("%s run: %w", runtime, err)
		}
	default:
		return res, fmt.Errorf("%s run: %w", runtime, err)
	}
	if ctx.Err() != nil {
		return res, fmt.Errorf("%s run: %w", runtime, ctx.Err())
	}
	return res, nil
}

// runtimeCmd is the command line of runtime (runc, or crun in its private
// mount namespace, see the package doc) with args.
func runtimeCmd(ctx context.Context, runtime string, args ...string) (*exec.Cmd, error) {
	switch runtime {
	case "runc":
		return exec.CommandContext(ctx, "runc", args...), nil
	case "crun":
		script := `umount /sys/fs/cgroup/unified 2>/dev/null; exec crun --cgroup-manager=disabled "$@"`
		return exec.CommandContext(ctx, "unshare", append([]string{"-m", "--propagation", "private", "sh", "-c", script, "sh"}, args...)...), nil
	}
	return nil, fmt.Errorf("runtime %q: unknown (known: %s)", runtime, strings.Join(Runtimes, ", "))
}

// CreateStart runs the bundle the way engines do (podman, CRI-O,
// containerd, Docker): `create`, then `start`, and waits until the
// container has stopped. Between the two the container's init waits for
// start with the filter already installed when noNewPrivileges is false,
// which `run` does not show. The container is not the caller's child, so
// its exit status is unknown: ExitCode is 0 unless create or start failed
// (then theirs, with their stderr in Stderr).
func (b *Bundle) CreateStart(ctx context.Context, runtime string) (Result, error) {
	if err := b.Write(); err != nil {
		return Result{}, err
	}
	id := fmt.Sprintf("sg-rt-%d-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6, seq.Add(1))
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res := Result{Runtime: runtime}
	// The container keeps the create command's stdio: files, so that
	// create returns without waiting for the container to close a pipe.
	outf, err := os.CreateTemp(b.Dir, "stdout-")
	if err != nil {
		return res, err
	}
	defer os.Remove(outf.Name())
	defer outf.Close()
	errf, err := os.CreateTemp(b.Dir, "stderr-")
	if err != nil {
		return res, err
	}
	defer os.Remove(errf.Name())
	defer errf.Close()
	defer func() {
		if cmd, err := runtimeCmd(context.Background(), runtime, "delete", "-f", id); err == nil {
			_ = cmd.Run()
		}
	}()
	step := func(args ...string) (string, error) {
		cmd, err := runtimeCmd(ctx, runtime, args...)
		if err != nil {
			return "", err
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() > 0 {
			res.ExitCode = ee.ExitCode()
			res.Stderr += stderr.String()
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("%s %s: %w", runtime, args[0], err)
		}
		return string(out), nil
	}
	create, err := runtimeCmd(ctx, runtime, "create", "--bundle", b.Dir, id)
	if err != nil {
		return res, err
	}
	create.Stdout, create.Stderr = outf, errf
	if err := create.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() < 0 {
			return res, fmt.Errorf("%s create: %w", runtime, err)
		}
		res.ExitCode = ee.ExitCode()
	}
	if res.ExitCode == 0 {
		if _, err := step("start", id); err != nil {
			return res, err
		}
	}
	for res.ExitCode == 0 {
		out, err := step("state", id)
		if err != nil {
			return res, err
		}
		var st struct {
			Status string `json:"status"`
		}
		if json.Unmarshal([]byte(out), &st) == nil && st.Status == "stopped" {
			break
		}
		if ctx.Err() != nil {
			return res, fmt.Errorf("%s: container %s did not stop: %w", runtime, id, ctx.Err())
		}
		time.Sleep(20 * time.Millisecond)
	}
	stdout, _ := os.ReadFile(outf.Name())
	stderr, _ := os.ReadFile(errf.Name())
	res.Stdout, res.Stderr = string(stdout), string(stderr)+res.Stderr
	return res, nil
}

// CopyFile copies src to dst with mode perm.
func CopyFile(src, dst string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

var (
	binMu   sync.Mutex
	binPath string
)

// Binary builds the seccomp-gen command once per test binary and returns
// its path (runtimes and hooks re-execute it, so tests need a real file).
// Call RemoveBinary from TestMain when the tests are done.
func Binary(t testing.TB) string {
	t.Helper()
	binMu.Lock()
	defer binMu.Unlock()
	if binPath != "" {
		return binPath
	}
	dir, err := os.MkdirTemp("", "seccomp-gen-test-bin-")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "seccomp-gen")
	cmd := exec.Command("go", "build", "-o", out, "github.com/seccomp-gen/seccomp-gen/cmd/seccomp-gen")
	if b, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		t.Fatalf("go build: %v\n%s", err, b)
	}
	binPath = out
	return out
}

// RemoveBinary removes what Binary built.
func RemoveBinary() {
	binMu.Lock()
	defer binMu.Unlock()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
		binPath = ""
	}
}

// Require skips (or, with SECCOMP_GEN_REQUIRE_PRIVILEGED=1, fails) a test
// unless it runs as root with runc, crun, unshare, busybox-static and the
// named tools installed.
func Require(t testing.TB, tools ...string) {
	t.Helper()
	testutil.RequireRoot(t)
	testutil.RequireTool(t, append([]string{"runc", "crun", "unshare"}, tools...)...)
	if _, err := os.Stat(BusyboxPath); err != nil {
		testutil.SkipOrFail(t, "busybox-static is not installed at "+BusyboxPath)
	}
}
