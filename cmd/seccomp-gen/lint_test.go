package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLintCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	clean := write("clean.json", `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"architectures":["SCMP_ARCH_X86_64"],
  "syscalls":[{"names":["exit_group","rt_sigreturn","read"],"action":"SCMP_ACT_ALLOW"}]}`)
	warn := write("warn.json", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],
  "syscalls":[{"names":["exit_group","rt_sigreturn","bpf"],"action":"SCMP_ACT_ALLOW"}]}`)
	typo := write("typo.json", misspelled)
	spo := write("app.yaml", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  architectures: [SCMP_ARCH_X86_64]\n  syscalls:\n  - names: [read]\n    action: SCMP_ACT_ALLOW\n")
	notProfile := write("garbage.json", "not a profile")
	config := write("config.json", `{"ociVersion":"1.0.2","linux":{"Seccomp":{"defaultAction":"SCMP_ACT_ERRNO"}}}`)

	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout []string
	}{
		{"clean", []string{"lint", clean}, 0, []string{"clean.json: 0 errors, 0 warnings, 0 info"}},
		{"warnings only", []string{"lint", warn}, 0, []string{"warn.json: warning: syscalls[0] bpf: allowed", "[dangerous-allowed]", "1 warning"}},
		{"errors", []string{"lint", clean, typo}, exitFindings, []string{`typo.json: error: syscalls[1] ptarce:`, "[unknown-syscall]", "clean.json: 0 errors"}},
		{"downgraded", []string{"lint", "--allow-unknown-syscalls", typo}, 0, []string{"typo.json: warning: syscalls[1] ptarce"}},
		{"spo exit_group", []string{"lint", spo}, exitFindings, []string{"app.yaml: error: exit_group: not allowed", "rt_sigreturn"}},
		{"ambiguous config key", []string{"lint", config}, exitUsage, []string{"config.json: not linted: linux.Seccomp: key differs"}},
		{"no file", []string{"lint"}, exitUsage, nil},
		{"bad report", []string{"lint", "--report", "xml", clean}, exitUsage, nil},
		// The report group: -o is never one of the profiles, a flag is given once.
		{"report over an input", []string{"lint", "-o", clean, warn, clean}, exitUsage, nil},
		{"report twice", []string{"lint", "--report", "json", "--report", "human", clean}, exitUsage, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := sg(t, dir, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, stderr)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if tc.code == exitUsage {
				oneLine(t, stderr)
				if out != "" && tc.stdout == nil {
					t.Errorf("stdout on a usage error: %s", out)
				}
			} else if stderr != "" {
				t.Errorf("stderr: %s", stderr)
			}
		})
	}
	// A file that is not a profile does not hide the others' findings:
	// each is reported (and its error, on stderr too), and the exit
	// status is 2, which wins over 3.
	base := filepath.Base
	for _, order := range [][]string{{base(notProfile), base(typo), base(warn)}, {base(typo), base(warn), base(notProfile)}} {
		out, stderr, code := sg(t, dir, append([]string{"lint"}, order...)...)
		if code != exitUsage {
			t.Errorf("lint %v: exit %d, want %d", order, code, exitUsage)
		}
		for _, w := range []string{"typo.json: error: syscalls[1] ptarce:", "typo.json: 1 error", "warn.json: warning: syscalls[0] bpf: allowed", "garbage.json: not linted: "} {
			if !strings.Contains(out, w) {
				t.Errorf("lint %v: stdout lacks %q:\n%s", order, w, out)
			}
		}
		if !strings.HasPrefix(stderr, "seccomp-gen: lint: garbage.json: ") {
			t.Errorf("lint %v: stderr %q", order, stderr)
		}
		oneLine(t, stderr)
	}
	if out, stderr, code := sg(t, dir, "lint", clean, notProfile); code != exitUsage || !strings.Contains(out, "clean.json: 0 errors") || stderr == "" {
		t.Errorf("lint clean garbage: exit %d\n%s%s", code, out, stderr)
	}

	_, stderr, _ := sg(t, dir, "lint", config)
	if !strings.Contains(stderr, "linux.Seccomp: key differs") {
		t.Errorf("config key: %s", stderr)
	}

	// JSON to a file
	if _, stderr, code := sg(t, dir, "lint", "--report", "json", "-o", "lint.json", typo, warn); code != exitFindings {
		t.Fatalf("json: exit %d: %s", code, stderr)
	}
	var doc struct {
		Profiles []struct {
			File     string `json:"file"`
			Error    string `json:"error"`
			Findings []struct {
				Severity, Check, Rule, Syscall, Message string
			} `json:"findings"`
		} `json:"profiles"`
		Summary struct {
			Errors, Warnings, Info int
			NotLinted              int `json:"not_linted"`
		} `json:"summary"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "lint.json"))
	if err != nil || json.Unmarshal(data, &doc) != nil {
		t.Fatalf("lint.json: %v\n%s", err, data)
	}
	if len(doc.Profiles) != 2 || doc.Summary.Errors != 1 || doc.Profiles[0].Findings[0].Check != "unknown-syscall" || doc.Profiles[0].Findings[0].Syscall != "ptarce" {
		t.Errorf("json report: %s", data)
	}
	// An unreadable file is in the JSON report too, with its error.
	if _, stderr, code := sg(t, dir, "lint", "--report", "json", "-o", "lint2.json", typo, notProfile); code != exitUsage {
		t.Fatalf("json with a bad file: exit %d: %s", code, stderr)
	}
	doc.Profiles, doc.Summary = nil, struct {
		Errors, Warnings, Info int
		NotLinted              int `json:"not_linted"`
	}{}
	data, err = os.ReadFile(filepath.Join(dir, "lint2.json"))
	if err != nil || json.Unmarshal(data, &doc) != nil {
		t.Fatalf("lint2.json: %v\n%s", err, data)
	}
	if len(doc.Profiles) != 2 || filepath.Base(doc.Profiles[1].File) != "garbage.json" || !strings.Contains(doc.Profiles[1].Error, "invalid profile") ||
		strings.Contains(doc.Profiles[1].Error, "garbage.json") || doc.Summary.Errors != 1 || doc.Summary.NotLinted != 1 {
		t.Errorf("json report with a bad file: %s", data)
	}

	// --help documents the exit statuses
	out, _, _ := sg(t, dir, "lint", "--help")
	if !strings.Contains(out, "3  at least one finding of severity error") || !strings.Contains(out, "--allow-unknown-syscalls") {
		t.Errorf("help:\n%s", out)
	}
}

