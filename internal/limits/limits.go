package limits

import (
	"errors"
	"fmt"
)

// ErrTooFewFiles is the error NeedOpenFiles returns when the limit is too
// low; ErrTooFewTasks is NeedTasks'.
var (
	ErrTooFewFiles = errors.New("too few open files")
	ErrTooFewTasks = errors.New("too few processes")
)

// Limit is the soft and hard limits.
type Limit struct {
	Cur, Max uint64
}

// NeedOpenFiles returns an error that says how to raise the limit when
// fewer than n files may be open. It raises nothing itself: Go raised the
// soft limit to the hard one at start (and gives the command the soft
// limit it was started with), so the hard limit is too low then, and only
// the user can change that.
func NeedOpenFiles(n uint64) error {
	l, err := OpenFiles()
	if err != nil || l.Cur >= n {
		return nil // no limit to read: let the kernel decide
	}
	return fmt.Errorf("%w: ulimit -n is %d, at least %d are needed: raise it (ulimit -n 1024)", ErrTooFewFiles, l.Cur, n)
}

// OpenFiles returns the open files limit.
func OpenFiles() (Limit, error) { return openFiles() }

// Tasks returns RLIMIT_NPROC and how many threads the real user runs; ok
// is false when the limit does not apply to this process (no limit, root,
// CAP_SYS_RESOURCE or CAP_SYS_ADMIN) or cannot be read.
func Tasks() (l Limit, used uint64, ok bool) { return tasks() }

// NeedTasks returns an error when fewer than n more threads may be
// started under RLIMIT_NPROC, which counts the threads of every process
// of the real user; nil when the limit does not apply (no limit, root,
// CAP_SYS_RESOURCE or CAP_SYS_ADMIN) or cannot be read.
func NeedTasks(n uint64) error {
	l, used, ok := tasks()
	if !ok || l.Cur >= used+n {
		return nil
	}
	return fmt.Errorf("%w: ulimit -u is %d and this user runs %d threads already, at least %d more are needed: raise it (ulimit -u 4096)", ErrTooFewTasks, l.Cur, used, n)
}
