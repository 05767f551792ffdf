package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestRefusedTraceLeavesNoOrphan: a trace refused after the constructor
// forked its stub child (internal/prestub) reaps that child before it
// exits. The child used to exit after seccomp-gen, an orphan left to
// init, which counted it against the user's process limit until it reaped
// it (seconds here): TestProcessLimit's next case then aborted in the Go
// runtime for want of a thread. This test is the orphans' subreaper for
// the run, so an orphan would become its child.
func TestRefusedTraceLeavesNoOrphan(t *testing.T) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	out := filepath.Join(t.TempDir(), "no-such-dir", "t.yaml")
	cmd := exec.Command(os.Args[0], "trace", "-o", out, "--", "true")
	cmd.Env = append(os.Environ(), testMainEnv+"=1", "SECCOMP_GEN_EARLY=off")
	if err := cmd.Run(); err == nil {
		t.Fatal("trace -o into a missing directory succeeded")
	}
	// The orphan, if any, exits on its own at once (EOF on its socket).
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err != nil {
			return // ECHILD: no child at all, none will come
		}
		if pid > 0 {
			t.Fatalf("seccomp-gen left process %d behind (%v), reparented to this test", pid, ws)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
