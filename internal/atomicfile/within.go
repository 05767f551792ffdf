package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ErrOutside is returned for a path that resolves to a file outside the
// directories a caller confines it to (Within).
var ErrOutside = errors.New("outside the allowed directories")

// OutsideError is a path that resolves (to Target) outside Dirs.
type OutsideError struct {
	Path, Target string
	Dirs         []string
}

// Where says where the path leads and what is allowed, without the path:
// "resolves to T, outside the allowed directories (allowed: D1, D2)".
func (e *OutsideError) Where() string {
	allowed := "no directory is allowed"
	if len(e.Dirs) > 0 {
		allowed = "allowed: " + strings.Join(e.Dirs, ", ")
	}
	if e.Target != e.Path {
		return fmt.Sprintf("resolves to %s, outside the allowed directories (%s)", e.Target, allowed)
	}
	return fmt.Sprintf("is outside the allowed directories (%s)", allowed)
}

func (e *OutsideError) Error() string { return e.Path + " " + e.Where() }

func (e *OutsideError) Is(target error) bool { return target == ErrOutside }

// ResolveDirs resolves each of dirs (Resolve), which must be absolute,
// for Within and its kin.
func ResolveDirs(dirs []string) ([]string, error) {
	out := make([]string, 0, len(dirs))
	for _, d := range dirs {
		if !filepath.IsAbs(d) {
			return nil, fmt.Errorf("%s: not an absolute path", d)
		}
		r, err := Resolve(strings.TrimRight(d, "/") + "/.")
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Within returns the file path names (Resolve: every symbolic link
// followed, under Resolve's rule) if it lies in one of dirs or below,
// else an error wrapping ErrOutside. dirs must be resolved already
// (ResolveDirs); none means nothing is allowed.
func Within(path string, dirs []string) (string, error) {
	if !filepath.IsAbs(path) {
		return "", &OutsideError{Path: path, Target: path, Dirs: dirs}
	}
	target, err := Resolve(path)
	if err != nil {
		return "", err
	}
	for _, d := range dirs {
		if under(target, d) {
			return target, nil
		}
	}
	return "", &OutsideError{Path: path, Target: target, Dirs: dirs}
}

// under reports whether the clean absolute path p is dir or below it.
func under(p, dir string) bool {
	return dir == "/" || p == dir || strings.HasPrefix(p, dir+"/")
}

// WriteWithin is Write confined to dirs (resolved, ResolveDirs): the file
// path resolves to must lie in one of them (Within), and is written only
// as a new or replaced regular file (never a device or FIFO in place). The
// directory it is renamed into is opened without following any symbolic
// link, so one swapped in after the check cannot send the file elsewhere.
func WriteWithin(path string, data []byte, perm os.FileMode, dirs []string) error {
	target, err := Within(path, dirs)
	if err != nil {
		return err
	}
	st, err := os.Lstat(target)
	switch {
	case err == nil && st.IsDir():
		return &os.PathError{Op: "write", Path: path, Err: errors.New("is a directory")}
	case err == nil && !st.Mode().IsRegular():
		return &os.PathError{Op: "write", Path: path, Err: ErrNotRegular}
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return err
	case err != nil:
		perm &^= umask()
	}
	return replace(target, data, perm, ownerOf(st))
}

// ReadWithin reads at most limit bytes of path, which must resolve into
// one of dirs (Within) and be a regular file; the file is opened without
// following any symbolic link after the check. A file with more than one
// link that another user could have linked there (in a directory every
// user can write to, or owned by someone else than the directory) is
// refused: it may be a hard link to a file that user cannot read. An
// error wrapping ErrTooLarge says the file holds more than limit bytes.
func ReadWithin(path string, dirs []string, limit int64) ([]byte, error) {
	target, err := Within(path, dirs)
	if err != nil {
		return nil, err
	}
	f, err := openNoLinks(target)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer f.Close()
	if err := checkReadable(f, target); err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, &os.PathError{Op: "read", Path: path, Err: err}
	}
	if int64(len(data)) > limit {
		return nil, &os.PathError{Op: "read", Path: path, Err: ErrTooLarge}
	}
	return data, nil
}

// ErrTooLarge: ReadWithin's file holds more than its limit.
var ErrTooLarge = errors.New("file too large")
