// Package atomicfile writes output files so that a reader never sees half of
// one: every file seccomp-gen writes (traces, profiles, reports, bundle
// configs) goes through Write.
package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
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
	if err != nil {
		// A new file gets what the user's umask allows, as from open(2)
		// (the chmod below, needed for the temporary file, would bypass
		// it). A file replaced gets perm: callers that edit in place pass
		// its mode.
		perm &^= umask()
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
