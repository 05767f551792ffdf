package atomicfile

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

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

// umask returns the process's file mode creation mask, read from
// /proc/self/status (setting it to read it back would race with other
// goroutines creating files); 0 when it cannot be read.
func umask() os.FileMode {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "Umask:"); ok {
			if m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
				return os.FileMode(m) & os.ModePerm
			}
		}
	}
	return 0
}
