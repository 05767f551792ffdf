package emit

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seccomp-gen/seccomp-gen/internal/golden"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

const goldenDir = "../testdata/golden"

// fixture is a reducer-style policy: default ERRNO(ENOSYS), an allow list
// with a comment, an explicit EPERM rule, and an argument condition. Rules
// are deliberately unsorted.
func fixture() *policy.Policy {
	return &policy.Policy{
		DefaultAction: policy.ActErrno,
		DefaultErrno:  policy.Errno(policy.ENOSYS),
		Arches:        []string{"x86_64", "x86"},
		Rules: []policy.Rule{
			{Names: []string{"ptrace", "mount", "getppid"}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM), Comment: "known, not observed"},
			{Names: []string{"write", "read", "exit_group", "openat", "close", "read"}, Action: policy.ActAllow, Comment: "observed in app.trace.yaml"},
			{Names: []string{"rt_sigreturn", "exit"}, Action: policy.ActAllow, Comment: "baseline: runc"},
			{Names: []string{"personality"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 0xffffffff, Op: policy.OpEqualTo}}},
			{Names: []string{"socketcall"}, Action: policy.ActAllow, Comment: "observed in app.trace.yaml"},
		},
	}
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join(goldenDir, name), got)
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		file string
		f    Format
	}{
		{"docker.json", FormatDocker},
		{"oci.json", FormatOCI},
		{"k8s.yaml", FormatSPO},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := Write(fixture(), tc.f, Options{Name: "app"})
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.file, got)
		})
	}
	t.Run("kubelet", func(t *testing.T) {
		k, err := Kubelet(fixture())
		if err != nil {
			t.Fatal(err)
		}
		d, _ := Docker(fixture())
		if !bytes.Equal(k, d) {
			t.Error("kubelet localhost/ JSON differs from the Docker JSON")
		}
	})
	t.Run("oci-config.json", func(t *testing.T) {
		got, err := SetOCISeccomp([]byte(ociConfig), fixture())
		if err != nil {
			t.Fatal(err)
		}
		checkGolden(t, "oci-config.json", got)
	})
}

func TestDeterministic(t *testing.T) {
	a := fixture()
	b := fixture()
	// reverse rules and names: the same policy, written differently
	for i, j := 0, len(b.Rules)-1; i < j; i, j = i+1, j-1 {
		b.Rules[i], b.Rules[j] = b.Rules[j], b.Rules[i]
	}
	for _, r := range b.Rules {
		for i, j := 0, len(r.Names)-1; i < j; i, j = i+1, j-1 {
			r.Names[i], r.Names[j] = r.Names[j], r.Names[i]
		}
	}
	for _, f := range WriteFormats {
		x, err := Write(a, f, Options{})
		if err != nil {
			t.Fatal(err)
		}
		y, err := Write(b, f, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s: the same policy in another order gives other bytes:\n%s\n%s", f, x, y)
		}
	}
	if !reflect.DeepEqual(a, fixture()) {
		t.Error("writers modified the caller's policy")
	}
}

func canonical(p *policy.Policy, dropComments, dropDefaultErrno bool) *policy.Policy {
	c := clone(p)
	if dropComments {
		for i := range c.Rules {
			c.Rules[i].Comment = ""
		}
	}
	if dropDefaultErrno {
		c.DefaultErrno = nil
	}
	c.Canonicalize()
	return c
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		f            Format
		wantFormat   Format
		dropComments bool
		dropErrno    bool
	}{
		{FormatDocker, FormatDocker, false, false},
		{FormatOCI, FormatOCI, true, false},
		// The SPO CRD has no defaultErrnoRet (see the package doc).
		{FormatSPO, FormatSPO, true, true},
	} {
		t.Run(string(tc.f), func(t *testing.T) {
			data, err := Write(fixture(), tc.f, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, f, err := Parse("x", data)
			if err != nil {
				t.Fatal(err)
			}
			if f != tc.wantFormat {
				t.Errorf("format %q, want %q", f, tc.wantFormat)
			}
			want := canonical(fixture(), tc.dropComments, tc.dropErrno)
			if !reflect.DeepEqual(normal(got), normal(want)) {
				t.Errorf("round trip changed the policy:\n got %+v\nwant %+v", normal(got), normal(want))
			}
			again, err := Write(got, tc.f, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, data) {
				t.Errorf("write(read(write(p))) != write(p)")
			}
		})
	}
	t.Run("oci-config", func(t *testing.T) {
		data, err := SetOCISeccomp([]byte(ociConfig), fixture())
		if err != nil {
			t.Fatal(err)
		}
		got, f, err := Parse("config.json", data)
		if err != nil {
			t.Fatal(err)
		}
		if f != FormatOCIConfig {
			t.Errorf("format %q", f)
		}
		if want := canonical(fixture(), true, false); !reflect.DeepEqual(normal(got), normal(want)) {
			t.Errorf("round trip changed the policy:\n got %+v\nwant %+v", normal(got), normal(want))
		}
	})
}

