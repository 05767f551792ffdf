package recorder

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/bpf"
	"github.com/seccomp-gen/seccomp-gen/internal/prestub"
	"github.com/seccomp-gen/seccomp-gen/internal/proctree"
	"github.com/seccomp-gen/seccomp-gen/internal/reexec"
	"github.com/seccomp-gen/seccomp-gen/internal/startstate"
)

// How a command is started so that nothing escapes and nothing else
// pollutes its trace:
//
// Record re-executes its own binary (/proc/self/exe) as a small stub (Stub,
// registered with internal/reexec) that blocks reading a pipe, or gives
// the command to the child internal/prestub forked at the binary's start,
// which then does the same. Record then "arms" the stub's PID in
// the kernel (map armed) and writes one byte; the stub execs the command.
// The eBPF program on sched_process_exec marks the task at that execve, and
// counts the execve itself, so everything the command does from its first
// instruction on is counted, and nothing the Go fork child or the stub did
// before is. If the tracer dies before writing the byte (SIGKILL), the pipe
// closes and the stub exits instead of running the command untraced; once
// the command runs, the tracer's death only detaches the BPF links (they are
// file descriptors, never pinned), so the command is never left stopped.
//
// Alternatives considered: SysProcAttr.Ptrace (stops after execve) leaves a
// SIGKILLed tracer's child in a ptrace stop with a pending SIGTRAP and
// forbids tracing a program that is itself being debugged;
// SysProcAttr.UseCgroupFD would need a cgroup per run and cgroup-based
// matching on the hot path. The gate pipe needs neither.

// launchStub starts the stub, which then blocks at its gate. Record runs it
// on a goroutine while the recorder is loaded (the stub's own start costs as
// much as a process start of this binary), so that opening the gate is all
// that is left once tracing is in place. It sets r.cmd, r.gate and r.ready:
// read them only after waitLaunch.
func (r *recorder) launchStub() error {
	o := &r.opts
	if !reexec.Registered(StubName) {
		return fmt.Errorf("start %s: the recorder's stub is not registered (main must call reexec.Register(recorder.StubName, recorder.Stub) and reexec.Init)", o.Command[0])
	}
	gateR, gateW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("start %s: %w", o.Command[0], err)
	}
	defer gateR.Close()
	r.gate = gateW
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("start %s: %w", o.Command[0], err)
	}
	defer readyW.Close()
	r.ready = readyR

	env := o.Env
	if env == nil {
		env = os.Environ()
	}
	var ign, blk uint64
	masks := false
	if ign, blk = startstate.Ignored(), startstate.Blocked(); ign != 0 || blk != 0 {
		masks = true
	}
	// The child this binary forked at its start (internal/prestub), where
	// there is one: no process to start and no binary to exec before the
	// command's. Else the stub is this binary, re-executed.
	if ok, err := r.startPrestub(env, masks, ign, blk, gateR, readyW); ok || err != nil {
		return err
	}
	gateFD, readyFD := 3+len(o.ExtraFiles), 4+len(o.ExtraFiles)
	fds := strconv.Itoa(gateFD) + "," + strconv.Itoa(readyFD)
	if masks {
		// The signals seccomp-gen was started with ignored, and its
		// signal mask: the stub sets them again before its execve (see
		// internal/startstate).
		fds += "," + strconv.FormatUint(ign, 16) + "," + strconv.FormatUint(blk, 16)
	}
	cmd := reexec.Command(StubName, append([]string{fds, r.path}, r.argv...)...)
	cmd.Env = append([]string(nil), env...)
	cmd.Dir = o.Dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, o.Stdout, o.Stderr
	cmd.ExtraFiles = append(append([]*os.File(nil), o.ExtraFiles...), gateR, readyW)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", o.Command[0], err)
	}
	r.phase(PhaseStub)
	r.cmd = &stubProc{Process: cmd.Process, cmd: cmd}
	return nil
}

// startPrestub makes the child internal/prestub forked at this process's
// start the stub; false where there is none or it cannot take this
// command (a stream os/exec would copy through a pipe; a child a signal
// killed), for launchStub to re-execute this binary instead.
func (r *recorder) startPrestub(env []string, masks bool, ign, blk uint64, gateR, readyW *os.File) (bool, error) {
	c := prestub.Take()
	if c == nil {
		return false, nil
	}
	o := &r.opts
	files, opened, ok := stubFiles(o, gateR, readyW)
	defer closeAll(opened)
	spec := prestub.Spec{Path: r.path, Argv: r.argv, Env: env, Dir: o.Dir, Files: files, Masks: masks, Ignored: ign, Blocked: blk}
	if !ok || !spec.Usable() {
		c.Release()
		return false, nil
	}
	if err := c.Start(spec); err != nil {
		if errors.Is(err, prestub.ErrGone) {
			return false, nil
		}
		return false, fmt.Errorf("start %s: %w", o.Command[0], err)
	}
	r.phase(PhasePrestub)
	r.phase(PhaseStub)
	r.cmd = &stubProc{Process: c.Process}
	return true, nil
}

