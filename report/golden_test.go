package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/reduce"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run 'go test ./report -update' to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s changed:\n%s\nwant:\n%s\n(if the change is intended: go test ./report -update)", path, got, want)
	}
}

func TestGolden(t *testing.T) {
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := Write(&buf, f, verdict(t, true)); err != nil {
			t.Fatal(err)
		}
		golden(t, "check-missing."+string(f), buf.Bytes())
	}
	a := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64", "x86"},
		Rules: []policy.Rule{{Names: []string{"read", "write", "getpriority"}, Action: policy.ActAllow}}}
	b := &policy.Policy{DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.ENOSYS), Arches: []string{"x86_64"},
		Rules: []policy.Rule{{Names: []string{"read", "write", "close"}, Action: policy.ActAllow}}}
	names := fakeNames{"x86_64": {"close", "getpriority", "read", "write"}, "x86": {"close", "read", "write"}}
	d, err := reduce.DiffProfiles(a, b, names)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := WriteDiff(&buf, f, FromProfileDiff("a.json", "b.json", false, d)); err != nil {
			t.Fatal(err)
		}
		golden(t, "diff."+string(f), buf.Bytes())
	}
}

type fakeNames map[string][]string

func (f fakeNames) Names(arch string) ([]string, error) { return f[arch], nil }
