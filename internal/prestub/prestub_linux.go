//go:build linux && cgo

package prestub

/*
#include "prestub.h"
*/
import "C"

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Linked says the constructor is in this binary.
const Linked = true

var (
	mu    sync.Mutex
	taken bool
)

// forked is what the constructor did: the child's PID and the control
// socket (0 and -1: none), and why it could not fork one it wanted to.
func forked() (pid, ctl int, errno syscall.Errno) {
	return int(C.prestub_pid), int(C.prestub_ctl), syscall.Errno(C.prestub_errno)
}

// Take returns the child the constructor forked, the first time it is
// called; nil when there is none (the command line was not a trace or
// replay of a command, SECCOMP_GEN_PRESTUB=off, the fork failed) or it
// was taken already. The caller Starts or Releases it.
func Take() *Child {
	mu.Lock()
	defer mu.Unlock()
	if taken {
		return nil
	}
	taken = true
	pid, fd, _ := forked()
	if pid <= 0 || fd < 0 {
		return nil
	}
	ctl := os.NewFile(uintptr(fd), "prestub")
	p, err := os.FindProcess(pid)
	if err != nil {
		ctl.Close()
		return nil
	}
	return &Child{Process: p, ctl: ctl}
}

// Discard releases the child if nobody took it: for a process that will
// not start a command (a trace of a PID or cgroup).
func Discard() {
	if c := Take(); c != nil {
		c.Release()
	}
}

// Child is the process the constructor forked, waiting for its spec.
type Child struct {
	// Process is the child; Wait reaps it (it is this process's child).
	Process *os.Process
	ctl     *os.File
}

// Spec is what the child needs to be the recorder's stub.
type Spec struct {
	// Path is the program to execve, with Argv and Env (Env as os/exec
	// passes a command's: the last value of a name wins).
	Path string
	Argv []string
	Env  []string
	// Dir, when set, is the command's working directory.
	Dir string
	// Files are the command's descriptors from 0 on (stdin, stdout,
	// stderr, then os/exec's ExtraFiles), followed by the stub's two:
	// the gate's read end and the ready pipe's write end.
	Files []*os.File
	// Masks: Ignored and Blocked are the signals to ignore again and the
	// signal mask to set before the execve (internal/startstate).
	Masks            bool
	Ignored, Blocked uint64
}

// ErrGone: the child exited before it took its spec (a signal killed it).
var ErrGone = errors.New("the prepared stub process is gone")

// Usable says whether s can be sent at all: at most 253 descriptors (the
// kernel's SCM_MAX_FD), none nil, and no NUL in a string (os/exec refuses
// those; the caller lets it say so).
func (s *Spec) Usable() bool {
	if len(s.Files) < 5 || len(s.Files) > C.PRESTUB_MAX_FDS || len(s.Argv) == 0 {
		return false
	}
	for _, f := range s.Files {
		if f == nil {
			return false
		}
	}
	for _, list := range [][]string{{s.Path, s.Dir}, s.Argv, s.Env} {
		for _, v := range list {
			if strings.IndexByte(v, 0) >= 0 {
				return false
			}
		}
	}
	return true
}

// Start hands the child its spec and returns once it has its descriptors
// and directory: from then on it is the stub (at its gate: it writes one
// byte to the ready pipe, waits for one on the gate, then execs). On an
// error the child is reaped; a *os.PathError says a Dir it could not
// enter, ErrGone a child that was killed.
func (c *Child) Start(s Spec) error {
	defer c.ctl.Close()
	if !s.Usable() {
		c.reap()
		return errors.New("prestub: spec not usable")
	}
	env := dedupEnv(s.Env)
	var strs bytes.Buffer
	for _, v := range append(append([]string{s.Path, s.Dir}, s.Argv...), env...) {
		strs.WriteString(v)
		strs.WriteByte(0)
	}
	var flags uint32
	if s.Masks {
		flags |= C.PRESTUB_MASKS
	}
	// The C struct itself, its bytes as the child reads them: no offsets
	// written twice.
	h := C.struct_prestub_hdr{
		magic:   C.PRESTUB_MAGIC,
		nfds:    C.uint32_t(len(s.Files)),
		len:     C.uint32_t(strs.Len()),
		nargv:   C.uint32_t(len(s.Argv)),
		nenv:    C.uint32_t(len(env)),
		flags:   C.uint32_t(flags),
		ignored: C.uint64_t(s.Ignored),
		blocked: C.uint64_t(s.Blocked),
	}
	hdr := unsafe.Slice((*byte)(unsafe.Pointer(&h)), C.sizeof_struct_prestub_hdr)
	fds := make([]int, len(s.Files))
	for i, f := range s.Files {
		fds[i] = int(f.Fd()) // as os.StartProcess takes them
	}
	err := c.send(hdr, unix.UnixRights(fds...), strs.Bytes())
	runtime.KeepAlive(s.Files)
	if err != nil {
		c.reap()
		return err
	}
	var st [4]byte
	if _, err := io.ReadFull(c.ctl, st[:]); err != nil {
		c.reap()
		return ErrGone
	}
	switch status := int32(binary.NativeEndian.Uint32(st[:])); {
	case status == 0:
		return nil
	case status > 0 && s.Dir != "":
		c.reap()
		return &os.PathError{Op: "chdir", Path: s.Dir, Err: syscall.Errno(status)}
	case status > 0:
		c.reap()
		return fmt.Errorf("prestub: %w", syscall.Errno(status))
	default:
		c.reap()
		return errors.New("prestub: the child could not read its spec")
	}
}

// send writes the header with the descriptors, then the strings.
func (c *Child) send(hdr, rights, strs []byte) error {
	rc, err := c.ctl.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Write(func(fd uintptr) bool {
		for {
			serr = unix.Sendmsg(int(fd), hdr, rights, nil, unix.MSG_NOSIGNAL)
			if serr != unix.EINTR {
				return true
			}
		}
	}); err != nil {
		return err
	}
	if serr != nil {
		if errors.Is(serr, syscall.EPIPE) || errors.Is(serr, syscall.ECONNRESET) {
			return ErrGone
		}
		return fmt.Errorf("prestub: %w", serr)
	}
	if _, err := c.ctl.Write(strs); err != nil {
		return ErrGone
	}
	return nil
}

// Release lets the child exit without running anything, and reaps it.
func (c *Child) Release() {
	c.ctl.Close()
	c.reap()
}

func (c *Child) reap() {
	_, _ = c.Process.Wait()
}

// dedupEnv is env as os/exec passes a command's: for a name given more
// than once, the last value, in the last one's place.
func dedupEnv(env []string) []string {
	seen := make(map[string]bool, len(env))
	out := make([]string, 0, len(env))
	for i := len(env) - 1; i >= 0; i-- {
		kv := env[i]
		eq := strings.Index(kv, "=")
		if eq == 0 {
			eq = strings.Index(kv[1:], "=") + 1 // "=C:=...": a name that starts with "="
		}
		if eq < 0 {
			if kv != "" {
				out = append(out, kv) // not name=value: kept as it is, as os/exec does
			}
			continue
		}
		if seen[kv[:eq]] {
			continue
		}
		seen[kv[:eq]] = true
		out = append(out, kv)
	}
	slices.Reverse(out)
	return out
}
