package container_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/container"
	"github.com/seccomp-gen/seccomp-gen/internal/runtimetest"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

const workloadScript = "echo hi | wc -c; ls /; cat /proc/self/stat | wc -w"

// A busybox container recorded through the hook under runc and crun runs
// under the recorded profile with unchanged output; neither the trace nor
// the profile holds the runtime's set-up.
func TestHookRecordsRuncAndCrun(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	for _, rt := range runtimetest.Runtimes {
		t.Run(rt, func(t *testing.T) {
			b := newBundle(t)
			dir := t.TempDir()
			prof := filepath.Join(dir, "profile.json")
			b.SetArgs("sh", "-c", workloadScript)
			setHook(b, []string{sg, "hook", "--trace", "--log", filepath.Join(dir, "hook.log"), "--allow-path", dir},
				map[string]string{container.Annotation: "of:" + prof})
			rec, err := b.Run(ctx(t), rt)
			if err != nil || rec.ExitCode != 0 || rec.Stdout == "" {
				t.Fatalf("recorded run: %v %v", rec, err)
			}
			waitFile(t, prof)
			waitNoRecorders(t, sg)
			f, err := trace.ReadFile(container.TracePath(prof))
			if err != nil {
				t.Fatal(err)
			}
			if c := f.Target.Container; c == nil || c.Mode != "hook" || c.Runtime != rt || c.ID == "" {
				t.Errorf("trace target %+v: want a hook recording by %s", f.Target.Container, rt)
			}
			p, obj := readProfile(t, prof)
			checkNoSetup(t, f, p)

			setHook(b, nil, nil)
			b.SetSeccomp(obj)
			for _, nnp := range []bool{true, false} {
				b.SetNoNewPrivileges(nnp)
				got, err := b.Run(ctx(t), rt)
				if err != nil || got.ExitCode != 0 || got.Stdout != rec.Stdout {
					t.Errorf("nnp=%v under the recorded profile: %v (%v); recorded run: %v", nnp, got, err, rec)
				}
			}
			// The profile is not allow-all: without getdents64 ls fails.
			if v := p.Lookup("getdents64"); v.Action != "SCMP_ACT_ALLOW" {
				t.Errorf("getdents64 (ls) not allowed: %+v", v)
			}
			if v := p.Lookup("reboot"); v.Action == "SCMP_ACT_ALLOW" {
				t.Errorf("reboot allowed")
			}
		})
	}
}

// Two containers recorded at once under runc: each profile holds what its
// own container did.
func TestHookConcurrentContainersDoNotMix(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	dir := t.TempDir()
	type run struct {
		args []string
		prof string
		want string // a syscall only this one makes
	}
	runs := []*run{
		{args: []string{"sh", "-c", "sleep 1; ls /"}, prof: filepath.Join(dir, "ls.json"), want: "getdents64"},
		{args: []string{"sh", "-c", "sleep 1; mkdir /tmp/x"}, prof: filepath.Join(dir, "mkdir.json"), want: "mkdir"},
	}
	var wg sync.WaitGroup
	errs := make([]error, len(runs))
	for i, r := range runs {
		b := newBundle(t)
		b.SetArgs(r.args...)
		setHook(b, []string{sg, "hook", "--trace", "--allow-path", dir}, map[string]string{container.Annotation: "of:" + r.prof})
		wg.Add(1)
		go func(i int, b *runtimetest.Bundle) {
			defer wg.Done()
			res, err := b.Run(ctx(t), "runc")
			if err == nil && res.ExitCode != 0 {
				err = os.ErrInvalid
			}
			errs[i] = err
		}(i, b)
	}
	wg.Wait()
	for i, r := range runs {
		if errs[i] != nil {
			t.Fatalf("%v: %v", r.args, errs[i])
		}
		waitFile(t, r.prof)
	}
	for i, r := range runs {
		f, err := trace.ReadFile(container.TracePath(r.prof))
		if err != nil {
			t.Fatal(err)
		}
		names := traceNames(f)
		if !names[r.want] {
			t.Errorf("%v: its own %s is missing", r.args, r.want)
		}
		other := runs[1-i].want
		if names[other] {
			t.Errorf("%v: holds %s of the other container", r.args, other)
		}
	}
	waitNoRecorders(t, sg)
}

