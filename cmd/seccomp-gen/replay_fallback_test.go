package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

const threadSrc = `#include <pthread.h>
#include <stdio.h>
static void *run(void *arg) { return arg; }
int main(void)
{
	pthread_t t;
	if (pthread_create(&t, 0, run, 0) != 0) {
		puts("no thread");
		return 2;
	}
	pthread_join(t, 0);
	puts("joined");
	return 0;
}
`

// traceThreadProgram builds threadSrc in a temporary directory and traces
// it to t.yaml there, which must hold clone3 (glibc 2.34 and later start
// threads with it); it returns the directory and the program.
func traceThreadProgram(t *testing.T) (dir, bin string) {
	t.Helper()
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "gcc")
	dir = t.TempDir()
	bin = cc(t, dir, "thread", threadSrc)
	if _, stderr, code := sg(t, dir, "trace", "-o", "t.yaml", "--", bin); code != 0 {
		t.Fatalf("trace: exit %d\n%s", code, stderr)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "t.yaml")); !strings.Contains(string(data), "name: clone3,") {
		t.Fatalf("the program made no clone3 (glibc older than 2.34?): the test shows nothing\n%s", data)
	}
	return dir, bin
}

// A threaded glibc program passes the replay of its own trace. glibc 2.36
// starts threads with clone3; generate answers a traced clone3 ENOSYS
// whenever it checks clone's flags, and glibc then falls back to clone,
// which the profile allows: check, replay and replay --enforce count
// clone3 as covered (reason "fallback") and say so in a note. Before,
// each exited 3 on clone3 though the program ran; check and replay of the
// raw filter (generate --format bpf) did until they asked the filter too.
func TestThreadedProgramPassesItsOwnReplay(t *testing.T) {
	dir, bin := traceThreadProgram(t)
	_, stderr, code := sg(t, dir, "generate", "-o", "p.json", "t.yaml")
	if code != 0 || !strings.Contains(stderr, "clone3 answered ENOSYS") {
		t.Fatalf("generate: exit %d, want clone3 answered ENOSYS:\n%s", code, stderr)
	}
	if _, stderr, code := sg(t, dir, "generate", "--format", "bpf", "-o", "p.bpf", "t.yaml"); code != 0 {
		t.Fatalf("generate --format bpf: exit %d\n%s", code, stderr)
	}
	const note = "x86_64/clone3 answered SCMP_ACT_ERRNO(ENOSYS); glibc 2.36 falls back to clone, which the profile allows for some argument values: covered, the program goes on without it"
	for _, args := range [][]string{
		{"check", "-p", "p.json", "t.yaml"},
		{"replay", "-p", "p.json", "--", bin},
		{"replay", "--enforce", "-p", "p.json", "--", bin},
		{"check", "-p", "p.bpf", "t.yaml"},
		{"replay", "-p", "p.bpf", "--", bin},
	} {
		hargs := append([]string{args[0], "-o", "r.txt"}, args[1:]...)
		out, stderr, code := sg(t, dir, hargs...)
		rep, _ := os.ReadFile(filepath.Join(dir, "r.txt"))
		if code != 0 || !strings.Contains(string(rep), note) {
			t.Errorf("%s: exit %d, want 0 and the note %q:\nreport:\n%s\nstderr:\n%s", strings.Join(args[:3], " "), code, note, rep, stderr)
		}
		if args[0] == "replay" && out != "joined\n" {
			t.Errorf("%s: the program did not start its thread: %q", strings.Join(args[:3], " "), out)
		}
		jargs := append([]string{args[0], "--report", "json", "-o", "r.json"}, args[1:]...)
		if _, stderr, code := sg(t, dir, jargs...); code != 0 {
			t.Errorf("%s --report json: exit %d\n%s", args[0], code, stderr)
			continue
		}
		var v struct {
			Passed   bool `json:"passed"`
			Syscalls []struct {
				Name, Reason string
				Covered      bool
			} `json:"syscalls"`
		}
		data, _ := os.ReadFile(filepath.Join(dir, "r.json"))
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, s := range v.Syscalls {
			if s.Name == "clone3" {
				found = s.Covered && s.Reason == "fallback"
			}
		}
		if !v.Passed || !found {
			t.Errorf("%s --report json: passed %v, clone3 covered with reason fallback %v:\n%s", args[0], v.Passed, found, data)
		}
	}
}

