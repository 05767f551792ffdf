package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sparseFile makes a 200 MB file that takes no disk space.
func sparseFile(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(200 << 20); err != nil {
		t.Fatal(err)
	}
	return path
}

// Every input file is read up to a bound: a huge --baseline file or disasm
// input is refused in one line without being read into memory (the
// unbounded reads took 200 MB here, and never ended on /dev/zero).
func TestHugeInputsRefused(t *testing.T) {
	dir := t.TempDir()
	big := sparseFile(t, dir, "big.yaml")
	ls := genTrace(t, "busybox-ls.yaml")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"generate", "-o", "p.json", "--baseline", big, ls},
			"seccomp-gen: generate: baseline " + big + ": larger than 1 MiB, the most a baseline file may have"},
		{[]string{"check", "-p", "p.json", "--baseline", big, ls},
			"seccomp-gen: check: baseline " + big + ": larger than 1 MiB, the most a baseline file may have"},
		{[]string{"disasm", big},
			"seccomp-gen: disasm: " + big + ": larger than 4 MiB: neither a profile nor a raw seccomp filter"},
	} {
		if tc.args[0] == "check" {
			if _, stderr, code := sg(t, dir, "generate", "-o", "p.json", ls); code != 0 {
				t.Fatalf("generate: exit %d\n%s", code, stderr)
			}
		}
		stdout, stderr, code := sg(t, dir, tc.args...)
		if code != exitUsage || !strings.HasPrefix(stderr, tc.want) || strings.Count(stderr, "\n") != 1 || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.args, code, stdout, stderr, exitUsage, tc.want)
		}
	}
}
