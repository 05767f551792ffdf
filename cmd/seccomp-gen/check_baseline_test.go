package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// argsTrace is a trace whose recorded arguments were recorded: prctl's
// option, fcntl's cmd and tgkill's signal, which the runc baseline lists
// values for (profiles/baselines/runc.yaml, args).
const argsTrace = `version: 1
target: {command: [app]}
host: {kernel: 6.18.0, arch: x86_64}
started: 2026-12-02T06:00:00Z
duration: 0.010s
exit_code: 0
lost: 0
processes: 1
syscalls:
  - {arch: x86_64, nr: 0, name: read, count: 3}
  - {arch: x86_64, nr: 1, name: write, count: 1}
  - {arch: x86_64, nr: 59, name: execve, count: 1}
  - {arch: x86_64, nr: 72, name: fcntl, count: 2, args: [{index: 1, values: [1]}, {index: 2, values: []}]}
  - {arch: x86_64, nr: 157, name: prctl, count: 1, args: [{index: 0, values: [15]}]}
  - {arch: x86_64, nr: 231, name: exit_group, count: 1}
  - {arch: x86_64, nr: 234, name: tgkill, count: 1, args: [{index: 2, values: [23]}]}
`

// check --baseline requires the runtime's argument values too, as generate
// allows them (the baseline's args): a profile generated with that baseline
// from the same trace covers it, with a complete verdict; one generated
// without it does not, and the report names a value runc passes.
func TestCheckBaselineArgs(t *testing.T) {
	dir := t.TempDir()
	tr := filepath.Join(dir, "app.trace.yaml")
	if err := os.WriteFile(tr, []byte(argsTrace), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, base := range []string{"runc", "crun"} {
		if _, stderr, code := sg(t, dir, "generate", "--baseline", base, "-o", base+".json", tr); code != 0 {
			t.Fatalf("generate --baseline %s: exit %d: %s", base, code, stderr)
		}
		out, stderr, code := sg(t, dir, "check", "--baseline", base, "-p", base+".json", tr)
		if code != 0 {
			t.Errorf("check --baseline %s of the profile generated with it: exit %d, want 0:\n%s%s", base, code, out, stderr)
		}
		if strings.Contains(out+stderr, "not all recorded") {
			t.Errorf("check --baseline %s: the verdict depends on unknown values:\n%s%s", base, out, stderr)
		}
	}
	// Without the baseline the fcntl rule allows F_GETFD (1) only: runc's
	// F_SETFD (2), F_GETFL (3), F_SETFL (4) and F_DUPFD_CLOEXEC (1030) are
	// denied.
	if _, stderr, code := sg(t, dir, "generate", "--baseline", "none", "-o", "none.json", tr); code != 0 {
		t.Fatalf("generate --baseline none: exit %d: %s", code, stderr)
	}
	out, stderr, code := sg(t, dir, "check", "--baseline", "runc", "-p", "none.json", tr)
	if code != exitNotCovered {
		t.Fatalf("check --baseline runc of a profile without it: exit %d, want %d:\n%s%s", code, exitNotCovered, out, stderr)
	}
	if !strings.Contains(out, "fcntl") || !strings.Contains(out, "baseline:runc") {
		t.Errorf("the report does not name runc's fcntl values:\n%s", out)
	}
}

// A --baseline that does not exist (a comma list, a missing file) is a
// usage error before replay runs the command: it was found after the whole
// run, with no report written.
func TestReplayBadBaselineFirst(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.json"), []byte(`{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ base, want string }{
		{"runc,crun", "repeat the flag"},
		{filepath.Join(dir, "missing.yaml"), "missing.yaml"},
	} {
		_, stderr, code := sg(t, dir, "replay", "-p", "p.json", "--baseline", c.base, "--report", "junit", "-o", "r.xml", "--", "sh", "-c", "touch ran")
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("--baseline %s: exit %d, want %d naming %q:\n%s", c.base, code, exitUsage, c.want, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "ran")); err == nil {
			t.Fatalf("--baseline %s: the command ran", c.base)
		}
	}
}
