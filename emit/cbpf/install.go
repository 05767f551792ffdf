package cbpf

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Seccomp filter flags (SECCOMP_FILTER_FLAG_*) for Install.
const (
	FlagTSYNC     uintptr = 1 << 0
	FlagLog       uintptr = 1 << 1
	FlagSpecAllow uintptr = 1 << 2
	// FlagNewListener makes seccomp(2) return a user-notification fd
	// (SECCOMP_FILTER_FLAG_NEW_LISTENER), for filters compiled with
	// Options.Notify. Install closes nothing: the fd stays open in the
	// calling process (close-on-exec).
	FlagNewListener uintptr = 1 << 3
)

// Install loads the program into the calling thread with
// PR_SET_NO_NEW_PRIVS and seccomp(SECCOMP_SET_MODE_FILTER, flags).
//
// Without FlagTSYNC the filter applies to the calling OS thread only (and
// to everything it execs or forks later). From Go, use it in a re-executed
// child right before execve, on one locked goroutine:
//
//	runtime.LockOSThread()
//	if err := cbpf.Install(prog, 0); err != nil { ... }
//	err := syscall.Exec(path, argv, env) // the new image keeps the filter
//
// The filter must then allow execve (and whatever the Go runtime does on
// that thread between Install and Exec).
func Install(p Program, flags uintptr) error {
	if err := p.Check(); err != nil {
		return err
	}
	filter := make([]unix.SockFilter, len(p))
	for i, in := range p {
		filter[i] = unix.SockFilter{Code: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %w", err)
	}
	return load(&prog, flags)
}

func load(prog *unix.SockFprog, flags uintptr) error {
	_, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags, uintptr(unsafe.Pointer(prog)))
	if errno != 0 {
		return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER): %w", errno)
	}
	return nil
}

// InstallKeepPrivs is Install as runc and crun load a profile when the
// container's noNewPrivileges is false (Docker's and Kubernetes' default):
// without PR_SET_NO_NEW_PRIVS where the kernel allows that (the caller has
// CAP_SYS_ADMIN), so that setuid programs and file capabilities still
// work after execve; with it (Install) otherwise.
func InstallKeepPrivs(p Program, flags uintptr) error {
	if err := p.Check(); err != nil {
		return err
	}
	filter := make([]unix.SockFilter, len(p))
	for i, in := range p {
		filter[i] = unix.SockFilter{Code: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	err := load(&prog, flags)
	if errors.Is(err, unix.EACCES) {
		return Install(p, flags) // no CAP_SYS_ADMIN
	}
	return err
}
