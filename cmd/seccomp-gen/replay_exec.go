package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"unsafe"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	seccomp "github.com/seccomp/libseccomp-golang"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// The hidden `seccomp-gen __exec -- CMD...` is the child side of
// `replay --enforce`: it reads the policy (JSON) from fd 3, compiles it with
// libseccomp into a filter whose denying actions are SCMP_ACT_NOTIFY, sets
// no_new_privs, loads the filter on its own thread, waits on fd 4 until the
// supervisor holds the notification fd (it takes it with pidfd_getfd), and
// execve's CMD. Every syscall the profile denies then reaches the supervisor.
const (
	execCmdName  = "__exec"
	execSpecFD   = 3
	execSyncFD   = 4
	execEnvMark  = "SECCOMP_GEN_EXEC=1"
	execGoDebug  = "GODEBUG=asyncpreemptoff=1"
	exitExecFail = 125 // the shim could not set up (like env(1) and docker run)
)

func newExecCmd() *cobra.Command {
	return &cobra.Command{
		Use:    execCmdName + " -- CMD [ARGS...]",
		Hidden: true,
		Args:   cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			code, err := execShim(args)
			return exitWith(code, err)
		},
	}
}

// execShim never returns on success (execve replaces the process).
func execShim(argv []string) (int, error) {
	runtime.LockOSThread()
	spec := os.NewFile(execSpecFD, "spec")
	data, err := io.ReadAll(spec)
	spec.Close()
	if err != nil {
		return exitExecFail, fmt.Errorf("enforce: read policy: %w", err)
	}
	var p policy.Policy
	if err := json.Unmarshal(data, &p); err != nil {
		return exitExecFail, fmt.Errorf("enforce: policy: %w", err)
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return exitNotFound, fmt.Errorf("%s: command not found", argv[0])
	}
	argv0, err := syscall.BytePtrFromString(path)
	if err != nil {
		return exitExecFail, err
	}
	argvp, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return exitExecFail, err
	}
	// The workload gets the environment seccomp-gen was given, without the
	// two entries the supervisor added for the shim.
	var env []string
	for _, e := range os.Environ() {
		if e == execEnvMark || e == execGoDebug {
			continue
		}
		env = append(env, e)
	}
	envp, err := syscall.SlicePtrFromStrings(env)
	if err != nil {
		return exitExecFail, err
	}
	if _, err := unix.FcntlInt(execSyncFD, unix.F_SETFD, unix.FD_CLOEXEC); err != nil {
		return exitExecFail, fmt.Errorf("enforce: sync fd: %w", err)
	}
	filter, err := enforceFilter(&p)
	if err != nil {
		return exitExecFail, err
	}
	prog, err := exportFilter(filter)
	if err != nil {
		return exitExecFail, err
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	var flags uintptr
	if enforceNeedsListener(&p) {
		flags = unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return exitExecFail, fmt.Errorf("enforce: no_new_privs: %w", err)
	}
	// Load the filter on this thread only (libseccomp-golang's Load would
	// sync it to every Go runtime thread, whose own syscalls would then be
	// notified, and whose deaths at execve would leave stale notifications).
	// This thread is the one that execve's CMD; the filter goes with it.
	if _, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags, uintptr(unsafe.Pointer(&fprog))); e != 0 {
		return exitExecFail, fmt.Errorf("enforce: load filter: %w", e)
	}
	runtime.KeepAlive(prog)
	// From here on every syscall of this thread is filtered: only raw
	// syscalls until execve. The supervisor answers the shim's own
	// notifications (it recognises our executable) with "continue".
	var b [1]byte
	for {
		_, _, e := unix.RawSyscall(unix.SYS_READ, execSyncFD, uintptr(unsafe.Pointer(&b[0])), 1)
		if e != unix.EINTR {
			break
		}
	}
	_, _, e := unix.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(argv0)), uintptr(unsafe.Pointer(&argvp[0])), uintptr(unsafe.Pointer(&envp[0])))
	return exitExecFail, fmt.Errorf("%s: execve: %w", argv[0], e)
}

// exportFilter returns the classic BPF program libseccomp generates for f.
func exportFilter(f *seccomp.ScmpFilter) ([]unix.SockFilter, error) {
	fd, err := unix.MemfdCreate("seccomp-gen-filter", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("enforce: memfd: %w", err)
	}
	file := os.NewFile(uintptr(fd), "seccomp-gen-filter")
	defer file.Close()
	if err := f.ExportBPF(file); err != nil {
		return nil, fmt.Errorf("enforce: export filter: %w", err)
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("enforce: export filter: %w", err)
	}
	raw, err := io.ReadAll(file)
	if err != nil {
		return nil, fmt.Errorf("enforce: export filter: %w", err)
	}
	const insn = 8 // sizeof(struct sock_filter)
	if len(raw) == 0 || len(raw)%insn != 0 || len(raw)/insn > 4096 {
		return nil, fmt.Errorf("enforce: export filter: %d bytes is not a BPF program", len(raw))
	}
	prog := make([]unix.SockFilter, len(raw)/insn)
	for i := range prog {
		b := raw[i*insn:]
		prog[i] = unix.SockFilter{
			Code: binary.NativeEndian.Uint16(b[0:2]),
			Jt:   b[2],
			Jf:   b[3],
			K:    binary.NativeEndian.Uint32(b[4:8]),
		}
	}
	return prog, nil
}

