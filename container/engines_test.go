package container_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/container"
	"github.com/seccomp-gen/seccomp-gen/internal/runtimetest"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// busyboxTar writes a busybox-static rootfs as a tar for docker/podman
// import (no registry).
func busyboxTar(t *testing.T) string {
	t.Helper()
	b, err := runtimetest.NewBundle(filepath.Join(t.TempDir(), "img"))
	if err != nil {
		t.Fatal(err)
	}
	tarPath := filepath.Join(t.TempDir(), "busybox.tar")
	if out, err := exec.Command("tar", "-C", b.Rootfs, "-cf", tarPath, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	return tarPath
}

// shortTempDir is a temporary directory with a short path (unix sockets
// live below it).
func shortTempDir(t *testing.T, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// killedWithContainer reports whether an exec that stops the container's
// loop ended with 137: the loop saw /tmp/stop and ended the container while
// the exec'd shell was still exiting, and the kernel killed it with the
// rest of the PID namespace (see stopLoop).
func killedWithContainer(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && ee.ExitCode() == 128+int(syscall.SIGKILL)
}

func runOut(t *testing.T, env []string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// startDockerd starts a private dockerd whose daemon.json registers the
// wrapper as runtime "seccomp-gen", and stops it when the test ends. The
// system's docker state is never touched.
func startDockerd(t *testing.T, sg, outDir, log string) []string {
	t.Helper()
	dir := shortTempDir(t, "sgd")
	cfg := fmt.Sprintf(`{"runtimes": {"seccomp-gen": {"path": %q, "runtimeArgs": ["runtime", "--output-dir", %q, "--log", %q]}}}`, sg, outDir, log)
	if err := os.WriteFile(filepath.Join(dir, "daemon.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	sock := "unix://" + filepath.Join(dir, "sock")
	logf, err := os.Create(filepath.Join(dir, "dockerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dockerd", "--iptables=false", "--bridge=none", "--storage-driver", "vfs",
		"--data-root", filepath.Join(dir, "data"), "--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "pid"), "-H", sock, "--config-file", filepath.Join(dir, "daemon.json"),
		"--containerd-namespace", "sgtest", "--containerd-plugins-namespace", "sgtest-plugins")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		logf.Close()
	})
	env := []string{"DOCKER_HOST=" + sock}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := runOut(t, env, "docker", "version"); err == nil {
			return env
		}
		select {
		case <-done:
			b, _ := os.ReadFile(filepath.Join(dir, "dockerd.log"))
			t.Fatalf("dockerd exited:\n%s", b)
		default:
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "dockerd.log"))
			t.Fatalf("dockerd did not come up in 60s:\n%s", b)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkRecording checks a profile and trace the hook wrote for a container.
func checkRecording(t *testing.T, prof, runtime string) {
	t.Helper()
	waitFile(t, prof)
	f, err := trace.ReadFile(container.TracePath(prof))
	if err != nil {
		t.Fatal(err)
	}
	if c := f.Target.Container; c == nil || c.Mode != "hook" || c.Runtime != runtime {
		t.Errorf("trace target %+v: want a hook recording by %s", f.Target.Container, runtime)
	}
	p, _ := readProfile(t, prof)
	checkNoSetup(t, f, p)
}

// Docker through the wrapper: `docker run --runtime seccomp-gen` records the
// container into --output-dir/<ID>.json; the profile runs it again.
func TestDockerWrapperRecords(t *testing.T) {
	requireRuntimes(t, "dockerd", "docker", "tar")
	sg := buildSG(t)
	out := t.TempDir()
	env := startDockerd(t, sg, out, filepath.Join(out, "hook.log"))
	if _, err := runOut(t, env, "docker", "import", "-c", "ENV PATH=/bin", busyboxTar(t), "sg-busybox"); err != nil {
		t.Fatal(err)
	}
	id, err := runOut(t, env, "docker", "create", "--runtime", "seccomp-gen", "--network", "none", "sg-busybox", "sh", "-c", workloadScript)
	if err != nil {
		t.Fatal(err)
	}
	id = strings.TrimSpace(id)
	want, err := runOut(t, env, "docker", "start", "-a", id)
	if err != nil || want == "" {
		t.Fatalf("recorded run: %q %v", want, err)
	}
	prof := filepath.Join(out, id+".json")
	checkRecording(t, prof, "runc")
	got, err := runOut(t, env, "docker", "run", "--rm", "--network", "none", "--security-opt", "seccomp="+prof, "sg-busybox", "sh", "-c", workloadScript)
	if err != nil || got != want {
		t.Errorf("under the recorded profile: %q %v; recorded run: %q", got, err, want)
	}
	_, _ = runOut(t, env, "docker", "rm", "-f", id)
	waitNoRecorders(t, sg)

	// trace --container --runtime docker, with a docker exec into it.
	t.Run("trace-container", func(t *testing.T) {
		id, err := runOut(t, env, "docker", "run", "-d", "--network", "none", "sg-busybox", "sh", "-c", "while [ ! -e /tmp/stop ]; do sleep 0.1; done")
		if err != nil {
			t.Fatal(err)
		}
		id = strings.TrimSpace(id)
		defer runOut(t, env, "docker", "rm", "-f", id)
		out := filepath.Join(t.TempDir(), "docker.trace.yaml")
		tracer, _ := startTracerEnv(t, sg, env, "trace", "--container", id[:12], "--runtime", "docker", "-o", out)
		time.Sleep(500 * time.Millisecond)
		if _, err := runOut(t, env, "docker", "exec", id, "sh", "-c", "mkdir /tmp/d && touch /tmp/stop"); err != nil && !killedWithContainer(err) {
			t.Fatal(err)
		}
		if err := waitCmd(t, tracer); err != nil {
			t.Fatalf("trace --container: %v", err)
		}
		checkExecTrace(t, out, "docker")
	})
}

// podman is a private podman (its own root, runroot, tmpdir, hooks.d
// holding the shipped file pointed at the test's binary) for one test.
type podman struct {
	t       *testing.T
	dir     string
	profDir string // the hook's --allow-path
	flags   []string
}

// newPodman sets podman up with the shipped hooks.d file (with the test's
// binary, --trace, --log and --allow-path profDir) and imports the
// busybox image as sg-busybox.
func newPodman(t *testing.T, sg string) *podman {
	t.Helper()
	dir := shortTempDir(t, "sgp")
	hooks := filepath.Join(dir, "hooks.d")
	if err := os.MkdirAll(hooks, 0o755); err != nil {
		t.Fatal(err)
	}
	shipped, err := os.ReadFile(filepath.Join("..", "contrib", "hooks.d", "seccomp-gen.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The shipped file, with the test's binary and two more flags.
	var hookCfg map[string]any
	if err := json.Unmarshal(shipped, &hookCfg); err != nil {
		t.Fatal(err)
	}
	h := hookCfg["hook"].(map[string]any)
	if h["path"] != "/usr/local/bin/seccomp-gen" {
		t.Fatalf("shipped hook path %v", h["path"])
	}
	h["path"] = sg
	pm := &podman{t: t, dir: dir, profDir: t.TempDir()}
	h["args"] = append(h["args"].([]any), "--trace", "--log", filepath.Join(dir, "hook.log"), "--allow-path", pm.profDir)
	hookJSON, _ := json.Marshal(hookCfg)
	if err := os.WriteFile(filepath.Join(hooks, "seccomp-gen.json"), hookJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	pm.flags = []string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"),
		"--hooks-dir", hooks, "--storage-driver", "vfs",
		"--cgroup-manager", "cgroupfs", "--events-backend", "file", "--tmpdir", filepath.Join(dir, "tmp")}
	t.Cleanup(func() { _, _ = pm.run("runc", "rm", "-af") })
	if _, err := pm.run("runc", "import", "-c", "ENV PATH=/bin", busyboxTar(t), "sg-busybox"); err != nil {
		t.Fatal(err)
	}
	return pm
}

// run runs podman with its --runtime set to runtime. crun refuses the
// hybrid cgroup layout: podman then runs in a private mount namespace
// without /sys/fs/cgroup/unified (as runtimetest runs crun), which leaves
// the host untouched (vfs storage mounts nothing).
func (pm *podman) run(runtime string, args ...string) (string, error) {
	argv := append(append([]string{"podman", "--runtime", runtime}, pm.flags...), args...)
	if runtime == "crun" {
		script := `umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"`
		argv = append([]string{"unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh"}, argv...)
	}
	return runOut(pm.t, nil, argv[0], argv[1:]...)
}

// podmanRun are podman run's options every test container gets (this
// host's limits are too high for podman's defaults).
var podmanRun = []string{"run", "--rm", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"}

// podman with the shipped hooks.d file (pointed at the test's binary): the
// annotation's of: path gets the profile; the profile runs it again.
func TestPodmanHookRecords(t *testing.T) {
	requireRuntimes(t, "podman", "conmon", "tar")
	sg := buildSG(t)
	pm := newPodman(t, sg)
	p := func(args ...string) (string, error) { return pm.run("runc", args...) }
	dir := pm.dir
	run := podmanRun
	prof := filepath.Join(pm.profDir, "podman.json")
	want, err := p(append(run, "--annotation", container.Annotation+"=of:"+prof, "sg-busybox", "sh", "-c", workloadScript)...)
	if err != nil || want == "" {
		t.Fatalf("recorded run: %q %v", want, err)
	}
	checkRecording(t, prof, "runc")
	got, err := p(append(run, "--security-opt", "seccomp="+prof, "sg-busybox", "sh", "-c", workloadScript)...)
	if err != nil || got != want {
		t.Errorf("under the recorded profile: %q %v; recorded run: %q", got, err, want)
	}
	waitNoRecorders(t, sg)

	// trace --container --runtime podman --root, with a podman exec.
	t.Run("trace-container", func(t *testing.T) {
		id, err := p("run", "-d", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "sg-busybox", "sh", "-c", "while [ ! -e /tmp/stop ]; do sleep 0.1; done")
		if err != nil {
			t.Fatal(err)
		}
		id = strings.TrimSpace(id)
		out := filepath.Join(t.TempDir(), "podman.trace.yaml")
		tracer, _ := startTracer(t, sg, "trace", "--container", id, "--runtime", "podman", "--root", filepath.Join(dir, "root"), "-o", out)
		time.Sleep(500 * time.Millisecond)
		if _, err := p("exec", id, "sh", "-c", "mkdir /tmp/d && touch /tmp/stop"); err != nil && !killedWithContainer(err) {
			t.Fatal(err)
		}
		if err := waitCmd(t, tracer); err != nil {
			t.Fatalf("trace --container: %v", err)
		}
		checkExecTrace(t, out, "podman")
	})
}

// podman --runtime crun, as Fedora and CRI-O hosts run it: podman starts
// crun by create then start, and crun's init waits for start under the
// filter (noNewPrivileges is false). The hook detects crun, and the
// profile it writes, with crun's baseline, runs the container again under
// podman and crun with unchanged output.
func TestPodmanCrunHookRecords(t *testing.T) {
	requireRuntimes(t, "podman", "conmon", "tar")
	sg := buildSG(t)
	pm := newPodman(t, sg)
	prof := filepath.Join(pm.profDir, "crun.json")
	want, err := pm.run("crun", append(podmanRun, "--annotation", container.Annotation+"=of:"+prof, "sg-busybox", "sh", "-c", workloadScript)...)
	if err != nil || want == "" {
		t.Fatalf("recorded run: %q %v", want, err)
	}
	checkRecording(t, prof, "crun")
	got, err := pm.run("crun", append(podmanRun, "--security-opt", "seccomp="+prof, "sg-busybox", "sh", "-c", workloadScript)...)
	if err != nil || got != want {
		t.Errorf("podman --runtime crun under the recorded profile: %q %v; recorded run: %q", got, err, want)
	}
	waitNoRecorders(t, sg)
}
