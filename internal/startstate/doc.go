// Package startstate keeps what the process inherited that the Go runtime
// changes as it starts, so that a command seccomp-gen starts (trace's stub,
// replay --enforce's shim) inherits what seccomp-gen did, as it would when
// run bare:
//
//   - The signals it was started with ignored. The runtime installs its own
//     handlers for most of them (all but SIGHUP and SIGINT), and a handler
//     is reset to the default, not to "ignored", by fork in os/exec and by
//     execve: a command started with SIGPIPE or SIGUSR1 ignored would get
//     them back at their defaults (a write to a closed pipe kills it).
//   - The signal mask. The runtime unblocks the signals it handles in every
//     thread, and os/exec's fork child inherits the forking thread's mask.
//   - The soft RLIMIT_NOFILE, which the runtime raises to the hard limit.
//     os/exec and syscall.Exec put it back for the program they run; a raw
//     execve (the shim's) does not.
//   - Which of stdin, stdout and stderr were closed. The runtime opens
//     /dev/null (read-write) on each, so a write to a closed stdout would
//     succeed and vanish (Closed).
//
// A C constructor records them before the runtime starts (it needs cgo;
// without cgo nothing is recorded). Ignored and Blocked return signal
// masks that Reignore and SetMask, in the child, apply again before its
// execve.
package startstate
