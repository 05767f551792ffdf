package recorder

import (
	"runtime"
	"strings"
	"sync"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/bpf"
)

// Preload starts, on another goroutine, the part of Record's start that
// does not depend on its Options: reading the embedded programs' ELF
// (bpf.LoadRecorder: BTF, relocations; ~0.7-1 ms here), creating their maps
// (~1-1.4 ms, most of it the procs hash table) and then reading the kernel
// types. The next Record takes the result, waiting for it if need be. A
// command that is about to trace calls Preload as soon as it knows, so that
// its command-line parsing and checks run meanwhile (issue 13).
//
// A Record without a Preload does the same work itself. A Preload that no
// Record takes costs the time it ran, and its maps until the next Preload
// (which closes them) or the process's exit. Without root (or CAP_BPF and
// CAP_PERFMON) Preload does nothing; its other errors (an old kernel) wait
// for Record, which reports them where it did before: after its own checks
// of the options, the target and the privileges.
func Preload() {
	if checkPrivileges() != nil {
		// Record will say so before it loads anything; nothing to prepare
		// (and no kernel types to decode for a cache this user cannot
		// write).
		return
	}
	types := make(chan typesResult, 1)
	p := &preloaded{done: make(chan struct{}), types: types}
	preloadMu.Lock()
	old := pending
	pending = p
	preloadMu.Unlock()
	go func() {
		defer close(p.done)
		p.prepare(types)
	}()
	if old != nil {
		old.discard()
	}
}

var (
	preloadMu sync.Mutex
	pending   *preloaded // Preload's, until a Record takes it
)

// takePreload returns the pending Preload (nil without one) and forgets
// it: each is used once.
func takePreload() *preloaded {
	preloadMu.Lock()
	defer preloadMu.Unlock()
	p := pending
	pending = nil
	return p
}

// preloaded is the options-independent part of the recorder's load.
type preloaded struct {
	done    chan struct{} // closed once prepare returned (Preload only)
	spec    *ebpf.CollectionSpec
	specErr error
	maps    map[string]*ebpf.Map // by name, without .bss and .rodata
	mapErr  error
	execNr  uint32             // the native execve's number
	types   <-chan typesResult // the kernel types (Preload only)
}

// prepare reads and configures the spec, then (when types is not nil)
// starts reading the kernel types into it, then creates the maps.
func (p *preloaded) prepare(types chan<- typesResult) {
	p.parse()
	if types != nil {
		// The kernel types now, not at once: on a 2-core machine, reading
		// them at the same time as the ELF (while the command line is
		// parsed on the other core) delays the ELF; the map creation that
		// follows is mostly the kernel's work.
		startKernelTypesInto(types)
	}
	if p.specErr == nil {
		p.createMaps()
	}
}

// parse reads the embedded ELF and sets what does not depend on the
// options.
func (p *preloaded) parse() {
	raiseMemlock()
	spec, err := bpf.LoadRecorder()
	if err != nil {
		p.specErr = err
		return
	}
	p.execNr = 59 // x86_64
	if runtime.GOARCH == "arm64" {
		p.execNr = 221
	}
	if err := spec.Variables[bpf.RecorderVarCfgExecNr].Set(p.execNr); err != nil {
		p.specErr = err
		return
	}
	// The hash maps need no preallocation where tracing programs may use
	// a hash map that allocates on insert (Linux 6.1, bpf_mem_alloc): they
	// get one insert per traced process (procs: 65536 elements, ~1.4 ms to
	// create preallocated), new task (pending), syscall seen the first time
	// (first: 0.2 ms), new argument value (argvals: 0.35 ms) or executable.
	if kernelAtLeast(6, 1) {
		for _, name := range []string{bpf.RecorderMapProcs, bpf.RecorderMapPending, bpf.RecorderMapFirst,
			bpf.RecorderMapArgvals, bpf.RecorderMapArgstate, bpf.RecorderMapExePaths} {
			spec.Maps[name].Flags |= unix.BPF_F_NO_PREALLOC
		}
	}
	p.spec = spec
}

// createMaps creates the maps; the collection uses (clones of) them.
// Creating them, and loading sys_enter and the three other programs, on two
// goroutines each measured no faster on a busy 2-core machine (issue 13:
// 80 interleaved runs each, launch to gate 15.9 vs 16.1 ms median, 11.6 vs
// 11.0 ms min), so it is done in order.
func (p *preloaded) createMaps() {
	p.maps = map[string]*ebpf.Map{}
	for name, ms := range p.spec.Maps {
		if strings.HasPrefix(name, ".") {
			continue // .bss and .rodata: the collection fills them in
		}
		if ms.Type != ebpf.TaskStorage {
			// Only task storage needs its key and value types in the
			// kernel; the others would cost a BTF load each (0.2-0.3 ms
			// of the start for the lot) for bpftool's pretty printing.
			ms.Key, ms.Value = nil, nil
		}
		m, err := ebpf.NewMap(ms)
		if err != nil {
			p.mapErr = err
			return
		}
		p.maps[name] = m
	}
}

// close closes the maps (the collection holds its own references).
func (p *preloaded) close() {
	for _, m := range p.maps {
		m.Close()
	}
	p.maps = nil
}

// discard closes the maps of a Preload that no Record took, once it is
// done, without waiting for it.
func (p *preloaded) discard() {
	go func() {
		<-p.done
		p.close()
	}()
}

// startKernelTypes gets the kernel types (kernelTypes) on another
// goroutine.
func startKernelTypes() <-chan typesResult {
	types := make(chan typesResult, 1)
	startKernelTypesInto(types)
	return types
}

func startKernelTypesInto(types chan<- typesResult) {
	go func() {
		spec, ids, _, err := kernelTypes()
		types <- typesResult{spec, ids, err}
	}()
}
