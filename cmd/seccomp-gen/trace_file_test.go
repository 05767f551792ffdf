package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// Tests for how generate and check read trace files: truncation, names
// that are not their number's, numbers libseccomp cannot name, counts at
// 2^63-1, and the size bound.

// v2Trace is a recorded fixture rewritten as a version 2 file.
func v2Trace(t *testing.T, dir, fixture string) (string, []byte) {
	t.Helper()
	f, err := trace.ReadFile(genTrace(t, fixture))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := trace.Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "v2-"+fixture)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, buf.Bytes()
}

// traceYAML is a version 1 trace with the given syscall lines.
func traceYAML(lines ...string) string {
	return "version: 1\ntarget: {command: [x]}\nhost: {kernel: \"6.18\", arch: x86_64}\nstarted: 2026-11-23T10:00:00Z\nduration: 0.1s\nlost: 0\nprocesses: 1\nsyscalls:\n" +
		strings.Join(lines, "\n") + "\n"
}

func TestGenerateAndCheckRefuseTruncatedTraces(t *testing.T) {
	dir := t.TempDir()
	full, data := v2Trace(t, dir, "busybox-sh-pipe.yaml")
	prof := filepath.Join(dir, "p.json")
	if _, stderr, code := sg(t, dir, "generate", "-o", prof, full); code != 0 {
		t.Fatalf("generate of the whole trace: exit %d %s", code, stderr)
	}
	// A version 1 trace has no argument values, and the profile
	// restricts clone's flags: --allow-incomplete (TestCheckUnchecked).
	if _, stderr, code := sg(t, dir, "check", "--allow-incomplete", "-p", prof, full); code != 0 || stderr != "" {
		t.Fatalf("check of the whole trace: exit %d %s", code, stderr)
	}
	// Cut at every line boundary and in the middle of every line.
	var cuts []int
	for i, b := range data {
		if b == '\n' && i+1 < len(data) {
			cuts = append(cuts, i+1, i+1+(bytes.IndexByte(data[i+1:], '\n')/2))
		}
	}
	for _, n := range cuts {
		p := filepath.Join(dir, "cut.yaml")
		if err := os.WriteFile(p, data[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"generate", p}, {"check", "-p", prof, p}} {
			out, stderr, code := sg(t, dir, args...)
			if code != exitUsage || out != "" {
				t.Fatalf("%s cut at %d: exit %d, stdout %.80q", args[0], n, code, out)
			}
			oneLine(t, stderr)
			if !strings.Contains(stderr, "cut.yaml: malformed trace") || !(strings.Contains(stderr, "truncated") || strings.Contains(stderr, "cut short")) {
				t.Errorf("%s cut at %d: %s", args[0], n, stderr)
			}
		}
	}
	// A version 1 fixture is read, with a warning.
	_, stderr, code := sg(t, dir, "generate", "-o", "v1.json", genTrace(t, "busybox-ls.yaml"))
	if code != 0 || !strings.Contains(stderr, "busybox-ls.yaml: version 1 trace: it has no closing summary, so a cut at a line boundary cannot be detected") {
		t.Errorf("v1 trace: exit %d\n%s", code, stderr)
	}
	_, stderr, code = sg(t, dir, "check", "--allow-incomplete", "-p", prof, genTrace(t, "busybox-sh-pipe.yaml"))
	if code != 0 || !strings.Contains(stderr, "check: warning: ") || !strings.Contains(stderr, "version 1 trace") {
		t.Errorf("check of a v1 trace: exit %d\n%s", code, stderr)
	}
}

