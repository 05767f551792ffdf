package container

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/internal/atomicfile"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// The annotation's paths are what whoever sets annotations chooses; root
// writes and reads them. PlanJob keeps them in the hook's --allow-path
// directories (and --output-dir): without any, the annotation names no
// file; a path outside, a symbolic link out of an allowed directory, and
// an if: outside fail with one line naming the path and the option.
func TestPlanJobConfinesAnnotationPaths(t *testing.T) {
	root := t.TempDir()
	allowed := filepath.Join(root, "allowed")
	outside := filepath.Join(root, "outside")
	bundle := filepath.Join(root, "bundle")
	for _, d := range []string{allowed, outside, bundle} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	const secretText = "root:$y$SECRET-HASH:19000:0:99999:7:::"
	secret := filepath.Join(outside, "shadow")
	if err := os.WriteFile(secret, []byte(secretText), 0o600); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(allowed, "base.json")
	if err := os.WriteFile(base, []byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["getpid"],"action":"SCMP_ACT_ALLOW"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(allowed, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(allowed, "shadow.json")); err != nil {
		t.Fatal(err)
	}
	// of: inside, its trace name a link out.
	cron := filepath.Join(outside, "cron")
	if err := os.WriteFile(cron, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "cron"), filepath.Join(allowed, "t.trace.yaml")); err != nil {
		t.Fatal(err)
	}
	plan := func(annotation string, o HookOptions) (*Job, error) {
		s := &State{ID: "c1", Pid: 1, Bundle: bundle, Annotations: map[string]string{Annotation: annotation}}
		return PlanJob(s, o)
	}
	allow := HookOptions{AllowPaths: []string{allowed}}

	refused := []struct {
		name, annotation string
		o                HookOptions
		path             string // what the message names
	}{
		{"no --allow-path", "of:" + filepath.Join(allowed, "p.json"), HookOptions{}, "of:" + filepath.Join(allowed, "p.json")},
		{"of: outside", "of:" + filepath.Join(outside, "p.json"), allow, "of:" + filepath.Join(outside, "p.json")},
		{"of: through a link out", "of:" + filepath.Join(allowed, "escape", "p.json"), allow, "of:" + filepath.Join(allowed, "escape", "p.json")},
		{"of: with .. out", "of:" + allowed + "/../outside/p.json", allow, "of:" + filepath.Join(outside, "p.json")},
		{"of: outside --output-dir", "of:" + filepath.Join(outside, "p.json"), HookOptions{OutputDir: allowed}, "of:" + filepath.Join(outside, "p.json")},
		{"if: outside", "if:" + secret + ";of:" + filepath.Join(allowed, "p.json"), allow, "if:" + secret},
		{"if: a link out", "if:" + filepath.Join(allowed, "shadow.json") + ";of:" + filepath.Join(allowed, "p.json"), allow, "if:" + filepath.Join(allowed, "shadow.json")},
		{"the trace a link out", "of:" + filepath.Join(allowed, "t.json"), HookOptions{AllowPaths: []string{allowed}, Trace: true}, "the trace " + filepath.Join(allowed, "t.trace.yaml")},
	}
	for _, c := range refused {
		j, err := plan(c.annotation, c.o)
		if err == nil {
			t.Errorf("%s: planned %+v", c.name, j)
			continue
		}
		msg := err.Error()
		if !errors.Is(err, atomicfile.ErrOutside) || !strings.Contains(msg, "container c1: "+c.path+" ") && !strings.Contains(msg, "container c1: "+c.path+": the hook has no --allow-path") || !strings.Contains(msg, "--allow-path DIR") || strings.Contains(msg, "\n") {
			t.Errorf("%s: %q: want one line naming %s and --allow-path", c.name, msg, c.path)
		}
		if strings.Contains(msg, "SECRET") {
			t.Errorf("%s: the message shows the file outside: %q", c.name, msg)
		}
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 2 {
		t.Errorf("files created outside: %v", ents)
	}

	// Allowed: of: and if: inside; through a link that stays inside; in
	// --output-dir.
	if err := os.Symlink(".", filepath.Join(allowed, "here")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		annotation string
		o          HookOptions
	}{
		{"of:" + filepath.Join(allowed, "p.json"), allow},
		{"if:" + base + ";of:" + filepath.Join(allowed, "here", "p.json"), HookOptions{AllowPaths: []string{root + "/nonexistent", allowed + "/"}, Trace: true}},
		{"if:" + base + ";of:" + filepath.Join(allowed, "p.json"), HookOptions{OutputDir: allowed}},
	} {
		j, err := plan(c.annotation, c.o)
		if err != nil || len(j.Allow) == 0 {
			t.Errorf("%s %+v: %+v %v", c.annotation, c.o, j, err)
		}
	}
	if _, err := plan("of:"+filepath.Join(allowed, "p.json"), HookOptions{AllowPaths: []string{"relative/dir"}}); err == nil || !strings.Contains(err.Error(), "--allow-path relative/dir: not an absolute path") {
		t.Errorf("a relative --allow-path: %v", err)
	}
}

// The recorder writes the profile and trace hours after the hook checked
// them: a symbolic link planted in between (by whoever can write in the
// directory) must not send them out; the profile and trace stay unwritten.
func TestFinishConfinesLateLinks(t *testing.T) {
	root := t.TempDir()
	allowed := filepath.Join(root, "allowed")
	sub := filepath.Join(allowed, "sub")
	outside := filepath.Join(root, "outside")
	for _, d := range []string{sub, outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s := &State{ID: "c1", Pid: 1, Annotations: map[string]string{Annotation: "of:" + filepath.Join(sub, "p.json")}}
	job, err := PlanJob(s, HookOptions{AllowPaths: []string{allowed}, Trace: true, Runtime: "runc"})
	if err != nil {
		t.Fatal(err)
	}
	// sub becomes a link out.
	if err := os.Rename(sub, sub+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, sub); err != nil {
		t.Fatal(err)
	}
	err = Finish(job, &recorder.Recording{File: testTrace(), Reason: "exit"})
	if !errors.Is(err, atomicfile.ErrOutside) {
		t.Errorf("Finish through a late link out: %v, want ErrOutside", err)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("written outside: %v", ents)
	}
	// A job with no directories writes nothing.
	job.Allow = nil
	if err := Finish(job, &recorder.Recording{File: testTrace(), Reason: "exit"}); !errors.Is(err, atomicfile.ErrOutside) {
		t.Errorf("Finish with no directories: %v", err)
	}
	// The same job, the link gone: written.
	if err := os.Remove(sub); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(sub+".old", sub); err != nil {
		t.Fatal(err)
	}
	job.Allow, _ = atomicfile.ResolveDirs([]string{allowed})
	if err := Finish(job, &recorder.Recording{File: testTrace(), Reason: "exit"}); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	for _, p := range []string{job.Profile, job.Trace} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
}

// A relative --output-dir (taken from the runtime's working directory, as
// before --allow-path) still works: it is made absolute, not refused as an
// --allow-path that is not absolute.
func TestPlanJobRelativeOutputDir(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	s := &State{ID: "c1", Pid: 1, Bundle: dir}
	job, err := PlanJob(s, HookOptions{OutputDir: "out", Runtime: "runc"})
	if err != nil {
		t.Fatalf("PlanJob with --output-dir out: %v", err)
	}
	if want := filepath.Join(dir, "out", "c1.json"); job.Profile != want {
		t.Errorf("profile %s, want %s", job.Profile, want)
	}
}

// The annotation set without a value (podman's hooks.d runs the hook only
// where it is set) writes --output-dir's <ID>.json, as no annotation does;
// without --output-dir it is the error of no of:.
func TestPlanJobEmptyAnnotation(t *testing.T) {
	dir := t.TempDir()
	s := &State{ID: "c1", Pid: 1, Bundle: dir, Annotations: map[string]string{Annotation: ""}}
	job, err := PlanJob(s, HookOptions{OutputDir: filepath.Join(dir, "out"), Runtime: "runc"})
	if err != nil {
		t.Fatalf("PlanJob: %v", err)
	}
	if want := filepath.Join(dir, "out", "c1.json"); job.Profile != want || job.Input != "" {
		t.Errorf("profile %s, if: %q; want %s and none", job.Profile, job.Input, want)
	}
	if _, err := PlanJob(s, HookOptions{AllowPaths: []string{dir}, Runtime: "runc"}); err == nil || !strings.Contains(err.Error(), "has no of:PATH and no --output-dir") {
		t.Errorf("without --output-dir: %v, want the no-output error", err)
	}
}

// A missing of: directory or if: file is said without "no such file or
// directory", which podman takes for its runtime binary missing (exit
// 127, "command not found"), and still is fs.ErrNotExist.
func TestPlanJobMissingNotCommandNotFound(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"ociVersion":"1.0.2","process":{"capabilities":{"bounding":["CAP_CHOWN"]}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{
		"of:" + filepath.Join(dir, "nodir", "x.json"),
		"if:" + filepath.Join(dir, "none.json") + ";of:" + filepath.Join(dir, "x.json"),
	} {
		s := &State{ID: "c1", Pid: 1, Bundle: dir, Annotations: map[string]string{Annotation: v}}
		_, err := PlanJob(s, HookOptions{AllowPaths: []string{dir}, Runtime: "runc"})
		if err == nil || strings.Contains(err.Error(), "no such file or directory") || !strings.Contains(err.Error(), "does not exist") || !errors.Is(err, fs.ErrNotExist) || strings.Contains(err.Error(), "config.json") {
			t.Errorf("%s: %v; want 'does not exist', an fs.ErrNotExist", v, err)
		}
	}
}

// A --output-dir that cannot be resolved is named as such, not as an
// --allow-path (the hook adds it to the allowed directories).
func TestPlanJobBadOutputDirNamed(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s := &State{ID: "c1", Pid: 1, Bundle: dir}
	_, err := PlanJob(s, HookOptions{OutputDir: filepath.Join(file, "x"), AllowPaths: []string{dir}, Runtime: "runc"})
	if err == nil || !strings.HasPrefix(err.Error(), "--output-dir ") {
		t.Errorf("--output-dir under a file: %v, want an error naming --output-dir", err)
	}
}

// A restart (docker --restart, docker start) runs the same container, with
// the same ID, again: its profile at --output-dir/<ID>.json extends what
// the earlier runs recorded instead of replacing it. A file there that is
// not a profile is replaced, not a failed start.
func TestRestartExtendsEarlierRun(t *testing.T) {
	dir := t.TempDir()
	bundle := filepath.Join(dir, "bundle")
	if err := os.Mkdir(bundle, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), []byte(`{"ociVersion":"1.0.2","process":{"capabilities":{"bounding":["CAP_CHOWN"]}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	s := &State{ID: "c1", Pid: 42, Bundle: bundle}
	o := HookOptions{OutputDir: out, Runtime: "runc", Trace: true}
	run := func(name string, nr int) *Job {
		t.Helper()
		job, err := PlanJob(s, o)
		if err != nil {
			t.Fatal(err)
		}
		f := testTrace()
		f.Syscalls = append(f.Syscalls, trace.Syscall{Arch: trace.ArchX86_64, Nr: nr, Name: name, Count: 1})
		if err := Finish(job, &recorder.Recording{File: f, Reason: "exit"}); err != nil {
			t.Fatal(err)
		}
		return job
	}
	if job := run("mkdir", 83); job.Earlier {
		t.Errorf("first run: extends an earlier one")
	}
	job := run("getcwd", 79)
	if !job.Earlier {
		t.Errorf("second run of the same container: does not extend the first")
	}
	p, _, err := emit.Read(job.Profile)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"mkdir", "getcwd", "uname"} {
		if v := p.Lookup(n); v.Action != policy.ActAllow {
			t.Errorf("after a restart, %s (recorded by run %d) is %v", n, map[string]int{"mkdir": 1, "getcwd": 2, "uname": 1}[n], v.Action)
		}
	}
	// Another container's profile in the same directory is not its own.
	other := &State{ID: "c2", Pid: 42, Bundle: bundle}
	if j, err := PlanJob(other, o); err != nil || j.Earlier {
		t.Errorf("another container: earlier %v, %v", j.Earlier, err)
	}
	// Not a profile: replaced, and the start does not fail.
	if err := os.WriteFile(job.Profile, []byte("not a profile"), 0o644); err != nil {
		t.Fatal(err)
	}
	job, err = PlanJob(s, o)
	if err != nil {
		t.Fatalf("an unreadable earlier profile fails the start: %v", err)
	}
	if err := Finish(job, &recorder.Recording{File: testTrace(), Reason: "exit"}); err != nil || job.NotExtended == nil {
		t.Errorf("Finish over an unreadable earlier profile: %v (not extended: %v)", err, job.NotExtended)
	}
	if _, _, err := emit.Read(job.Profile); err != nil {
		t.Errorf("not replaced: %v", err)
	}
}

// A container whose config.json gives it a seccomp filter (Docker's and
// podman's default profile) is recorded without what the filter denies:
// the trace says so.
func TestHookTraceSaysFilterUnseen(t *testing.T) {
	for _, tc := range []struct {
		linux string
		want  bool
	}{
		{`{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO"}}`, true},
		{`{}`, false},
		{`{"seccomp":null}`, false},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"ociVersion":"1.0.2","linux":`+tc.linux+`}`), 0o644); err != nil {
			t.Fatal(err)
		}
		s := &State{ID: "c1", Pid: 42, Bundle: dir}
		job, err := PlanJob(s, HookOptions{OutputDir: filepath.Join(dir, "out"), Runtime: "runc", Trace: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := Finish(job, &recorder.Recording{File: testTrace(), Reason: "exit"}); err != nil {
			t.Fatal(err)
		}
		f, err := trace.ReadFile(job.Trace)
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, u := range f.Target.Container.Unseen {
			got = got || u == "syscalls its seccomp filter denied"
		}
		if got != tc.want {
			t.Errorf("linux %s: unseen %q, want the filter's denials named: %v", tc.linux, f.Target.Container.Unseen, tc.want)
		}
	}
}

// A restarted container whose annotation names an input profile (if:)
// extends that input, not the profile its earlier run left at
// --output-dir/<ID>.json, which is replaced.
func TestRestartWithInputExtendsInput(t *testing.T) {
	dir := t.TempDir()
	bundle := filepath.Join(dir, "bundle")
	out := filepath.Join(dir, "out")
	for _, d := range []string{bundle, out} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), []byte(`{"ociVersion":"1.0.2","process":{"capabilities":{"bounding":["CAP_CHOWN"]}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(out, "base.json")
	if err := os.WriteFile(in, []byte(`{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ALLOW"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	earlier := filepath.Join(out, "c1.json")
	if err := os.WriteFile(earlier, []byte(`{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["acct"],"action":"SCMP_ACT_ALLOW"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &State{ID: "c1", Pid: 42, Bundle: bundle, Annotations: map[string]string{Annotation: "if:" + in}}
	job, err := PlanJob(s, HookOptions{OutputDir: out, Runtime: "runc"})
	if err != nil {
		t.Fatal(err)
	}
	if job.Profile != earlier || job.Earlier {
		t.Errorf("job: profile %s, extends the earlier run %v; want %s, false", job.Profile, job.Earlier, earlier)
	}
	if err := Finish(job, &recorder.Recording{File: testTrace(), Reason: "exit"}); err != nil {
		t.Fatal(err)
	}
	p, _, err := emit.Read(job.Profile)
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range map[string]policy.Action{"mkdir": policy.ActAllow, "uname": policy.ActAllow, "acct": policy.ActErrno} {
		if v := p.Lookup(n); v.Action != want {
			t.Errorf("%s is %v, want %v (if: extended, the earlier run's profile replaced)", n, v.Action, want)
		}
	}
}

// An output that exists and is not a regular file (a FIFO, a device) is
// refused when the hook starts, not when the recorder writes it after the
// container stopped.
func TestCheckWritableNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "c1.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := checkWritable(fifo, []string{dir}); !errors.Is(err, atomicfile.ErrNotRegular) {
		t.Errorf("checkWritable(a FIFO): %v, want ErrNotRegular", err)
	}
	s := &State{ID: "c1", Pid: 42}
	if _, err := PlanJob(s, HookOptions{OutputDir: dir, Runtime: "runc"}); !errors.Is(err, atomicfile.ErrNotRegular) {
		t.Errorf("PlanJob with a FIFO at --output-dir/c1.json: %v, want ErrNotRegular", err)
	}
}

// The trace says what the recording did not see: execs without --exec,
// and the end when the recording stopped before the container did. A
// recording with no syscall writes nothing.
func TestFinishSaysUnseen(t *testing.T) {
	for _, tc := range []struct {
		reason string
		exec   bool
		want   []string
	}{
		{"exit", false, []string{"processes that entered by exec (the hook ran without --exec)"}},
		{"exit", true, nil},
		{"empty", true, nil},
		{"timeout", true, []string{"the end: recording stopped (timeout)"}},
	} {
		dir := t.TempDir()
		job, err := PlanJob(&State{ID: "c1", Pid: 42}, HookOptions{OutputDir: dir, Runtime: "runc", Trace: true})
		if err != nil {
			t.Fatal(err)
		}
		job.Exec, job.Cgroup = tc.exec, "/sys/fs/cgroup/c1"
		if err := Finish(job, &recorder.Recording{File: testTrace(), Reason: tc.reason}); err != nil {
			t.Fatal(err)
		}
		f, err := trace.ReadFile(job.Trace)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Target.Container.Unseen; strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("reason %s, exec %v: unseen %q, want %q", tc.reason, tc.exec, got, tc.want)
		}
	}
	dir := t.TempDir()
	job, err := PlanJob(&State{ID: "c1", Pid: 42}, HookOptions{OutputDir: dir, Runtime: "runc", Trace: true})
	if err != nil {
		t.Fatal(err)
	}
	f := testTrace()
	f.Syscalls = nil
	if err := Finish(job, &recorder.Recording{File: f, Reason: "exit"}); err == nil || !strings.Contains(err.Error(), "nothing written") {
		t.Errorf("Finish of a recording with no syscall: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("written: %v", ents)
	}
}
