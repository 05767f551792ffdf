package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// The trace command's contract, run as a real process (see TestMain).

func TestTraceCLIExitStatus(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "t.yaml")
	_, stderr, code := sg(t, dir, "trace", "-o", out, "--", "sh", "-c", "exit 3")
	if code != 3 {
		t.Fatalf("exit status %d, want the command's 3; stderr:\n%s", code, stderr)
	}
	f, err := trace.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if f.ExitCode == nil || *f.ExitCode != 3 || f.Lost != 0 || len(f.Syscalls) == 0 {
		t.Errorf("trace: exit_code %v lost %d, %d syscalls", f.ExitCode, f.Lost, len(f.Syscalls))
	}

	missing := filepath.Join(dir, "missing.yaml")
	_, stderr, code = sg(t, dir, "trace", "-o", missing, "--", "seccomp-gen-no-such-command")
	if code != 127 || !strings.Contains(stderr, "seccomp-gen-no-such-command: command not found") {
		t.Errorf("missing command: exit %d, stderr %q; want 127 and 'command not found'", code, stderr)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("a trace was written for a command that never ran")
	}

	_, _, code = sg(t, dir, "trace", "-o", out, "--", "sh", "-c", "kill -KILL $$")
	if code != 128+9 {
		t.Errorf("command killed by SIGKILL: exit %d, want 137", code)
	}
}

func TestTraceCLIStdoutAndSummary(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	stdout, stderr, code := sg(t, dir, "trace", "-v", "--", "echo", "hello from the command")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// With the trace on stdout, the command's output goes to stderr.
	if !strings.Contains(stderr, "hello from the command") {
		t.Errorf("command output not on stderr: %q", stderr)
	}
	f, err := trace.Decode(strings.NewReader(stdout))
	if err != nil {
		t.Fatalf("stdout is not a trace: %v\n%s", err, stdout)
	}
	if f.Target.Command[0] != "echo" {
		t.Errorf("target %v", f.Target.Command)
	}
	if !strings.Contains(stderr, "seccomp-gen: traced 1 process ") || !strings.Contains(stderr, "lost 0") {
		t.Errorf("no summary with -v: %q", stderr)
	}
	// -v says how new tasks are followed, on a line of its own after the
	// links' (which scripts read as it was).
	if !regexp.MustCompile(`(?m)^seccomp-gen: tracing pid \d+ \(BPF links [0-9 ]+\)\nseccomp-gen: a traced task's new threads and processes are marked at (the fork|their first syscall \(.+\))$`).MatchString(stderr) {
		t.Errorf("no links line followed by how new tasks are marked with -v: %q", stderr)
	}
	// Not a terminal and no -v: quiet.
	_, stderr, _ = sg(t, dir, "trace", "-o", filepath.Join(dir, "q.yaml"), "--", "true")
	if stderr != "" {
		t.Errorf("stderr not quiet without -v: %q", stderr)
	}
}

func TestTraceCLIUsage(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "prog") // a program the trace must not overwrite
	if err := os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := [][]string{
		{"trace"},
		{"trace", "--pid", "1", "--", "true"},
		{"trace", "--pid", "-5"},
		{"trace", "--cgroup", "/proc"},
		{"trace", "--duration", "-1s", "--", "true"},
		{"trace", "-o", filepath.Join(dir, "no/such/dir/t.yaml"), "--", "true"},
		{"trace", "-o", dir, "--", "true"},
		{"trace", "--cgroup", filepath.Join(dir, "no-such-cgroup")},
		{"trace", "-o", prog, "--", prog},
		{"trace", "-o", "./prog", "--", "./prog"},
	}
	if comm, _ := os.ReadFile("/proc/2/comm"); string(comm) == "kthreadd\n" {
		// A kernel thread can never give a trace (kthreadd is pid 2
		// outside a PID namespace).
		cases = append(cases, []string{"trace", "--pid", "2"})
	}
	for _, args := range cases {
		_, stderr, code := sg(t, dir, args...)
		if code != exitUsage || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.HasPrefix(stderr, "seccomp-gen: trace: ") ||
			strings.Contains(stderr, "invalid options") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line in the user's words", args, code, stderr)
		}
	}
	if b, _ := os.ReadFile(prog); string(b) != "#!/bin/sh\n" {
		t.Errorf("the traced program was overwritten by -o: %q", b)
	}
}