// normal turns empty slices into nil so that DeepEqual compares meaning.
func normal(p *policy.Policy) *policy.Policy {
	c := clone(p)
	if len(c.Flags) == 0 {
		c.Flags = nil
	}
	for i := range c.Rules {
		if len(c.Rules[i].Args) == 0 {
			c.Rules[i].Args = nil
		}
	}
	return c
}

const ociConfig = `{
  "ociVersion": "1.0.2-dev",
  "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["sh", "-c", "echo hi && echo <ok>"], "cwd": "/",
    "capabilities": {"bounding": ["CAP_KILL"]}, "noNewPrivileges": true},
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "runc",
  "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
  "annotations": {"x": "1"},
  "linux": {
    "namespaces": [{"type": "pid"}, {"type": "mount"}],
    "maskedPaths": ["/proc/kcore"],
    "seccomp": {"defaultAction": "SCMP_ACT_ALLOW"}
  }
}`

func TestSetOCIConfigKeepsOtherFields(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, []byte(ociConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := SetOCIConfig(path, fixture()); err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var before, after map[string]any
	if err := json.Unmarshal([]byte(ociConfig), &before); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &after); err != nil {
		t.Fatal(err)
	}
	secAfter := after["linux"].(map[string]any)["seccomp"]
	delete(before["linux"].(map[string]any), "seccomp")
	delete(after["linux"].(map[string]any), "seccomp")
	if !reflect.DeepEqual(before, after) {
		t.Errorf("fields other than linux.seccomp changed:\nbefore %v\nafter  %v", before, after)
	}
	if !strings.Contains(string(out), `"echo hi && echo <ok>"`) {
		t.Errorf("strings in other fields were re-escaped:\n%s", out)
	}
	if secAfter.(map[string]any)["defaultAction"] != "SCMP_ACT_ERRNO" {
		t.Errorf("linux.seccomp not replaced: %v", secAfter)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 kept", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	// a file that is not an OCI config is refused and left alone
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"defaultAction":"SCMP_ACT_ALLOW"}`), 0o644)
	if err := SetOCIConfig(bad, fixture()); err == nil || !strings.Contains(err.Error(), "ociVersion") {
		t.Errorf("non-config accepted: %v", err)
	}
}

// TestMobyLoadsDocker checks that moby's own loader reads the Docker JSON
// and means what the OCI writer says.
func TestMobyLoadsDocker(t *testing.T) {
	data, err := Docker(fixture())
	if err != nil {
		t.Fatal(err)
	}
	spec := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{}}}
	got, err := mobyseccomp.LoadProfile(string(data), spec)
	if err != nil {
		t.Fatalf("moby rejects our profile: %v", err)
	}
	// moby hands runtimes the OCI object: the same fields, comments gone.
	var want specs.LinuxSeccomp
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, &want) {
		g, _ := json.Marshal(got)
		t.Errorf("moby reads a different profile:\n got %s\nwant %s", g, data)
	}
	if got.DefaultErrnoRet == nil || *got.DefaultErrnoRet != policy.ENOSYS {
		t.Errorf("defaultErrnoRet %v, want ENOSYS", got.DefaultErrnoRet)
	}
	if len(got.Architectures) != 2 || got.Architectures[0] != specs.ArchX86_64 || got.Architectures[1] != specs.ArchX86 {
		t.Errorf("architectures %v, want exactly x86_64 and x86 (no x32)", got.Architectures)
	}
	// and every name moby passes on is one the policy names with the same meaning
	p := canonical(fixture(), true, false)
	for _, s := range got.Syscalls {
		for _, n := range s.Names {
			v := p.Lookup(n)
			if len(s.Args) == 0 && string(s.Action) != string(v.Action) {
				t.Errorf("%s: moby %s, policy %s", n, s.Action, v.Action)
			}
		}
	}
}

func TestUnknownSyscall(t *testing.T) {
	p := fixture()
	p.Rules = append(p.Rules, policy.Rule{Names: []string{"no_such_call"}, Action: policy.ActAllow})
	for _, f := range WriteFormats {
		_, err := Write(p, f, Options{})
		var u *scmp.UnknownSyscallError
		if !errors.As(err, &u) || u.Name != "no_such_call" || !strings.Contains(u.Arch, "x86_64") {
			t.Errorf("%s: got %v, want an UnknownSyscallError naming no_such_call and the arch", f, err)
		}
	}
	// a name that exists on one listed arch only is fine
	q := fixture()
	q.Arches = []string{"x86_64", "x86", "aarch64"}
	q.Rules = append(q.Rules, policy.Rule{Names: []string{"open"}, Action: policy.ActAllow})
	if _, err := Docker(q); err != nil {
		t.Errorf("open (x86_64 only) refused: %v", err)
	}
}

func TestWriteErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		mut  func(*policy.Policy)
		want string
	}{
		"no arches":      {func(p *policy.Policy) { p.Arches = nil }, "no architectures"},
		"unknown arch":   {func(p *policy.Policy) { p.Arches = []string{"sparc"} }, "unknown architecture"},
		"unknown action": {func(p *policy.Policy) { p.DefaultAction = "SCMP_ACT_MAYBE" }, "unknown"},
		"unknown flag":   {func(p *policy.Policy) { p.Flags = []string{"SECCOMP_FILTER_FLAG_NOPE"} }, "flag"},
		"errno range":    {func(p *policy.Policy) { p.DefaultErrno = policy.Errno(70000) }, "out of range"},
	} {
		p := fixture()
		tc.mut(p)
		if _, err := Docker(p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error with %q", name, err, tc.want)
		}
	}
	if _, err := SPO(fixture(), "Not_A_Name"); err == nil {
		t.Error("bad SPO name accepted")
	}
	// The CRD's args are int64 (minimum 0): a larger value cannot be applied.
	big := fixture()
	big.Rules = append(big.Rules, policy.Rule{Names: []string{"fcntl"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 1, Value: 1 << 63, Op: policy.OpEqualTo}}})
	if _, err := Docker(big); err != nil {
		t.Fatalf("docker: %v", err)
	}
	if _, err := SPO(big, ""); err == nil || !strings.Contains(err.Error(), "does not fit the SeccompProfile CRD") {
		t.Errorf("SPO with value 1<<63: %v, want a refusal", err)
	}
	// valueTwo too (SCMP_CMP_MASKED_EQ's datum), where the mask fits.
	bigTwo := fixture()
	bigTwo.Rules = append(bigTwo.Rules, policy.Rule{Names: []string{"fcntl"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 1, Value: 1<<63 - 1, ValueTwo: 1 << 63, Op: policy.OpMaskedEqual}}})
	if _, err := Docker(bigTwo); err != nil {
		t.Fatalf("docker: %v", err)
	}
	if _, err := SPO(bigTwo, ""); err == nil || !strings.Contains(err.Error(), "does not fit the SeccompProfile CRD") {
		t.Errorf("SPO with valueTwo 1<<63: %v, want a refusal", err)
	}
	if _, err := Write(fixture(), "xml", Options{}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("unknown format: %v", err)
	}
}

// badProfiles are inputs the reader must refuse, with a word the message
// must contain.
var badProfiles = []struct {
	name, data, want string
}{
	{"empty", "", "empty file"},
	{"spaces", "  \n", "empty file"},
	{"braces", "{}", "no defaultAction"},
	{"array", "[]", "top level must be an object"},
	{"null", "null", "top level must be an object"},
	{"text", "hello", "top level must be an object"},
	{"yaml docker", "defaultAction: SCMP_ACT_ERRNO\n", "not JSON"},
	// Other files seccomp-gen reads, given where a profile goes.
	{"trace", "# seccomp-gen trace\nversion: 2\nsyscalls:\n  - {arch: x86_64, nr: 0, name: read, count: 1}\n", "a trace, not a profile (seccomp-gen generate makes a profile from traces)"},
	{"baseline", "name: mine\nsyscalls:\n  x86_64: [read]\n", "a baseline, not a profile (generate takes one with --baseline FILE)"},
	{"truncated", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [`, "truncated JSON"},
	{"unknown key", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"defaultAktion":"x"}`, "defaultAktion"},
	{"unknown action", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_PERMIT"}]}`, "unknown action"},
	{"unknown default", `{"defaultAction":"ALLOW"}`, "unknown action"},
	{"unknown arch", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_SPARC"]}`, "unknown architecture"},
	{"unknown op", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_ALMOST"}]}]}`, "unknown op"},
	{"arg index", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}`, "index 6"},
	{"allow all", `{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[]}`, "allows every syscall"},
	{"allow rules only", `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},{"names":["write"],"action":"SCMP_ACT_LOG"}]}`, "no rule that denies"},
	{"log all", `{"defaultAction":"SCMP_ACT_LOG"}`, "allows every syscall"},
	{"no names", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":[],"action":"SCMP_ACT_ALLOW"}]}`, "no syscall names"},
	{"no action", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"]}]}`, "no action"},
	{"errno on allow", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","errnoRet":1}]}`, "errnoRet"},
	{"errno range", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","errnoRet":5000}]}`, "errnoRet 5000: out of range 0..4094 (libseccomp refuses 4095 and above"},
	{"default errno range", `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":4096}`, "defaultErrnoRet 4096: out of range 0..4094 (libseccomp refuses 4095 and above"},
	// runc and crun keep the low 16 bits: 65536 starts, as errno 0.
	{"errno 65536", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","errnoRet":65536}]}`, "errnoRet 65536: out of range 0..4094 (runc and crun keep its low 16 bits: errno 0: the call returns 0 without running, a fake success)"},
	{"default errno 65537", `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":65537}`, "defaultErrnoRet 65537: out of range 0..4094 (runc and crun keep its low 16 bits: errno 1)"},
	{"errno 70000", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","errnoRet":70000}]}`, "errnoRet 70000: out of range 0..4094 (libseccomp refuses 4095 and above: runc and crun would not start)"},
	{"default errno on kill", `{"defaultAction":"SCMP_ACT_KILL","defaultErrnoRet":1}`, "defaultErrnoRet"},
	{"includes unknown cap", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMN"]}}]}`, "includes"},
	{"name and names", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"name":"read","names":["write"],"action":"SCMP_ACT_ALLOW"}]}`, "both name and names"},
	{"arch both", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":[]}]}`, "archMap"},
	{"listener", `{"defaultAction":"SCMP_ACT_ERRNO","listenerPath":"/run/agent.sock"}`, "listener"},
	{"flag", `{"defaultAction":"SCMP_ACT_ERRNO","flags":["SECCOMP_FILTER_FLAG_FAST"]}`, "flag"},
	{"trailing", `{"defaultAction":"SCMP_ACT_ERRNO"} {"defaultAction":"SCMP_ACT_ALLOW"}`, "invalid profile"},
	{"wrong type", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":{"names":["read"]}}`, "syscalls"},
	{"key case", `{"DefaultAction":"SCMP_ACT_ERRNO"}`, "case-sensitive"},
	{"nested key case", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"Names":["read"],"action":"SCMP_ACT_ALLOW"}]}`, "syscalls[0].Names"},
	{"arg key case", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"Index":0,"value":1,"op":"SCMP_CMP_EQ"}]}]}`, "args[0].Index"},
	{"duplicate key", `{"defaultAction":"SCMP_ACT_ERRNO","defaultAction":"SCMP_ACT_ALLOW"}`, "duplicate"},
	{"config key case", `{"ociVersion":"1.0.2","linux":{"seccomp":{"defaultaction":"SCMP_ACT_ERRNO"}}}`, "linux.seccomp.defaultaction"},
	{"config without seccomp", `{"ociVersion":"1.0.2","linux":{"namespaces":[]}}`, "no linux.seccomp"},
	{"config empty seccomp", `{"ociVersion":"1.0.2","linux":{"seccomp":{}}}`, "no defaultAction"},
	{"spo kind", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "not a Security Profiles Operator"},
	{"spo unknown key", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  defaultErrnoRet: 38\n", "defaultErrnoRet"},
	{"spo empty spec", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec: {}\n", "no defaultAction"},
	{"spo base", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  baseProfileName: runc-v1.1.5\n", "baseProfileName"},
	{"spo errno", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - names: [read]\n    action: SCMP_ACT_ERRNO\n    errnoRet: lots\n", "errnoRet"},
	{"spo errno range", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - names: [read]\n    action: SCMP_ACT_ERRNO\n    errnoRet: 70000\n", "errnoRet"},
	{"name with NUL", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read\u0000x"],"action":"SCMP_ACT_ALLOW"}]}`, `"read\x00x": runc and crun read it only up to the NUL`},
	{"name with escape", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["re\u001b[2Jad"],"action":"SCMP_ACT_ALLOW"}]}`, `bad syscall name "re\x1b[2Jad"`},
	{"spo name with CR", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - names: [\"read\\r\"]\n    action: SCMP_ACT_ALLOW\n", `bad syscall name "read\r"`},
	{"deep array", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), "nested deeper than 64 levels"},
	{"deep yaml", "a: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n", "nested deeper than 64 levels"},
	{"spo fraction", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - names: [read]\n    action: SCMP_ACT_ALLOW\n    args: [{index: 0, value: 2.5, op: SCMP_CMP_EQ}]\n", "line 9: 2.5 is not a whole number"},
	{"spo fraction index", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - names: [read]\n    action: SCMP_ACT_ALLOW\n    args: [{index: 0.9, value: 2, op: SCMP_CMP_EQ}]\n", "line 9: 0.9 is not a whole number"},
	{"spo json fraction", `{"apiVersion":"security-profiles-operator.x-k8s.io/v1beta1","kind":"SeccompProfile","metadata":{"name":"x"},"spec":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":-0.5,"op":"SCMP_CMP_EQ"}]}]}}`, "-0.5 is not a whole number"},
	{"spo other kind", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SelinuxProfile\nmetadata: {name: x}\nspec: {defaultAction: SCMP_ACT_ERRNO, syscalls: [{names: [read], action: SCMP_ACT_ALLOW}]}\n", `kind "SelinuxProfile": not a Security Profiles Operator SeccompProfile`},
	{"spo disabled", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec: {disabled: true, defaultAction: SCMP_ACT_ERRNO, syscalls: [{names: [read], action: SCMP_ACT_ALLOW}]}\n", "spec.disabled is true"},
	{"name with space", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read x"],"action":"SCMP_ACT_ALLOW"}]}`, `bad syscall name "read x"`},
	{"spo two docs", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n---\nkind: x\n", "more than one"},
}

// ParseRaw (what lint reads) refuses names with control characters too:
// lint printed them raw (a NUL, terminal escapes) as unknown names, though
// runc and crun read "read\x00x" as read.
func TestRawRefusesControlNames(t *testing.T) {
	for _, n := range []string{`read\u0000x`, `re\u001b[2Jad`, `read\u007f`, `read\r`} {
		data := `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["` + n + `"],"action":"SCMP_ACT_ALLOW"}]}`
		if raw, err := ParseRaw("bad.json", []byte(data)); err == nil || !strings.Contains(err.Error(), "bad syscall name") {
			t.Errorf("%s: %v, %+v", n, err, raw)
		}
	}
}

func TestReaderRefuses(t *testing.T) {
	for _, tc := range badProfiles {
		t.Run(tc.name, func(t *testing.T) {
			p, _, err := Parse("bad.json", []byte(tc.data))
			if err == nil {
				t.Fatalf("accepted: %+v", p)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "bad.json: ") || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q: want the file name and %q", msg, tc.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans lines: %q", msg)
			}
		})
	}
}

func TestReaderAccepts(t *testing.T) {
	native, err := scmp.Native()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, data string
		check      func(*policy.Policy) bool
	}{
		{"no arches means native", `{"defaultAction":"SCMP_ACT_ERRNO"}`,
			func(p *policy.Policy) bool { return reflect.DeepEqual(p.Arches, []string{native}) && len(p.Rules) == 0 }},
		{"old name field", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"name":"read","action":"SCMP_ACT_ALLOW"}]}`,
			func(p *policy.Policy) bool { return p.Allows("read") && !p.Allows("write") }},
		{"archMap picks native", `{"defaultAction":"SCMP_ACT_ERRNO","archMap":[{"architecture":"SCMP_ARCH_AARCH64","subArchitectures":["SCMP_ARCH_ARM"]},{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86","SCMP_ARCH_X32"]}],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`,
			func(p *policy.Policy) bool {
				return native != "x86_64" || reflect.DeepEqual(p.Arches, []string{"x86_64", "x86", "x32"})
			}},
		{"blocklist", `{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_ERRNO"}]}`,
			func(p *policy.Policy) bool { return !p.Allows("ptrace") && p.Allows("read") }},
		{"spo as JSON", `{"apiVersion":"security-profiles-operator.x-k8s.io/v1beta1","kind":"SeccompProfile","metadata":{"name":"x"},"spec":{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}}`,
			func(p *policy.Policy) bool { return p.Allows("read") && !p.Allows("write") }},
		// SCMP_ACT_TRACE carries errnoRet too: the tracer's message (runc and crun pass it).
		{"trace errno", `{"defaultAction":"SCMP_ACT_TRACE","defaultErrnoRet":5,"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},{"names":["ptrace"],"action":"SCMP_ACT_TRACE","errnoRet":7}]}`,
			func(p *policy.Policy) bool {
				v := p.Lookup("ptrace")
				return p.DefaultErrno != nil && *p.DefaultErrno == 5 && v.Action == policy.ActTrace && v.Errno == 7
			}},
		{"spo numeric errno", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata:\n  name: x\n  namespace: default\n  uid: abc\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - names: [ptrace]\n    action: SCMP_ACT_ERRNO\n    errnoRet: \"13\"\nstatus:\n  status: Installed\n",
			func(p *policy.Policy) bool { v := p.Lookup("ptrace"); return v.Errno == 13 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _, err := Parse("ok", []byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(p) {
				t.Errorf("wrong policy: %+v", p)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.json")
	data, _ := Docker(fixture())
	os.WriteFile(path, data, 0o644)
	p, f, err := Read(path)
	if err != nil || f != FormatDocker || !p.Allows("openat") {
		t.Fatalf("Read: %v %v %+v", f, err, p)
	}
	if _, _, err := Read(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}

// FuzzParse: the reader never panics, and whatever it accepts is a valid
// policy that survives a Docker write/read round trip unchanged.
func FuzzParse(f *testing.F) {
	for _, w := range WriteFormats {
		d, err := Write(fixture(), w, Options{})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(d)
	}
	cfg, _ := SetOCISeccomp([]byte(ociConfig), fixture())
	f.Add(cfg)
	for _, b := range badProfiles {
		f.Add([]byte(b.data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, _, err := Parse("fuzz", data)
		if err != nil {
			if !errors.Is(err, ErrInvalidProfile) && !strings.HasPrefix(err.Error(), "fuzz: ") {
				t.Fatalf("error without the file name: %v", err)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") {
				t.Fatalf("error spans lines: %q", msg)
			}
			for _, jargon := range []string{"into emit.", "into policy.", "Go struct", "Go value", "unmarshal", "into map[", "into []", "yaml: ", "json: "} {
				if strings.Contains(err.Error(), jargon) {
					t.Fatalf("error speaks Go (%q): %v", jargon, err)
				}
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted an invalid policy: %v", err)
		}
		out, err := Docker(p)
		if err != nil {
			return // e.g. names libseccomp does not know: a writer error, fine
		}
		q, _, err := Parse("again", out)
		if err != nil {
			t.Fatalf("cannot read our own output: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(normal(p), normal(q)) {
			t.Fatalf("round trip changed the policy:\n%+v\n%+v", p, q)
		}
	})
}

func TestLosses(t *testing.T) {
	for _, tc := range []struct {
		f    Format
		want []string // a word of each loss, in order
	}{
		{FormatDocker, nil},
		{FormatOCI, []string{"comments"}},
		{FormatOCIConfig, []string{"comments"}},
		{FormatSPO, []string{"defaultErrnoRet", "comments"}},
	} {
		l := Losses(fixture(), tc.f)
		if len(l) != len(tc.want) {
			t.Errorf("%s loses %q, want %d losses", tc.f, l, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			if !strings.Contains(l[i], w) {
				t.Errorf("%s loss %d is %q, want it to name %s", tc.f, i, l[i], w)
			}
		}
	}
}

// TestSPODefaultName: a SeccompProfile without a name is named seccomp-gen.
func TestSPODefaultName(t *testing.T) {
	data, err := Write(fixture(), FormatSPO, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "\nmetadata:\n  name: seccomp-gen\n") {
		t.Errorf("metadata.name is not seccomp-gen:\n%s", data)
	}
}
