package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/internal/doctor"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// TestDoctorCommand runs doctor on this machine (as CI does: root, BTF),
// where trace works, so it exits 0; the trial trace re-executes this test
// binary as `seccomp-gen version --short`.
func TestDoctorCommand(t *testing.T) {
	testutil.RequireRoot(t)
	out, stderr, code := sg(t, t.TempDir(), "doctor")
	if code != 0 {
		t.Fatalf("doctor: exit %d\n%s%s", code, out, stderr)
	}
	for _, want := range []string{"seccomp-gen doctor: kernel ", "ok    kernel BTF", "ok    capabilities", "ok    raw tracepoint",
		"ok    trial trace", "runc version", "cgroup layout", "libseccomp", "trace works here.\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
}

// noBTF is this machine without kernel BTF.
type noBTF struct{ doctor.Host }

func (noBTF) Stat(name string) (fs.FileInfo, error) {
	if name == doctor.BTFPath {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: unix.ENOENT}
	}
	return doctor.Host{}.Stat(name)
}

// TestDoctorExitStatus: a machine where trace cannot work exits 3 and
// names the fix.
func TestDoctorExitStatus(t *testing.T) {
	cmd := newDoctorCmdWith(noBTF{})
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs(nil)
	err := cmd.Execute()
	var ex *exitError
	if !errors.As(err, &ex) || ex.code != exitDoctor || ex.err != nil {
		t.Fatalf("doctor without BTF: %v, want a silent exit %d", err, exitDoctor)
	}
	for _, want := range []string{"FAIL  kernel BTF", "fix: boot a kernel built with CONFIG_DEBUG_INFO_BTF=y", "trace cannot work here: kernel BTF"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestTraceErrorsPointToDoctor: every trace error with a machine cause
// (privileges, kernel features, anything the kernel refused) names doctor;
// usage errors do not.
func TestTraceErrorsPointToDoctor(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("%w: not root: missing CAP_BPF", recorder.ErrPermission),
		fmt.Errorf("%w: no kernel BTF at /sys/kernel/btf/vmlinux", recorder.ErrUnsupported),
		fmt.Errorf("attach to tracepoint sys_enter: %w", unix.EPERM),
	} {
		got := traceErr(err)
		var ex *exitError
		if !errors.As(got, &ex) || ex.code != exitFailure || !strings.Contains(got.Error(), "run 'seccomp-gen doctor'") {
			t.Errorf("traceErr(%v) = %v, want exit 1 pointing to doctor", err, got)
		}
	}
	for _, err := range []error{
		fmt.Errorf("%w: pid 99999", recorder.ErrNoProcess),
		fmt.Errorf("%w: /tmp", recorder.ErrNotCgroup2),
	} {
		if got := traceErr(err); strings.Contains(got.Error(), "doctor") {
			t.Errorf("traceErr(%v) = %v: a usage error is not the machine's", err, got)
		}
	}
}
