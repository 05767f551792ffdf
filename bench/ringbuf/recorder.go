// Package ringbuf is the benchmarks' comparison peer: an eBPF recorder that
// streams one ring-buffer event per syscall of one process and counts them in
// user space, the design seccomp-gen's in-kernel counting avoids. It exists
// only so that `make bench` can put a number next to seccomp-gen's.
package ringbuf

import (
	"errors"
	"fmt"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	cring "github.com/cilium/ebpf/ringbuf"
)

// Recorder is a loaded and attached peer recorder.
type Recorder struct {
	objs   ringbufObjects
	link   link.Link
	reader *cring.Reader

	wg     sync.WaitGroup
	mu     sync.Mutex
	counts map[uint64]uint64
	events uint64
}

// Start loads the program, attaches it to raw_tp/sys_enter and starts
// draining the ring buffer. It records nothing until SetTarget.
func Start() (*Recorder, error) {
	r := &Recorder{counts: map[uint64]uint64{}}
	if err := loadRingbufObjects(&r.objs, nil); err != nil {
		return nil, fmt.Errorf("ringbuf peer: load: %w", err)
	}
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "sys_enter", Program: r.objs.OnSysEnter})
	if err != nil {
		r.objs.Close()
		return nil, fmt.Errorf("ringbuf peer: attach: %w", err)
	}
	r.link = l
	rd, err := cring.NewReader(r.objs.Events)
	if err != nil {
		l.Close()
		r.objs.Close()
		return nil, fmt.Errorf("ringbuf peer: reader: %w", err)
	}
	r.reader = rd
	r.wg.Add(1)
	go r.drain()
	return r, nil
}

func (r *Recorder) drain() {
	defer r.wg.Done()
	var rec cring.Record
	for {
		if err := r.reader.ReadInto(&rec); err != nil {
			if errors.Is(err, cring.ErrClosed) || errors.Is(err, cring.ErrFlushed) {
				return
			}
			continue
		}
		if len(rec.RawSample) < 16 {
			continue
		}
		nr := uint64(rec.RawSample[8]) | uint64(rec.RawSample[9])<<8 | uint64(rec.RawSample[10])<<16 | uint64(rec.RawSample[11])<<24
		r.mu.Lock()
		r.counts[nr]++
		r.events++
		r.mu.Unlock()
	}
}

// SetTarget starts recording the thread group tgid.
func (r *Recorder) SetTarget(tgid int) error {
	return r.objs.Target.Put(uint32(0), uint32(tgid))
}

// Stop detaches, drains what is left in the ring and returns the per-syscall
// event counts and the number of events the kernel side dropped.
func (r *Recorder) Stop() (counts map[uint64]uint64, lost uint64, err error) {
	r.link.Close()
	// The drainer returns every pending sample, then ErrFlushed.
	if err := r.reader.Flush(); err != nil {
		return nil, 0, fmt.Errorf("ringbuf peer: flush: %w", err)
	}
	r.wg.Wait()
	r.reader.Close()
	var per []uint64
	if err := r.objs.Lost.Lookup(uint32(0), &per); err != nil {
		return nil, 0, fmt.Errorf("ringbuf peer: lost: %w", err)
	}
	for _, v := range per {
		lost += v
	}
	r.objs.Close()
	return r.counts, lost, nil
}

// AttachEmpty attaches an empty program to raw_tp/sys_enter: the cost every
// syscall on the machine pays for any recorder on that hook. Call the
// returned function to detach.
func AttachEmpty() (detach func(), err error) {
	_, detach, err = AttachEmptyProgram()
	return detach, err
}

// AttachEmptyProgram is AttachEmpty that also returns the program, whose
// run-time statistics (with BPF_ENABLE_STATS) are the floor of any
// program's on that hook.
func AttachEmptyProgram() (prog *ebpf.Program, detach func(), err error) {
	var objs ringbufObjects
	if err := loadRingbufObjects(&objs, nil); err != nil {
		return nil, nil, fmt.Errorf("empty program: load: %w", err)
	}
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "sys_enter", Program: objs.EmptySysEnter})
	if err != nil {
		objs.Close()
		return nil, nil, fmt.Errorf("empty program: attach: %w", err)
	}
	return objs.EmptySysEnter, func() { l.Close(); objs.Close() }, nil
}
