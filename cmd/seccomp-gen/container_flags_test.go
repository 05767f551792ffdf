package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// An empty --container (--container "$ID" with ID unset) is a usage error
// that says so; it was taken for no --container, and the error blamed
// --runtime and --root.
func TestContainerEmptyID(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"trace", "--container", "", "--root", dir, "-o", filepath.Join(dir, "t.yaml")},
		{"trace", "--container=", "-o", filepath.Join(dir, "t.yaml")},
	} {
		_, stderr, code := sg(t, dir, args...)
		if code != exitUsage || stderr != "seccomp-gen: trace: --container: the container ID is empty\n" {
			t.Errorf("%q: exit %d, stderr %q; want 2 and the empty ID named", args, code, stderr)
		}
	}
}

// An empty --cgroup, --runtime or --root is a usage error too, in trace and
// replay: --cgroup= was taken for no --cgroup, and traced the command after
// "--" instead (exit 0), or said only that no target was named.
func TestTargetEmptyFlags(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "t.yaml")
	prof := filepath.Join(dir, "p.json")
	if err := os.WriteFile(prof, []byte(`{"defaultAction":"SCMP_ACT_ALLOW"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"trace", "--cgroup=", "-o", out, "--", "true"}, "trace: --cgroup: the path is empty"},
		{[]string{"trace", "--cgroup", "", "-o", out}, "trace: --cgroup: the path is empty"},
		{[]string{"replay", "-p", prof, "--cgroup=", "--", "true"}, "replay: --cgroup: the path is empty"},
		{[]string{"trace", "--container", "c1", "--runtime=", "-o", out}, "trace: --runtime: empty"},
		{[]string{"replay", "-p", prof, "--container", "c1", "--root=", "--", "true"}, "replay: --root: empty"},
		{[]string{"trace", "--runtime=", "-o", out, "--", "true"}, "trace: --runtime: empty"},
	} {
		_, stderr, code := sg(t, dir, c.args...)
		if code != exitUsage || !strings.HasPrefix(stderr, "seccomp-gen: "+c.want) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", c.args, code, stderr, exitUsage, c.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a refused command line wrote %s", out)
	}
}

// An ID that starts with "-" reaches the runtime after "--", as an ID and
// never as one of its options: --container=-h ran `runc state -h`, whose
// help text was then read as JSON ("invalid character 'N' looking for
// beginning of value").
func TestContainerIDAfterDashDash(t *testing.T) {
	dir := t.TempDir()
	bin := t.TempDir()
	for _, rt := range []string{"runc", "crun", "docker", "podman"} {
		script := "#!/bin/sh\nprintf '%s\\n' \"$@\" >> " + filepath.Join(dir, rt+".args") + "\necho 'no such container' >&2\nexit 1\n"
		if err := os.WriteFile(filepath.Join(bin, rt), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin+":"+os.Getenv("PATH"))
	for _, rt := range []string{"runc", "crun", "docker", "podman"} {
		_, stderr, code := sg(t, dir, "trace", "--container=-h", "--runtime", rt, "-o", filepath.Join(dir, "t.yaml"))
		if code != exitUsage || !strings.Contains(stderr, "no such container") {
			t.Errorf("%s: exit %d, stderr %q; want 2 and the tool's error", rt, code, stderr)
		}
		data, err := os.ReadFile(filepath.Join(dir, rt+".args"))
		if err != nil {
			t.Fatalf("%s was not run: %v", rt, err)
		}
		// Each call the tool got with the ID: "--" right before it.
		for _, call := range strings.SplitAfter(string(data), "-h\n") {
			if strings.Contains(call, "-h\n") && !strings.HasSuffix(call, "\n--\n-h\n") {
				t.Errorf("%s got the ID as an option: %q", rt, data)
			}
		}
	}
}

// The real runc says the container does not exist.
func TestContainerDashIDRunc(t *testing.T) {
	testutil.RequireTool(t, "runc")
	dir := t.TempDir()
	_, stderr, code := sg(t, dir, "trace", "--container=-h", "--root", dir, "-o", filepath.Join(dir, "t.yaml"))
	if code != exitUsage || !strings.Contains(stderr, "container -h: runc state: container does not exist") {
		t.Errorf("exit %d, stderr %q; want 2 and runc's 'container does not exist'", code, stderr)
	}
}

// Help says what --cgroup and --container record of a container: a
// plain --cgroup records a runtime's set-up of an exec (runc:[2:INIT]'s
// capset, keyctl, ...), which generate refuses, so it points container
// users to --container; --container records execs only with a cgroup of
// the container's own (not in mode pid). trace --help called --cgroup
// "how a container is traced", and --container's flag said execs are
// always recorded.
func TestContainerHelp(t *testing.T) {
	dir := t.TempDir()
	words := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	out, _, code := sg(t, dir, "trace", "--help")
	help := words(out)
	if code != 0 || strings.Contains(help, "how a container is traced") ||
		!strings.Contains(help, "For a container, use --container") || !strings.Contains(help, "runc:[2:INIT]") ||
		!strings.Contains(help, "(mode pid): execs are not seen") {
		t.Errorf("trace --help (exit %d) does not say what --cgroup and --container record of a container:\n%s", code, out)
	}
	for _, c := range []string{"trace", "replay"} {
		out, _, _ := sg(t, dir, c, "--help")
		if !strings.Contains(words(out), "later execs included; with no cgroup of its own, as under crun --cgroup-manager=disabled, its init process and descendants, without execs") {
			t.Errorf("%s --help: --container does not say execs are not recorded in mode pid:\n%s", c, out)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if r := words(string(readme)); strings.Contains(r, "how a container is traced") || !strings.Contains(r, "For a container use --container") {
		t.Errorf("README still calls --cgroup how a container is traced")
	}
}