// Bad values name the flag: --pid 0 is not "no target", and --duration
// says what 0 means.
func TestTraceCLIFlagValues(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"trace", "--pid", "0"}, "seccomp-gen: trace: --pid 0: must be positive\n"},
		{[]string{"trace", "--duration", "-1s", "--", "true"}, "seccomp-gen: trace: --duration -1s: must not be negative (0, the default, is no limit)\n"},
	} {
		_, stderr, code := sg(t, dir, c.args...)
		if code != exitUsage || stderr != c.want {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

// SIGTERM (and Ctrl-C) end the trace and still write it.
func TestTraceCLISIGTERM(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "t.yaml")
	sg := startSG(t, false, "trace", "-v", "-o", out, "--", "sleep", "20")
	cmd := sg.cmd
	line := sg.firstLine(t, "seccomp-gen: tracing pid ")
	pid, _ := strconv.Atoi(strings.Fields(strings.TrimPrefix(line, "seccomp-gen: tracing pid "))[0])
	command := testutil.Hold(t, pid)
	time.Sleep(200 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	ps, err := cmd.Process.Wait()
	if err != nil {
		t.Fatal(err)
	}
	// The command was left running, untraced; it holds the stderr pipe.
	if st := procState(pid); st != "S" {
		t.Errorf("command state %q after the tracer ended, want S (still running)", st)
	}
	command.Kill()
	rest := sg.rest()
	if ps.ExitCode() != 128+15 {
		t.Errorf("exit %v, want 143 (128+SIGTERM); stderr %s", ps, rest)
	}
	f, err := trace.ReadFile(out)
	if err != nil {
		t.Fatalf("no trace after SIGTERM: %v", err)
	}
	if f.ExitCode != nil {
		t.Errorf("exit_code %d for a command that was still running", *f.ExitCode)
	}
	found := false
	for _, s := range f.Syscalls {
		found = found || s.Name == "clock_nanosleep"
	}
	if !found {
		t.Errorf("trace lacks sleep's clock_nanosleep:\n%+v", f.Syscalls)
	}
	if !strings.Contains(rest, "(interrupted)") {
		t.Errorf("summary does not say the trace was interrupted: %q", rest)
	}
}

// --pid of seccomp-gen's own parent (here: the test) cannot end by itself:
// trace says so, and Ctrl-C still ends it with the trace written.
func TestTraceCLIPIDAncestor(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "t.yaml")
	p := startSG(t, false, "trace", "-o", out, "--pid", strconv.Itoa(os.Getpid()))
	waitLine(t, p.lines, "is an ancestor of seccomp-gen, so it will not exit first")
	time.Sleep(200 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := waitDone(p.cmd, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	rest := p.rest()
	if code := p.cmd.ProcessState.ExitCode(); code != 128+int(syscall.SIGINT) {
		t.Errorf("exit %d, want 130; stderr %s", code, rest)
	}
	if _, err := trace.ReadFile(out); err != nil {
		t.Errorf("no trace after Ctrl-C: %v", err)
	}
	// With --duration it ends by itself: no such warning (the test may
	// sit idle meanwhile: an empty trace's warning is fine).
	_, stderr, code := sg(t, dir, "trace", "-o", out, "--duration", "100ms", "--pid", strconv.Itoa(os.Getpid()))
	if code != 0 || strings.Contains(stderr, "ancestor") {
		t.Errorf("--duration: exit %d, stderr %q; want 0 and no warning about the ancestor", code, stderr)
	}
}

// SIGHUP (the terminal or the ssh session went away) ends the trace and
// still writes it, as SIGTERM does.
func TestTraceCLISIGHUP(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "t.yaml")
	target := exec.Command("sleep", "20")
	if err := target.Start(); err != nil {
		t.Fatal(err)
	}
	defer target.Process.Kill()
	p := startSG(t, false, "trace", "-v", "-o", out, "--pid", strconv.Itoa(target.Process.Pid))
	waitLine(t, p.lines, "seccomp-gen: tracing pid ")
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if err := waitDone(p.cmd, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	rest := p.rest()
	if code := p.cmd.ProcessState.ExitCode(); code != 128+int(syscall.SIGHUP) {
		t.Errorf("exit %v, want 129; stderr %s", p.cmd.ProcessState, rest)
	}
	if _, err := trace.ReadFile(out); err != nil {
		t.Errorf("no trace after SIGHUP: %v", err)
	}
}

// Signals seccomp-gen was started with ignored (nohup; a background job
// of a script ignores SIGINT) stay ignored for the command, as they would
// without the tracer.
func TestTraceCLIIgnoredSignals(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "t.yaml")
	cmd := exec.Command("sh", "-c", `trap '' INT HUP; exec "$0" trace -o "$1" -- sh -c 'kill -INT $$; kill -HUP $$; echo survived'`, os.Args[0], out)
	cmd.Env = append(os.Environ(), testMainEnv+"=1")
	got, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(got), "survived") {
		t.Errorf("the command did not survive the signals its caller ignores: %v\n%s", err, got)
	}
	if _, err := trace.ReadFile(out); err != nil {
		t.Error(err)
	}
}

// Every argument from the command on is the command's, flags too, as in
// replay: trace -o t.yaml ls -v / took -v for trace's --verbose and ran
// ls /, and -o after the command named trace's output.
func TestTraceCommandFlags(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	stdout, stderr, code := sg(t, dir, "trace", "-o", "t.yaml", "echo", "-v", "-o", "x.yaml")
	if code != 0 || stdout != "-v -o x.yaml\n" {
		t.Errorf("trace -o t.yaml echo -v -o x.yaml: exit %d, stdout %q, stderr:\n%s\nwant the command to get -v -o x.yaml", code, stdout, stderr)
	}
	f, err := trace.ReadFile(filepath.Join(dir, "t.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.Target.Command, " "); got != "echo -v -o x.yaml" {
		t.Errorf("target command %q, want %q", got, "echo -v -o x.yaml")
	}
	if _, err := os.Stat(filepath.Join(dir, "x.yaml")); err == nil {
		t.Error("the command's -o x.yaml was taken for trace's")
	}
}

// A command that is found but cannot be executed is one line with trace's
// prefix and the reason, and a shell's status: the stub used to print
// "seccomp-gen: ./script: exec format error" itself, and a missing
// interpreter was "no such file or directory" for a file that is there.
func TestTraceExecFailure(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	for _, c := range []struct {
		name, content string
		code          int
		why           string
	}{
		{"script", "echo no shebang\n", 126, "exec format error (a script needs a #! line; else the file is no program for this machine)"},
		{"badinterp", "#!/nonexistent/interpreter\necho\n", 127, "its interpreter was not found (the #! line of a script, or the loader of a program for another libc)"},
	} {
		if err := os.WriteFile(filepath.Join(dir, c.name), []byte(c.content), 0o755); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := sg(t, dir, "trace", "-o", "t.yaml", "--", "./"+c.name)
		want := "seccomp-gen: trace: ./" + c.name + ": command could not be executed: " + c.why + "\n"
		if code != c.code || stderr != want {
			t.Errorf("trace -- ./%s: exit %d, stderr:\n%s\nwant exit %d and %q", c.name, code, stderr, c.code, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "t.yaml")); err == nil {
		t.Error("a trace was written for a command that never ran")
	}
}

// SIGTERM and SIGQUIT that seccomp-gen was started with ignored stay
// ignored by seccomp-gen too, in trace and replay (both modes): the Go
// runtime keeps only SIGHUP and SIGINT ignored, and a SIGTERM ended the
// recording (exit 143) where the command, run bare, would not notice.
func TestIgnoredTermQuit(t *testing.T) {
	dir := t.TempDir()
	prof := writeProfile(t, dir, "p.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)
	for _, args := range [][]string{
		{"trace", "-o", filepath.Join(dir, "t.yaml")},
		{"replay", "-p", prof},
		{"replay", "--enforce", "-p", prof},
	} {
		t.Run(strings.Join(args[:len(args)-2], " "), func(t *testing.T) {
			if args[1] != "--enforce" {
				testutil.RequireRoot(t)
			}
			if args[0] == "trace" {
				// Started early (internal/prestub): the command signals
				// seccomp-gen while its Go runtime starts.
				earlyReady(t)
			}
			// $$ is the shell that becomes seccomp-gen.
			script := `trap '' TERM QUIT; exec "$0" "$@" -- sh -c "kill -TERM $$; kill -QUIT $$; sleep 0.3; echo survived"`
			cmd := exec.Command("sh", append([]string{"-c", script, os.Args[0]}, args...)...)
			cmd.Env = append(os.Environ(), testMainEnv+"=1")
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "survived\n") || strings.Contains(string(out), "waiting for the command") {
				t.Errorf("seccomp-gen %s, started with SIGTERM and SIGQUIT ignored, reacted to them: %v\n%s", strings.Join(args, " "), err, out)
			}
		})
	}
}

// On a terminal, the live status line is not drawn over a command's own
// output (they share the terminal); a --pid target still gets it. script(1)
// gives seccomp-gen a terminal.
func TestTraceCLITerminal(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "script")
	dir := t.TempDir()
	run := func(args string) string {
		t.Helper()
		cmd := exec.Command("script", "-qec", os.Args[0]+" "+args, "/dev/null")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), testMainEnv+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%q", args, err, out)
		}
		return string(out)
	}
	out := run(`trace -o c.yaml -- sh -c 'sleep 0.6; echo from-the-command'`)
	if strings.Contains(out, " distinct, ") {
		t.Errorf("a status line was drawn while the command wrote to the terminal:\n%q", out)
	}
	if !strings.Contains(out, "from-the-command") || !strings.Contains(out, "seccomp-gen: traced 2 processes") {
		t.Errorf("command output or summary missing:\n%q", out)
	}
	// The target outlives the trace, which --duration ends: a short-lived
	// target could exit before a loaded machine has started seccomp-gen
	// under script (CI saw "no such process").
	target := exec.Command("sleep", "60")
	if err := target.Start(); err != nil {
		t.Fatal(err)
	}
	defer target.Process.Kill()
	go target.Wait()
	if out := run("trace -o p.yaml --duration 1s --pid " + strconv.Itoa(target.Process.Pid)); !strings.Contains(out, " distinct, ") {
		t.Errorf("no status line for a --pid target on a terminal:\n%q", out)
	}
}

