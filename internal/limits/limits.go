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
// fewer than n more files may be opened: the limit less the descriptors
// this process has open already (inherited ones too: a shell's, a
// parent's). It raises nothing itself: Go raised the soft limit to the
// hard one at start (and gives the command the soft limit it was started
// with), so the hard limit is too low then, and only the user can change
// that.
func NeedOpenFiles(n uint64) error {
	l, err := OpenFiles()
	if err != nil || l.Cur >= n+uncounted {
		return nil // no limit to read, or room enough: let the kernel decide
	}
	open, err := OpenDescriptors()
	if err != nil || open > l.Cur {
		open = 0 // no /proc: the limit is all there is to go by
	}
	return needOpenFiles(l, open, n)
}

// uncounted is how far above the need a limit is taken to leave room
// without counting the descriptors open (reading /proc/self/fd costs ~20
// us, and every command checks its need at start): a process holding more
// than that many open gets the kernel's EMFILE instead.
const uncounted = 1 << 12

func needOpenFiles(l Limit, open, n uint64) error {
	if l.Cur >= open+n {
		return nil
	}
	if open == 0 {
		return fmt.Errorf("%w: ulimit -n is %d, at least %d are needed: raise it (ulimit -n %d)", ErrTooFewFiles, l.Cur, n, Suggest(n))
	}
	return fmt.Errorf("%w: ulimit -n is %d and %d are open already, at least %d more are needed: raise it (ulimit -n %d), or open fewer in what starts seccomp-gen",
		ErrTooFewFiles, l.Cur, open, n, Suggest(open+n))
}

// Suggest is the ulimit -n that NeedOpenFiles' and doctor's fixes propose
// for a need of n descriptors in all: 1024, or more if that is too few.
func Suggest(n uint64) uint64 {
	s := uint64(1024)
	for s < 2*n {
		s *= 2
	}
	return s
}

// Free is how many more files may be opened under l with open open.
func Free(l Limit, open uint64) uint64 {
	if open >= l.Cur {
		return 0
	}
	return l.Cur - open
}

// RanOut says that err, the kernel's EMFILE in whatever words, came from
// running out of open files midway, and how to raise the limit; it wraps
// ErrTooFewFiles and err.
func RanOut(err error) error {
	l, lerr := OpenFiles()
	if lerr != nil {
		return fmt.Errorf("%w: %w", ErrTooFewFiles, err)
	}
	return fmt.Errorf("%w: %w (ulimit -n is %d: raise it, ulimit -n %d)", ErrTooFewFiles, err, l.Cur, Suggest(l.Cur))
}

// OpenDescriptors counts the descriptors this process has open
// (/proc/self/fd, less the one that reads it).
func OpenDescriptors() (uint64, error) { return openDescriptors() }

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
