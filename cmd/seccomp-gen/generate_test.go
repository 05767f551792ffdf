package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	mobyseccomp "github.com/moby/profiles/seccomp"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/policy"
)

// genTraces are real traces recorded on a test host (testdata/traces).
func genTrace(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "testdata", "traces", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGenerateFormats(t *testing.T) {
	dir := t.TempDir()
	ls, pipe := genTrace(t, "busybox-ls.yaml"), genTrace(t, "busybox-sh-pipe.yaml")

	out, stderr, code := sg(t, dir, "generate", ls, pipe)
	if code != 0 {
		t.Fatalf("generate: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"merged 2 trace(s)", "baselines: process, runc, crun", "allows"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("report lacks %q:\n%s", want, stderr)
		}
	}
	// Docker JSON loads with moby's own loader.
	if _, err := mobyseccomp.LoadProfile(out, nil); err != nil {
		t.Errorf("moby LoadProfile: %v", err)
	}
	p, format, err := emit.Parse("docker", []byte(out))
	if err != nil || format != emit.FormatDocker {
		t.Fatalf("read back: %v %s", err, format)
	}
	for _, n := range []string{"getdents64", "pipe2", "wait4", "execve", "exit_group"} {
		if !p.Allows(n) {
			t.Errorf("%s not allowed", n)
		}
	}
	if v := p.Lookup("ptrace"); v.Action != policy.ActErrno || v.Errno != policy.EPERM {
		t.Errorf("ptrace: %+v, want EPERM", v)
	}
	if p.DefaultErrno == nil || *p.DefaultErrno != policy.ENOSYS {
		t.Errorf("default errno %v, want ENOSYS", p.DefaultErrno)
	}

	// Same input, any order: byte-identical.
	again, _, _ := sg(t, dir, "generate", pipe, ls)
	if again != out {
		t.Error("trace order changes the output")
	}

	// oci, k8s and -o files.
	for _, f := range []struct{ format, file string }{{"oci", "p.oci.json"}, {"k8s", "p.yaml"}, {"docker", "p.json"}} {
		args := []string{"generate", "--format", f.format, "-o", f.file, ls}
		if f.format == "k8s" {
			args = append(args, "--name", "busybox-ls")
		}
		_, stderr, code := sg(t, dir, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		// What a format cannot carry is said (emit.Losses): the CRD has
		// no defaultErrnoRet, so newer syscalls lose their ENOSYS.
		if lost := strings.Contains(stderr, "generate: note: the SeccompProfile CRD has no defaultErrnoRet"); lost != (f.format == "k8s") {
			t.Errorf("%s: ENOSYS loss said: %v, want %v:\n%s", f.format, lost, f.format == "k8s", stderr)
		}
		got, format, err := emit.Read(filepath.Join(dir, f.file))
		if err != nil || string(format) != f.format || !got.Allows("getdents64") {
			t.Errorf("%s: %v %s", f.format, err, format)
		}
	}
	if k8s, _ := os.ReadFile(filepath.Join(dir, "p.yaml")); !strings.Contains(string(k8s), "name: busybox-ls") {
		t.Errorf("k8s object not named:\n%s", k8s)
	}

	// bpf: a valid raw filter that allows what the trace did.
	if _, stderr, code := sg(t, dir, "generate", "--format", "bpf", "-o", "p.bpf", ls); code != 0 {
		t.Fatalf("bpf: exit %d: %s", code, stderr)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "p.bpf"))
	prog, err := cbpf.Parse(raw)
	if err != nil {
		t.Fatalf("bpf output: %v", err)
	}
	res, err := prog.Run(cbpf.Data{Nr: 217, Arch: cbpf.AuditArchX86_64}) // getdents64
	if err != nil || res.Action != policy.ActAllow {
		t.Errorf("getdents64 in the filter: %+v %v", res, err)
	}

	// --oci-config sets linux.seccomp in place, keeping other fields.
	cfg := filepath.Join(dir, "config.json")
	os.WriteFile(cfg, []byte(`{"ociVersion":"1.0.2","process":{"args":["ls"]},"root":{"path":"rootfs"},"linux":{}}`), 0o644)
	if _, stderr, code := sg(t, dir, "generate", "--oci-config", cfg, ls); code != 0 {
		t.Fatalf("--oci-config: exit %d: %s", code, stderr)
	}
	var c struct {
		Process struct{ Args []string }
		Linux   struct{ Seccomp json.RawMessage }
	}
	data, _ := os.ReadFile(cfg)
	if err := json.Unmarshal(data, &c); err != nil || len(c.Process.Args) != 1 || len(c.Linux.Seccomp) == 0 {
		t.Errorf("config.json after --oci-config: %v\n%s", err, data)
	}
}

func TestGenerateReduction(t *testing.T) {
	dir := t.TempDir()
	ls, lsl := genTrace(t, "busybox-ls.yaml"), genTrace(t, "busybox-ls-l.yaml")
	out, stderr, code := sg(t, dir, "generate", "--min-runs", "2", "--baseline", "none", ls, lsl)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	p, _, err := emit.Parse("out", []byte(out))
	if err != nil {
		t.Fatal(err)
	}
	// ls -l reads /etc/passwd etc.; plain ls does not: whatever only one
	// run used is dropped and reported with its counts.
	if !strings.Contains(stderr, "dropped ") || !strings.Contains(stderr, "in 1 of 2 traces, below --min-runs 2") {
		t.Errorf("no drop report:\n%s", stderr)
	}
	for _, line := range strings.Split(stderr, "\n") {
		if name, ok := strings.CutPrefix(line, "generate: dropped "); ok {
			name, _, _ = strings.Cut(name, " ")
			if p.Allows(name) {
				t.Errorf("%s reported dropped but allowed", name)
			}
		}
	}
	if !p.Allows("getdents64") || !p.Allows("exit_group") {
		t.Error("syscalls of both runs were dropped")
	}

	// The same file twice, by one name or two, is one run: with
	// --min-runs 2 what only ls -l used is still dropped.
	lslLink := filepath.Join(dir, "lsl-link.yaml")
	if err := os.Symlink(lsl, lslLink); err != nil {
		t.Fatal(err)
	}
	out2, stderr2, code := sg(t, dir, "generate", "--min-runs", "2", "--baseline", "none", ls, lsl, lsl, lslLink)
	if code != 0 {
		t.Fatalf("a trace named twice: exit %d: %s", code, stderr2)
	}
	if out2 != out {
		t.Errorf("a trace named twice changed the profile:\n%s", stderr2)
	}
	for _, want := range []string{"generate: warning: " + lsl + " is named twice; counted as one run", "generate: warning: " + lslLink + " is the same file as " + lsl + "; counted as one run"} {
		if !strings.Contains(stderr2, want) {
			t.Errorf("no warning %q:\n%s", want, stderr2)
		}
	}

	// Arch mapping from a hand-written x86_64 trace.
	tr := filepath.Join(dir, "legacy.yaml")
	os.WriteFile(tr, []byte(`version: 1
target: {command: [legacy]}
host: {kernel: x, arch: x86_64}
started: 2026-01-01T00:00:00Z
duration: 0.001s
lost: 0
processes: 1
syscalls:
  - {arch: x86_64, nr: 2, name: open, count: 1}
  - {arch: x86_64, nr: 4, name: stat, count: 1}
  - {arch: x86_64, nr: 158, name: arch_prctl, count: 1}
  - {arch: x86_64, nr: 231, name: exit_group, count: 1}
`), 0o644)
	out, stderr, code = sg(t, dir, "generate", "--arch", "aarch64", tr)
	if code != 0 {
		t.Fatalf("--arch aarch64: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"aarch64: open does not exist there, allowed as openat", "aarch64: stat does not exist there, allowed as newfstatat", "aarch64: arch_prctl has no equivalent there, left out"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("report lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(out, `"SCMP_ARCH_AARCH64"`) || strings.Contains(out, "SCMP_ARCH_X86_64") {
		t.Errorf("arches wrong:\n%.300s", out)
	}
}

func TestGenerateBadInput(t *testing.T) {
	dir := t.TempDir()
	ls := genTrace(t, "busybox-ls.yaml")
	good, _ := os.ReadFile(ls)
	write := func(name, body string) string {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
		return name
	}
	write("truncated.yaml", string(good[:len(good)/2])+"\n  - {arch: x86_64, nr: 1")
	write("garbage.yaml", "\x00\x01not yaml: [")
	write("v3.yaml", strings.Replace(string(good), "version: 1", "version: 3", 1))
	write("empty.yaml", "")
	write("nosyscalls.yaml", string(good[:strings.Index(string(good), "syscalls:")])+"syscalls: []\n")
	write("lost.yaml", strings.Replace(string(good), "lost: 0", "lost: 7", 1))
	write("unknown.yaml", strings.Replace(string(good), "name: getuid", "name: getfoo", 1))
	write("ptrace.yaml", strings.Replace(string(good), "nr: 102, name: getuid", "nr: 101, name: ptrace", 1))
	write("i386.yaml", strings.Replace(string(good), "arch: x86_64, nr: 102, name: getuid", "arch: x86, nr: 199, name: getuid32", 1))
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"truncated.yaml"}, "truncated.yaml: malformed trace"},
		{[]string{"garbage.yaml"}, "garbage.yaml: malformed trace"},
		{[]string{"v3.yaml"}, "v3.yaml: malformed trace: unsupported version 3"},
		{[]string{"empty.yaml"}, "empty.yaml: malformed trace: empty file"},
		{[]string{"nosyscalls.yaml"}, "nosyscalls.yaml: empty trace"},
		{[]string{"lost.yaml"}, "lost.yaml: incomplete trace: the recorder lost 7 event(s); re-record, or pass --allow-incomplete"},
		{[]string{"unknown.yaml"}, `unknown.yaml: x86_64 syscall number 102 is getuid, but the trace names it getfoo`},
		{[]string{"ptrace.yaml"}, "ptrace.yaml: syscall ptrace is in the deny ceiling"},
		{[]string{"missing.yaml"}, "missing.yaml: no such file"},
		{[]string{"--arch", "sparc", ls}, `--arch: unknown architecture "sparc"`},
		{[]string{"--drop-arch", "sparc", ls}, `--drop-arch: unknown architecture "sparc"`},
		{[]string{"--arch", "x86", "--drop-arch", "x86", ls}, `--drop-arch x86: an ABI cannot be both covered and dropped`},
		// A raw filter is for one machine: aarch64 is not left out silently.
		{[]string{"--format", "bpf", "-o", "p.bpf", "--arch", "x86_64", "--arch", "aarch64", ls}, "generate: --format bpf: policy covers ABIs the target machine does not run: aarch64 (a filter for x86_64 runs x86_64, x86, x32)"},
		{[]string{"--format", "bpf", "-o", "p.bpf", "--arch", "arm", "--arch", "x86", ls}, "does not run: x86 (a filter for arm runs arm)"},
		// The i386 program would be killed under an x86_64-only profile.
		{[]string{"--arch", "x86_64", "i386.yaml"}, "the traces hold 1 distinct syscall(s) on x86 by busybox (in i386.yaml), but --arch covers x86_64 and leaves x86 out: " +
			"on a x86_64 machine runc and crun kill every x86 syscall, so those programs would die; cover it with --arch x86, or leave its syscalls out on purpose with --drop-arch x86"},
		{[]string{"--format", "xml", ls}, `--format "xml": unknown`},
		{[]string{"--oci-config", "c.json", "--format", "docker", ls}, "--oci-config writes the oci format"},
		{[]string{"--oci-config", "c.json", "-o", "x.json", ls}, "--oci-config and -o both name the output"},
		{[]string{"--name", "x", ls}, "--name is for --format k8s"},
		{[]string{"--min-runs", "3", ls}, "--min-runs 3: only 1 trace(s) given"},
		{[]string{"--baseline", "none", "--baseline", "runc", ls}, `"none" cannot be combined`},
		{[]string{"--baseline", "podman", ls}, `unknown baseline "podman"`},
		{[]string{"--default-action", "allow", ls}, `--default-action "allow": unknown`},
		{[]string{"--min-count", "-1", ls}, `--min-count "-1": not a whole number`},
		// An unset variable (--arch=$ARCH) is not taken as the default.
		{[]string{"--arch=", ls}, `--arch "": empty; leave the flag out for its default`},
		{[]string{"--arch", "x86_64", "--arch=,", ls}, `--arch ",": empty`},
		{[]string{"--drop-arch=", ls}, `--drop-arch "": empty`},
		{[]string{"--allow=", ls}, `--allow "": empty`},
		{[]string{"--default-action=", ls}, `--default-action "": empty`},
		{[]string{"--widen=", ls}, `--widen "": empty`},
		{nil, "missing TRACE... (at least one)"},
	}
	for _, tt := range tests {
		stdout, stderr, code := sg(t, dir, append([]string{"generate"}, tt.args...)...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want 2; stderr %s", tt.args, code, stderr)
		}
		if !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: stderr %q, want %q", tt.args, stderr, tt.want)
		}
		if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 || strings.Contains(stderr, "goroutine") {
			t.Errorf("%v: stderr is not one line:\n%s", tt.args, stderr)
		}
		if stdout != "" {
			t.Errorf("%v: wrote to stdout on error: %.100q", tt.args, stdout)
		}
	}
	// The ceiling error names the flag, and the flag works.
	_, stderr, _ := sg(t, dir, "generate", "ptrace.yaml")
	if !strings.Contains(stderr, "pass --allow ptrace") {
		t.Errorf("ceiling error does not name the flag: %s", stderr)
	}
	if out, stderr, code := sg(t, dir, "generate", "--allow", "ptrace", "ptrace.yaml"); code != 0 || !strings.Contains(out, `"ptrace"`) {
		t.Errorf("--allow ptrace: exit %d %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "p.bpf")); err == nil {
		t.Error("a refused --format bpf wrote p.bpf")
	}
	// Both ways out of the uncovered ABI work.
	if out, stderr, code := sg(t, dir, "generate", "--arch", "x86_64", "--arch", "x86", "i386.yaml"); code != 0 || !strings.Contains(out, `"getuid32"`) {
		t.Errorf("--arch x86_64 --arch x86: exit %d %s", code, stderr)
	}
	if out, stderr, code := sg(t, dir, "generate", "--arch", "x86_64", "--drop-arch", "x86", "i386.yaml"); code != 0 || strings.Contains(out, `"getuid32"`) ||
		strings.Contains(out, "SCMP_ARCH_X86\"") || !strings.Contains(stderr, "generate: --drop-arch x86: left out 1 distinct syscall(s) on x86") {
		t.Errorf("--drop-arch x86: exit %d %s", code, stderr)
	}
	if _, stderr, code := sg(t, dir, "generate", "--allow-incomplete", "lost.yaml"); code != 0 {
		t.Errorf("--allow-incomplete: exit %d %s", code, stderr)
	}
	// A failed run leaves no output file behind.
	if _, _, code := sg(t, dir, "generate", "-o", "never.json", "lost.yaml"); code != exitUsage {
		t.Errorf("exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "never.json")); err == nil {
		t.Error("output file written despite the error")
	}
}

// TestGenerateBPFFits: --format bpf writes seccomp-gen's own filter
// (binary search, ENOSYS stub), which can be longer than the runtimes'
// for the same rules. Argument rules are dropped until it fits, as for
// the runtimes' filter, and reported; the file loads. (Here the runtimes'
// filter fitted, ours had 4118 instructions: generate wrote nothing and
// exited 1 while --format docker worked.)
func TestGenerateBPFFits(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("version: 1\ntarget: {command: [w]}\nhost: {kernel: 6.1.0, arch: x86_64}\nstarted: 2026-11-23T11:38:27Z\n" +
		"duration: 0.010s\nexit_code: 0\nlost: 0\nprocesses: 1\nsyscalls:\n")
	for _, s := range []struct {
		nr        int
		name      string
		arg       int
		withValue bool
	}{{0, "read", 0, false}, {1, "write", 0, false}, {9, "mmap", 0, false}, {12, "brk", 0, false}, {15, "rt_sigreturn", 0, false},
		{16, "ioctl", 1, true}, {72, "fcntl", 1, true}, {157, "prctl", 0, true}, {231, "exit_group", 0, false}} {
		fmt.Fprintf(&b, "  - {arch: x86_64, nr: %d, name: %s, count: 1", s.nr, s.name)
		if s.withValue {
			var vals []string
			for i := 0; i < 22; i++ {
				vals = append(vals, strconv.Itoa(3+i*7919))
			}
			fmt.Fprintf(&b, ", args: [{index: %d, values: [%s]}]", s.arg, strings.Join(vals, ", "))
		}
		b.WriteString("}\n")
	}
	tr := filepath.Join(dir, "many-values.yaml")
	if err := os.WriteFile(tr, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := sg(t, dir, "generate", "--baseline", "none", "--arch", "x86_64,x86", "--format", "bpf", "-o", "p.bpf", tr)
	if code != 0 {
		t.Fatalf("generate --format bpf: exit %d:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "made the filter longer than the 4096 instructions the kernel loads") {
		t.Errorf("no argument rule reported as dropped to fit:\n%s", stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "p.bpf"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cbpf.Parse(data); err != nil {
		t.Errorf("the written filter: %v", err)
	}
}

// TestGeneratePartialRunsWarned: generate said nothing about a trace that
// may not hold all that a working run needs, while check refuses or notes
// the same traces: events lost (accepted by --allow-incomplete), a
// container whose seccomp filter's denials were never seen, a command that
// failed. It warns now, per trace, and still writes the profile; a command
// that Ctrl-C or SIGTERM ended (a server's trace) is not a failure.
func TestGeneratePartialRunsWarned(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(genTrace(t, "busybox-ls.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	variant := func(name, old, new string) string {
		s := strings.Replace(string(good), old, new, 1)
		if s == string(good) {
			t.Fatalf("%s: %q not in the fixture", name, old)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return name
	}
	for _, tc := range []struct {
		file string
		args []string
		want string // "" : no warning
	}{
		{variant("lost.yaml", "lost: 0", "lost: 7"), []string{"--allow-incomplete"}, "lost.yaml: the recorder lost 7 events (--allow-incomplete): the profile may lack syscalls that run made"},
		{variant("failed.yaml", "exit_code: 0", "exit_code: 3"), nil, "failed.yaml: the command exited with status 3: a run that failed may not make every call a passing one makes"},
		{variant("filtered.yaml", "target: {command: [busybox, ls, /]}", "target: {pid: 42, container: {id: abc, runtime: docker, mode: pid, unseen: [start-up before attaching, syscalls its seccomp filter denied]}}"), nil,
			"filtered.yaml: its container ran under a seccomp filter whose denials the recorder could not see (target.container.unseen): the profile lacks what that filter denied"},
		{variant("interrupted.yaml", "exit_code: 0", "exit_code: 130"), nil, ""},
		{variant("terminated.yaml", "exit_code: 0", "exit_code: 143"), nil, ""},
		{genTrace(t, "busybox-ls.yaml"), nil, ""},
	} {
		out := filepath.Join(dir, "p.json")
		os.Remove(out)
		_, stderr, code := sg(t, dir, append(append([]string{"generate", "-o", out}, tc.args...), tc.file)...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", tc.file, code, stderr)
		}
		if _, err := os.Stat(out); err != nil {
			t.Errorf("%s: no profile written: %v", tc.file, err)
		}
		warned := false // (the fixture is a version 1 trace: generate warns of that)
		for _, l := range strings.Split(stderr, "\n") {
			warned = warned || strings.HasPrefix(l, "generate: warning: ") && !strings.Contains(l, "version 1 trace")
		}
		switch {
		case tc.want == "" && warned:
			t.Errorf("%s: warned:\n%s", tc.file, stderr)
		case tc.want != "" && !strings.Contains(stderr, "generate: warning: "+tc.want):
			t.Errorf("%s: no warning %q:\n%s", tc.file, tc.want, stderr)
		}
	}
}

// TestGenerateWidenModeSpaced: --widen's value is optional, so `--widen
// kinds` reads kinds as a trace file; the error said only "kinds: no such
// file or directory". It names the way to give the mode now.
func TestGenerateWidenModeSpaced(t *testing.T) {
	dir := t.TempDir()
	for _, mode := range []string{"kinds", "imports"} {
		_, stderr, code := sg(t, dir, "generate", "--widen", mode, genTrace(t, "busybox-ls.yaml"))
		if code != exitUsage || !strings.Contains(stderr, mode+": no such file or directory (--widen's mode is given as --widen="+mode+")") {
			t.Errorf("--widen %s: exit %d\n%s", mode, code, stderr)
		}
	}
	// A file of that name is a trace like any other.
	if err := os.WriteFile(filepath.Join(dir, "kinds"), []byte("not a trace\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := sg(t, dir, "generate", "--widen", "kinds"); code != exitUsage || strings.Contains(stderr, "--widen=kinds") {
		t.Errorf("--widen with a file named kinds: exit %d\n%s", code, stderr)
	}
}

// TestGenerateDropArchNothing: --drop-arch of an ABI no trace has a
// syscall on was silent (a typo, or the wrong traces); it says so now.
func TestGenerateDropArchNothing(t *testing.T) {
	dir := t.TempDir()
	_, stderr, code := sg(t, dir, "generate", "--drop-arch", "x86", "-o", filepath.Join(dir, "p.json"), genTrace(t, "busybox-ls.yaml"))
	if code != 0 || !strings.Contains(stderr, "generate: --drop-arch x86: no trace holds a syscall on x86, so nothing was left out") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
	good, err := os.ReadFile(genTrace(t, "busybox-ls.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "i386.yaml"), []byte(strings.Replace(string(good), "arch: x86_64, nr: 102, name: getuid", "arch: x86, nr: 199, name: getuid32", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, _ := sg(t, dir, "generate", "--arch", "x86_64", "--drop-arch", "x86", "-o", filepath.Join(dir, "q.json"), "i386.yaml"); strings.Contains(stderr, "nothing was left out") || !strings.Contains(stderr, "--drop-arch x86: left out") {
		t.Errorf("said nothing was left out where x86 calls were:\n%s", stderr)
	}
}
