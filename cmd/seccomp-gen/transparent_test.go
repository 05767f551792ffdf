package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/report"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// A command run under trace or replay sees the world it would see when run
// bare (apart from the filter under replay --enforce). These tests compare
// the two.

// Ctrl-\ (SIGQUIT) reaches the whole foreground process group, as Ctrl-C
// does: the command dumps core (here: ulimit -c 0, so no file) and exits
// 131, and seccomp-gen writes its results and exits as the command did,
// instead of dying with a Go goroutine dump.
func TestCtrlBackslash(t *testing.T) {
	const quitter = "ulimit -c 0; echo up >&2; exec sleep 30"
	run := func(t *testing.T, args ...string) (code int) {
		t.Helper()
		sg := startSG(t, true, append(args, "--", "sh", "-c", quitter)...)
		waitLine(t, sg.lines, "up")
		time.Sleep(100 * time.Millisecond) // sh has exec'd sleep
		sg.signalGroup(t, syscall.SIGQUIT)
		if err := waitDone(sg.cmd, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		rest := sg.rest()
		if strings.Contains(rest, "goroutine ") || strings.Contains(rest, "SIGQUIT") {
			t.Errorf("Go's SIGQUIT dump on stderr:\n%s", rest)
		}
		return sg.cmd.ProcessState.ExitCode()
	}
	t.Run("trace", func(t *testing.T) {
		testutil.RequireRoot(t)
		out := filepath.Join(t.TempDir(), "t.yaml")
		if code := run(t, "trace", "-o", out); code != 128+int(syscall.SIGQUIT) {
			t.Errorf("exit %d, want the command's 131", code)
		}
		f, err := trace.ReadFile(out)
		if err != nil {
			t.Fatalf("no trace after Ctrl-\\: %v", err)
		}
		if f.ExitCode == nil || *f.ExitCode != 128+int(syscall.SIGQUIT) {
			t.Errorf("trace exit_code %v, want 131", f.ExitCode)
		}
	})
	t.Run("enforce", func(t *testing.T) {
		dir := t.TempDir()
		prof := writeProfile(t, dir, "p.json", allowAllBut("acct", policy.ActErrno), emit.FormatDocker)
		rep := filepath.Join(dir, "r.json")
		if code := run(t, "replay", "--enforce", "--report", "json", "-o", rep, "-p", prof); code != exitCommandFailed {
			t.Errorf("exit %d, want %d", code, exitCommandFailed)
		}
		data, err := os.ReadFile(rep)
		if err != nil {
			t.Fatalf("no report after Ctrl-\\: %v", err)
		}
		var v report.Verdict
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		if v.ExitCode == nil || *v.ExitCode != 128+int(syscall.SIGQUIT) {
			t.Errorf("report exit_code %v, want 131", v.ExitCode)
		}
	})
}

// The signals seccomp-gen was started with ignored (all of them, not only
// SIGHUP and SIGINT, which Go keeps ignored itself), its signal mask (Go
// unblocks the signals it handles, and os/exec's child inherits that) and
// its soft RLIMIT_NOFILE (which Go raises for itself) reach the command as
// they would without seccomp-gen: trace and replay start it through the
// stub, replay --enforce through the shim, whose raw execve does not
// restore the limit as os/exec does.
func TestInheritedSignalsAndNofile(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Max < 64 {
		t.Skipf("hard RLIMIT_NOFILE %d: too low to lower the soft one below it", lim.Max)
	}
	soft := lim.Max / 2 // below Max-1: Go raises it for itself
	dir := t.TempDir()
	// sh ignores the signals and lowers the limit, block blocks signals
	// (sh cannot), then the command runs (bare, or seccomp-gen running it)
	// and prints what it inherited (grep: dash would clear the mask).
	block := cc(t, dir, "block", blockSrc)
	wrapper := fmt.Sprintf(`trap '' USR1 PIPE; ulimit -Sn %d && exec %s "$@"`, soft, block)
	probe := []string{"grep", "-E", "^Sig(Ign|Blk)|^Max open files", "/proc/self/status", "/proc/self/limits"}
	run := func(t *testing.T, args ...string) string {
		t.Helper()
		cmd := exec.Command("sh", append([]string{"-c", wrapper, "sh"}, args...)...)
		cmd.Env = append(os.Environ(), testMainEnv+"=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	want := run(t, probe...)
	// At least these: the environment the test runs in may have ignored
	// or blocked others before it started.
	if !maskHas(want, "SigIgn", 0x1200) || !maskHas(want, "SigBlk", 0x14802) {
		t.Fatalf("bare run: SIGUSR1 and SIGPIPE not ignored, or SIGINT, SIGUSR2, SIGTERM and SIGCHLD not blocked:\n%s", want)
	}
	prof := writeProfile(t, dir, "p.json", allowAllBut("acct", policy.ActErrno), emit.FormatDocker)
	for _, m := range []struct {
		name string
		root bool
		args []string
	}{
		{"trace", true, []string{"trace", "-o", filepath.Join(dir, "t.yaml")}},
		{"replay", true, []string{"replay", "-o", filepath.Join(dir, "r.txt"), "-p", prof}},
		{"replay --enforce", false, []string{"replay", "--enforce", "-o", filepath.Join(dir, "e.txt"), "-p", prof}},
	} {
		t.Run(m.name, func(t *testing.T) {
			if m.root {
				testutil.RequireRoot(t)
			}
			if m.name == "trace" {
				// Started early (internal/prestub): the command's process
				// is forked while the Go runtime starts, which raises the
				// soft RLIMIT_NOFILE and installs its signal handlers; here
				// forked once it has (SECCOMP_GEN_EARLY_TEST_DELAY_US), as
				// on a busy machine, where CI found the soft limit raised.
				earlyReady(t)
				t.Setenv("SECCOMP_GEN_EARLY_TEST_DELAY_US", "5000")
			}
			args := append(append([]string{os.Args[0]}, m.args...), "--")
			if got := run(t, append(args, probe...)...); got != want {
				t.Errorf("the command inherited\n%s\nwant, as run bare:\n%s", got, want)
			}
		})
	}
}

// replay --enforce sets no_new_privs only where the kernel needs it to load
// the filter (no CAP_SYS_ADMIN), as runc does for a container whose
// noNewPrivileges is false (Docker's default): as root, a setuid program in
// the workload works as it would in such a container.
func TestEnforceNoNewPrivsOnlyWithoutCapSysAdmin(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	prof := writeProfile(t, dir, "p.json", allowAllBut("acct", policy.ActErrno), emit.FormatDocker)
	stdout, stderr, code := sg(t, dir, "replay", "--enforce", "-o", filepath.Join(dir, "r.txt"), "-p", prof,
		"--", "grep", "-E", "^(NoNewPrivs|Seccomp):", "/proc/self/status")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := "NoNewPrivs:\t0\nSeccomp:\t2\n"; stdout != want {
		t.Errorf("the workload's status:\n%s\nwant (filtered, no no_new_privs):\n%s", stdout, want)
	}
}

// replay --enforce gives the command seccomp-gen's environment exactly: a
// variable of the user's that equals one the shim sets for itself (GODEBUG)
// or once used (SECCOMP_GEN_EXEC) is not dropped.
func TestEnforceEnvironmentExact(t *testing.T) {
	dir := t.TempDir()
	prof := writeProfile(t, dir, "p.json", allowAllBut("acct", policy.ActErrno), emit.FormatDocker)
	env := append(os.Environ(), testMainEnv+"=1", "GODEBUG=asyncpreemptoff=1", "SECCOMP_GEN_EXEC=1", "SECCOMP_GEN_IGNORED=0")
	bare := exec.Command("env")
	bare.Env = env
	want, err := bare.Output()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "replay", "--enforce", "-o", filepath.Join(dir, "r.txt"), "-p", prof, "--", "env")
	cmd.Env = env
	got, err := cmd.Output()
	if err != nil {
		t.Fatalf("replay --enforce: %v", err)
	}
	if string(got) != string(want) {
		t.Errorf("the command's environment:\n%s\nwant, as run bare:\n%s", got, want)
	}
}

// blockSrc blocks SIGINT, SIGUSR2, SIGTERM and SIGCHLD and execs its
// arguments.
const blockSrc = `#include <signal.h>
#include <unistd.h>
int main(int argc, char **argv) {
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGUSR2);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGCHLD);
	sigprocmask(SIG_BLOCK, &s, 0);
	execvp(argv[1], argv + 1);
	return 127;
}
`

// maskHas reports whether the status line name ("SigIgn") in out has every
// bit of bits set.
func maskHas(out, name string, bits uint64) bool {
	for _, line := range strings.Split(out, "\n") {
		_, line, _ = strings.Cut(line, "/proc/self/status:") // grep names the file
		if v, ok := strings.CutPrefix(line, name+":\t"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && n&bits == bits
		}
	}
	return false
}