// An empty trace (an idle --pid target, a --duration shorter than the
// command's start) is written, but trace warns that every reader refuses it.
func TestTraceCLIEmptyWarns(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "t.yaml")
	idle := exec.Command("sleep", "20")
	if err := idle.Start(); err != nil {
		t.Fatal(err)
	}
	defer idle.Process.Kill()
	time.Sleep(100 * time.Millisecond) // past its start-up syscalls
	_, stderr, code := sg(t, dir, "trace", "-o", out, "--duration", "200ms", "--pid", strconv.Itoa(idle.Process.Pid))
	if code != 0 || !strings.Contains(stderr, "warning: no syscall was recorded (duration after 2") {
		t.Errorf("idle pid: exit %d, stderr %q; want 0 and a warning", code, stderr)
	}
	if f, err := trace.ReadFile(out); err != nil || len(f.Syscalls) != 0 {
		t.Errorf("trace: %v, %v", f, err)
	}
}

// procState returns the state letter of /proc/PID/stat.
func procState(pid int) string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "gone"
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+3 > len(s) {
		return "?"
	}
	return s[i+2 : i+3]
}

// Ctrl-C reaches the whole foreground process group: the command's own way
// out is still traced and its status is seccomp-gen's.
func TestTraceCLICtrlC(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "t.yaml")
	// The command traps SIGINT and makes a marker syscall (via ls) on its
	// way out, then exits 5.
	sg := startSG(t, true, "trace", "-v", "-o", out, "--", "sh", "-c",
		`trap 'ls / >/dev/null; exit 5' INT; while :; do sleep 0.05; done`)
	sg.firstLine(t, "seccomp-gen: tracing pid ")
	time.Sleep(200 * time.Millisecond)
	sg.signalGroup(t, syscall.SIGINT)
	rest := sg.rest()
	_ = sg.cmd.Wait()
	if code := sg.cmd.ProcessState.ExitCode(); code != 5 {
		t.Errorf("exit %d, want the command's 5; stderr %s", code, rest)
	}
	f, err := trace.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range f.Syscalls {
		found = found || (s.Name == "getdents64" && s.First == "ls")
	}
	if !found || f.ExitCode == nil || *f.ExitCode != 5 {
		t.Errorf("the command's exit path is missing from the trace (exit_code %v):\n%+v", f.ExitCode, f.Syscalls)
	}
}

