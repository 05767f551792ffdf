package doctor

import (
	"os"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/reexec"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// TestMain registers the recorder's stub, as seccomp-gen's main does: the
// trial trace re-executes this test binary as its stub.
func TestMain(m *testing.M) {
	reexec.Register(recorder.StubName, recorder.Stub)
	if status, ok := reexec.Init(); ok {
		os.Exit(status)
	}
	os.Exit(m.Run())
}
