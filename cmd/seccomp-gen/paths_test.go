package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/policy"
)

var smallTrace = traceYAML("  - {arch: x86_64, nr: 0, name: read, count: 1}", "  - {arch: x86_64, nr: 231, name: exit_group, count: 1}")

// TestNoOverwriteInputs: no command writes over one of its own inputs,
// however the output names it (same string, ./relative, absolute, a
// symlink, a hard link, a symlinked directory), and no two outputs of one
// command are the same file. Exit 2, one line naming the flag, the input
// unchanged.
func TestNoOverwriteInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tr := write("t.yaml", smallTrace)
	tr2 := write("t2.yaml", smallTrace)
	prof := writeProfile(t, dir, "p.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)
	other := writeProfile(t, dir, "q.json", allowAllBut("getpid", policy.ActErrno), emit.FormatDocker)
	bl := write("bl.yaml", "name: mine\nsyscalls:\n  x86_64: [read]\n")
	cfg := write("config.json", `{"ociVersion": "1.0.2", "process": {"args": ["sh"]}, "linux": {}}`)
	prog := write("prog", "#!/bin/sh\n") // a program the command runs
	if err := os.Chmod(prog, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(tr, filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(tr, filepath.Join(dir, "hard.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(prof, filepath.Join(dir, "plink.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(prof, filepath.Join(dir, "phard.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(dir, "via")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	inputs := []string{tr, tr2, prof, other, bl, cfg, prog}
	before := map[string]string{}
	for _, p := range inputs {
		before[p] = mustRead(t, p)
	}

	cases := []struct {
		name string
		args []string
		flag string // the flag the message must name
	}{
		{"generate same string", []string{"generate", "-o", "t.yaml", "t.yaml"}, "-o"},
		{"generate ./ vs bare", []string{"generate", "-o", "./t.yaml", "t.yaml"}, "-o"},
		{"generate absolute vs relative", []string{"generate", "-o", tr, "t.yaml"}, "-o"},
		{"generate sub/.. path", []string{"generate", "-o", "sub/../t.yaml", "t2.yaml", "t.yaml"}, "-o"},
		{"generate symlink", []string{"generate", "-o", "link.yaml", "t.yaml"}, "-o"},
		{"generate hard link", []string{"generate", "-o", "hard.yaml", "t.yaml"}, "-o"},
		{"generate symlinked dir", []string{"generate", "-o", "via/t.yaml", "t.yaml"}, "-o"},
		{"generate second trace", []string{"generate", "-o", "t2.yaml", "t.yaml", "t2.yaml"}, "-o"},
		{"generate baseline file", []string{"generate", "--baseline", "bl.yaml", "-o", "bl.yaml", "t.yaml"}, "-o"},
		{"generate --oci-config is a trace", []string{"generate", "--oci-config", "t.yaml", "t.yaml"}, "--oci-config"},
		{"check -o profile", []string{"check", "-o", "p.json", "-p", "p.json", "t.yaml"}, "-o"},
		{"check -o profile hard link", []string{"check", "-o", "phard.json", "-p", "p.json", "t.yaml"}, "-o"},
		{"check -o trace", []string{"check", "-o", "t.yaml", "-p", "p.json", "t2.yaml", "t.yaml"}, "-o"},
		{"check -o trace symlink", []string{"check", "-o", "link.yaml", "-p", prof, tr}, "-o"},
		{"check -o baseline", []string{"check", "-o", "bl.yaml", "--baseline", "./bl.yaml", "-p", "p.json", "t.yaml"}, "-o"},
		{"replay -o profile", []string{"replay", "-o", "p.json", "-p", "p.json", "--", "true"}, "-o"},
		{"replay -o profile symlink", []string{"replay", "-o", "plink.json", "-p", prof, "--", "true"}, "-o"},
		{"replay --save-trace profile", []string{"replay", "--save-trace", "./p.json", "-p", prof, "--", "true"}, "--save-trace"},
		{"replay --save-trace profile hard link", []string{"replay", "--save-trace", "phard.json", "-p", "p.json", "--", "true"}, "--save-trace"},
		{"replay --save-trace the program", []string{"replay", "--save-trace", "prog", "-p", "p.json", "--", "./prog"}, "--save-trace"},
		{"replay -o the program", []string{"replay", "-o", filepath.Join(dir, "prog"), "-p", "p.json", "--", "./prog"}, "-o"},
		{"replay --enforce -o profile", []string{"replay", "--enforce", "-o", "p.json", "-p", "p.json", "--", "true"}, "-o"},
		{"replay -o and --save-trace the same new file", []string{"replay", "-o", "new.txt", "--save-trace", "via/new.txt", "-p", "p.json", "--", "true"}, "--save-trace"},
		{"diff -o A", []string{"diff", "-o", "p.json", "p.json", "q.json"}, "-o"},
		{"diff -o B symlink", []string{"diff", "-o", "plink.json", "q.json", "p.json"}, "-o"},
		{"diff -o B hard link absolute", []string{"diff", "-o", filepath.Join(dir, "phard.json"), "q.json", "p.json"}, "-o"},
		{"disasm -o FILE", []string{"disasm", "-o", "./p.json", "p.json"}, "-o"},
		{"disasm -o symlink", []string{"inspect", "-o", "plink.json", "p.json"}, "-o"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, stderr, code := sg(t, dir, c.args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitUsage, out, stderr)
			}
			oneLine(t, stderr)
			if !strings.Contains(stderr, " "+c.flag+" ") || !strings.Contains(stderr, "overwrite") {
				t.Errorf("the message does not name %s or say why:\n%s", c.flag, stderr)
			}
			for p, want := range before {
				if got := mustRead(t, p); got != want {
					t.Fatalf("%s was changed", p)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "new.txt")); err == nil {
				t.Errorf("new.txt was written")
			}
		})
	}

	// Not conflicts: '-', other files, the in-place edit of --oci-config.
	for _, args := range [][]string{
		{"generate", "-o", "-", "t.yaml"},
		{"generate", "-o", "sub/t.yaml", "t.yaml"},
		{"generate", "--oci-config", "config.json", "t.yaml"},
		{"check", "-o", "-", "-p", "p.json", "t.yaml"},
		{"diff", "-o", "sub/d.txt", "p.json", "p.json"},
	} {
		if out, stderr, code := sg(t, dir, args...); code == exitUsage {
			t.Errorf("%s: exit 2\n%s%s", strings.Join(args, " "), out, stderr)
		}
	}
}

// TestOutputsCheckedFirst: an output that cannot be written is a usage
// error before anything is read or run.
func TestOutputsCheckedFirst(t *testing.T) {
	dir := t.TempDir()
	tr := filepath.Join(dir, "t.yaml")
	if err := os.WriteFile(tr, []byte(smallTrace), 0o644); err != nil {
		t.Fatal(err)
	}
	prof := writeProfile(t, dir, "p.json", allowAllBut("getpriority", policy.ActErrno), emit.FormatDocker)
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "nowhere", "x"), filepath.Join(dir, "dangling")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"generate", "-o", "nodir/p.json", "t.yaml"}, "does not exist"},
		{[]string{"generate", "-o", "t.yaml/p.json", "t.yaml"}, "not a directory"},
		{[]string{"generate", "-o", "adir", "t.yaml"}, "is a directory"},
		{[]string{"check", "-o", "dangling", "-p", prof, "t.yaml"}, "symlink"},
		{[]string{"diff", "-o", "nodir/d.txt", prof, prof}, "does not exist"},
		{[]string{"trace", "-o", "nodir/t.yaml", "--", "true"}, "does not exist"},
	} {
		out, stderr, code := sg(t, dir, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, want 2 and %q\n%s%s", strings.Join(c.args, " "), code, c.want, out, stderr)
		}
		oneLine(t, stderr)
	}
}

