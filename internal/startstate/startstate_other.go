//go:build !cgo || !linux

package startstate

import "syscall"

// Ignored returns 0: without cgo nothing runs before the Go runtime.
func Ignored() uint64 { return 0 }

// Reignore does nothing (see Ignored).
func Reignore(mask uint64) error { return nil }

// Blocked returns 0 (see Ignored).
func Blocked() uint64 { return 0 }

// SetMask does nothing (see Ignored).
func SetMask(mask uint64) error { return nil }

// Nofile returns false (see Ignored).
func Nofile() (syscall.Rlimit, bool) { return syscall.Rlimit{}, false }

// Closed returns false (see Ignored).
func Closed(fd int) bool { return false }
