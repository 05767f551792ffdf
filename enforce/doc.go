// Package enforce runs a command under a profile's seccomp filter and
// reports what the filter denied: the engine of `seccomp-gen replay
// --enforce`.
//
// Where it sits: replay's traced mode counts syscalls with the eBPF
// recorder (package trace/recorder), but a sys_enter tracer cannot see
// syscalls that an installed filter already denied. So here the profile
// (a policy.Policy) is compiled by the one compiler, cbpf.Compile, with
// Options.Notify: every denying action becomes SCMP_ACT_NOTIFY, and
// seccomp user notification is the reporting channel.
//
//   - Run(p, argv, IO) re-executes the running binary as a small shim
//     (`ShimName CMD...`, through internal/reexec), sends it the policy,
//     takes the shim's notification fd with pidfd_getfd and supervises:
//     each denied syscall is recorded (ABI, number, name, count, first
//     program) and answered as the profile says under runc (its errno;
//     ENOSYS for SCMP_ACT_TRACE; ENOSYS from runc's stub above the highest
//     syscall the profile names, where crun answers the default: the
//     entry's Crun and Result.Notes say so); kill and trap actions and ABIs the profile does not list are recorded as
//     "would have killed" and answered EPERM so that the run goes on.
//     Descendants that outlive CMD (daemons) keep the filter; Run returns
//     when the last of them has exited. Run is their subreaper, so that
//     IO.Kill (replay --timeout) and a second signal kill the whole tree,
//     double-forked daemons included (internal/proctree).
//   - Shim(argv) is the child side. Every binary that calls Run registers
//     ShimMain under ShimName with internal/reexec and calls reexec.Init
//     first thing in main (seccomp-gen's main does; tests from TestMain);
//     Run refuses to start otherwise. It compiles the filter, loads it
//     (with no_new_privs only without CAP_SYS_ADMIN, as runc does for a
//     container whose noNewPrivileges is false) on the exec'ing thread
//     only (the Go runtime's other threads stay unfiltered), waits until
//     the supervisor holds the listener and execve's CMD. When it cannot
//     (CMD not found, not executable, not a program, the filter not set
//     up), it prints nothing: why goes back to Run on a close-on-exec pipe,
//     and Run returns it as a SetupError for the caller to report once.
//
// The kernel allows one listener per filter chain, so a workload that loads
// a filter of its own with SECCOMP_FILTER_FLAG_NEW_LISTENER gets EBUSY here
// where runc and crun (no listener in their filter) let it have one. No
// supervisor can change that; the filter notifies such seccomp(2) calls
// (cbpf.Options.NotifyNewListener), the supervisor lets them run, counts
// them (Result.OwnListener) and Result.Differs says the run is not a
// container's, for replay to fail it.
//
// If the supervisor dies while the workload runs, the kernel would answer
// every notified syscall ENOSYS; a sentinel process (sentinel.go) holding a
// copy of the listener answers them as the profile says instead.
//
// The shim's own syscalls between loading the filter and its execve are
// not the workload's: the supervisor answers them "continue" and counts
// them in Result.Setup. It tells them apart without looking at /proc: the
// shim's end of the sync pipe is close-on-exec and nowhere else, so while
// the supervisor's end still has a reader the only task under the filter
// is the shim's exec'ing thread. (Recognising the shim by /proc/PID/exe was
// racy: a task that died before the supervisor looked was taken for the
// workload and its syscall reported as a denial.)
//
// Needs no eBPF and no root: only ptrace rights over its own child
// (pidfd_getfd), which any user has unless Yama's ptrace_scope is 2 or more.
package enforce
