package bpf

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// TestSourceHashCoversSources recomputes SourceHash from the files on disk:
// a header added to headers/ (or a second .c file) that the embed pattern
// missed would make the two differ.
func TestSourceHashCoversSources(t *testing.T) {
	var paths []string
	for _, pat := range []string{"*.c", "headers/*"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	sort.Strings(paths)
	h := sha256.New()
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(filepath.ToSlash(p)))
		h.Write([]byte{0})
		h.Write([]byte(strconv.Itoa(len(data))))
		h.Write([]byte{0})
		h.Write(data)
	}
	want := "sha256:" + hex.EncodeToString(h.Sum(nil))
	if got := SourceHash(); got != want {
		t.Fatalf("SourceHash() = %s, the files on disk (%v) hash to %s: extend the go:embed pattern in source.go", got, paths, want)
	}
}
