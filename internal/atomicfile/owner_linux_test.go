package atomicfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// TestReplaceKeepsOwner: a file replaced (generate --oci-config's in-place
// edit of a bundle's config.json, an -o over an existing profile) keeps
// its owner and group when root writes it; before, the rename gave it to
// root, and a user's 0640 config.json became unreadable to its owner
// (found by an audit). Both ways of writing: O_TMPFILE and a named
// temporary file.
func TestReplaceKeepsOwner(t *testing.T) {
	testutil.RequireRoot(t) // to give the fixture another owner
	for _, named := range []bool{false, true} {
		dir := t.TempDir()
		path := filepath.Join(dir, "config.json")
		if err := os.WriteFile(path, []byte("{}"), 0o640); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(path, 1000, 1001); err != nil {
			t.Fatal(err)
		}
		var err error
		if named {
			err = writeNamedForTest(path, []byte(`{"a":1}`), 0o640)
		} else {
			err = Write(path, []byte(`{"a":1}`), 0o640)
		}
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		s := st.Sys().(*syscall.Stat_t)
		if s.Uid != 1000 || s.Gid != 1001 || st.Mode().Perm() != 0o640 {
			t.Errorf("named temporary file %v: replaced file is %d:%d %v, want 1000:1001 -rw-r-----", named, s.Uid, s.Gid, st.Mode().Perm())
		}
		// A new file is the writer's.
		fresh := filepath.Join(dir, "new.json")
		if err := Write(fresh, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(fresh); err != nil || st.Sys().(*syscall.Stat_t).Uid != 0 {
			t.Errorf("a new file: %v, want it root's", err)
		}
	}
}

// writeNamedForTest replaces path through writeNamed (the fallback where
// O_TMPFILE is not supported).
func writeNamedForTest(path string, data []byte, perm os.FileMode) error {
	st, err := os.Lstat(path)
	if err != nil {
		return err
	}
	dfd, err := unix.Open(filepath.Dir(path), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	return writeNamed(dfd, filepath.Dir(path), filepath.Base(path), data, perm, ownerOf(st))
}
