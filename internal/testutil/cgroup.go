package testutil

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TempCgroup makes a cgroup v2 directory for the test below mnt (the
// cgroup v2 mount) and removes it when the test ends: every process still
// in it is killed first (cgroup.kill), and the removal is retried while
// the killed ones exit (rmdir says EBUSY until they have). A test that
// removed its cgroup with one os.Remove, right after killing a shell whose
// children were still in it, left the directory behind on the machine.
func TempCgroup(t testing.TB, mnt, name string) string {
	t.Helper()
	cg := filepath.Join(mnt, name+"-"+strconv.Itoa(os.Getpid()))
	if err := os.Mkdir(cg, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = os.WriteFile(filepath.Join(cg, "cgroup.kill"), []byte("1"), 0)
		var err error
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if err = os.Remove(cg); err == nil || errors.Is(err, os.ErrNotExist) {
				return
			}
		}
		t.Errorf("the test's cgroup %s is left on the machine: %v", cg, err)
	})
	return cg
}
