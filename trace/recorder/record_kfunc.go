package recorder

import (
	"errors"

	"github.com/cilium/ebpf"

	"github.com/seccomp-gen/seccomp-gen/bpf"
)

// kernelIDsHook, when set (by tests), replaces the kernel IDs loadPrograms
// is given: zero ones load the trusted read of task->bpf_storage, wrong
// ones make the kernel refuse the untrusted one.
var kernelIDsHook func(bpf.KernelIDs) bpf.KernelIDs

// loadHook, when set (by tests), is told the kernel IDs of every load
// loadPrograms tries.
var loadHook func(bpf.KernelIDs)

// loadPrograms loads spec's programs into r.objs. With known ids (the
// kernel types cache's), sys_enter reads task->bpf_storage through
// bpf_rdonly_cast, which verifies ~1.2 ms faster (bpf.UseKernelIDs,
// recorder.c's task_storage_ptr); else, and if the kernel refuses that
// (a kfunc that raw tracepoints may not call, say), through the trusted
// task pointer. A refusal by the verifier is noted in the cache
// (noteKfuncRefused), and a start that finds it noted there (refused) goes
// straight to the trusted read: the same programs as after a refusal.
func (r *recorder) loadPrograms(spec *ebpf.CollectionSpec, opts *ebpf.CollectionOptions, ids bpf.KernelIDs, refused kfuncRefusal) error {
	if kernelIDsHook != nil {
		ids = kernelIDsHook(ids)
	}
	if ids.Known() && refused.covers(ids) {
		ids = bpf.KernelIDs{}
	}
	err := bpf.UseKernelIDs(spec, ids)
	if err == nil {
		if loadHook != nil {
			loadHook(ids)
		}
		err = spec.LoadAndAssign(&r.objs, opts)
	}
	if err == nil || !ids.Known() {
		return err
	}
	kfuncErr := err
	if err := bpf.UseKernelIDs(spec, bpf.KernelIDs{}); err != nil {
		return err
	}
	if loadHook != nil {
		loadHook(bpf.KernelIDs{})
	}
	if err := spec.LoadAndAssign(&r.objs, opts); err != nil {
		return err
	}
	if ve := (*ebpf.VerifierError)(nil); errors.As(kfuncErr, &ve) {
		noteKfuncRefused(ids)
	}
	return nil
}
