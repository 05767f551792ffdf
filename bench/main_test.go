package main

import (
	"os"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// TestMain gives the traces of go test ./bench (the short mode, as root) a
// pool of prepared recorders of their own (trace/recorder/record_pool.go):
// the attach section empties the pool for its cold starts, which must not
// be /run/seccomp-gen/bpf.
func TestMain(m *testing.M) {
	os.Exit(testutil.MainWithPrivatePool(m))
}
