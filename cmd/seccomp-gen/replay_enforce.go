package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// enforceResult is what a run under the profile's filter showed.
type enforceResult struct {
	// Denied has one entry per (ABI, nr) the filter denied or would have
	// killed for, with counts and the first program.
	Denied   []reduce.CoverageEntry
	ExitCode int
	// Setup counts the notifications of seccomp-gen's own shim between
	// loading the filter and execve (answered "continue", not reported).
	Setup int
}

// enforceIO is where the workload's standard streams go.
type enforceIO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Signals, when set, are forwarded to the workload (SIGTERM) or
	// dropped (SIGINT, which the terminal sends to the workload too).
	Signals <-chan os.Signal
}

// runEnforce runs argv under p's filter (see execShim) and supervises the
// notifications: each denied syscall is recorded and answered exactly as
// the profile says (its errno; ENOSYS for SCMP_ACT_TRACE, as the kernel
// does without a tracer); for kill and trap actions and for ABIs the profile
// does not list it is recorded as "would have killed" and answered EPERM so
// that the run can go on and report everything.
func runEnforce(p *policy.Policy, argv []string, stdio enforceIO) (*enforceResult, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("enforce: %w", err)
	}
	spec, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("enforce: %w", err)
	}
	specR, specW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("enforce: %w", err)
	}
	syncR, syncW, err := os.Pipe()
	if err != nil {
		specR.Close()
		specW.Close()
		return nil, fmt.Errorf("enforce: %w", err)
	}
	cmd := exec.Command(self, append([]string{execCmdName, "--"}, argv...)...)
	cmd.Env = append([]string{execGoDebug, execEnvMark}, os.Environ()...)
	cmd.ExtraFiles = []*os.File{specR, syncR}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio.Stdin, stdio.Stdout, stdio.Stderr
	err = cmd.Start()
	specR.Close()
	syncR.Close()
	if err != nil {
		specW.Close()
		syncW.Close()
		return nil, fmt.Errorf("enforce: start: %w", err)
	}
	_, werr := specW.Write(spec)
	specW.Close()
	waitDone := make(chan error, 1)
	go func() { waitDone <- cmd.Wait() }()
	// stop ends the supervision while descendants of CMD still run: a
	// signal that arrives after CMD itself exited.
	stop := make(chan struct{})
	mainExited := make(chan struct{})
	var stopOnce sync.Once
	if stdio.Signals != nil {
		done := make(chan struct{})
		defer close(done)
		go func() {
			for {
				select {
				case sig := <-stdio.Signals:
					select {
					case <-mainExited:
						stopOnce.Do(func() { close(stop) })
					default:
						if sig != os.Interrupt {
							_ = cmd.Process.Signal(sig)
						}
					}
				case <-done:
					return
				}
			}
		}()
	}
	finish := func() int {
		err := <-waitDone
		waitDone <- err
		return exitStatus(cmd.ProcessState, err)
	}
	if werr != nil {
		syncW.Close()
		finish()
		return nil, fmt.Errorf("enforce: send policy: %w", werr)
	}

	res := &enforceResult{}
	sup := &supervisor{p: p, entries: map[[2]int]*reduce.CoverageEntry{}}
	var loop sync.WaitGroup
	if enforceNeedsListener(p) {
		fd, err := grabListener(cmd.Process.Pid, waitDone)
		if err != nil {
			syncW.Close()
			code := finish()
			if errors.Is(err, errChildExited) {
				// The shim failed before loading (it said why on stderr).
				res.ExitCode = code
				return res, exitWith(code, nil)
			}
			return nil, err
		}
		// The shim's executable, as the kernel sees it (cmd.Start returned
		// after its execve; it cannot exec CMD before the sync byte).
		selfInfo, err := os.Stat(fmt.Sprintf("/proc/%d/exe", cmd.Process.Pid))
		if err != nil {
			syscall.Close(fd)
			return nil, fmt.Errorf("enforce: %w", err)
		}
		sup.self = selfInfo
		loop.Add(1)
		go func() {
			defer loop.Done()
			sup.serve(fd, stop)
			syscall.Close(fd)
		}()
	}
	syncW.Write([]byte{1})
	syncW.Close()
	res.ExitCode = finish()
	close(mainExited)
	// Descendants that outlive CMD (daemons) still run under the filter:
	// keep answering until the last of them exits (the listener reports
	// POLLHUP), as trace follows them until the last one exits.
	loop.Wait()
	res.Setup = sup.setup
	for _, e := range sup.entries {
		res.Denied = append(res.Denied, *e)
	}
	reduce.SortEntries(res.Denied)
	return res, nil
}