// TestOutputNotReplaceable: an output that exists but cannot be replaced
// (chattr +i or +a: rename over it fails, root too) is a usage error up
// front, not "rename .p.json.tmp-123 p.json: operation not permitted"
// once the work is done. (Another user's file in a sticky directory, which
// only a user other than root meets, was checked by hand.)
func TestOutputNotReplaceable(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	tr := filepath.Join(dir, "t.yaml")
	if err := os.WriteFile(tr, []byte(smallTrace), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		flag uint32
		want string
	}{
		{fsImmutableFL, "is immutable (chattr +i)"},
		{fsAppendFL, "is append-only (chattr +a)"},
	} {
		out := filepath.Join(dir, fmt.Sprintf("p%#x.json", c.flag))
		if err := os.WriteFile(out, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		setInodeFlag(t, out, c.flag)
		for _, args := range [][]string{
			{"generate", "-o", out, tr},
			{"trace", "-o", out, "--", "true"},
		} {
			// A trace that cannot be written is kept in $TMPDIR.
			_, stderr, code := sgVia(t, dir, nil, []string{"env", "TMPDIR=" + dir}, args...)
			want := "seccomp-gen: " + args[0] + ": -o " + out + ": " + c.want
			if code != exitUsage || !strings.HasPrefix(stderr, want) {
				t.Errorf("%s (%s): exit %d, stderr:\n%s\nwant exit %d and %q", strings.Join(args, " "), c.want, code, stderr, exitUsage, want)
			}
			oneLine(t, stderr)
		}
	}
}

// setInodeFlag sets inode flag (chattr's +i, +a) on path until the test
// ends, and skips the test where the file system has no such flags.
func setInodeFlag(t *testing.T, path string, flag uint32) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	flags, err := unix.IoctlGetUint32(int(f.Fd()), unix.FS_IOC_GETFLAGS)
	if err == nil {
		err = unix.IoctlSetPointerInt(int(f.Fd()), unix.FS_IOC_SETFLAGS, int(flags|flag))
	}
	if errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EOPNOTSUPP) {
		f.Close()
		t.Skipf("the file system of %s has no inode flags (chattr): %v", path, err)
	}
	if err != nil {
		f.Close()
		t.Fatal(err)
	}
	// Before TempDir's removal, which the flag would stop.
	t.Cleanup(func() {
		if err := unix.IoctlSetPointerInt(int(f.Fd()), unix.FS_IOC_SETFLAGS, int(flags)); err != nil {
			t.Errorf("%s: %v (remove the flag by hand: chattr -i -a %s)", path, err, path)
		}
		f.Close()
	})
}

