package container

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// TestCheckWritableNamesNoFile: the hook's check that it can write its
// output creates no named file in the output's directory (a hook killed
// between creating and removing a named probe left it in the user's
// directory); the kernel sees no creation there at all.
func TestCheckWritableNamesNoFile(t *testing.T) {
	dir := t.TempDir()
	var err error
	if names := testutil.Created(t, dir, func() { err = checkWritable(filepath.Join(dir, "app.trace.yaml"), []string{dir}) }); len(names) > 0 {
		t.Errorf("checkWritable created %v in %s", names, dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("%d files left in %s", len(ents), dir)
	}
}