// stubProc is the stub's process: one os/exec started (cmd), or the child
// internal/prestub forked, which only os.Process knows.
type stubProc struct {
	Process      *os.Process
	ProcessState *os.ProcessState
	cmd          *exec.Cmd
}

// Wait waits for the stub (then the command) to exit, as exec.Cmd.Wait.
func (s *stubProc) Wait() error {
	if s.cmd != nil {
		err := s.cmd.Wait()
		s.ProcessState = s.cmd.ProcessState
		return err
	}
	if s.ProcessState != nil {
		return errors.New("wait: already waited")
	}
	st, err := s.Process.Wait()
	s.ProcessState = st
	if err == nil && !st.Success() {
		return &exec.ExitError{ProcessState: st}
	}
	return err
}

// stubFiles is the command's descriptors from 0 on, as os/exec would give
// them (stdin, stdout, stderr, ExtraFiles), then the gate's read end and
// ready's write end; a nil stream is /dev/null, opened here (opened: the
// caller closes them once the child has its copies). ok is false for a
// stream that is no *os.File (os/exec copies those through pipes of its
// own) or a nil file.
func stubFiles(o *Options, gateR, readyW *os.File) (files, opened []*os.File, ok bool) {
	for i, s := range []any{o.Stdin, o.Stdout, o.Stderr} {
		f, isFile := s.(*os.File)
		switch {
		case s == nil:
			flag := os.O_RDONLY
			if i > 0 {
				flag = os.O_WRONLY
			}
			null, err := os.OpenFile(os.DevNull, flag, 0)
			if err != nil {
				closeAll(opened)
				return nil, nil, false
			}
			f = null
			opened = append(opened, null)
		case !isFile || f == nil:
			closeAll(opened)
			return nil, nil, false
		}
		files = append(files, f)
	}
	for _, f := range o.ExtraFiles {
		if f == nil {
			closeAll(opened)
			return nil, nil, false
		}
	}
	return append(append(files, o.ExtraFiles...), gateR, readyW), opened, true
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// waitLaunch waits for launchStub, once, and returns its error.
func (r *recorder) waitLaunch() error {
	if r.launched != nil {
		r.launchErr = <-r.launched
		r.launched = nil
	}
	return r.launchErr
}

// startCommand arms the waiting stub and opens its gate: the stub execs the
// command, and the recorder, attached by now, counts it from that execve on.
func (r *recorder) startCommand(ctx context.Context) error {
	o := &r.opts
	cmd := r.cmd
	// Wait until the stub runs: with a vfork-style start, Start returns
	// before the kernel has finished the stub's own execve (and fired
	// sched_process_exec for it), and arming earlier would count the stub.
	// r.ready stays open: the stub writes the errno of a failed execve of
	// the command there (execFailure).
	var b [1]byte
	n, _ := r.ready.Read(b[:])
	r.phase(PhaseStubUp)
	if n != 1 {
		_ = cmd.Wait()
		r.cmd = nil // reaped: nothing for close to stop
		return &CommandError{Name: o.Command[0], Status: shellStatus(cmd.ProcessState), Reported: true, Err: ErrCommandNotRun}
	}
	if ctx.Err() != nil {
		// Ctrl-C before the command ran: it is not started at all (close
		// kills the stub at its gate), rather than run untraced.
		return fmt.Errorf("%s: %w", o.Command[0], ErrInterrupted)
	}
	skip := uint32(1)
	if len(o.Wrapper) > 0 {
		skip = 2
	}
	pid := uint32(cmd.Process.Pid)
	r.skip = skip
	if err := r.objs.Armed.Update(pid, skip, ebpf.UpdateAny); err != nil {
		r.stopStub()
		return fmt.Errorf("arm %s: %w", o.Command[0], err)
	}
	r.armed = true
	done := make(chan struct{})
	r.cmdDone = done
	r.exited = done
	go func() {
		_ = cmd.Wait()
		// Before done: Record, which waits for it, returns after.
		r.phase(PhaseExited)
		close(done)
	}()
	// Open the gate: the stub execs the command now.
	r.phase(PhaseGate)
	_, err := r.gate.Write([]byte{1})
	r.gate.Close()
	r.gate = nil
	if errors.Is(err, syscall.EPIPE) {
		// The stub is gone: a signal killed it at its gate (Ctrl-C
		// reaches it too). Say so as for a stub that exited before.
		<-done
		return r.execFailure()
	}
	if err != nil {
		return fmt.Errorf("start %s: %w", o.Command[0], err)
	}
	return nil
}

// stopStub kills a stub whose gate was never opened (loading or attaching
// the recorder failed) and reaps it, so that it neither runs the command
// nor complains on the command's stderr that the tracer went away.
func (r *recorder) stopStub() {
	if r.cmd == nil || r.gate == nil || r.exited != nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

// execFailure is the error of a stub that exited without running the
// command: why its execve failed, as the stub wrote it on ready, or, when
// it wrote nothing, Reported (it said why on the command's stderr).
func (r *recorder) execFailure() *CommandError {
	ce := &CommandError{Name: r.opts.Command[0], Status: shellStatus(r.cmd.ProcessState), Reported: true, Err: ErrCommandNotRun}
	if r.ready == nil {
		return ce
	}
	// The stub has exited: the read does not block.
	var b [1]byte
	if n, _ := r.ready.Read(b[:]); n == 1 {
		ce.Reported, ce.Err = false, ExecError(r.path, syscall.Errno(b[0]))
	} else if ws, ok := r.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		// Killed before its execve (replay --timeout, a second Ctrl-C):
		// the stub said nothing.
		ce.Reported, ce.Err = false, fmt.Errorf("%w: killed by %s before it started", ErrCommandNotRun, unix.SignalName(ws.Signal()))
	}
	return ce
}

// notRunError says why the command's execve was not seen: the stub's
// failure (execFailure), or, when the stub ended on its own without saying
// a thing (every way it fails before the command's execve is said on ready
// or by a signal) and no exec at all was seen, a command that ran where the
// programs could not follow it: an error of the machine, never a silent
// empty trace with the command's exit status.
func (r *recorder) notRunError() error {
	ce := r.execFailure()
	ws, ok := r.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ce.Reported || !ok || !ws.Exited() {
		return ce
	}
	var left uint32
	if err := r.objs.Armed.Lookup(uint32(r.cmd.Process.Pid), &left); err != nil || left != r.skip {
		return ce // a wrapper's exec was seen: the wrapper failed and said so
	}
	return fmt.Errorf("%w: %s ran and exited with status %d, but no exec of it was seen, so nothing of it was counted", ErrExecUnseen, r.opts.Command[0], ws.ExitStatus())
}

// commandRan reports whether the command's execve happened (the armed
// entry is consumed then).
func (r *recorder) commandRan() bool {
	var left uint32
	err := r.objs.Armed.Lookup(uint32(r.cmd.Process.Pid), &left)
	return errors.Is(err, ebpf.ErrKeyNotExist)
}

// markProcess marks every thread of the traced PID, then every process
// already below it (a server's pre-forked workers), each before its own
// children are looked up: from its mark on, sched_process_fork follows what
// it forks, and what it forked before is in its children files. Rounds
// repeat until one marks nothing that was not marked already, which closes
// the race with forks during the walk (a thread created by a task not yet
// marked, forking a child). A process forked by a marked one is marked in
// the kernel at its fork and is no reason for another round: otherwise a
// tree that forks every millisecond kept the walk going, round after round,
// for as long as each round took to find one more. The tracer itself (a
// --pid of its own parent) and what is below it are left out.
// r.descendants counts the processes this walk marked besides the target:
// the ones already below it at the attach.
func (r *recorder) markProcess() error {
	if _, err := r.markThreads(r.opts.PID, taskUserMarked); err != nil {
		return err
	}
	self := os.Getpid()
	seen := map[int]bool{r.opts.PID: true, self: true}
	for round := 0; round < 100; round++ {
		fresh := false
		queue := []int{r.opts.PID}
		for len(queue) > 0 {
			p := queue[0]
			queue = queue[1:]
			for _, c := range proctree.Children(p) {
				if c == self {
					continue
				}
				if !seen[c] {
					ok, id, marked, err := r.markChild(p, c)
					if err != nil {
						return err
					}
					if !ok {
						continue // gone, or no longer p's child
					}
					seen[c] = true
					r.belowAtAttach = append(r.belowAtAttach, id)
					if marked > 0 {
						r.descendants++
						fresh = true
					}
				}
				queue = append(queue, c)
			}
		}
		if !fresh || round == 99 {
			if walkRounds != nil {
				walkRounds(round + 1)
			}
			break
		}
	}
	return nil
}

// walkRounds, when a test sets it, learns how many rounds markProcess took.
var walkRounds func(int)

// markChild marks the threads of process c if it is (still) a child of
// parent: a PID read from a children file may have been reused since. It
// returns the process as /proc names it and how many threads it marked
// that the kernel had not marked already.
func (r *recorder) markChild(parent, c int) (bool, procID, int, error) {
	f := statFields(c) // state, ppid, ...
	if len(f) <= statStartTime || f[1] != strconv.Itoa(parent) {
		return false, procID{}, 0, nil
	}
	id := procID{pid: c, start: f[statStartTime]}
	n, err := r.markThreads(c, taskUserMarked)
	if err != nil {
		if errors.Is(err, ErrNoProcess) {
			return false, procID{}, 0, nil // it exited meanwhile
		}
		return false, procID{}, 0, err
	}
	return true, id, n, nil
}

// statFields indexes (statFields' fields start at stat's third, state).
const (
	statNumThreads = 20 - 3
	statStartTime  = 22 - 3
)

// procID is a process as /proc names it: its PID and its start time (in
// clock ticks after boot), which a process that reuses the PID does not
// share.
type procID struct {
	pid   int
	start string
}

// running reports whether the process still runs: its PID names the same
// process, and it is not a zombie (a leader that has exited while other
// threads of its process run is not one).
func (p procID) running() bool {
	f := statFields(p.pid)
	if len(f) <= statStartTime || f[statStartTime] != p.start {
		return false
	}
	if f[0] == "Z" || f[0] == "X" {
		n, err := strconv.Atoi(f[statNumThreads])
		return err == nil && n > 1
	}
	return true
}

// belowAlive reports whether a process the attach walk found below a --pid
// target (markProcess) may still run. Such a process is marked, but counted
// in live_tasks only from its next syscall: one idle when the target exits
// (a shell waiting for its sleep) would otherwise end the trace before it
// runs again, and what it did then would be lost. Those found gone are
// dropped from the list: each costs one read of /proc once it is gone, and
// the first one still running one read per poll.
func (r *recorder) belowAlive() bool {
	for len(r.belowAtAttach) > 0 {
		if r.belowAtAttach[0].running() {
			return true
		}
		r.belowAtAttach = r.belowAtAttach[1:]
	}
	return false
}

// pfKthread is PF_KTHREAD in the flags of /proc/PID/stat
// (include/linux/sched.h).
const pfKthread = 0x00200000

// checkLive refuses a --pid target that can never make a syscall: a
// process that has exited but is not reaped yet (a zombie: its pidfd is
// readable; a leader whose other threads still run is not one) and a
// kernel thread (kthreadd, kworkers). Either would give an empty trace.
func checkLive(pid, pidfd int) error {
	if pidfdExited(pidfd) {
		return fmt.Errorf("pid %d: %w (a zombie: it has exited, and its parent has not reaped it)", pid, ErrNoProcess)
	}
	f := statFields(pid)
	if len(f) < 7 {
		return nil // gone meanwhile: Record sees it exit
	}
	if flags, err := strconv.ParseUint(f[6], 10, 64); err == nil && flags&pfKthread != 0 {
		return fmt.Errorf("%w: pid %d is a kernel thread (%s): it makes no syscalls; trace a user process", ErrOptions, pid, procComm(pid))
	}
	return nil
}

// statFields returns the fields of /proc/PID/stat after the command name
// (state, ppid, pgrp, session, tty_nr, tpgid, flags, ...), or nil.
func statFields(pid int) []string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

// procComm is the command name of pid (/proc/PID/comm), or "?".
func procComm(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(data))
}

