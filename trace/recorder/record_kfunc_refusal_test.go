package recorder

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// Only the verifier's answer is a refusal to note for good; a resource
// the load lacked (cilium/ebpf wraps those in a VerifierError too) is not.
func TestVerifierRefused(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&ebpf.VerifierError{Cause: unix.EACCES}, true},
		{fmt.Errorf("load program: %w", &ebpf.VerifierError{Cause: unix.EINVAL}), true},
		{&ebpf.VerifierError{Cause: unix.EMFILE}, false},
		{&ebpf.VerifierError{Cause: unix.ENOMEM}, false},
		{fmt.Errorf("load program: %w", &ebpf.VerifierError{Cause: unix.EPERM}), false},
		{unix.EACCES, false}, // not the verifier's
		{errors.New("something else"), false},
		{nil, false},
	} {
		if got := verifierRefused(c.err); got != c.want {
			t.Errorf("verifierRefused(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
