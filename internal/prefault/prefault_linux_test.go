//go:build linux

package prefault

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/kver"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// Where the constructor chose to prefault (this test binary imports the
// package: its own), it advised the executable's read-only segments, the
// kernel took the advice, and the code is all mapped: its mapping's
// resident size is its size. (A small binary whose page cache is in large
// folios is all resident soon without it too: the stub's test, in
// cmd/seccomp-gen, is the one that tells a process that did not prefault
// from one that did.) TestModes runs it with SECCOMP_GEN_PREFAULT=on, on
// a machine whose faults are too cheap to prefault by default.
func TestTextPopulated(t *testing.T) {
	if !Enabled {
		t.Skip("built without the constructor (-tags noprefault, or no cgo): nothing to test")
	}
	st := Current()
	if !st.On {
		if st.Advised != 0 {
			t.Fatalf("the constructor chose not to prefault, yet advised %d segments: %+v", st.Advised, st)
		}
		t.Skipf("SKIPPED (not a failure): the constructor chose not to prefault here (%s); TestModes runs this test with SECCOMP_GEN_PREFAULT=on", st.Describe())
	}
	if st.Advised < 2 {
		t.Fatalf("%d segments advised, want the code and the read-only data at least", st.Advised)
	}
	if st.Refused != 0 {
		// Linux 5.14 and later take the advice; before, the binary
		// starts as without it.
		if !kver.AtLeast(5, 14) {
			t.Skipf("SKIPPED (not a failure): this kernel (before Linux 5.14) has no MADV_POPULATE_READ: the constructor's advice is refused, as it should be")
		}
		t.Fatalf("the kernel refused %d of %d segments' MADV_POPULATE_READ", st.Refused, st.Advised)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	m, err := testutil.SmapsOf(os.Getpid(), exe, "r-xp")
	if err != nil {
		t.Fatal(err)
	}
	if m.Rss < m.Size {
		t.Errorf("the code's mapping: %d KiB of %d KiB resident, want all of it", m.Rss, m.Size)
	}
}

// Both choices, whatever this machine's own is, and a value that is
// neither: TestTextPopulated and TestProbe run again in a child with
// SECCOMP_GEN_PREFAULT=on (the segments advised and the code resident,
// even where faults are cheap), =off (nothing advised), and =yes (the
// measured choice), and must pass there; the child says its state.
func TestModes(t *testing.T) {
	if !Enabled {
		t.Skip("built without the constructor (-tags noprefault, or no cgo): no modes")
	}
	if os.Getenv("PREFAULT_TEST_CHILD") != "" {
		t.Skip("in the child")
	}
	for _, c := range []struct{ env, want, ran string }{
		{"on", "prefault: code mapped at the start (SECCOMP_GEN_PREFAULT=on)", "--- PASS: TestTextPopulated"},
		{"off", "prefault: code faulted in as it runs (SECCOMP_GEN_PREFAULT=off)", "--- SKIP: TestTextPopulated"},
		{"yes", "a page fault costs ", "--- PASS: TestProbe"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run", "^(TestTextPopulated|TestProbe|TestModeChild)$", "-test.v")
		cmd.Env = append(os.Environ(), "SECCOMP_GEN_PREFAULT="+c.env, "PREFAULT_TEST_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("SECCOMP_GEN_PREFAULT=%s: %v\n%s", c.env, err, out)
			continue
		}
		for _, want := range []string{c.want, c.ran} {
			if !strings.Contains(string(out), want) {
				t.Errorf("SECCOMP_GEN_PREFAULT=%s: the child's output lacks %q:\n%s", c.env, want, out)
			}
		}
		if c.env == "off" && !strings.Contains(string(out), "advised: 0\n") {
			t.Errorf("SECCOMP_GEN_PREFAULT=off: the child advised segments:\n%s", out)
		}
	}
}

// TestModeChild says the constructor's state, for TestModes.
func TestModeChild(t *testing.T) {
	if os.Getenv("PREFAULT_TEST_CHILD") == "" {
		t.Skip("run by TestModes")
	}
	st := Current()
	t.Log("prefault: " + st.Describe())
	t.Logf("advised: %d\n", st.Advised)
}