func exitStatus(ps *os.ProcessState, err error) int {
	if ps == nil {
		return exitFailure
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

var errChildExited = errors.New("child exited before loading the filter")

// grabListener waits until the shim has loaded its filter (its notification
// fd shows up as "anon_inode:seccomp notify" in /proc/PID/fd) and copies
// that fd into this process with pidfd_getfd.
func grabListener(pid int, waitDone chan error) (int, error) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-waitDone:
			waitDone <- err
			return -1, errChildExited
		default:
		}
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			link, err := os.Readlink(filepath.Join(dir, e.Name()))
			if err != nil || link != "anon_inode:seccomp notify" {
				continue
			}
			n, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			pidfd, err := unix.PidfdOpen(pid, 0)
			if err != nil {
				return -1, fmt.Errorf("enforce: pidfd_open: %w", err)
			}
			fd, err := unix.PidfdGetfd(pidfd, n, 0)
			unix.Close(pidfd)
			if err != nil {
				return -1, fmt.Errorf("enforce: pidfd_getfd (needs ptrace rights over the child): %w", err)
			}
			return fd, nil
		}
		time.Sleep(time.Millisecond)
	}
	return -1, errors.New("enforce: the child did not load its filter within 30s")
}

// x32SyscallBit marks x32 syscall numbers (__X32_SYSCALL_BIT).
const x32SyscallBit = 0x40000000

type supervisor struct {
	p       *policy.Policy
	self    os.FileInfo
	mu      sync.Mutex
	entries map[[2]int]*reduce.CoverageEntry
	arches  map[seccomp.ScmpArch]string
	setup   int
}

// serve answers notifications until no task uses the filter any more
// (POLLHUP), or shortly after stop is closed (replay was interrupted while
// descendants of CMD still ran: they get ENOSYS for denied syscalls once
// the fd is closed).
func (s *supervisor) serve(fd int, stop chan struct{}) {
	var stopAt time.Time
	for {
		if stopAt.IsZero() {
			select {
			case <-stop:
				stopAt = time.Now().Add(200 * time.Millisecond)
			default:
			}
		} else if time.Now().After(stopAt) {
			return
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, 50)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			return
		}
		if n == 0 {
			continue
		}
		if pfd[0].Revents&unix.POLLIN == 0 {
			if pfd[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0 {
				return
			}
			continue
		}
		req, err := seccomp.NotifReceive(seccomp.ScmpFd(fd))
		if err != nil {
			continue // the task died meanwhile (ENOENT)
		}
		resp := s.handle(req)
		resp.ID = req.ID
		_ = seccomp.NotifRespond(seccomp.ScmpFd(fd), resp)
	}
}

func (s *supervisor) archName(a seccomp.ScmpArch) string {
	if s.arches == nil {
		s.arches = map[seccomp.ScmpArch]string{}
		for _, n := range scmp.ArchNames() {
			if la, err := scmp.LibArch(n); err == nil {
				s.arches[la] = n
			}
		}
	}
	if n, ok := s.arches[a]; ok {
		return n
	}
	return a.String()
}

