package kver

import "golang.org/x/sys/unix"

// AtLeast reports whether the running kernel's release is at least
// major.minor (false when it cannot tell).
func AtLeast(major, minor int) bool {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return false
	}
	return ReleaseAtLeast(unix.ByteSliceToString(u.Release[:]), major, minor)
}
