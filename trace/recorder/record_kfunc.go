package recorder

import (
	"errors"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

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
//
// The two goroutines' shares, timed on the PVM machine (twentieth session,
// 21 traced starts, medians of each step): this one loads exec (3.2 ms,
// the first program load in the process, with cilium/ebpf's feature
// probes), exit (1.2) and the fork program (0.8) and attaches the three
// (0.55 each), 6.8 ms; sys_enter's, 6.7 ms. Both cores are busy
// throughout (the verifier and JIT, the programs' BTF, cilium/ebpf's
// marshalling), so moving a step from one goroutine to the other does
// not shorten the step; only less work does. A bpf-to-bpf subprogram
// costs ~60-90 us of load there (a C loop of PROG_LOADs of one program
// with 0 to 8 subprograms), some 0.5-0.7 ms of CPU for the eight the
// programs have (note_process stays in sys_enter, where it is dead code
// with the tp_btf fork program: the kernel still compiles it).
func (r *recorder) loadPrograms(spec *ebpf.CollectionSpec, opts *ebpf.CollectionOptions, ids bpf.KernelIDs, refused kfuncRefusal, fixed bool, loaded func() error) (err error) {
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
	// sched_process_fork_btf (record_forkbtf.go) only where the kernel
	// has its tracepoint's BTF type and the CO-RE fixups are in: then
	// sys_enter reads no pending_tasks (cfg_fork_btf).
	forkTP := ids.ForkTP
	if forkBTFHook != nil {
		forkTP = forkBTFHook(forkTP)
	}
	switch {
	case !fixed:
		forkTP = 0
		r.forkWhy = "the programs' CO-RE fixups were not computed ahead"
	case forkTP == 0:
		r.forkWhy = "the kernel's BTF lacks btf_trace_sched_process_fork or bpf_rdonly_cast, or the kernel refused the latter"
	case refused.forkRefused(forkTP):
		forkTP = 0
		r.forkWhy = "the kernel refused the tp_btf fork program at an earlier start, noted in " + KernelTypesCache
	}
	// Where the tp_btf program is used it also voids the per-CPU notes,
	// up to forkVoidMaxCPUs possible CPUs (its loop is verified once per
	// CPU); beyond, the raw_tp program is attached after it to do that.
	forkVoid := forkTP != 0 && spec.Maps[bpf.RecorderMapCounts].MaxEntries <= forkVoidMaxCPUs
	if err := setForkBTF(spec, forkTP != 0, forkVoid); err != nil {
		return err
	}
	pendingEntries := spec.Maps[bpf.RecorderMapPending].MaxEntries
	entries := pendingEntries
	if forkTP != 0 {
		entries = 1
	}
	if err := newPending(spec, opts.MapReplacements, entries); err != nil {
		return err
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
	r.bss = shared.Bss // also Record's, for its globals (recorderVars)
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
	orig, _ := inlineRodata(spec)
	go func() { entered <- spec.LoadAndAssign(&enter, progOpts) }()
	var others struct {
		SchedProcessExec *ebpf.Program `ebpf:"sched_process_exec"`
		SchedProcessExit *ebpf.Program `ebpf:"sched_process_exit"`
	}
	err = spec.LoadAndAssign(&others, progOpts)
	r.objs.SchedProcessExec = others.SchedProcessExec
	r.objs.SchedProcessExit = others.SchedProcessExit
	if err == nil && !forkVoid {
		// The raw_tp fork program only where the tp_btf one does not do
		// the whole fork (recorder.c, cfg_fork_void).
		var fork struct {
			SchedProcessFork *ebpf.Program `ebpf:"sched_process_fork"`
		}
		err = spec.LoadAndAssign(&fork, progOpts)
		r.objs.SchedProcessFork = fork.SchedProcessFork
	}
	forkFell := false
	var enterErr error
	waited := false
	if err == nil && forkTP != 0 {
		r.objs.SchedProcessForkBtf, r.forkBTFErr = loadForkBTF(spec.Programs[bpf.RecorderProgSchedProcessForkBtf], replace, forkTP)
		if kernelRefused(r.forkBTFErr) {
			noteForkRefused(forkTP)
		}
		if r.forkBTFErr != nil {
			// The raw_tp program does it all, as without the tp_btf
			// one: loaded now, with a .rodata of its own that says so
			// (sys_enter is loaded again with one, below; exec and exit
			// do not read it).
			// spec changes only once sys_enter's load is done with it.
			forkFell = true
			enterErr, waited = <-entered, true
			restoreRodata(spec, orig)
			if err = setForkBTF(spec, false, false); err == nil {
				err = r.fullPending(spec, replace, opts, pendingEntries)
			}
			if err == nil {
				err = r.reloadFork(spec, replace, opts)
			}
		}
	}
	if err == nil && loaded != nil {
		err = loaded()
	}
	if !waited {
		enterErr = <-entered
		restoreRodata(spec, orig)
	}
	r.objs.SysEnter = enter.SysEnter
	if err != nil {
		return err
	}
	kfuncRetry := enterErr != nil && ids.Known()
	if enterErr != nil && !kfuncRetry {
		return enterErr
	}
	if !kfuncRetry && !forkFell {
		return nil
	}
	if enterErr == nil {
		r.objs.SysEnter.Close()
		r.objs.SysEnter = nil
	}
	if kfuncRetry {
		// The trusted read: cfg_task_btf_id 0 (the other programs do not
		// read it).
		if err := bpf.UseKernelIDs(spec, bpf.KernelIDs{}); err != nil {
			return err
		}
		if loadHook != nil {
			loadHook(bpf.KernelIDs{})
		}
	}
	// sys_enter alone, with a .rodata of its own.
	delete(replace, ".rodata")
	var retry struct {
		SysEnter     *ebpf.Program  `ebpf:"sys_enter"`
		CfgTaskBtfId *ebpf.Variable `ebpf:"cfg_task_btf_id"`
		CfgForkBtf   *ebpf.Variable `ebpf:"cfg_fork_btf"`
		CfgForkVoid  *ebpf.Variable `ebpf:"cfg_fork_void"`
	}
	orig, _ = inlineRodata(spec)
	err = spec.LoadAndAssign(&retry, progOpts)
	restoreRodata(spec, orig)
	if err != nil {
		return err
	}
	r.objs.SysEnter = retry.SysEnter
	r.objs.CfgTaskBtfId = retry.CfgTaskBtfId
	r.objs.CfgForkBtf = retry.CfgForkBtf
	r.objs.CfgForkVoid = retry.CfgForkVoid
	if kfuncRetry && verifierRefused(enterErr) {
		noteKfuncRefused(ids)
	}
	return nil
}

// verifierRefused reports whether err, sys_enter's first load failing where
// the load without bpf_rdonly_cast then succeeded, is the kernel refusing
// that program: the verifier's answer (kernelRefused), not a resource the
// load lacked. cilium/ebpf makes every failed BPF_PROG_LOAD a
// VerifierError, whatever its errno: an EMFILE (a low open-file limit) or
// ENOMEM was noted in the machine's cache as a refusal of the kfunc, and
// every later trace on that kernel took the slower trusted read and the
// raw_tp fork program, until a reboot (the code-health review).
func verifierRefused(err error) bool {
	var ve *ebpf.VerifierError
	return errors.As(err, &ve) && kernelRefused(err)
}

// forkVoidMaxCPUs bounds the possible CPUs up to which
// sched_process_fork_btf voids the per-CPU notes itself (cfg_fork_void):
// its loop costs ~3.4 us of verification per CPU on the PVM machine, the
// raw_tp program it spares ~0.8 ms of load, attach and detach there (a
// variable for tests).
var forkVoidMaxCPUs uint32 = 128

// setForkBTF sets cfg_fork_btf and cfg_fork_void in spec's .rodata.
func setForkBTF(spec *ebpf.CollectionSpec, on, void bool) error {
	for name, val := range map[string]bool{bpf.RecorderVarCfgForkBtf: on, bpf.RecorderVarCfgForkVoid: void} {
		v := spec.Variables[name]
		if v == nil {
			return errors.New("recorder: no variable " + name)
		}
		var x uint32
		if val {
			x = 1
		}
		if err := v.Set(x); err != nil {
			return err
		}
	}
	return nil
}

// reloadFork loads the raw_tp fork program where the tp_btf one was
// refused, in place of the one loaded with the shared .rodata if there is
// one (cfg_fork_void 0), with a .rodata of its own (spec's values now).
func (r *recorder) reloadFork(spec *ebpf.CollectionSpec, replace map[string]*ebpf.Map, opts *ebpf.CollectionOptions) error {
	own := map[string]*ebpf.Map{}
	for name, m := range replace {
		if name != ".rodata" {
			own[name] = m
		}
	}
	var again struct {
		SchedProcessFork *ebpf.Program `ebpf:"sched_process_fork"`
	}
	if err := spec.LoadAndAssign(&again, &ebpf.CollectionOptions{MapReplacements: own, Programs: opts.Programs}); err != nil {
		return err
	}
	r.objs.SchedProcessFork.Close() // nil unless loaded before
	r.objs.SchedProcessFork = again.SchedProcessFork
	return nil
}

// newPending creates the pending map, of entries, into maps (and spec,
// whose programs are checked against it). pending holds a traced task's
// new tasks until their first syscall where the raw_tp fork program marks
// them; the tp_btf one marks them at the fork and never adds to it, so
// loadPrograms gives it one entry then instead of 16384: their buckets
// (256 KiB, vmalloc'd and cleared) took 0.4-0.8 ms of the start on the PVM
// machine (issue 13). Where the kernel refuses the tp_btf program after
// all, fullPending replaces it.
func newPending(spec *ebpf.CollectionSpec, maps map[string]*ebpf.Map, entries uint32) error {
	spec.Maps[bpf.RecorderMapPending].MaxEntries = entries
	ms := spec.Maps[bpf.RecorderMapPending].Copy()
	ms.Key, ms.Value = nil, nil // as load's other maps (no BTF load)
	m, err := ebpf.NewMap(ms)
	if err != nil {
		return err
	}
	if old := maps[bpf.RecorderMapPending]; old != nil {
		old.Close()
	}
	maps[bpf.RecorderMapPending] = m
	return nil
}

// fullPending gives the raw_tp fork program, which falls back for a
// refused tp_btf one, a pending map of full size (newPending): into the
// maps of the loads still to come (replace; sys_enter and the fork program
// are loaded again) and of the load's caller (opts, which closes them),
// and the exit program, which takes a pending task's entry back when the
// task exits before its first syscall, is loaded again with it.
func (r *recorder) fullPending(spec *ebpf.CollectionSpec, replace map[string]*ebpf.Map, opts *ebpf.CollectionOptions, entries uint32) error {
	if err := newPending(spec, opts.MapReplacements, entries); err != nil {
		return err
	}
	replace[bpf.RecorderMapPending] = opts.MapReplacements[bpf.RecorderMapPending]
	var again struct {
		SchedProcessExit *ebpf.Program `ebpf:"sched_process_exit"`
		Pending          *ebpf.Map     `ebpf:"pending"`
	}
	if err := spec.LoadAndAssign(&again, &ebpf.CollectionOptions{MapReplacements: replace, Programs: opts.Programs}); err != nil {
		return err
	}
	r.objs.SchedProcessExit.Close()
	r.objs.SchedProcessExit = again.SchedProcessExit
	r.objs.Pending.Close()
	r.objs.Pending = again.Pending
	return nil
}

// kernelRefused reports whether err is the kernel's answer to a program
// load that it will give again (the verifier's refusal, an attach target
// or feature it does not take), not a lack of memory or privileges.
func kernelRefused(err error) bool {
	return errors.Is(err, unix.EACCES) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EOPNOTSUPP) ||
		errors.Is(err, unix.E2BIG) /* too complex */ || errors.Is(err, unix.Errno(524)) /* ENOTSUPP, the kernel's own */
}
