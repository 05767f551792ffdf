package recorder_test

// Ground truth for the recorder: every workload in testdata/workloads runs
// twice, once under strace -f and once under `seccomp-gen trace`, and every
// (ABI, syscall) strace saw must be in the trace, with libseccomp's name for
// it, and lost must be 0. The recorder is tested black-box, through the CLI
// contract:
//
//	seccomp-gen trace -o FILE -- CMD [ARGS...]
//
// writes a trace file and exits with CMD's exit status. The trace must not
// hold more than strace saw either: anything extra came from the tracer's
// own launcher or from an unrelated process, and a profile would allow it.
// groundtruth_attach_test.go does the same for --pid and --cgroup.
//
// The two runs are separate runs of the same deterministic program, so the
// workloads are written to make the same set of syscalls every time (see
// threads.c for how a thread join avoids a timing-dependent futex).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/prestub"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

const workloadDir = "../../testdata/workloads"

// workload is one program of testdata/workloads and the contract its
// "groundtruth:" comment lines state.
type workload struct {
	Name   string
	Source string
	Argv   []string // the command to run; Argv[0] is an absolute path
	Expect []string // "arch:name" or "arch:nr"
	Exit   int
	Helper bool // not a workload: a program the tests run beside one
	// Counts are exact numbers of calls ("arch:name" or "arch:nr" -> n)
	// that strace and the trace must both report.
	Counts map[string]uint64
	// NoStrace skips the strace run (a storm would take minutes under
	// strace); such a workload is checked against Counts only.
	NoStrace bool
	// Maybe lists calls ("arch:name" or "arch:nr") the workload may or may
	// not make, depending on timing: strace and the trace may disagree on
	// them, in either direction.
	Maybe []string
	// Processes is the number of distinct processes (not threads) the
	// trace must report; 0 means not stated.
	Processes uint64
}

// ia32 reports whether w makes 32-bit x86 calls (an expected or counted
// "x86:" call: a -m32 program, or int 0x80), which a kernel without IA32
// emulation refuses.
func (w workload) ia32() bool {
	for _, e := range w.Expect {
		if strings.HasPrefix(e, "x86:") {
			return true
		}
	}
	for e := range w.Counts {
		if strings.HasPrefix(e, "x86:") {
			return true
		}
	}
	return false
}

// maybe reports whether c ("arch:nr") is one of w's timing-dependent calls.
func (w workload) maybe(c string) bool {
	for _, m := range w.Maybe {
		if r, err := resolveExpect(m); err == nil && r.String() == c {
			return true
		}
	}
	return false
}

