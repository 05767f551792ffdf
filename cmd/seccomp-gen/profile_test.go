package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/report"
)

// generateAll writes the profile of traces in every format generate writes
// (docker app.json, oci app.oci.json, k8s app.yaml, bpf app.bpf).
func generateAll(t *testing.T, dir string, traces ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range []struct{ format, name string }{{"docker", "app.json"}, {"oci", "app.oci.json"}, {"k8s", "app.yaml"}, {"bpf", "app.bpf"}} {
		args := append([]string{"generate", "--format", f.format, "-o", f.name}, traces...)
		if f.format == "k8s" {
			args = append(args, "--name", "app")
		}
		if _, stderr, code := sg(t, dir, args...); code != 0 {
			t.Fatalf("generate --format %s: exit %d\n%s", f.format, code, stderr)
		}
		out[f.format] = filepath.Join(dir, f.name)
	}
	return out
}

// verdictOf runs check with a JSON report and returns the exit status and
// the missing syscalls as "arch/name/reason" lines.
func verdictOf(t *testing.T, dir string, args ...string) (int, string) {
	t.Helper()
	rep := filepath.Join(dir, "verdict.json")
	os.Remove(rep)
	args = append([]string{args[0], "--report", "json", "-o", rep}, args[1:]...)
	out, stderr, code := sg(t, dir, args...)
	var v report.Verdict
	data, err := os.ReadFile(rep)
	if err == nil {
		err = json.Unmarshal(data, &v)
	}
	if err != nil {
		t.Fatalf("%v: exit %d, report %v\n%s\n%s", args, code, err, out, stderr)
	}
	var s []string
	for _, m := range v.Missing {
		s = append(s, fmt.Sprintf("%s/%s/%d/%s/%s", m.Arch, m.Name, m.Nr, m.Reason, m.Detail))
	}
	return code, fmt.Sprintf("checked %d ok %v missing %s", v.Checked, v.OK, strings.Join(s, " "))
}

// enosysVsEperm is a diff line with ENOSYS in A and EPERM in B (columns
// padded to the widest row).
var enosysVsEperm = regexp.MustCompile(`(?m)SCMP_ACT_ERRNO\(ENOSYS\)\s+SCMP_ACT_ERRNO\(EPERM\)\s*$`)

// A raw filter written by generate --format bpf is a profile to check and
// diff, with the verdict of the JSON it came from.
func TestRawFilterCheckAndDiff(t *testing.T) {
	dir := t.TempDir()
	ls, pipe, lsl := genTrace(t, "busybox-ls.yaml"), genTrace(t, "busybox-sh-pipe.yaml"), genTrace(t, "busybox-ls-l.yaml")
	for _, from := range [][]string{{ls}, {pipe}, {ls, lsl}} {
		sub := t.TempDir()
		p := generateAll(t, sub, from...)
		for _, traces := range [][]string{{ls}, {pipe}, {lsl}, {ls, pipe, lsl}} {
			wantCode, want := verdictOf(t, sub, append([]string{"check", "-p", p["docker"]}, traces...)...)
			gotCode, got := verdictOf(t, sub, append([]string{"check", "-p", p["bpf"]}, traces...)...)
			if gotCode != wantCode || got != want {
				t.Errorf("profile of %v, traces %v:\nbpf:  exit %d %s\njson: exit %d %s", from, traces, gotCode, got, wantCode, want)
			}
		}
		// The filter and every text format it came from answer alike...
		for _, other := range []string{p["docker"], p["oci"]} {
			for _, pair := range [][2]string{{p["bpf"], other}, {other, p["bpf"]}} {
				if out, stderr, code := sg(t, sub, "diff", pair[0], pair[1]); code != 0 {
					t.Errorf("diff %s %s: exit %d\n%s%s", filepath.Base(pair[0]), filepath.Base(pair[1]), code, out, stderr)
				}
			}
		}
		// ...except the SPO CRD, which has no defaultErrnoRet: numbers
		// beyond the table get EPERM there, ENOSYS from the filter and
		// from the Docker profile (defaultErrnoRet 38).
		for _, a := range []string{p["bpf"], p["docker"]} {
			out, _, code := sg(t, sub, "diff", a, p["k8s"])
			if code != exitNotCovered || !strings.Contains(out, "#457") || !enosysVsEperm.MatchString(out) {
				t.Errorf("diff %s app.yaml: exit %d\n%s", filepath.Base(a), code, out)
			}
			// Both deny there: not a superset question, and not listed
			// without -v.
			out, _, code = sg(t, sub, "diff", "--superset", a, p["k8s"])
			if code != 0 || strings.Contains(out, "#457") || !strings.Contains(out, "-v shows them") {
				t.Errorf("diff --superset %s app.yaml: exit %d\n%s", filepath.Base(a), code, out)
			}
			out, _, code = sg(t, sub, "diff", "--superset", "-v", a, p["k8s"])
			if code != 0 || !strings.Contains(out, "#457") {
				t.Errorf("diff --superset -v %s app.yaml: exit %d\n%s", filepath.Base(a), code, out)
			}
		}
	}
	// Profiles of different traces differ, raw or not, in the same way.
	a, b := generateAll(t, t.TempDir(), ls), generateAll(t, t.TempDir(), pipe)
	want, _, _ := sg(t, dir, "diff", "--report", "json", a["docker"], b["docker"])
	for _, pair := range [][2]string{{a["bpf"], b["docker"]}, {a["docker"], b["bpf"]}, {a["bpf"], b["bpf"]}} {
		out, _, code := sg(t, dir, "diff", "--report", "json", pair[0], pair[1])
		var gd, wd report.Diff
		json.Unmarshal([]byte(out), &gd)
		json.Unmarshal([]byte(want), &wd)
		if code != exitNotCovered || len(gd.OnlyA) != len(wd.OnlyA) || len(gd.OnlyB) != len(wd.OnlyB) || len(gd.OnlyB) == 0 {
			t.Errorf("diff %v: exit %d %d/%d, want %d/%d", pair, code, len(gd.OnlyA), len(gd.OnlyB), len(wd.OnlyA), len(wd.OnlyB))
		}
	}
}

