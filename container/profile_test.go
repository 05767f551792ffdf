package container

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

func testTrace() *trace.File {
	return &trace.File{
		Version: trace.Version,
		Target:  trace.Target{PID: 7, Container: &trace.Container{ID: "c", Mode: "hook"}},
		Host:    trace.Host{Arch: trace.ArchX86_64},
		Syscalls: []trace.Syscall{
			{Arch: trace.ArchX86_64, Nr: 59, Name: "execve", Count: 1},
			{Arch: trace.ArchX86_64, Nr: 63, Name: "uname", Count: 1},
			{Arch: trace.ArchX86_64, Nr: 231, Name: "exit_group", Count: 1},
		},
	}
}

// The runtime's own baseline is added: crun's for crun, runc's for runc.
func TestProfileAddsRuntimeBaseline(t *testing.T) {
	for _, rt := range []string{"runc", "crun", ""} {
		_, res, err := Profile(testTrace(), ProfileOptions{Runtime: rt})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{"runc": {"process", "runc"}, "crun": {"process", "crun"}, "": {"process", "runc", "crun"}}[rt]
		if len(res.Baselines) != len(want) {
			t.Errorf("%q: baselines %v, want %v", rt, res.Baselines, want)
		}
		if v := res.Policy.Lookup("uname"); v.Action != policy.ActAllow {
			t.Errorf("%q: uname not allowed", rt)
		}
	}
}

// if: extends a profile: what it allowed unconditionally stays allowed,
// and so do the calls its argument-conditional rules allow.
func TestProfileExtendsInput(t *testing.T) {
	in, p := readInputJSON(t, `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
	  {"names":["flock","getpid"],"action":"SCMP_ACT_ALLOW"},
	  {"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":0,"op":"SCMP_CMP_EQ"}]}]}`)
	data, _, err := Profile(testTrace(), ProfileOptions{Runtime: "runc", Input: p, InputName: in})
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := emit.Parse("out", data)
	if err != nil {
		t.Fatal(err)
	}
	for name, allowed := range map[string]bool{"flock": true, "getpid": true, "uname": true, "reboot": false} {
		if got := out.Allows(name); got != allowed {
			t.Errorf("%s allowed=%v, want %v", name, got, allowed)
		}
	}
	for persona, allowed := range map[uint64]bool{0: true, 8: false} {
		if got := out.Eval("personality", [6]uint64{persona}).Action == policy.ActAllow; got != allowed {
			t.Errorf("personality(%#x) allowed=%v, want %v", persona, got, allowed)
		}
	}
}

// A deny list extended (if:) by a container that used every syscall it
// denies would allow every syscall, which seccomp-gen's reader refuses
// (check, replay, lint, a later if:): the hook writes no such file and
// says why. (It wrote it.)
func TestProfileExtendsToAllowAll(t *testing.T) {
	in, p := readInputJSON(t, `{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
	  {"names":["uname"],"action":"SCMP_ACT_ERRNO"}]}`)
	data, _, err := Profile(testTrace(), ProfileOptions{Runtime: "runc", Input: p, InputName: in})
	if err == nil || !strings.Contains(err.Error(), "would allow every syscall") || data != nil {
		t.Fatalf("got %d bytes, error %v; want no profile and an error saying it would allow every syscall", len(data), err)
	}
	// A trace that leaves a denial standing still extends it.
	f := testTrace()
	f.Syscalls = slices.DeleteFunc(f.Syscalls, func(s trace.Syscall) bool { return s.Name == "uname" })
	data, _, err = Profile(f, ProfileOptions{Runtime: "runc", Input: p, InputName: in})
	if err != nil {
		t.Fatal(err)
	}
	if out, _, err := emit.Parse("out", data); err != nil || out.Allows("uname") {
		t.Errorf("extended without uname: %v, uname allowed %v", err, err == nil && out.Allows("uname"))
	}
}

// readInputJSON writes prof as an input profile (if:) in a temporary
// directory and reads it as the hook does.
func readInputJSON(t *testing.T, prof string) (string, *policy.Policy) {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in.json")
	if err := os.WriteFile(in, []byte(prof), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := ReadInput(in, nil, []string{filepath.Dir(in)}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return in, p
}

// Docker's own default (moby/profiles v0.2.4) names syscalls libseccomp
// 2.5.4 does not know (mseal, listmount, ...): as if: it fails the start
// with a way out; with --allow-unknown-syscalls they are dropped, as runc
// and crun drop them, and the log is told which.
func TestReadInputUnknownNames(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "profiles", "moby-default-v0.2.4.json"))
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "base.json")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	dirs := []string{filepath.Dir(in)}
	_, err = ReadInput(in, nil, dirs, false, nil)
	var unknown *emit.UnknownSyscallsError
	if !errors.As(err, &unknown) || !strings.Contains(err.Error(), "--allow-unknown-syscalls") {
		t.Skipf("this libseccomp knows every name of Docker's default, or refuses it otherwise: %v", err)
	}
	var warned []error
	p, err := ReadInput(in, nil, dirs, true, func(err error) { warned = append(warned, err) })
	if err != nil {
		t.Fatalf("with allowUnknown: %v", err)
	}
	if len(warned) != 1 || !strings.Contains(warned[0].Error(), unknown.Names[0].Name) {
		t.Errorf("warnings %v, want one naming %s", warned, unknown.Names[0].Name)
	}
	if len(p.Rules) == 0 {
		t.Error("nothing read")
	}
}
