package enforce

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/internal/reexec"
)

// The sentinel keeps the profile's answers when the supervisor dies.
//
// A syscall the filter sends to a listener that is gone fails with ENOSYS
// (the kernel's answer; no flag changes it), not with the profile's errno:
// a workload whose supervisor was killed (SIGKILL, the OOM killer) would
// see ENOSYS for every denied call, and a libc that falls back to an older
// syscall on ENOSYS would run differently than under the profile. So Run
// also starts the shim binary as a sentinel (shimSpec.Sentinel): a process
// of its own session that holds a copy of the listener and waits for the
// supervisor to go away (EOF on a pipe whose write end only the supervisor
// holds). Then it answers the notifications as the supervisor would have
// (its errno; EPERM for kill and trap actions), records nothing, and exits
// when no task uses the filter any more. A notification the supervisor had
// received but not yet answered is answered from the record it keeps in
// memory shared with the sentinel (inflight).

// The sentinel's descriptors (fd 3: its shimSpec; argv: CMD's).
const (
	sentinelLifeFD     = 4 // EOF when the supervisor is gone
	sentinelListenerFD = 5 // the filter's notification fd
	sentinelInflightFD = 6 // a memfd of inflightSize bytes
)

// inflight is the notification the supervisor is handling, in a shared
// mapping: state, ID, pid, arch, nr, args. Only the sentinel reads it, and
// only once the supervisor is dead.
type inflight []byte

const (
	inflightSize = 80
	inflightNone = 0 // nothing received yet
	inflightRecv = 1 // ID received and not yet answered; the fields hold it
	inflightDone = 2 // ID answered
)

func newInflight() (*os.File, inflight, error) {
	fd, err := unix.MemfdCreate("seccomp-gen-inflight", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, nil, fmt.Errorf("enforce: memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "inflight")
	if err := f.Truncate(inflightSize); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("enforce: memfd: %w", err)
	}
	mem, err := unix.Mmap(fd, 0, inflightSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("enforce: mmap: %w", err)
	}
	return f, inflight(mem), nil
}

func (m inflight) received(req *seccomp.ScmpNotifReq) {
	if m == nil {
		return
	}
	e := binary.NativeEndian
	e.PutUint64(m[8:], req.ID)
	e.PutUint32(m[16:], req.Pid)
	e.PutUint32(m[20:], uint32(req.Data.Arch))
	e.PutUint32(m[24:], uint32(req.Data.Syscall))
	for i := 0; i < 6; i++ {
		var a uint64
		if i < len(req.Data.Args) {
			a = req.Data.Args[i]
		}
		e.PutUint64(m[32+8*i:], a)
	}
	e.PutUint64(m[0:], inflightRecv)
}

func (m inflight) answered() {
	if m != nil {
		binary.NativeEndian.PutUint64(m[0:], inflightDone)
	}
}

// load returns the state, and the request for inflightRecv.
func (m inflight) load() (uint64, *seccomp.ScmpNotifReq) {
	e := binary.NativeEndian
	req := &seccomp.ScmpNotifReq{ID: e.Uint64(m[8:]), Pid: e.Uint32(m[16:])}
	req.Data.Arch = seccomp.ScmpArch(e.Uint32(m[20:]))
	req.Data.Syscall = seccomp.ScmpSyscall(int32(e.Uint32(m[24:])))
	req.Data.Args = make([]uint64, 6)
	for i := range req.Data.Args {
		req.Data.Args[i] = e.Uint64(m[32+8*i:])
	}
	return e.Uint64(m[0:]), req
}

// withSentinel starts the sentinel for the supervisor's listener fd and
// returns the shared record that serve keeps for it and the pipe end whose
// closing tells the sentinel that the supervisor is done.
func withSentinel(spec []byte, argv []string, fd int) (inflight, *os.File, *os.Process, error) {
	memFile, mem, err := newInflight()
	if err != nil {
		return nil, nil, nil, err
	}
	defer memFile.Close()
	lifeR, lifeW, err := os.Pipe()
	if err != nil {
		unix.Munmap(mem)
		return nil, nil, nil, fmt.Errorf("enforce: %w", err)
	}
	defer lifeR.Close()
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		unix.Munmap(mem)
		lifeW.Close()
		return nil, nil, nil, fmt.Errorf("enforce: %w", err)
	}
	listener := os.NewFile(uintptr(dup), "listener")
	defer listener.Close()
	p, err := startSentinel(spec, argv, lifeR, listener, memFile)
	if err != nil {
		unix.Munmap(mem)
		lifeW.Close()
		return nil, nil, nil, fmt.Errorf("enforce: start the sentinel: %w", err)
	}
	return mem, lifeW, p, nil
}

// startSentinel starts the sentinel for the listener fd of the filter
// that spec's policy compiles to. lifeR is the read end of the pipe whose
// write end the supervisor keeps (close-on-exec) until it is done.
func startSentinel(spec []byte, argv []string, lifeR, listener, mem *os.File) (*os.Process, error) {
	specR, specW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := reexec.Command(ShimName, argv...)
	cmd.Env = shimEnv(os.Environ())
	cmd.ExtraFiles = []*os.File{specR, lifeR, listener, mem} // fds 3, 4, 5 and 6
	// Its own session: Ctrl-C and a terminal's hangup reach the workload
	// and the supervisor, not the sentinel.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	specR.Close()
	if err != nil {
		specW.Close()
		return nil, err
	}
	_, err = specW.Write(spec)
	specW.Close()
	if err != nil {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		return nil, err
	}
	return cmd.Process, nil
}

// sentinel is the shim's work when spec.Sentinel is set (see above). It
// returns when no task uses the filter any more.
func sentinel(spec *shimSpec) (int, error) {
	signal.Ignore(syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGPIPE)
	var b [1]byte
	for {
		_, err := unix.Read(sentinelLifeFD, b[:])
		if err != unix.EINTR {
			break
		}
	}
	unix.Close(sentinelLifeFD)
	mem, err := unix.Mmap(sentinelInflightFD, 0, inflightSize, unix.PROT_READ, unix.MAP_SHARED)
	unix.Close(sentinelInflightFD)
	fd := sentinelListenerFD
	sup := &supervisor{p: spec.Policy, shimExeced: func() bool { return true }, noRecord: true}
	if err == nil {
		// The call the supervisor was answering when it died, if any:
		// its task waits for this answer and no other.
		state, req := inflight(mem).load()
		switch state {
		case inflightRecv:
			resp, _ := sup.handle(req)
			resp.ID = req.ID
			_ = seccomp.NotifRespond(seccomp.ScmpFd(fd), resp)
		case inflightDone:
			// Killed after receiving the next one and before noting it:
			// IDs are consecutive. Its data is unknown: EPERM. A call not
			// received yet is refused (EINPROGRESS) and comes below.
			_ = seccomp.NotifRespond(seccomp.ScmpFd(fd), &seccomp.ScmpNotifResp{ID: req.ID + 1, Error: int32(unix.EPERM)})
		}
	}
	sup.serve(fd, nil, nil)
	return 0, nil
}
