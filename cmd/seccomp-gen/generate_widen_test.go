package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/widen"
)

// widenCase trains a profile on one run and enforces it on a different
// run: the test run fails under the profile from the trace alone (the
// denied syscall named) and passes under generate --widen, which reports
// the file and symbol implying it.
func widenCase(t *testing.T, dir string, train, test []string, denied, implies string) {
	t.Helper()
	if _, stderr, code := sg(t, dir, append([]string{"trace", "-o", "train.yaml", "--"}, train...)...); code != 0 {
		t.Fatalf("trace: exit %d\n%s", code, stderr)
	}
	if _, stderr, code := sg(t, dir, "generate", "-o", "narrow.json", "train.yaml"); code != 0 {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	_, wideErr, code := sg(t, dir, "generate", "--widen", "-o", "wide.json", "train.yaml")
	if code != 0 {
		t.Fatalf("generate --widen: exit %d\n%s", code, wideErr)
	}
	reported := false
	for _, line := range strings.Split(wideErr, "\n") {
		if strings.Contains(line, "--widen: +"+denied+": ") && strings.Contains(line, implies) {
			reported = true
		}
	}
	if !reported {
		t.Errorf("generate --widen does not report +%s implied by %s:\n%s", denied, implies, wideErr)
	}
	_, stderr, code := sg(t, dir, append([]string{"replay", "--enforce", "-p", "narrow.json", "-o", "narrow.txt", "--"}, test...)...)
	rep, _ := os.ReadFile(filepath.Join(dir, "narrow.txt"))
	if code != exitNotCovered || !strings.Contains(string(rep), denied+" ") {
		t.Fatalf("test run under the profile without --widen: exit %d, want %d with %s denied; report:\n%s\nstderr:\n%s", code, exitNotCovered, denied, rep, stderr)
	}
	_, stderr, code = sg(t, dir, append([]string{"replay", "--enforce", "-p", "wide.json", "-o", "wide.txt", "--"}, test...)...)
	rep, _ = os.ReadFile(filepath.Join(dir, "wide.txt"))
	if code != 0 {
		t.Fatalf("test run under the --widen profile: exit %d; report:\n%s\nstderr:\n%s", code, rep, stderr)
	}
}

// The xz case: xz polls its input only when a read from a pipe
// would block. Training reads a file; the test pipes input that arrives
// late, so xz calls poll.
func TestWidenXZPoll(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "xz", "sh", "cat", "sleep")
	dir := t.TempDir()
	data := make([]byte, 200000)
	for i := range data {
		data[i] = byte(i * 7919 >> 3)
	}
	if err := os.WriteFile(filepath.Join(dir, "in"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	widenCase(t, dir,
		[]string{"sh", "-c", "sleep 0.01; cat in | cat > in.copy; xz -k -f in.copy"},
		[]string{"sh", "-c", "(sleep 0.3; cat in) | xz -c | cat > out.xz"},
		"poll", "/usr/bin/xz links poll")
	if out, err := exec.Command("xz", "-t", filepath.Join(dir, "out.xz")).CombinedOutput(); err != nil {
		t.Errorf("the archive written under the --widen profile is broken: %v\n%s", err, out)
	}
}

// The sqlite3 case: a larger table makes glibc's realloc move a
// large block with mremap.
func TestWidenSQLiteMremap(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "sqlite3")
	dir := t.TempDir()
	widenCase(t, dir,
		[]string{"sqlite3", "small.db", "create table t(x); insert into t values(1); select * from t;"},
		[]string{"sqlite3", ":memory:", "create table t(x); with recursive c(i) as (select 1 union all select i+1 from c where i<20000) insert into t select randomblob(200) from c; select length(group_concat(hex(x))) from t;"},
		// libsqlite3 imports mremap itself (its VFS), which By prefers to
		// the realloc of glibc that issues it here: both are true.
		"mremap", "libsqlite3.so.0 links mremap")
}

// Traces recorded now list their executables with an identity.
func TestTraceListsExecutables(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "sh", "true")
	dir := t.TempDir()
	if _, stderr, code := sg(t, dir, "trace", "-o", "t.yaml", "--", "sh", "-c", "true; /bin/true"); code != 0 {
		t.Fatalf("trace: exit %d\n%s", code, stderr)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "t.yaml"))
	s := string(data)
	if !strings.Contains(s, "executables:\n") || !strings.Contains(s, "{path: /bin/true, build_id: ") {
		t.Fatalf("trace lacks its executables:\n%s", s)
	}
	// Per executable: sh forked and exec'd (clone, execve: 56, 59), true
	// only exited; both issued exit_group (231).
	_, stderr, code := sg(t, dir, "generate", "--per-executable", "-o", "p.json", "t.yaml")
	if code != 0 {
		t.Fatalf("generate --per-executable: exit %d\n%s", code, stderr)
	}
	var sh, tr string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "generate: executable /bin/true ") {
			tr = l
		}
		if strings.HasPrefix(l, "generate: executable ") && strings.Contains(l, "/sh ") {
			sh = l
		}
	}
	if !strings.Contains(sh, " execve ") || !strings.Contains(tr, "exit_group") || strings.Contains(tr, " execve ") || strings.Contains(tr, " wait4") {
		t.Errorf("per-executable report:\nsh:   %s\ntrue: %s", sh, tr)
	}
}

