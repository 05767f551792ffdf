package testutil

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// IgnoredSignals is the SigIgn mask of the test process (bit N-1: signal
// N ignored). A child inherits ignored signals across execve, so a test
// that checks what a command it starts ignores must expect these too: the
// environment a test runs in (a CI runner, make, a shell) may have
// ignored some before the test started.
func IgnoredSignals(t testing.TB) uint64 {
	t.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "SigIgn:\t"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatalf("/proc/self/status: SigIgn %q: %v", v, err)
			}
			return n
		}
	}
	t.Fatal("/proc/self/status has no SigIgn line")
	return 0
}
