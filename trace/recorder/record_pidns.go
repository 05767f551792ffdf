package recorder

import (
	"fmt"
	"os"
	"strconv"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/bpf"
)

// initPIDNamespace is the inode number of the initial PID namespace's
// nsfs file: a constant of the kernel (PROC_PID_INIT_INO,
// include/linux/proc_ns.h), the same on every boot.
const initPIDNamespace = 0xEFFFFFFC

// pidNamespaceHook, when set (by tests), replaces /proc/self/ns/pid.
var pidNamespaceHook string

// setPIDNamespace tells the programs which PID namespace the tracer is in
// when it is not the initial one: seccomp-gen in a container or under
// `unshare --pid`. The IDs it hands them (the stub it arms, the --pid
// target) and reads back (an executable's first process, opened through
// /proc) are that namespace's, while task->tgid in the kernel is the
// initial namespace's; the programs translate at an exec and an exit
// (recorder.c, tracer_tgid). Without it the command's execve did not match
// the armed stub: the command ran untraced and the trace came out empty.
func (r *recorder) setPIDNamespace(spec *ebpf.CollectionSpec) error {
	name := "/proc/self/ns/pid"
	if pidNamespaceHook != "" {
		name = pidNamespaceHook
	}
	var st unix.Stat_t
	if err := unix.Stat(name, &st); err != nil {
		return fmt.Errorf("eBPF recorder: its PID namespace: %w", err)
	}
	if st.Ino == initPIDNamespace {
		return nil
	}
	if err := spec.Variables[bpf.RecorderVarCfgPidnsIno].Set(uint32(st.Ino)); err != nil {
		return fmt.Errorf("eBPF recorder: %w", err)
	}
	r.pidns = true
	return nil
}

// procIsOwn says whether /proc shows processes as seccomp-gen's PID
// namespace numbers them: --pid and --cgroup find the target's threads,
// children and executables there by those numbers. Under `unshare --pid
// --fork` without --mount-proc it is the parent namespace's, where the
// same number is another process (whose executable the trace then named).
func procIsOwn() error {
	self, err := os.Readlink("/proc/self")
	if err != nil {
		return fmt.Errorf("/proc: %w", err)
	}
	if self != strconv.Itoa(os.Getpid()) {
		return fmt.Errorf("/proc is not this PID namespace's (it shows seccomp-gen as process %s, seccomp-gen is %d here): --pid and --cgroup read the target's processes there by their IDs; mount this namespace's /proc (unshare --pid --fork --mount-proc)", self, os.Getpid())
	}
	return nil
}
