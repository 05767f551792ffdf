package recorder

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// A workload can put a FIFO at the path it exec'd, or at the interpreter
// its script names, once it runs (in its container too): identifying the
// executable must not open it, which would wait for a writer for good and
// hold up the end of the trace. Nothing but the exec'd file is identified.
func TestIdentifyFIFOAtExecPath(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "exe")
	if err := os.WriteFile(exe, []byte("\x7fELF not really"), 0o755); err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(exe, &st); err != nil {
		t.Fatal(err)
	}
	want := fileID{dev: kernelDev(st.Dev), ino: st.Ino}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "script")
	if err := os.WriteFile(script, []byte("#!"+fifo+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	testutil.Finishes(t, "identifyOnHost(a FIFO)", fifo, func() {
		if _, ok := identifyOnHost(fifo, want); ok {
			t.Error("identifyOnHost identified a FIFO")
		}
	})
	testutil.Finishes(t, "openVia(a FIFO)", fifo, func() {
		if fd, _, ok := openVia(os.Getpid(), fifo, want); ok {
			syscall.Close(fd)
			t.Error("openVia opened a FIFO")
		}
	})
	testutil.Finishes(t, "openVia(a script whose interpreter is a FIFO)", fifo, func() {
		if fd, _, ok := openVia(os.Getpid(), script, want); ok {
			syscall.Close(fd)
			t.Error("openVia took a script whose interpreter is a FIFO")
		}
	})
	testutil.Finishes(t, "identifyOnHost(a script whose interpreter is a FIFO)", fifo, func() {
		if _, ok := identifyOnHost(script, want); ok {
			t.Error("identifyOnHost took a script whose interpreter is a FIFO")
		}
	})
	// The exec'd file itself still is.
	fd, _, ok := openVia(os.Getpid(), exe, want)
	if !ok {
		t.Fatal("openVia(the exec'd file) failed")
	}
	syscall.Close(fd)
	if _, ok := identifyOnHost(exe, want); !ok {
		t.Error("identifyOnHost(the exec'd file) failed")
	}
}
