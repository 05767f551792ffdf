// Package recorder is the first stage of seccomp-gen's pipeline: it records
// which syscalls a workload makes, with eBPF programs that count them in
// the kernel, and returns them as a trace.File (package trace, the file
// model every later stage reads).
//
//	workload ──► recorder.Record (eBPF, counts in the kernel) ──► trace.File (YAML) ──► reduce
//
// It is Linux-only and links cilium/ebpf; nothing that only reads traces
// imports it (internal/purity_test.go checks that).
//
// # Record
//
// Record(ctx, Options) traces exactly one target and returns a *Recording
// (the trace.File, the command's exit status, the syscalls libseccomp
// could not name, and why the recording ended):
//
//   - Options.Command: start a command and trace it from its first execve,
//     with every thread and descendant, until all of them have exited.
//     Command[0] is looked up in PATH; a missing command is a
//     *CommandError with Status 127 (126: not executable) and nothing runs.
//     Options.Wrapper runs a program first (argv Wrapper ++ Command) that
//     must execve(2) the command as its last step; nothing the wrapper does
//     is counted. Dir, Env, Stdin/Stdout/Stderr and ExtraFiles are as in
//     os/exec.
//   - Options.PID: a running process, its threads, the processes already
//     below it (a server's pre-forked workers: found in /proc and counted
//     in Recording.Descendants) and its future descendants, until they have all exited.
//     With Options.FromExec nothing is counted until the process's next
//     execve (a container's init process, armed by the OCI hook while the
//     runtime sets the container up).
//   - Options.Cgroup: every task in a cgroup v2 directory and below it,
//     until the cgroup, once populated, is empty again (Options.Populated:
//     it was populated before Record; Started.Empty: it is empty at the
//     start, and the recording waits for a task to enter it). With
//     Options.ExecJoins a task that joins the cgroup later from outside (a
//     runtime's exec set-up) is counted from its next execve only.
//
// Options.Duration and cancelling ctx end a recording early; the trace is
// still returned and a command still running keeps running, untraced. A
// ctx cancelled before the command's execve returns ErrInterrupted, and
// the command is not run.
// Options.Progress receives live Stats; Options.OnStart receives the
// command's PID and the IDs of the BPF links once everything is attached.
// Options.Namer names syscalls (scmp.Tables implements it; this package
// has no cgo).
//
// # The stub
//
// A command is started through a stub: Record re-executes the running
// binary as Stub (registered under StubName with internal/reexec), which
// waits at a gate until the recorder is attached and armed, then execs the
// command; if the tracer dies first, the stub exits 125 and never runs it.
// So every binary that records a Command registers the stub once, first
// thing in main (and in TestMain):
//
//	reexec.Register(recorder.StubName, recorder.Stub)
//	reexec.Register(recorder.PrepareName, recorder.Prepare)
//	if status, ok := reexec.Init(); ok {
//		os.Exit(status)
//	}
//
// Record refuses to start a command when the stub is not registered.
//
// A binary whose command line was `trace ... -- CMD` or `replay ... --
// CMD` has a stub already: internal/prestub forked it before the Go
// runtime started, and Record gives it the command (its program, argv,
// environment, directory and descriptors) instead of re-executing the
// binary; it then behaves as the re-executed stub at its gate. Record
// re-executes the binary where there is no such child, or where the
// command's streams are not files (os/exec's pipes).
//
// # Prepared recorders
//
// A recording of a command ends by starting a helper (Prepare, registered
// under PrepareName next to the stub) that loads the next trace's recorder
// and pins it, unattached, in PoolDir; the next trace claims it instead of
// loading its own (record_pool.go). A binary that does not register the
// helper still claims what another prepared for it, and loads its own
// otherwise.
//
// cmd/seccomp-gen also links a C copy of the stub (stub_fast.go) that runs
// as a C constructor (from the dynamic loader, or from libc's start-up in
// the static build), before the Go runtime starts: same
// arguments, messages and exit statuses, ready at its gate in well under a
// millisecond instead of the 3-4 ms a Go process start takes. The Go Stub
// stays the reference (and what test binaries run).
//
// Options.OnPhase sees the start's phases (the Phase constants); `seccomp-gen
// trace` prints them with SECCOMP_GEN_TIMING=1 and the bench breaks the
// start down with them (BENCHMARKS.md, "Where the start goes").
//
// Errors a user can act on wrap ErrPermission (which capabilities are
// missing), ErrUnsupported (no BTF, no tracepoint, verifier refusal),
// ErrCommandNotFound, ErrCommandNotRun, ErrNoProcess (also a zombie),
// ErrNotCgroup2 (also a path that does not exist), ErrOptions (also a
// kernel thread as PID) and ErrInterrupted.
//
// # How it works
//
// The eBPF programs live in package bpf (recorder.c). A raw tracepoint on
// sys_enter looks the current task up in task-local storage, which rejects
// every untraced task of the machine after one cheap lookup and can never
// be inherited by a reused PID; for a command it starts, it answers a
// task's syscall from a per-CPU note of the same task's previous one
// (recorder.c, note_cpu_task: keyed by the task's pt_regs address, void
// after any traced fork, exec or exit); traced tasks increment a per-CPU counter
// indexed by (ABI, nr). On x86_64 the ABI comes from TS_COMPAT in
// thread_info.status (int 0x80 and 32-bit programs: x86) and the
// 0x40000000 bit (x32); on arm64 from the AArch32 bit of PSTATE (arm).
// Numbers beyond the 1024 slots of an ABI (a program's syscall(-1) or
// syscall(5000) probe) are counted in a small hash map by their 32 bits,
// 64 distinct ones at most (beyond that, in lost).
// sched_process_fork marks the children and threads of traced tasks (at
// the fork, from a tp_btf program loaded with the cached BTF ID of the
// tracepoint's type, record_forkbtf.go; without it they take the mark at
// their first syscall), sched_process_exit unmarks
// them, and sched_process_exec starts a command (see record_target.go for how the command is started so that
// nothing escapes and nothing else is counted). The links are file
// descriptors, never pinned: a tracer that dies, even by SIGKILL, leaves
// nothing attached, and they are closed as soon as the target is gone
// because every syscall on the machine pays for them while attached.
// Executables (record_exes.go): sched_process_exec notes the file a traced
// task exec'd (bprm->filename) in exe_paths with an index into
// exe_syscalls, kept in the task's mark (inherited at fork through its
// pending entry); sys_enter sets one bit per (executable, ABI, nr), a lookup
// and a load once the bit is set. User space identifies each file (build
// ID, else sha256) for the trace's executables list, only if it has the
// device and inode number sched_process_exec noted of bprm->file.
// The CO-RE fixups the programs need (record_core.go) are computed from
// the kernel's BTF once per boot and cached in /run/seccomp-gen
// (record_btf.go), with
// the kernel's BTF IDs that let sys_enter read task->bpf_storage through
// bpf_rdonly_cast (record_kfunc.go; the trusted read without them), and
// cfg_argmask, per executable (record_argmask.go).
package recorder
