package container_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/container"
	"github.com/seccomp-gen/seccomp-gen/internal/runtimetest"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// startDetached runs a busybox container under runc (private --root) that
// waits until /tmp/stop exists in it.
// startDetached starts a container whose shell loops until /tmp/stop
// exists, and returns once the shell is past its start-up (busybox sh
// calls uname there): a trace attached afterwards sees only the loop, as
// one attached to another such container does (replay --container once saw
// a start-up uname that the recording had missed).
func startDetached(t *testing.T, root, id string) {
	t.Helper()
	startDetachedArgs(t, newBundle(t), root, id, ": >/tmp/ready; "+loopUntilStop)
	for i := 0; exec.Command("runc", "--root", root, "exec", id, "test", "-e", "/tmp/ready").Run() != nil; i++ {
		if i == 100 {
			t.Fatalf("container %s: its shell did not start in 10 s", id)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

const loopUntilStop = "while [ ! -e /tmp/stop ]; do sleep 0.1; done"

// stopLoop ends loopUntilStop in container id: runc exec touch /tmp/stop,
// or cmd, which does that last.
// The loop may see the file and end the container while touch is still
// exiting; the kernel then kills touch with the rest of the container's
// PID namespace and runc exec says 137 (the fresh-clone CI of cdf9b4a
// failed on it once). That is a stop too; a touch killed before it made
// the file would leave the container running, which the caller's wait
// for the trace's end then reports.
func stopLoop(t *testing.T, root, id string, cmd ...string) {
	t.Helper()
	if len(cmd) == 0 {
		cmd = []string{"touch", "/tmp/stop"}
	}
	b, err := exec.Command("runc", append([]string{"--root", root, "exec", id}, cmd...)...).CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 128+int(syscall.SIGKILL)) {
		t.Fatalf("runc exec: %v\n%s", err, b)
	}
}

func startDetachedBundle(t *testing.T, b *runtimetest.Bundle, root, id string) {
	t.Helper()
	startDetachedArgs(t, b, root, id, loopUntilStop)
}

func startDetachedArgs(t *testing.T, b *runtimetest.Bundle, root, id, script string) {
	t.Helper()
	b.SetArgs("sh", "-c", script)
	if err := b.Write(); err != nil {
		t.Fatal(err)
	}
	// The container keeps runc's stdio: a file, not a pipe that would
	// never reach EOF.
	log, err := os.Create(filepath.Join(t.TempDir(), "runc.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command("runc", "--root", root, "run", "-d", "--bundle", b.Dir, id)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		out, _ := os.ReadFile(log.Name())
		t.Fatalf("runc run -d: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("runc", "--root", root, "delete", "-f", id).Run() })
}

// startTracer runs `seccomp-gen ARGS... -v` and waits until the recorder
// is attached (its "recording"/"tracing" line on stderr).
func startTracer(t *testing.T, sg string, args ...string) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	return startTracerEnv(t, sg, nil, args...)
}

// startTracerEnv is startTracer with extra environment.
func startTracerEnv(t *testing.T, sg string, env []string, args ...string) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(sg, append(args, "-v")...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	attached := make(chan string, 1)
	var errText strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			errText.WriteString(sc.Text() + "\n")
			if !sent && (strings.Contains(sc.Text(), "tracing") || strings.Contains(sc.Text(), "recording")) {
				attached <- sc.Text()
				sent = true
			}
		}
		if !sent {
			attached <- ""
		}
	}()
	select {
	case l := <-attached:
		if l == "" {
			cmd.Wait()
			t.Fatalf("%v: not attached: %s", args, errText.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("%v: not attached within 30s", args)
	}
	return cmd, &out
}

func waitCmd(t *testing.T, cmd *exec.Cmd) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("%v did not end within 30s", cmd.Args)
		return nil
	}
}

// checkExecTrace checks a --container trace of a loop stopped by an exec'd
// `mkdir /tmp/d && touch /tmp/stop`.
func checkExecTrace(t *testing.T, out, runtime string) {
	t.Helper()
	f, err := trace.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	c := f.Target.Container
	if c == nil || c.Mode != "cgroup" || c.Runtime != runtime || f.Target.Cgroup == "" || len(c.Unseen) == 0 || !strings.Contains(c.Unseen[0], "start-up") {
		t.Errorf("target %+v container %+v", f.Target, c)
	}
	var mkdir *trace.Syscall
	for i := range f.Syscalls {
		if f.Syscalls[i].Name == "mkdir" {
			mkdir = &f.Syscalls[i]
		}
	}
	if mkdir == nil || mkdir.First != "mkdir" {
		t.Errorf("the exec'd mkdir is not recorded: %+v", mkdir)
	}
	// The exec's set-up by runc (its init joins the cgroup, then setns,
	// keyctl, capset, ... before the execve) is not recorded; the loop that
	// was running at the start is.
	names := traceNames(f)
	for _, n := range setupSyscalls {
		if names[n] {
			t.Errorf("the trace holds the runtime's exec set-up syscall %s", n)
		}
	}
	if !names["execve"] || !(names["nanosleep"] || names["clock_nanosleep"]) {
		t.Errorf("the container's loop (sh, sleep) is missing: %v", names)
	}
}

func TestResolveErrors(t *testing.T) {
	for _, c := range []struct{ runtime, root, want string }{
		{"lxc", "", `runtime "lxc": unknown`},
		{"docker", "/x", "DOCKER_HOST"},
	} {
		if _, err := container.Resolve(ctx(t), c.runtime, c.root, "x"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.runtime, err, c.want)
		}
	}
	// An engine that is not installed is named, without exec's jargon.
	t.Setenv("PATH", t.TempDir())
	for _, rt := range []string{"runc", "crun", "docker", "podman"} {
		_, err := container.Resolve(ctx(t), rt, "", "x")
		if err == nil || !strings.Contains(err.Error(), rt+" is not installed") || strings.Contains(err.Error(), "$PATH") {
			t.Errorf("%s missing: %v", rt, err)
		}
	}
}

// runc and crun want a container's whole ID; a prefix (crictl ps and
// docker ps print 13 and 12 characters) names the one container it starts,
// and a prefix of two is refused naming both.
func TestResolveIDPrefix(t *testing.T) {
	requireRuntimes(t)
	root := t.TempDir()
	base := "sgpfx" + strings.ReplaceAll(filepath.Base(t.TempDir()), "-", "")
	a, b := base+"x0123456789", base+"y0123456789"
	startDetached(t, root, a)
	startDetached(t, root, b)
	got, err := container.Resolve(ctx(t), "runc", root, base+"x01")
	if err != nil || got.ID != a || got.PID <= 0 {
		t.Errorf("a prefix of one: %+v %v", got, err)
	}
	got, err = container.Resolve(ctx(t), "runc", root, base)
	if err == nil || !strings.Contains(err.Error(), "ambiguous") || !strings.Contains(err.Error(), a) || !strings.Contains(err.Error(), b) {
		t.Errorf("a prefix of two: %+v %v", got, err)
	}
	if _, err := container.Resolve(ctx(t), "runc", root, base+"z"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("a prefix of none: %v", err)
	}
}

// trace --container on a running runc container records a program that
// enters later by exec; the trace says how it was recorded and what it
// could not see.
func TestTraceContainerSeesExec(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	root := t.TempDir()
	id := "sg-ctr-" + filepath.Base(t.TempDir())
	startDetached(t, root, id)
	out := filepath.Join(t.TempDir(), "ctr.trace.yaml")
	tracer, _ := startTracer(t, sg, "trace", "--container", id, "--runtime", "runc", "--root", root, "-o", out)
	time.Sleep(500 * time.Millisecond) // the loop sleeps a few times, traced
	stopLoop(t, root, id, "sh", "-c", "mkdir /tmp/d && touch /tmp/stop")
	if err := waitCmd(t, tracer); err != nil {
		t.Fatalf("trace --container: %v", err)
	}
	checkExecTrace(t, out, "runc")
}

// replay --container checks a running container against a profile: the
// container's own loop is covered by a profile recorded from it.
func TestReplayContainer(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	root := t.TempDir()
	dir := t.TempDir()
	tr := filepath.Join(dir, "rec.trace.yaml")
	// Record one run (its loop and the exec that stops it), make a profile.
	id := "sg-rp-a-" + filepath.Base(t.TempDir())
	startDetached(t, root, id)
	tracer, _ := startTracer(t, sg, "trace", "--container", id, "--root", root, "-o", tr)
	time.Sleep(300 * time.Millisecond)
	stopLoop(t, root, id)
	if err := waitCmd(t, tracer); err != nil {
		t.Fatal(err)
	}
	prof := filepath.Join(dir, "p.json")
	if b, err := exec.Command(sg, "generate", "-o", prof, tr).CombinedOutput(); err != nil {
		t.Fatalf("generate: %v\n%s", err, b)
	}
	// Replay a second container of the same image against it.
	id2 := "sg-rp-b-" + filepath.Base(t.TempDir())
	startDetached(t, root, id2)
	saved := filepath.Join(dir, "replay.trace.yaml")
	replay, out := startTracer(t, sg, "replay", "--profile", prof, "--container", id2, "--root", root, "--save-trace", saved)
	time.Sleep(300 * time.Millisecond)
	stopLoop(t, root, id2)
	if err := waitCmd(t, replay); err != nil {
		t.Errorf("replay --container: %v\n%s", err, out.String())
	}
	f, err := trace.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	if f.Target.Container == nil || f.Target.Container.ID != id2 {
		t.Errorf("saved trace target %+v", f.Target)
	}
	_ = os.Remove(saved)
	_ = container.Annotation

	// A container running under a seccomp filter (Docker's default, the
	// profile itself): what the filter denies (uname here) never reaches
	// the recorder, so the profile cannot be seen to miss it (under the
	// profile itself every call seen is allowed by construction). The
	// same loop as above, all of it covered, is not a pass then (exit 1,
	// as for lost events), and the trace says what it could not see.
	b := newBundle(t)
	b.SetSeccomp(json.RawMessage(`{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["uname"],"action":"SCMP_ACT_ERRNO"}]}`))
	id3 := "sg-rp-c-" + filepath.Base(t.TempDir())
	startDetachedArgs(t, b, root, id3, loopUntilStop)
	time.Sleep(500 * time.Millisecond)
	replay, _ = startTracer(t, sg, "replay", "--profile", prof, "--container", id3, "--root", root, "--save-trace", saved)
	time.Sleep(300 * time.Millisecond)
	stopLoop(t, root, id3)
	var ee *exec.ExitError
	if err := waitCmd(t, replay); !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("replay --container of a container under a seccomp filter: %v, want exit 1 (no pass: its denials are not seen)", err)
	}
	if f, err := trace.ReadFile(saved); err != nil {
		t.Error(err)
	} else if c := f.Target.Container; c == nil || !slices.Contains(c.Unseen, "syscalls its seccomp filter denied") {
		t.Errorf("saved trace: unseen does not name the filter's denials: %+v", c)
	}
}

