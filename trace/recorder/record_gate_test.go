package recorder

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// TestInterruptAtGate: a recording whose ctx is cancelled as the stub's
// gate opens (SIGTERM then) ends either before the command (an error, and
// the command never runs) or with CommandRan set and the command running;
// never with a recording that says the command did not run while the stub,
// past its gate, runs it untraced (before settleStart: 10 of 10 rounds
// here; found by an audit).
func TestInterruptAtGate(t *testing.T) {
	testutil.RequireRoot(t)
	touch := "/usr/bin/touch"
	for i := 0; i < 10; i++ {
		marker := filepath.Join(t.TempDir(), "ran")
		ctx, cancel := context.WithCancel(context.Background())
		rec, err := Record(ctx, Options{Command: []string{touch, marker}, Namer: scmp.Tables{},
			OnPhase: func(p string) {
				if p == PhaseGate {
					cancel()
				}
			}})
		cancel()
		ran := func() bool { _, err := os.Stat(marker); return err == nil }
		for j := 0; j < 100 && !ran(); j++ {
			time.Sleep(10 * time.Millisecond)
		}
		switch {
		case err != nil && ran():
			t.Errorf("round %d: Record: %v, but the command ran", i, err)
		case err == nil && !rec.CommandRan:
			t.Errorf("round %d: a recording (reason %s, %d syscalls) that says the command's execve did not happen; it ran: %v", i, rec.Reason, len(rec.File.Syscalls), ran())
		case err == nil && !ran():
			t.Errorf("round %d: CommandRan, but the command made no file", i)
		}
	}
}
