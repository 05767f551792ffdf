package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/report"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

func readTrace(t *testing.T, path string) *trace.File {
	t.Helper()
	f, err := trace.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// humanRow returns the fields of the human report's row for name.
func humanRow(out, name string) []string {
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 4 && f[0] == name {
			return f
		}
	}
	return nil
}

// TestReplayTraced: the profile made from the workload's own trace covers a
// replay of it; the --extra variant issues exactly one more syscall
// (getpriority), and every report format names exactly that syscall and ABI.
// check on the saved traces agrees with replay; diff finds the one-syscall
// difference between a Docker and an OCI rendering.
func TestReplayTraced(t *testing.T) {
	testutil.RequireRoot(t)
	wl := workload(t)
	dir := t.TempDir()
	any := writeProfile(t, dir, "any.json", allowAllBut("sched_setaffinity", policy.ActErrno), emit.FormatDocker)

	// Record the plain run with replay --save-trace, make its profile.
	if _, stderr, code := sg(t, dir, "replay", "-p", any, "--save-trace", "base.yaml", "-o", "report.txt", "--", wl); code != 0 {
		t.Fatalf("replay (recording base): exit %d\n%s", code, stderr)
	}
	base := readTrace(t, filepath.Join(dir, "base.yaml"))
	for _, s := range base.Syscalls {
		if s.Name == "getpriority" {
			t.Fatalf("the plain workload issued getpriority: the test premise is broken")
		}
	}
	prof := writeProfile(t, dir, "app.json", profileFromTrace(t, base, ""), emit.FormatDocker)

	out, stderr, code := sg(t, dir, "replay", "-p", prof, "--save-trace", "again.yaml", "--", wl)
	if code != 0 {
		t.Fatalf("replay of the profiled workload: exit %d\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(out, "covers all") {
		t.Errorf("human report:\n%s", out)
	}

	// Human.
	out, stderr, code = sg(t, dir, "replay", "-p", prof, "--save-trace", "extra.yaml", "--", wl, "--extra")
	if code != exitNotCovered {
		t.Fatalf("replay --extra: exit %d, want %d\n%s\n%s", code, exitNotCovered, out, stderr)
	}
	if !strings.Contains(out, "does NOT cover 1 of") {
		t.Errorf("human report should list exactly one syscall:\n%s", out)
	}
	row := humanRow(out, "getpriority")
	// FIRST names the executable the trace lists (issue 11), not the comm.
	if row == nil || row[1] != "x86_64" || row[2] != "140" || row[3] != "1" || row[4] != wl {
		t.Fatalf("human row %q in:\n%s", row, out)
	}
	// JSON.
	_, stderr, code = sg(t, dir, "replay", "-p", prof, "--report", "json", "-o", "r.json", "--", wl, "--extra")
	if code != exitNotCovered {
		t.Fatalf("replay --report json: exit %d\n%s", code, stderr)
	}
	var v report.Verdict
	data, _ := os.ReadFile(filepath.Join(dir, "r.json"))
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	if v.OK || len(v.Missing) != 1 || v.Missing[0].Name != "getpriority" || v.Missing[0].Arch != "x86_64" {
		t.Fatalf("json missing: %+v", v.Missing)
	}
	// JUnit.
	_, stderr, code = sg(t, dir, "replay", "-p", prof, "--report", "junit", "-o", "r.xml", "--", wl, "--extra")
	if code != exitNotCovered {
		t.Fatalf("replay --report junit: exit %d\n%s", code, stderr)
	}
	data, _ = os.ReadFile(filepath.Join(dir, "r.xml"))
	var j struct {
		Failures int `xml:"failures,attr"`
		Suite    struct {
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &j); err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, c := range j.Suite.Cases {
		if c.Failure != nil {
			failed = append(failed, c.Name)
		}
	}
	if j.Failures != 1 || len(failed) != 1 || failed[0] != "x86_64/getpriority" {
		t.Fatalf("junit failures %v in:\n%s", failed, data)
	}

	// check agrees with replay on the saved traces.
	if out, _, code := sg(t, dir, "check", "-p", prof, "base.yaml", "again.yaml"); code != 0 {
		t.Errorf("check base+again: exit %d\n%s", code, out)
	}
	out, _, code = sg(t, dir, "check", "-p", prof, "base.yaml", "extra.yaml")
	if code != exitNotCovered || humanRow(out, "getpriority") == nil || strings.Count(out, "x86_64") != 1 {
		t.Errorf("check base+extra: exit %d\n%s", code, out)
	}

	// diff: a Docker rendering with getpriority against an OCI rendering
	// without it differ by exactly that syscall.
	with := writeProfile(t, dir, "with.json", profileFromTrace(t, base, "", "getpriority"), emit.FormatDocker)
	without := writeProfile(t, dir, "without.oci.json", profileFromTrace(t, base, ""), emit.FormatOCI)
	out, _, code = sg(t, dir, "diff", "--report", "json", with, without)
	var d report.Diff
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("diff json: %v\n%s", err, out)
	}
	if code != exitNotCovered || len(d.OnlyA) != 1 || d.OnlyA[0].Name != "getpriority" || d.OnlyA[0].Arch != "x86_64" ||
		len(d.OnlyB) != 0 || len(d.Answer) != 0 {
		t.Fatalf("diff: exit %d %+v", code, d)
	}
	if _, _, code := sg(t, dir, "diff", "--superset", with, without); code != 0 {
		t.Errorf("diff --superset with without: exit %d, want 0", code)
	}
	if out, _, code := sg(t, dir, "diff", "--superset", without, with); code != exitNotCovered || !strings.Contains(out, "getpriority") {
		t.Errorf("diff --superset without with: exit %d\n%s", code, out)
	}
	// The new profile generated from both traces covers both runs.
	if out, _, code := sg(t, dir, "check", "-p", with, "base.yaml", "extra.yaml"); code != 0 {
		t.Errorf("check with getpriority: exit %d\n%s", code, out)
	}
}

// TestDiffSameAcrossFormats: the same policy rendered as Docker JSON, the
// OCI object, a whole config.json and an SPO CRD are the same profile.
func TestDiffSameAcrossFormats(t *testing.T) {
	dir := t.TempDir()
	p := &policy.Policy{
		DefaultAction: policy.ActErrno,
		DefaultErrno:  policy.Errno(policy.EPERM),
		Arches:        []string{"x86_64", "x86"},
		Rules: []policy.Rule{
			{Names: []string{"read", "write", "exit_group", "getpriority"}, Action: policy.ActAllow},
		},
	}
	docker := writeProfile(t, dir, "p.json", p, emit.FormatDocker)
	oci := writeProfile(t, dir, "p.oci.json", p, emit.FormatOCI)
	spo := writeProfile(t, dir, "p.yaml", p, emit.FormatSPO)
	for _, other := range []string{oci, spo} {
		out, stderr, code := sg(t, dir, "diff", docker, other)
		if code != 0 {
			t.Errorf("diff docker %s: exit %d\n%s%s", filepath.Base(other), code, out, stderr)
		}
	}
	// One syscall less on one ABI is found, per ABI.
	q := *p
	q.Rules = []policy.Rule{{Names: []string{"read", "write", "exit_group"}, Action: policy.ActAllow}}
	less := writeProfile(t, dir, "less.oci.json", &q, emit.FormatOCI)
	out, _, code := sg(t, dir, "diff", docker, less)
	if code != exitNotCovered || strings.Count(out, "getpriority") != 2 {
		t.Fatalf("diff: exit %d (want getpriority on x86 and x86_64):\n%s", code, out)
	}
}

// Bad input never passes silently: exit status 2 and one line on stderr.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := writeProfile(t, dir, "good.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)
	goodTrace := write("good.yaml", traceYAML("  - {arch: x86_64, nr: 0, name: read, count: 1}"))
	notProfile := write("garbage.json", "this is not a profile\n")
	empty := write("empty.json", "{}\n")
	noRules := write("norules.json", `{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"]}`)
	unknownAction := write("action.json", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
  "syscalls": [{"names": ["read"], "action": "SCMP_ACT_MAYBE"}]}`)
	otherABI := write("i386.yaml", strings.Replace(strings.Replace(
		mustRead(t, goodTrace), "arch: x86_64, nr: 0, name: read", "arch: x86, nr: 3, name: read", 1), "arch: x86_64}", "arch: x86}", 1))
	emptyTrace := write("emptytrace.yaml", strings.Split(mustRead(t, goodTrace), "syscalls:")[0]+"syscalls: []\n")
	badTrace := write("bad.yaml", "version: 1\ncolour: blue\n")
	arm64 := write("arm64.json", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_AARCH64"],
  "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}`)
	lostTrace := write("lost.yaml", strings.Replace(mustRead(t, goodTrace), "lost: 0", "lost: 5", 1))
	lostOne := write("lost1.yaml", strings.Replace(mustRead(t, goodTrace), "lost: 0", "lost: 1", 1))

	cases := []struct {
		name string
		args []string
	}{
		{"check profile not JSON/YAML", []string{"check", "-p", notProfile, goodTrace}},
		{"check profile {}", []string{"check", "-p", empty, goodTrace}},
		{"check profile without rules", []string{"check", "-p", noRules, goodTrace}},
		{"check unknown action", []string{"check", "-p", unknownAction, goodTrace}},
		{"check missing profile file", []string{"check", "-p", filepath.Join(dir, "nope.json"), goodTrace}},
		{"check trace of another ABI only", []string{"check", "-p", good, otherABI}},
		{"check empty trace", []string{"check", "-p", good, emptyTrace}},
		{"check malformed trace", []string{"check", "-p", good, badTrace}},
		{"check incomplete trace", []string{"check", "-p", good, lostTrace}},
		{"check trace that lost one event", []string{"check", "-p", good, lostOne}},
		{"check no --profile", []string{"check", goodTrace}},
		{"check no trace", []string{"check", "-p", good}},
		{"check bad --report", []string{"check", "-p", good, "--report", "xml", goodTrace}},
		{"replay profile {}", []string{"replay", "-p", empty, "--", "true"}},
		{"replay profile not JSON/YAML", []string{"replay", "--enforce", "-p", notProfile, "--", "true"}},
		{"replay unknown action", []string{"replay", "--enforce", "-p", unknownAction, "--", "true"}},
		{"replay profile of another machine", []string{"replay", "-p", arm64, "--", "true"}},
		{"replay --enforce profile of another machine", []string{"replay", "--enforce", "-p", arm64, "--", "true"}},
		{"replay negative --duration", []string{"replay", "-p", good, "--duration", "-1s", "--", "true"}},
		{"replay --enforce --duration", []string{"replay", "--enforce", "-p", good, "--duration", "1s", "--", "true"}},
		{"replay --enforce --save-trace", []string{"replay", "--enforce", "-p", good, "--save-trace", "x.yaml", "--", "true"}},
		{"replay no command", []string{"replay", "-p", good}},
		{"replay command and --pid", []string{"replay", "-p", good, "--pid", "1", "--", "true"}},
		{"replay --enforce --pid", []string{"replay", "--enforce", "-p", good, "--pid", "1"}},
		{"replay unknown flag", []string{"replay", "--colour", "-p", good, "--", "true"}},
		{"diff one profile", []string{"diff", good}},
		{"diff profile {}", []string{"diff", good, empty}},
		{"diff not a profile", []string{"diff", notProfile, good}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, stderr, code := sg(t, dir, c.args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitUsage, out, stderr)
			}
			oneLine(t, stderr)
		})
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCheckBaseline: --baseline adds a runtime's own syscalls to what the
// profile must allow; they are reported with FIRST "baseline:NAME".
func TestCheckBaseline(t *testing.T) {
	dir := t.TempDir()
	tr := filepath.Join(dir, "t.yaml")
	if err := os.WriteFile(tr, []byte(traceYAML("  - {arch: x86_64, nr: 0, name: read, count: 2, first: x}", "  - {arch: x86_64, nr: 231, name: exit_group, count: 1, first: x}")), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64"},
		Rules: []policy.Rule{{Names: []string{"read", "exit_group"}, Action: policy.ActAllow}}}
	prof := writeProfile(t, dir, "p.json", p, emit.FormatDocker)
	if out, _, code := sg(t, dir, "check", "-p", prof, tr); code != 0 {
		t.Fatalf("without baseline: exit %d\n%s", code, out)
	}
	out, _, code := sg(t, dir, "check", "-p", prof, "--baseline", "crun", tr)
	if code != exitNotCovered {
		t.Fatalf("with --baseline crun: exit %d\n%s", code, out)
	}
	row := humanRow(out, "execve")
	if row == nil || row[1] != "x86_64" || row[4] != "baseline:crun" {
		t.Fatalf("execve row %q in:\n%s", row, out)
	}
	if humanRow(out, "rt_sigreturn") == nil || humanRow(out, "exit_group") != nil {
		t.Fatalf("the included process baseline is missing or exit_group was reported:\n%s", out)
	}
	_, stderr, code := sg(t, dir, "check", "-p", prof, "--baseline", "nope", tr)
	if code != exitUsage {
		t.Fatalf("unknown baseline: exit %d", code)
	}
	oneLine(t, stderr)
}

