package doctor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// The user-notification probe loads a filter on a thread of its own that
// then exits: no thread of the process is left filtered, the main one
// above all, which Go keeps when a goroutine locked to it exits (the probe
// landed there in 3 runs of 6 and left doctor's process filtered).
func TestListenerProbeLeavesNoFilter(t *testing.T) {
	for i := 0; i < 20; i++ {
		if err := newListener(); err != nil {
			testutil.SkipOrFail(t, "seccomp with a listener refused here: "+err.Error())
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		filtered := filteredThreads(t)
		if len(filtered) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("threads left under the probe's filter: %v (the main thread is %d)", filtered, os.Getpid())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func filteredThreads(t *testing.T) []string {
	t.Helper()
	paths, _ := filepath.Glob("/proc/self/task/*/status")
	var out []string
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			continue // exited meanwhile
		}
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "Seccomp:"); ok && strings.TrimSpace(v) != "0" {
				out = append(out, filepath.Base(filepath.Dir(p)))
			}
		}
	}
	return out
}
