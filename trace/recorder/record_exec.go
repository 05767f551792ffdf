package recorder

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/bpf"
)

// armProcess arms the traced PID (Options.FromExec) in the kernel: the
// program on sched_process_exec marks it at its next execve and counts
// that execve, exactly as for a command's stub (record_target.go). Until
// then nothing the process does is counted, and its threads and children
// are not followed. The pidfd opened by prepareTarget tells Record when the
// process is gone; a process that exits without exec'ing leaves an empty
// trace.
func (r *recorder) armProcess() error {
	if err := r.objs.Armed.Update(uint32(r.opts.PID), uint32(1), ebpf.UpdateNoExist); err != nil {
		return fmt.Errorf("pid %d: arm at next execve: %w", r.opts.PID, err)
	}
	return nil
}

// setExecJoins configures the programs for Options.ExecJoins.
func (r *recorder) setExecJoins(spec *ebpf.CollectionSpec) error {
	if !r.opts.ExecJoins && !r.opts.FromExec {
		return nil
	}
	if err := spec.Variables[bpf.RecorderVarCfgCgroupExec].Set(uint32(1)); err != nil {
		return fmt.Errorf("eBPF recorder: %w", err)
	}
	return nil
}

// markCgroupTasks marks every thread in the cgroup (and below) as traced,
// for Options.ExecJoins: with it the programs make a task they find in the
// cgroup unmarked wait for its next execve, which is right only for tasks
// that join later. It runs before the programs are attached and once more
// after: a task forked in between, before its parent was marked, has been
// made to wait by then and is marked here. Rescanning until nothing new
// turns up closes the race with tasks forked while scanning.
func (r *recorder) markCgroupTasks() error {
	marked := map[int]bool{}
	for round := 0; round < 100; round++ {
		fresh := false
		err := filepath.WalkDir(r.opts.Cgroup, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil // a cgroup removed while walking
			}
			data, err := os.ReadFile(filepath.Join(path, "cgroup.threads"))
			if err != nil {
				return nil
			}
			for _, f := range strings.Fields(string(data)) {
				tid, err := strconv.Atoi(f)
				if err != nil || marked[tid] {
					continue
				}
				marked[tid] = true
				fresh = true
				if err := r.markJoined(tid); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if !fresh {
			break
		}
	}
	return nil
}

// markJoined marks thread tid as traced unless it already has a mark other
// than "waiting for exec" (the tracer's own threads are ignored).
func (r *recorder) markJoined(tid int) error {
	fd, err := unix.PidfdOpen(tid, unix.PIDFD_THREAD)
	if err != nil {
		return nil // gone
	}
	defer unix.Close(fd)
	var cur bpf.RecorderTaskMark
	if err := r.objs.Tasks.Lookup(int32(fd), &cur); err == nil && cur.State != taskExecWait {
		return nil
	}
	mark := bpf.RecorderTaskMark{State: taskUserMarked, Exe: r.userExe(tid)}
	if err := r.objs.Tasks.Update(int32(fd), mark, ebpf.UpdateAny); err != nil && !threadGone(err) {
		return fmt.Errorf("cgroup %s: mark thread %d: %w", r.opts.Cgroup, tid, err)
	}
	return nil
}
