package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// Within, WriteWithin and ReadWithin keep a path in its directories: a
// path outside, one through a symbolic link that leaves them, and one
// with .. that leaves them are refused; links that stay inside are fine.
func TestWithin(t *testing.T) {
	root := t.TempDir()
	allowed := filepath.Join(root, "allowed")
	outside := filepath.Join(root, "outside")
	for _, d := range []string{allowed, outside, filepath.Join(allowed, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte(`{"secret":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	mustLink := func(old, new string) {
		t.Helper()
		if err := os.Symlink(old, new); err != nil {
			t.Fatal(err)
		}
	}
	mustLink(outside, filepath.Join(allowed, "escape"))     // a directory link out
	mustLink(secret, filepath.Join(allowed, "secret.json")) // a file link out
	mustLink("sub", filepath.Join(allowed, "inner"))        // a link that stays
	mustLink(filepath.Join(outside, "new.json"), filepath.Join(allowed, "dangling.json"))
	dirs, err := ResolveDirs([]string{allowed + "/"})
	if err != nil || len(dirs) != 1 || dirs[0] != allowed {
		t.Fatalf("ResolveDirs: %v %v", dirs, err)
	}

	for _, p := range []string{
		filepath.Join(outside, "x.json"),
		filepath.Join(allowed, "escape", "x.json"),
		filepath.Join(allowed, "..", "outside", "x.json"),
		filepath.Join(allowed, "secret.json"),
		allowed + "x/y.json", // a sibling sharing the prefix
		"relative.json",
	} {
		if err := WriteWithin(p, []byte("{}"), 0o644, dirs); !errors.Is(err, ErrOutside) {
			t.Errorf("WriteWithin %s: %v, want ErrOutside", p, err)
		}
		if _, err := ReadWithin(p, dirs, 1<<20); !errors.Is(err, ErrOutside) {
			t.Errorf("ReadWithin %s: %v, want ErrOutside", p, err)
		}
	}
	// A dangling link out is no way out either (Resolve errs).
	if err := WriteWithin(filepath.Join(allowed, "dangling.json"), []byte("{}"), 0o644, dirs); err == nil {
		t.Errorf("WriteWithin through a dangling link out: no error")
	}
	if _, err := os.Stat(filepath.Join(outside, "new.json")); err == nil {
		t.Errorf("a file was created outside")
	}
	if b, _ := os.ReadFile(secret); string(b) != `{"secret":1}` {
		t.Errorf("the file outside was changed: %q", b)
	}
	if err := WriteWithin(filepath.Join(allowed, "x.json"), []byte("{}"), 0o644, nil); !errors.Is(err, ErrOutside) || !strings.Contains(err.Error(), "no directory is allowed") {
		t.Errorf("no directories: %v", err)
	}

	in := filepath.Join(allowed, "inner", "p.json")
	if err := WriteWithin(in, []byte("{}"), 0o644, dirs); err != nil {
		t.Fatalf("WriteWithin through a link that stays inside: %v", err)
	}
	if b, err := ReadWithin(in, dirs, 1<<20); err != nil || string(b) != "{}" {
		t.Errorf("ReadWithin: %q %v", b, err)
	}
	if _, err := ReadWithin(in, dirs, 1); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ReadWithin over the limit: %v", err)
	}
	if b, err := ReadWithin(in, dirs, 2); err != nil || string(b) != "{}" {
		t.Errorf("ReadWithin of a file as large as the limit: %q %v", b, err)
	}
	if err := WriteWithin(filepath.Join(allowed, "sub"), []byte("{}"), 0o644, dirs); err == nil {
		t.Errorf("WriteWithin over a directory: no error")
	}
}

// dirWithFIFO returns a temporary directory, its resolved form as the
// only allowed directory, and a FIFO in it.
func dirWithFIFO(t *testing.T) (dir string, dirs []string, fifo string) {
	t.Helper()
	dir = t.TempDir()
	dirs, err := ResolveDirs([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	fifo = filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, dirs, fifo
}

// ReadWithin refuses what is not a regular file and a hard link that
// another user could have made (here: a file owned by another uid, linked
// into a directory of ours).
func TestReadWithinRefuses(t *testing.T) {
	testutil.RequireRoot(t) // chown to another user
	dir, dirs, fifo := dirWithFIFO(t)
	if _, err := ReadWithin(fifo, dirs, 1<<20); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReadWithin a FIFO: %v, want ErrNotRegular (and no hang)", err)
	}
	other := filepath.Join(t.TempDir(), "other")
	if err := os.WriteFile(other, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(other, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	hl := filepath.Join(dir, "hl.json")
	if err := os.Link(other, hl); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadWithin(hl, dirs, 1<<20); err == nil || !strings.Contains(err.Error(), "hard links") {
		t.Errorf("ReadWithin a hard link to another user's file: %v", err)
	}
}

// WriteWithin writes only a regular file, new or replaced: a FIFO or a
// /dev/null node in an allowed directory is refused (ErrNotRegular) and
// left as it is, where Write would write into them.
func TestWriteWithinNotRegular(t *testing.T) {
	testutil.RequireRoot(t) // mknod
	dir, dirs, fifo := dirWithFIFO(t)
	null := filepath.Join(dir, "null")
	if err := syscall.Mknod(null, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		testutil.SkipOrFail(t, "mknod in a temporary directory: "+err.Error())
	}
	for _, p := range []string{fifo, null} {
		// A reader, so that a FIFO written in place would not wait.
		if f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			defer f.Close()
		}
		if err := WriteWithin(p, []byte("{}"), 0o644, dirs); !errors.Is(err, ErrNotRegular) {
			t.Errorf("WriteWithin %s: %v, want ErrNotRegular", filepath.Base(p), err)
		}
		if st, err := os.Lstat(p); err != nil || st.Mode().IsRegular() {
			t.Errorf("%s was replaced: %v", filepath.Base(p), err)
		}
	}
}

// A file with one link is read in a directory every user can write to
// (/tmp): only a second link could be another user's doing.
func TestReadWithinShared(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tmp")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	dirs, err := ResolveDirs([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "p.json")
	if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadWithin(p, dirs, 1<<20); err != nil || string(b) != "{}" {
		t.Errorf("ReadWithin of a file with one link in a shared directory: %q %v", b, err)
	}
}
