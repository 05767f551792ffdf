package reduce

import (
	"os"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
)

// TestMain checks rules on two arguments as the commands do
// (policy.FilterVerifier).
func TestMain(m *testing.M) {
	cbpf.EnableFilterVerification()
	os.Exit(m.Run())
}
