package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/report"
)

// These tests load real seccomp filters (no_new_privs, user notification)
// in a re-executed child; they need no eBPF. pidfd_getfd needs ptrace
// rights over the child, which its parent has unless Yama forbids it.

func TestEnforceErrnoDenial(t *testing.T) {
	wl := workload(t)
	dir := t.TempDir()
	prof := writeProfile(t, dir, "p.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)

	plain, err := exec.Command(wl).Output()
	if err != nil {
		t.Fatal(err)
	}
	// The profile lacks nothing the plain run needs: exit 0, same output.
	out, stderr, code := sg(t, dir, "replay", "--enforce", "-p", prof, "-o", "report.txt", "--", wl)
	if code != 0 {
		t.Fatalf("enforced plain run: exit %d, stderr:\n%s", code, stderr)
	}
	if out != string(plain) {
		t.Fatalf("workload output changed under the filter:\n%s\nwant:\n%s", out, plain)
	}
	rep, _ := os.ReadFile(filepath.Join(dir, "report.txt"))
	if !strings.Contains(string(rep), "denied nothing") {
		t.Errorf("report:\n%s", rep)
	}

	// The --extra run calls getpriority: the filter answers EPERM (seen by
	// the workload) and the report names it with its ABI.
	out, stderr, code = sg(t, dir, "replay", "--enforce", "-p", prof, "--report", "json", "-o", "r.json", "--", wl, "--extra")
	if code != exitNotCovered {
		t.Fatalf("enforced --extra run: exit %d, want %d; stderr:\n%s", code, exitNotCovered, stderr)
	}
	if !strings.Contains(out, "getpriority -> -1 (Operation not permitted)") {
		t.Errorf("the workload did not get EPERM:\n%s", out)
	}
	var v report.Verdict
	data, _ := os.ReadFile(filepath.Join(dir, "r.json"))
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("json report: %v\n%s", err, data)
	}
	if len(v.Missing) != 1 || v.Missing[0].Name != "getpriority" || v.Missing[0].Arch != "x86_64" ||
		v.Missing[0].Reason != "enforced" || v.Missing[0].Count != 1 || v.Missing[0].First != wl {
		t.Fatalf("denials: %+v", v.Missing)
	}
	if v.ExitCode == nil || *v.ExitCode != 0 {
		t.Errorf("exit code in report: %v", v.ExitCode)
	}
}

func TestEnforceWouldKillAndJUnit(t *testing.T) {
	wl := workload(t)
	dir := t.TempDir()
	prof := writeProfile(t, dir, "p.json", allowAllBut("getpriority", policy.ActKillProcess), emit.FormatOCI)
	out, stderr, code := sg(t, dir, "replay", "--enforce", "-p", prof, "--report", "junit", "-o", "r.xml", "--", wl, "--extra")
	if code != exitNotCovered {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitNotCovered, stderr)
	}
	// Reported, not killed: the run goes on (the syscall got EPERM).
	if !strings.Contains(out, "getpriority -> -1") {
		t.Errorf("workload output:\n%s", out)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "r.xml"))
	var j struct {
		Failures int `xml:"failures,attr"`
		Suite    struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &j); err != nil {
		t.Fatalf("junit: %v\n%s", err, data)
	}
	// The denial, and the run (which went right: exit 0).
	if j.Failures != 1 || len(j.Suite.Cases) != 2 || j.Suite.Cases[0].Name != "x86_64/getpriority" ||
		j.Suite.Cases[0].Failure == nil || j.Suite.Cases[0].Failure.Type != "would-kill" ||
		j.Suite.Cases[1].Name != "run" || j.Suite.Cases[1].Failure != nil {
		t.Fatalf("junit report:\n%s", data)
	}
}

const int80Src = `#include <stdio.h>
int main(void) {
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20) : "memory"); /* i386 getpid */
	printf("int80 getpid -> %ld\n", r);
	return 0;
}
`

func TestEnforceOtherABI(t *testing.T) {
	testutil.RequireIA32(t)
	dir := t.TempDir()
	bin := cc(t, dir, "int80", int80Src)
	prof := writeProfile(t, dir, "p.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)
	out, stderr, code := sg(t, dir, "replay", "--enforce", "-p", prof, "--", bin)
	if code != exitNotCovered {
		t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, exitNotCovered, out, stderr)
	}
	// The report is on stdout: the workload's own stdout went to stderr.
	if !strings.Contains(stderr, "int80 getpid -> -1") || strings.Contains(out, "int80 getpid") {
		t.Errorf("the i386 syscall was not denied, or the workload's output is in the report:\nstdout:\n%s\nstderr:\n%s", out, stderr)
	}
	var row []string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 3 && f[0] == "getpid" {
			row = f
		}
	}
	if row == nil || row[1] != "x86" || row[2] != "20" || !strings.Contains(out, "ABI x86 not covered") {
		t.Fatalf("report does not name getpid on x86:\n%s", out)
	}
}

