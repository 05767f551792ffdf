package report

import "testing"

// TestDiffArgsNamed: diff names the arguments generated rules restrict.
func TestDiffArgsNamed(t *testing.T) {
	for _, tc := range []struct {
		e    DiffEntry
		want string
	}{
		{DiffEntry{Name: "socket", Args: []uint64{2, 1, 0, 0, 0, 0}}, "domain=AF_INET (2) type=SOCK_STREAM (1)"},
		{DiffEntry{Name: "socket", Args: []uint64{2, 1, 6, 0, 0, 0}}, "domain=AF_INET (2) type=SOCK_STREAM (1) arg2=0x6"},
		{DiffEntry{Name: "clone", Args: []uint64{0x10000011, 0, 0, 0, 0, 0}}, "flags=CLONE_NEWUSER (0x10000000)"},
		{DiffEntry{Name: "personality", Args: []uint64{0x40000, 0, 0, 0, 0, 0}}, "persona=0x40000"},
		{DiffEntry{Name: "getuid", Args: []uint64{5, 0, 0, 0, 0, 0}}, "arg0=0x5"},
	} {
		if got := tc.e.ArgsText(); got != tc.want {
			t.Errorf("%s %#x: %q, want %q", tc.e.Name, tc.e.Args, got, tc.want)
		}
	}
}
