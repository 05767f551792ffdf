// Package userns tells whether a process runs in the initial user
// namespace, the one whose capabilities the kernel checks for BPF:
// bpf(2)'s program loads and perf-style attachments ask capable() of the
// initial namespace, so CAP_BPF and CAP_PERFMON held as root of a user
// namespace (rootless podman, Docker's userns-remap, unshare --user) show
// in CapEff and are refused all the same.
package userns

import "strings"

// MapPath is the calling process's UID map.
const MapPath = "/proc/self/uid_map"

// Initial reports whether uidMap, the content of a process's uid_map, is
// the initial user namespace's: every UID mapped onto itself, one line
// "0 0 4294967295".
func Initial(uidMap string) bool {
	lines := strings.Split(strings.TrimSpace(uidMap), "\n")
	if len(lines) != 1 {
		return false
	}
	f := strings.Fields(lines[0])
	return len(f) == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295"
}

// Describe is uidMap in one line, for messages: "0 100000 65536".
func Describe(uidMap string) string {
	return strings.Join(strings.Fields(uidMap), " ")
}
