package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/policy"
)

func TestDisasm(t *testing.T) {
	dir := t.TempDir()
	p := &policy.Policy{
		DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.ENOSYS), Arches: []string{"x86_64"},
		Rules: []policy.Rule{
			{Names: []string{"read", "write", "exit_group"}, Action: policy.ActAllow},
			{Names: []string{"ptrace"}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM)},
		},
	}
	prog, err := cbpf.Compile(p, cbpf.Options{Arch: "x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	raw := filepath.Join(dir, "app.bpf")
	if err := os.WriteFile(raw, prog.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	prof := writeProfile(t, dir, "app.json", p, emit.FormatDocker)

	out, stderr, code := sg(t, dir, "disasm", "app.bpf")
	if code != 0 {
		t.Fatalf("disasm: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"AUDIT_ARCH_X86_64", "read (x86_64)", "ptrace (x86_64)", "SCMP_ACT_ERRNO(1) EPERM",
		"SCMP_ACT_ERRNO(38) ENOSYS", "SCMP_ACT_ALLOW", "SCMP_ACT_KILL_PROCESS"} {
		if !strings.Contains(out, want) {
			t.Errorf("listing lacks %q:\n%s", want, out)
		}
	}
	// the alias, a profile compiled on the fly, and -o
	if _, stderr, code := sg(t, dir, "inspect", "-o", "listing.txt", prof); code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, stderr)
	}
	listing, err := os.ReadFile(filepath.Join(dir, "listing.txt"))
	if err != nil || !strings.Contains(string(listing), "ptrace (x86_64)") {
		t.Errorf("inspect of a profile: %v\n%s", err, listing)
	}

	os.WriteFile(filepath.Join(dir, "short.bpf"), prog.Bytes()[:20], 0o644)
	os.WriteFile(filepath.Join(dir, "empty.json"), []byte("{}"), 0o644)
	for _, args := range [][]string{
		{"disasm", "short.bpf"},
		{"disasm", "empty.json"},
		{"disasm", "missing.bpf"},
		{"disasm", "--arch", "x86_64", "app.bpf"},
		{"disasm", "--arch", "aarch64", prof},
		{"disasm"},
	} {
		_, stderr, code := sg(t, dir, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
		oneLine(t, stderr)
	}
}
