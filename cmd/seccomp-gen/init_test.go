package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// maxInitBytes bounds what each of seccomp-gen's packages may allocate in
// its initializer.
const maxInitBytes = 4096

// TestInitializersSmall: seccomp-gen's packages build their tables (name
// tables, regular expressions) at their first use, not in their
// initializers: every initializer runs before trace can start its command
// (issue 13). The Go runtime's GODEBUG=inittrace=1 says what each
// initializer allocated, a deterministic figure (its clock is not: these
// machines are noisy). reduce's argument and ABI name tables (27 KB) and
// yamlerr's regular expression (17 KB) were built in their initializers
// until the fifteenth session.
func TestInitializersSmall(t *testing.T) {
	cmd := exec.Command(os.Args[0], "version")
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "GODEBUG=") {
			env = append(env, e)
		}
	}
	env = append(env, testMainEnv+"=1", "GODEBUG=inittrace=1")
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("seccomp-gen version: %v\n%s", err, stderr.String())
	}
	const ours = "github.com/seccomp-gen/seccomp-gen/"
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(stderr.Bytes()))
	for sc.Scan() {
		// init reduce @9.3 ms, 0.36 ms clock, 27016 bytes, 222 allocs
		f := strings.Fields(sc.Text())
		if len(f) != 11 || f[0] != "init" || f[8] != "bytes," {
			continue
		}
		pkg := f[1]
		// The package under test: its initializer is this test binary's,
		// with the tests' own variables.
		if !strings.HasPrefix(pkg, ours) || pkg == ours+"cmd/seccomp-gen" {
			continue
		}
		seen++
		n, err := strconv.Atoi(f[7])
		if err != nil {
			t.Fatalf("inittrace line %q: %v", sc.Text(), err)
		}
		if n > maxInitBytes {
			t.Errorf("%s: its initializer allocates %d bytes (at most %d): build its tables at their first use (sync.OnceValue)", strings.TrimPrefix(pkg, ours), n, maxInitBytes)
		}
	}
	if seen < 5 {
		t.Fatalf("inittrace named %d of seccomp-gen's packages (want at least 5):\n%s", seen, stderr.String())
	}
}
