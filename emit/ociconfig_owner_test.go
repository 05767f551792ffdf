package emit

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// TestSetOCIConfigKeepsOwner: --oci-config edits a bundle's config.json in
// place, and the file keeps its owner and group when root does it. Before,
// the rename of root's new file gave it to root, and a user's 0640
// config.json became unreadable to its owner (and to rootless runc or crun
// run as that user). Found by an audit.
func TestSetOCIConfigKeepsOwner(t *testing.T) {
	testutil.RequireRoot(t) // to give the fixture another owner
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, []byte(ociConfig), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 1000, 1000); err != nil {
		t.Fatal(err)
	}
	if err := SetOCIConfig(path, fixture()); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	s := st.Sys().(*syscall.Stat_t)
	if s.Uid != 1000 || s.Gid != 1000 {
		t.Errorf("config.json now owned by %d:%d, want 1000:1000 kept (mode %v: its owner can no longer read it)", s.Uid, s.Gid, st.Mode().Perm())
	}
}
