package widen

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// openRegular opens path for reading if it is a regular file
// (OpenRegular).
func openRegular(path string) (*os.File, error) {
	fd, err := OpenRegular(func(flags int) (int, error) { return unix.Open(path, flags, 0) })
	if errors.Is(err, errNotRegular) {
		return nil, fmt.Errorf("%s: %w", path, errNotRegular)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// OpenRegular opens for reading, as a file descriptor, what open (called
// with O_PATH flags: the caller chooses how the name is resolved, e.g.
// under a process's root) finds, only if it is a regular file. It is
// looked at first through the O_PATH descriptor, which opens nothing, then
// that very file is opened through /proc/self/fd: a FIFO (whose open waits
// for a writer) or a device (whose open may act on it: a watchdog, a tape)
// is never opened, even one swapped in meanwhile. The names read for
// --widen and by the recorder are a workload's, untrusted.
func OpenRegular(open func(flags int) (int, error)) (int, error) {
	p, err := open(unix.O_PATH | unix.O_CLOEXEC)
	if err != nil {
		return -1, err
	}
	defer unix.Close(p)
	var st unix.Stat_t
	if err := unix.Fstat(p, &st); err != nil {
		return -1, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return -1, errNotRegular
	}
	return unix.Open("/proc/self/fd/"+strconv.Itoa(p), unix.O_RDONLY|unix.O_CLOEXEC, 0)
}