// enforceNeedsListener reports whether the enforce filter of p has any
// SCMP_ACT_NOTIFY action, that is whether p denies anything.
func enforceNeedsListener(p *policy.Policy) bool {
	if !allowingAction(p.DefaultAction) {
		return true
	}
	for _, r := range p.Rules {
		if !allowingAction(r.Action) {
			return true
		}
	}
	return false
}

func allowingAction(a policy.Action) bool { return a == policy.ActAllow || a == policy.ActLog }

func enforceAction(a policy.Action) seccomp.ScmpAction {
	switch a {
	case policy.ActAllow:
		return seccomp.ActAllow
	case policy.ActLog:
		return seccomp.ActLog
	}
	return seccomp.ActNotify
}

// enforceFilter compiles p with libseccomp, every denying action (errno,
// kill, trap, trace) turned into SCMP_ACT_NOTIFY, every ABI p does not list
// answered with SCMP_ACT_NOTIFY too (the supervisor reports it as "would
// have killed", which is what runtimes do to other ABIs).
func enforceFilter(p *policy.Policy) (*seccomp.ScmpFilter, error) {
	def := enforceAction(p.DefaultAction)
	f, err := seccomp.NewFilter(def)
	if err != nil {
		return nil, fmt.Errorf("enforce: filter: %w", err)
	}
	if len(p.Arches) == 0 {
		return nil, errors.New("enforce: the profile lists no architectures")
	}
	native, err := seccomp.GetNativeArch()
	if err != nil {
		return nil, fmt.Errorf("enforce: %w", err)
	}
	keepNative := false
	for _, a := range p.Arches {
		la, err := scmp.LibArch(a)
		if err != nil {
			return nil, fmt.Errorf("enforce: %w", err)
		}
		if la == native {
			keepNative = true
			continue
		}
		if err := f.AddArch(la); err != nil {
			return nil, fmt.Errorf("enforce: arch %s: %w", a, err)
		}
	}
	if !keepNative {
		if err := f.RemoveArch(native); err != nil {
			return nil, fmt.Errorf("enforce: %w", err)
		}
	}
	if enforceNeedsListener(p) {
		if err := f.SetBadArchAction(seccomp.ActNotify); err != nil {
			return nil, fmt.Errorf("enforce: bad-arch action: %w", err)
		}
	} else if err := f.SetBadArchAction(seccomp.ActKillProcess); err != nil {
		return nil, fmt.Errorf("enforce: bad-arch action: %w", err)
	}
	// The first unconditional rule naming a syscall decides it (as
	// policy.Lookup does); conditional rules apply only to syscalls no
	// unconditional rule names.
	decided := map[string]bool{}
	for _, r := range p.Rules {
		if len(r.Args) > 0 {
			continue
		}
		for _, n := range r.Names {
			if decided[n] {
				continue
			}
			decided[n] = true
			if err := addEnforceRule(f, n, enforceAction(r.Action), def, nil); err != nil {
				return nil, err
			}
		}
	}
	for _, r := range p.Rules {
		if len(r.Args) == 0 {
			continue
		}
		var conds []seccomp.ScmpCondition
		for _, a := range r.Args {
			c, err := seccomp.MakeCondition(a.Index, compareOp(a.Op), a.Value, a.ValueTwo)
			if err != nil {
				return nil, fmt.Errorf("enforce: %s argument %d: %w", r.Names[0], a.Index, err)
			}
			conds = append(conds, c)
		}
		for _, n := range r.Names {
			if decided[n] {
				continue
			}
			if err := addEnforceRule(f, n, enforceAction(r.Action), def, conds); err != nil {
				return nil, err
			}
		}
	}
	return f, nil
}

func addEnforceRule(f *seccomp.ScmpFilter, name string, act, def seccomp.ScmpAction, conds []seccomp.ScmpCondition) error {
	if act == def {
		return nil
	}
	nr, err := seccomp.GetSyscallFromName(name)
	if err != nil {
		// Not a syscall libseccomp knows on any ABI: runtimes skip it too.
		return nil
	}
	if conds == nil {
		err = f.AddRule(nr, act)
	} else {
		err = f.AddRuleConditional(nr, act, conds)
	}
	if err != nil {
		return fmt.Errorf("enforce: rule %s: %w", name, err)
	}
	return nil
}

func compareOp(op policy.Op) seccomp.ScmpCompareOp {
	switch op {
	case policy.OpNotEqual:
		return seccomp.CompareNotEqual
	case policy.OpLessThan:
		return seccomp.CompareLess
	case policy.OpLessEqual:
		return seccomp.CompareLessOrEqual
	case policy.OpEqualTo:
		return seccomp.CompareEqual
	case policy.OpGreaterEqual:
		return seccomp.CompareGreaterEqual
	case policy.OpGreaterThan:
		return seccomp.CompareGreater
	case policy.OpMaskedEqual:
		return seccomp.CompareMaskedEqual
	}
	return seccomp.CompareInvalid
}