// hook --exec records the container's cgroup from each task's execve: the
// entrypoint, and a program that enters later by runc exec, without the
// runtime's set-up of either.
func TestHookExecRecordsExecdProcess(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	root := t.TempDir()
	dir := t.TempDir()
	prof := filepath.Join(dir, "exec.json")
	b := newBundle(t)
	setHook(b, []string{sg, "hook", "--trace", "--exec", "--log", filepath.Join(dir, "hook.log"), "--allow-path", dir},
		map[string]string{container.Annotation: "of:" + prof})
	id := "sg-hx-" + filepath.Base(t.TempDir())
	startDetachedBundle(t, b, root, id)
	time.Sleep(300 * time.Millisecond)
	// The detached recorder holds the links while the container runs.
	var held []int
	for _, ids := range recorders(t, sg) {
		held = append(held, ids...)
	}
	if len(held) == 0 || len(liveLinks(t, held)) != len(held) {
		t.Fatalf("no recorder with live BPF links while the container runs: %v", recorders(t, sg))
	}
	stopLoop(t, root, id, "sh", "-c", "mkdir /tmp/d && touch /tmp/stop")
	waitFile(t, prof)
	f, err := trace.ReadFile(container.TracePath(prof))
	if err != nil {
		t.Fatal(err)
	}
	if c := f.Target.Container; c == nil || c.Mode != "hook" || f.Target.Cgroup == "" || len(c.Unseen) != 0 {
		t.Errorf("target %+v container %+v: want a hook recording of the cgroup that saw everything", f.Target, f.Target.Container)
	}
	names := traceNames(f)
	if !names["mkdir"] {
		t.Errorf("the exec'd mkdir is not recorded")
	}
	p, _ := readProfile(t, prof)
	checkNoSetup(t, f, p)
	waitNoRecorders(t, sg)
	if live := liveLinks(t, held); len(live) > 0 {
		t.Errorf("BPF links %v outlive the recorder", live)
	}
}

