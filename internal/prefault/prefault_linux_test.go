//go:build linux

package prefault

import (
	"os"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/kver"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// The constructor advised the executable's read-only segments (this test
// binary imports the package: its own), the kernel took the advice, and
// the code is all mapped: its mapping's resident size is its size. (A
// small binary whose page cache is in large folios is all resident soon
// without it too: the stub's test, in cmd/seccomp-gen, is the one that
// tells a process that did not prefault from one that did.)
func TestTextPopulated(t *testing.T) {
	if !Enabled {
		t.Skip("built without the constructor (-tags noprefault, or no cgo): nothing to test")
	}
	advised, refused := segments()
	if advised < 2 {
		t.Fatalf("%d segments advised, want the code and the read-only data at least", advised)
	}
	if refused != 0 {
		// Linux 5.14 and later take the advice; before, the binary
		// starts as without it.
		if !kver.AtLeast(5, 14) {
			t.Skipf("SKIPPED (not a failure): this kernel (before Linux 5.14) has no MADV_POPULATE_READ: the constructor's advice is refused, as it should be")
		}
		t.Fatalf("the kernel refused %d of %d segments' MADV_POPULATE_READ", refused, advised)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	m, err := testutil.SmapsOf(os.Getpid(), exe, "r-xp")
	if err != nil {
		t.Fatal(err)
	}
	if m.Rss < m.Size {
		t.Errorf("the code's mapping: %d KiB of %d KiB resident, want all of it", m.Rss, m.Size)
	}
}
