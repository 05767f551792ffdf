package testutil

import (
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// Process is a process a test did not start itself (a traced command, a
// daemon, a workload's child), held by a pidfd taken while it is known to
// run. Signals go through the pidfd, so they can never reach another
// process that was given the same number later: pid_max is 32768 on many
// machines, and the test suites start thousands of processes, some of
// them at once.
type Process struct {
	PID int
	fd  int
}

// Hold takes a pidfd for pid now and kills the process at the end of the
// test. A pid that is gone already gives a Process that is not Alive.
func Hold(t testing.TB, pid int) *Process {
	t.Helper()
	p := &Process{PID: pid, fd: -1}
	if fd, err := unix.PidfdOpen(pid, 0); err == nil {
		p.fd = fd
	}
	t.Cleanup(func() {
		p.Kill()
		if p.fd >= 0 {
			unix.Close(p.fd)
			p.fd = -1
		}
	})
	return p
}

// Kill sends SIGKILL to the process, if it has not exited.
func (p *Process) Kill() {
	if p.fd >= 0 {
		_ = unix.PidfdSendSignal(p.fd, unix.SIGKILL, nil, 0)
	}
}

// Alive reports whether the process has not exited (a zombie has).
func (p *Process) Alive() bool {
	if p.fd < 0 {
		return false
	}
	fds := []unix.PollFd{{Fd: int32(p.fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n == 0
}

// HoldExe is Hold for a pid the test learnt from elsewhere (a file the
// process wrote) and may read late: it is held only if it runs exe, so a
// number given to another process meanwhile is left alone. (Once the pidfd
// is taken, its process cannot change; a read of /proc/PID/exe while it is
// still Alive afterwards is that process's.)
func HoldExe(t testing.TB, pid int, exe string) *Process {
	t.Helper()
	p := Hold(t, pid)
	if target, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err != nil || target != exe || !p.Alive() {
		if p.fd >= 0 {
			unix.Close(p.fd)
		}
		p.fd = -1
	}
	return p
}
