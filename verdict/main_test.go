package verdict

import (
	"os"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
)

// TestMain checks rules on two arguments as the commands do
// (policy.ChainVerifier).
func TestMain(m *testing.M) {
	cbpf.EnableChainVerification()
	os.Exit(m.Run())
}
