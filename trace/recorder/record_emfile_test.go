package recorder

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/internal/limits"
)

// TestLoadErrRanOutOfFiles: EMFILE while loading, in the words cilium/ebpf
// gives it (a verifier error that wraps it, a "can't dup fd" that keeps
// only its text, a failed feature probe), says too many open files and how
// to raise the limit, never "kernel not supported" (doctor review: ulimit
// -n 100 with 40 descriptors inherited).
func TestLoadErrRanOutOfFiles(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("load program: %w", &ebpf.VerifierError{Cause: fmt.Errorf("load btf: %w", unix.EMFILE)}),
		fmt.Errorf("assign values: field SysEnter: program sys_enter: can't clone map: %w",
			fmt.Errorf("can't dup fd: %v", unix.EMFILE)), //nolint:errorlint // as cilium/ebpf words it
		fmt.Errorf("detect feature: %w: %w", ebpf.ErrNotSupported, unix.EMFILE),
		unix.ENFILE,
	} {
		got := loadErr(err)
		if errors.Is(got, ErrUnsupported) || !errors.Is(got, limits.ErrTooFewFiles) ||
			!strings.Contains(got.Error(), "open files") || !strings.Contains(got.Error(), "ulimit -n") {
			t.Errorf("loadErr(%q) = %q, want too few open files and how to raise the limit", err, got)
		}
		if got := attachErr("sys_enter", err); !errors.Is(got, limits.ErrTooFewFiles) {
			t.Errorf("attachErr(%q) = %q, want too few open files", err, got)
		}
	}
	// Other errors keep their classes.
	if got := loadErr(fmt.Errorf("load program: %w", &ebpf.VerifierError{Cause: unix.EINVAL})); !errors.Is(got, ErrUnsupported) {
		t.Errorf("a verifier refusal: %q, want kernel not supported", got)
	}
	if got := loadErr(unix.EPERM); !errors.Is(got, ErrPermission) {
		t.Errorf("EPERM: %q, want permission denied", got)
	}
}
