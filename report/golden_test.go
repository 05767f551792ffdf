package report

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/golden"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got)
}

func TestGolden(t *testing.T) {
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := Write(&buf, f, sampleVerdict(t, true)); err != nil {
			t.Fatal(err)
		}
		checkGolden(t, "check-missing."+string(f), buf.Bytes())
	}
	// a: EPERM default, two ABIs, socket only for AF_UNIX; b: ENOSYS default
	// (numbers beyond the table differ too), one ABI, socket for anything.
	a := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64", "x86"},
		Rules: []policy.Rule{
			{Names: []string{"read", "write", "getpriority"}, Action: policy.ActAllow},
			{Names: []string{"socket"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 1, Op: policy.OpEqualTo}}},
		}}
	b := &policy.Policy{DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.ENOSYS), Arches: []string{"x86_64"},
		Rules: []policy.Rule{{Names: []string{"read", "write", "close", "socket"}, Action: policy.ActAllow}}}
	tables := fakeTables{"x86_64": {"read": 0, "write": 1, "close": 3, "socket": 41, "getpriority": 140}, "x86": {"read": 3, "write": 4, "close": 6}}
	d, err := verdict.DiffProfiles(verdict.NewPolicyAnswerer(a, tables), verdict.NewPolicyAnswerer(b, tables), tables)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := WriteDiff(&buf, f, FromProfileDiff("a.json", "b.json", false, false, d)); err != nil {
			t.Fatal(err)
		}
		checkGolden(t, "diff."+string(f), buf.Bytes())
		// --superset without -v: only what breaks the superset.
		buf.Reset()
		if err := WriteDiff(&buf, f, FromProfileDiff("a.json", "b.json", true, false, d)); err != nil {
			t.Fatal(err)
		}
		checkGolden(t, "diff-superset."+string(f), buf.Bytes())
	}
}

// fakeTables is a small syscall table: arch -> name -> number.
type fakeTables map[string]map[string]int

func (f fakeTables) Names(arch string) ([]string, error) {
	var out []string
	for n := range f[arch] {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

func (f fakeTables) Number(arch, name string) (int, error) {
	nr, ok := f[arch][name]
	if !ok {
		return 0, fmt.Errorf("unknown syscall %q on %s", name, arch)
	}
	return nr, nil
}

func (f fakeTables) Has(arch, name string) bool {
	_, ok := f[arch][name]
	return ok
}

func (f fakeTables) Name(arch string, nr int) (string, bool) {
	for n, x := range f[arch] {
		if x == nr {
			return n, true
		}
	}
	return "", false
}