// TestGenerateLints: generate prints lint's findings for its own profile on
// stderr, one line each, and its profiles have no errors.
func TestGenerateLints(t *testing.T) {
	dir := t.TempDir()
	out, stderr, code := sg(t, dir, "generate", "--arch", "x86_64", "--arch", "x86", genTrace(t, "workload.yaml"))
	if code != 0 || out == "" {
		t.Fatalf("generate: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "generate: lint: info: x86 is covered") {
		t.Errorf("no lint findings on stderr:\n%s", stderr)
	}
	if strings.Contains(stderr, "lint: error") {
		t.Errorf("generated profile has lint errors:\n%s", stderr)
	}
	os.WriteFile(filepath.Join(dir, "gen.json"), []byte(out), 0o644)
	if lo, le, code := sg(t, dir, "lint", "gen.json"); code != 0 {
		t.Errorf("lint of generate's output: exit %d\n%s%s", code, lo, le)
	}
}

// TestGenerateOCIConfigAmbiguousKeys: generate --oci-config refuses a
// config.json whose linux or linux.seccomp keys runtimes would read
// differently, and leaves it alone.
func TestGenerateOCIConfigAmbiguousKeys(t *testing.T) {
	dir := t.TempDir()
	for i, cfg := range []string{
		`{"ociVersion":"1.0.2","linux":{"namespaces":[]},"linux":{"maskedPaths":[]}}`,
		`{"ociVersion":"1.0.2","linux":{"Seccomp":{"defaultAction":"SCMP_ACT_ALLOW"}}}`,
		`{"ociVersion":"1.0.2","Linux":{}}`,
	} {
		path := filepath.Join(dir, "config.json")
		os.WriteFile(path, []byte(cfg), 0o644)
		_, stderr, code := sg(t, dir, "generate", "--oci-config", path, genTrace(t, "workload.yaml"))
		if code != exitUsage || !strings.Contains(stderr, path) {
			t.Errorf("%d: exit %d, want 2 naming the file: %s", i, code, stderr)
		}
		if got, _ := os.ReadFile(path); string(got) != cfg {
			t.Errorf("%d: config changed: %s", i, got)
		}
	}
}

// TestLintAgreesWithCheck: a profile that check refuses (exit 2) because
// the runtimes would not enforce its rules is not clean for lint: podman's
// default profile (containers-common 0.50.1) under podman's capabilities,
// whose socket rules take a shape libseccomp 2.5.4 compiles wrongly, is an
// error finding [ambiguous] (exit 3); with Docker's capabilities those
// rules are left out and both accept it.
func TestLintAgreesWithCheck(t *testing.T) {
	dir := t.TempDir()
	prof, err := filepath.Abs("../../testdata/profiles/containers-common-0.50.1.json")
	if err != nil {
		t.Fatal(err)
	}
	tr := genTrace(t, "workload.yaml")
	if _, stderr, code := sg(t, dir, "check", "--caps", "podman", "-p", prof, tr); code != exitUsage || !strings.Contains(stderr, "socket") {
		t.Fatalf("check --caps podman: exit %d, want %d: %s", code, exitUsage, stderr)
	}
	out, stderr, code := sg(t, dir, "lint", "--caps", "podman", prof)
	if code != exitFindings || !strings.Contains(out, "error: syscalls[30] socket:") || !strings.Contains(out, "[ambiguous]") {
		t.Errorf("lint --caps podman: exit %d, want %d\n%s%s", code, exitFindings, out, stderr)
	}
	if out, stderr, code := sg(t, dir, "lint", prof); code != 0 || strings.Contains(out, "[ambiguous]") {
		t.Errorf("lint (Docker's capabilities): exit %d\n%s%s", code, out, stderr)
	}
}

// TestLintLeftOutWording: an entry left out for its minKernel is left out
// by docker, not podman (which ignores minKernel); an includes.caps entry
// under --caps none names no set that "lacks" it.
func TestLintLeftOutWording(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "p.json")
	if err := os.WriteFile(prof, []byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["exit_group","read","write","rt_sigreturn"],"action":"SCMP_ACT_ALLOW"},
	{"names":["ptrace"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"99.0"}},
	{"names":["bpf"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMIN"]}}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, _ := sg(t, dir, "lint", "--caps", "none", prof)
	all := out + stderr
	for _, want := range []string{
		"left out, as docker leaves it out for no capabilities on this machine: includes.minKernel 99.0 and the kernel is",
		"(docker reads it so; podman ignores minKernel and keeps the entry)",
		"includes.caps CAP_SYS_ADMIN, and the container has no capabilities",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("lint lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "no capabilities lack") || strings.Contains(all, "docker and podman leave it out for no capabilities on this machine: includes.minKernel") {
		t.Errorf("old wording:\n%s", all)
	}
}

// TestLintArchMapNoEntry: an archMap without this machine's entry is read
// as docker runs it (the native ABI alone), and lint says so.
func TestLintArchMapNoEntry(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "p.json")
	if err := os.WriteFile(prof, []byte(`{"defaultAction":"SCMP_ACT_ERRNO","archMap":[{"architecture":"SCMP_ARCH_MIPS64","subArchitectures":[]}],"syscalls":[{"names":["exit_group","read","write","rt_sigreturn"],"action":"SCMP_ACT_ALLOW"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := sg(t, dir, "lint", prof)
	if want := "archMap has no entry for this machine's architecture"; code != exitFindings && code != 0 || !strings.Contains(out, want) {
		t.Errorf("lint: exit %d, want a line %q:\n%s%s", code, want, out, stderr)
	}
}
