package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// seccomp-gen in a PID namespace of its own, as in a container or under
// `unshare --pid`: the command is traced as on the host. The programs saw
// task->tgid, the initial namespace's ID, where the tracer armed its
// stub's ID in its own namespace: the command ran untraced, no trace was
// written, trace exited 0 without a word and traced replay said the
// command "could not be executed" (exit 4). A --pid target was counted
// twice (its procs key is its initial namespace's ID), and an executable
// exec'd by a relative name was not identified (/proc/TGID/cwd of an ID
// that means another process, or none, here).
func TestTraceInPIDNamespace(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "unshare", "sh")
	dir := t.TempDir()
	prog, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mytrue"), prog, 0o755); err != nil {
		t.Fatal(err)
	}
	ns := []string{"unshare", "--pid", "--fork", "--mount-proc"}

	out := filepath.Join(dir, "t.yaml")
	_, stderr, code := sgVia(t, dir, nil, ns, "trace", "-o", out, "--", "sh", "-c", "./mytrue; exit 5")
	if code != 5 {
		t.Fatalf("trace in a PID namespace: exit %d, want the command's 5; stderr:\n%s", code, stderr)
	}
	f, err := trace.ReadFile(out)
	if err != nil {
		t.Fatalf("trace in a PID namespace wrote no trace: %v; stderr:\n%s", err, stderr)
	}
	names := map[string]bool{}
	for _, s := range f.Syscalls {
		names[s.Name] = true
	}
	for _, want := range []string{"execve", "wait4", "exit_group"} {
		if !names[want] {
			t.Errorf("trace in a PID namespace lacks %s; it has %v", want, names)
		}
	}
	if f.Processes != 2 {
		t.Errorf("trace in a PID namespace: processes %d, want 2 (sh and ./mytrue)", f.Processes)
	}
	// Made absolute in its working directory, through /proc/TGID/cwd.
	if !identifiedIn(f, filepath.Join(dir, "mytrue")) {
		t.Errorf("./mytrue, exec'd in a PID namespace, not identified: %+v", f.Executables)
	}

	// Traced replay, the same recorder: the run is checked, not "not run".
	prof := filepath.Join(dir, "p.json")
	if _, stderr, code := sg(t, dir, "generate", "-o", prof, out); code != 0 {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	stdout, stderr, code := sgVia(t, dir, nil, ns, "replay", "-p", prof, "--", "sh", "-c", "./mytrue; exit 0")
	if code != 0 {
		t.Errorf("replay in a PID namespace: exit %d, want 0; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	// A command whose processes run in a namespace nested in the
	// tracer's (the workload's own unshare, runc inside a container):
	// its executables are identified there too, through their IDs in
	// the tracer's namespace.
	nested := filepath.Join(dir, "nested.yaml")
	_, stderr, code = sgVia(t, dir, nil, ns, "trace", "-o", nested, "--", "unshare", "--pid", "--fork", "sh", "-c", "./mytrue")
	if code != 0 {
		t.Fatalf("trace of a nested namespace: exit %d\n%s", code, stderr)
	}
	nf, err := trace.ReadFile(nested)
	if err != nil {
		t.Fatal(err)
	}
	if !identifiedIn(nf, filepath.Join(dir, "mytrue")) || nf.Processes != 3 {
		t.Errorf("trace of a nested namespace: processes %d (want 3: unshare, sh, ./mytrue), executables %+v", nf.Processes, nf.Executables)
	}

	// --pid of a process of the namespace, and of one in a namespace
	// nested in it: one process (the loop runs builtins only), not two.
	for _, c := range []struct{ name, script string }{
		{"same", `while :; do read x </dev/null; done & exec "$0" "$@" --pid $!`},
		{"nested", `unshare --pid --fork sh -c 'while :; do read x </dev/null; done' & ` +
			`while [ -z "$(cat /proc/$!/task/$!/children)" ]; do sleep 0.01; done; exec "$0" "$@" --pid $(cat /proc/$!/task/$!/children)`},
	} {
		pidOut := filepath.Join(dir, c.name+".yaml")
		_, stderr, code = sgVia(t, dir, nil, append(ns, "sh", "-c", c.script), "trace", "--duration", "1s", "-o", pidOut)
		if code != 0 {
			t.Fatalf("trace --pid in a PID namespace (%s): exit %d\n%s", c.name, code, stderr)
		}
		pf, err := trace.ReadFile(pidOut)
		if err != nil {
			t.Fatal(err)
		}
		reads := false
		for _, s := range pf.Syscalls {
			reads = reads || (s.Name == "openat" && s.Count > 0)
		}
		if !reads || pf.Processes != 1 {
			t.Errorf("trace --pid in a PID namespace (%s): processes %d (want 1), openat counted %v; stderr:\n%s", c.name, pf.Processes, reads, strings.TrimSpace(stderr))
		}
	}
}

// Under unshare --pid without --mount-proc, /proc is the parent
// namespace's: the target's number there is another process, whose
// executable the trace named. --pid and --cgroup refuse it, saying how
// to mount this namespace's (the in-container review).
func TestTracePIDForeignProc(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "unshare", "sh", "sleep")
	dir := t.TempDir()
	_, stderr, code := sgVia(t, dir, nil, []string{"unshare", "--pid", "--fork", "sh", "-c", `sleep 5 & exec "$0" "$@" --pid $!`},
		"trace", "--duration", "1s", "-o", filepath.Join(dir, "t.yaml"))
	if want := "/proc is not this PID namespace's"; code != exitFailure || !strings.Contains(stderr, want) {
		t.Errorf("trace --pid with the parent namespace's /proc: exit %d, want %d and %q; stderr:\n%s", code, exitFailure, want, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "t.yaml")); err == nil {
		t.Error("a trace was written")
	}
	// A command needs no /proc of its own (executables are checked by
	// their file's identity).
	if _, stderr, code := sgVia(t, dir, nil, []string{"unshare", "--pid", "--fork"}, "trace", "-o", filepath.Join(dir, "c.yaml"), "--", "true"); code != 0 {
		t.Errorf("trace -- true with the parent namespace's /proc: exit %d\n%s", code, stderr)
	}
}

// identifiedIn reports whether f lists the executable path with its
// build ID.
func identifiedIn(f *trace.File, path string) bool {
	for _, e := range f.Executables {
		if e.Path == path && e.BuildID != "" {
			return true
		}
	}
	return false
}

// In a user namespace root's capabilities do not reach bpf(2): trace says
// so up front (it said root lacked nothing, then failed creating a map
// with cilium/ebpf's MEMLOCK advice).
func TestTraceInUserNamespace(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "unshare")
	dir := t.TempDir()
	_, stderr, code := sgVia(t, dir, nil, []string{"unshare", "--user", "--map-root-user"}, "trace", "-o", filepath.Join(dir, "t.yaml"), "--", "true")
	if want := "permission denied: in a user namespace (uid_map 0 0 1), whose capabilities do not reach bpf(2)"; code != exitFailure || !strings.Contains(stderr, want) || strings.Contains(stderr, "MEMLOCK") {
		t.Errorf("trace in a user namespace: exit %d, want %d and %q; stderr:\n%s", code, exitFailure, want, stderr)
	}
}