// replay (traced) names the executable in FIRST.
func TestReplayFirstIsExecutable(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "sqlite3")
	dir := t.TempDir()
	if _, stderr, code := sg(t, dir, "trace", "-o", "t.yaml", "--", "true"); code != 0 {
		t.Fatalf("trace: exit %d\n%s", code, stderr)
	}
	if _, stderr, code := sg(t, dir, "generate", "-o", "p.json", "t.yaml"); code != 0 {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	sq, _ := exec.LookPath("sqlite3")
	_, stderr, code := sg(t, dir, "replay", "-p", "p.json", "-o", "r.txt", "--", sq, ":memory:", "select 1;")
	rep, _ := os.ReadFile(filepath.Join(dir, "r.txt"))
	if code != exitNotCovered || !strings.Contains(string(rep), " "+sq+" ") {
		t.Fatalf("replay: exit %d; FIRST should be %s; report:\n%s\nstderr:\n%s", code, sq, rep, stderr)
	}
}

// An executable whose build ID is not the traced one is not widened from;
// a trace without executables falls back to its command.
func TestWidenIdentityAndFallback(t *testing.T) {
	testutil.RequireTool(t, "xz")
	xz, _ := exec.LookPath("xz")
	dir := t.TempDir()
	mk := func(name string, exes []trace.Executable) {
		f := &trace.File{
			Version:     trace.Version,
			Target:      trace.Target{Command: []string{"xz", "-k", "in"}},
			Host:        trace.Host{Kernel: "6.1.0", Arch: trace.ArchX86_64},
			Syscalls:    []trace.Syscall{{Arch: trace.ArchX86_64, Nr: 0, Name: "read", Count: 1}, {Arch: trace.ArchX86_64, Nr: 231, Name: "exit_group", Count: 1}},
			Executables: exes,
		}
		if err := trace.WriteFile(filepath.Join(dir, name), f); err != nil {
			t.Fatal(err)
		}
	}
	mk("other.yaml", []trace.Executable{{Path: xz, BuildID: "00"}})
	mk("old.yaml", nil)
	_, stderr, code := sg(t, dir, "generate", "--widen", "-o", "p.json", "other.yaml")
	// Nothing left to widen from: said as a warning.
	const notWidened = "generate: warning: --widen: none of the traced executables can be read here as it was traced; the profile is not widened\n"
	if code != 0 || !strings.Contains(stderr, xz+" is not the file that was traced") || strings.Contains(stderr, "+poll") || !strings.Contains(stderr, notWidened) {
		t.Errorf("another build ID: exit %d\n%s", code, stderr)
	}
	_, stderr, code = sg(t, dir, "generate", "--widen", "-o", "p.json", "old.yaml")
	if code != 0 || !strings.Contains(stderr, "lists no executables; using the traced command "+xz) || !strings.Contains(stderr, "+poll: "+xz+" links poll") || strings.Contains(stderr, notWidened) {
		t.Errorf("no executables: exit %d\n%s", code, stderr)
	}
}