// loadWorkloads reads every *.c and *.sh in testdata/workloads. C programs
// run as binDir/NAME (built by build.sh), shell scripts as /bin/sh FILE.
func loadWorkloads(t *testing.T, binDir string) []workload {
	t.Helper()
	var out []workload
	for _, pattern := range []string{"*.c", "*.sh"} {
		files, err := filepath.Glob(filepath.Join(workloadDir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if filepath.Base(f) == "build.sh" {
				continue
			}
			abs, err := filepath.Abs(f)
			if err != nil {
				t.Fatal(err)
			}
			w, err := parseWorkload(abs, binDir)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, w)
		}
	}
	if len(out) < 10 {
		t.Fatalf("%s: found %d workloads, want at least 10", workloadDir, len(out))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func parseWorkload(path, binDir string) (workload, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return workload{}, err
	}
	ext := filepath.Ext(path)
	w := workload{Name: strings.TrimSuffix(filepath.Base(path), ext), Source: path}
	if ext == ".sh" {
		w.Argv = []string{"/bin/sh", path}
	} else {
		w.Argv = []string{filepath.Join(binDir, w.Name)}
	}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(strings.TrimLeft(line, "/# "))
		directive, ok := strings.CutPrefix(line, "groundtruth: ")
		if !ok {
			continue
		}
		key, val, _ := strings.Cut(directive, " ")
		switch key {
		case "cflags": // build.sh reads these
		case "helper":
			w.Helper = true
		case "nostrace":
			w.NoStrace = true
		case "processes":
			if w.Processes, err = strconv.ParseUint(strings.TrimSpace(val), 10, 64); err != nil || w.Processes == 0 {
				return w, fmt.Errorf("%s:%d: processes %q: want a number > 0", path, i+1, val)
			}
		case "maybe":
			w.Maybe = append(w.Maybe, strings.Fields(val)...)
		case "count":
			for _, f := range strings.Fields(val) {
				call, n, ok := strings.Cut(f, "=")
				v, err := strconv.ParseUint(n, 10, 64)
				if !ok || err != nil || v == 0 {
					return w, fmt.Errorf("%s:%d: count %q: want arch:syscall=N with N > 0", path, i+1, f)
				}
				if w.Counts == nil {
					w.Counts = map[string]uint64{}
				}
				w.Counts[call] = v
			}
		case "expect":
			w.Expect = append(w.Expect, strings.Fields(val)...)
		case "exit":
			if w.Exit, err = strconv.Atoi(strings.TrimSpace(val)); err != nil {
				return w, fmt.Errorf("%s:%d: exit: %w", path, i+1, err)
			}
		default:
			return w, fmt.Errorf("%s:%d: unknown groundtruth directive %q", path, i+1, key)
		}
	}
	if len(w.Expect) == 0 && len(w.Counts) == 0 && !w.Helper {
		return w, fmt.Errorf("%s: no \"groundtruth: expect\" or \"count\" line", path)
	}
	return w, nil
}

// resolveExpect turns "x86_64:getpriority" or "x86_64:457" into an abiCall
// with libseccomp's number (x32 numbers keep bit 30, as strace -n prints).
func resolveExpect(e string) (abiCall, error) {
	arch, what, ok := strings.Cut(e, ":")
	if !ok {
		return abiCall{}, fmt.Errorf("expectation %q: want arch:name or arch:nr", e)
	}
	if nr, err := strconv.Atoi(what); err == nil {
		return abiCall{arch, nr}, nil
	}
	nr, err := scmp.Number(arch, what)
	if err != nil {
		return abiCall{}, fmt.Errorf("expectation %q: %w", e, err)
	}
	return abiCall{arch, nr}, nil
}

// straceNameAliases are names strace 6.1 prints for a number that libseccomp
// 2.5.4 names differently; anything else that differs means the ABI was
// attributed wrongly and the ground truth itself is broken.
var straceNameAliases = map[string]string{}

// notInTrace are syscalls strace can show that a trace provably cannot
// contain, with the reason.
var notInTrace = map[string]string{
	// The kernel restarts a sleeping syscall with restart_syscall when a
	// ptrace stop (strace's, not the workload's) interrupted it. Without
	// strace nothing interrupts the sleep, so the workload never makes it.
	"restart_syscall": "issued only because strace's ptrace stops interrupted a sleep",
}

func TestGroundTruth(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "strace", "gcc")
	if runtime.GOARCH != "amd64" {
		// Not a privilege skip: int 0x80, x32 and gcc -m32 are x86_64's.
		t.Skipf("the ground-truth workloads are x86_64 programs; this is %s", runtime.GOARCH)
	}

	dir := t.TempDir()
	bin := buildSeccompGen(t, dir)
	binDir := filepath.Join(dir, "workloads")
	build := exec.Command("sh", filepath.Join(workloadDir, "build.sh"), binDir)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build workloads (sh %s/build.sh; make deps installs gcc and gcc-multilib): %v\n%s", workloadDir, err, out)
	}

	byName := map[string]workload{}
	n := 0
	for _, w := range loadWorkloads(t, binDir) {
		byName[w.Name] = w
		if w.Helper {
			continue
		}
		// Every other workload is traced by a prepared recorder
		// (record_pool.go), the others by one loaded for the trace; and
		// every other pair's command is started by the child the binary
		// forked at its start (internal/prestub), the others' by the
		// binary re-executed as the stub; and of those both pooled and
		// prestubbed, every other one is started before the Go runtime
		// by the C constructor (internal/prestub's early start), the
		// others by the Go side.
		pooled, prestubbed := n%2 == 0, n/2%2 == 0
		early := pooled && prestubbed && n/4%2 == 0
		n++
		t.Run(w.Name, func(t *testing.T) {
			if w.ia32() {
				testutil.RequireIA32(t)
			}
			runGroundTruth(t, bin, w, pooled, prestubbed, early)
		})
	}
	t.Run("attach", func(t *testing.T) {
		w, ok := byName["gated"]
		if !ok {
			t.Fatalf("%s/gated.c is missing", workloadDir)
		}
		runAttachTargets(t, bin, w)
	})
	t.Run("unrelated-process", func(t *testing.T) {
		h, ok := byName["unrelated"]
		if !ok {
			t.Fatalf("%s/unrelated.c is missing", workloadDir)
		}
		runUnrelated(t, bin, h)
	})
}

