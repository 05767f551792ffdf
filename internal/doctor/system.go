package doctor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/abi"
	"github.com/seccomp-gen/seccomp-gen/internal/ia32"
	"github.com/seccomp-gen/seccomp-gen/internal/kver"
	"github.com/seccomp-gen/seccomp-gen/internal/limits"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// System is every question doctor asks the machine. Host answers them for
// real; a test embeds Host and overrides what it wants to fail.
type System interface {
	// ReadFile reads a file (/proc, /sys and /run).
	ReadFile(name string) ([]byte, error)
	// Stat stats a file.
	Stat(name string) (fs.FileInfo, error)
	// FSType returns statfs(2)'s f_type for path.
	FSType(path string) (int64, error)
	// OpenFiles returns the open files limit (RLIMIT_NOFILE) and how many
	// descriptors are open already (limits.OpenDescriptors; 0 if unknown).
	OpenFiles() (l limits.Limit, open uint64, err error)
	// Tasks returns RLIMIT_NPROC and the threads the user runs (ok:
	// the limit applies; limits.Tasks).
	Tasks() (l limits.Limit, used uint64, ok bool)
	// Uname returns the kernel release and machine.
	Uname() (release, machine string, err error)
	// LookPath finds a program on PATH.
	LookPath(name string) (string, error)
	// Version runs `path --version` and returns its first line.
	Version(path string) (string, error)
	// RawTracepoint loads a minimal program and attaches it to the raw
	// tracepoint name, then detaches it.
	RawTracepoint(name string) error
	// SeccompNotify asks seccomp(2) for user notification
	// (SECCOMP_GET_NOTIF_SIZES and SECCOMP_RET_USER_NOTIF), and whether a
	// filter with a listener can be loaded under the filters this process
	// runs under (EBUSY when one of them has a listener already).
	SeccompNotify() error
	// X32 makes an x32 getpid call; an error means the kernel refuses x32.
	X32() error
	// IA32 runs a tiny 32-bit program that exits through int 0x80
	// (internal/ia32); an error means the kernel does not run it.
	IA32() error
	// TypesCache says whether trace can use the kernel types cache
	// (recorder.CheckKernelTypesCache).
	TypesCache() error
	// Pool says where prepared recorders are ("": the pool is off) and
	// how many are ready for this binary (recorder.PoolReady).
	Pool() (dir string, ready int, err error)
	// Libseccomp returns libseccomp's version and its syscall tables.
	Libseccomp() Library
	// TrialTrace traces a short command with seccomp-gen's recorder and
	// says how it followed a traced task's new tasks
	// (recorder.Started.Children).
	TrialTrace(ctx context.Context) (children string, err error)
}

// Library is what doctor needs from libseccomp.
type Library interface {
	Version() string
	// MaxNr is the highest syscall number known on a trace arch.
	MaxNr(arch string) (int, error)
	// Known reports whether libseccomp knows a syscall called name on any
	// architecture.
	Known(name string) bool
}

// Host is the real machine.
type Host struct {
	// TrialCommand is what TrialTrace traces; empty means `true` from PATH.
	TrialCommand []string
}

var _ System = Host{}

func (Host) ReadFile(name string) ([]byte, error)  { return os.ReadFile(name) }
func (Host) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }
func (Host) LookPath(name string) (string, error)  { return exec.LookPath(name) }

func (Host) OpenFiles() (limits.Limit, uint64, error) {
	l, err := limits.OpenFiles()
	if err != nil {
		return l, 0, err
	}
	open, err := limits.OpenDescriptors()
	if err != nil {
		open = 0
	}
	return l, open, nil
}

func (Host) Tasks() (limits.Limit, uint64, bool) { return limits.Tasks() }

func (Host) FSType(path string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, err
	}
	return int64(st.Type), nil
}

func (Host) Uname() (string, string, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", "", err
	}
	return unix.ByteSliceToString(u.Release[:]), unix.ByteSliceToString(u.Machine[:]), nil
}

// versionTimeout is how long doctor waits for a tool's --version.
var versionTimeout = 10 * time.Second

func (Host) Version(path string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), versionTimeout)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, "--version")
	cmd.Stderr = &stderr
	// Killed at the timeout, the tool's children (a script's sleep) may
	// hold its output open: stop waiting for them too.
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if ctx.Err() != nil {
		return first, fmt.Errorf("no answer in %s (killed)", versionTimeout)
	}
	if err != nil {
		// Its own words say why (podman as a user whose $HOME it
		// cannot read: "stat /root/.config/containers/storage.conf:
		// permission denied"), not only "exit status 1".
		if why, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n"); why != "" {
			return first, fmt.Errorf("%w: %s", err, why)
		}
		return first, err
	}
	if first == "" {
		return "", errors.New("it printed no version")
	}
	return first, nil
}

// raiseMemlock lifts RLIMIT_MEMLOCK before Linux 5.11, where BPF memory is
// charged to it, as cilium/ebpf/rlimit.RemoveMemlock does; that package is
// not linked because its initializer probes the kernel with a BPF map at
// every start of the binary (see trace/recorder: raiseMemlock).
func raiseMemlock() {
	if kver.AtLeast(5, 11) {
		return
	}
	_ = unix.Setrlimit(unix.RLIMIT_MEMLOCK, &unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY})
}