func TestCheckNamesAgreeWithNumbers(t *testing.T) {
	dir := t.TempDir()
	p := &policy.Policy{DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.ENOSYS), Arches: []string{"x86_64", "x86", "x32"},
		Rules: []policy.Rule{{Names: []string{"read", "brk", "exit_group"}, Action: policy.ActAllow}}}
	prof := writeProfile(t, dir, "p.json", p, emit.FormatDocker)
	tests := []struct {
		line string
		want string // "" = covered, exit 0
	}{
		{"  - {arch: x86_64, nr: 101, name: brk, count: 1}", "x86_64 syscall number 101 is ptrace, but the trace names it brk"},
		{"  - {arch: x86_64, nr: 0, name: write, count: 1}", "x86_64 syscall number 0 is read, but the trace names it write"},
		{"  - {arch: x86, nr: 12, name: brk, count: 1}", "x86 syscall number 12 is chdir, but the trace names it brk"},
		{"  - {arch: x32, nr: 1073741836, name: read, count: 1}", "x32 syscall number 1073741836 is brk, but the trace names it read"},
		{"  - {arch: x86_64, nr: 460, name: brk, count: 1}", "x86_64 syscall number 460 has no name"},
		{"  - {arch: x86_64, nr: 12, name: brk, count: 1}", ""},
		{"  - {arch: x86_64, nr: 12, count: 1}", ""}, // named by libseccomp
		{"  - {arch: x86, nr: 45, name: brk, count: 1}", ""},
	}
	for i, tt := range tests {
		tr := filepath.Join(dir, "t.yaml")
		if err := os.WriteFile(tr, []byte(traceYAML("  - {arch: x86_64, nr: 231, name: exit_group, count: 1}", tt.line)), 0o644); err != nil {
			t.Fatal(err)
		}
		out, stderr, code := sg(t, dir, "check", "-p", prof, tr)
		if tt.want == "" {
			if code != 0 {
				t.Errorf("%d %s: exit %d\n%s%s", i, tt.line, code, out, stderr)
			}
			continue
		}
		if code != exitUsage || !strings.Contains(stderr, "t.yaml: "+tt.want) {
			t.Errorf("%d %s: exit %d, stderr %s", i, tt.line, code, stderr)
		}
		oneLine(t, stderr)
		// generate gives the same answer.
		if _, gstderr, code := sg(t, dir, "generate", tr); code != exitUsage || !strings.Contains(gstderr, tt.want) {
			t.Errorf("generate %s: exit %d, %s", tt.line, code, gstderr)
		}
	}
}

