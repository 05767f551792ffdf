package ia32

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

// Runs agrees with what a 32-bit program built by gcc -m32 (the oracle:
// the same kind of program the compat-ABI tests run) does here: it runs
// where Runs says nil, and the kernel refuses it where Runs says ErrOff.
func TestRunsAgreesWithGcc32(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		if err := Runs(); !errors.Is(err, errors.ErrUnsupported) {
			t.Fatalf("Runs() on %s = %v, want ErrUnsupported", runtime.GOARCH, err)
		}
		t.Skipf("gcc -m32 builds i386 programs on x86_64 hosts; this is %s", runtime.GOARCH)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "p.c")
	if err := os.WriteFile(src, []byte("int main(void) { return 42; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "p")
	if out, err := exec.Command("gcc", "-m32", "-static", "-o", bin, src).CombinedOutput(); err != nil {
		t.Skipf("gcc -m32 -static does not build here (make deps installs gcc-multilib): %v\n%s", err, out)
	}
	gccErr := exec.Command(bin).Run()
	gccRuns := false
	var ee *exec.ExitError
	switch {
	case errors.As(gccErr, &ee) && ee.ExitCode() == 42:
		gccRuns = true
	case errors.Is(gccErr, syscall.ENOEXEC):
	case errors.As(gccErr, &ee) && ee.ExitCode() == -1: // killed: its syscalls refused
	default:
		t.Fatalf("gcc -m32 program: %v, want exit 42, exec format error or a signal", gccErr)
	}
	err := Runs()
	t.Logf("gcc -m32 program runs: %v (%v); Runs() = %v", gccRuns, gccErr, err)
	if gccRuns != (err == nil) {
		t.Fatalf("Runs() = %v, but the gcc -m32 program runs: %v", err, gccRuns)
	}
	if !gccRuns && !Refused(err) {
		t.Fatalf("Runs() = %v, want a refusal (ErrOff or ErrInt80)", err)
	}
	if errors.Is(gccErr, syscall.ENOEXEC) != errors.Is(err, ErrOff) {
		t.Fatalf("Runs() = %v, but the gcc -m32 program's exec: %v", err, gccErr)
	}
}