// TestOutputDirAppendOnly: in an append-only directory (chattr +a) root
// creates the temporary file but cannot rename it into place nor remove
// it: refused up front, nothing created there (it left .p.json.tmp-*
// files that only chattr -a lets anyone remove).
func TestOutputDirAppendOnly(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	tr := filepath.Join(dir, "t.yaml")
	if err := os.WriteFile(tr, []byte(smallTrace), 0o644); err != nil {
		t.Fatal(err)
	}
	ad := filepath.Join(dir, "append-only")
	if err := os.Mkdir(ad, 0o755); err != nil {
		t.Fatal(err)
	}
	setInodeFlag(t, ad, fsAppendFL)
	out := filepath.Join(ad, "p.json")
	for _, args := range [][]string{
		{"generate", "-o", out, tr},
		{"trace", "-o", out, "--", "true"},
		{"lint", "-o", out, tr},
	} {
		_, stderr, code := sgVia(t, dir, nil, []string{"env", "TMPDIR=" + dir}, args...)
		want := "seccomp-gen: " + args[0] + ": -o " + out + ": directory " + ad + " is append-only (chattr +a)"
		if code != exitUsage || !strings.HasPrefix(stderr, want) {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant exit %d and %q", strings.Join(args, " "), code, stderr, exitUsage, want)
		}
		oneLine(t, stderr)
	}
	if ents, err := os.ReadDir(ad); err != nil || len(ents) != 0 {
		t.Errorf("%s holds %v (%v), want nothing", ad, ents, err)
	}
}

// TestSingleValuedFlags: a flag that takes one value refuses a second one
// instead of keeping the last silently.
func TestSingleValuedFlags(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"replay", "-p", "p.json", "--pid", "1999999999", "--pid", "1999999998"},
		{"replay", "-p", "p.json", "--cgroup", "/a", "--cgroup", "/b"},
		{"replay", "-p", "p.json", "-p", "q.json", "--", "true"},
		{"replay", "-p", "p.json", "--timeout", "1s", "--timeout", "2s", "--", "true"},
		{"replay", "-p", "p.json", "-o", "a", "--output", "b", "--", "true"},
		{"trace", "--pid", "1999999999", "--pid", "1999999998"},
		{"trace", "--cgroup", "/a", "--cgroup", "/b"},
		{"trace", "-o", "a", "-o", "b", "--", "true"},
		{"check", "-p", "p.json", "--report", "json", "--report", "junit", "t.yaml"},
		{"diff", "-o", "a", "-o", "b", "p.json", "q.json"},
		{"generate", "--format", "oci", "--format", "docker", "t.yaml"},
		{"disasm", "--arch", "x86", "--arch", "x86_64", "p.json"},
	} {
		out, stderr, code := sg(t, dir, args...)
		if code != exitUsage || !strings.Contains(stderr, "given twice") {
			t.Errorf("%s: exit %d, want 2 and 'given twice'\n%s%s", strings.Join(args, " "), code, out, stderr)
		}
		oneLine(t, stderr)
	}
	// Repeatable flags stay repeatable.
	tr := filepath.Join(dir, "t.yaml")
	if err := os.WriteFile(tr, []byte(smallTrace), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, stderr, code := sg(t, dir, "generate", "--arch", "x86_64", "--arch", "x86", "--baseline", "runc", "--baseline", "crun", "t.yaml"); code != 0 {
		t.Errorf("repeatable flags: exit %d\n%s%s", code, out, stderr)
	}
}

