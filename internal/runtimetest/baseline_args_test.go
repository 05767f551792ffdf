package runtimetest_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/runtimetest"
	"github.com/seccomp-gen/seccomp-gen/profiles"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// TestBaselineArgsCoverRuntime measures again what profiles/baselines'
// args sections list: every value runc and crun pass to a recorded argument
// of a baseline syscall over a whole run (parent and container init, both
// noNewPrivileges modes), recorded by seccomp-gen's recorder. A value the
// baseline lacks would make generated profiles deny the runtime's own call
// (the container would not start), so it fails here, named.
func TestBaselineArgsCoverRuntime(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	b := newBundle(t)
	b.SetArgs("/bin/true")
	dir := t.TempDir()
	for _, rt := range runtimetest.Runtimes {
		bl, err := profiles.LoadBaseline(rt)
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, nnp := range []bool{true, false} {
			b.SetNoNewPrivileges(nnp)
			if err := b.Write(); err != nil {
				t.Fatal(err)
			}
			id := fmt.Sprintf("sg-bl-%s-%v", rt, nnp)
			out := filepath.Join(dir, id+".trace.yaml")
			args := []string{"trace", "-o", out, "--", "runc", "run", "--bundle", b.Dir, id}
			if rt == "crun" {
				// As runtimetest.Bundle.Run starts crun here.
				script := `umount /sys/fs/cgroup/unified 2>/dev/null; exec crun --cgroup-manager=disabled run --bundle "$1" "$2"`
				args = []string{"trace", "-o", out, "--", "unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", b.Dir, id}
			}
			cmd := exec.Command(sg, args...)
			output, err := cmd.CombinedOutput()
			exec.Command(rt, "delete", "-f", id).Run()
			if err != nil {
				t.Fatalf("%s nnp=%v: %v\n%s", rt, nnp, err, output)
			}
			f, err := trace.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range f.Syscalls {
				want, ok := bl.Args[s.Name]
				if !ok || s.Arch != "x86_64" {
					continue
				}
				for _, av := range s.Args {
					listed, ok := want[av.Index]
					if !ok {
						continue
					}
					if av.Overflow {
						t.Errorf("%s nnp=%v: %s argument %d: more values than the recorder keeps", rt, nnp, s.Name, av.Index)
					}
					for _, v := range av.Values {
						checked++
						if !slices.Contains(listed, v) {
							t.Errorf("%s nnp=%v: %s argument %d: %s passes %d (%#x), profiles/baselines/%s.yaml lists %v: add it",
								rt, nnp, s.Name, av.Index, rt, v, v, rt, listed)
						}
					}
				}
			}
		}
		if checked == 0 {
			t.Errorf("%s: no value of %v recorded: the test shows nothing", rt, bl.Args)
		}
		t.Logf("%s: %d recorded values, all in the baseline's args", rt, checked)
	}
}
