package recorder

import (
	"context"
	"os"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// BenchmarkRecordTrue: one whole trace of /bin/true per iteration (start,
// command, detach, result), to profile the start with -cpuprofile: CPU
// time in the kernel (verification in bpf(2), say) shows under the Go
// frames that made the call. The bench (make bench) is where the start is
// measured against the floor; this is where to look for what it is made of.
func BenchmarkRecordTrue(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("not root: recording needs root")
	}
	for b.Loop() {
		rec, err := Record(context.Background(), Options{Command: []string{"/bin/true"}, Namer: scmp.Tables{}})
		if err != nil {
			b.Fatal(err)
		}
		if rec.Reason != "exit" {
			b.Fatalf("reason %q", rec.Reason)
		}
	}
}
