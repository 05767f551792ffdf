package bpf

import (
	"sync"

	"github.com/cilium/ebpf"
)

// The recorder's ELF is parsed (LoadRecorder: its BTF, programs and
// relocations; ~1 ms on a 2-core Xeon VM, several on a machine whose
// page faults are slow) on the critical path of every traced start.
// PrefetchRecorder lets a command that will record start that parse at
// once, on a goroutine of its own, while it parses its flags and checks
// its inputs; Recorder then takes the result (issue 13: launch to the
// command's main).
var prefetch struct {
	mu sync.Mutex
	ch chan prefetched
}

type prefetched struct {
	spec *ebpf.CollectionSpec
	err  error
}

// PrefetchRecorder starts parsing the recorder's ELF in the background
// for the next Recorder call. It does nothing when a parse is already
// waiting to be taken.
func PrefetchRecorder() {
	prefetch.mu.Lock()
	defer prefetch.mu.Unlock()
	if prefetch.ch != nil {
		return
	}
	ch := make(chan prefetched, 1)
	prefetch.ch = ch
	go func() {
		spec, err := LoadRecorder()
		ch <- prefetched{spec, err}
	}()
}

// Recorder returns the recorder's collection spec, one of its own to each
// caller (callers change its variables and maps): the one PrefetchRecorder
// started, when one is waiting to be taken (waiting for it to be parsed),
// else a fresh LoadRecorder.
func Recorder() (*ebpf.CollectionSpec, error) {
	prefetch.mu.Lock()
	ch := prefetch.ch
	prefetch.ch = nil
	prefetch.mu.Unlock()
	if ch == nil {
		return LoadRecorder()
	}
	p := <-ch
	return p.spec, p.err
}