// TestTraceCLISignalTwice: trace shares replay's Ctrl-C policy. A command
// that ignores Ctrl-C keeps trace waiting (it says so); a second Ctrl-C
// kills the command's tree, and the trace is still written.
func TestTraceCLISignalTwice(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "t.yaml")
	// SIG_IGN is inherited: neither sh nor its sleeps stop on Ctrl-C.
	sg := startSG(t, true, "trace", "-v", "-o", out, "--", "sh", "-c", `trap '' INT; while :; do sleep 0.05; done`)
	cmd := sg.cmd
	first := sg.firstLine(t, "seccomp-gen: tracing pid ")
	pid, _ := strconv.Atoi(strings.Fields(strings.TrimPrefix(first, "seccomp-gen: tracing pid "))[0])
	command := testutil.Hold(t, pid)
	time.Sleep(200 * time.Millisecond)
	sg.signalGroup(t, syscall.SIGINT)
	waitLine(t, sg.lines, "trace: waiting for the command to exit (Ctrl-C again kills it)")
	sg.signalGroup(t, syscall.SIGINT)
	if err := waitDone(cmd, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	sg.rest()
	if command.Alive() {
		t.Errorf("the command (pid %d) survived the second Ctrl-C", pid)
	}
	if code := cmd.ProcessState.ExitCode(); code != 128+int(syscall.SIGKILL) {
		t.Errorf("exit %d, want the killed command's %d", code, 128+int(syscall.SIGKILL))
	}
	if _, err := trace.ReadFile(out); err != nil {
		t.Errorf("no trace after the second Ctrl-C: %v", err)
	}
}