func TestUnnamedNumbersGenerateAndCheck(t *testing.T) {
	dir := t.TempDir()
	tr := filepath.Join(dir, "t.yaml")
	if err := os.WriteFile(tr, []byte(traceYAML(
		"  - {arch: x86_64, nr: 0, name: read, count: 2, first: app}",
		"  - {arch: x86_64, nr: 231, name: exit_group, count: 1, first: app}",
		"  - {arch: x86_64, nr: 400, count: 1, first: prober}",
		"  - {arch: x86_64, nr: 460, count: 3, first: app}",
		"  - {arch: x86_64, nr: 99999, count: 4, first: prober}",
	)), 0o644); err != nil {
		t.Fatal(err)
	}
	// generate: reports every one and continues.
	out, stderr, code := sg(t, dir, "generate", "--format", "bpf", "-o", "p.bpf", tr)
	if code != 0 || out != "" {
		t.Fatalf("generate: exit %d, stdout %q (the profile goes to -o)\n%s", code, out, stderr)
	}
	for _, want := range []string{
		"generate: x86_64 syscall number 400 (count 1, first by prober, in " + tr + "): libseccomp cannot name it, so no rule can allow it; the profile answers ENOSYS",
		"generate: x86_64 syscall number 460 (count 3, first by app, in " + tr + "): libseccomp cannot name it",
		"generate: x86_64 syscall number 99999 (count 4, first by prober",
		"generate: 3 syscall number(s) that libseccomp ",
		"--strict makes that an error",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("generate report lacks %q:\n%s", want, stderr)
		}
	}
	prog, err := cbpf.ReadFile(filepath.Join(dir, "p.bpf"))
	if err != nil {
		t.Fatal(err)
	}
	audit, _ := cbpf.AuditArch("x86_64")
	for _, nr := range []int32{400, 460, 99999} {
		r, err := prog.Run(cbpf.Data{Nr: nr, Arch: audit})
		if err != nil || r.String() != "SCMP_ACT_ERRNO(38)" {
			t.Errorf("filter answers %d with %s (%v), want ENOSYS", nr, r, err)
		}
	}
	// The k8s format cannot carry ENOSYS for them, and says so.
	if _, stderr, code := sg(t, dir, "generate", "--format", "k8s", "-o", "p.yaml", tr); code != 0 || !strings.Contains(stderr, "the k8s format cannot carry defaultErrnoRet") {
		t.Errorf("k8s: exit %d\n%s", code, stderr)
	}
	// --strict: exit 2, nothing written.
	out, stderr, code = sg(t, dir, "generate", "--strict", "-o", "strict.json", tr)
	if code != exitUsage || out != "" {
		t.Fatalf("--strict: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "x86_64 syscall number 460 (count 3, first by app") || !strings.Contains(stderr, "generate: --strict: 3 syscall number(s)") {
		t.Errorf("--strict stderr:\n%s", stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "strict.json")); err == nil {
		t.Error("--strict wrote the profile")
	}
	// check: 400 and 460 (numbers a newer kernel may have) are rows that
	// are not covered, in every report format; the verdict is "not
	// covered". 99999, which no syscall has, is answered ENOSYS as the
	// kernel does without a profile: covered (no-syscall).
	if _, stderr, code := sg(t, dir, "generate", "-o", "p.json", tr); code != 0 {
		t.Fatal(stderr)
	}
	out, _, code = sg(t, dir, "check", "-p", "p.json", tr)
	if code != exitNotCovered {
		t.Fatalf("check: exit %d, want 3\n%s", code, out)
	}
	for _, want := range []string{"does NOT cover 2 of 5", "#460", "libseccomp cannot name number 460 on x86_64: no rule can allow it", "#400", "note: x86_64/#99999: no syscall has number 99999 on x86_64: answered SCMP_ACT_ERRNO(ENOSYS)"} {
		if !strings.Contains(out, want) {
			t.Errorf("human report lacks %q:\n%s", want, out)
		}
	}
	out, _, code = sg(t, dir, "check", "-p", "p.json", "--report", "json", tr)
	var v struct {
		OK      bool
		Missing []struct {
			Name, Arch, Reason, Detail string
			Nr                         int
			Count                      uint64
			First                      string
		}
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != exitNotCovered || v.OK || len(v.Missing) != 2 {
		t.Fatalf("json: exit %d %v %+v", code, err, v)
	}
	if m := v.Missing[1]; m.Name != "#460" || m.Nr != 460 || m.Reason != "unknown" || m.Count != 3 || m.First != "app" || !strings.Contains(m.Detail, "no rule can allow it") {
		t.Errorf("json row %+v", m)
	}
	out, _, code = sg(t, dir, "check", "-p", "p.json", "--report", "junit", tr)
	if code != exitNotCovered || !strings.Contains(out, `failures="2"`) || !strings.Contains(out, `type="unknown"`) || !strings.Contains(out, "libseccomp cannot name number 460 on x86_64") || strings.Contains(out, "number 99999") {
		t.Errorf("junit: exit %d\n%s", code, out)
	}
}

func TestCountsAtTheBoundary(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, lines ...string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(traceYAML(lines...)), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := write("a.yaml", "  - {arch: x86_64, nr: 0, name: read, count: 9223372036854775807}", "  - {arch: x86_64, nr: 231, name: exit_group, count: 1}")
	b := write("b.yaml", "  - {arch: x86_64, nr: 0, name: read, count: 1}", "  - {arch: x86_64, nr: 231, name: exit_group, count: 1}")
	over := write("over.yaml", "  - {arch: x86_64, nr: 0, name: read, count: 9223372036854775808}")
	_, stderr, code := sg(t, dir, "generate", "-o", "p.json", a, b)
	if code != 0 || !strings.Contains(stderr, "count of read (x86_64) saturated at 9223372036854775807") {
		t.Errorf("generate: exit %d\n%s", code, stderr)
	}
	out, _, code := sg(t, dir, "check", "-p", "p.json", a, b)
	if code != 0 || !strings.Contains(out, "note: the count of read (x86_64) saturated at 9223372036854775807") {
		t.Errorf("check: exit %d\n%s", code, out)
	}
	out, _, _ = sg(t, dir, "check", "-p", "p.json", "--report", "json", a, b)
	if !strings.Contains(out, `"count": 9223372036854775807`) || !strings.Contains(out, "saturated") {
		t.Errorf("check json:\n%s", out)
	}
	for _, args := range [][]string{{"generate", over}, {"check", "-p", "p.json", over}} {
		_, stderr, code := sg(t, dir, args...)
		if code != exitUsage || !strings.Contains(stderr, "count 9223372036854775808 is above 2^63-1") {
			t.Errorf("%s: exit %d %s", args[0], code, stderr)
		}
		oneLine(t, stderr)
	}
}

func TestTraceSizeBound(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte(traceYAML("  - {arch: x86_64, nr: 0, name: read, count: 1}")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 50<<20); err != nil {
		t.Fatal(err)
	}
	prof := writeProfile(t, dir, "p.json", &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64"},
		Rules: []policy.Rule{{Names: []string{"read"}, Action: policy.ActAllow}}}, emit.FormatDocker)
	for _, args := range [][]string{{"generate", big}, {"check", "-p", prof, big}} {
		_, stderr, code := sg(t, dir, args...)
		if code != exitUsage || !strings.Contains(stderr, "big.yaml: malformed trace: too large: larger than 4 MiB") {
			t.Errorf("%s: exit %d %s", args[0], code, stderr)
		}
		oneLine(t, stderr)
	}
}

// TestUnnamedNumbersEndToEnd records a program that calls statmount (457),
// listmount (458) and mseal (462), newer than libseccomp 2.5.4: trace keeps
// them by number in a version 2 file, generate reports them and goes on
// (--strict stops), and check and replay (traced and enforced) say that
// the profile cannot cover them.
func TestUnnamedNumbersEndToEnd(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "gcc")
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("..", "..", "testdata", "workloads", "newsys.c"))
	if err != nil {
		t.Fatal(err)
	}
	bin := cc(t, dir, "newsys", string(src))

	_, stderr, code := sg(t, dir, "trace", "-o", "t.yaml", "--", bin)
	if code != 0 {
		t.Fatalf("trace: exit %d\n%s", code, stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "t.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "\nversion: 2\n") || !strings.Contains(string(data), "{arch: x86_64, nr: 457, count: 1, first: newsys}") ||
		!strings.Contains(string(data), "\nend: {entries: ") {
		t.Fatalf("trace file:\n%s", data)
	}

	_, stderr, code = sg(t, dir, "generate", "-o", "p.json", "t.yaml")
	if code != 0 {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	for _, nr := range []string{"457", "458", "462"} {
		if !strings.Contains(stderr, "generate: x86_64 syscall number "+nr+" (count 1, first by newsys, in t.yaml): libseccomp cannot name it") {
			t.Errorf("generate does not report %s:\n%s", nr, stderr)
		}
	}
	if _, stderr, code := sg(t, dir, "generate", "--strict", "-o", "strict.json", "t.yaml"); code != exitUsage || !strings.Contains(stderr, "--strict: 3 syscall number(s)") {
		t.Errorf("--strict: exit %d\n%s", code, stderr)
	}

	check := func(what string, out string, code int) {
		t.Helper()
		if code != exitNotCovered {
			t.Errorf("%s: exit %d, want 3\n%s", what, code, out)
		}
		for _, nr := range []string{"457", "458", "462"} {
			if !strings.Contains(out, "#"+nr) {
				t.Errorf("%s: no row for %s:\n%s", what, nr, out)
			}
		}
	}
	out, _, code := sg(t, dir, "check", "-p", "p.json", "t.yaml")
	check("check", out, code)
	if !strings.Contains(out, "libseccomp cannot name number 462 on x86_64: no rule can allow it") {
		t.Errorf("check:\n%s", out)
	}
	out, _, code = sg(t, dir, "replay", "-p", "p.json", "--save-trace", "r.yaml", "--", bin)
	check("replay", out, code)
	if !strings.Contains(out, "libseccomp cannot name number 457 on x86_64: no rule can allow it") {
		t.Errorf("replay:\n%s", out)
	}
	if f, err := trace.ReadFile(filepath.Join(dir, "r.yaml")); err != nil || f.Version != trace.Version {
		t.Errorf("replay --save-trace: %v", err)
	}
	// Under the filter the numbers get ENOSYS, which replay --enforce
	// reports as denied.
	out, _, code = sg(t, dir, "replay", "--enforce", "-p", "p.json", "--", bin)
	check("replay --enforce", out, code)
	if !strings.Contains(out, "libseccomp cannot name number 458 on x86_64: no rule can allow it (the filter answered SCMP_ACT_ERRNO(ENOSYS))") {
		t.Errorf("replay --enforce: the numbers should be answered ENOSYS:\n%s", out)
	}
}

// A trace from a build between 1a6bac3 and 4c28bb9 holds a program's
// syscall(-1) as {arch: x32, nr: -1}; every command reads it as the x86_64
// call seccomp sees (TestDecodeOldX32Probe). check failed the run ("ABI
// x32 not covered", exit 3) and generate said runtimes kill it.
func TestOldX32ProbeIsX86_64(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, lines ...string) string {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(traceYAML(lines...)), 0o644); err != nil {
			t.Fatal(err)
		}
		return name
	}
	body := []string{"  - {arch: x86_64, nr: 0, name: read, count: 1}", "  - {arch: x86_64, nr: 231, name: exit_group, count: 1}"}
	now := write("now.yaml", append(body, "  - {arch: x86_64, nr: -1, count: 1, first: probes}")...)
	old := write("old.yaml", append(body, "  - {arch: x32, nr: -1, count: 1, first: probes}")...)
	if _, stderr, code := sg(t, dir, "generate", "--baseline", "none", "-o", "p.json", now); code != 0 {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	out, stderr, code := sg(t, dir, "check", "-p", "p.json", old)
	if code != 0 || !strings.Contains(out, "x86_64/#-1: no syscall has number -1 on x86_64") {
		t.Errorf("check of the old trace: exit %d, want 0 and the probe covered on x86_64\n%s%s", code, out, stderr)
	}
	_, stderr, code = sg(t, dir, "generate", "--baseline", "none", "-o", "old.json", old)
	if code != 0 || strings.Contains(stderr, "x32") || !strings.Contains(stderr, "x86_64 syscall number -1 (count 1, first by probes, in old.yaml)") {
		t.Errorf("generate of the old trace: exit %d\n%s", code, stderr)
	}
}

// --strict refuses a single number libseccomp cannot name as it refuses
// several: exit 2, nothing written.
func TestStrictOneUnnamedNumber(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t.yaml"), []byte(traceYAML(
		"  - {arch: x86_64, nr: 0, name: read, count: 1}",
		"  - {arch: x86_64, nr: 99999, count: 1}")), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := sg(t, dir, "generate", "--strict", "-o", "strict.json", "t.yaml")
	if code != exitUsage || !strings.Contains(stderr, "generate: --strict: 1 syscall number(s)") {
		t.Errorf("--strict with one unnamed number: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "strict.json")); err == nil {
		t.Error("--strict wrote the profile")
	}
}