// runUnrelated traces a short command while an unrelated process, started
// by the same parent before and after the trace begins, makes a marker
// syscall; the marker must not be in the trace.
func runUnrelated(t *testing.T, bin string, helper workload) {
	const marker = "sched_rr_get_interval"
	nr, err := scmp.Number("x86_64", marker)
	if err != nil {
		t.Fatal(err)
	}
	start := func() *exec.Cmd {
		t.Helper()
		cmd := exec.Command(helper.Argv[0])
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
		return cmd
	}
	before := start()
	traceFile := filepath.Join(t.TempDir(), "trace.yaml")
	sg := exec.Command(bin, "trace", "-o", traceFile, "--", "/bin/sh", "-c", "sleep 0.3")
	var out bytes.Buffer
	sg.Stdout, sg.Stderr = &out, &out
	if err := sg.Start(); err != nil {
		t.Fatal(err)
	}
	during := start()
	err = sg.Wait()
	for _, h := range []*exec.Cmd{before, during} {
		// Both must still be running, or they did not overlap the trace.
		if h.ProcessState != nil || h.Process.Signal(syscall.Signal(0)) != nil {
			t.Fatalf("unrelated helper %d exited early", h.Process.Pid)
		}
	}
	if err != nil {
		t.Fatalf("seccomp-gen trace: %v\n%s", err, out.String())
	}
	tf, err := trace.ReadFile(traceFile)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, s := range tf.Syscalls {
		if s.Arch == "x86_64" && s.Nr == nr {
			t.Errorf("trace counts %s (%d calls), which only the unrelated processes %d and %d made", marker, s.Count, before.Process.Pid, during.Process.Pid)
		}
	}
	if !hasCall(tf, "x86_64", "clock_nanosleep") && !hasCall(tf, "x86_64", "nanosleep") {
		t.Errorf("trace of sh -c 'sleep 0.3' has neither nanosleep nor clock_nanosleep")
	}
}

func hasCall(tf *trace.File, arch, name string) bool {
	for _, s := range tf.Syscalls {
		if s.Arch == arch && s.Name == name {
			return true
		}
	}
	return false
}

// buildSeccompGen builds the command under test once for this test, or
// returns $SECCOMP_GEN_BIN when that names an already built binary.
func buildSeccompGen(t *testing.T, dir string) string {
	t.Helper()
	if bin := os.Getenv("SECCOMP_GEN_BIN"); bin != "" {
		t.Logf("testing %s (SECCOMP_GEN_BIN)", bin)
		return bin
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(build.Default.GOROOT, "bin", "go")
	}
	bin := filepath.Join(dir, "seccomp-gen")
	cmd := exec.Command(goTool, "build", "-o", bin, "github.com/seccomp-gen/seccomp-gen/cmd/seccomp-gen")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build seccomp-gen: %v\n%s", err, out)
	}
	return bin
}

// run runs argv with a deadline and returns its exit status and output.
func run(t *testing.T, argv []string) (int, string) {
	t.Helper()
	return runEnv(t, nil, argv)
}

