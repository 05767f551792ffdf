package main

import (
	"os"
	"path/filepath"
	"slices"
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

// TestGenerateAddsEssential: a profile that denies exit_group or
// rt_sigreturn breaks every program (lint's exit-denied error). With
// --baseline none and a trace that never returned from a signal handler
// (or never exited: killed), generate adds them, says so on stderr, and
// the file written lints without that error. When a trace or a baseline
// has them, nothing is added.
func TestGenerateAddsEssential(t *testing.T) {
	dir := t.TempDir()
	ls := genTrace(t, "busybox-ls.yaml")
	data, err := os.ReadFile(ls)
	if err != nil {
		t.Fatal(err)
	}
	killed := filepath.Join(dir, "killed.yaml") // the same run without exit_group
	var lines []string
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if !strings.Contains(l, "name: exit_group") {
			lines = append(lines, l)
		}
	}
	if err := os.WriteFile(killed, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		args  []string
		added []string
	}{
		{"no signal handled", []string{"--baseline", "none", ls}, []string{"rt_sigreturn"}},
		{"killed", []string{"--baseline", "none", killed}, []string{"exit_group", "rt_sigreturn"}},
		{"aarch64", []string{"--baseline", "none", "--arch", "aarch64", ls}, []string{"rt_sigreturn"}},
		{"bpf", []string{"--baseline", "none", "--format", "bpf", ls}, []string{"rt_sigreturn"}},
		{"traced", []string{"--baseline", "none", genTrace(t, "busybox-sh-pipe.yaml")}, nil},
		{"default baselines", []string{killed}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "p.json")
			_, stderr, code := sg(t, dir, append([]string{"generate", "-o", out}, c.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if strings.Contains(stderr, "exit-denied") != (len(c.added) > 0) || strings.Contains(stderr, "generate: lint: error") {
				t.Errorf("stderr:\n%s", stderr)
			}
			for _, n := range []string{"exit_group", "rt_sigreturn"} {
				want := slices.Contains(c.added, n)
				if got := strings.Contains(stderr, "generate: added "+n+", "); got != want {
					t.Errorf("said it added %s: %v, want %v:\n%s", n, got, want, stderr)
				}
			}
			if c.name == "bpf" {
				return
			}
			lintOut, _, code := sg(t, dir, "lint", out)
			if code != 0 || strings.Contains(lintOut, "exit-denied") {
				t.Errorf("lint exit %d:\n%s", code, lintOut)
			}
		})
	}
}
