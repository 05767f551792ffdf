package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// filteredLoopSrc installs a seccomp filter that allows everything, then
// opens /dev/null over and over for a few seconds: a process whose
// syscalls all pass a filter before the recorder's tracepoint.
const filteredLoopSrc = `#include <fcntl.h>
#include <stddef.h>
#include <time.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
int main(void) {
	struct sock_filter f[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	struct sock_fprog p = {.len = 1, .filter = f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p))
		return 1;
	write(1, "filtered\n", 9);
	for (time_t end = time(0) + 20; time(0) < end;) {
		int fd = open("/dev/null", O_RDONLY);
		close(fd);
		usleep(1000);
	}
	return 0;
}
`

// A --pid (or --cgroup) target that runs under a seccomp filter: trace
// warned, but the trace said nothing of it, so check passed it and
// generate made a profile from it without a word, while replay of the same
// target refuses a pass (the filter answers before the recorder sees a
// call: under the profile being checked, every call seen is allowed by
// construction). The trace now lists it in target.unseen, as a
// container's trace does in target.container.unseen, and check refuses it
// (exit 2) unless --allow-incomplete (the contract review).
func TestTracePIDFilteredMarked(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "gcc")
	dir := t.TempDir()
	bin := cc(t, dir, "filtered", filteredLoopSrc)
	loop := exec.Command(bin)
	out, err := loop.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := loop.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = loop.Process.Kill(); _ = loop.Wait() })
	var b [9]byte
	if n, _ := out.Read(b[:]); string(b[:n]) != "filtered\n" {
		t.Fatalf("the workload did not install its filter: %q", b[:n])
	}
	tr := filepath.Join(dir, "t.yaml")
	_, stderr, code := sg(t, dir, "trace", "--pid", strconv.Itoa(loop.Process.Pid), "--duration", "500ms", "-o", tr)
	if code != 0 || !strings.Contains(stderr, "runs under a seccomp filter") {
		t.Fatalf("trace --pid: exit %d; stderr:\n%s", code, stderr)
	}
	f, err := trace.ReadFile(tr)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(f.Target.Unseen, trace.UnseenFiltered) || !f.Filtered() {
		t.Fatalf("target %+v: want unseen %q", f.Target, trace.UnseenFiltered)
	}
	data, _ := os.ReadFile(tr)
	if !strings.Contains(string(data), "target: {pid: "+strconv.Itoa(loop.Process.Pid)+", unseen: [syscalls its seccomp filter denied]}") {
		t.Errorf("trace file's target line:\n%s", data)
	}

	prof := filepath.Join(dir, "p.json")
	_, stderr, code = sg(t, dir, "generate", "-o", prof, tr)
	if want := "t.yaml: its target (pid " + strconv.Itoa(loop.Process.Pid) + ") ran under a seccomp filter whose denials the recorder could not see (target.unseen)"; code != 0 || !strings.Contains(stderr, want) {
		t.Errorf("generate: exit %d, want 0 and %q; stderr:\n%s", code, want, stderr)
	}
	_, stderr, code = sg(t, dir, "check", "-p", prof, tr)
	if want := "incomplete, its target (pid " + strconv.Itoa(loop.Process.Pid) + ") ran under a seccomp filter"; code != exitUsage || !strings.Contains(stderr, want) {
		t.Errorf("check: exit %d, want %d and %q; stderr:\n%s", code, exitUsage, want, stderr)
	}
	if _, stderr, code := sg(t, dir, "check", "--allow-incomplete", "-p", prof, tr); code != 0 {
		t.Errorf("check --allow-incomplete: exit %d; stderr:\n%s", code, stderr)
	}
	// replay of the filtered target under its own profile refuses the
	// pass (exit 1) unless --allow-incomplete.
	pid := strconv.Itoa(loop.Process.Pid)
	_, stderr, code = sg(t, dir, "replay", "-p", prof, "--pid", pid, "--duration", "300ms")
	if want := "replay: incomplete, pid " + pid + " runs under a seccomp filter whose denials the recorder cannot see"; code != exitFailure || !strings.Contains(stderr, want) {
		t.Errorf("replay --pid: exit %d, want %d and %q; stderr:\n%s", code, exitFailure, want, stderr)
	}
	if _, stderr, code := sg(t, dir, "replay", "--allow-incomplete", "-p", prof, "--pid", pid, "--duration", "300ms"); code != 0 {
		t.Errorf("replay --allow-incomplete --pid: exit %d; stderr:\n%s", code, stderr)
	}

	// An unfiltered --pid target's trace has no such key.
	plain := exec.Command("sh", "-c", "while :; do read x </dev/null; done")
	if err := plain.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = plain.Process.Kill(); _ = plain.Wait() })
	tr2 := filepath.Join(dir, "plain.yaml")
	if _, stderr, code := sg(t, dir, "trace", "--pid", strconv.Itoa(plain.Process.Pid), "--duration", "200ms", "-o", tr2); code != 0 {
		t.Fatalf("trace --pid of a shell loop: exit %d\n%s", code, stderr)
	}
	if f, err := trace.ReadFile(tr2); err != nil || f.Filtered() || len(f.Target.Unseen) > 0 {
		t.Errorf("an unfiltered target's trace: %v, target %+v", err, f.Target)
	}
}