// diff --superset lists only what breaks the superset unless -v.
func TestDiffSupersetVerbose(t *testing.T) {
	dir := t.TempDir()
	base := &policy.Policy{DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.ENOSYS), Arches: []string{"x86_64"},
		Rules: []policy.Rule{{Names: []string{"read", "write", "uname"}, Action: policy.ActAllow}}}
	wider := *base
	wider.Rules = []policy.Rule{{Names: []string{"read", "write", "uname", "getpid"}, Action: policy.ActAllow},
		{Names: []string{"mount"}, Action: policy.ActErrno, Errno: policy.Errno(13)}}
	b := writeProfile(t, dir, "base.json", base, emit.FormatDocker)
	w := writeProfile(t, dir, "wider.json", &wider, emit.FormatDocker)
	out, _, code := sg(t, dir, "diff", "--superset", w, b)
	if code != 0 || strings.Contains(out, "getpid") || strings.Contains(out, "mount") {
		t.Errorf("diff --superset wider base: exit %d\n%s", code, out)
	}
	out, _, code = sg(t, dir, "diff", "--superset", "-v", w, b)
	if code != 0 || !strings.Contains(out, "getpid") || !strings.Contains(out, "mount") {
		t.Errorf("diff --superset -v wider base: exit %d\n%s", code, out)
	}
	out, _, code = sg(t, dir, "diff", "--superset", b, w)
	if code != exitNotCovered || !strings.Contains(out, "getpid") || strings.Contains(out, "mount") {
		t.Errorf("diff --superset base wider: exit %d\n%s", code, out)
	}
	// A conditional allow is not an unconditional one.
	cond := *base
	cond.Rules = append([]policy.Rule{{Names: []string{"personality"}, Action: policy.ActAllow,
		Args: []policy.Arg{{Index: 0, Value: 8, Op: policy.OpEqualTo}}}}, base.Rules...)
	uncond := *base
	uncond.Rules = append([]policy.Rule{{Names: []string{"personality"}, Action: policy.ActAllow}}, base.Rules...)
	c := writeProfile(t, dir, "cond.json", &cond, emit.FormatDocker)
	u := writeProfile(t, dir, "uncond.yaml", &uncond, emit.FormatSPO)
	out, _, code = sg(t, dir, "diff", "--superset", c, u)
	if code != exitNotCovered || !strings.Contains(out, "personality") || !strings.Contains(out, "all 0") {
		t.Errorf("diff --superset conditional unconditional: exit %d\n%s", code, out)
	}
}