// isShim reports whether the task is still seccomp-gen's own shim (it has
// not called execve yet): it runs our executable with argv[1] "__exec". A
// task blocked in a notified syscall cannot exec before it is answered, so
// the answer is stable.
func (s *supervisor) isShim(pid uint32) bool {
	fi, err := os.Stat(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil || !os.SameFile(fi, s.self) {
		return false
	}
	// The workload may be seccomp-gen itself: look at its argv too.
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	args := strings.Split(string(cmdline), "\x00")
	return len(args) > 1 && args[1] == execCmdName
}

func (s *supervisor) handle(req *seccomp.ScmpNotifReq) *seccomp.ScmpNotifResp {
	arch := s.archName(req.Data.Arch)
	nr := int(req.Data.Syscall)
	if arch == "x86_64" && nr&x32SyscallBit != 0 {
		// x32 shares AUDIT_ARCH_X86_64; its numbers carry bit 30.
		arch = "x32"
	}
	name, _ := scmp.Name(arch, nr)
	// The shim's own syscalls between loading the filter and execve are
	// not the workload's, but its execve of CMD is: runtimes issue it
	// under the filter too, so a profile must allow it.
	if name != "execve" && name != "execveat" && s.isShim(req.Pid) {
		s.setup++
		return &seccomp.ScmpNotifResp{Flags: seccomp.NotifRespFlagContinue}
	}
	e := reduce.CoverageEntry{Arch: arch, Nr: nr, Name: name, Count: 1}
	var errno uint
	switch {
	case !s.p.Covers(arch):
		// Runtimes kill a task that uses an ABI the profile does not list.
		e.Reason, e.Action, errno = reduce.ReasonArch, policy.ActKill, policy.EPERM
	default:
		v := evalArgs(s.p, name, req.Data.Args)
		e.Action, e.Errno = v.Action, v.Errno
		switch v.Action {
		case policy.ActErrno:
			e.Reason, errno = reduce.ReasonEnforced, v.Errno
		case policy.ActTrace:
			e.Reason, e.Errno, errno = reduce.ReasonEnforced, policy.ENOSYS, policy.ENOSYS
			e.Action = policy.ActErrno
		case policy.ActAllow, policy.ActLog:
			// libseccomp ordered overlapping conditional rules
			// differently from the profile's order: let it run.
			return &seccomp.ScmpNotifResp{Flags: seccomp.NotifRespFlagContinue}
		default: // kill, kill_thread, kill_process, trap, notify
			e.Reason, errno = reduce.ReasonWouldKill, policy.EPERM
		}
	}
	s.mu.Lock()
	k := [2]int{int(req.Data.Arch), nr}
	if old, ok := s.entries[k]; ok {
		old.Count++
	} else {
		e.First = comm(req.Pid)
		s.entries[k] = &e
	}
	s.mu.Unlock()
	return &seccomp.ScmpNotifResp{Error: int32(errno)}
}

func comm(pid uint32) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// evalArgs is the profile's answer for one call: the first rule naming the
// syscall whose argument conditions all hold (a rule without conditions
// always holds), else the default action. An empty name (a number
// libseccomp cannot name) gets the default action.
func evalArgs(p *policy.Policy, name string, args []uint64) policy.Verdict {
	v := policy.Verdict{Action: p.DefaultAction, Errno: policy.EPERM}
	if p.DefaultErrno != nil {
		v.Errno = *p.DefaultErrno
	}
	if name == "" {
		return v
	}
	for _, r := range p.Rules {
		if !ruleNames(r, name) || !argsHold(r.Args, args) {
			continue
		}
		v = policy.Verdict{Action: r.Action, Errno: policy.EPERM}
		if r.Errno != nil {
			v.Errno = *r.Errno
		}
		return v
	}
	return v
}

func ruleNames(r policy.Rule, name string) bool {
	for _, n := range r.Names {
		if n == name {
			return true
		}
	}
	return false
}

func argsHold(conds []policy.Arg, args []uint64) bool {
	for _, c := range conds {
		if int(c.Index) >= len(args) {
			return false
		}
		a := args[c.Index]
		var ok bool
		switch c.Op {
		case policy.OpNotEqual:
			ok = a != c.Value
		case policy.OpLessThan:
			ok = a < c.Value
		case policy.OpLessEqual:
			ok = a <= c.Value
		case policy.OpEqualTo:
			ok = a == c.Value
		case policy.OpGreaterEqual:
			ok = a >= c.Value
		case policy.OpGreaterThan:
			ok = a > c.Value
		case policy.OpMaskedEqual:
			ok = a&c.Value == c.ValueTwo
		}
		if !ok {
			return false
		}
	}
	return true
}
