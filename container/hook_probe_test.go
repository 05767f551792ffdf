package container

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestCheckWritableNamesNoFile: the hook's check that it can write its
// output creates no named file in the output's directory (a hook killed
// between creating and removing a named probe left it in the user's
// directory); the kernel sees no creation there at all.
func TestCheckWritableNamesNoFile(t *testing.T) {
	dir := t.TempDir()
	in, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(in)
	if _, err := unix.InotifyAddWatch(in, dir, unix.IN_CREATE|unix.IN_MOVED_TO); err != nil {
		t.Fatal(err)
	}
	if err := checkWritable(filepath.Join(dir, "app.trace.yaml"), []string{dir}); err != nil {
		t.Fatal(err)
	}
	var buf [4096]byte
	if n, err := unix.Read(in, buf[:]); err == nil {
		t.Errorf("checkWritable created a file in %s (%d bytes of inotify events)", dir, n)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("%d files left in %s", len(ents), dir)
	}
}