// A program that probes with syscall(-1) and syscall(5000) passes the loop
// its profile comes from: trace, generate, check, replay and replay
// --enforce. The probes are recorded by number (they were lost events:
// the trace was incomplete for good), the profile answers them ENOSYS as
// the kernel does, and the verdicts call that covered (they were "not
// covered: no rule can allow it", exit 3); -1 meets x86_64's rules in the
// filter, not x32's ("ABI x32 not covered": --enforce answered it EPERM).
func TestProbingProgramPasses(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	bin := cc(t, dir, "probes", `#include <sys/syscall.h>
#include <unistd.h>
#include <errno.h>
int main(void) {
	if (syscall(-1L) != -1 || errno != ENOSYS) return 1;
	if (syscall(5000L) != -1 || errno != ENOSYS) return 2;
	return 0;
}
`)
	if _, stderr, code := sg(t, dir, "trace", "-o", "t.yaml", "--", bin); code != 0 {
		t.Fatalf("trace: exit %d\n%s", code, stderr)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "t.yaml")); !strings.Contains(string(data), "{arch: x86_64, nr: -1, count: 1") || !strings.Contains(string(data), "lost: 0\n") {
		t.Fatalf("trace:\n%s", data)
	}
	if _, stderr, code := sg(t, dir, "generate", "-o", "p.json", "t.yaml"); code != 0 {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	for _, args := range [][]string{
		{"check", "-p", "p.json", "t.yaml"},
		{"replay", "-p", "p.json", "--", bin},
		{"replay", "--enforce", "-p", "p.json", "--", bin},
	} {
		out, stderr, code := sg(t, dir, args...)
		if code != 0 || !strings.Contains(out, "x86_64/#-1: no syscall has number -1 on x86_64: answered SCMP_ACT_ERRNO(ENOSYS)") {
			t.Errorf("%s: exit %d, want 0 and the probe covered\n%s%s", strings.Join(args, " "), code, out, stderr)
		}
	}
}

// A threaded glibc program whose profile allows clone only for fork's
// flags (SIGCHLD) fails under it: clone3 says ENOSYS, and glibc's clone
// with pthread_create's flags is denied. check of its trace says clone3
// is not covered, as replay --enforce sees the program fail; check called
// it covered ("falls back to clone, which the profile allows for some
// argument values"), exit 0.
func TestThreadedProgramFailsWithForkOnlyClone(t *testing.T) {
	dir, bin := traceThreadProgram(t)
	if _, stderr, code := sg(t, dir, "generate", "-o", "p.json", "t.yaml"); code != 0 {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "p.json"))
	if err != nil {
		t.Fatal(err)
	}
	var prof map[string]any
	if err := json.Unmarshal(data, &prof); err != nil {
		t.Fatal(err)
	}
	var rules []any
	for _, r := range prof["syscalls"].([]any) {
		if names := r.(map[string]any)["names"].([]any); len(names) == 1 && names[0] == "clone" {
			continue
		}
		rules = append(rules, r)
	}
	prof["syscalls"] = append(rules, map[string]any{"names": []string{"clone"}, "action": "SCMP_ACT_ALLOW",
		"args": []map[string]any{{"index": 0, "value": 17, "op": "SCMP_CMP_EQ"}}})
	if data, err = json.Marshal(prof); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fork.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code := sg(t, dir, "replay", "--enforce", "-o", "r.txt", "-p", "fork.json", "--", bin)
	if rep, _ := os.ReadFile(filepath.Join(dir, "r.txt")); code != 3 || out != "no thread\n" {
		t.Fatalf("replay --enforce: exit %d, output %q, want 3 and the program without its thread:\n%s", code, out, rep)
	}
	out, stderr, code := sg(t, dir, "check", "-p", "fork.json", "t.yaml")
	if code != 3 || !strings.Contains(out, "clone3   x86_64  435  1") || strings.Contains(out, "falls back to clone") {
		t.Errorf("check: exit %d, want 3 with clone3 not covered and no fallback note:\n%s%s", code, out, stderr)
	}
}