// Names that only meant something to the traced process (/proc/self/exe,
// which here is seccomp-gen itself, even with its build ID recorded, as
// recorders before this one did) and files the trace could not identify
// where they ran (a container's /usr/bin/xz need not be this one) are not
// widened from.
func TestWidenSkipsUnidentified(t *testing.T) {
	testutil.RequireTool(t, "xz")
	xz, _ := exec.LookPath("xz")
	self, err := widen.Identify(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f := &trace.File{
		Version:  trace.Version,
		Target:   trace.Target{PID: 1},
		Host:     trace.Host{Kernel: "6.1.0", Arch: trace.ArchX86_64},
		Syscalls: []trace.Syscall{{Arch: trace.ArchX86_64, Nr: 0, Name: "read", Count: 1}, {Arch: trace.ArchX86_64, Nr: 231, Name: "exit_group", Count: 1}},
		Executables: []trace.Executable{
			{Path: "/proc/self/exe", BuildID: self.BuildID, SHA256: self.SHA256},
			{Path: xz},
		},
	}
	if err := trace.WriteFile(filepath.Join(dir, "t.yaml"), f); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := sg(t, dir, "generate", "--widen", "-o", "p.json", "t.yaml")
	if code != 0 || !strings.Contains(stderr, "/proc/self/exe names a file only for the process that exec'd it; not widened from it") ||
		!strings.Contains(stderr, xz+" was not identified when traced; not widened from it") || strings.Contains(stderr, "--widen: +") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
}

// A process traced from the middle (--pid) is listed under the executable
// /proc names for it, with the syscalls it issued after the attach.
func TestTracePIDListsExecutables(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "sh", "sleep")
	dir := t.TempDir()
	// The shell keeps starting processes until it is killed (30 s at
	// most), however late the trace attaches on a loaded machine; the
	// trace ends by --duration.
	sh := exec.Command("sh", "-c", `i=0; while [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done`)
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	defer sh.Wait()
	defer sh.Process.Kill()
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", sh.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := sg(t, dir, "trace", "-o", "t.yaml", "--duration", "500ms", "--pid", strconv.Itoa(sh.Process.Pid)); code != 0 {
		t.Fatalf("trace --pid: exit %d\n%s", code, stderr)
	}
	f, err := trace.ReadFile(filepath.Join(dir, "t.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range f.Executables {
		if e.Path == exe && e.BuildID != "" && len(e.Syscalls) > 0 {
			return
		}
	}
	t.Fatalf("the traced shell %s is not among the executables (with its syscalls): %+v", exe, f.Executables)
}

