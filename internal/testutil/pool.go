package testutil

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// poolEnv and prepareName are trace/recorder's PoolEnv and PrepareName
// (this package cannot import it: the recorder's tests import this one).
const (
	poolEnv     = "SECCOMP_GEN_POOL"
	prepareName = "seccomp-gen-prepare-recorder"
)

// PrivatePool points the pool of prepared recorders (trace/recorder,
// record_pool.go) at a new temporary directory for this test binary and
// every seccomp-gen it starts, so that no test mounts a bpf file system
// or pins under /run/seccomp-gen. A TestMain calls it before m.Run and the
// func it returns after: that waits (10 s at most) for the helpers that
// prepare recorders into this pool, unmounts it and removes the directory.
func PrivatePool() (func(), error) {
	dir, err := os.MkdirTemp("", "seccomp-gen-test-pool")
	if err != nil {
		return nil, err
	}
	pool := filepath.Join(dir, "bpf")
	old, had := os.LookupEnv(poolEnv)
	os.Setenv(poolEnv, pool)
	return func() {
		for deadline := time.Now().Add(10 * time.Second); preparing(pool) && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		// The directory goes first: a helper started late cannot mount
		// the pool again (it makes only the pool's last component).
		_ = unix.Unmount(pool, unix.MNT_DETACH)
		_ = os.RemoveAll(dir)
		if had {
			os.Setenv(poolEnv, old)
		} else {
			os.Unsetenv(poolEnv)
		}
	}, nil
}

// MainWithPrivatePool runs a test binary's tests (m.Run) with a
// PrivatePool and returns their status, 2 if the pool cannot be made.
func MainWithPrivatePool(m *testing.M) int {
	done, err := PrivatePool()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer done()
	return m.Run()
}

// preparing says whether a helper that prepares recorders into pool runs.
func preparing(pool string) bool {
	procs, _ := os.ReadDir("/proc")
	want := []byte(poolEnv + "=" + pool + "\x00")
	for _, p := range procs {
		cmdline, err := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
		if err != nil || !strings.HasPrefix(string(cmdline), prepareName+"\x00") {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", p.Name(), "environ"))
		if err == nil && bytes.Contains(append(env, 0), want) {
			return true
		}
	}
	return false
}