// waitPrepared waits until the pool holds a recorder prepared for bin: the
// one its last trace prepared, or one a trace of true prepares now.
func waitPrepared(t *testing.T, bin string) {
	t.Helper()
	key, err := recorder.PoolKeyFor(bin, false)
	if err != nil {
		t.Fatal(err)
	}
	kd := filepath.Join(recorder.PoolDir(), key)
	if recorder.ReadySets(kd) == 0 {
		if code, out := run(t, []string{bin, "trace", "-o", filepath.Join(t.TempDir(), "warm.yaml"), "--", "true"}); code != 0 {
			t.Fatalf("seccomp-gen trace -- true: exit status %d\n%s", code, out)
		}
	}
	for deadline := time.Now().Add(60 * time.Second); recorder.ReadySets(kd) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no recorder prepared for %s within 60s (%s; its helper runs SCHED_IDLE: a machine busy that long starves it)", bin, kd)
		}
	}
}

// waitEarly waits until a trace of a command by bin can start early
// (internal/prestub): a prepared recorder, and the hint that Prepare leaves
// to it.
func waitEarly(t *testing.T, bin string) {
	t.Helper()
	waitPrepared(t, bin)
	hint, err := recorder.EarlyHint(bin, false)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if k, err := os.Readlink(filepath.Join(recorder.PoolDir(), hint)); err == nil && recorder.ReadySets(filepath.Join(recorder.PoolDir(), k)) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no hint %s to a prepared recorder for %s within 60s", hint, bin)
		}
	}
}

// runEnv is run with env added to the environment.
func runEnv(t *testing.T, env, argv []string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s: timed out after 30s\n%s", strings.Join(argv, " "), out.String())
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &ee) && ee.Exited():
		return ee.ExitCode(), out.String()
	case errors.As(err, &ee):
		// Killed by a signal: report it as a shell does, 128+N. (strace
		// kills itself with its tracee's signal.)
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), out.String()
		}
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out.String())
		return -1, ""
	default:
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out.String())
		return -1, ""
	}
}

// runStrace runs w under strace -f and checks that strace saw what w
// promises; the result is the ground truth for the trace.
func runStrace(t *testing.T, dir string, w workload) *straceResult {
	t.Helper()
	straceLog := filepath.Join(dir, "strace.log")
	code, out := run(t, append([]string{"strace", "-f", "-n", "-e", "quiet=attach,exit", "-o", straceLog, "--"}, w.Argv...))
	if code != w.Exit {
		t.Fatalf("under strace: exit status %d, want %d (workload broken?)\n%s", code, w.Exit, out)
	}
	fh, err := os.Open(straceLog)
	if err != nil {
		t.Fatal(err)
	}
	st, err := parseStrace(fh)
	fh.Close()
	if err != nil {
		t.Fatalf("%s: %v", straceLog, err)
	}
	// The workload must do what it is there for, or the comparison
	// proves nothing.
	for _, e := range w.Expect {
		c, err := resolveExpect(e)
		if err != nil {
			t.Fatalf("%s: %v", w.Source, err)
		}
		if st.Calls[c] == nil {
			t.Fatalf("strace did not see %s (%s) that %s promises: workload or parser broken", e, c, filepath.Base(w.Source))
		}
	}
	// Check the ground truth against libseccomp's tables: a name that
	// differs means an ABI was attributed wrongly.
	for c, s := range st.Calls {
		lib, ok := scmp.Name(c.Arch, c.Nr)
		if ok && s.Name != "" && s.Name != lib && straceNameAliases[s.Name] != lib {
			t.Errorf("ground truth: strace calls %s %q, libseccomp %q (line %d: %s)", c, s.Name, lib, s.Line, s.Text)
		}
	}

	for e, n := range w.Counts {
		c, err := resolveExpect(e)
		if err != nil {
			t.Fatalf("%s: %v", w.Source, err)
		}
		if s := st.Calls[c]; s == nil || uint64(s.Count) != n {
			t.Fatalf("strace did not see %s exactly %d times, as %s promises: %+v", e, n, filepath.Base(w.Source), s)
		}
	}
	return st
}

