package container_test

import (
	"os"
	"os/exec"
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
	setHook(b, []string{sg, "hook", "--log", log, "--allow-path", dir}, map[string]string{container.Annotation: "if:" + base + ";of:" + ext})
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

// if: with a default-allow base that denies one persona: an extending run
// that never calls personality keeps the denial (runc answers EINVAL as
// under the base); a run that used that very persona gets it allowed.
func TestHookExtendKeepsConditionalDenial(t *testing.T) {
	requireRuntimes(t, "gcc")
	sg := buildSG(t)
	b := newBundle(t)
	if out, err := exec.Command("gcc", "-static", "-O2", "-o", filepath.Join(b.Rootfs, "argprobe"),
		filepath.Join("..", "internal", "runtimetest", "testdata", "argprobe.c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	dir := t.TempDir()
	base := filepath.Join(dir, "base.json")
	if err := os.WriteFile(base, []byte(`{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
	  {"names":["reboot"],"action":"SCMP_ACT_ERRNO"},
	  {"names":["personality"],"action":"SCMP_ACT_ERRNO","errnoRet":22,"args":[{"index":0,"value":262144,"op":"SCMP_CMP_EQ"}]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	exts := map[string]string{}
	for name, args := range map[string][]string{"quiet": {"sh", "-c", "echo hi"}, "probe": {"/argprobe", "probe"}} {
		exts[name] = filepath.Join(dir, name+".json")
		b.SetSeccomp(nil)
		b.SetArgs(args...)
		setHook(b, []string{sg, "hook", "--log", filepath.Join(dir, "hook.log"), "--allow-path", dir},
			map[string]string{container.Annotation: "if:" + base + ";of:" + exts[name]})
		if rec, err := b.Run(ctx(t), "runc"); err != nil || rec.ExitCode != 0 {
			t.Fatalf("recorded run %v: %v %v", args, rec, err)
		}
		waitFile(t, exts[name])
		waitNoRecorders(t, sg)
	}
	setHook(b, nil, nil)
	b.SetArgs("/argprobe", "probe")
	for name, want := range map[string]string{"base": "personality_0x40000=22\n", "quiet": "personality_0x40000=22\n", "probe": "personality_0x40000=0\n"} {
		path := base
		if name != "base" {
			path = exts[name]
		}
		_, obj := readProfile(t, path)
		b.SetSeccomp(obj)
		res, err := b.Run(ctx(t), "runc")
		if err != nil || !strings.Contains(res.Stdout, want) {
			t.Errorf("argprobe probe under %s: %v %v, want %q", name, res, err, want)
		}
	}
}
