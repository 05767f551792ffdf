package fallbacktest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/enforce"
	"github.com/seccomp-gen/seccomp-gen/internal/reexec"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/profiles"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

func TestMain(m *testing.M) {
	reexec.Register(enforce.ShimName, enforce.ShimMain)
	if status, ok := reexec.Init(); ok {
		os.Exit(status)
	}
	os.Exit(m.Run())
}

// programs builds the test programs once per source: glibc (gcc), musl
// (musl-gcc, static) and Go.
func programs(t *testing.T) map[string]string {
	t.Helper()
	testutil.RequireTool(t, "gcc", "musl-gcc", "go")
	dir := t.TempDir()
	out := map[string]string{}
	for _, b := range []struct {
		source string
		cmd    []string
	}{
		{"glibc 2.36", []string{"gcc", "-O2", "-Wall", "-pthread", "-o", filepath.Join(dir, "glibc"), "testdata/fallback.c"}},
		{"musl 1.2.3", []string{"musl-gcc", "-static", "-O2", "-Wall", "-o", filepath.Join(dir, "musl"), "testdata/fallback.c"}},
		{"Go 1.26", []string{"go", "build", "-o", filepath.Join(dir, "go"), "testdata/gofallback.go"}},
	} {
		if o, err := exec.Command(b.cmd[0], b.cmd[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(b.cmd, " "), err, o)
		}
		out[b.source] = b.cmd[len(b.cmd)-2]
		if b.cmd[0] == "go" {
			out[b.source] = b.cmd[3]
		}
	}
	return out
}

// traceWithout is a trace of every x86_64 syscall libseccomp knows except
// the newer ones: the profile Reduce makes of it allows everything the
// program may need and leaves the family's newer member unobserved.
func traceWithout(t *testing.T, newer ...string) *trace.File {
	t.Helper()
	names, err := scmp.Names("x86_64")
	if err != nil {
		t.Fatal(err)
	}
	f := &trace.File{Version: trace.Version, Target: trace.Target{Command: []string{"fallback"}}, Host: trace.Host{Arch: "x86_64"}}
	for _, n := range names {
		if slices.Contains(newer, n) {
			continue
		}
		nr, err := scmp.Number("x86_64", n)
		if err != nil {
			t.Fatal(err)
		}
		f.Syscalls = append(f.Syscalls, trace.Syscall{Arch: "x86_64", Nr: nr, Name: n, Count: 1})
	}
	return f
}

// TestFallbacks runs every entry of the fallback table (its Test field
// names the subtest).
func TestFallbacks(t *testing.T) {
	testutil.RequireRoot(t)
	if n, err := scmp.Native(); err != nil || n != "x86_64" {
		testutil.SkipOrFail(t, "the fallback programs are measured on x86_64, this machine is "+n)
	}
	bins := programs(t)
	for _, e := range profiles.Fallbacks() {
		name := strings.TrimPrefix(e.Test, "TestFallbacks/")
		t.Run(name, func(t *testing.T) {
			bin := bins[e.Source]
			if bin == "" {
				t.Fatalf("no program for source %q", e.Source)
			}
			file := filepath.Join(t.TempDir(), "data")
			if err := os.WriteFile(file, []byte("hello"), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := reduce.Reduce([]reduce.Input{{Path: "all-but-" + e.Newer, File: traceWithout(t, e.Newer)}},
				// NoArgRules: clone3 is answered ENOSYS by the argument
				// rules too; this tests the table's own answer.
				reduce.Options{Native: "x86_64", NoCeiling: true, NoArgRules: true}, scmp.Tables{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(res.Fallbacks, func(f reduce.FallbackAnswer) bool { return f.Name == e.Newer }) {
				t.Fatalf("Reduce gave %s no fallback answer: %v", e.Newer, res.Fallbacks)
			}
			if v := res.Policy.Lookup(e.Newer); v.Action != policy.ActErrno || v.Errno != policy.ENOSYS {
				t.Fatalf("%s: %+v, want ENOSYS", e.Newer, v)
			}
			mode := strings.TrimPrefix(name, strings.SplitN(name, "/", 2)[0]+"/")
			status, denied, out := runUnder(t, res.Policy, bin, mode, file)
			if status != 0 || !strings.Contains(out, "ok") {
				t.Fatalf("%s %s under ENOSYS for %s: exit %d\n%s", e.Source, mode, e.Newer, status, out)
			}
			if !denied[e.Newer] {
				t.Fatalf("%s was never called (denied: %v): the program did not take the path of the entry\n%s", e.Newer, denied, out)
			}

			// The same under EPERM: breaks the program where the code
			// falls back on ENOSYS only.
			eperm := *res.Policy
			eperm.Rules = append([]policy.Rule{{Names: []string{e.Newer}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM)}}, res.Policy.Rules...)
			if v := eperm.Lookup(e.Newer); v.Errno != policy.EPERM {
				t.Fatalf("control policy: %s gets %+v", e.Newer, v)
			}
			status, _, out = runUnder(t, &eperm, bin, mode, file)
			fallsBackOnEPERM := slices.Contains(e.On, "EPERM") || slices.Contains(e.On, "any")
			if fallsBackOnEPERM && status != 0 {
				t.Errorf("the table says %s falls back on EPERM too, but under EPERM: exit %d\n%s", e.Newer, status, out)
			}
			if !fallsBackOnEPERM && status == 0 {
				t.Errorf("the table says %s falls back on ENOSYS only, but the run under EPERM passed too\n%s", e.Newer, out)
			}
		})
	}
}

func runUnder(t *testing.T, p *policy.Policy, argv ...string) (int, map[string]bool, string) {
	t.Helper()
	var out bytes.Buffer
	res, err := enforce.Run(p, argv, enforce.IO{Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatalf("enforce.Run %v: %v\n%s", argv, err, out.String())
	}
	denied := map[string]bool{}
	for _, d := range res.Denied {
		denied[d.Name] = true
	}
	return res.ExitCode, denied, out.String()
}
