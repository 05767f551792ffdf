package widen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// A trace names the executables that --widen reads, and they name their
// libraries and interpreters: none of those may make seccomp-gen wait on a
// FIFO or read a device without end. Each is a note (Analyze) or an error
// (Identify), quickly.
func TestAnalyzeNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "script")
	if err := os.WriteFile(script, []byte("#!"+fifo+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, script, "/dev/zero"} {
		testutil.Finishes(t, "Analyze("+p+")", fifo, func() {
			r := Analyze([]string{p}, Options{LibDirs: []string{}})
			if len(r.Implied) != 0 || len(r.Notes) == 0 {
				t.Errorf("Analyze(%s) = %+v, want only a note", p, r)
			}
		})
	}
	for _, p := range []string{fifo, "/dev/zero"} {
		testutil.Finishes(t, "Identify("+p+")", fifo, func() {
			if _, err := Identify(p); !errors.Is(err, errNotRegular) {
				t.Errorf("Identify(%s): %v, want errNotRegular", p, err)
			}
		})
	}
}

// A library named with a slash in DT_NEEDED is opened as named: a FIFO
// there is a note, not waited for.
func TestAnalyzeNeededFIFO(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := syscall.Mkfifo("fifo.so", 0o600); err != nil {
		t.Fatal(err)
	}
	exe, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true in PATH")
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	// DT_NEEDED libc.so.6 becomes ./fifo.so (as long: the string table
	// keeps its layout).
	i := bytes.Index(data, []byte("\x00libc.so.6\x00"))
	if i < 0 {
		t.Skip("true does not name libc.so.6")
	}
	copy(data[i+1:], "./fifo.so")
	if err := os.WriteFile("exe", data, 0o755); err != nil {
		t.Fatal(err)
	}
	testutil.Finishes(t, "Analyze(an executable that needs a FIFO)", "fifo.so", func() {
		r := Analyze([]string{filepath.Join(dir, "exe")}, Options{LibDirs: []string{}})
		found := false
		for _, n := range r.Notes {
			found = found || strings.Contains(n, "fifo.so") && strings.Contains(n, "not a regular file")
		}
		if !found {
			t.Errorf("Analyze: notes %q, want one saying ./fifo.so is not a regular file", r.Notes)
		}
	})
}

// Files larger than maxHashed without a build ID are not hashed; one of
// maxHashed bytes is hashed whole.
func TestIdentifyTooLarge(t *testing.T) {
	old := maxHashed
	maxHashed = 10
	defer func() { maxHashed = old }()
	p := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(p, []byte(strings.Repeat("x", 11)), 0o755); err != nil {
		t.Fatal(err)
	}
	if id, err := Identify(p); err == nil || !strings.Contains(err.Error(), "not hashed") {
		t.Errorf("Identify(11 bytes, limit 10) = %+v, %v; want an error", id, err)
	}
	if err := os.WriteFile(p, []byte(strings.Repeat("x", 10)), 0o755); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(strings.Repeat("x", 10)))
	if id, err := Identify(p); err != nil || id.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("Identify(10 bytes, limit 10) = %+v, %v; want the hash of all 10", id, err)
	}
}
