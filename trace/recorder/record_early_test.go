package recorder

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/prestub"
)

// TestEarlyNotTakenIsKilled: a command started early (internal/prestub)
// that Record does not take over, because the options are refused or
// name another command, is killed, never left to run on untraced.
func TestEarlyNotTakenIsKilled(t *testing.T) {
	for _, c := range []struct {
		name string
		opts Options
	}{
		{"options refused", Options{Command: []string{"sleep", "10"}, PID: 1}},
		{"another command", Options{Command: []string{"true"}}},
		{"another path", Options{Command: []string{"sleep", "10"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command("sleep", "10")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			e := &prestub.Early{Process: cmd.Process, Argv: []string{"sleep", "10"}, Path: "/nonexistent/sleep"}
			c.opts.Early = e
			start := time.Now()
			if _, err := Record(context.Background(), c.opts); err == nil {
				t.Fatal("Record took a command that is not its own")
			}
			// Killed and reaped by Kill.
			if err := cmd.Process.Signal(syscall.Signal(0)); !errors.Is(err, os.ErrProcessDone) {
				t.Errorf("the command was not killed and reaped (signal 0: %v)", err)
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
		})
	}
}