// --widen=kinds widens only to what shares a kind of work with a traced
// syscall: xz links poll, added when the trace waited on descriptors
// (ppoll) and not when it only read; an unknown mode is a usage error.
func TestWidenKinds(t *testing.T) {
	testutil.RequireTool(t, "xz")
	xz, _ := exec.LookPath("xz")
	dir := t.TempDir()
	mk := func(name string, extra ...trace.Syscall) {
		f := &trace.File{
			Version: trace.Version,
			Target:  trace.Target{Command: []string{"xz", "-k", "in"}},
			Host:    trace.Host{Kernel: "6.1.0", Arch: trace.ArchX86_64},
			Syscalls: append([]trace.Syscall{{Arch: trace.ArchX86_64, Nr: 0, Name: "read", Count: 1},
				{Arch: trace.ArchX86_64, Nr: 231, Name: "exit_group", Count: 1}}, extra...),
		}
		if err := trace.WriteFile(filepath.Join(dir, name), f); err != nil {
			t.Fatal(err)
		}
	}
	mk("read.yaml")
	mk("ppoll.yaml", trace.Syscall{Arch: trace.ArchX86_64, Nr: 271, Name: "ppoll", Count: 1})
	_, stderr, code := sg(t, dir, "generate", "--widen=kinds", "-o", "p.json", "read.yaml")
	if code != 0 || strings.Contains(stderr, "+poll") || !strings.Contains(stderr, "+lseek: "+xz+" links lseek (file data, like the traced read)") || strings.Contains(stderr, "+ioctl") ||
		!strings.Contains(stderr, "more syscall(s) linked but not widened") {
		t.Errorf("--widen=kinds, only read traced: exit %d, want lseek (file data), no poll, no ioctl:\n%s", code, stderr)
	}
	p, _ := os.ReadFile(filepath.Join(dir, "p.json"))
	if allowsName(t, p, "poll") {
		t.Errorf("--widen=kinds allows poll without a traced wait:\n%s", p)
	}
	_, stderr, code = sg(t, dir, "generate", "--widen=kinds", "-o", "p.json", "ppoll.yaml")
	if code != 0 || !strings.Contains(stderr, "+poll: "+xz+" links poll (waiting on descriptors, like the traced ppoll)") {
		t.Errorf("--widen=kinds, ppoll traced: exit %d, want +poll reported with its kind:\n%s", code, stderr)
	}
	// A descriptor made non-blocking shows waiting on descriptors (the
	// recorder keeps O_NONBLOCK of F_SETFL's flags); F_SETFL without
	// O_NONBLOCK (O_APPEND, say) does not, nor does an older trace that
	// lacks the flags, which is said.
	fcntl := func(vals ...uint64) trace.Syscall {
		return trace.Syscall{Arch: trace.ArchX86_64, Nr: 72, Name: "fcntl", Count: 2,
			Args: []trace.ArgValues{{Index: 1, Values: []uint64{3, 4}}, {Index: 2, Values: vals}}}
	}
	mk("nonblock.yaml", fcntl(0, trace.ONonblock))
	mk("append.yaml", fcntl(0))
	old := fcntl()
	old.Args = old.Args[:1]
	mk("old.yaml", old)
	_, stderr, code = sg(t, dir, "generate", "--widen=kinds", "-o", "p.json", "nonblock.yaml")
	if code != 0 || !strings.Contains(stderr, "+poll: "+xz+" links poll (waiting on descriptors, shown by the traced fcntl(F_SETFL, O_NONBLOCK): a non-blocking descriptor is waited on when it would block)") {
		t.Errorf("--widen=kinds, fcntl(F_SETFL, O_NONBLOCK) traced: exit %d, want +poll shown by it:\n%s", code, stderr)
	}
	for _, f := range []string{"append.yaml", "old.yaml"} {
		_, stderr, code = sg(t, dir, "generate", "--widen=kinds", "-o", "p.json", f)
		older := strings.Contains(stderr, "generate: --widen=kinds: old.yaml records fcntl(F_SETFL) without its flags (an older trace)")
		if code != 0 || strings.Contains(stderr, "+poll") || older != (f == "old.yaml") {
			t.Errorf("--widen=kinds, %s: exit %d, want no poll (and the older trace said):\n%s", f, code, stderr)
		}
	}
	_, stderr, code = sg(t, dir, "generate", "--widen", "-o", "p.json", "read.yaml")
	if code != 0 || !strings.Contains(stderr, "+poll: "+xz+" links poll") {
		t.Errorf("a bare --widen (imports): exit %d, want +poll:\n%s", code, stderr)
	}
	_, stderr, code = sg(t, dir, "generate", "--widen=some", "-o", "p.json", "read.yaml")
	if code != exitUsage || !strings.Contains(stderr, `--widen="some": unknown mode`) {
		t.Errorf("--widen=some: exit %d, want %d:\n%s", code, exitUsage, stderr)
	}
}

// allowsName reports whether the docker profile p allows name
// unconditionally or under a condition.
func allowsName(t *testing.T, p []byte, name string) bool {
	t.Helper()
	var prof struct {
		Syscalls []struct {
			Names  []string `json:"names"`
			Action string   `json:"action"`
		} `json:"syscalls"`
	}
	if err := json.Unmarshal(p, &prof); err != nil {
		t.Fatal(err)
	}
	for _, s := range prof.Syscalls {
		if s.Action == "SCMP_ACT_ALLOW" && slices.Contains(s.Names, name) {
			return true
		}
	}
	return false
}