// threadTrace is the trace of a glibc 2.36 program that starts one thread
// (threadSrc): pthread_create makes clone3, and no clone.
const threadTrace = `version: 2
target: {command: [th]}
host: {kernel: "6.18", arch: x86_64}
started: 2026-12-02T19:33:22Z
duration: 0.009s
exit_code: 0
lost: 0
processes: 1
syscalls:
  - {arch: x86_64, nr: 0, name: read, count: 1, first: th}
  - {arch: x86_64, nr: 3, name: close, count: 2, first: th}
  - {arch: x86_64, nr: 9, name: mmap, count: 9, first: th, args: [{index: 2, values: [0, 2, 4]}]}
  - {arch: x86_64, nr: 10, name: mprotect, count: 4, first: th, args: [{index: 2, values: [0, 2]}]}
  - {arch: x86_64, nr: 11, name: munmap, count: 1, first: th}
  - {arch: x86_64, nr: 12, name: brk, count: 3, first: th}
  - {arch: x86_64, nr: 13, name: rt_sigaction, count: 1, first: th}
  - {arch: x86_64, nr: 14, name: rt_sigprocmask, count: 5, first: th}
  - {arch: x86_64, nr: 17, name: pread64, count: 2, first: th}
  - {arch: x86_64, nr: 21, name: access, count: 1, first: th}
  - {arch: x86_64, nr: 28, name: madvise, count: 1, first: th}
  - {arch: x86_64, nr: 59, name: execve, count: 1, first: th}
  - {arch: x86_64, nr: 60, name: exit, count: 1, first: th}
  - {arch: x86_64, nr: 158, name: arch_prctl, count: 1, first: th}
  - {arch: x86_64, nr: 202, name: futex, count: 1, first: th}
  - {arch: x86_64, nr: 218, name: set_tid_address, count: 1, first: th}
  - {arch: x86_64, nr: 231, name: exit_group, count: 1, first: th}
  - {arch: x86_64, nr: 257, name: openat, count: 2, first: th}
  - {arch: x86_64, nr: 262, name: newfstatat, count: 2, first: th}
  - {arch: x86_64, nr: 273, name: set_robust_list, count: 2, first: th}
  - {arch: x86_64, nr: 302, name: prlimit64, count: 1, first: th}
  - {arch: x86_64, nr: 318, name: getrandom, count: 1, first: th}
  - {arch: x86_64, nr: 334, name: rseq, count: 2, first: th}
  - {arch: x86_64, nr: 435, name: clone3, count: 1, first: th}
end: {entries: 24, total: 47}
`

// A threaded glibc program's trace passes check against its profile in
// every format generate writes, with the same report: clone3 answered
// ENOSYS, glibc falls back to clone, which the profile allows. The raw
// filter got no fallback verdict (clone3 "profile answers
// SCMP_ACT_ERRNO(ENOSYS)", exit 3) where the JSON it was compiled from
// passed, and the kernel ran the program under it.
func TestRawFilterFallback(t *testing.T) {
	dir := t.TempDir()
	tr := filepath.Join(dir, "thread.yaml")
	if err := os.WriteFile(tr, []byte(threadTrace), 0o644); err != nil {
		t.Fatal(err)
	}
	p := generateAll(t, dir, tr)
	const note = "note: x86_64/clone3 answered SCMP_ACT_ERRNO(ENOSYS); glibc 2.36 falls back to clone, which the profile allows for some argument values: covered, the program goes on without it"
	want, _, _ := sg(t, dir, "check", "-p", p["docker"], tr)
	for _, f := range []string{"docker", "oci", "k8s", "bpf"} {
		out, stderr, code := sg(t, dir, "check", "-p", p[f], tr)
		if code != 0 || !strings.Contains(out, note) {
			t.Errorf("check -p %s: exit %d, want 0 and the note %q\n%s%s", filepath.Base(p[f]), code, note, out, stderr)
		}
		if out = strings.ReplaceAll(out, p[f], p["docker"]); out != want {
			t.Errorf("check -p %s: report\n%s\nwant the report of %s\n%s", filepath.Base(p[f]), out, filepath.Base(p["docker"]), want)
		}
	}
}

