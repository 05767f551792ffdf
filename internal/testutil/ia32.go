package testutil

import (
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/ia32"
)

// RequireIA32Env turns RequireIA32's skips into failures.
const RequireIA32Env = "SECCOMP_GEN_REQUIRE_IA32"

var ia32Once = sync.OnceValue(ia32.Runs)

// RequireIA32 skips the test, loudly, on x86_64 kernels that run no 32-bit
// programs (IA32 emulation not built, off on the command line, or refused
// by the kernel itself, as in PVM guests; internal/ia32 runs a 32-bit
// program to find out): there is no compat ABI to record or to filter
// there. That is the kernel's configuration, not a privilege, so
// SECCOMP_GEN_REQUIRE_PRIVILEGED leaves it a skip; SECCOMP_GEN_REQUIRE_IA32=1
// makes it a failure. Off x86_64 the caller decides (gcc -m32 is x86's).
func RequireIA32(t testing.TB) {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		return
	}
	// Only a refusal skips: a probe that could not run at all (memfd
	// execution forbidden) tells nothing, and the test shows what
	// happens.
	if err := ia32Once(); ia32.Refused(err) {
		if os.Getenv(RequireIA32Env) == "1" {
			t.Fatalf("32-BIT TEST CANNOT RUN: %v (%s=1 forbids skipping)", err, RequireIA32Env)
		}
		t.Skipf("SKIPPED 32-BIT TEST: this kernel runs no 32-bit x86 programs: %v (the compat ABI cannot be shown on it; %s=1 makes this a failure)", err, RequireIA32Env)
	}
}
