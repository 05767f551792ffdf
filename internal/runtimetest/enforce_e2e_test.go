package runtimetest_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/runtimetest"
	"github.com/seccomp-gen/seccomp-gen/report"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// TestEnforceAnswersAsRunc: replay --enforce gives a workload runc's
// answers (Docker's runtime), measured here with the probe under Docker's
// default profile (EPERM by default) in real containers: 140 is allowed, 400
// (a gap in the x86_64 table, below the highest syscall the profile names)
// gets EPERM under both runtimes, mseal (462, beyond libseccomp 2.5.4's
// table) and 1000 get ENOSYS from runc's stub and EPERM from crun. Where the
// two runtimes' outputs differ, the report must name crun's answer; where
// they agree, it must not. Before, replay --enforce answered crun's EPERM
// above the stub and the report did not say that runc answers otherwise.
func TestEnforceAnswersAsRunc(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	b := newBundle(t)
	probe := filepath.Join(b.Rootfs, "probe")
	if out, err := exec.Command("gcc", "-static", "-O2", "-o", probe, filepath.Join("testdata", "probe.c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	prof := dockerDefaultOCI(t)
	nrs := []string{"140", "400", "462", "1000"}
	got := map[string]string{}
	for _, rt := range runtimetest.Runtimes {
		b.SetSeccomp(prof)
		b.SetArgs(append([]string{"/probe"}, nrs...)...)
		res, err := b.Run(context.Background(), rt)
		if err != nil || res.ExitCode != 0 {
			t.Fatalf("%s: %v %v", rt, res, err)
		}
		got[rt] = res.Stdout
	}
	if want := "140: ok\n400: EPERM\n462: ENOSYS\n1000: ENOSYS\n"; got["runc"] != want {
		t.Fatalf("runc: %q, measured before %q", got["runc"], want)
	}
	pf := filepath.Join(t.TempDir(), "docker.json")
	if err := os.WriteFile(pf, prof, 0o644); err != nil {
		t.Fatal(err)
	}
	rf := filepath.Join(t.TempDir(), "r.json")
	cmd := exec.Command(sg, append([]string{"replay", "--enforce", "--allow-unknown-syscalls", "--report", "json", "-o", rf, "-p", pf, "--", probe}, nrs...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, _ := cmd.Output()
	if string(out) != got["runc"] {
		t.Errorf("replay --enforce: probe says %q, under runc %q\n%s", out, got["runc"], stderr.String())
	}
	data, err := os.ReadFile(rf)
	if err != nil {
		t.Fatal(err)
	}
	var v report.Verdict
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	runc, crun := strings.Split(got["runc"], "\n"), strings.Split(got["crun"], "\n")
	for i, nr := range nrs {
		var detail string
		found := false
		for _, s := range v.Missing {
			if strconv.Itoa(s.Nr) == nr {
				detail, found = s.Detail, true
			}
		}
		n, _ := strconv.Atoi(nr)
		name, _ := scmp.Name("x86_64", n)
		switch {
		case strings.HasSuffix(runc[i], ": ok"):
			if found {
				t.Errorf("%s (%s): allowed, reported %q", nr, name, detail)
			}
		case !found:
			t.Errorf("%s (%s): denied (%q), not reported", nr, name, runc[i])
		case runc[i] != crun[i] && !strings.Contains(detail, "crun answers SCMP_ACT_ERRNO(EPERM)"):
			t.Errorf("%s: runc %q, crun %q; the report says %q", nr, runc[i], crun[i], detail)
		case runc[i] == crun[i] && strings.Contains(detail, "crun"):
			t.Errorf("%s: runc and crun agree (%q); the report says %q", nr, runc[i], detail)
		}
	}
}