// TestReplayPID: --pid replays a process that is already running, with the
// descendants it starts later.
func TestReplayPID(t *testing.T) {
	testutil.RequireRoot(t)
	wl := workload(t)
	dir := t.TempDir()
	prof := writeProfile(t, dir, "p.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)
	// The shell waits for a go-ahead file, then runs the workload as a child.
	gate := filepath.Join(dir, "go")
	sh := exec.Command("/bin/sh", "-c", `while [ ! -e "$1" ]; do sleep 0.01; done; "$2" --extra >/dev/null; exit 0`, "sh", gate, wl)
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sh.Wait()
	}()
	type result struct {
		out  string
		code int
	}
	res := make(chan result, 1)
	t.Cleanup(func() { sh.Process.Kill() })
	sg := startSG(t, false, "replay", "-v", "-p", prof, "--pid", strconv.Itoa(sh.Process.Pid))
	sg.firstLine(t, "seccomp-gen: replay: recording pid")
	go func() {
		sg.rest()
		sg.cmd.Wait()
		res <- result{sg.stdout.String(), sg.cmd.ProcessState.ExitCode()}
	}()
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	<-done
	select {
	case r := <-res:
		row := humanRow(r.out, "getpriority")
		if r.code != exitNotCovered || row == nil || row[1] != "x86_64" || row[4] != wl {
			t.Fatalf("replay --pid: exit %d\n%s", r.code, r.out)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("replay --pid did not end after the process exited")
	}
}

// TestReplayExitStatuses: a failing command is 4, a missing one too; when
// the profile does not cover the run either, 3 wins.
func TestReplayExitStatuses(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	prof := writeProfile(t, dir, "p.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)
	fail := cc(t, dir, "fail", "int main(void) { return 7; }\n")
	failExtra := cc(t, dir, "failextra", "#include <sys/resource.h>\nint main(void) { getpriority(PRIO_PROCESS, 0); return 7; }\n")
	for _, c := range []struct {
		name string
		cmd  []string
		want int
	}{
		{"command fails", []string{fail}, exitCommandFailed},
		{"command not found", []string{filepath.Join(dir, "nope")}, exitCommandFailed},
		{"fails and not covered", []string{failExtra}, exitNotCovered},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"replay", "-p", prof, "--"}, c.cmd...)
			out, stderr, code := sg(t, dir, args...)
			if code != c.want {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, c.want, out, stderr)
			}
		})
	}
}

