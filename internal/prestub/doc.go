// Package prestub forks, before the Go runtime starts, the process that a
// trace or replay of a command will run the command in. The recorder's stub
// (trace/recorder) was this binary re-executed: a fork and an exec of a
// 15 MB binary started after the command line was read, 0.5-1.9 ms of its
// own and as much CPU taken from the recorder's claim and attach on a
// 2-core machine, most of it on the way from seccomp-gen's launch to the
// command's main (issue 13). A C constructor forks instead, when the
// process holds little more than the C library: the child exists before
// the Go runtime does, and waits.
//
// When: the command line is `trace ... -- CMD` or `replay ... -- CMD`
// (argv[1] and a "--" with something after it), unless SECCOMP_GEN_PRESTUB
// is "off". That is a guess made before the flags are read; a child that
// is not wanted after all (a usage error, --pid or --cgroup, a stream that
// os/exec would have to copy through a pipe) is released (Discard,
// Release), or goes when seccomp-gen exits and its end of the control
// socket closes.
//
// What the child does: it waits on a Unix stream socket for its spec
// (Spec: the program, argv, environment, directory, the signal state to
// restore, and the command's descriptors, passed with SCM_RIGHTS), puts
// the descriptors at 0, 1, 2, ... as os/exec puts a command's, enters the
// directory, answers (0, or the errno of chdir), and is the stub from then
// on: one byte on the ready pipe, wait at the gate, restore the signals
// ignored and the mask seccomp-gen started with, execve
// (prestub_gate_exec, which the re-executed stub's C fast path in
// cmd/seccomp-gen shares). EOF on the socket before a spec: it exits 0,
// silently. EOF on the gate: the tracer died before it was ready, and the
// command is never run untraced (exit 125, as the stub).
//
// Why it is the same process for the command as the stub was: it is
// seccomp-gen's child (Wait reaps it through a pidfd), in its process
// group and session, with its credentials and limits as they were at the
// start (the Go runtime raises RLIMIT_NOFILE's soft limit later; os/exec
// restores it for its children), its signal dispositions and mask as
// seccomp-gen started with them (no Go handler was ever installed in it),
// and no descriptor the Go side opened: those that seccomp-gen inherited
// without close-on-exec stay open in both, as they do through os/exec.
// The recorder arms its PID before the gate opens, as the stub's: its
// syscalls before the execve are not the command's and are not counted.
//
// Its priority (101) runs the constructor before internal/prefault's (102),
// whose mapping of the binary the child would only drop at its execve;
// its control socket is never on descriptor 0, 1 or 2, which
// internal/startstate looks at after it. Only on Linux with cgo; elsewhere
// Take returns nil and the stub is re-executed.
package prestub

// Env, set to "off", keeps the constructor from forking (the stub is this
// binary re-executed, as before): for comparisons and tests.
const Env = "SECCOMP_GEN_PRESTUB"
