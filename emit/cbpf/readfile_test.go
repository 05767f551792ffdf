package cbpf

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ReadFile reads no more than a filter can hold: a sparse 200 MB file is
// refused as too long, not read into memory nor called a bad length.
func TestReadFileBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.bpf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(200 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = ReadFile(path)
	if !errors.Is(err, ErrBadProgram) || !strings.Contains(err.Error(), "more than 4096 instructions") {
		t.Fatalf("got %v", err)
	}
}