// A whole ID whose state fails says state's error, even when other IDs
// start with it (runc IDs are free text: web, web2): not "ambiguous".
func TestResolveWholeIDStateError(t *testing.T) {
	bin := t.TempDir()
	script := "#!/bin/sh\ncase \"$1\" in\nlist) printf 'web\\nweb2\\n' ;;\n*) echo 'state of web: broken' >&2; exit 1 ;;\nesac\n"
	if err := os.WriteFile(filepath.Join(bin, "runc"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	_, err := container.Resolve(ctx(t), "runc", "", "web")
	if err == nil || !strings.Contains(err.Error(), "broken") || strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("runc state web failing: %v, want state's error", err)
	}
}

// A container that stops between being resolved and the recorder's attach
// (its cgroup empty and never seen populated) ends the trace: the cgroup
// held it when its runtime was asked. A runc that kills the container's
// init 5 ms after answering state (once seccomp-gen has read its cgroup,
// before the recorder is attached) makes the race all but certain; trace
// --container then waited forever.
func TestTraceContainerStopsBeforeAttach(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	runc, err := exec.LookPath("runc")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	id := "sg-gone-" + filepath.Base(t.TempDir())
	// One process: nothing else keeps the cgroup populated for a moment.
	startDetachedArgs(t, newBundle(t), root, id, "exec sleep 1000")
	shim := t.TempDir()
	script := "#!/bin/sh\nout=$(" + runc + " \"$@\"); rc=$?\nprintf '%s\\n' \"$out\"\n" +
		"case \" $* \" in *\" state \"*) pid=$(printf '%s' \"$out\" | sed -n 's/.*\"pid\": *\\([0-9]*\\).*/\\1/p'); [ -n \"$pid\" ] && (sleep 0.005; kill -9 \"$pid\") >/dev/null 2>&1 & ;; esac\nexit $rc\n"
	if err := os.WriteFile(filepath.Join(shim, "runc"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "gone.trace.yaml")
	cmd := exec.Command(sg, "trace", "--container", id, "--root", root, "-o", out)
	cmd.Env = append(os.Environ(), "PATH="+shim+":"+os.Getenv("PATH"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := waitCmd(t, cmd); err != nil {
		t.Fatalf("trace --container of a container that stopped: %v\n%s", err, stderr.String())
	}
	if _, err := trace.ReadFile(out); err != nil {
		t.Error(err)
	}
}

// crun --cgroup-manager=disabled leaves a container in the cgroup of
// whoever started crun: here a shell in a cgroup of its own, which goes
// on running there (as a service, or another container, that runs crun
// -d). That cgroup is not the container's: --container records the init
// process (mode pid), not the shell's processes. It recorded the cgroup.
func TestTraceContainerCrunCallersCgroup(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	mnt := recorder.Cgroup2Mount()
	if mnt == "" {
		testutil.SkipOrFail(t, "no cgroup v2 mount")
	}
	cg := testutil.TempCgroup(t, mnt, "seccomp-gen-caller-test")
	root := t.TempDir()
	id := "sg-crun-caller-" + filepath.Base(t.TempDir())
	b := newBundle(t)
	b.SetArgs("sh", "-c", loopUntilStop)
	if err := b.Write(); err != nil {
		t.Fatal(err)
	}
	crun := func(args ...string) *exec.Cmd {
		script := `umount /sys/fs/cgroup/unified 2>/dev/null; crun --cgroup-manager=disabled --root "$@"`
		return exec.Command("unshare", append([]string{"-m", "--propagation", "private", "sh", "-c", script, "sh", root}, args...)...)
	}
	// The caller: crun run -d from the cgroup, then a loop of its own.
	caller := exec.Command("sh", "-c", `echo $$ > "$1/cgroup.procs" && exec unshare -m --propagation private sh -c '
umount /sys/fs/cgroup/unified 2>/dev/null
crun --cgroup-manager=disabled --root "$1" run -d --bundle "$2" "$3" </dev/null >/dev/null 2>&1 || exit 1
: > "$4"
while :; do /bin/true; sleep 0.1; done' sh "$2" "$3" "$4" "$5"`, "sh", cg, root, b.Dir, id, filepath.Join(root, "started"))
	if err := caller.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = caller.Process.Kill()
		_ = caller.Wait()
		_ = crun("delete", "-f", id).Run()
	})
	for i := 0; ; i++ {
		if _, err := os.Stat(filepath.Join(root, "started")); err == nil {
			break
		}
		if i == 100 {
			t.Fatal("crun run -d did not start the container in 10 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	out := filepath.Join(t.TempDir(), "crun.trace.yaml")
	if b, err := exec.Command(sg, "trace", "--container", id, "--runtime", "crun", "--root", root, "--duration", "1s", "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("trace --container: %v\n%s", err, b)
	}
	f, err := trace.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if c := f.Target.Container; c == nil || c.Mode != "pid" || f.Target.Cgroup != "" || f.Target.PID == 0 {
		t.Errorf("target %+v container %+v: want mode pid, the init process", f.Target, c)
	}
	for _, e := range f.Executables {
		if e.Path == "/bin/true" {
			t.Errorf("the caller's loop (/bin/true) was recorded: %+v", f.Executables)
		}
	}
}

// A --container recording cut short (--duration here; a signal says
// "interrupted") did not see the container's end: unseen says so, as a
// hook recording's does. It said nothing.
func TestTraceContainerCutShort(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	root := t.TempDir()
	id := "sg-short-" + filepath.Base(t.TempDir())
	startDetached(t, root, id)
	out := filepath.Join(t.TempDir(), "short.trace.yaml")
	if b, err := exec.Command(sg, "trace", "--container", id, "--root", root, "--duration", "300ms", "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("trace --container --duration: %v\n%s", err, b)
	}
	f, err := trace.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if c := f.Target.Container; c == nil || !slices.Contains(c.Unseen, "the end: recording stopped (duration)") {
		t.Errorf("unseen does not say the recording stopped before the container: %+v", c)
	}
	// One that ended with the container does not say it.
	if c := (&container.Target{ID: id, Runtime: "runc", Cgroup: "/x"}).Trace("empty"); len(c.Unseen) != 1 {
		t.Errorf("a recording that saw the end: unseen %q", c.Unseen)
	}
}

// A container that is created but not started, or paused, has an init
// process but is not running: it is refused (ErrNotRunning), as a stopped
// one is. The runtime is a script that answers state.
func TestResolveNotRunning(t *testing.T) {
	for _, status := range []string{"created", "paused", "stopped"} {
		bin := t.TempDir()
		script := "#!/bin/sh\necho '{\"id\":\"web\",\"status\":\"" + status + "\",\"pid\":" + strconv.Itoa(os.Getpid()) + "}'\n"
		if err := os.WriteFile(filepath.Join(bin, "runc"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv("PATH", bin)
		if _, err := container.Resolve(ctx(t), "runc", "", "web"); !errors.Is(err, container.ErrNotRunning) || !strings.Contains(err.Error(), "status "+status) {
			t.Errorf("a %s container: %v, want ErrNotRunning", status, err)
		}
	}
}