// ignoreSelf marks the tracer's own threads as never traced: a --cgroup
// target may contain the tracer (the root cgroup does).
func (r *recorder) ignoreSelf() error {
	_, err := r.markThreads(os.Getpid(), taskIgnored)
	return err
}

// markThreads marks every thread of pid with state and returns how many
// it marked that were not marked already. Threads created while we mark
// are marked by sched_process_fork once their creator is marked; rescanning
// until a pass marks nothing new closes the race (a thread created by one
// not yet marked). A thread the kernel marked at its creation is not new:
// a process that starts threads all the time does not keep the scan going.
func (r *recorder) markThreads(pid int, state uint32) (int, error) {
	seen := map[int]bool{}
	total := 0
	for round := 0; round < 1000; round++ {
		ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		if err != nil {
			if round == 0 {
				return 0, fmt.Errorf("pid %d: %w", pid, ErrNoProcess)
			}
			return total, nil // it exited meanwhile
		}
		fresh := false
		for _, e := range ents {
			tid, err := strconv.Atoi(e.Name())
			if err != nil || seen[tid] {
				continue
			}
			seen[tid] = true
			marked, err := r.markThread(pid, tid, state)
			if err != nil {
				return total, err
			}
			if marked {
				total++
				fresh = true
			}
		}
		if !fresh {
			return total, nil
		}
	}
	return total, nil
}