// TestReplayCgroup: --cgroup replays every task that joins a cgroup v2
// directory (how a container is replayed).
func TestReplayCgroup(t *testing.T) {
	testutil.RequireRoot(t)
	wl := workload(t)
	root := ""
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	for _, l := range strings.Split(string(mounts), "\n") {
		if _, post, ok := strings.Cut(l, " - "); ok && strings.HasPrefix(post, "cgroup2 ") {
			if f := strings.Fields(l); len(f) > 4 {
				root = f[4]
				break
			}
		}
	}
	if root == "" {
		testutil.SkipOrFail(t, "no cgroup v2 mount")
	}
	cg := filepath.Join(root, "seccomp-gen-replay-test-"+strconv.Itoa(os.Getpid()))
	if err := os.Mkdir(cg, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(cg)
	dir := t.TempDir()
	prof := writeProfile(t, dir, "p.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)
	sg := startSG(t, false, "replay", "-v", "-p", prof, "--report", "json", "--cgroup", cg)
	rep, out := sg.cmd, &sg.stdout
	sg.firstLine(t, "seccomp-gen: replay: recording cgroup")
	go sg.rest()
	sh := exec.Command("/bin/sh", "-c", `echo $$ > "$1/cgroup.procs" && exec "$2" --extra`, "sh", cg, wl)
	if b, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("workload in cgroup: %v\n%s", err, b)
	}
	done := make(chan error, 1)
	go func() { done <- rep.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("replay --cgroup did not end when the cgroup emptied")
	}
	var v report.Verdict
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if rep.ProcessState.ExitCode() != exitNotCovered || len(v.Missing) != 1 || v.Missing[0].Name != "getpriority" ||
		v.Missing[0].Arch != "x86_64" || v.Missing[0].First != wl {
		t.Fatalf("exit %d, report:\n%s", rep.ProcessState.ExitCode(), out.String())
	}
}

// TestReplayFirstAbsolute: FIRST names the program started as ./prog by its
// absolute path in both modes (traced mode showed ./prog, the name it was
// exec'd by, when it exited before the recorder identified it; --enforce
// showed the absolute path), and one started by a symlink ./link by the
// link's absolute path in both modes (traced mode showed ./link, --enforce
// "link").
func TestReplayFirstAbsolute(t *testing.T) {
	dir := t.TempDir()
	prog := cc(t, dir, "prio", "#include <sys/resource.h>\nint main(void) { getpriority(PRIO_PROCESS, 0); return 0; }\n")
	real, err := filepath.EvalSymlinks(prog)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("prio", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	prof := writeProfile(t, dir, "p.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)
	for _, mode := range []string{"traced", "enforce"} {
		for _, c := range []struct{ cmd, want string }{
			{"./prio", real},
			{"./link", filepath.Join(filepath.Dir(real), "link")},
		} {
			t.Run(mode+"/"+c.cmd, func(t *testing.T) {
				args := []string{"replay", "-p", prof, "--report", "json"}
				if mode == "traced" {
					testutil.RequireRoot(t)
				} else {
					args = append(args, "--enforce")
				}
				v := replayVerdict(t, dir, exitNotCovered, append(args, "--", c.cmd)...)
				if len(v.Missing) != 1 || v.Missing[0].Name != "getpriority" || v.Missing[0].First != c.want {
					t.Errorf("missing %+v, want getpriority first issued by %s", v.Missing, c.want)
				}
			})
		}
	}
}

// TestReplayCompiledFilterNamesArgument: under a raw filter (--profile
// x.bpf) a call refused for one argument's value names that value and what
// the filter allows, as the JSON profile's report does. It said only
// "profile answers SCMP_ACT_ERRNO(EPERM)" when no argument alone (the
// others 0) gets through: a generated profile allows socket for domain
// AF_UNIX with type SOCK_STREAM, in one rule.
func TestReplayCompiledFilterNamesArgument(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	prog := cc(t, dir, "sock", "#include <sys/socket.h>\n#include <stdlib.h>\nint main(int c, char **v) { socket(atoi(v[1]), SOCK_STREAM, 0); return 0; }\n")
	if _, stderr, code := sg(t, dir, "trace", "-o", "t.yaml", "--", prog, "1"); code != 0 {
		t.Fatalf("trace: exit %d\n%s", code, stderr)
	}
	for _, c := range []struct{ format, file, want string }{
		{"docker", "p.json", "socket domain AF_INET (2): profile allows AF_UNIX (1) only"},
		{"bpf", "p.bpf", "socket domain AF_INET (2): filter allows AF_UNIX (1) only"},
	} {
		t.Run(c.format, func(t *testing.T) {
			if _, stderr, code := sg(t, dir, "generate", "--format", c.format, "-o", c.file, "t.yaml"); code != 0 {
				t.Fatalf("generate: exit %d\n%s", code, stderr)
			}
			v := replayVerdict(t, dir, exitNotCovered, "replay", "-p", c.file, "--report", "json", "--", prog, "2")
			if len(v.Missing) != 1 || v.Missing[0].Reason != "argument" || v.Missing[0].Detail != c.want {
				t.Errorf("missing %+v, want socket: %q", v.Missing, c.want)
			}
		})
	}
}

// TestReplayDenyRuleArguments: for a profile that allows by default and
// refuses socket with conditions (SCMP_CMP_NE, masked), the report says
// which calls the profile refuses and blames only the arguments that
// matter, in both modes. It used to read allow rules only: both socket
// arguments, "profile allows no value". Each claim is checked against the
// real filter (replay --enforce: what the workload got).
func TestReplayDenyRuleArguments(t *testing.T) {
	dir := t.TempDir()
	prog := cc(t, dir, "sock", `#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <sys/socket.h>
int main(int c, char **v) {
	int r = socket(atoi(v[1]), atoi(v[2]), 0);
	printf("socket -> %s\n", r >= 0 ? "ok" : errno == EPERM ? "EPERM" : "other");
	return 0;
}
`)
	profiles := map[string]string{
		// Refused unless the domain is AF_UNIX or the type SOCK_STREAM.
		"ne.json": `{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
{"names":["socket"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":1,"op":"SCMP_CMP_NE"},{"index":1,"value":1,"op":"SCMP_CMP_NE"}]}]}`,
		// AF_INET refused, and SOCK_RAW whatever the domain.
		"masked.json": `{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
{"names":["socket"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":2,"op":"SCMP_CMP_EQ"}]},
{"names":["socket"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":15,"valueTwo":3,"op":"SCMP_CMP_MASKED_EQ"}]}]}`,
	}
	for name, data := range profiles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The real filter's answers that make the explanations true: under
	// ne.json changing either argument of socket(AF_INET, SOCK_DGRAM) to
	// the named value lets it run; under masked.json no domain rescues
	// SOCK_RAW (the domain is not to blame).
	for _, c := range []struct {
		prof, domain, typ, want string
	}{
		{"ne.json", "2", "2", "EPERM"},
		{"ne.json", "1", "2", "ok"},
		{"ne.json", "2", "1", "ok"},
		{"masked.json", "1", "3", "EPERM"},
		{"masked.json", "10", "3", "EPERM"},
		{"masked.json", "1", "2", "ok"},
	} {
		out, stderr, code := sg(t, dir, "replay", "--enforce", "-p", c.prof, "-o", filepath.Join(t.TempDir(), "r.txt"), "--", prog, c.domain, c.typ)
		if !strings.Contains(out, "socket -> "+c.want+"\n") {
			t.Errorf("%s: socket(%s, %s) under the filter: %q (exit %d, %s), want %s", c.prof, c.domain, c.typ, out, code, stderr, c.want)
		}
	}
	for _, c := range []struct {
		prof, domain, typ, want string
	}{
		{"ne.json", "2", "2", "socket domain AF_INET (2), type SOCK_DGRAM (2): profile refuses domain != AF_UNIX (1) and type != SOCK_STREAM (1)"},
		{"masked.json", "1", "3", "socket type SOCK_RAW (3): profile refuses type &0xf == 0x3"},
	} {
		for _, mode := range []string{"traced", "enforce"} {
			t.Run(mode+"/"+c.prof, func(t *testing.T) {
				args := []string{"replay", "-p", c.prof, "--report", "json"}
				if mode == "traced" {
					testutil.RequireRoot(t)
				} else {
					args = append(args, "--enforce")
				}
				v := replayVerdict(t, dir, exitNotCovered, append(args, "--", prog, c.domain, c.typ)...)
				if len(v.Missing) != 1 || !strings.HasSuffix(v.Missing[0].Detail, c.want) {
					t.Errorf("missing %+v\nwant socket: ...%q", v.Missing, c.want)
				}
			})
		}
	}
}

// TestReplayFirstChildren: a child process started by a relative name or
// through a symlink is named alike in both modes: by its file's absolute
// path when the base names agree, else by the name it was started by made
// absolute in its working directory (symlinks kept). Traced mode kept the
// relative name of a child gone before the recorder saw it, and of a
// symlink; --enforce showed a symlink's comm ("link").
func TestReplayFirstChildren(t *testing.T) {
	top := t.TempDir()
	dir, err := filepath.EvalSymlinks(top)
	if err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	prio := cc(t, sub, "prio", "#include <sys/resource.h>\nint main(void) { getpriority(PRIO_PROCESS, 0); return 0; }\n")
	// Alive long after its call: the recorder sees it while it runs.
	cc(t, sub, "slow", "#include <sys/resource.h>\n#include <unistd.h>\nint main(void) { getpriority(PRIO_PROCESS, 0); sleep(1); return 0; }\n")
	real, err := filepath.EvalSymlinks(prio)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range [][2]string{{"prio", "sub/link"}, {"slow", "sub/slink"}} {
		if err := os.Symlink(l[0], filepath.Join(dir, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	prof := writeProfile(t, dir, "p.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)
	for _, mode := range []string{"traced", "enforce"} {
		for _, c := range []struct{ script, want string }{
			{"sub/prio; true", real},
			{"sub/link; true", filepath.Join(sub, "link")},
			{"cd sub && ./slink; true", filepath.Join(sub, "slink")},
		} {
			t.Run(mode+"/"+c.script, func(t *testing.T) {
				args := []string{"replay", "-p", prof, "--report", "json"}
				if mode == "traced" {
					testutil.RequireRoot(t)
				} else {
					args = append(args, "--enforce")
				}
				v := replayVerdict(t, dir, exitNotCovered, append(args, "--", "/bin/sh", "-c", c.script)...)
				if len(v.Missing) != 1 || v.Missing[0].Name != "getpriority" || v.Missing[0].First != c.want {
					t.Errorf("missing %+v, want getpriority first issued by %s", v.Missing, c.want)
				}
			})
		}
	}
}

// replayVerdict runs seccomp-gen with args (a replay with --report json to
// standard output) in dir, fails the test unless it exits code, and
// returns the JSON report.
func replayVerdict(t *testing.T, dir string, code int, args ...string) report.Verdict {
	t.Helper()
	out, stderr, got := sg(t, dir, args...)
	if got != code {
		t.Fatalf("exit %d, want %d\n%s%s", got, code, out, stderr)
	}
	var v report.Verdict
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return v
}

// TestReplayPairNamed: a profile generated from two traced runs,
// socket(AF_UNIX, SOCK_STREAM) and socket(AF_INET, SOCK_DGRAM), refuses
// socket(AF_UNIX, SOCK_DGRAM), each of whose values it allows with the
// other domain or type; replay (traced and --enforce, for the JSON profile
// and the compiled filter) and check of the run's saved trace name the
// pair and exit as for any missing value.
func TestReplayPairNamed(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	prog := cc(t, dir, "sock", "#include <sys/socket.h>\n#include <stdlib.h>\nint main(int c, char **v) { socket(atoi(v[1]), atoi(v[2]), 0); return 0; }\n")
	for _, run := range [][]string{{"a.yaml", "1", "1"}, {"b.yaml", "2", "2"}} {
		if _, stderr, code := sg(t, dir, "trace", "-o", run[0], "--", prog, run[1], run[2]); code != 0 {
			t.Fatalf("trace: exit %d\n%s", code, stderr)
		}
	}
	if _, stderr, code := sg(t, dir, "trace", "-o", "run.yaml", "--", prog, "1", "2"); code != 0 {
		t.Fatalf("trace: exit %d\n%s", code, stderr)
	}
	const pair = "socket domain AF_UNIX (1), type SOCK_DGRAM (2)"
	for _, c := range []struct{ format, file, who string }{{"docker", "p.json", "profile"}, {"bpf", "p.bpf", "filter"}} {
		t.Run(c.format, func(t *testing.T) {
			_, stderr, code := sg(t, dir, "generate", "--format", c.format, "-o", c.file, "a.yaml", "b.yaml")
			if code != 0 {
				t.Fatalf("generate: exit %d\n%s", code, stderr)
			}
			if want := "only with the domain it was observed with (SOCK_STREAM (1) with AF_UNIX (1), SOCK_DGRAM (2) with AF_INET (2))"; !strings.Contains(stderr, want) {
				t.Errorf("generate's report without %q:\n%s", want, stderr)
			}
			want := pair + ": " + c.who + " allows domain AF_UNIX (1) with type SOCK_STREAM (1) only"
			for _, args := range [][]string{
				{"replay", "-p", c.file, "--report", "json", "--", prog, "1", "2"},
				{"check", "-p", c.file, "--report", "json", "run.yaml"},
			} {
				v := replayVerdict(t, dir, exitNotCovered, args...)
				if len(v.Missing) != 1 || v.Missing[0].Name != "socket" || v.Missing[0].Reason != "argument" || v.Missing[0].Detail != want {
					t.Errorf("%s: missing %+v, want socket: %q", args[0], v.Missing, want)
				}
			}
			for _, ok := range [][]string{{"1", "1"}, {"2", "2"}} {
				replayVerdict(t, dir, 0, "replay", "-p", c.file, "--report", "json", "--", prog, ok[0], ok[1])
			}
			if c.format == "docker" {
				v := replayVerdict(t, dir, exitNotCovered, "replay", "--enforce", "-p", c.file, "--report", "json", "--", prog, "1", "2")
				if len(v.Missing) != 1 || !strings.Contains(v.Missing[0].Detail, pair+": profile allows domain AF_UNIX (1) with type SOCK_STREAM (1) only") {
					t.Errorf("replay --enforce: missing %+v, want the pair", v.Missing)
				}
			}
		})
	}
}