// Without CAP_BPF and CAP_PERFMON (and CAP_SYS_ADMIN) the error says which
// capabilities are missing, before anything runs.
func TestTraceCLIMissingCapabilities(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "setpriv")
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	cmd := exec.Command("setpriv", "--bounding-set", "-bpf,-perfmon,-sys_admin", "--",
		os.Args[0], "trace", "-o", filepath.Join(dir, "t.yaml"), "--", "touch", marker)
	cmd.Env = append(os.Environ(), testMainEnv+"=1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFailure {
		t.Fatalf("exit %v, want %d; output %s", err, exitFailure, out)
	}
	// Root: sudo or setcap cannot help, the bounding set is the session's
	// (the doctor review: it said "run as root").
	if !strings.Contains(string(out), "root here lacks CAP_BPF and CAP_PERFMON: give the container or session them") {
		t.Errorf("error does not name the missing capabilities and what gives them: %s", out)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("the command ran although tracing was impossible")
	}
}

// A trace that cannot be written where -o says (here a full file system: a
// 8 KiB tmpfs, filled, mounted in a private mount namespace over a
// directory of the test's) is saved in the temporary directory instead,
// and the message says where; exit status 1. replay --save-trace does the
// same, and still writes its report.
func TestTraceCLIFullDiskKeepsTrace(t *testing.T) {
	testutil.RequireRoot(t)
	for _, c := range []struct {
		name, write string
		args        []string // after seccomp-gen; $FULL is the full directory
	}{
		{"trace", "write trace", []string{"trace", "-o", "$FULL/t.yaml", "--", "true"}},
		{"replay --save-trace", "replay: save trace", []string{"replay", "-p", "$PROFILE", "--report", "json", "-o", "$OUT/r.json", "--save-trace", "$FULL/t.yaml", "--", "true"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir, tmp, mnt, out := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
			prof := writeProfile(t, dir, "p.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)
			var args []string
			for _, a := range c.args {
				args = append(args, strings.NewReplacer("$FULL", mnt, "$PROFILE", prof, "$OUT", out).Replace(a))
			}
			msg := runOnFullDisk(t, dir, tmp, mnt, args)
			_, saved, ok := strings.Cut(msg, "; the trace was saved to ")
			saved, _, _ = strings.Cut(saved, " instead")
			if !ok || !strings.Contains(msg, c.write+" "+mnt+"/t.yaml: no space left on device") || filepath.Dir(saved) != tmp {
				t.Fatalf("stderr does not say where the trace went:\n%s", msg)
			}
			f, err := trace.ReadFile(saved)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Syscalls) == 0 || f.ExitCode == nil || *f.ExitCode != 0 {
				t.Errorf("saved trace: %d syscalls, exit code %v", len(f.Syscalls), f.ExitCode)
			}
			if c.name == "trace" {
				return
			}
			data, err := os.ReadFile(filepath.Join(out, "r.json"))
			if err != nil {
				t.Fatalf("no report: %v", err)
			}
			var v report.Verdict
			if err := json.Unmarshal(data, &v); err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			if !v.OK || v.Passed || !strings.Contains(v.RunError, saved) {
				t.Errorf("report: ok %v passed %v run_error %q, want a covered run that did not pass, naming %s", v.OK, v.Passed, v.RunError, saved)
			}
		})
	}
}