// threadGone reports whether a task storage update failed because the
// thread its pidfd names has exited since the pidfd was opened: ESRCH, or
// ENOENT once the kernel released it (bpf_pid_task_storage_update_elem
// finds no task behind the pid; threads are released as they exit, so the
// window is real for a busy multi-threaded target).
func threadGone(err error) bool {
	return errors.Is(err, unix.ESRCH) || errors.Is(err, unix.ENOENT)
}

// markThread marks one thread and reports whether this call marked it: a
// thread that has exited, or that the kernel marked already (at its
// creation by a marked task, or an earlier scan), is not marked by it.
func (r *recorder) markThread(pid, tid int, state uint32) (bool, error) {
	fd, err := unix.PidfdOpen(tid, unix.PIDFD_THREAD)
	if err != nil {
		if errors.Is(err, unix.ESRCH) {
			return false, nil // the thread exited
		}
		return false, fmt.Errorf("pid %d: thread %d: %w", pid, tid, err)
	}
	defer unix.Close(fd)
	mark := bpf.RecorderTaskMark{State: state}
	if state != taskIgnored {
		mark.Exe = r.userExe(tid)
	}
	err = r.objs.Tasks.Update(int32(fd), mark, ebpf.UpdateNoExist)
	if err != nil {
		if errors.Is(err, ebpf.ErrKeyExist) || threadGone(err) {
			return false, nil
		}
		return false, fmt.Errorf("pid %d: mark thread %d: %w", pid, tid, err)
	}
	return true, nil
}

