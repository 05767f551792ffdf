package cbpf

import (
	"errors"
	"fmt"
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

// A file of exactly MaxInstructions instructions, the kernel's limit, is a
// filter; one instruction more is not.
func TestReadFileAtTheLimit(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{MaxInstructions, MaxInstructions + 1} {
		p := make(Program, n)
		for i := range p {
			p[i] = ret(RetAllow)
		}
		path := filepath.Join(dir, fmt.Sprintf("%d.bpf", n))
		if err := os.WriteFile(path, p.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ReadFile(path)
		if n <= MaxInstructions && (err != nil || len(got) != n) {
			t.Errorf("%d instructions: %d read, %v", n, len(got), err)
		}
		if n > MaxInstructions && (!errors.Is(err, ErrBadProgram) || !strings.Contains(err.Error(), "more than 4096 instructions")) {
			t.Errorf("%d instructions: got %v", n, err)
		}
	}
}
