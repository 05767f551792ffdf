//go:build !linux

package widen

import (
	"fmt"
	"os"
	"syscall"
)

// openRegular opens path for reading if it is a regular file: checked
// before the open and, by the open descriptor, after it; O_NONBLOCK so that
// a FIFO swapped in between is not waited for.
func openRegular(path string) (*os.File, error) {
	if st, err := os.Stat(path); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w", path, errNotRegular)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, errNotRegular)
	}
	return f, nil
}