// An output path that cannot be written fails the container's start with a
// clear message on the runtime's stderr; the workload never runs and no
// recorder (and so no BPF link) is left.
func TestHookUnwritableOutputFailsStart(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	for _, rt := range runtimetest.Runtimes {
		t.Run(rt, func(t *testing.T) {
			dir := t.TempDir()
			notDir := filepath.Join(dir, "file")
			if err := os.WriteFile(notDir, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			b := newBundle(t)
			b.SetArgs("echo", "workload-ran")
			prof := filepath.Join(notDir, "profile.json")
			// crun keeps a hook's stderr only where this annotation says.
			hookErr := filepath.Join(dir, "hook.stderr")
			setHook(b, []string{sg, "hook", "--allow-path", dir}, map[string]string{container.Annotation: "of:" + prof, "run.oci.hooks.stderr": hookErr})
			res, err := b.Run(ctx(t), rt)
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode == 0 || strings.Contains(res.Stdout, "workload-ran") {
				t.Fatalf("the container started: %v", res)
			}
			logged := res.Stderr
			if rt == "crun" {
				b, _ := os.ReadFile(hookErr)
				logged = string(b)
			}
			if !strings.Contains(logged, "output "+prof+": cannot be written: not a directory") {
				t.Errorf("the runtime's log does not say why: %q (stderr %q)", logged, res.Stderr)
			}
			waitNoRecorders(t, sg)
		})
	}
}

// A recorder that cannot attach (the container's init PID is gone) fails
// the hook, and the recorder it started is gone with its links.
func TestHookRecorderFailureLeavesNothing(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	o := container.HookOptions{Recorder: []string{sg, "hook-recorder"}, OutputDir: t.TempDir()}
	state := `{"ociVersion":"1.0.2","id":"gone","status":"created","pid":999999999,"bundle":"/nonexistent"}`
	err := container.Hook(strings.NewReader(state), o)
	if err == nil || !strings.Contains(err.Error(), "no such process") {
		t.Fatalf("Hook with a dead PID: %v", err)
	}
	waitNoRecorders(t, sg)
}

// if: extends a profile: the extension allows everything the input allows
// (seccomp-gen diff --superset, and runc). The input, recorded from ls,
// allows mmap for every prot but W+X (runc's baseline; static ls maps
// nothing) and ioctl for ls's requests; the extending run maps memory (cat)
// and calls no ioctl: neither may narrow the input, and neither maps W+X
// memory, which both profiles deny. (An input that allows mmap
// unconditionally stays so: reduce's TestExtendKeepsWhatTheProfileAllows.)
func TestHookExtendKeepsInput(t *testing.T) {
	requireRuntimes(t, "gcc")
	sg := buildSG(t)
	b := newBundle(t)
	if out, err := exec.Command("gcc", "-static", "-O2", "-o", filepath.Join(b.Rootfs, "argprobe"),
		filepath.Join("..", "internal", "runtimetest", "testdata", "argprobe.c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	dir := t.TempDir()
	base, ext := filepath.Join(dir, "base.json"), filepath.Join(dir, "ext.json")
	record := func(annotation string, args ...string) {
		t.Helper()
		b.SetSeccomp(nil)
		b.SetArgs(args...)
		setHook(b, []string{sg, "hook", "--trace", "--log", filepath.Join(dir, "hook.log"), "--allow-path", dir},
			map[string]string{container.Annotation: annotation})
		if rec, err := b.Run(ctx(t), "runc"); err != nil || rec.ExitCode != 0 {
			t.Fatalf("recorded run %v: %v %v", args, rec, err)
		}
	}
	record("of:"+base, "/bin/ls", "/")
	waitFile(t, base)
	waitNoRecorders(t, sg)
	record("if:"+base+";of:"+ext, "sh", "-c", "echo hi | cat")
	waitFile(t, ext)
	waitNoRecorders(t, sg)
	pb, objB := readProfile(t, base)
	pe, objE := readProfile(t, ext)
	if v := pb.Lookup("mmap"); !v.Conditional {
		t.Fatalf("the premise fails: %s has no W+X rule on mmap: %+v", base, v)
	}
	if v := pb.Lookup("ioctl"); !v.Conditional {
		t.Fatalf("the premise fails: %s has no argument rule on ioctl: %+v", base, v)
	}
	for _, prot := range []uint64{0, 1, 3, 5} {
		if v := pe.EvalArch("x86_64", "mmap", [6]uint64{0, 0, prot}); v.Action != policy.ActAllow {
			t.Errorf("%s narrows mmap: prot %#x: %+v", ext, prot, v)
		}
	}
	if out, err := exec.Command(sg, "diff", "--superset", ext, base).CombinedOutput(); err != nil {
		t.Errorf("diff --superset ext.json base.json: %v\n%s", err, out)
	}
	// runc: W+X memory is denied under both (argprobe prints
	// mmap_wx=errno; it maps other memory too, which both allow), with
	// the input's answer, EPERM: the extension keeps the input's deny
	// rules (README).
	setHook(b, nil, nil)
	b.SetArgs("/argprobe", "wx")
	for name, obj := range map[string]json.RawMessage{"base": objB, "ext": objE} {
		want := "mmap_wx=1\n"
		b.SetSeccomp(obj)
		res, err := b.Run(ctx(t), "runc")
		if err != nil || !strings.Contains(res.Stdout, want) {
			t.Errorf("argprobe wx under %s: %v %v, want %q", name, res, err, want)
		}
	}
	// The extension still denies what neither run did.
	if v := pe.Lookup("reboot"); v.Action == policy.ActAllow {
		t.Errorf("%s allows reboot", ext)
	}
}

// Whoever sets the annotation chooses where root writes and reads: under
// runc, an of: outside the hook's --allow-path, one through a symbolic
// link out of it, and an if: outside it fail the container's start with
// one line naming the path and the option; nothing is written outside and
// the file outside is not shown. An of: inside records as before.
func TestHookConfinesAnnotationPaths(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	root := t.TempDir()
	allowed, outside := filepath.Join(root, "allowed"), filepath.Join(root, "outside")
	for _, d := range []string{allowed, outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	secret := filepath.Join(outside, "shadow")
	if err := os.WriteFile(secret, []byte("root:SECRET-HASH:19000::::::\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(allowed, "escape")); err != nil {
		t.Fatal(err)
	}
	hookArgs := []string{sg, "hook", "--trace", "--log", filepath.Join(root, "hook.log"), "--allow-path", allowed}
	for _, c := range []struct{ name, annotation, named string }{
		{"outside", "of:" + filepath.Join(outside, "x.json"), "of:" + filepath.Join(outside, "x.json")},
		{"link-out", "of:" + filepath.Join(allowed, "escape", "x.json"), "of:" + filepath.Join(allowed, "escape", "x.json")},
		{"if-outside", "if:" + secret + ";of:" + filepath.Join(allowed, "x.json"), "if:" + secret},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := newBundle(t)
			b.SetArgs("echo", "workload-ran")
			setHook(b, hookArgs, map[string]string{container.Annotation: c.annotation})
			res, err := b.Run(ctx(t), "runc")
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode == 0 || strings.Contains(res.Stdout, "workload-ran") {
				t.Fatalf("the container started: %v", res)
			}
			if !strings.Contains(res.Stderr, c.named+" ") || !strings.Contains(res.Stderr, "--allow-path DIR") {
				t.Errorf("the runtime's log does not name %s and --allow-path: %q", c.named, res.Stderr)
			}
			if strings.Contains(res.Stderr, "SECRET") {
				t.Errorf("the file outside shows in the log: %q", res.Stderr)
			}
			if ents, _ := os.ReadDir(outside); len(ents) != 1 {
				t.Errorf("written outside: %v", ents)
			}
			if ents, _ := os.ReadDir(allowed); len(ents) != 1 {
				t.Errorf("written in the allowed directory: %v", ents)
			}
			waitNoRecorders(t, sg)
		})
	}
	t.Run("inside", func(t *testing.T) {
		prof := filepath.Join(allowed, "in.json")
		b := newBundle(t)
		b.SetArgs("sh", "-c", "echo hi")
		setHook(b, hookArgs, map[string]string{container.Annotation: "of:" + prof})
		if res, err := b.Run(ctx(t), "runc"); err != nil || res.ExitCode != 0 {
			t.Fatalf("recorded run: %v %v", res, err)
		}
		waitFile(t, prof)
		waitFile(t, container.TracePath(prof))
		waitNoRecorders(t, sg)
	})
}

// runc in a PID namespace of its own (runc or Docker inside a CI
// container): the hook, which runc starts there, arms the container's init
// by its ID in that namespace, and the init is in a namespace nested in it.
// The recorder matched neither (the kernel's initial-namespace tgid, then
// the ID in the init's own namespace only): the hook said "the entrypoint
// never ran" and wrote nothing (the in-container review). Now the trace
// and the profile are written.
func TestHookRuncInPIDNamespace(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	b := newBundle(t)
	dir := t.TempDir()
	prof := filepath.Join(dir, "profile.json")
	log := filepath.Join(dir, "hook.log")
	b.SetArgs("sh", "-c", workloadScript)
	setHook(b, []string{sg, "hook", "--trace", "--log", log, "--allow-path", dir},
		map[string]string{container.Annotation: "of:" + prof})
	if err := b.Write(); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("sg-pidns-%d", os.Getpid())
	t.Cleanup(func() { _ = exec.Command("runc", "delete", "-f", id).Run() })
	// The namespace lives on after runc (as a CI container's init does),
	// until the hook's detached recorder has written the profile: the
	// kernel kills every process of a namespace whose first one exits.
	script := `runc run --bundle "$1" "$2"; s=$?; i=0; while [ ! -e "$3" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; exit $s`
	out, err := exec.CommandContext(ctx(t), "unshare", "--pid", "--fork", "--mount-proc", "sh", "-c", script, "sh", b.Dir, id, prof).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "bin") {
		t.Fatalf("runc run in a PID namespace: %v\n%s", err, out)
	}
	waitNoRecorders(t, sg)
	f, err := trace.ReadFile(container.TracePath(prof))
	if err != nil {
		logText, _ := os.ReadFile(log)
		t.Fatalf("no trace: %v; hook log:\n%s\nrunc:\n%s", err, logText, out)
	}
	names := map[string]bool{}
	for _, s := range f.Syscalls {
		names[s.Name] = true
	}
	if !names["execve"] || !names["getdents64"] || f.Processes < 3 {
		t.Errorf("trace of the container: processes %d, syscalls %v", f.Processes, names)
	}
}
