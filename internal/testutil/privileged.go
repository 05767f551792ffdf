// Package testutil holds helpers shared by seccomp-gen's tests.
package testutil

import (
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the variable that turns privileged skips into failures. CI
// sets it: CI runs as root and must never go green by skipping.
const RequireEnv = "SECCOMP_GEN_REQUIRE_PRIVILEGED"

// Required reports whether skips of privileged tests are failures.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// SkipOrFail skips the test with a loud reason, or fails it when
// SECCOMP_GEN_REQUIRE_PRIVILEGED=1.
func SkipOrFail(t testing.TB, reason string) {
	t.Helper()
	if Required() {
		t.Fatalf("PRIVILEGED TEST CANNOT RUN: %s (%s=1 forbids skipping)", reason, RequireEnv)
	}
	t.Skipf("SKIPPED PRIVILEGED TEST: %s (run as root; set %s=1 to make this a failure)", reason, RequireEnv)
}

// RequireRoot skips (or fails, see SkipOrFail) unless the test runs as root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		SkipOrFail(t, "needs root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN)")
	}
}

// RequireTool skips (or fails) unless every named program is on PATH.
func RequireTool(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			SkipOrFail(t, n+" is not installed (make deps installs it)")
		}
	}
}
