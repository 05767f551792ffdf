package recorder

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/widen"
)

// busyboxRoot is a root directory holding only a static busybox, with
// /bin/sh an absolute symlink to it (it must resolve inside the root).
func busyboxRoot(t *testing.T) (root string, id widen.Identity) {
	t.Helper()
	testutil.RequireTool(t, "busybox", "unshare")
	bb, _ := exec.LookPath("busybox")
	data, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	root = t.TempDir()
	for _, d := range []string{"bin", "proc"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "bin", "busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"sh"} { // no sleep: busybox sh runs its applet through /proc/self/exe
		if err := os.Symlink("/bin/busybox", filepath.Join(root, "bin", l)); err != nil {
			t.Fatal(err)
		}
	}
	if id, err = widen.Identify(bb); err != nil {
		t.Fatal(err)
	}
	return root, id
}

func exeByPath(f *trace.File, path string) *trace.Executable {
	for i := range f.Executables {
		if f.Executables[i].Path == path {
			return &f.Executables[i]
		}
	}
	return nil
}

// An executable is identified as the process that exec'd it saw it: the
// chroot's /bin/sh is busybox, not the host's /bin/sh, and /proc/self/exe
// (busybox sh runs its applets that way) is never the recorder's own
// binary. Before, both were read on the host, by the recorder.
func TestExecutablesIdentifiedInTheirRoot(t *testing.T) {
	testutil.RequireRoot(t)
	root, bbID := busyboxRoot(t)
	self, err := widen.Identify("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	hostSh, _ := widen.Identify("/bin/sh")
	// In a mount namespace of its own (proc mounted in the root, gone with
	// it), busybox's chroot enters the root and runs its /bin/sh there.
	script := `mount -t proc proc "$0/proc" && exec chroot "$0" /bin/sh -c "sleep 0.4; sleep 0.4"`
	rec := recordOrFail(t, Options{Command: []string{"unshare", "-m", "--propagation", "private", "busybox", "sh", "-c", script, root}})
	if rec.ExitStatus != 0 {
		t.Fatalf("the command exited %d", rec.ExitStatus)
	}
	f := rec.File
	t.Logf("executables: %+v", f.Executables)
	sh := exeByPath(f, "/bin/sh")
	if sh == nil {
		t.Fatalf("no /bin/sh among the executables: %+v", f.Executables)
	}
	if sh.BuildID != bbID.BuildID || sh.SHA256 != bbID.SHA256 {
		t.Errorf("/bin/sh identified as %s%s, want busybox's %s%s (the host's /bin/sh: %s%s)", sh.BuildID, sh.SHA256, bbID.BuildID, bbID.SHA256, hostSh.BuildID, hostSh.SHA256)
	}
	pse := exeByPath(f, "/proc/self/exe")
	if pse == nil {
		t.Fatalf("no /proc/self/exe among the executables (busybox sh runs sleep through it): %+v", f.Executables)
	}
	if pse.BuildID == self.BuildID && pse.SHA256 == self.SHA256 {
		t.Errorf("/proc/self/exe identified as the recorder's own binary %s%s", self.BuildID, self.SHA256)
	}
	// Its first process (mount, run by the host's busybox sh) is gone
	// within the first scan: unidentified is right, anything but busybox
	// is wrong.
	if (pse.BuildID != "" || pse.SHA256 != "") && (pse.BuildID != bbID.BuildID || pse.SHA256 != bbID.SHA256) {
		t.Errorf("/proc/self/exe identified as %s%s, want busybox's %s%s or nothing", pse.BuildID, pse.SHA256, bbID.BuildID, bbID.SHA256)
	}
}

// hostShell is the host's /bin/sh, which must not be busybox for the tests
// below to tell the two apart.
func hostShell(t *testing.T, bbID widen.Identity) widen.Identity {
	t.Helper()
	id, err := widen.Identify("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	if id == bbID {
		t.Skip("SKIP: the host's /bin/sh is busybox; the test needs another shell there")
	}
	return id
}

// A chroot whose processes are gone before the first scan: its /bin/sh
// (busybox) is not identified as the host's /bin/sh, which the name means
// to the recorder. The kernel's device and inode of the exec'd file decide.
func TestExecutablesChrootGoneQuickly(t *testing.T) {
	testutil.RequireRoot(t)
	root, bbID := busyboxRoot(t)
	hostSh := hostShell(t, bbID)
	rec := recordOrFail(t, Options{Command: []string{"busybox", "chroot", root, "/bin/sh", "-c", "true"}})
	if rec.ExitStatus != 0 {
		t.Fatalf("the command exited %d", rec.ExitStatus)
	}
	t.Logf("executables: %+v", rec.File.Executables)
	sh := exeByPath(rec.File, "/bin/sh")
	if sh == nil {
		t.Fatalf("no /bin/sh among the executables: %+v", rec.File.Executables)
	}
	if sh.BuildID == hostSh.BuildID && sh.SHA256 == hostSh.SHA256 {
		t.Fatalf("the chroot's /bin/sh identified as the host's /bin/sh %s%s", sh.BuildID, sh.SHA256)
	}
	if (sh.BuildID != "" || sh.SHA256 != "") && (sh.BuildID != bbID.BuildID || sh.SHA256 != bbID.SHA256) {
		t.Errorf("/bin/sh identified as %s%s, want busybox's %s%s or nothing", sh.BuildID, sh.SHA256, bbID.BuildID, bbID.SHA256)
	}
	// The host's busybox, gone as quickly, is still identified: the name
	// names the file exec'd on the host.
	for _, e := range rec.File.Executables {
		if filepath.Base(e.Path) == "busybox" && (e.BuildID != bbID.BuildID || e.SHA256 != bbID.SHA256) {
			t.Errorf("%s identified as %s%s, want %s%s", e.Path, e.BuildID, e.SHA256, bbID.BuildID, bbID.SHA256)
		}
	}
}

// One name exec'd as two files (the host's /bin/sh, then a chroot's) gets
// no identity: its syscalls are both files'.
func TestExecutablesOneNameTwoFiles(t *testing.T) {
	testutil.RequireRoot(t)
	root, bbID := busyboxRoot(t)
	hostShell(t, bbID)
	// The host's sh lives past a scan, so it is identified before the
	// chroot's runs.
	script := `sleep 0.3; busybox chroot "$0" /bin/sh -c true`
	rec := recordOrFail(t, Options{Command: []string{"/bin/sh", "-c", script, root}})
	if rec.ExitStatus != 0 {
		t.Fatalf("the command exited %d", rec.ExitStatus)
	}
	t.Logf("executables: %+v", rec.File.Executables)
	sh := exeByPath(rec.File, "/bin/sh")
	if sh == nil {
		t.Fatalf("no /bin/sh among the executables: %+v", rec.File.Executables)
	}
	if sh.BuildID != "" || sh.SHA256 != "" {
		t.Errorf("/bin/sh (the host's and the chroot's) identified as %s%s, want no identity", sh.BuildID, sh.SHA256)
	}
}

// Identifying an executable (a large file without a build ID is hashed
// whole) does not hold up the recording's wait loop, and every executable
// is identified before the trace is done.
func TestExecutablesIdentifiedOffTheWaitLoop(t *testing.T) {
	testutil.RequireRoot(t)
	const slow = 700 * time.Millisecond
	var hashed atomic.Int32
	exeHashHook = func(string) {
		hashed.Add(1)
		time.Sleep(slow)
	}
	t.Cleanup(func() { exeHashHook = nil })
	var ticks []time.Time
	rec := recordOrFail(t, Options{
		Command:          []string{"/bin/sh", "-c", "sleep 0.5; exec sleep 0.4"},
		Progress:         func(Stats) { ticks = append(ticks, time.Now()) },
		ProgressInterval: 50 * time.Millisecond,
	})
	if rec.ExitStatus != 0 {
		t.Fatalf("the command exited %d", rec.ExitStatus)
	}
	if hashed.Load() == 0 {
		t.Fatal("no executable was identified during the recording")
	}
	var gap time.Duration
	for i := 1; i < len(ticks); i++ {
		gap = max(gap, ticks[i].Sub(ticks[i-1]))
	}
	if len(ticks) < 5 || gap >= slow/2 {
		t.Errorf("progress ran %d times, %v apart at most: the wait loop was held up by identifying executables (each took %v)", len(ticks), gap, slow)
	}
	t.Logf("executables: %+v", rec.File.Executables)
	for _, name := range []string{"/bin/sh", "/usr/bin/sleep"} {
		want, err := widen.Identify(name)
		if err != nil {
			t.Fatal(err)
		}
		wantIdentified(t, rec.File, name, want)
	}
}

// A "#!" script is identified as itself (its sha256, from which widen
// reads the interpreter) when its interpreter is the file the kernel ran:
// read through its process while it runs, and on the host after it is gone.
func TestExecutablesScriptIdentified(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	for _, c := range []struct{ name, body string }{
		{"quick", "#!/bin/sh\ntrue\n"},
		{"slow", "#!/bin/sh\nsleep 0.5\n"},
		// A script naming a script: the kernel runs the last interpreter.
		{"nested", "#!" + filepath.Join(dir, "quick") + "\n"},
		// The longest chain the kernel runs (exec_binprm follows 5
		// interpreters; a sixth is ELOOP): deepest, d3, d2, nested, quick,
		// /bin/sh. Following only 4 left deepest unidentified.
		{"d2", "#!" + filepath.Join(dir, "nested") + "\n"},
		{"d3", "#!" + filepath.Join(dir, "d2") + "\n"},
		{"deepest", "#!" + filepath.Join(dir, "d3") + "\n"},
	} {
		if err := os.WriteFile(filepath.Join(dir, c.name), []byte(c.body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"quick", "slow", "nested", "deepest"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			rec := recordOrFail(t, Options{Command: []string{path}})
			if rec.ExitStatus != 0 {
				t.Fatalf("the command exited %d", rec.ExitStatus)
			}
			t.Logf("executables: %+v", rec.File.Executables)
			want, err := widen.Identify(path)
			if err != nil {
				t.Fatal(err)
			}
			e := exeByPath(rec.File, path)
			if e == nil {
				t.Fatalf("no %s among the executables", path)
			}
			if e.SHA256 != want.SHA256 || e.BuildID != want.BuildID {
				t.Errorf("%s identified as %q%q, want its sha256 %s", path, e.BuildID, e.SHA256, want.SHA256)
			}
		})
	}
}

// A chroot's script gone before the first scan, at a path where the host
// has a script of its own with another interpreter (the host's /bin/sh,
// not the chroot's busybox): the host's script is not taken for it.
func TestExecutablesChrootScriptGoneQuickly(t *testing.T) {
	testutil.RequireRoot(t)
	root, bbID := busyboxRoot(t)
	hostShell(t, bbID)
	host := t.TempDir()
	path := filepath.Join(host, "s")
	if err := os.WriteFile(path, []byte("#!/bin/sh\necho host\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	inRoot := filepath.Join(root, path)
	if err := os.MkdirAll(filepath.Dir(inRoot), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inRoot, []byte("#!/bin/sh\ntrue\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	rec := recordOrFail(t, Options{Command: []string{"busybox", "chroot", root, path}})
	if rec.ExitStatus != 0 {
		t.Fatalf("the command exited %d", rec.ExitStatus)
	}
	t.Logf("executables: %+v", rec.File.Executables)
	e := exeByPath(rec.File, path)
	if e == nil {
		t.Fatalf("no %s among the executables", path)
	}
	hostID, err := widen.Identify(path)
	if err != nil {
		t.Fatal(err)
	}
	if e.SHA256 == hostID.SHA256 {
		t.Fatalf("the chroot's %s identified as the host's script (%s)", path, hostID.SHA256)
	}
}

// More executables than exe_paths holds (1024 names) are counted, not
// dropped silently: the trace says how many ran that it does not list, and
// the recording how many it lists without their syscalls. Before, a build
// running 1100 programs gave a trace listing 1024 and saying nothing.
func TestExecutablesOverflowCounted(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	const n = 1100
	tr := truePath(t)
	for i := 0; i < n; i++ {
		if err := os.Symlink(tr, filepath.Join(dir, "t"+strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	script := `i=0; while [ $i -lt ` + strconv.Itoa(n) + ` ]; do "$0/t$i"; i=$((i+1)); done`
	rec := recordOrFail(t, Options{Command: []string{"/bin/sh", "-c", script, dir}})
	if rec.ExitStatus != 0 {
		t.Fatalf("the command exited %d", rec.ExitStatus)
	}
	f := rec.File
	ran := n + 1 // and /bin/sh
	if got := uint64(len(f.Executables)) + f.ExecutablesOmitted; len(f.Executables) != 1024 || got != uint64(ran) {
		t.Errorf("%d executables ran: the trace lists %d and says %d more ran; want 1024 listed and %d more", ran, len(f.Executables), f.ExecutablesOmitted, ran-1024)
	}
	unsplit := 0
	for _, e := range f.Executables {
		if len(e.Syscalls) == 0 {
			unsplit++
		}
	}
	if rec.ExecutablesUnsplit == 0 || rec.ExecutablesUnsplit != unsplit {
		t.Errorf("ExecutablesUnsplit %d; %d listed executables have no syscalls", rec.ExecutablesUnsplit, unsplit)
	}
	// The limit trace's warning names for files exec'd while traced (it
	// named SplitExecutables, 256, where 192 had their syscalls).
	if split := len(f.Executables) - unsplit; split != SplitExecutablesExec {
		t.Errorf("%d executables have their own syscalls; SplitExecutablesExec says %d", split, SplitExecutablesExec)
	}
}

func TestExesOmitted(t *testing.T) {
	for _, c := range []struct {
		listed, capacity int
		overflow         uint64
		unsplit          int
		want             uint64
	}{
		{10, 1024, 0, 0, 0},
		{300, 1024, 108, 108, 0},  // out of indexes only
		{1024, 1024, 832, 832, 0}, // exactly full
		{1024, 1024, 1309, 832, 477},
		{1024, 1024, 3, 5, 0}, // never below 0
	} {
		if got := exesOmitted(c.listed, c.capacity, c.overflow, c.unsplit); got != c.want {
			t.Errorf("exesOmitted(%d, %d, %d, %d) = %d, want %d", c.listed, c.capacity, c.overflow, c.unsplit, got, c.want)
		}
	}
}

// Executables that issue many distinct syscalls each can note more numbers
// than a trace's executables list holds (trace.MaxExecutableNrs): the trace
// is still written, with the longest lists emptied and counted in
// ExecutablesUnsplit. Before, Encode refused the recording ("executables
// list more than 32768 syscall numbers") and trace wrote nothing.
func TestExecutablesManySyscallsFit(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "gcc")
	dir := t.TempDir()
	src := filepath.Join(dir, "enosys.c")
	// Numbers no x86_64 or arm64 kernel implements: ENOSYS, nothing runs.
	prog := "#include <unistd.h>\n#include <sys/syscall.h>\nint main(void) { for (long nr = 500; nr < 1024; nr++) syscall(nr, 0, 0, 0); return 0; }\n"
	if err := os.WriteFile(src, []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-O1", "-o", filepath.Join(dir, "p0"), src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "p0"))
	if err != nil {
		t.Fatal(err)
	}
	const copies = 70 // 70 x 524 numbers > 32768
	for i := 1; i < copies; i++ {
		if err := os.WriteFile(filepath.Join(dir, "p"+strconv.Itoa(i)), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script := `i=0; while [ $i -lt ` + strconv.Itoa(copies) + ` ]; do "$0/p$i"; i=$((i+1)); done`
	rec := recordOrFail(t, Options{Command: []string{"/bin/sh", "-c", script, dir}})
	if rec.ExitStatus != 0 {
		t.Fatalf("the command exited %d", rec.ExitStatus)
	}
	var buf bytes.Buffer
	if err := trace.Encode(&buf, rec.File); err != nil {
		t.Fatalf("the recording cannot be written: %v", err)
	}
	if rec.ExecutablesUnsplit == 0 {
		t.Errorf("no executable listed without its syscalls; the list holds %d executables", len(rec.File.Executables))
	}
	for _, s := range rec.File.Syscalls {
		if s.Nr >= 500 && s.Nr < 1024 && s.Count != copies {
			t.Errorf("%s %d counted %d times, want %d", s.Arch, s.Nr, s.Count, copies)
		}
	}
}

// processes reads procs in batches (procKeys): a count across several
// batches is still exact. 5000 processes: two batches of 4096.
func TestProcessesCountedInBatches(t *testing.T) {
	testutil.RequireRoot(t)
	tr := truePath(t)
	const n = 5000
	script := `i=0; while [ $i -lt ` + strconv.Itoa(n) + ` ]; do "$0"; i=$((i+1)); done`
	rec := recordOrFail(t, Options{Command: []string{"/bin/sh", "-c", script, tr}})
	if rec.ExitStatus != 0 {
		t.Fatalf("the command exited %d", rec.ExitStatus)
	}
	if rec.File.Processes != n+1 || rec.File.Lost != 0 {
		t.Errorf("processes %d, lost %d; want %d, 0", rec.File.Processes, rec.File.Lost, n+1)
	}
}

// A process that chroots after its execve is, to a scan, under another
// root: that says nothing about the name it was exec'd by, which named
// the host's file. The program here is exec'd by its host path, chroots
// into an empty directory and stays there past several scans, then exits;
// it is identified from the host at the end (the device and inode the
// kernel noted at the execve decide). Before, the scan's view turned the
// host lookup off for the whole trace, and it stayed unidentified (as the
// host's busybox did in TestExecutablesChrootGoneQuickly on a loaded
// machine).
func TestExecutablesChrootAfterExec(t *testing.T) {
	testutil.RequireRoot(t)
	bin := compile(t, "chrooter", `#include <unistd.h>
int main(int argc, char **argv) {
	if (chroot(argv[1]) != 0 || chdir("/") != 0)
		return 1;
	usleep(400000);
	return 0;
}`, "-static")
	empty := t.TempDir()
	rec := recordOrFail(t, Options{Command: []string{bin, empty}})
	if rec.ExitStatus != 0 {
		t.Fatalf("the command exited %d", rec.ExitStatus)
	}
	e := exeByPath(rec.File, bin)
	if e == nil {
		t.Fatalf("no %s among the executables: %+v", bin, rec.File.Executables)
	}
	want, err := widen.Identify(bin)
	if err != nil {
		t.Fatal(err)
	}
	if e.BuildID != want.BuildID || e.SHA256 != want.SHA256 {
		t.Errorf("%s identified as %q %q, want %q %q", bin, e.BuildID, e.SHA256, want.BuildID, want.SHA256)
	}
}

// TestExecutablesLongPathsLeftOut: two different programs whose paths
// share their first 255 bytes (the most the recorder keeps of a path) were
// one entry, listed under those bytes, a name that is no file, with the
// syscalls of both; such paths are left out of the list now and counted
// as omitted and cut, and a program with a short path is still listed.
func TestExecutablesLongPathsLeftOut(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	deep := dir
	for len(deep) < 300 {
		deep = filepath.Join(deep, strings.Repeat("d", 60))
	}
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	bb, err := exec.LookPath("busybox")
	if err != nil {
		testutil.SkipOrFail(t, "busybox: "+err.Error())
	}
	// busybox runs the applet its name says: two copies named true.
	for _, n := range []string{"one", "two"} {
		if err := os.Mkdir(filepath.Join(deep, n), 0o755); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(bb)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(deep, n, "true"), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script := `"$0/one/true" && "$0/two/true"`
	rec := recordOrFail(t, Options{Command: []string{"/bin/sh", "-c", script, deep}})
	if rec.ExitStatus != 0 {
		t.Fatalf("the command exited %d", rec.ExitStatus)
	}
	f := rec.File
	for _, e := range f.Executables {
		if strings.HasPrefix(e.Path, dir) {
			t.Errorf("listed %q (%d bytes): a cut name", e.Path, len(e.Path))
		}
	}
	if rec.ExecutablesCut != 1 || f.ExecutablesOmitted != 1 {
		t.Errorf("cut %d, omitted %d; want 1 and 1 (one entry for the two paths' first 255 bytes)", rec.ExecutablesCut, f.ExecutablesOmitted)
	}
	if exeByPath(f, "/bin/sh") == nil && exeByPath(f, "/usr/bin/sh") == nil && exeByPath(f, "/usr/bin/dash") == nil {
		t.Errorf("the shell is not listed: %+v", f.Executables)
	}
}

// Each executable's syscall list is the syscalls its own processes made:
// a program calling three numbers nothing else calls (ENOSYS everywhere;
// 511 is the last bit of a bitmap word, 512 the first of the next) lists
// exactly those of them, and the shell that ran it none. No other test
// looked at the lists: reading the next executable's bitmap, or skipping a
// word's last bit, passed the suite.
func TestExecutablesOwnSyscalls(t *testing.T) {
	testutil.RequireRoot(t)
	bin := compile(t, "nosys", `#include <unistd.h>
#include <sys/syscall.h>
int main(void) {
	syscall(500);
	syscall(511);
	syscall(512);
	return 0;
}`)
	rec := recordOrFail(t, Options{Command: []string{"/bin/sh", "-c", `"$0" && true`, bin}})
	if rec.ExitStatus != 0 {
		t.Fatalf("the command exited %d", rec.ExitStatus)
	}
	own := func(e *trace.Executable) []int {
		var nrs []int
		for _, s := range e.Syscalls {
			for _, nr := range s.Nrs {
				if nr == 500 || nr == 511 || nr == 512 {
					nrs = append(nrs, nr)
				}
			}
		}
		return nrs
	}
	t.Logf("executables: %+v", rec.File.Executables)
	e := exeByPath(rec.File, bin)
	if e == nil {
		t.Fatalf("no %s among the executables: %+v", bin, rec.File.Executables)
	}
	if got := own(e); len(got) != 3 || got[0] != 500 || got[1] != 511 || got[2] != 512 {
		t.Errorf("%s lists %v of the numbers it called, want [500 511 512]", bin, got)
	}
	for i := range rec.File.Executables {
		if o := &rec.File.Executables[i]; o.Path != bin && len(own(o)) > 0 {
			t.Errorf("%s, which called none of them, lists %v", o.Path, own(o))
		}
	}
}

// A program exec'd by a relative name is listed by the file it names,
// made absolute: ./app while it runs by what /proc/PID/exe links to,
// ./link (a symlink to app: the base names differ) by the name in the
// process's working directory (sub), and ./quick, ./qlink (a symlink to
// quick) and ./qscript (a script), gone before any scan sees them, by the
// name in the directory the command started in. Each is identified as
// its file. None of these had a test: listing them as "./app", qlink as
// quick, unidentified (qscript too), or ./other, run in sub, as the start
// directory's other passed the suite.
func TestExecutablesRelativeNames(t *testing.T) {
	testutil.RequireRoot(t)
	app := compile(t, "app", `#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) { usleep(argc > 1 ? atoi(argv[1]) : 0); return 0; }`)
	dir, err := filepath.EvalSymlinks(filepath.Dir(app)) // as /proc/PID/cwd reads
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(app)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "quick"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("quick", filepath.Join(dir, "qlink")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "qscript"), []byte("#!/bin/sh\ntrue\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	// ./other runs in sub, a copy of app; the start directory's other is
	// another program (true), which must not be taken for it.
	trData := trueBytes(t)
	if err := os.WriteFile(filepath.Join(dir, "other"), trData, 0o755); err != nil {
		t.Fatal(err)
	}
	// link is in a directory of its own, which the command is not started
	// in: only its process's working directory says what it names.
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../app", filepath.Join(dir, "sub", "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "other"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	// app and link outlive several scans (one each 100 ms); quick exits
	// at once.
	script := "./app 400000 && cd sub && ./link 400000 && ./other && cd .. && ./quick && ./qlink && ./qscript"
	rec := recordOrFail(t, Options{Command: []string{"/bin/sh", "-c", script}, Dir: dir})
	if rec.ExitStatus != 0 {
		t.Fatalf("the command exited %d", rec.ExitStatus)
	}
	t.Logf("executables: %+v", rec.File.Executables)
	for _, c := range []struct{ path, file string }{
		{filepath.Join(dir, "app"), "app"},
		{filepath.Join(dir, "sub", "link"), "app"},
		{filepath.Join(dir, "quick"), "quick"},
		// Gone too, a symlink is named as while it ran: by the link.
		{filepath.Join(dir, "qlink"), "quick"},
		// A script: the kernel noted its interpreter's file.
		{filepath.Join(dir, "qscript"), "qscript"},
	} {
		want, err := widen.Identify(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		wantIdentified(t, rec.File, c.path, want)
	}
	// ./other, gone before a scan, is found in no directory but the one
	// it ran in: it stays listed as exec'd, unidentified.
	wrong, err := widen.Identify(filepath.Join(dir, "other"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rec.File.Executables {
		if e.BuildID == wrong.BuildID && e.SHA256 == wrong.SHA256 {
			t.Errorf("%s identified as %s, the start directory's other, which did not run", e.Path, filepath.Join(dir, "other"))
		}
		if !filepath.IsAbs(e.Path) && e.Path != "./other" {
			t.Errorf("listed by the relative name %q", e.Path)
		}
	}
}

// The longest name exe_paths keeps whole is 254 bytes: a program at a
// 254-byte path is listed, one at 255 bytes (what a longer name is cut to,
// too) is left out and counted as cut. TestExecutablesLongPathsLeftOut
// tries only names far longer: cutting at 254 bytes passed it.
func TestExecutablesPathLengthBoundary(t *testing.T) {
	testutil.RequireRoot(t)
	data := trueBytes(t)
	deep := t.TempDir()
	for len(deep)+1+100 < 240 {
		deep = filepath.Join(deep, strings.Repeat("d", 100))
	}
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	at := func(n int) string { return filepath.Join(deep, strings.Repeat("t", n-len(deep)-1)) }
	kept, cut := at(254), at(255)
	for _, p := range []string{kept, cut} {
		if err := os.WriteFile(p, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	rec := recordOrFail(t, Options{Command: []string{"/bin/sh", "-c", `"$0" && "$1"`, kept, cut}})
	if rec.ExitStatus != 0 {
		t.Fatalf("the command exited %d", rec.ExitStatus)
	}
	if exeByPath(rec.File, kept) == nil {
		t.Errorf("the program at a %d-byte path is not listed: %+v", len(kept), rec.File.Executables)
	}
	if exeByPath(rec.File, cut) != nil || rec.ExecutablesCut != 1 || rec.File.ExecutablesOmitted != 1 {
		t.Errorf("the program at a %d-byte path: cut %d, omitted %d; want it left out, 1 and 1", len(cut), rec.ExecutablesCut, rec.File.ExecutablesOmitted)
	}
}

// A cut name takes an exe_paths entry too: with one among the names of a
// full exe_paths, the trace lists 1023 executables and says every other
// one that ran was omitted. Checking whether exe_paths is full by the
// listed ones alone (1023, "not full") says 1 omitted of the 1079 not
// listed, and passed the suite: no test had a cut name in a full one.
func TestExecutablesOverflowCountedWithCut(t *testing.T) {
	testutil.RequireRoot(t)
	tr := truePath(t)
	data := trueBytes(t)
	dir := t.TempDir()
	deep := dir
	for len(deep) < 300 {
		deep = filepath.Join(deep, strings.Repeat("d", 60))
	}
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	long := filepath.Join(deep, "true")
	if err := os.WriteFile(long, data, 0o755); err != nil {
		t.Fatal(err)
	}
	const n = 1100
	for i := 0; i < n; i++ {
		if err := os.Symlink(tr, filepath.Join(dir, "t"+strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	// The long name first, while exe_paths has room for it.
	script := `"$1"; i=0; while [ $i -lt ` + strconv.Itoa(n) + ` ]; do "$0/t$i"; i=$((i+1)); done`
	rec := recordOrFail(t, Options{Command: []string{"/bin/sh", "-c", script, dir, long}})
	if rec.ExitStatus != 0 {
		t.Fatalf("the command exited %d", rec.ExitStatus)
	}
	f := rec.File
	ran := n + 2 // and /bin/sh and the long name
	if got := uint64(len(f.Executables)) + f.ExecutablesOmitted; rec.ExecutablesCut != 1 || len(f.Executables) != 1023 || got != uint64(ran) {
		t.Errorf("%d executables ran, 1 with a cut name: the trace lists %d and says %d more ran (%d cut); want 1023 listed and %d more (1 cut)", ran, len(f.Executables), f.ExecutablesOmitted, rec.ExecutablesCut, ran-1023)
	}
}

// The executables of tasks already running when --pid attaches (indexes
// handed out by userExe, SplitExecutables-SplitExecutablesExec of them)
// are identified, each lists its own syscalls, and those past the indexes
// are listed without syscalls and counted in ExecutablesUnsplit, as
// exec'd ones are. A shell holds 65 copies of a program, each waiting on
// a pipe; once attached, each calls a number of its own (ENOSYS) and
// exits. With the shell, 66 executables share 64 indexes; the shell then
// execs 192 files, which take the indexes for exec'd ones. Before, the two
// past the indexes were not listed, and counted nowhere. No test looked
// at attached executables: noting no device and inode for them (never
// identified), one index for all (each listing every copy's numbers) or
// indexes from 192 (the last exec'd file's too) passed the suite.
func TestExecutablesAttached(t *testing.T) {
	testutil.RequireRoot(t)
	bin := compile(t, "gated", `#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
	char c;
	if (read(0, &c, 1) != 1)
		return 2;
	syscall(atol(argv[1]));
	return 0;
}`)
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const copies = SplitExecutables - SplitExecutablesExec + 1
	paths := map[string]int{} // path: the number it calls
	for i := 0; i < copies; i++ {
		p := filepath.Join(dir, "p"+strconv.Itoa(i))
		if err := os.WriteFile(p, data, 0o755); err != nil {
			t.Fatal(err)
		}
		paths[p] = 600 + i
	}
	gateR, gateW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// Closing the gate unread (a failed test) ends the copies too.
	t.Cleanup(func() { gateW.Close() })
	// Then the shell execs as many files as have indexes of their own
	// (links to true), so that every index is in use.
	tr := truePath(t)
	for i := 0; i < SplitExecutablesExec; i++ {
		if err := os.Symlink(tr, filepath.Join(dir, "t"+strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	// An asynchronous list's standard input is /dev/null: the gate is fd 3.
	script := `i=0; while [ $i -lt ` + strconv.Itoa(copies) + ` ]; do "$0/p$i" $((600+i)) <&3 & i=$((i+1)); done; wait
i=0; while [ $i -lt ` + strconv.Itoa(SplitExecutablesExec) + ` ]; do "$0/t$i"; i=$((i+1)); done`
	sh := exec.Command("/bin/sh", "-c", script, dir)
	sh.ExtraFiles = []*os.File{gateR}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	gateR.Close()
	testutil.Hold(t, sh.Process.Pid)
	exited := make(chan struct{})
	go func() { _ = sh.Wait(); close(exited) }()
	// Attach once every copy runs (has exec'd; it then waits at the gate).
	children := fmt.Sprintf("/proc/%d/task/%d/children", sh.Process.Pid, sh.Process.Pid)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		b, _ := os.ReadFile(children)
		running := 0
		for _, pid := range strings.Fields(string(b)) {
			if exe, err := os.Readlink("/proc/" + pid + "/exe"); err == nil && paths[exe] != 0 {
				running++
			}
		}
		if running == copies {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of the %d copies run after 30s", running, copies)
		}
	}
	rec := recordOrFail(t, Options{
		PID: sh.Process.Pid,
		OnStart: func(Started) {
			if _, err := gateW.Write(bytes.Repeat([]byte{'x'}, copies)); err != nil {
				t.Error(err)
			}
		},
	})
	<-exited
	if !rec.Exited || rec.Reason != "exit" {
		t.Fatalf("exited %v reason %q", rec.Exited, rec.Reason)
	}
	want, err := widen.Identify(bin)
	if err != nil {
		t.Fatal(err)
	}
	listed, empty := 0, 0
	for _, e := range rec.File.Executables {
		if len(e.Syscalls) == 0 {
			empty++
		}
		var own []int
		for _, s := range e.Syscalls {
			for _, n := range s.Nrs {
				if n >= 600 && n < 600+copies {
					own = append(own, n)
				}
			}
		}
		nr, ok := paths[e.Path]
		if !ok {
			if len(own) > 0 {
				t.Errorf("%s, which called none of them, lists %v", e.Path, own)
			}
			continue
		}
		listed++
		if e.BuildID != want.BuildID || e.SHA256 != want.SHA256 {
			t.Errorf("%s identified as %q %q, want %q %q", e.Path, e.BuildID, e.SHA256, want.BuildID, want.SHA256)
		}
		if len(e.Syscalls) == 0 {
			continue // out of indexes
		}
		if len(own) != 1 || own[0] != nr {
			t.Errorf("%s, which called %d of them, lists %v", e.Path, nr, own)
		}
	}
	// The links to true ran the same file the same way: one list of
	// syscalls, not one sharing an index with an attached executable.
	first := exeByPath(rec.File, filepath.Join(dir, "t0"))
	for i := 0; first != nil && i < SplitExecutablesExec; i++ {
		p := filepath.Join(dir, "t"+strconv.Itoa(i))
		if e := exeByPath(rec.File, p); e == nil || fmt.Sprint(e.Syscalls) != fmt.Sprint(first.Syscalls) {
			t.Errorf("%s lists %+v; t0 %v", p, e, first.Syscalls)
		}
	}
	if first == nil {
		t.Errorf("t0 is not listed")
	}
	if listed != copies {
		t.Errorf("%d of the %d copies listed: %+v", listed, copies, rec.File.Executables)
	}
	if rec.File.ExecutablesOmitted != 0 {
		t.Errorf("%d executables said omitted; exe_paths had room for all", rec.File.ExecutablesOmitted)
	}
	if rec.ExecutablesUnsplit != 2 || empty != 2 {
		t.Errorf("ExecutablesUnsplit %d, %d listed without syscalls; want 2 and 2 (66 executables, %d indexes)", rec.ExecutablesUnsplit, empty, SplitExecutables-SplitExecutablesExec)
	}
}

// A name only the exec'ing process can resolve (/proc/self/exe here) is
// identified through that process only while it still runs the file the
// kernel noted: the shell exec'd as /proc/self/exe then execs sleep, and
// a scan then finds sleep behind /proc/PID/exe. Taking it without that
// check (identified as sleep) passed the suite.
func TestExecutablesProcNameExecAgain(t *testing.T) {
	testutil.RequireRoot(t)
	sleep, err := widen.Identify("/usr/bin/sleep")
	if err != nil {
		testutil.SkipOrFail(t, "no /usr/bin/sleep: "+err.Error())
	}
	sh, err := widen.Identify("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	// sleep outlives several scans (one each 100 ms).
	rec := recordOrFail(t, Options{Command: []string{"/bin/sh", "-c", `exec /proc/self/exe -c "exec /usr/bin/sleep 0.5"`}})
	if rec.ExitStatus != 0 {
		t.Fatalf("the command exited %d", rec.ExitStatus)
	}
	t.Logf("executables: %+v", rec.File.Executables)
	e := exeByPath(rec.File, "/proc/self/exe")
	if e == nil {
		t.Fatalf("no /proc/self/exe among the executables")
	}
	if e.BuildID == sleep.BuildID && e.SHA256 == sleep.SHA256 {
		t.Errorf("/proc/self/exe (the shell) identified as sleep, which its process ran later")
	}
	if (e.BuildID != "" || e.SHA256 != "") && (e.BuildID != sh.BuildID || e.SHA256 != sh.SHA256) {
		t.Errorf("/proc/self/exe identified as %q %q, want the shell's %q %q or nothing", e.BuildID, e.SHA256, sh.BuildID, sh.SHA256)
	}
}

// Files still pinned when the target exits are all identified before the
// trace is done, those only their process could name too. Four copies of
// a program, run by relative names in a directory the command did not
// start in (so the start directory is no way back), wait on a gate; the
// first file identified (exeHashHook) holds the scanner until all four
// run, so the next pass pins all four; the second opens the gate and
// holds it until they are gone; the others are slowed so that the end
// of the recording comes while they are still pinned. Identifying one of
// them at the end, or none (exeFinish taken for exeDiscard), passed the
// suite: TestExecutablesIdentifiedOffTheWaitLoop's files are found on the
// host after their processes are gone.
func TestExecutablesPinnedIdentifiedAtExit(t *testing.T) {
	testutil.RequireRoot(t)
	app := compile(t, "gated", gatedSource)
	data, err := os.ReadFile(app)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := filepath.EvalSymlinks(t.TempDir()) // as /proc/PID/exe reads
	if err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	names := []string{"a", "b", "c", "d"}
	paths := map[string]bool{}
	for _, n := range names {
		p := filepath.Join(sub, n)
		if err := os.WriteFile(p, data, 0o755); err != nil {
			t.Fatal(err)
		}
		paths[p] = true
	}
	want, err := widen.Identify(app)
	if err != nil {
		t.Fatal(err)
	}
	gateR, gateW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer gateR.Close()
	// Closing the gate unread (a failed test) ends the copies too.
	t.Cleanup(func() { gateW.Close() })
	var sh atomic.Int64
	// running counts the copies below the shell.
	running := func() int {
		pid := int(sh.Load())
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
		n := 0
		for _, c := range strings.Fields(string(b)) {
			if exe, err := os.Readlink("/proc/" + c + "/exe"); err == nil && paths[exe] {
				n++
			}
		}
		return n
	}
	until := func(done func() bool) {
		for deadline := time.Now().Add(20 * time.Second); !done() && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
	}
	var calls atomic.Int32
	exeHashHook = func(key string) {
		if !strings.HasPrefix(key, "./") {
			return
		}
		switch calls.Add(1) {
		case 1:
			until(func() bool { return running() == len(names) })
		case 2:
			if _, err := gateW.Write([]byte("abcd")); err != nil {
				t.Error(err)
			}
			until(func() bool { return running() == 0 })
		default:
			time.Sleep(300 * time.Millisecond)
		}
	}
	t.Cleanup(func() { exeHashHook = nil })
	// An asynchronous list's standard input is /dev/null: the gate is fd 3.
	script := `cd sub && { ./a <&3 & ./b <&3 & ./c <&3 & ./d <&3 & wait; }`
	rec := recordOrFail(t, Options{
		Command:    []string{"/bin/sh", "-c", script},
		Dir:        dir,
		ExtraFiles: []*os.File{gateR},
		OnStart: func(s Started) {
			sh.Store(int64(s.PID))
			// Should the scanner never get to the copies, the gate
			// opens anyway: the test fails rather than hangs.
			time.AfterFunc(20*time.Second, func() { gateW.Write([]byte("abcd")) })
		},
	})
	if rec.ExitStatus != 0 {
		t.Fatalf("the command exited %d", rec.ExitStatus)
	}
	t.Logf("executables: %+v", rec.File.Executables)
	for _, n := range names {
		wantIdentified(t, rec.File, filepath.Join(sub, n), want)
	}
}

// A task --pid attaches to whose executable's path is too long for
// exe_paths (255 bytes or more) is counted as cut and omitted, as one
// exec'd while traced is (TestExecutablesLongPathsLeftOut): before, userExe
// dropped it, and the trace said nothing of an executable it does not
// list.
func TestExecutablesAttachedLongPathCounted(t *testing.T) {
	testutil.RequireRoot(t)
	bin := compile(t, "gated", gatedSource)
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	deep := t.TempDir()
	for len(deep) < 300 {
		deep = filepath.Join(deep, strings.Repeat("d", 60))
	}
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	long := filepath.Join(deep, "gated")
	if err := os.WriteFile(long, data, 0o755); err != nil {
		t.Fatal(err)
	}
	gateR, gateW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// Closing the gate unread (a failed test) ends the program too.
	t.Cleanup(func() { gateW.Close() })
	cmd := exec.Command(long)
	cmd.Stdin = gateR
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	gateR.Close()
	testutil.Hold(t, cmd.Process.Pid)
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	rec := recordOrFail(t, Options{
		PID: cmd.Process.Pid,
		OnStart: func(Started) {
			if _, err := gateW.Write([]byte("x")); err != nil {
				t.Error(err)
			}
		},
	})
	<-exited
	t.Logf("executables: %+v", rec.File.Executables)
	if rec.ExecutablesCut != 1 || rec.File.ExecutablesOmitted != 1 {
		t.Errorf("cut %d, omitted %d; want 1 and 1 (the %d-byte path)", rec.ExecutablesCut, rec.File.ExecutablesOmitted, len(long))
	}
}

// wantIdentified checks that the trace lists path with want's identity
// (build ID, or sha256 where it has none).
func wantIdentified(t *testing.T, f *trace.File, path string, want widen.Identity) {
	t.Helper()
	e := exeByPath(f, path)
	if e == nil {
		t.Errorf("no %s among the executables", path)
	} else if e.BuildID != want.BuildID || e.SHA256 != want.SHA256 {
		t.Errorf("%s identified as %q %q, want %q %q", path, e.BuildID, e.SHA256, want.BuildID, want.SHA256)
	}
}

// truePath is true(1)'s path; a machine without it fails the test where
// CI must run it (SECCOMP_GEN_REQUIRE_PRIVILEGED=1) and skips it elsewhere.
func truePath(t *testing.T) string {
	t.Helper()
	tr, err := exec.LookPath("true")
	if err != nil {
		testutil.SkipOrFail(t, "no true(1): "+err.Error())
	}
	return tr
}

// trueBytes is true(1)'s content, for copies of a real program.
func trueBytes(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(truePath(t))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// gatedSource is a program that waits for one byte on its standard input
// (a gate held open by the test) and exits 0 once it has it.
const gatedSource = `#include <unistd.h>
int main(void) {
	char c;
	return read(0, &c, 1) == 1 ? 0 : 2;
}`