// An output named by a link the kernel resolves though no path does
// (/dev/stdout -> /proc/self/fd/1 -> "pipe:[N]" when stdout is a pipe) is
// writable, as atomicfile writes through it; a dangling link is not.
func TestWritableThroughProcFD(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	fd := filepath.Join("/proc/self/fd", strconv.Itoa(int(w.Fd())))
	if err := writable(fd); err != nil {
		t.Errorf("writable(%s, a pipe): %v", fd, err)
	}
	dangling := filepath.Join(t.TempDir(), "dangling")
	if err := os.Symlink(filepath.Join(t.TempDir(), "missing", "x"), dangling); err != nil {
		t.Fatal(err)
	}
	if err := writable(dangling); err == nil || !strings.Contains(err.Error(), "symlink to nowhere") {
		t.Errorf("writable(dangling link) = %v", err)
	}
}

// An output in a shared directory (/tmp) that is a link another user
// planted, a device, or a FIFO nothing reads is refused before anything
// runs, on one line, and left as it is; the hang of opening such a FIFO to
// check it is gone.
func TestOutputsShared(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t.yaml"), []byte(smallTrace), 0o644); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(tmp, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	planted := filepath.Join(tmp, "p.json")
	if err := os.Symlink(victim, planted); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(planted, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(tmp, "zero")
	if err := syscall.Mknod(zero, syscall.S_IFCHR|0o666, 1<<8|5); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(tmp, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"generate", "-o", planted, "t.yaml"}, "owned by uid 4242"},
		{[]string{"generate", "-o", zero, "t.yaml"}, "character device (1:5)"},
	} {
		out, stderr, code := sg(t, dir, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, want 2 and %q\n%s%s", strings.Join(c.args, " "), code, c.want, out, stderr)
		}
		oneLine(t, stderr)
	}
	if b, _ := os.ReadFile(victim); string(b) != "secret" {
		t.Errorf("the planted link's target was written: %q", b)
	}
	done := make(chan error, 1)
	go func() { done <- writable(fifo) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("writable(a FIFO): %v", err)
		}
	case <-time.After(10 * time.Second):
		if f, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			defer f.Close()
		}
		t.Fatal("checking a FIFO nothing reads as an output still waits after 10s")
	}
}

