package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// attacker is the uid of another local user in these tests.
const attacker = 4242

// sharedDir returns a new directory like /tmp: writable by all, sticky.
func sharedDir(t *testing.T, mode os.FileMode) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tmp")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
	return dir
}

// plant makes a symbolic link at link to target, owned by uid.
func plant(t *testing.T, target, link string, uid int) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(link, uid, uid); err != nil {
		t.Fatal(err)
	}
}

// A link another user planted in /tmp at the name root writes to
// (seccomp-gen trace -o /tmp/out.yaml) must not make root replace the file
// it points to, whatever fs.protected_symlinks says (Write resolves links
// itself and renames: the kernel's check never runs). A link of root's own
// there, or one in a directory others cannot write to, is followed.
func TestWritePlantedLink(t *testing.T) {
	testutil.RequireRoot(t)
	victimDir := t.TempDir()
	victim := filepath.Join(victimDir, "shadow")
	if err := os.WriteFile(victim, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	unchanged := func(what string) {
		t.Helper()
		if b, _ := os.ReadFile(victim); string(b) != "secret" {
			t.Errorf("%s: the link's target was written: %q", what, b)
		}
	}
	tmp := sharedDir(t, 0o777|os.ModeSticky)

	out := filepath.Join(tmp, "out.yaml")
	plant(t, victim, out, attacker)
	err := Write(out, []byte("trace"), 0o644)
	if !errors.Is(err, ErrUnsafeLink) || !strings.Contains(err.Error(), "uid 4242") {
		t.Errorf("Write through a planted link: %v, want ErrUnsafeLink naming uid 4242", err)
	}
	unchanged("planted link")
	if st, err := os.Lstat(out); err != nil || st.Mode().Type() != os.ModeSymlink {
		t.Errorf("the planted link was replaced: %v, %v", st, err)
	}

	// A link to a link: the first hop is root's, the second planted.
	hop := filepath.Join(tmp, "hop")
	plant(t, victim, hop, attacker)
	own := filepath.Join(tmp, "own")
	plant(t, hop, own, 0)
	if err := Write(own, []byte("trace"), 0o644); !errors.Is(err, ErrUnsafeLink) {
		t.Errorf("Write through root's link to a planted one: %v, want ErrUnsafeLink", err)
	}
	unchanged("link to a planted link")

	// A planted link to a directory, in the middle of the path.
	d := filepath.Join(tmp, "d")
	plant(t, victimDir, d, attacker)
	if err := Write(filepath.Join(d, "shadow"), []byte("trace"), 0o644); !errors.Is(err, ErrUnsafeLink) {
		t.Errorf("Write through a planted directory link: %v, want ErrUnsafeLink", err)
	}
	unchanged("planted directory link")

	// Without the sticky bit anyone can swap even root's link.
	open := sharedDir(t, 0o777)
	mine := filepath.Join(open, "mine")
	plant(t, victim, mine, 0)
	if err := Write(mine, []byte("trace"), 0o644); !errors.Is(err, ErrUnsafeLink) {
		t.Errorf("Write through a link in a world-writable directory without the sticky bit: %v, want ErrUnsafeLink", err)
	}
	unchanged("link in a non-sticky directory")

	// Root's own link in /tmp is followed, and kept.
	ok := filepath.Join(tmp, "ok")
	plant(t, victim, ok, 0)
	if err := Write(ok, []byte("new"), 0o600); err != nil {
		t.Fatalf("Write through root's own link in a sticky directory: %v", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "new" {
		t.Errorf("root's own link: target has %q", b)
	}
	if st, err := os.Lstat(ok); err != nil || st.Mode().Type() != os.ModeSymlink {
		t.Errorf("root's own link was replaced: %v, %v", st, err)
	}
}

// A hard link another user made in /tmp to a file of root's (possible with
// fs.protected_hardlinks off) is replaced, not written through.
func TestWriteHardLink(t *testing.T) {
	testutil.RequireRoot(t)
	victim := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(victim, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(sharedDir(t, 0o777|os.ModeSticky), "out.yaml")
	if err := os.Link(victim, out); err != nil {
		t.Fatal(err)
	}
	if err := Write(out, []byte("trace"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "secret" {
		t.Errorf("the hard link's other name was written: %q", b)
	}
	if b, _ := os.ReadFile(out); string(b) != "trace" {
		t.Errorf("out.yaml has %q", b)
	}
}

// An output that is a device is refused, not written into, unless it is
// /dev/null (or a terminal, or standard output): the nodes are made in the
// test's directory.
func TestWriteDevice(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	null := filepath.Join(dir, "null")
	zero := filepath.Join(dir, "zero")
	disk := filepath.Join(dir, "disk")
	for _, n := range []struct {
		path string
		mode uint32
		dev  int
	}{
		{null, syscall.S_IFCHR | 0o666, 1<<8 | 3},
		{zero, syscall.S_IFCHR | 0o666, 1<<8 | 5},
		{disk, syscall.S_IFBLK | 0o600, 240 << 8}, // a block device 240:0 (local/experimental number: none is there)
	} {
		if err := syscall.Mknod(n.path, n.mode, n.dev); err != nil {
			testutil.SkipOrFail(t, "mknod in a temporary directory: "+err.Error())
		}
	}
	if err := Write(null, []byte("x"), 0o644); err != nil {
		t.Errorf("Write to a /dev/null node: %v", err)
	}
	for _, p := range []string{zero, disk} {
		err := Write(p, []byte("x"), 0o644)
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "device") {
			t.Errorf("Write to %s: %v, want ErrNotRegular naming a device", filepath.Base(p), err)
		}
		if err := CheckInPlace(p); !errors.Is(err, ErrNotRegular) {
			t.Errorf("CheckInPlace(%s): %v, want ErrNotRegular", filepath.Base(p), err)
		}
	}
	for _, p := range []string{null, zero, disk} {
		if st, err := os.Lstat(p); err != nil || st.Mode().IsRegular() {
			t.Errorf("%s was replaced: %v, %v", filepath.Base(p), st.Mode(), err)
		}
	}
}

// A FIFO that nothing reads makes Write fail after a while instead of
// waiting forever.
func TestWriteFIFONoReader(t *testing.T) {
	old := fifoReaderWait
	fifoReaderWait = 50 * time.Millisecond
	defer func() { fifoReaderWait = old }()
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- Write(fifo, []byte("x"), 0o644) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "FIFO that nothing read") {
			t.Errorf("Write to a FIFO without a reader: %v", err)
		}
	case <-time.After(10 * time.Second):
		// Unblock the writer so the test can end.
		if f, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			defer f.Close()
		}
		t.Fatal("Write to a FIFO without a reader still waits after 10s")
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode().Type() != os.ModeNamedPipe {
		t.Errorf("the FIFO was replaced: %v, %v", st, err)
	}
}

// Standard output by another name (/dev/stdout, a shell's /dev/fd/N: links
// in /proc to a pipe no path names) is written through.
func TestWriteProcFD(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	name := "/proc/self/fd/" + strconv.Itoa(int(w.Fd()))
	if err := Write(name, []byte("piped"), 0o644); err != nil {
		t.Fatal(err)
	}
	w.Close()
	buf := make([]byte, 16)
	n, _ := r.Read(buf)
	if string(buf[:n]) != "piped" {
		t.Errorf("the pipe's reader got %q", buf[:n])
	}
}

// A path through /proc/PID/root (or cwd) is refused: the link's text, "/",
// is not where the kernel goes, so following it would write the host's
// file for a container's. /dev/fd/N and /proc/self/fd/N still work.
func TestResolveProcRoot(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x")
	via := "/proc/" + strconv.Itoa(os.Getpid()) + "/root" + p
	if _, err := Resolve(via); err == nil || !strings.Contains(err.Error(), "a link in /proc") {
		t.Errorf("Resolve(%s): %v, want an error", via, err)
	}
	if err := Write(via, []byte("x"), 0o644); err == nil {
		t.Errorf("Write(%s) succeeded", via)
	}
	for _, name := range []string{"/dev/fd/1", "/dev/stdout", "/proc/self/fd/1"} {
		if got, err := Resolve(name); err != nil || !strings.HasPrefix(got, "/proc/") {
			t.Errorf("Resolve(%s) = %q, %v; want the link in /proc", name, got, err)
		}
	}
}

// A ".." below a missing directory (the kernel answers ENOENT) must not
// make Resolve name, unchecked, a link another user planted beside it.
func TestWriteDotDotPastMissing(t *testing.T) {
	testutil.RequireRoot(t)
	victim := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(victim, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	tmp := sharedDir(t, 0o777|os.ModeSticky)
	plant(t, victim, filepath.Join(tmp, "evil"), attacker)
	err := Write(filepath.Join(tmp, "none")+"/../evil", []byte("trace"), 0o644)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Write(tmp/none/../evil): %v, want ENOENT", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "secret" {
		t.Errorf("the planted link's target was written: %q", b)
	}
}

// A link owned by the owner of the sticky directory it sits in is
// followed, as the kernel's fs.protected_symlinks follows it: whoever
// owns /tmp could replace the link anyway.
func TestWriteLinkOfDirOwner(t *testing.T) {
	testutil.RequireRoot(t) // to give the directory and link another owner
	target := filepath.Join(t.TempDir(), "out.yaml")
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	tmp := sharedDir(t, 0o777|os.ModeSticky)
	if err := os.Chown(tmp, attacker, attacker); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(tmp, "link")
	plant(t, target, link, attacker)
	if err := Write(link, []byte("new"), 0o644); err != nil {
		t.Fatalf("Write through a link of the sticky directory's owner: %v", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "new" {
		t.Errorf("the link's target has %q, want %q", b, "new")
	}
}

// A regular file reached through a link in /proc (/dev/stdout redirected
// to a file, /dev/fd/3) holds the data written and nothing of what it
// held before.
func TestWriteProcFDRegular(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out")
	if err := os.WriteFile(p, []byte("an older and longer content"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := Write("/proc/self/fd/"+strconv.Itoa(int(f.Fd())), []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "new" {
		t.Errorf("the file has %q, want %q", b, "new")
	}
}

// A link whose target does not exist is an error, not a file created at
// the target: Resolve says so.
func TestWriteDanglingLink(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "out.yaml")
	if err := os.Symlink("missing.yaml", link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, []byte("x"), 0o644); err == nil || !strings.Contains(err.Error(), "symlink to nowhere") {
		t.Errorf("Write through a dangling link: %v, want a symlink to nowhere", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Errorf("the link's target was created")
	}
}
