//go:build !linux || !cgo

package prestub

import (
	"errors"
	"os"
)

// Linked says the constructor is in this binary.
const Linked = false

// Take returns nil: no child is forked without cgo on Linux.
func Take() *Child { return nil }

// Discard does nothing here.
func Discard() {}

// Child is never made here.
type Child struct{ Process *os.Process }

// Spec is as on Linux.
type Spec struct {
	Path             string
	Argv, Env        []string
	Dir              string
	Files            []*os.File
	Masks            bool
	Ignored, Blocked uint64
}

// ErrGone is as on Linux.
var ErrGone = errors.New("the prepared stub process is gone")

// Usable is false here.
func (s *Spec) Usable() bool { return false }

// Start fails here.
func (c *Child) Start(Spec) error { return ErrGone }

// Release does nothing here.
func (c *Child) Release() {}
