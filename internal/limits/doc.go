// Package limits checks resource limits before work that needs more than
// they allow starts, and says how to raise them.
//
// The open files limit (RLIMIT_NOFILE): the recorder's maps, programs and
// links, the enforcer's pipes and pidfds. Run out midway, the kernel's
// EMFILE comes back in other words (cilium/ebpf reports a failed feature
// probe as "not supported"), or the Go runtime dies at its first file
// (epoll_create).
//
// The process limit (RLIMIT_NPROC, which counts every thread of the real
// user): the Go runtime aborts with a stack dump when it cannot start a
// thread (pthread_create: EAGAIN).
package limits