const x32Src = `#include <stdio.h>
#include <unistd.h>
#include <errno.h>
int main(void) {
	long r = syscall(0x40000000 | 39); /* x32 getpid */
	printf("x32 getpid -> %ld errno %d\n", r, r < 0 ? errno : 0);
	return 0;
}
`

func TestEnforceX32(t *testing.T) {
	dir := t.TempDir()
	bin := cc(t, dir, "x32", x32Src)
	prof := writeProfile(t, dir, "p.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)
	out, stderr, code := sg(t, dir, "replay", "--enforce", "-p", prof, "--", bin)
	if code != exitNotCovered {
		t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, exitNotCovered, out, stderr)
	}
	row := humanRow(out, "getpid")
	if row == nil || row[1] != "x32" || !strings.Contains(out, "ABI x32 not covered") {
		t.Fatalf("report does not name getpid on x32:\n%s", out)
	}
}

// The execve of CMD happens under the filter, as in runc and crun: a
// profile that denies execve is reported, not papered over.
func TestEnforceExecveDenied(t *testing.T) {
	wl := workload(t)
	dir := t.TempDir()
	prof := writeProfile(t, dir, "p.json", allowAllBut("execve", policy.ActErrno), emit.FormatDocker)
	out, stderr, code := sg(t, dir, "replay", "--enforce", "-p", prof, "--", wl)
	if code != exitNotCovered {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitNotCovered, out, stderr)
	}
	if row := humanRow(out, "execve"); row == nil || row[1] != "x86_64" {
		t.Fatalf("execve not reported:\n%s", out)
	}
}

