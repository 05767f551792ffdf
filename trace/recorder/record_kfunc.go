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
//
// sys_enter (most of the verification) is loaded on another goroutine
// while the three others are loaded here; then loaded, if not nil, is
// called here (load attaches the fork, exec and exit programs with it),
// while sys_enter may still be verifying. The data sections are created
// first, so that all four share .bss. Against the previous binary, which
// loaded the four in one collection and attached them after, in 151
// paired rounds on this shared 2-core machine (issue 13): main to gate
// -0.26 ms median, -0.24 mean (se 0.13) for the concurrent load alone,
// -0.40 median, -0.51 mean (se 0.11) with the early attach; the three
// attaches took ~0.5 ms and sys_enter's alone takes ~0.3.
func (r *recorder) loadPrograms(spec *ebpf.CollectionSpec, opts *ebpf.CollectionOptions, ids bpf.KernelIDs, refused kfuncRefusal, loaded func() error) (err error) {
	if kernelIDsHook != nil {
		ids = kernelIDsHook(ids)
	}
	if ids.Known() && refused.covers(ids) {
		ids = bpf.KernelIDs{}
	}
	if err := bpf.UseKernelIDs(spec, ids); err != nil {
		return err
	}
	if loadHook != nil {
		loadHook(ids)
	}
	var shared struct {
		bpf.RecorderMaps
		bpf.RecorderVariables
		Rodata *ebpf.Map `ebpf:".rodata"`
		Bss    *ebpf.Map `ebpf:".bss"`
	}
	if err := spec.LoadAndAssign(&shared, opts); err != nil {
		return err
	}
	// The programs hold the data sections from here on.
	defer shared.Rodata.Close()
	defer shared.Bss.Close()
	r.objs.RecorderMaps = shared.RecorderMaps
	r.objs.RecorderVariables = shared.RecorderVariables
	defer func() {
		if err != nil {
			r.objs.Close()
			r.objs = bpf.RecorderObjects{}
		}
	}()
	replace := map[string]*ebpf.Map{".rodata": shared.Rodata, ".bss": shared.Bss}
	for name, m := range opts.MapReplacements {
		replace[name] = m
	}
	progOpts := &ebpf.CollectionOptions{MapReplacements: replace, Programs: opts.Programs}

	var enter struct {
		SysEnter *ebpf.Program `ebpf:"sys_enter"`
	}
	entered := make(chan error, 1)
	go func() { entered <- spec.LoadAndAssign(&enter, progOpts) }()
	var others struct {
		SchedProcessExec *ebpf.Program `ebpf:"sched_process_exec"`
		SchedProcessExit *ebpf.Program `ebpf:"sched_process_exit"`
		SchedProcessFork *ebpf.Program `ebpf:"sched_process_fork"`
	}
	err = spec.LoadAndAssign(&others, progOpts)
	r.objs.SchedProcessExec = others.SchedProcessExec
	r.objs.SchedProcessExit = others.SchedProcessExit
	r.objs.SchedProcessFork = others.SchedProcessFork
	if err == nil && loaded != nil {
		err = loaded()
	}
	enterErr := <-entered
	r.objs.SysEnter = enter.SysEnter
	if err != nil {
		return err
	}
	if enterErr == nil || !ids.Known() {
		return enterErr
	}
	// The trusted read: sys_enter alone, with a .rodata of its own whose
	// cfg_task_btf_id is 0 (the other programs do not read it).
	if err := bpf.UseKernelIDs(spec, bpf.KernelIDs{}); err != nil {
		return err
	}
	if loadHook != nil {
		loadHook(bpf.KernelIDs{})
	}
	delete(replace, ".rodata")
	var retry struct {
		SysEnter     *ebpf.Program  `ebpf:"sys_enter"`
		CfgTaskBtfId *ebpf.Variable `ebpf:"cfg_task_btf_id"`
	}
	if err := spec.LoadAndAssign(&retry, progOpts); err != nil {
		return err
	}
	r.objs.SysEnter = retry.SysEnter
	r.objs.CfgTaskBtfId = retry.CfgTaskBtfId
	if ve := (*ebpf.VerifierError)(nil); errors.As(enterErr, &ve) {
		noteKfuncRefused(ids)
	}
	return nil
}
