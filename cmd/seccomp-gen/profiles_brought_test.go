package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The profiles podman and docker ship (testdata/profiles/README.md).
var (
	containersCommonProfile, _ = filepath.Abs(filepath.Join("..", "..", "testdata", "profiles", "containers-common-0.50.1.json"))
	mobyDefaultProfile, _      = filepath.Abs(filepath.Join("..", "..", "testdata", "profiles", "moby-default-v0.2.4.json"))
)

// TestProfilesPeopleBring runs check, diff and lint on containers-common's
// seccomp.json (podman's default: defaultErrno and errno names,
// includes/excludes with caps and arches, names of other architectures)
// and on moby's default.json (also minKernel).
func TestProfilesPeopleBring(t *testing.T) {
	dir := t.TempDir()
	tr := filepath.Join(dir, "t.yaml")
	// read is allowed by both; mount only by containers-common; bpf needs
	// CAP_SYS_ADMIN in both.
	if err := os.WriteFile(tr, []byte(`version: 1
target: {command: [/bin/true]}
host: {kernel: 6.1.0, arch: x86_64}
lost: 0
syscalls:
  - {arch: x86_64, nr: 0, name: read, count: 1, first: t}
  - {arch: x86_64, nr: 165, name: mount, count: 1, first: t}
  - {arch: x86_64, nr: 231, name: exit_group, count: 1, first: t}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout []string
	}{
		{"check podman's default", []string{"check", "-p", containersCommonProfile, tr}, 0, []string{"covers all 3 syscalls"}},
		{"check docker's default", []string{"check", "--allow-unknown-syscalls", "-p", mobyDefaultProfile, tr}, exitNotCovered, []string{"mount"}},
		{"diff podman's against docker's", []string{"diff", "--allow-unknown-syscalls", containersCommonProfile, mobyDefaultProfile}, exitNotCovered,
			[]string{"allowed only by A", "x86_64  mount", "x86_64  unshare"}},
		{"diff with all caps", []string{"diff", "--caps", strings.Join([]string{"CAP_SYS_ADMIN", "CAP_AUDIT_WRITE"}, ","), containersCommonProfile, containersCommonProfile}, 0, nil},
		{"lint podman's default", []string{"lint", containersCommonProfile}, 0, []string{
			"0 errors",
			"syscalls[14]: left out, as docker and podman leave it out for Docker's default capabilities on this machine: includes.caps CAP_SYS_ADMIN",
			"syscalls[0] pciconfig_read: libseccomp", "[other-arch-syscall]",
		}},
		{"caps twice", []string{"lint", "--caps", "docker", "--caps", "podman", containersCommonProfile}, exitUsage, nil},
		{"bad caps", []string{"check", "--caps", "CAP_SYS_ADMN", "-p", containersCommonProfile, tr}, exitUsage, nil},
		// podman's caps lack CAP_AUDIT_WRITE: the file's socket rules are
		// then ones libseccomp miscompiles, refused as such.
		{"podman's caps", []string{"check", "--caps", "podman", "-p", containersCommonProfile, tr}, exitUsage, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := sg(t, dir, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, stderr)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if tc.code == exitUsage {
				oneLine(t, stderr)
			}
		})
	}
}
