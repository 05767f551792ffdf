package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/bpf"
	"github.com/seccomp-gen/seccomp-gen/internal/hugeheap"
	"github.com/seccomp-gen/seccomp-gen/internal/prefault"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

func TestVersionCommand(t *testing.T) {
	dir := t.TempDir()
	out, stderr, code := sg(t, dir, "version")
	if code != 0 || stderr != "" {
		t.Fatalf("version: exit %d, stderr %q", code, stderr)
	}
	max, err := scmp.MaxNr("x86_64")
	if err != nil {
		t.Fatal(err)
	}
	// The test binary links internal/hugeheap as seccomp-gen does (main.go
	// imports it): its heap is in huge pages wherever the kernel has them.
	wantHeap := "2 MiB pages (MADV_HUGEPAGE; the kernel's THP mode: " + hugeheap.THPMode() + ")"
	switch hugeheap.THPMode() {
	case "":
		wantHeap = "4 KiB pages (the kernel has no transparent huge pages)"
	case "never":
		wantHeap = "huge pages advised, but the kernel's THP mode is never: 4 KiB pages"
	}
	if st, err := hugeheap.Heap(); err == nil && st.Off != "" {
		// Off by choice on this machine (or by SECCOMP_GEN_HUGEHEAP),
		// for the child as for this process: internal/hugeheap's tests
		// check the choice and its wording.
		wantHeap = st.Describe()
	}
	for _, want := range []string{
		"seccomp-gen " + toolVersion() + "\n",
		"go:          " + runtime.Version() + " linux/" + runtime.GOARCH + ", dynamic binary",
		"libseccomp:  " + scmp.LibraryVersion() + " (highest syscall: x86_64 " + fmt.Sprint(max) + ", x86 ",
		"x32 0x40000000+",
		"eBPF source: " + bpf.SourceHash() + "\n",
		"heap:        " + wantHeap + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("version output lacks %q:\n%s", want, out)
		}
	}
	// The test binary links internal/prefault as seccomp-gen does: the
	// child measured a page fault and chose by it (its own figure, not
	// this process's).
	if !prefaultLine.MatchString(out) {
		t.Errorf("version output has no measured prefault: line (%s):\n%s", prefaultLine, out)
	}
	if !strings.HasPrefix(bpf.SourceHash(), "sha256:") || len(bpf.SourceHash()) != len("sha256:")+64 {
		t.Errorf("source hash %q", bpf.SourceHash())
	}

	out, _, code = sg(t, dir, "version", "--json")
	var v versionInfo
	if err := json.Unmarshal([]byte(out), &v); code != 0 || err != nil {
		t.Fatalf("version --json: exit %d, %v:\n%s", code, err, out)
	}
	if v.Libseccomp != scmp.LibraryVersion() || v.MaxSyscall["x86_64"] != max || v.EBPFSource != bpf.SourceHash() ||
		v.Go != runtime.Version() || v.Linking != "dynamic" || v.Version != toolVersion() || v.Heap != wantHeap ||
		!prefaultLine.MatchString("prefault:    "+v.Prefault+"\n") {
		t.Errorf("version --json: %+v", v)
	}

	// Go's own switch turns the huge pages off.
	out, stderr, code = sgVia(t, dir, nil, []string{"env", "GODEBUG=disablethp=1"}, "version")
	if want := "heap:        4 KiB pages (GODEBUG=disablethp=1)\n"; code != 0 || !strings.Contains(out, want) {
		t.Errorf("GODEBUG=disablethp=1 seccomp-gen version: exit %d, stderr %q, output lacks %q:\n%s", code, stderr, want, out)
	}

	// SECCOMP_GEN_PREFAULT overrides the measured choice, either way.
	for env, want := range map[string]string{
		"on":  "prefault:    code mapped at the start (SECCOMP_GEN_PREFAULT=on)\n",
		"off": "prefault:    code faulted in as it runs (SECCOMP_GEN_PREFAULT=off)\n",
	} {
		out, stderr, code = sgVia(t, dir, nil, []string{"env", "SECCOMP_GEN_PREFAULT=" + env}, "version")
		if !prefault.Enabled {
			want = "prefault:    code faulted in as it runs (built with -tags noprefault, or without cgo)\n"
		}
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("SECCOMP_GEN_PREFAULT=%s seccomp-gen version: exit %d, stderr %q, output lacks %q:\n%s", env, code, stderr, want, out)
		}
	}

	out, _, code = sg(t, dir, "version", "--short")
	if code != 0 || out != toolVersion()+"\n" {
		t.Errorf("version --short: exit %d %q", code, out)
	}
	_, stderr, code = sg(t, dir, "version", "--short", "--json")
	if code != exitUsage {
		t.Errorf("version --short --json: exit %d, want %d", code, exitUsage)
	}
	oneLine(t, stderr)
}

// prefaultLine is version's prefault: line where the constructor measured
// a page fault and chose by it (see internal/prefault's TestDescribe).
var prefaultLine = func() *regexp.Regexp {
	if !prefault.Enabled {
		return regexp.MustCompile(`(?m)^prefault:    code faulted in as it runs \(built with -tags noprefault, or without cgo\)\n`)
	}
	return regexp.MustCompile(`(?m)^prefault:    (code mapped at the start \(MADV_POPULATE_READ: a page fault costs [0-9]+\.[0-9] us here, [0-9.]+ us or more; SECCOMP_GEN_PREFAULT=off overrides\)|` +
		`code faulted in as it runs \(a page fault costs [0-9]+\.[0-9] us here, under the [0-9.]+ us from which mapping it at the start pays; SECCOMP_GEN_PREFAULT=on overrides\))\n`)
}()

// TestToolVersion: a release sets the version at link time; otherwise the
// build info decides and is never empty.
func TestToolVersion(t *testing.T) {
	if v := toolVersion(); v == "" || strings.ContainsAny(v, " \n") {
		t.Errorf("toolVersion() = %q", v)
	}
	old := version
	defer func() { version = old }()
	version = "v1.2.3"
	if v := toolVersion(); v != "v1.2.3" {
		t.Errorf("with -X main.version=v1.2.3: %q", v)
	}
}

// TestVersionFlag: seccomp-gen --version prints the first line of
// 'seccomp-gen version' and exits 0; it is the root's flag only.
func TestVersionFlag(t *testing.T) {
	dir := t.TempDir()
	out, stderr, code := sg(t, dir, "--version")
	if code != 0 || stderr != "" || out != "seccomp-gen "+toolVersion()+"\n" {
		t.Errorf("--version: exit %d, stdout %q, stderr %q; want %q", code, out, stderr, "seccomp-gen "+toolVersion()+"\n")
	}
	full, _, _ := sg(t, dir, "version")
	if first, _, _ := strings.Cut(full, "\n"); first+"\n" != out {
		t.Errorf("--version %q is not the first line of version: %q", out, first)
	}
	help, _, code := sg(t, dir, "--help")
	if code != 0 || !strings.Contains(help, "--version") {
		t.Errorf("--help (exit %d) does not list --version:\n%s", code, help)
	}
	// A command's flags follow its name: trace has no --version.
	_, stderr, code = sg(t, dir, "trace", "--version")
	if code != exitUsage || !strings.Contains(stderr, "unknown flag: --version") {
		t.Errorf("trace --version: exit %d, stderr %q; want a usage error", code, stderr)
	}
	oneLine(t, stderr)
}
