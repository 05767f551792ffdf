package recorder

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestCacheFIFODoesNotHang: a FIFO where a cache file belongs (the kernel
// types, an argument mask) is refused like any file that is not a private
// regular one, and the cache is rebuilt; before, opening it blocked until
// a writer came, and every trace and doctor hung there, deaf to SIGINT and
// SIGTERM (found by an audit).
func TestCacheFIFODoesNotHang(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{btfCacheFile, argMaskCachePrefix + "0123456789abcdef"} {
		path := filepath.Join(dir, name)
		if err := unix.Mkfifo(path, 0o600); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, _, err := readPrivateCache(path, "test cache")
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("%s: a FIFO read as a cache", name)
			}
		case <-time.After(3 * time.Second):
			t.Errorf("%s: readPrivateCache blocked on a FIFO for 3s", name)
			// Unblock the goroutine: a writer lets its open return.
			if f, err := os.OpenFile(path, os.O_WRONLY|unix.O_NONBLOCK, 0); err == nil {
				f.Close()
			}
		}
	}
}
