package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/policy"
)

// TestCheckRuncStubX86: check of a trace holding x86's shmdt (398) against a
// profile that allows it, with no other x86 name above 398, fails (exit 3)
// and says what runc and crun answer: runc's ENOSYS stub answers shmdt
// (runc leaves the socket and ipc calls out of its highest number), as its
// loaded filter does (internal/runtimetest TestRuncStubAsLoaded) and
// replay --enforce does; crun lets it run. check said covered (exit 0).
// With clone3 (435) allowed too, the stub starts above shmdt. The filter
// compiled from the profile has no runc stub: check of it passes.
func TestCheckRuncStubX86(t *testing.T) {
	dir := t.TempDir()
	tr := filepath.Join(dir, "shm.yaml")
	if err := os.WriteFile(tr, []byte(traceYAML(
		"  - {arch: x86, nr: 24, name: getuid, count: 1, first: app}",
		"  - {arch: x86, nr: 398, name: shmdt, count: 1, first: app}",
	)), 0o644); err != nil {
		t.Fatal(err)
	}
	p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64", "x86"},
		Rules: []policy.Rule{{Names: []string{"exit_group", "rseq", "shmdt", "socket", "getuid"}, Action: policy.ActAllow}}}
	prof := writeProfile(t, dir, "stub.json", p, emit.FormatDocker)
	out, stderr, code := sg(t, dir, "check", "-p", prof, tr)
	if code != exitNotCovered {
		t.Fatalf("check: exit %d, want %d\n%s%s", code, exitNotCovered, out, stderr)
	}
	for _, want := range []string{
		"does NOT cover 1 of 2 syscalls",
		"shmdt    x86  398  1      app    profile answers SCMP_ACT_ERRNO(ENOSYS), as runc's ENOSYS stub does; crun answers SCMP_ACT_ALLOW",
		"note: runc and crun answer shmdt on x86 differently: runc's ENOSYS stub answers every number above 386, the highest the profile names there",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check report lacks %q:\n%s", want, out)
		}
	}
	prog, err := cbpf.Compile(p, cbpf.Options{Arch: "x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	bpf := filepath.Join(dir, "stub.bpf")
	if err := os.WriteFile(bpf, prog.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, stderr, code := sg(t, dir, "check", "-p", bpf, tr); code != 0 {
		t.Errorf("check of the compiled filter: exit %d, want 0\n%s%s", code, out, stderr)
	}
	p.Rules[0].Names = append(p.Rules[0].Names, "clone3")
	prof = writeProfile(t, dir, "clone3.json", p, emit.FormatDocker)
	if out, stderr, code := sg(t, dir, "check", "-p", prof, tr); code != 0 {
		t.Errorf("check with clone3 allowed: exit %d, want 0\n%s%s", code, out, stderr)
	}
}
