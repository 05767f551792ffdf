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
//   - The soft RLIMIT_NOFILE, which the runtime raises to the hard limit.
//     os/exec and syscall.Exec put it back for the program they run; a raw
//     execve (the shim's) does not.
//
// A C constructor records both before the runtime starts (it needs cgo;
// without cgo nothing is recorded). Ignored returns the signals as a mask
// that Reignore, in the child, turns back into SIG_IGN before its execve.
package startstate