func (Host) RawTracepoint(name string) error {
	raiseMemlock()
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         ebpf.RawTracepoint,
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()},
		License:      "GPL",
	})
	if err != nil {
		return fmt.Errorf("load program: %w", kernelAnswer(err))
	}
	defer prog.Close()
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: name, Program: prog})
	if err != nil {
		return fmt.Errorf("attach: %w", kernelAnswer(err))
	}
	return l.Close()
}

// kernelAnswer is the errno inside a cilium/ebpf error, which wraps it in
// its own words and advice ("load program: operation not permitted
// (MEMLOCK may be too low, consider rlimit.RemoveMemlock)", advice that is
// wrong since Linux 5.11 and for a caller without CAP_BPF); err itself if
// it holds none.
func kernelAnswer(err error) error {
	var errno unix.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return err
}

// seccomp(2) operations and the user notification action.
const (
	seccompGetActionAvail = 2
	seccompGetNotifSizes  = 3
	seccompRetUserNotif   = 0x7fc00000
)

func (Host) SeccompNotify() error {
	var sizes [3]uint16
	if _, _, e := unix.Syscall(unix.SYS_SECCOMP, seccompGetNotifSizes, 0, uintptr(unsafe.Pointer(&sizes))); e != 0 {
		return fmt.Errorf("SECCOMP_GET_NOTIF_SIZES: %w", e)
	}
	action := uint32(seccompRetUserNotif)
	if _, _, e := unix.Syscall(unix.SYS_SECCOMP, seccompGetActionAvail, 0, uintptr(unsafe.Pointer(&action))); e != 0 {
		return fmt.Errorf("SECCOMP_RET_USER_NOTIF: %w", e)
	}
	return newListener()
}

// newListener loads a filter that allows everything, with a listener
// (SECCOMP_FILTER_FLAG_NEW_LISTENER), as replay --enforce's shim does: the
// kernel refuses it with EBUSY where a filter the process runs under has a
// listener already. A filter and no_new_privs apply to the calling thread
// only, and that thread is locked to its goroutine and never unlocked: Go
// ends it with the goroutine, and with it the filter. Not the main
// thread, which Go keeps (wedged) when a goroutine locked to it exits: a
// probe that landed there left doctor's process filtered (the adversarial
// review). There it is held while another thread probes, then given back
// as it was.
func newListener() error {
	done := make(chan error, 1)
	go listenerThread(done)
	return <-done
}

func listenerThread(done chan<- error) {
	runtime.LockOSThread()
	if unix.Gettid() == unix.Getpid() {
		// No other goroutine runs on this thread while it is locked.
		inner := make(chan error, 1)
		go listenerThread(inner)
		err := <-inner
		runtime.UnlockOSThread()
		done <- err
		return
	}
	// Never unlocked from here on: the thread exits.
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		done <- fmt.Errorf("no_new_privs: %w", err)
		return
	}
	allow := []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW}}
	prog := unix.SockFprog{Len: 1, Filter: &allow[0]}
	fd, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_NEW_LISTENER, uintptr(unsafe.Pointer(&prog)))
	if e != 0 {
		done <- fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER) with a listener: %w", e)
		return
	}
	unix.Close(int(fd))
	done <- nil
}

// x32Bit marks an x32 syscall number on x86_64.
const x32Bit = int(abi.X32SyscallBit)

func (Host) X32() error {
	if runtime.GOARCH != "amd64" {
		return errors.ErrUnsupported
	}
	const getpid = 39 // x32 shares the x86_64 number
	if _, _, e := unix.RawSyscall(uintptr(getpid|x32Bit), 0, 0, 0); e != 0 {
		return e
	}
	return nil
}

func (Host) IA32() error { return ia32.Runs() }

func (Host) Libseccomp() Library { return libseccomp{} }

func (Host) TypesCache() error { return recorder.CheckKernelTypesCache() }

func (Host) Pool() (string, int, error) { return recorder.PoolReady() }

type libseccomp struct{}

func (libseccomp) Version() string                { return scmp.LibraryVersion() }
func (libseccomp) MaxNr(arch string) (int, error) { return scmp.MaxNr(arch) }
func (libseccomp) Known(name string) bool         { return scmp.KnownAnywhere(name) }

func (h Host) TrialTrace(ctx context.Context) (string, error) {
	argv := h.TrialCommand
	if len(argv) == 0 {
		p, err := exec.LookPath("true")
		if err != nil {
			return "", fmt.Errorf("trial command: %w", err)
		}
		argv = []string{p}
	}
	var stderr bytes.Buffer
	var children string
	rec, err := recorder.Record(ctx, recorder.Options{
		Command: argv,
		Stdin:   nil,
		Stdout:  io.Discard,
		Stderr:  &stderr,
		Namer:   scmp.Tables{},
		OnStart: func(s recorder.Started) { children = s.Children },
	})
	if err != nil {
		return "", err
	}
	if !rec.Exited || rec.ExitStatus != 0 {
		return "", fmt.Errorf("%s did not exit 0 under the recorder: %s", argv[0], strings.TrimSpace(stderr.String()))
	}
	if len(rec.File.Syscalls) == 0 {
		return "", fmt.Errorf("the recorder counted no syscall of %s", argv[0])
	}
	if rec.File.Lost > 0 {
		return "", fmt.Errorf("the recorder lost %d syscalls of %s", rec.File.Lost, argv[0])
	}
	return children, nil
}
