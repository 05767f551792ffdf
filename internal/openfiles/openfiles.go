package openfiles

import (
	"errors"
	"fmt"
)

// ErrTooFew is the error Need returns when the limit is too low.
var ErrTooFew = errors.New("too few open files")

// Limit is the soft and hard limits.
type Limit struct {
	Cur, Max uint64
}

// Need returns an error that says how to raise the limit when fewer than n
// files may be open. It raises nothing itself: Go raised the soft limit to
// the hard one at start (and gives the command the soft limit it was
// started with), so the hard limit is too low then, and only the user can
// change that.
func Need(n uint64) error {
	l, err := Get()
	if err != nil || l.Cur >= n {
		return nil // no limit to read: let the kernel decide
	}
	return fmt.Errorf("%w: ulimit -n is %d, at least %d are needed: raise it (ulimit -n 1024)", ErrTooFew, l.Cur, n)
}

// Get returns the current limits.
func Get() (Limit, error) { return get() }