func TestEnforceCommandFailures(t *testing.T) {
	dir := t.TempDir()
	prof := writeProfile(t, dir, "p.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)
	fail := cc(t, dir, "fail", "int main(void) { return 7; }\n")
	_, stderr, code := sg(t, dir, "replay", "--enforce", "-p", prof, "--", fail)
	if code != exitCommandFailed {
		t.Errorf("failing command: exit %d, want %d; stderr:\n%s", code, exitCommandFailed, stderr)
	}
	_, stderr, code = sg(t, dir, "replay", "--enforce", "-p", prof, "--", "/nonexistent/cmd")
	if code != exitCommandFailed || !strings.Contains(stderr, "not found") {
		t.Errorf("missing command: exit %d, want %d; stderr:\n%s", code, exitCommandFailed, stderr)
	}
}

// A least-privilege profile made from a real trace of the workload runs it
// unchanged under --enforce; the same profile without a syscall the workload
// needs (wait4) is reported.
func TestEnforceTracedProfile(t *testing.T) {
	testutil.RequireRoot(t)
	wl := workload(t)
	dir := t.TempDir()
	any := writeProfile(t, dir, "any.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)
	if _, stderr, code := sg(t, dir, "replay", "-p", any, "--save-trace", "base.yaml", "-o", "report.txt", "--", wl); code != 0 {
		t.Fatalf("traced replay: exit %d\n%s", code, stderr)
	}
	base := readTrace(t, filepath.Join(dir, "base.yaml"))
	plain, err := exec.Command(wl).Output()
	if err != nil {
		t.Fatal(err)
	}
	full := writeProfile(t, dir, "full.json", profileFromTrace(t, base, ""), emit.FormatDocker)
	out, stderr, code := sg(t, dir, "replay", "--enforce", "-p", full, "-o", "report.txt", "--", wl)
	if code != 0 || out != string(plain) {
		t.Fatalf("complete profile: exit %d, output:\n%s\nwant:\n%s\nstderr:\n%s", code, out, plain, stderr)
	}
	lacking := writeProfile(t, dir, "lacking.json", profileFromTrace(t, base, "wait4"), emit.FormatDocker)
	out, stderr, code = sg(t, dir, "replay", "--enforce", "-p", lacking, "--", wl)
	if code != exitNotCovered {
		t.Fatalf("profile without wait4: exit %d\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(out, "wait4 ") || !strings.Contains(out, "x86_64") {
		t.Fatalf("wait4 not reported:\n%s", out)
	}
}

// Argument conditions are compiled into the enforce filter: the rule
// denies getpriority(PRIO_PROCESS, ...) only; the workload calls it with
// PRIO_PROCESS (0), so it is denied when the condition says 0, not when it
// says PRIO_PGRP (1).
func TestEnforceArgumentConditions(t *testing.T) {
	wl := workload(t)
	dir := t.TempDir()
	for _, c := range []struct {
		value uint64
		want  int
	}{{0, exitNotCovered}, {1, 0}} {
		p := allowAllBut("getpriority", policy.ActErrno)
		p.Rules[0].Args = []policy.Arg{{Index: 0, Value: c.value, Op: policy.OpEqualTo}}
		prof := writeProfile(t, dir, "p.json", p, emit.FormatDocker)
		out, stderr, code := sg(t, dir, "replay", "--enforce", "-p", prof, "--", wl, "--extra")
		if code != c.want {
			t.Fatalf("condition arg0 == %d: exit %d, want %d\n%s\n%s", c.value, code, c.want, out, stderr)
		}
	}
}

const daemonSrc = `#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>
int main(int argc, char **argv) {
	if (fork() == 0) {
		setsid();
		if (fork() == 0) { /* the daemon: outlives its parents */
			usleep(300000);
			long r = getpriority(PRIO_PROCESS, 0);
			FILE *f = fopen(argv[1], "w");
			fprintf(f, "%ld\n", r);
			fclose(f);
			_exit(0);
		}
		_exit(0);
	}
	return 0;
}
`

// A double-forked daemon stays under the filter after CMD exits; replay
// keeps supervising until it exits too, and reports its denial.
func TestEnforceDaemon(t *testing.T) {
	dir := t.TempDir()
	bin := cc(t, dir, "daemon", daemonSrc)
	prof := writeProfile(t, dir, "p.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)
	mark := filepath.Join(dir, "daemon.out")
	cmd := exec.Command(os.Args[0], "replay", "--enforce", "-p", prof, "--", bin, mark)
	cmd.Env = append(os.Environ(), testMainEnv+"=1")
	out, _ := cmd.Output() // the daemon closes no streams: Output waits for it
	if code := cmd.ProcessState.ExitCode(); code != exitNotCovered {
		t.Fatalf("exit %d, want %d\n%s", code, exitNotCovered, out)
	}
	if row := humanRow(string(out), "getpriority"); row == nil || row[4] != bin {
		t.Fatalf("the daemon's getpriority is not reported:\n%s", out)
	}
	if b, _ := os.ReadFile(mark); strings.TrimSpace(string(b)) != "-1" {
		t.Fatalf("the daemon's getpriority returned %q, want -1 (EPERM)", b)
	}
}

// A workload that is seccomp-gen itself is not mistaken for replay's own
// child (whose syscalls before execve are not reported): the Go runtime's
// sched_getaffinity at start-up is reported.
func TestEnforceSelfWorkload(t *testing.T) {
	dir := t.TempDir()
	prof := writeProfile(t, dir, "p.json", allowAllBut("sched_getaffinity", policy.ActErrno), emit.FormatDocker)
	out, stderr, code := sg(t, dir, "replay", "--enforce", "-p", prof, "-o", "r.txt", "--", os.Args[0], "--help")
	if code != exitNotCovered {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitNotCovered, out, stderr)
	}
	rep, _ := os.ReadFile(filepath.Join(dir, "r.txt"))
	if humanRow(string(rep), "sched_getaffinity") == nil {
		t.Fatalf("sched_getaffinity not reported:\n%s", rep)
	}
}

// When seccomp-gen dies (SIGKILL) while the workload runs, the workload's
// denied syscalls still get the profile's answer (EPERM here), not the
// ENOSYS the kernel gives when a filter's listener is gone; and nothing is
// left running once the workload has exited.
func TestEnforceSupervisorKilled(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "p.json")
	if err := os.WriteFile(prof, []byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `mkdir a 2>>log; : >ready; while [ ! -e go ]; do sleep 0.01; done; mkdir b 2>>log; echo done >>log`
	cmd := exec.Command(os.Args[0], "replay", "--enforce", "-p", prof, "-o", "r.txt", "--", "/bin/sh", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), testMainEnv+"=1", "LC_ALL=C")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				os.WriteFile(filepath.Join(dir, "go"), nil, 0o644) // let the workload end
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	exists := func(name string) func() bool {
		return func() bool { _, err := os.Stat(filepath.Join(dir, name)); return err == nil }
	}
	waitFor("the workload to start", exists("ready"))
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	logf := filepath.Join(dir, "log")
	waitFor("the workload to end", func() bool {
		b, _ := os.ReadFile(logf)
		return strings.Contains(string(b), "done")
	})
	b, _ := os.ReadFile(logf)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "Operation not permitted") || !strings.Contains(lines[1], "Operation not permitted") {
		t.Fatalf("mkdir before and after seccomp-gen was killed: want EPERM both times, got:\n%s", b)
	}
	// The sentinel (replay's process that answers for it) exits with the
	// workload: nothing that names the test's directory runs any more.
	waitFor("the processes of the run to exit", func() bool {
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			cl, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if err == nil && strings.Contains(string(cl), script) {
				return false
			}
		}
		return true
	})
}

