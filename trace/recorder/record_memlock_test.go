package recorder

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/internal/kver"
)

// TestLoadErrWithoutMemlockAdvice: cilium/ebpf's "MEMLOCK may be too
// low" is dropped from trace's error where the memlock limit is not the
// cause (Linux 5.11 on): an EPERM there is capabilities, an LSM or a
// seccomp filter (doctor review: trace under replay --enforce of a
// profile that denies bpf).
func TestLoadErrWithoutMemlockAdvice(t *testing.T) {
	if !kver.AtLeast(5, 11) {
		t.Skip("before Linux 5.11 the memlock limit may be the cause")
	}
	err := fmt.Errorf("field SysEnter: program sys_enter: %w",
		fmt.Errorf("load program: %w (MEMLOCK may be too low, consider rlimit.RemoveMemlock)", unix.EPERM))
	got := loadErr(err)
	if strings.Contains(got.Error(), "MEMLOCK") || !errors.Is(got, ErrPermission) || !errors.Is(got, unix.EPERM) ||
		!strings.Contains(got.Error(), "program sys_enter: load program: operation not permitted") {
		t.Errorf("loadErr(%q) = %q, want permission denied in the kernel's words, without the memlock advice", err, got)
	}
	if got := attachErr("sys_enter", err); strings.Contains(got.Error(), "MEMLOCK") {
		t.Errorf("attachErr: %q keeps the memlock advice", got)
	}
}