// Traces merged from many machines name the same file again and again: a
// file --widen cannot use is reported once, naming the first trace and
// counting the others (a line per trace and file before).
func TestWidenSkipReportedOnce(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "gone", "app")
	var names []string
	for i := 0; i < 50; i++ {
		f := &trace.File{
			Version:     trace.Version,
			Target:      trace.Target{Command: []string{"app"}},
			Host:        trace.Host{Kernel: "6.1.0", Arch: trace.ArchX86_64},
			Started:     time.Unix(int64(i), 0),
			Syscalls:    []trace.Syscall{{Arch: trace.ArchX86_64, Nr: 0, Name: "read", Count: 1}, {Arch: trace.ArchX86_64, Nr: 231, Name: "exit_group", Count: 1}},
			Executables: []trace.Executable{{Path: missing, BuildID: "00"}},
		}
		name := fmt.Sprintf("t%02d.yaml", i)
		if err := trace.WriteFile(filepath.Join(dir, name), f); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	_, stderr, code := sg(t, dir, append([]string{"generate", "--widen", "-o", "p.json"}, names...)...)
	want := "generate: --widen: t00.yaml: " + missing + ": open " + missing + ": no such file or directory; not widened from it (and in 49 more traces)\n"
	if code != 0 || !strings.Contains(stderr, want) || strings.Count(stderr, missing+": open") != 1 {
		t.Errorf("exit %d; want the one line %q in:\n%s", code, want, stderr)
	}
}

// A program that makes a descriptor non-blocking waits on it when a read
// would block, even if no training run had to wait: --widen=kinds takes
// fcntl(F_SETFL, O_NONBLOCK) and pipe2(O_NONBLOCK) as showing "waiting on
// descriptors" (widen.Signs), and adds the poll the program links. The
// xz case of issue 11 made certain: nbwait's test run reads the empty
// pipe first (EAGAIN), then polls; its training run finds the data there.
// The profile without --widen denies poll; the --widen=kinds one passes.
func TestWidenKindsNonblockPoll(t *testing.T) {
	bin := widenProgram(t, t.TempDir(), "nbwait")
	for _, c := range []struct{ how, sign string }{
		{"fcntl", "fcntl(F_SETFL, O_NONBLOCK)"},
		{"pipe2", "pipe2(O_NONBLOCK)"},
	} {
		t.Run(c.how, func(t *testing.T) {
			dir := t.TempDir()
			kindsErr, code := trainNarrowKinds(t, dir, bin, "ready", c.how)
			if data, _ := os.ReadFile(filepath.Join(dir, "train.yaml")); strings.Contains(string(data), "name: poll,") {
				t.Fatalf("the training run polled; it must not:\n%s", data)
			}
			if want := "--widen: +poll: " + bin + " links poll (waiting on descriptors, shown by the traced " + c.sign + ": a non-blocking descriptor is waited on when it would block)"; code != 0 || !strings.Contains(kindsErr, want) {
				t.Errorf("generate --widen=kinds: exit %d, want a line with %q:\n%s", code, want, kindsErr)
			}
			narrowDeniesKindsPasses(t, dir, "poll", "hello\n", bin, "late", c.how)
		})
	}
}

// narrowDeniesKindsPasses runs the test command under narrow.json (the
// profile without --widen), which must deny syscall, and under
// kinds.json (--widen=kinds), which must let it exit 0 with output want.
func narrowDeniesKindsPasses(t *testing.T, dir, syscall, want string, command ...string) {
	t.Helper()
	args := append([]string{"replay", "--enforce", "-p", "narrow.json", "-o", "narrow.txt", "--"}, command...)
	_, stderr, code := sg(t, dir, args...)
	rep, _ := os.ReadFile(filepath.Join(dir, "narrow.txt"))
	if code != exitNotCovered || !strings.Contains(string(rep), syscall+" ") {
		t.Fatalf("test run under the profile without --widen: exit %d, want %d with %s denied; report:\n%s\nstderr:\n%s", code, exitNotCovered, syscall, rep, stderr)
	}
	args = append([]string{"replay", "--enforce", "-p", "kinds.json", "-o", "kinds.txt", "--"}, command...)
	out, stderr, code := sg(t, dir, args...)
	rep, _ = os.ReadFile(filepath.Join(dir, "kinds.txt"))
	if code != 0 || out != want {
		t.Fatalf("test run under the --widen=kinds profile: exit %d, output %q; report:\n%s\nstderr:\n%s", code, out, rep, stderr)
	}
}