func runGroundTruth(t *testing.T, bin string, w workload, pooled, prestubbed, early bool) {
	dir := t.TempDir()

	var st *straceResult
	if !w.NoStrace {
		st = runStrace(t, dir, w)
	}

	// The trace, by a prepared recorder or by one loaded for it.
	traceFile := filepath.Join(dir, "trace.yaml")
	env := []string{"SECCOMP_GEN_TIMING=1"}
	if pooled {
		waitPrepared(t, bin)
	} else {
		env = append(env, recorder.PoolEnv+"=off")
	}
	if !prestubbed {
		env = append(env, prestub.Env+"=off")
	}
	if early {
		waitEarly(t, bin)
	} else {
		env = append(env, prestub.EarlyEnv+"=off")
	}
	code, out := runEnv(t, env, append([]string{bin, "trace", "-o", traceFile, "--"}, w.Argv...))
	if got := strings.Contains(out, "timing early-gate "); got != early {
		t.Errorf("trace started before the Go runtime: %v, want %v", got, early)
	}
	if got := strings.Contains(out, "timing "+recorder.PhasePooled+" "); got != (pooled && !early) {
		t.Errorf("trace claimed a prepared recorder on the Go side: %v, want %v", got, pooled && !early)
	}
	if got := strings.Contains(out, "timing "+recorder.PhasePrestub+" "); got != (prestubbed && !early) {
		t.Errorf("the command started by the child forked at the start: %v, want %v", got, prestubbed && !early)
	}
	if code != w.Exit {
		t.Errorf("seccomp-gen trace: exit status %d, want the workload's %d\n%s", code, w.Exit, out)
	}
	tf, err := trace.ReadFile(traceFile)
	if err != nil {
		t.Fatalf("seccomp-gen trace wrote no readable trace: %v\noutput:\n%s", err, out)
	}
	if !reflect.DeepEqual(tf.Target.Command, w.Argv) {
		t.Errorf("trace: target command %q, want %q", tf.Target.Command, w.Argv)
	}
	if tf.ExitCode == nil || *tf.ExitCode != w.Exit {
		t.Errorf("trace: exit_code %v, want %d", fmtExit(tf.ExitCode), w.Exit)
	}
	checkTrace(t, w, st, tf)
	if t.Failed() {
		if data, err := os.ReadFile(traceFile); err == nil {
			t.Logf("trace file:\n%s", data)
		}
		t.Logf("seccomp-gen output:\n%s", out)
	}
}

// checkTrace checks tf against w's exact counts and, when st is not nil,
// against strace's ground truth.
func checkTrace(t *testing.T, w workload, st *straceResult, tf *trace.File) {
	t.Helper()
	if tf.Lost != 0 {
		t.Errorf("trace: lost %d, want 0", tf.Lost)
	}
	if w.Processes != 0 && tf.Processes != w.Processes {
		t.Errorf("trace: processes %d, want %d", tf.Processes, w.Processes)
	}
	for _, e := range sortedKeys(w.Counts) {
		c, err := resolveExpect(e)
		if err != nil {
			t.Fatalf("%s: %v", w.Source, err)
		}
		var got uint64
		for _, s := range tf.Syscalls {
			if s.Arch == c.Arch && s.Nr == c.Nr {
				got = s.Count
			}
		}
		if got != w.Counts[e] {
			t.Errorf("trace: %s (%s) counted %d times, want exactly %d", e, c, got, w.Counts[e])
		}
	}
	if st != nil {
		cmp := compareWithStrace(st, tf)
		for _, e := range cmp.Excluded {
			t.Logf("not expected in the trace: %s", e)
		}
		var missing []string
		for _, e := range cmp.Missing {
			if c, _, _ := strings.Cut(e, " "); !w.maybe(c) {
				missing = append(missing, e)
			}
		}
		if len(missing) > 0 {
			t.Errorf("trace lacks %d (arch, syscall) that strace -f saw:\n  %s", len(missing), strings.Join(missing, "\n  "))
		}
		for _, e := range cmp.Misnamed {
			t.Errorf("trace: %s", e)
		}
		// The workloads make the same set of syscalls on every run, with
		// or without strace, so anything more in the trace was made by
		// someone else: the tracer's own launcher, or an unrelated
		// process. A profile built from it would allow those syscalls.
		var extra []string
		for _, e := range cmp.Extra {
			if c, _, _ := strings.Cut(e, " "); !w.maybe(c) {
				extra = append(extra, e)
			}
		}
		if len(extra) > 0 {
			t.Errorf("trace has %d (arch, syscall) the workload never made (strace -f saw none of them; the tracer's own or an unrelated process's?):\n  %s", len(extra), strings.Join(extra, "\n  "))
		}
	}
}

