package container

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit"
)

func TestBundleCaps(t *testing.T) {
	for _, tc := range []struct {
		config string
		want   []string
	}{
		{`{"process":{"capabilities":{"bounding":["CAP_KILL","CAP_SYS_PTRACE","CAP_KILL"],"effective":["CAP_KILL"]}}}`, []string{"CAP_KILL", "CAP_SYS_PTRACE"}},
		// Capabilities without a bounding set: runc drops them all.
		{`{"process":{"capabilities":{"effective":["CAP_KILL"]}}}`, []string{}},
		// No capabilities: the runtime leaves root's set alone.
		{`{"process":{"args":["sh"]}}`, emit.Capabilities},
		{`{}`, emit.Capabilities},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(tc.config), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := BundleCaps(dir)
		if err != nil || got == nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v %v, want %v", tc.config, got, err, tc.want)
		}
	}
	if _, err := BundleCaps(t.TempDir()); err == nil || !strings.Contains(err.Error(), "config.json: does not exist") {
		t.Errorf("no config.json: %v", err)
	}
}

// The hook refuses an if: it cannot resolve for the container: without
// config.json it would silently assume Docker's default capabilities.
func TestPlanJobNeedsCapsForInput(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base.json")
	if err := os.WriteFile(base, []byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["chroot"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_CHROOT"]}}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &State{ID: "c1", Pid: 1, Bundle: filepath.Join(dir, "bundle"), Annotations: map[string]string{Annotation: "if:" + base + ";of:" + filepath.Join(dir, "out.json")}}
	if _, err := PlanJob(s, HookOptions{Runtime: "runc", AllowPaths: []string{dir}}); err == nil || !strings.Contains(err.Error(), "container c1: if:"+base+" is resolved for the container's capabilities: bundle config") {
		t.Fatalf("PlanJob without config.json: %v", err)
	}
	if err := os.MkdirAll(s.Bundle, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.Bundle, "config.json"), []byte(`{"process":{"capabilities":{"bounding":["CAP_SYS_CHROOT"]}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	job, err := PlanJob(s, HookOptions{Runtime: "runc", AllowPaths: []string{dir}})
	if err != nil || !slices.Equal(job.Caps, []string{"CAP_SYS_CHROOT"}) {
		t.Fatalf("PlanJob: %+v %v", job, err)
	}
	p, err := ReadInput(base, job.Caps, job.Allow, false, nil)
	if err != nil || !p.Allows("chroot") {
		t.Errorf("chroot not kept for a container with CAP_SYS_CHROOT: %v", err)
	}
	p, err = ReadInput(base, []string{}, job.Allow, false, nil)
	if err != nil || p.Allows("chroot") {
		t.Errorf("chroot kept for a container without capabilities: %v", err)
	}
}
