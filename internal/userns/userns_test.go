package userns

import (
	"os"
	"os/exec"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

func TestInitial(t *testing.T) {
	for _, c := range []struct {
		m    string
		want bool
	}{
		{"         0          0 4294967295\n", true},
		{"0 0 4294967295", true},
		{"         0     100000      65536\n", false},
		{"         0       1000          1\n", false},
		{"0 0 4294967295\n1 1 1\n", false},
		{"", false},
	} {
		if got := Initial(c.m); got != c.want {
			t.Errorf("Initial(%q) = %v, want %v", c.m, got, c.want)
		}
	}
}

// The real maps: this process's (the tests run in the initial namespace
// on the machines they are for, or say so), and one unshare --user makes.
func TestInitialReal(t *testing.T) {
	data, err := os.ReadFile(MapPath)
	if err != nil {
		testutil.SkipOrFail(t, err.Error())
	}
	if !Initial(string(data)) {
		testutil.SkipOrFail(t, "the tests run in a user namespace ("+Describe(string(data))+")")
	}
	testutil.RequireTool(t, "unshare")
	out, err := exec.Command("unshare", "--user", "--map-root-user", "cat", MapPath).Output()
	if err != nil {
		testutil.SkipOrFail(t, "unshare --user: "+err.Error())
	}
	if Initial(string(out)) {
		t.Errorf("a user namespace's map %q read as the initial one", out)
	}
}