// runOnFullDisk runs seccomp-gen args in dir, with TMPDIR tmp, in a private
// mount namespace where mnt is a full 8 KiB tmpfs; it wants exit status 1
// and returns stderr.
func runOnFullDisk(t *testing.T, dir, tmp, mnt string, args []string) string {
	t.Helper()
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		testutil.SkipOrFail(t, "no unshare (util-linux): "+err.Error())
	}
	script := `mount -t tmpfs -o size=8k tmpfs "$1" && { head -c 65536 /dev/zero > "$1/fill"; true; } && shift && exec "$@"`
	cmd := exec.Command(unshare, append([]string{"--mount", "--propagation", "private", "sh", "-c", script, "sh", mnt, os.Args[0]}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), testMainEnv+"=1", "TMPDIR="+tmp)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, want status 1; stderr:\n%s", err, stderr.String())
	}
	return stderr.String()
}

// --cgroup of an empty cgroup waits for a task to enter it: trace says so
// on stderr instead of waiting in silence.
func TestTraceCLIEmptyCgroupNotice(t *testing.T) {
	testutil.RequireRoot(t)
	mnt := recorder.Cgroup2Mount()
	if mnt == "" {
		testutil.SkipOrFail(t, "no cgroup v2 mount")
	}
	cg := filepath.Join(mnt, "seccomp-gen-empty-test-"+strconv.Itoa(os.Getpid()))
	if err := os.Mkdir(cg, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(cg)
	dir := t.TempDir()
	_, stderr, code := sg(t, dir, "trace", "-o", filepath.Join(dir, "t.yaml"), "--duration", "300ms", "--cgroup", cg)
	if code != 0 || !strings.Contains(stderr, "seccomp-gen: trace: cgroup "+cg+" is empty: waiting for a task to enter it") {
		t.Errorf("empty cgroup: exit %d, stderr %q; want 0 and a notice", code, stderr)
	}
}

// trace --pid's summary counts the processes that made a syscall and says
// how many were below the target at attach without calling them included:
// "traced 1 process (..., 2 processes already below pid N at attach
// included)" read as a contradiction when the pre-forked ones stayed idle.
func TestTracePidSummaryIdleDescendants(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	sh := exec.Command("sh", "-c", "sleep 30 & sleep 30 & wait")
	sh.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	pid := sh.Process.Pid
	t.Cleanup(func() {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		_ = sh.Wait()
	})
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		kids, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(pid) + "/children")
		if len(strings.Fields(string(kids))) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the shell did not start its two sleeps")
		}
	}
	_, stderr, code := sg(t, dir, "trace", "-v", "--pid", strconv.Itoa(pid), "--duration", "300ms", "-o", "t.yaml")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "followed the 2 processes already below pid "+strconv.Itoa(pid)+" at attach, counted once they make a syscall") || strings.Contains(stderr, "included") {
		t.Errorf("summary:\n%s", stderr)
	}
}

// TestTraceLostProbesSaid: calls lost because the run made more distinct
// numbers beyond the syscall tables than the recorder keeps were reported
// as "could not be counted", like a recorder failure; the warning names
// the limit now.
func TestTraceLostProbesSaid(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	bin := cc(t, dir, "probes", `#include <unistd.h>
int main(void) { for (long i = 0; i < 70; i++) syscall(6000 + i); return 0; }
`)
	_, stderr, code := sg(t, dir, "trace", "-o", "t.yaml", "--", bin)
	if code != 0 {
		t.Fatalf("trace: exit %d\n%s", code, stderr)
	}
	want := "seccomp-gen: warning: 6 syscalls could not be counted (the recorder keeps " + strconv.Itoa(recorder.MaxProbes) + " distinct syscall numbers beyond the syscall tables"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
}