// widenProgram compiles testdata/widen/NAME.c into dir and returns the
// binary's path.
func widenProgram(t *testing.T, dir, name string) string {
	t.Helper()
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "gcc")
	src, err := os.ReadFile(filepath.Join("..", "..", "testdata", "widen", name+".c"))
	if err != nil {
		t.Fatal(err)
	}
	return cc(t, dir, name, string(src))
}

// trainNarrowKinds traces command into dir's train.yaml and generates
// narrow.json (no --widen) and kinds.json (--widen=kinds) from it; it
// returns generate --widen=kinds' stderr and exit status.
func trainNarrowKinds(t *testing.T, dir string, command ...string) (string, int) {
	t.Helper()
	if _, stderr, code := sg(t, dir, append([]string{"trace", "-o", "train.yaml", "--"}, command...)...); code != 0 {
		t.Fatalf("trace: exit %d\n%s", code, stderr)
	}
	if _, stderr, code := sg(t, dir, "generate", "-o", "narrow.json", "train.yaml"); code != 0 {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	_, stderr, code := sg(t, dir, "generate", "--widen=kinds", "-o", "kinds.json", "train.yaml")
	return stderr, code
}

// --widen=kinds judges kinds per executable: in `mkdir d && chmod 700 d`
// chmod changes a mode, and mkdir, which links chown, fchown and lchown
// (its -m and SELinux paths), did not: none of them is widened, though
// --widen=imports adds them from mkdir's imports.
func TestWidenKindsPerExecutable(t *testing.T) {
	dir := traceMkdirChmod(t)
	_, stderr, code := sg(t, dir, "generate", "--widen=imports", "-o", "imports.json", "t.yaml")
	imports, _ := os.ReadFile(filepath.Join(dir, "imports.json"))
	for _, s := range []string{"chown", "fchown", "lchown"} {
		if code != 0 || !allowsName(t, imports, s) {
			t.Fatalf("--widen=imports: exit %d, %s not allowed: mkdir no longer links it and the test shows nothing\n%s", code, s, stderr)
		}
	}
	_, stderr, code = sg(t, dir, "generate", "--widen=kinds", "-o", "kinds.json", "t.yaml")
	kinds, _ := os.ReadFile(filepath.Join(dir, "kinds.json"))
	if code != 0 {
		t.Fatalf("--widen=kinds: exit %d\n%s", code, stderr)
	}
	for _, s := range []string{"chown", "fchown", "lchown"} {
		if allowsName(t, kinds, s) {
			t.Errorf("--widen=kinds allows %s: mkdir links it, and only chmod changed a mode\n%s", s, stderr)
		}
	}
	if !regexp.MustCompile(`\+chmod: \S*/chmod links \S+ \(file attributes, like the traced fchmodat\)`).MatchString(stderr) {
		t.Errorf("--widen=kinds: want chmod widened from the chmod executable, which changed a mode:\n%s", stderr)
	}
}

// --widen=kinds adds ioctl's descriptor-flag requests (FIONBIO, FIOASYNC,
// FIOCLEX, FIONCLEX: what fcntl F_SETFL and F_SETFD do) for an executable
// that links ioctl and did descriptor plumbing, though ioctl is of no kind:
// nginx's case of issue 11 (a run without a master process uses FIONBIO,
// one with it FIOASYNC on the worker channels). Trained on FIONBIO, the
// profile without --widen denies FIOASYNC; the --widen=kinds one passes.
func TestWidenKindsFlagIoctls(t *testing.T) {
	dir := t.TempDir()
	bin := widenProgram(t, dir, "fdflags")
	kindsErr, code := trainNarrowKinds(t, dir, bin, "nbio")
	want := "--widen: +ioctl FIONBIO, FIONCLEX, FIOCLEX, FIOASYNC (the descriptor-flag requests, which do what fcntl F_SETFD and F_SETFL do): " + bin + " links ioctl (descriptor plumbing, like the traced "
	if code != 0 || !strings.Contains(kindsErr, want) || !strings.Contains(kindsErr, "ioctl request (argument 1) restricted to 0x5421, 0x5450, 0x5451, 0x5452 (observed, and the values --widen adds)") {
		t.Fatalf("generate --widen=kinds: exit %d, want a line with %q and the rule:\n%s", code, want, kindsErr)
	}
	narrowDeniesKindsPasses(t, dir, "ioctl", "ok\n", bin, "async")
}

// --widen=kinds widens to the program's own time (alarm, setitimer,
// getitimer, times, getrusage) wherever it is linked, though no traced run
// timed itself: openssl speed's case of issue 11 (it times itself with
// alarm and times). Trained on a run that did not, the profile without
// --widen denies alarm; the --widen=kinds one passes. POSIX timers, which
// the program does not link, are not added.
func TestWidenKindsOwnTime(t *testing.T) {
	dir := t.TempDir()
	bin := widenProgram(t, dir, "owntime")
	stderr, code := trainNarrowKinds(t, dir, bin, "plain")
	if code != 0 {
		t.Fatalf("generate --widen=kinds: exit %d\n%s", code, stderr)
	}
	for _, s := range []string{"alarm", "times", "getrusage", "setitimer"} {
		want := "--widen: +" + s + ": " + bin + " links " + s + " (the program's own time, which any run may do: a time limit, a progress display)"
		if !strings.Contains(stderr, want) {
			t.Errorf("generate --widen=kinds: no line %q:\n%s", want, stderr)
		}
	}
	kinds, _ := os.ReadFile(filepath.Join(dir, "kinds.json"))
	if allowsName(t, kinds, "timer_create") {
		t.Errorf("--widen=kinds allows timer_create, which %s does not link", bin)
	}
	narrowDeniesKindsPasses(t, dir, "alarm", "ok\n", bin, "timed")
}

// traceMkdirChmod records sh -c 'mkdir d && chmod 700 d' into t.yaml of a
// new directory, which it returns.
func traceMkdirChmod(t *testing.T) string {
	t.Helper()
	testutil.RequireRoot(t)
	for _, tool := range []string{"sh", "mkdir", "chmod"} {
		testutil.RequireTool(t, tool)
	}
	dir := t.TempDir()
	if _, stderr, code := sg(t, dir, "trace", "-o", "t.yaml", "--", "sh", "-c", "mkdir d && chmod 700 d"); code != 0 {
		t.Fatalf("trace: exit %d\n%s", code, stderr)
	}
	return dir
}

// glibc 2.36 issues statx and faccessat2 only from functions that fall
// back completely on ENOSYS (TestFallbacks/glibc shows a real statx() and
// faccessat() caller doing so): --widen leaves them to the fallback
// table's ENOSYS when the traces did not call them and newfstatat and
// faccessat are allowed, and says so. With --no-fallbacks nothing would
// answer ENOSYS, and they are widened as before.
func TestWidenGlibcFallbacks(t *testing.T) {
	dir := traceMkdirChmod(t)
	data, _ := os.ReadFile(filepath.Join(dir, "t.yaml"))
	if strings.Contains(string(data), "name: statx,") || !strings.Contains(string(data), "name: newfstatat,") {
		t.Fatalf("the trace must hold newfstatat and not statx:\n%s", data)
	}
	for _, mode := range []string{"--widen=imports", "--widen=kinds"} {
		_, stderr, code := sg(t, dir, "generate", mode, "-o", "p.json", "t.yaml")
		p, _ := os.ReadFile(filepath.Join(dir, "p.json"))
		if code != 0 || allowsName(t, p, "statx") || !regexp.MustCompile(`--widen: statx not widened: only glibc functions that fall back to newfstatat on ENOSYS link it \(\S+ links \S+\); the fallback table answers it ENOSYS`).MatchString(stderr) ||
			!strings.Contains(stderr, "generate: statx: answered ENOSYS (not EPERM)") {
			t.Errorf("generate %s: exit %d, statx allowed %v; want it answered ENOSYS through the fallback table and said:\n%s", mode, code, allowsName(t, p, "statx"), stderr)
		}
		_, stderr, code = sg(t, dir, "generate", mode, "--no-fallbacks", "-o", "p.json", "t.yaml")
		p, _ = os.ReadFile(filepath.Join(dir, "p.json"))
		if code != 0 || !allowsName(t, p, "statx") || strings.Contains(stderr, "statx not widened") {
			t.Errorf("generate %s --no-fallbacks: exit %d; want statx widened:\n%s", mode, code, stderr)
		}
	}
}

// --per-executable names an executable without a build ID or hash (not
// identified: a deleted file, another mount namespace) as such, once per
// trace: the same path on two machines need not be one program. It said
// "(sha256:)" and merged the two.
func TestPerExecutableNotIdentified(t *testing.T) {
	dir := t.TempDir()
	tr := func(name, started string, nrs string) {
		t.Helper()
		writeExeTrace(t, filepath.Join(dir, name), started, "/usr/bin/app", nrs)
	}
	tr("a.yaml", "2026-12-01T05:00:00Z", "0, 231")
	tr("b.yaml", "2026-12-01T06:00:00Z", "39, 231")
	_, stderr, code := sg(t, dir, "generate", "--per-executable", "-o", "p.json", "a.yaml", "b.yaml")
	if code != 0 {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"generate: executable /usr/bin/app (not identified, in a.yaml): 2 syscall(s): exit_group read\n",
		"generate: executable /usr/bin/app (not identified, in b.yaml): 2 syscall(s): exit_group getpid\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "(sha256:)") {
		t.Errorf("an empty hash shown:\n%s", stderr)
	}
}

// --per-executable shows a path with control characters quoted ($'...'),
// as the human reports show names: printed raw, an escape sequence in a
// file name recoloured the terminal and a line end forged a line of the
// report (the executables review).
func TestPerExecutableOddPath(t *testing.T) {
	dir := t.TempDir()
	writeExeTrace(t, filepath.Join(dir, "a.yaml"), "2026-12-01T05:00:00Z", `"/tmp/e\e[31m\ngenerate: executable /bin/x"`, "0, 231")
	_, stderr, code := sg(t, dir, "generate", "--per-executable", "-o", "p.json", "a.yaml")
	if code != 0 {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	want := `generate: executable $'/tmp/e\x1b[31m\x0agenerate: executable /bin/x' (not identified, in a.yaml): 2 syscall(s): exit_group read` + "\n"
	if !strings.Contains(stderr, want) || strings.Contains(stderr, "\x1b") {
		t.Errorf("stderr lacks %q, or holds the escape raw:\n%q", want, stderr)
	}
}

// writeExeTrace writes a trace of app (read, getpid, exit_group) started
// at started whose executables list holds path (YAML, quoted if need be)
// with the syscall numbers nrs.
func writeExeTrace(t *testing.T, file, started, path, nrs string) {
	t.Helper()
	body := `version: 2
target: {command: [app]}
host: {kernel: 6.1.0, arch: x86_64}
started: ` + started + `
duration: 0.010s
exit_code: 0
lost: 0
processes: 1
syscalls:
  - {arch: x86_64, nr: 0, name: read, count: 1, first: app}
  - {arch: x86_64, nr: 39, name: getpid, count: 1, first: app}
  - {arch: x86_64, nr: 231, name: exit_group, count: 1, first: app}
executables:
  - {path: ` + path + `, syscalls: [{arch: x86_64, nrs: [` + nrs + `]}]}
end: {entries: 3, total: 3}
`
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
