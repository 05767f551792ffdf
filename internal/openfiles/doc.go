// Package openfiles checks the open files limit (RLIMIT_NOFILE) before
// work that needs many descriptors starts: the recorder's maps, programs
// and links, the enforcer's pipes and pidfds. Run out midway, the kernel's
// EMFILE comes back wrapped in other words (cilium/ebpf reports a failed
// feature probe as "not supported") or the Go runtime dies at its first
// file (epoll_create), so it is said once, up front, with the fix.
package openfiles
