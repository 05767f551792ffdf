// Package kver tells whether the running kernel is at least a given
// release, from its uname: where a feature is known to have come in a
// release (BPF_F_NO_PREALLOC for tracing programs' hash maps in 6.1, BPF
// memory charged to the memory cgroup in 5.11, MADV_POPULATE_READ in 5.14)
// and asking the kernel is not cheaper.
package kver

import "fmt"

// ReleaseAtLeast reports whether a kernel release string ("6.18.44-...")
// is at least major.minor; false when it does not start with two numbers.
func ReleaseAtLeast(release string, major, minor int) bool {
	var maj, min int
	if n, _ := fmt.Sscanf(release, "%d.%d", &maj, &min); n != 2 {
		return false
	}
	return maj > major || (maj == major && min >= minor)
}