// Only valid binary filters are raw filters; text is a profile whatever
// its size and first bytes; bad binary data is refused with one line.
func TestRawFilterDetection(t *testing.T) {
	dir := t.TempDir()
	p := &policy.Policy{DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.ENOSYS), Arches: []string{"x86_64"},
		Rules: []policy.Rule{{Names: []string{"read", "write", "exit_group"}, Action: policy.ActAllow}}}
	prog, err := cbpf.Compile(p, cbpf.Options{Arch: "x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	raw := prog.Bytes()
	trace := filepath.Join(dir, "t.yaml")
	os.WriteFile(trace, []byte(traceYAML("  - {arch: x86_64, nr: 0, name: read, count: 1}")), 0o644)
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	spo, err := emit.Write(p, emit.FormatSPO, emit.Options{Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	docker, err := emit.Write(p, emit.FormatDocker, emit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A JSON profile padded to a multiple of 8 bytes is still JSON.
	for len(docker)%8 != 0 {
		docker = append(docker, ' ')
	}
	accepted := map[string][]byte{
		"filter":        raw,
		"docker8":       docker,
		"spo-dashes":    append([]byte("---\n"), spo...),
		"spo-comment":   append([]byte("# my profile\n\n"), spo...),
		"spo-blank":     append([]byte("\n\n  \n"), spo...),
		"spo-crlf":      []byte(strings.ReplaceAll(string(spo), "\n", "\r\n")),
		"spo-dashes-cm": append([]byte("# head\n---\n# body\n"), spo...),
	}
	plainSPO, plainFilter := write("plain.yaml", spo), write("plain.bpf", raw)
	for name, data := range accepted {
		path := write(name, data)
		if out, stderr, code := sg(t, dir, "check", "-p", path, trace); code != 0 {
			t.Errorf("check -p %s: exit %d\n%s%s", name, code, out, stderr)
		}
		// The same profile as the plain SPO file, or (Docker JSON with
		// defaultErrnoRet) as its filter.
		other := plainFilter
		if strings.HasPrefix(name, "spo") {
			other = plainSPO
		}
		if out, stderr, code := sg(t, dir, "diff", path, other); code != 0 {
			t.Errorf("diff %s %s: exit %d\n%s%s", name, filepath.Base(other), code, out, stderr)
		}
	}
	bad := map[string][]byte{
		"truncated":   raw[:len(raw)-3],
		"odd-insns":   raw[:len(raw)-8], // the last instruction is not a return
		"zeros":       make([]byte, 64),
		"high-opcode": append([]byte{0x06, 0x01, 0, 0, 0, 0, 0xff, 0x7f}, raw...),
		"jump-out":    {0x15, 0, 9, 9, 0, 0, 0, 0, 0x06, 0, 0, 0, 0, 0, 0xff, 0x7f},
		"utf16":       []byte("{\x00}\x00\n\x00 \x00"),
		"latin1-nul":  []byte("# caf\xe9\x00\n---\n"),
		"too-long":    make([]byte, (cbpf.MaxInstructions+1)*cbpf.InstructionSize),
	}
	for name, data := range bad {
		path := write(name, data)
		for _, args := range [][]string{{"check", "-p", path, trace}, {"diff", path, path}, {"replay", "-p", path, "--", "true"}} {
			_, stderr, code := sg(t, dir, args...)
			if code != exitUsage || !strings.Contains(stderr, name) {
				t.Errorf("%s %s: exit %d, want 2\n%s", args[0], name, code, stderr)
			}
			oneLine(t, stderr)
		}
	}
	// A filter that kills everything covers nothing.
	killAll := write("kill.bpf", cbpf.Program{{Code: 0x06, K: cbpf.RetKillProcess}}.Bytes())
	if _, stderr, code := sg(t, dir, "check", "-p", killAll, trace); code != exitUsage {
		t.Errorf("check a kill-all filter: exit %d\n%s", code, stderr)
	}
	// --enforce needs the profile, not its filter.
	_, stderr, code := sg(t, dir, "replay", "--enforce", "-p", write("app.bpf", raw), "--", "true")
	if code != exitUsage || !strings.Contains(stderr, "--enforce") {
		t.Errorf("replay --enforce raw: exit %d\n%s", code, stderr)
	}
	oneLine(t, stderr)
}

// replay of a raw filter gives the verdict of the JSON it came from.
func TestReplayRawFilter(t *testing.T) {
	testutil.RequireRoot(t)
	wl := workload(t)
	dir := t.TempDir()
	any := writeProfile(t, dir, "any.json", allowAllBut("sched_setaffinity", policy.ActErrno), emit.FormatDocker)
	if _, stderr, code := sg(t, dir, "replay", "-p", any, "--save-trace", "base.yaml", "-o", "report.txt", "--", wl); code != 0 {
		t.Fatalf("replay (recording base): exit %d\n%s", code, stderr)
	}
	p := generateAll(t, dir, filepath.Join(dir, "base.yaml"))
	for _, run := range [][]string{{wl}, {wl, "--extra"}} {
		wantCode, want := verdictOf(t, dir, append([]string{"replay", "-p", p["docker"], "--"}, run...)...)
		gotCode, got := verdictOf(t, dir, append([]string{"replay", "-p", p["bpf"], "--"}, run...)...)
		if gotCode != wantCode || got != want {
			t.Errorf("replay %v:\nbpf:  exit %d %s\njson: exit %d %s", run, gotCode, got, wantCode, want)
		}
		if len(run) == 2 && (gotCode != exitNotCovered || !strings.Contains(got, "getpriority")) {
			t.Errorf("replay --extra of the raw filter: exit %d %s", gotCode, got)
		}
	}
}
