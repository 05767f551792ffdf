package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerateLintsWhatItWrites: the lint lines of generate are about the
// file written, not the policy. The k8s format has no defaultErrnoRet, so
// there the default is EPERM: the policy's EPERM rules for argument values
// it does not allow equal it and are not written, and the rule naming the
// known syscalls no trace made (EPERM) raises runc's ENOSYS stub, so lint
// has nothing to say about either. The policy's default is ENOSYS, and its
// ENOSYS rules equal that in the other formats.
func TestGenerateLintsWhatItWrites(t *testing.T) {
	dir := t.TempDir()
	tr := genTrace(t, "workload.yaml")
	for _, tc := range []struct {
		format    string
		want, not []string
	}{
		{"k8s", nil, []string{"rule-equals-default"}},
		{"docker", []string{"generate: lint: info: syscalls[2]: action SCMP_ACT_ERRNO(38) equals the default"}, nil},
		{"oci", []string{"generate: lint: info: syscalls[2]: action SCMP_ACT_ERRNO(38) equals the default"}, nil},
		{"bpf", []string{"generate: lint: info: syscalls[2]: action SCMP_ACT_ERRNO(38) equals the default"}, nil},
	} {
		t.Run(tc.format, func(t *testing.T) {
			out := filepath.Join(dir, "out."+tc.format)
			_, stderr, code := sg(t, dir, "generate", "--format", tc.format, "-o", out, tr)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(stderr, w) {
					t.Errorf("stderr has %q:\n%s", w, stderr)
				}
			}
			if tc.format != "k8s" {
				return
			}
			// lint of the file: nothing to say, as generate said.
			lintOut, _, code := sg(t, dir, "lint", out)
			if code != 0 || !strings.HasSuffix(lintOut, ": 0 errors, 0 warnings, 0 info\n") {
				t.Errorf("lint exit %d:\n%s", code, lintOut)
			}
			// The same answers as the docker file, but for the numbers
			// newer than the profile (crun: EPERM, no defaultErrnoRet)
			// and values beyond 32 bits of 32-bit arguments.
			docker := filepath.Join(dir, "out.json")
			if _, stderr, code := sg(t, dir, "generate", "-o", docker, tr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			diffOut, _, _ := sg(t, dir, "diff", docker, out)
			for _, line := range strings.Split(diffOut, "\n") {
				if f := strings.Fields(line); len(f) > 3 && f[0] == "x86_64" && !strings.HasPrefix(f[1], "#") && !strings.Contains(f[3], "=0x1") {
					t.Errorf("k8s answers otherwise than docker: %s", line)
				}
			}
		})
	}
}
