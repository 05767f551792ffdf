package scmp

import (
	"testing"

	seccomp "github.com/seccomp/libseccomp-golang"
)

// TestPinAPIOnlyWithoutSeccomp: on a kernel with seccomp(2) the API level
// stays what libseccomp detects (loading filters depends on it); the pinned
// case is tested by internal/releasetest, which runs the arm64 build under
// qemu-user.
func TestPinAPIOnlyWithoutSeccomp(t *testing.T) {
	before, err := seccomp.GetAPI()
	if err != nil {
		t.Fatal(err)
	}
	if PinAPIWithoutSeccomp() {
		t.Fatal("pinned the API level on a kernel with seccomp(2)")
	}
	if after, _ := seccomp.GetAPI(); after != before {
		t.Fatalf("API level %d -> %d", before, after)
	}
}
