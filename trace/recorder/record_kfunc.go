package recorder

import (
	"github.com/cilium/ebpf"

	"github.com/seccomp-gen/seccomp-gen/bpf"
)

// kernelIDsHook, when set (by tests), replaces the kernel IDs loadPrograms
// is given: zero ones load the trusted read of task->bpf_storage, wrong
// ones make the kernel refuse the untrusted one.
var kernelIDsHook func(bpf.KernelIDs) bpf.KernelIDs

// loadPrograms loads spec's programs into r.objs. With known ids (the
// kernel types cache's), sys_enter reads task->bpf_storage through
// bpf_rdonly_cast, which verifies ~1.2 ms faster (bpf.UseKernelIDs,
// recorder.c's task_storage_ptr); else, and if the kernel refuses that
// (a kfunc that raw tracepoints may not call, say), through the trusted
// task pointer.
func (r *recorder) loadPrograms(spec *ebpf.CollectionSpec, opts *ebpf.CollectionOptions, ids bpf.KernelIDs) error {
	if kernelIDsHook != nil {
		ids = kernelIDsHook(ids)
	}
	err := bpf.UseKernelIDs(spec, ids)
	if err == nil {
		err = spec.LoadAndAssign(&r.objs, opts)
	}
	if err == nil || !ids.Known() {
		return err
	}
	if err := bpf.UseKernelIDs(spec, bpf.KernelIDs{}); err != nil {
		return err
	}
	return spec.LoadAndAssign(&r.objs, opts)
}
