//go:build !linux

package kver

// AtLeast is false where the kernel is not Linux.
func AtLeast(major, minor int) bool { return false }
