package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestGenerateLintsWhatItWrites: the lint lines of generate are about the
// file written, not the policy. The k8s format has no defaultErrnoRet, so
// there the default is EPERM and the explicit EPERM rules equal it; the
// policy's default is ENOSYS and its ENOSYS rules equal that instead.
func TestGenerateLintsWhatItWrites(t *testing.T) {
	dir := t.TempDir()
	tr := genTrace(t, "workload.yaml")
	for _, tc := range []struct {
		format    string
		want, not []string
	}{
		{"k8s", []string{"generate: lint: info: ", "findings [rule-equals-default] ('seccomp-gen lint' on the written file lists them)"},
			[]string{"SCMP_ACT_ERRNO(38) equals the default"}},
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
					t.Errorf("stderr has %q, which is true of the policy, not of the written file:\n%s", w, stderr)
				}
			}
			if tc.format != "k8s" {
				return
			}
			// generate's count is lint's count on the file.
			lintOut, _, code := sg(t, dir, "lint", out)
			if code != 0 {
				t.Fatalf("lint exit %d", code)
			}
			n := strings.Count(lintOut, "[rule-equals-default]")
			if n == 0 || !strings.Contains(stderr, "info: "+itoa(n)+" findings [rule-equals-default]") {
				t.Errorf("lint of the file finds %d [rule-equals-default]; generate says:\n%s", n, stderr)
			}
			if _, err := os.Stat(out); err != nil {
				t.Error(err)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
