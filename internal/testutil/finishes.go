package testutil

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// Finishes runs f and fails the test if it still runs after 10s; then it
// opens fifo for writing, which lets an open of it for reading return (so
// that f's goroutine does not outlive the test blocked on it).
func Finishes(t *testing.T, what, fifo string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { f(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			defer w.Close()
		}
		t.Fatalf("%s: still waiting after 10s", what)
	}
}
