package trace

import (
	"fmt"

	"github.com/cilium/ebpf"
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
