//go:build !linux || !cgo

package prestub

import (
	"os"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/prestub/gate"
)

// EarlyEnv is as on Linux.
const EarlyEnv = "SECCOMP_GEN_EARLY"

// Early is never made here.
type Early struct {
	Process                     *os.Process
	Ready                       *os.File
	Links                       []int
	Claimed, Path               string
	Argv                        []string
	NoArgs, Stdout              bool
	Launch, Claim, Attach, Gate time.Time
	Adopted                     bool
}

// EarlyWhy says there is no early start here.
func EarlyWhy() string { return "no early start without cgo on Linux" }

// Caught is gate.Caught.
var Caught = gate.Caught

// EarlySignals is gate.Signals.
func EarlySignals() chan os.Signal { return gate.Signals() }

// TakeEarly returns nil here.
func TakeEarly() *Early { return nil }

// AbandonEarly does nothing here.
func AbandonEarly() string { return "" }

// Kill does nothing here.
func (e *Early) Kill() {}

// Release does nothing here.
func (e *Early) Release() {}

// EarlyHeld says no signal was held here.
func EarlyHeld() int { return 0 }
