// Package atomicfile writes output files so that a reader never sees half of
// one: every file seccomp-gen writes (traces, profiles, reports, bundle
// configs) goes through Write.
package atomicfile

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Write writes data to path through a temporary file in the same directory,
// synced, then renamed over path. On error path is left as it was. "-"
// writes to standard output. A path that exists and is not a regular file
// (/dev/null, a FIFO) is written in place: renaming over it would replace
// the device itself with a regular file. A symlink is kept and its target
// written.
func Write(path string, data []byte, perm os.FileMode) error {
	if path == "-" {
		_, err := os.Stdout.Write(data)
		return err
	}
	st, err := os.Lstat(path)
	if err == nil && st.Mode().Type() == os.ModeSymlink {
		// Keep the link: replace what it points to, atomically if that is
		// a regular file.
		// /dev/stdout -> /proc/self/fd/1 -> "pipe:[N]" resolves to no path:
		// such a link is written through.
		if target, err := filepath.EvalSymlinks(path); err == nil {
			return Write(target, data, perm)
		}
	}
	if err == nil && !st.Mode().IsRegular() {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return err
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	if err := writeUnnamed(path, data, perm); !errors.Is(err, errNoTmpfile) {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer os.Remove(name) // a no-op once the rename succeeded
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if testHookWritten != nil {
		testHookWritten()
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(name, path)
}

// errNoTmpfile: the file system has no O_TMPFILE (or /proc is missing);
// Write falls back to a named temporary file.
var errNoTmpfile = errors.New("no O_TMPFILE")

// testHookWritten, when set, runs once the data is written and synced, before
// the rename (a test kills the writer there).
var testHookWritten func()

// writeUnnamed writes data to an unnamed file in path's directory
// (O_TMPFILE), syncs it, then links it under a temporary name and renames
// that over path. A writer killed (SIGKILL) while writing or syncing leaves
// nothing behind; only the two system calls between the link and the rename
// can leave a temporary file.
func writeUnnamed(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, uint32(perm.Perm()))
	if err != nil {
		if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EINVAL) {
			return errNoTmpfile
		}
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if testHookWritten != nil {
		testHookWritten()
	}
	proc := fmt.Sprintf("/proc/self/fd/%d", fd)
	for try := 0; ; try++ {
		tmp := filepath.Join(dir, fmt.Sprintf(".%s.tmp-%d", filepath.Base(path), rand.Uint32()))
		err := unix.Linkat(unix.AT_FDCWD, proc, unix.AT_FDCWD, tmp, unix.AT_SYMLINK_FOLLOW)
		switch {
		case err == nil:
			if err := os.Rename(tmp, path); err != nil {
				os.Remove(tmp)
				return err
			}
			return nil
		case errors.Is(err, unix.EEXIST) && try < 100:
			continue
		case errors.Is(err, unix.ENOENT):
			if _, serr := os.Stat(proc); serr != nil {
				return errNoTmpfile // no /proc
			}
		}
		return &os.LinkError{Op: "link", Old: proc, New: tmp, Err: err}
	}
}
