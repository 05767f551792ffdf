//go:build !linux

package hugeheap

import "errors"

// State is how this process's Go heap is paged, read from the kernel.
type State struct {
	THP             string
	Advised, NoHuge bool
	AnonHugeBytes   int64
}

// Heap reports how the Go heap is paged: only Linux says.
func Heap() (State, error) { return State{}, errors.New("not on Linux") }

// Describe says in a line how the heap is paged.
func (st State) Describe() string { return "unknown (not Linux)" }
