package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// TestCheckUnchecked: check of a trace that holds no argument values (a
// version 1 trace) against a profile that allows clone only for some flags
// (every generated profile: the namespace bits, as Docker does) is not a
// pass: a clone the profile denies may have been made. It exits 1 saying
// which argument is unknown, the JSON report has passed false and the
// reason; --allow-incomplete accepts it (exit 0). Before, it passed with a
// note (found by an audit).
func TestCheckUnchecked(t *testing.T) {
	dir := t.TempDir()
	tr := genTrace(t, "busybox-sh-pipe.yaml")
	prof := filepath.Join(dir, "p.json")
	if _, stderr, code := sg(t, dir, "generate", "-o", prof, tr); code != 0 {
		t.Fatalf("generate: exit %d %s", code, stderr)
	}
	rep := filepath.Join(dir, "r.json")
	_, stderr, code := sg(t, dir, "check", "-p", prof, "--report", "json", "-o", rep, tr)
	want := "seccomp-gen: check: incomplete, the profile allows x86_64/clone by its flags (argument 0) only for some values"
	if code != exitFailure || !strings.Contains(stderr, want) {
		t.Fatalf("check: exit %d, want %d and %q; stderr:\n%s", code, exitFailure, want, stderr)
	}
	var v struct {
		OK       bool   `json:"ok"`
		Passed   bool   `json:"passed"`
		RunError string `json:"run_error"`
	}
	data, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	if !v.OK || v.Passed || !strings.Contains(v.RunError, "incomplete") {
		t.Errorf("report: ok %v passed %v run_error %q; want ok, not passed, incomplete", v.OK, v.Passed, v.RunError)
	}
	if _, stderr, code := sg(t, dir, "check", "--allow-incomplete", "-p", prof, tr); code != 0 {
		t.Errorf("check --allow-incomplete: exit %d; stderr:\n%s", code, stderr)
	}
}

// TestReplayUnchecked: a profile that refuses umask(mask) for every mask
// but 022: runc, and replay --enforce, refuse the workload's umask(077);
// the recorder keeps no umask values, so traced replay cannot tell, and
// says the verdict is incomplete (exit 1) instead of passing it (exit 0
// before; found by an audit). --enforce names the denial (exit 3).
func TestReplayUnchecked(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	prof := filepath.Join(dir, "umask.json")
	profile := `{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [
		{"names": ["umask"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 18, "op": "SCMP_CMP_NE"}]}]}`
	if err := os.WriteFile(prof, []byte(profile), 0o644); err != nil {
		t.Fatal(err)
	}
	sh := []string{"--", "/bin/sh", "-c", "umask 077"}
	_, stderr, code := sg(t, dir, append([]string{"replay", "-p", prof}, sh...)...)
	if want := "incomplete, the profile allows x86_64/umask by its argument 0 only for some values"; code != exitFailure || !strings.Contains(stderr, want) {
		t.Errorf("replay: exit %d, want %d and %q; stderr:\n%s", code, exitFailure, want, stderr)
	}
	if _, stderr, code := sg(t, dir, append([]string{"replay", "--allow-incomplete", "-p", prof}, sh...)...); code != 0 {
		t.Errorf("replay --allow-incomplete: exit %d; stderr:\n%s", code, stderr)
	}
	if out, stderr, code := sg(t, dir, append([]string{"replay", "--enforce", "-p", prof}, sh...)...); code != 3 || !strings.Contains(out, "umask") {
		t.Errorf("replay --enforce: exit %d, want 3 naming umask; stdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
}

// TestCheckFilteredContainerTrace: a trace of a container that ran under a
// seccomp filter (target.container.unseen says so) holds none of the calls
// the filter denied, so check refuses it as it refuses lost events (exit
// 2), as replay refuses a pass for such a container; --allow-incomplete
// checks it anyway. Before, check passed it silently (found by an audit).
func TestCheckFilteredContainerTrace(t *testing.T) {
	dir := t.TempDir()
	f, err := trace.ReadFile(genTrace(t, "busybox-ls.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	prof := filepath.Join(dir, "p.json")
	if _, stderr, code := sg(t, dir, "generate", "-o", prof, genTrace(t, "busybox-ls.yaml")); code != 0 {
		t.Fatalf("generate: exit %d %s", code, stderr)
	}
	f.Target = trace.Target{Cgroup: "/sys/fs/cgroup/unified/c1", Container: &trace.Container{ID: "c1", Runtime: "runc", Mode: "cgroup",
		Unseen: []string{"start-up before attaching", trace.UnseenFiltered}}}
	tr := filepath.Join(dir, "ctr.trace.yaml")
	if err := trace.WriteFile(tr, f); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := sg(t, dir, "check", "-p", prof, tr)
	if want := "incomplete, its container ran under a seccomp filter"; code != exitUsage || !strings.Contains(stderr, want) {
		t.Errorf("check: exit %d, want %d and %q; stderr:\n%s", code, exitUsage, want, stderr)
	}
	if _, stderr, code := sg(t, dir, "check", "--allow-incomplete", "-p", prof, tr); code != 0 {
		t.Errorf("check --allow-incomplete: exit %d; stderr:\n%s", code, stderr)
	}
}