// newerSrc calls the syscall numbers on its command line and prints the
// errno each got.
const newerSrc = `#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
	for (int i = 1; i < argc; i++) {
		long nr = strtol(argv[i], NULL, 0);
		long r = syscall(nr, 0L, 0L, 0L);
		printf("%ld: errno %d\n", nr, r < 0 ? errno : 0);
	}
	return 0;
}
`

// TestEnforceAnswersAsRunc: under Docker's default profile (EPERM by
// default), runc answers mseal (462: libseccomp 2.5.4 cannot name it, so
// its rule is dropped) and 1000 with ENOSYS from its stub above the
// highest syscall the profile names, crun EPERM. replay --enforce answers
// as runc and the report says, per syscall and in a note, that crun
// answers EPERM. Before, the workload got EPERM and the report said
// nothing of runc or crun.
func TestEnforceAnswersAsRunc(t *testing.T) {
	dir := t.TempDir()
	bin := cc(t, dir, "newer", newerSrc)
	out, stderr, code := sg(t, dir, "replay", "--enforce", "--allow-unknown-syscalls", "-p", mobyDefaultProfile,
		"--report", "json", "-o", "r.json", "--", bin, "462", "1000")
	if code != exitNotCovered {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitNotCovered, stderr)
	}
	if want := "462: errno 38\n1000: errno 38\n"; out != want {
		t.Errorf("the workload says\n%s\nunder runc (Docker) it says\n%s", out, want)
	}
	var v report.Verdict
	data, _ := os.ReadFile(filepath.Join(dir, "r.json"))
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("json report: %v\n%s", err, data)
	}
	if len(v.Missing) != 2 {
		t.Fatalf("denials: %+v", v.Missing)
	}
	for _, s := range v.Missing {
		if !strings.Contains(s.Detail, "answered SCMP_ACT_ERRNO(ENOSYS)") || !strings.Contains(s.Detail, "crun answers SCMP_ACT_ERRNO(EPERM)") {
			t.Errorf("%s: detail %q: want runc's ENOSYS and crun's EPERM", s.Name, s.Detail)
		}
	}
	notes := strings.Join(v.Notes, "\n")
	if !strings.Contains(notes, "runc and crun answer") || !strings.Contains(notes, "#462, #1000") {
		t.Errorf("notes: %q", v.Notes)
	}
}

// ownListenerSrc installs a filter of its own with a listener
// (SECCOMP_FILTER_FLAG_NEW_LISTENER), as a container engine or sandbox
// inside the workload would, and prints what seccomp(2) returned.
const ownListenerSrc = `#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
int main(void) {
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog p = {.len = 4, .filter = f};
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &p);
	printf("listener: %s\n", fd >= 0 ? "ok" : fd < 0 && errno == EBUSY ? "EBUSY" : "other error");
	return 0;
}
`

// TestEnforceOwnListenerFailsTheRun: a workload that asks for a seccomp
// listener of its own gets one under runc and crun (their filter has
// none; measured with the same program), but EBUSY under replay
// --enforce, whose filter has the run's listener (the kernel allows one per
// filter chain). The run then differs from the real one, which no report may
// pass in silence: replay names the call and fails the run (exit 4, the
// JUnit case "run", "passed": false). Before, it said "denied nothing" and
// exited 0.
func TestEnforceOwnListenerFailsTheRun(t *testing.T) {
	dir := t.TempDir()
	bin := cc(t, dir, "ownlistener", ownListenerSrc)
	prof := writeProfile(t, dir, "p.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)
	out, stderr, code := sg(t, dir, "replay", "--enforce", "-p", prof, "--report", "json", "-o", "r.json", "--", bin)
	if out != "listener: EBUSY\n" {
		t.Fatalf("the workload says %q (its own listener is refused under the run's filter)", out)
	}
	if code != exitCommandFailed {
		t.Errorf("exit %d, want %d (the run differs from the runtimes'); stderr:\n%s", code, exitCommandFailed, stderr)
	}
	var v report.Verdict
	data, _ := os.ReadFile(filepath.Join(dir, "r.json"))
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("json report: %v\n%s", err, data)
	}
	if v.Passed || !strings.Contains(v.RunError, "SECCOMP_FILTER_FLAG_NEW_LISTENER") || !strings.Contains(v.RunError, bin) {
		t.Errorf("passed %v, run_error %q: want a failed run that names the call and the program", v.Passed, v.RunError)
	}
	// The human report says it too, not "denied nothing" alone.
	_, _, _ = sg(t, dir, "replay", "--enforce", "-p", prof, "-o", "r.txt", "--", bin)
	rep, _ := os.ReadFile(filepath.Join(dir, "r.txt"))
	if !strings.Contains(string(rep), "EBUSY") || !strings.Contains(string(rep), "runc and crun") {
		t.Errorf("human report:\n%s", rep)
	}
}