// comparison is how a trace measures up to strace's ground truth.
type comparison struct {
	Missing  []string // seen by strace, not in the trace: the recorder's bugs
	Misnamed []string // in the trace under a name that is not libseccomp's
	Excluded []string // seen by strace, absent, and provably not expected (notInTrace)
	Extra    []string // in the trace only; strace is not an upper bound
}

// compareWithStrace checks that every (arch, nr) strace saw is in tf, named
// as libseccomp names it (no name when libseccomp cannot name the number).
func compareWithStrace(st *straceResult, tf *trace.File) comparison {
	var r comparison
	got := map[abiCall]trace.Syscall{}
	for _, s := range tf.Syscalls {
		got[abiCall{s.Arch, s.Nr}] = s
	}
	for _, c := range st.sortedCalls() {
		s := st.Calls[c]
		entry, ok := got[c]
		if !ok {
			if why, excluded := notInTrace[s.Name]; excluded {
				r.Excluded = append(r.Excluded, fmt.Sprintf("%s %s: %s", c, s.Name, why))
				continue
			}
			r.Missing = append(r.Missing, fmt.Sprintf("%s %s (%d calls; strace line %d: %s)", c, orNumber(s.Name), s.Count, s.Line, clip(s.Text)))
			continue
		}
		// The recorder names syscalls from libseccomp's tables; a
		// number libseccomp cannot name must be there with no name.
		if lib, _ := scmp.Name(c.Arch, c.Nr); entry.Name != lib {
			r.Misnamed = append(r.Misnamed, fmt.Sprintf("%s named %q, libseccomp names it %q", c, entry.Name, lib))
		}
	}
	for c, s := range got {
		if st.Calls[c] == nil {
			r.Extra = append(r.Extra, fmt.Sprintf("%s %s", c, orNumber(s.Name)))
		}
	}
	sort.Strings(r.Extra)
	return r
}

func sortedKeys(m map[string]uint64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func fmtExit(p *int) string {
	if p == nil {
		return "missing"
	}
	return strconv.Itoa(*p)
}

func orNumber(name string) string {
	if name == "" {
		return "(no name)"
	}
	return name
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}

// TestWorkloadContracts checks, with no privileges, that every workload
// states a contract the privileged test can use.
func TestWorkloadContracts(t *testing.T) {
	for _, w := range loadWorkloads(t, "/nonexistent") {
		for _, e := range append(append(w.Expect, w.Maybe...), sortedKeys(w.Counts)...) {
			if _, err := resolveExpect(e); err != nil {
				t.Errorf("%s: %v", w.Source, err)
			}
		}
	}
	if _, err := parseWorkload(filepath.Join(t.TempDir(), "missing.c"), "/x"); err == nil {
		t.Error("parseWorkload of a missing file: no error")
	}
	bad := filepath.Join(t.TempDir(), "bad.c")
	if err := os.WriteFile(bad, []byte("// groundtruth: expcet x86_64:getpid\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := parseWorkload(bad, "/x"); err == nil || !strings.Contains(err.Error(), "unknown groundtruth directive") {
		t.Errorf("misspelt directive: got %v", err)
	}
}
