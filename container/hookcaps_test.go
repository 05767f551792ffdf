package container_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/container"
	"github.com/seccomp-gen/seccomp-gen/policy"
)

// if: resolves the base profile's conditional entries for the container's
// bounding capabilities, read from its config.json (runc spec's set with
// CAP_SYS_PTRACE added and CAP_AUDIT_WRITE dropped), not for Docker's
// default set.
func TestHookExtendResolvesContainerCaps(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	dir := t.TempDir()
	base, ext := filepath.Join(dir, "base.json"), filepath.Join(dir, "ext.json")
	// Each entry is kept for exactly one of the two sets.
	prof := `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
	  {"names":["ptrace"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_PTRACE"]}},
	  {"names":["chroot"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_CHROOT"]}},
	  {"names":["acct"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_AUDIT_WRITE"]}},
	  {"names":["syslog"],"action":"SCMP_ACT_ALLOW","excludes":{"caps":["CAP_SYS_PTRACE"]}}]}`
	if err := os.WriteFile(base, []byte(prof), 0o644); err != nil {
		t.Fatal(err)
	}
	b := newBundle(t)
	process := b.Config["process"].(map[string]any)
	capsObj := process["capabilities"].(map[string]any)
	var bounding []string
	for _, c := range capsObj["bounding"].([]any) {
		if c != "CAP_AUDIT_WRITE" {
			bounding = append(bounding, c.(string))
		}
	}
	if len(bounding) != 2 {
		t.Fatalf("the premise fails: runc spec's bounding set is %v, want CAP_AUDIT_WRITE and two more", capsObj["bounding"])
	}
	bounding = append(bounding, "CAP_SYS_PTRACE")
	for _, set := range []string{"bounding", "effective", "permitted"} {
		capsObj[set] = bounding
	}
	delete(capsObj, "ambient")
	log := filepath.Join(dir, "hook.log")
	b.SetArgs("sh", "-c", "echo hi")
	setHook(b, []string{sg, "hook", "--log", log}, map[string]string{container.Annotation: "if:" + base + ";of:" + ext})
	if rec, err := b.Run(ctx(t), "runc"); err != nil || rec.ExitCode != 0 {
		t.Fatalf("recorded run: %v %v", rec, err)
	}
	waitFile(t, ext)
	waitNoRecorders(t, sg)
	p, _ := readProfile(t, ext)
	for name, want := range map[string]bool{"ptrace": true, "chroot": false, "acct": false, "syslog": false} {
		if got := p.Lookup(name).Action == policy.ActAllow; got != want {
			t.Errorf("%s allowed=%v, want %v (the container's bounding set is %v)", name, got, want, bounding)
		}
	}
	data, _ := os.ReadFile(log)
	if say := "resolved for the container's bounding capabilities (" + strings.Join(bounding, ",") + ")"; !strings.Contains(string(data), say) {
		t.Errorf("the hook's log does not say which capabilities: %q, want %q", data, say)
	}
}
