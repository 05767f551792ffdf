package recorder

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// countingNamer is libseccomp's tables, counting the names asked.
type countingNamer struct {
	scmp.Tables
	key   string
	names *int
}

func (n countingNamer) Name(arch string, nr int) (string, bool) {
	*n.names++
	return n.Tables.Name(arch, nr)
}

func (n countingNamer) CacheKey() string { return n.key }

// plainNamer is libseccomp's tables without a CacheKey: never cached.
type plainNamer struct{ t scmp.Tables }

func (n plainNamer) Has(arch, name string) bool              { return n.t.Has(arch, name) }
func (n plainNamer) Name(arch string, nr int) (string, bool) { return n.t.Name(arch, nr) }
func (n plainNamer) Number(arch, name string) (int, error)   { return n.t.Number(arch, name) }
func (n plainNamer) Names(arch string) ([]string, error)     { return n.t.Names(arch) }

// useArgMaskCache points the cache at a new private directory.
func useArgMaskCache(t *testing.T) {
	t.Helper()
	old := argMaskDir
	argMaskDir = filepath.Join(t.TempDir(), "cache")
	t.Cleanup(func() { argMaskDir = old })
}

// argMaskFile is the cache file of namer.
func argMaskFile(t *testing.T, namer CacheableNamer) string {
	t.Helper()
	key, err := argMaskKey(namer)
	if err != nil {
		t.Fatal(err)
	}
	return argMaskPath(key)
}

// cfg_argmask comes from the cache only when it was written for this
// executable and namer, intact, in a private file: else it is computed
// (and cached again), and either way it is argMask's answer.
func TestArgMaskCache(t *testing.T) {
	useArgMaskCache(t)
	want := argMask(scmp.Tables{})
	if want == ([nrABIs * nrSlots]uint8{}) {
		t.Fatal("argMask records no argument at all")
	}
	var asked int
	namer := countingNamer{key: "tables A", names: &asked}
	get := func(n trace.Tables, what string, fromCache bool) {
		t.Helper()
		asked = 0
		if got := argMaskCached(n); got != want {
			t.Fatalf("%s: the mask differs from argMask's", what)
		}
		if _, counting := n.(countingNamer); !counting {
			return
		}
		if fromCache && asked != 0 {
			t.Errorf("%s: %d names asked, want the cache's answer", what, asked)
		}
		if !fromCache && asked == 0 {
			t.Errorf("%s: no name asked, want the mask computed", what)
		}
	}
	get(namer, "first start", false)
	if _, err := os.Stat(argMaskFile(t, namer)); err != nil {
		t.Fatalf("not cached: %v", err)
	}
	get(namer, "second start", true)

	// Another namer's tables: computed again.
	get(countingNamer{key: "tables B", names: &asked}, "other tables", false)
	get(countingNamer{key: "tables B", names: &asked}, "other tables, again", true)

	// Both kept: the first one's still used.
	get(namer, "first tables again", true)

	// A damaged mask (one byte changed): computed again.
	path := argMaskFile(t, countingNamer{key: "tables B"})
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-1] ^= 0x40
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	get(countingNamer{key: "tables B", names: &asked}, "damaged", false)

	// A file others may write to is not read.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	get(countingNamer{key: "tables B", names: &asked}, "group and world readable", false)

	// A namer without a CacheKey is asked every time and writes nothing.
	before, _ := filepath.Glob(filepath.Join(argMaskDir, argMaskCachePrefix+"*"))
	get(plainNamer{}, "no CacheKey", false)
	if after, _ := filepath.Glob(filepath.Join(argMaskDir, argMaskCachePrefix+"*")); len(after) != len(before) {
		t.Errorf("a namer without a CacheKey was cached: %d files, %d before", len(after), len(before))
	}

	// The newest argMaskKeep files are kept, the first one's among the
	// older ones removed (mtimes apart: a file system may keep them to the
	// jiffy).
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(argMaskFile(t, namer), old, old); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < argMaskKeep; i++ {
		get(countingNamer{key: fmt.Sprint("tables ", i), names: &asked}, "another key", false)
	}
	if got, _ := filepath.Glob(filepath.Join(argMaskDir, argMaskCachePrefix+"*")); len(got) != argMaskKeep {
		t.Errorf("%d cache files, want %d", len(got), argMaskKeep)
	}
	if _, err := os.Stat(argMaskFile(t, namer)); !os.IsNotExist(err) {
		t.Errorf("the oldest cache file was kept (%v)", err)
	}
}
