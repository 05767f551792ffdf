package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
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
	// In the user's words: not "policy covers no ABI of the target
	// architecture: the policy lists [x86_64]".
	_, stderr, _ = sg(t, dir, "disasm", "--arch", "aarch64", prof)
	if want := ": no ABI of the target machine is covered: the profile covers x86_64, the filter is for aarch64\n"; !strings.HasSuffix(stderr, want) {
		t.Errorf("disasm --arch aarch64 of an x86_64 profile: stderr %q, want it to end %q", stderr, want)
	}
}

// disasm takes a profile for a profile whatever it starts with ('---', a
// comment, blank lines, a byte-order mark, CRLF line ends), and agrees with
// check on what is a profile; only binary data is a raw filter.
func TestDisasmFormatDetection(t *testing.T) {
	dir := t.TempDir()
	p := &policy.Policy{
		DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.ENOSYS), Arches: []string{"x86_64"},
		Rules: []policy.Rule{{Names: []string{"read", "write", "exit_group", "uname"}, Action: policy.ActAllow}},
	}
	spo, err := emit.Write(p, emit.FormatSPO, emit.Options{Name: "app"})
	if err != nil {
		t.Fatal(err)
	}
	docker, err := emit.Write(p, emit.FormatDocker, emit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	crlf := func(b []byte) []byte { return []byte(strings.ReplaceAll(string(b), "\n", "\r\n")) }
	cat := func(parts ...string) []byte { return []byte(strings.Join(parts, "")) }
	profiles := map[string][]byte{
		"dashes.yaml":         cat("---\n", string(spo)),
		"comment.yaml":        cat("# seccomp profile for app\n", string(spo)),
		"comments.yaml":       cat("# one\n# two\n\n---\n# three\n", string(spo)),
		"blank.yaml":          cat("\n\n   \n\t\n", string(spo)),
		"bom.yaml":            cat("\ufeff", string(spo)),
		"bom-dashes.yaml":     cat("\ufeff---\n", string(spo)),
		"crlf.yaml":           crlf(cat("# c\r\n---\n", string(spo))),
		"document-end.yaml":   cat("---\n", string(spo), "...\n"),
		"spaces.json":         cat("\n  \n", string(docker)),
		"crlf.json":           crlf(docker),
		"comment-before.yaml": cat("#!/not/a/script\n", string(spo)),
	}
	for name, data := range profiles {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out, stderr, code := sg(t, dir, "disasm", name)
		if code != 0 || !strings.Contains(out, "uname (x86_64)") {
			t.Errorf("disasm %s: exit %d\n%s%s", name, code, out, stderr)
		}
		if out, stderr, code := sg(t, dir, "check", "-p", name, traceWith(t, dir, "uname")); code != 0 {
			t.Errorf("check -p %s: exit %d\n%s%s", name, code, out, stderr)
		}
	}
	// A JSON profile with a byte-order mark is not one to runc or Docker
	// (Go's JSON refuses it): disasm and check both refuse it.
	bom := filepath.Join(dir, "bom.json")
	os.WriteFile(bom, cat("\ufeff", string(docker)), 0o644)
	for _, args := range [][]string{{"disasm", bom}, {"check", "-p", bom, traceWith(t, dir, "uname")}} {
		_, stderr, code := sg(t, dir, args...)
		if code != exitUsage || strings.Contains(stderr, "BPF") || !strings.Contains(stderr, "starts with a byte-order mark (EF BB BF), which docker and runc refuse") {
			t.Errorf("%v: exit %d (want the mark named)\n%s", args, code, stderr)
		}
		oneLine(t, stderr)
	}
	// --arch=$ARCH with ARCH unset is not the native default.
	if _, stderr, code := sg(t, dir, "disasm", "--arch=", "spaces.json"); code != exitUsage || !strings.Contains(stderr, `disasm: --arch "": empty`) {
		t.Errorf("disasm --arch= : exit %d\n%s", code, stderr)
	}
	// Binary data that is not a valid filter is named as such.
	for name, data := range map[string][]byte{
		"zeros.bpf": make([]byte, 16),
		"nul.yaml":  cat("---\nkind: SeccompProfile\x00\n"),
	} {
		os.WriteFile(filepath.Join(dir, name), data, 0o644)
		_, stderr, code := sg(t, dir, "disasm", name)
		if code != exitUsage || !strings.Contains(stderr, "not a raw seccomp filter") {
			t.Errorf("disasm %s: exit %d\n%s", name, code, stderr)
		}
		oneLine(t, stderr)
	}
}

// traceWith writes a one-syscall x86_64 trace into dir.
func traceWith(t *testing.T, dir, name string) string {
	t.Helper()
	nr := map[string]int{"uname": 63, "read": 0}[name]
	path := filepath.Join(dir, name+".trace.yaml")
	data := fmt.Sprintf(traceYAML("  - {arch: x86_64, nr: %d, name: %s, count: 1}"), nr, name)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDisasmOtherMachineSaysArch: disasm of a profile for another machine
// (generate --arch aarch64 on x86_64) says which --arch prints it, rather
// than only that the profile covers no ABI of this one; it then does.
func TestDisasmOtherMachineSaysArch(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the profile is for aarch64: another machine on amd64 only")
	}
	dir := t.TempDir()
	p := &policy.Policy{
		DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.ENOSYS),
		Arches: []string{"aarch64"},
		Rules: []policy.Rule{
			{Names: []string{"read", "write", "exit_group"}, Action: policy.ActAllow},
		},
	}
	prof := writeProfile(t, dir, "arm64.json", p, emit.FormatDocker)
	_, stderr, code := sg(t, dir, "disasm", prof)
	if want := "the profile covers aarch64, the filter is for x86_64; print it for its machine with --arch aarch64\n"; code != 2 || !strings.HasSuffix(stderr, want) {
		t.Errorf("disasm of an aarch64 profile: exit %d, stderr %q; want exit 2 and the end %q", code, stderr, want)
	}
	out, stderr, code := sg(t, dir, "disasm", "--arch", "aarch64", prof)
	if code != 0 || !strings.Contains(out, "AUDIT_ARCH_AARCH64") {
		t.Errorf("disasm --arch aarch64: exit %d: %s\n%s", code, stderr, out)
	}
}