// openCgroup opens a cgroup v2 directory for the recorder's cgroup array.
func openCgroup(path string) (int, error) {
	var fs unix.Statfs_t
	if err := unix.Statfs(path, &fs); err != nil {
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
			// A path that is not there is the user's to fix, not the machine's.
			return -1, fmt.Errorf("cgroup %s: %w: %w", path, ErrNotCgroup2, err)
		}
		return -1, fmt.Errorf("cgroup %s: %w", path, err)
	}
	if fs.Type != unix.CGROUP2_SUPER_MAGIC {
		mnt := Cgroup2Mount()
		if mnt == "" {
			mnt = "nowhere"
		}
		return -1, fmt.Errorf("cgroup %s: %w (cgroup v2 is mounted at %s)", path, ErrNotCgroup2, mnt)
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.ENOTDIR) {
			return -1, fmt.Errorf("cgroup %s: %w (not a directory)", path, ErrNotCgroup2)
		}
		return -1, fmt.Errorf("cgroup %s: %w", path, err)
	}
	return fd, nil
}

// Cgroup2Mount returns where cgroup v2 is mounted ("" when it is not).
func Cgroup2Mount() string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 36 35 98:0 /root /mnt rw,noatime shared:1 - cgroup2 cgroup2 rw
		fields := strings.Fields(sc.Text())
		for i, fl := range fields {
			if fl == "-" && i+1 < len(fields) && fields[i+1] == "cgroup2" && len(fields) > 4 {
				return fields[4]
			}
		}
	}
	return ""
}

// cgroupPopulated reads "populated" from cgroup.events.
func cgroupPopulated(path string) (bool, error) {
	data, err := os.ReadFile(filepath.Join(path, "cgroup.events"))
	if err != nil {
		if errors.Is(err, syscall.ENOENT) {
			// The root cgroup has no cgroup.events: always populated.
			if _, serr := os.Stat(path); serr == nil {
				return true, nil
			}
		}
		return false, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "populated "); ok {
			return strings.TrimSpace(v) == "1", nil
		}
	}
	return false, nil
}