// TestInputFilesStatsEachOnce: telling repeated inputs apart (generate and
// check read a file named twice, or a link of it, once) stats each input
// once, not once per earlier input: 5000 traces cost 12.5 million stats
// (15 s) before. It still finds a name given twice and a hard link.
func TestInputFilesStatsEachOnce(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i := 0; i < 300; i++ {
		p := filepath.Join(dir, "t"+strconv.Itoa(i)+".yaml")
		if err := os.WriteFile(p, []byte(smallTrace), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Link(paths[7], link); err != nil {
		t.Fatal(err)
	}
	inputs := append(append(append([]string{}, paths...), paths[3], link), "-", filepath.Join(dir, "missing.yaml"))
	stats := 0
	seen := inputFiles{stat: func(p string) (os.FileInfo, error) { stats++; return os.Stat(p) }}
	var got []string
	for _, p := range inputs {
		if what := seen.repeated(p); what != "" {
			got = append(got, filepath.Base(p)+": "+what)
		}
	}
	want := []string{"t3.yaml: named twice", "link.yaml: the same file as " + paths[7]}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("repeated inputs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if stats > len(inputs) {
		t.Errorf("%d inputs took %d stats: want at most one each", len(inputs), stats)
	}
}

// An output named through a descriptor of seccomp-gen (/dev/stdout,
// /proc/self/fd/5) that the shell opened on a regular file is written
// there, as '-' would be (it was refused: "directory /proc/PID/fd is not
// writable"); a descriptor that is not open is named as such.
func TestOutputThroughDescriptor(t *testing.T) {
	dir := t.TempDir()
	tr := genTrace(t, "workload.yaml")
	want, stderr, code := sg(t, dir, "generate", tr)
	if code != 0 {
		t.Fatalf("generate: exit %d %s", code, stderr)
	}
	for _, tc := range []struct {
		out, redirect string
	}{
		{"/dev/stdout", `>"$0"`},
		{"/proc/self/fd/1", `>"$0"`},
		{"/proc/self/fd/5", `5>"$0"`},
		{"/dev/fd/5", `5>"$0"`},
	} {
		file := filepath.Join(dir, "out.json")
		os.WriteFile(file, []byte(strings.Repeat("old ", 50000)), 0o644)
		via := []string{"/bin/sh", "-c", `exec "$@" ` + tc.redirect, file}
		_, stderr, code := sgVia(t, dir, nil, via, "generate", "-o", tc.out, tr)
		got, _ := os.ReadFile(file)
		if code != 0 || string(got) != want {
			t.Errorf("-o %s %s: exit %d, %d bytes written (want %d)\n%s", tc.out, tc.redirect, code, len(got), len(want), stderr)
		}
	}
	for _, out := range []string{"/proc/self/fd/5", "/dev/fd/5"} {
		_, stderr, code := sg(t, dir, "generate", "-o", out, tr)
		if want := "seccomp-gen: generate: -o " + out + ": descriptor 5 is not open (a shell opens it with 5>FILE)\n"; code != exitUsage || stderr != want {
			t.Errorf("-o %s, not open: exit %d\n%s\nwant %q", out, code, stderr, want)
		}
	}
}

// TestWritableNamesNoFile: checking that an output can be written creates
// no file with a name in its directory, so that nothing stays there when
// seccomp-gen dies meanwhile. It created and removed a probe file
// (.NAME.probe-N), which a SIGTERM early in replay left behind (found by an
// audit). The directory is watched (inotify) while the check runs, for an
// output that does not exist yet and for one that does.
func TestWritableNamesNoFile(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "old.json")
	if err := os.WriteFile(existing, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{filepath.Join(dir, "new.json"), existing} {
		var err error
		if names := testutil.Created(t, dir, func() { err = writable(out) }); len(names) > 0 {
			t.Errorf("writable(%s) created %v in %s", out, names, dir)
		}
		if err != nil {
			t.Fatalf("writable(%s): %v", out, err)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files in %s, want only old.json", len(ents), dir)
	}
}

// Two outputs on standard output are refused before anything runs: replay
// --save-trace - with its report on stdout (-o -, the default) wrote the
// two documents interleaved and exited 0.
func TestTwoOutputsOnStdout(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.json"), []byte(`{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"replay", "-p", "p.json", "--save-trace", "-", "--", "sh", "-c", "touch ran"},
		{"replay", "-p", "p.json", "-o", "/dev/stdout", "--save-trace", "-", "--", "sh", "-c", "touch ran"},
	} {
		out, stderr, code := sg(t, dir, args...)
		if code != exitUsage || !strings.Contains(stderr, "both write to standard output") || out != "" {
			t.Errorf("%s: exit %d, want %d and a refusal\nstdout: %q\n%s", strings.Join(args, " "), code, exitUsage, out, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "ran")); err == nil {
			t.Fatalf("%s: the command ran", strings.Join(args, " "))
		}
	}
}

// TestOutputNeverStdinFileOrItself: an output naming the file standard
// input reads when '-' is an input (-p - -o /dev/stdin < p.json) was
// written over that input, and an output naming seccomp-gen's own program
// replaced it (replay's not_run report made both reachable from a typo).
// Both are refused now, before anything is written.
func TestOutputNeverStdinFileOrItself(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "p.json")
	body := `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write","exit_group"],"action":"SCMP_ACT_ALLOW"}]}`
	if err := os.WriteFile(prof, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"replay", "-p", "-", "--report", "json", "-o", "/dev/stdin", "--", "true"},
		{"diff", "-o", "/dev/stdin", "-", prof},
		{"diff", "-o", prof, "-", filepath.Join(dir, "other.json")},
	} {
		f, err := os.Open(prof)
		if err != nil {
			t.Fatal(err)
		}
		_, stderr, code := sgWith(t, dir, f, args...)
		f.Close()
		if code != exitUsage || !strings.Contains(stderr, "is the input <stdin> (the same file): refusing to overwrite an input") {
			t.Errorf("%v < p.json: exit %d\n%s", args, code, stderr)
		}
		if b, _ := os.ReadFile(prof); string(b) != body {
			t.Fatalf("%v < p.json overwrote it:\n%s", args, b)
		}
	}
	// A copy of this binary, run as seccomp-gen, told to write over itself.
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	copyBin := filepath.Join(dir, "sg")
	if err := os.WriteFile(copyBin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(copyBin, "replay", "-p", "nonexistent.json", "-o", copyBin, "--", "true")
	cmd.Dir, cmd.Env = dir, append(os.Environ(), testMainEnv+"=1")
	out, err := cmd.CombinedOutput()
	if !strings.Contains(string(out), "is seccomp-gen's own program: refusing to overwrite it") {
		t.Errorf("replay -o itself: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(copyBin); len(b) != len(self) {
		t.Fatalf("the program was overwritten (%d bytes, was %d)", len(b), len(self))
	}
}
