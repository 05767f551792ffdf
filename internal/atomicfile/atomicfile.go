// Package atomicfile writes output files so that a reader never sees half of
// one: every file seccomp-gen writes (traces, profiles, reports, bundle
// configs) goes through Write.
//
// seccomp-gen runs as root, often in shared directories (/tmp, CI
// runners): Write and Resolve follow a symbolic link only where no other
// user could have planted it, never write into a device other than
// /dev/null or a terminal, and never wait for a FIFO that has no reader.
package atomicfile

import (
	"errors"
	"os"
	"syscall"
)

// Write writes data to path through a temporary file in the same directory,
// synced, then renamed over path. On error path is left as it was. "-"
// writes to standard output (ErrStdoutClosed when it is closed).
//
// A symbolic link is kept and its target written, unless another user could
// have planted it (Resolve). A path that exists and is not a regular file
// is written in place, never replaced: a FIFO that has a reader, /dev/null,
// a terminal, standard output or error by any name (/dev/stdout, a shell's
// /dev/fd/N); any other device is refused (ErrNotRegular).
func Write(path string, data []byte, perm os.FileMode) error {
	if path == "-" {
		_, err := stdout.Write(data)
		if errors.Is(err, syscall.EBADF) {
			err = &os.PathError{Op: "write", Path: stdout.Name(), Err: ErrStdoutClosed}
		}
		return err
	}
	target, err := Resolve(path)
	if err != nil {
		return err
	}
	st, err := os.Lstat(target)
	switch {
	case err == nil && st.IsDir():
		return &os.PathError{Op: "write", Path: path, Err: errors.New("is a directory")}
	case err == nil && !st.Mode().IsRegular():
		return writeInPlace(path, target, data)
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return err
	case err != nil:
		// A new file gets what the user's umask allows, as from open(2)
		// (the chmod needed for the temporary file would bypass it). A
		// file replaced gets perm: callers that edit in place pass its
		// mode.
		perm &^= umask()
	}
	return replace(target, data, perm, ownerOf(st))
}

// owner is the owner and group a replaced file keeps.
type owner struct{ uid, gid int }

// ownerOf returns the owner of the file st describes, or nil for none (a
// new file). A file replaced by rename would otherwise belong to whoever
// wrote it: root's `generate --oci-config` made a user's 0640 config.json
// root's, unreadable to its owner. Keeping them is best effort, as for
// sed -i: a user who may write a file it does not own cannot give the new
// one away (EPERM), and gets it.
func ownerOf(st os.FileInfo) *owner {
	if st == nil {
		return nil
	}
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	return &owner{int(s.Uid), int(s.Gid)}
}

// ErrNotRegular is returned for an output that exists, is not a regular
// file, and is not one that can be written in place (Write).
var ErrNotRegular = errors.New("not a regular file")

// ErrStdoutClosed is returned by Write("-") when standard output is closed
// (or open for reading only).
var ErrStdoutClosed = errors.New("standard output is closed")

// stdout is where Write("-") writes (tests replace it).
var stdout = os.Stdout

// ErrUnsafeLink is returned for a symbolic link that Resolve does not
// follow.
var ErrUnsafeLink = errors.New("a symbolic link another user could have planted")

// errNoTmpfile: the file system has no O_TMPFILE (or /proc is missing);
// Write falls back to a named temporary file.
var errNoTmpfile = errors.New("no O_TMPFILE")

// testHookWritten, when set, runs once the data is written and synced, before
// the rename (a test kills the writer there).
var testHookWritten func()
