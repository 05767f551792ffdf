package reduce_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/profiles"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// The report and the profile do not depend on the order of the traces,
// also for what comes from "the first trace that has it" (an unnamed
// number's program and trace list).
func TestMergeOrderReport(t *testing.T) {
	a := mk(t, "x86_64", "read=3", "exit_group=1")
	a.Syscalls = append(a.Syscalls, trace.Syscall{Arch: "x86_64", Nr: 460, Count: 2, First: "probeA"})
	b := mk(t, "x86_64", "read=1", "write=1", "exit_group=1")
	b.Syscalls = append(b.Syscalls, trace.Syscall{Arch: "x86_64", Nr: 460, Count: 1, First: "probeB"})
	inputs := []reduce.Input{{Path: "a.yaml", File: a}, {Path: "b.yaml", File: b}}
	var first, firstRep string
	for i, order := range [][]reduce.Input{inputs, {inputs[1], inputs[0]}} {
		res := run(t, order, reduce.Options{MinRuns: 1})
		var rep bytes.Buffer
		res.WriteReport(&rep, "generate")
		out, err := emit.Docker(res.Policy)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first, firstRep = string(out), rep.String()
			if !strings.Contains(firstRep, "first by probeA, in a.yaml, b.yaml") {
				t.Errorf("report:\n%s", firstRep)
			}
			continue
		}
		if string(out) != first {
			t.Errorf("the profile depends on the order of the traces")
		}
		if rep.String() != firstRep {
			t.Errorf("the report depends on the order of the traces:\n%s\nvs\n%s", firstRep, rep.String())
		}
	}
}

// Another run that adds nothing leaves the profile's bytes alone: CI diffs
// of generated profiles depend on it.
func TestMergeDuplicateRunSameBytes(t *testing.T) {
	a := mk(t, "x86_64", "read=3", "write=1", "exit_group=1")
	b := mk(t, "x86_64", "read=3", "write=1", "exit_group=1")
	bl, _ := profiles.Resolve(profiles.DefaultBaselines, nil)
	one, err := emit.Docker(run(t, in(a), reduce.Options{Baselines: bl}).Policy)
	if err != nil {
		t.Fatal(err)
	}
	two, err := emit.Docker(run(t, in(a, b, a), reduce.Options{Baselines: bl}).Policy)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(one, two) {
		t.Errorf("three identical runs give another profile than one:\n%s", firstDiff(string(one), string(two)))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "- " + al[i] + "\n+ " + bl[i]
		}
	}
	return "(lengths differ)"
}

// A value recorded only with a syscall that a threshold dropped is dropped
// with it: it must not widen the rule of the same syscall allowed by a
// baseline. (Thresholds judge a name over every ABI: prctl made on x86 in
// one run of three and nowhere else is dropped on both.)
func TestThresholdDropsArgValues(t *testing.T) {
	const ptracer = 0x59616d61 // PR_SET_PTRACER
	rare := map[string][]trace.ArgValues{"prctl": {{Index: 0, Values: []uint64{ptracer}}}}
	a := argTrace(t, "x86_64", []string{"read", "write", "exit_group"}, nil)
	b := argTrace(t, "x86_64", []string{"read", "write", "exit_group"}, nil)
	// c issued prctl on x86 only, with a value no baseline passes.
	c := argTrace(t, "x86_64", []string{"read", "write", "exit_group"}, nil)
	c.Syscalls = append(c.Syscalls, argTrace(t, "x86", []string{"prctl"}, rare).Syscalls...)
	c.Canonicalize()
	bl, _ := profiles.Resolve([]string{"runc"}, nil)
	res := run(t, in(a, b, c), reduce.Options{MinRuns: 2, Baselines: bl, Arches: []string{"x86_64"}})
	if v := res.Policy.EvalArch("x86_64", "prctl", [6]uint64{ptracer}); v.Action == policy.ActAllow {
		t.Errorf("prctl(PR_SET_PTRACER) allowed, seen only with a dropped entry: %+v", v)
	}
	if v := res.Policy.EvalArch("x86_64", "prctl", [6]uint64{38}); v.Action != policy.ActAllow {
		t.Errorf("prctl(PR_SET_NO_NEW_PRIVS), runc's, not allowed: %+v", v)
	}
	for _, ar := range res.ArgRules {
		if ar.Spec.Syscall == "prctl" && slices.Contains(ar.Allowed, ptracer) {
			t.Errorf("rule report allows PR_SET_PTRACER: %+v", ar)
		}
	}
}

// Thresholds judge a syscall by its name over every ABI, as the profile's
// rules allow it: the same workload traced on an x86_64 node and on an
// arm64 one made brk in two runs of two, not in one run per ABI. Judged per
// (ABI, name), --min-runs 2 dropped every syscall of such a merge (exit 0, a
// profile allowing only exit_group) and reported as dropped syscalls that
// another ABI's entry kept allowed by name.
func TestThresholdsByNameOverABIs(t *testing.T) {
	x := mk(t, "x86_64", "read=3", "write=1", "brk=2", "exit_group=1")
	x2 := mk(t, "x86_64", "read=1", "write=1", "brk=1", "exit_group=1", "getpid=1")
	r := mk(t, "aarch64", "read=2", "write=1", "brk=1", "exit_group=1", "getpid=1", "uname=1")
	res := run(t, in(x, r), reduce.Options{MinRuns: 2})
	for _, n := range []string{"read", "write", "brk"} {
		if !slices.Contains(res.Allowed, n) {
			t.Errorf("%s, made on both nodes, not allowed: %v", n, res.Allowed)
		}
	}
	for _, d := range res.Dropped {
		if d.Name != "getpid" && d.Name != "uname" { // aarch64's run only
			t.Errorf("dropped %+v, made in both runs", d)
		}
	}
	for _, a := range []string{"x86_64", "aarch64"} {
		for _, n := range []string{"read", "brk"} {
			if v := res.Policy.EvalArch(a, n, [6]uint64{}); v.Action != policy.ActAllow {
				t.Errorf("%s/%s: %+v, want allowed", a, n, v)
			}
		}
	}

	// getpid in two runs of three, one per ABI: kept; uname in one: dropped
	// on its one ABI, once, with the counts over all of them.
	res = run(t, in(x, x2, r), reduce.Options{MinRuns: 2, MinCount: 2})
	if !slices.Contains(res.Allowed, "getpid") {
		t.Errorf("getpid, in 2 of 3 runs (x86_64 and aarch64), not allowed: %v", res.Allowed)
	}
	want := []reduce.Dropped{{Arch: "aarch64", Name: "uname", Count: 1, Runs: 1, Possible: 3, Why: "below --min-count 2 and --min-runs 2"}}
	if !slices.Equal(res.Dropped, want) {
		t.Errorf("dropped %+v, want %+v", res.Dropped, want)
	}
	// A name dropped on two ABIs is one report line naming both.
	y := mk(t, "x86_64", "read=1", "exit_group=1", "uname=1")
	res = run(t, in(x, x2, r, y), reduce.Options{MinRuns: 3})
	want = []reduce.Dropped{
		{Arch: "aarch64, x86_64", Name: "getpid", Count: 2, Runs: 2, Possible: 4, Why: "below --min-runs 3"},
		{Arch: "aarch64, x86_64", Name: "uname", Count: 2, Runs: 2, Possible: 4, Why: "below --min-runs 3"},
	}
	var rep bytes.Buffer
	res.WriteReport(&rep, "generate")
	if !slices.Equal(res.Dropped, want) {
		t.Errorf("dropped %+v, want %+v\n%s", res.Dropped, want, rep.String())
	}
	if !strings.Contains(rep.String(), "dropped uname (aarch64, x86_64): count 2 in 2 of 4 traces, below --min-runs 3") {
		t.Errorf("report:\n%s", rep.String())
	}
}

// Across ABIs a syscall is also judged by the name that does its job there
// (access on x86_64 is faccessat on aarch64, as the profile maps it), and a
// syscall only some traces' ABIs have (arch_prctl: x86_64's) is out of
// those traces: seen in every trace that could make it, it is kept. With
// only names compared, --min-runs 2 over one x86_64 and one arm64 trace of
// a program dropped access and arch_prctl, and the x86_64 program could
// not start under the profile; a dropped openat that the profile allowed
// as x86_64's open was reported as allowed by a baseline.
func TestThresholdsSameJobOverABIs(t *testing.T) {
	x := mk(t, "x86_64", "access=1", "arch_prctl=1", "openat=2", "read=1", "exit_group=1")
	a := mk(t, "aarch64", "faccessat=1", "openat=2", "read=1", "exit_group=1")
	res := run(t, in(x, a), reduce.Options{MinRuns: 2})
	if len(res.Dropped) != 0 {
		var rep bytes.Buffer
		res.WriteReport(&rep, "generate")
		t.Errorf("dropped %+v, want nothing\n%s", res.Dropped, rep.String())
	}
	for _, c := range []struct{ arch, name string }{{"x86_64", "access"}, {"x86_64", "arch_prctl"}, {"aarch64", "faccessat"}} {
		if v := res.Policy.EvalArch(c.arch, c.name, [6]uint64{}); v.Action != policy.ActAllow {
			t.Errorf("%s/%s: %+v, want allowed", c.arch, c.name, v)
		}
	}
	// Two x86_64 runs, one made arch_prctl: 1 of the 2 traces whose ABIs
	// have it, dropped, and said so.
	x2 := mk(t, "x86_64", "access=1", "openat=2", "read=1", "exit_group=1")
	res = run(t, in(x, x2, a), reduce.Options{MinRuns: 2})
	var rep bytes.Buffer
	res.WriteReport(&rep, "generate")
	if want := "dropped arch_prctl (x86_64): count 1 in 1 of the 2 traces whose ABIs have it, below --min-runs 2\n"; !strings.Contains(rep.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, rep.String())
	}
	// An x86_64 program and an i386 one on one x86_64 machine: their
	// thread pointer is set with arch_prctl and with set_thread_area,
	// their stats with newfstatat and statx (the 32-bit companions the
	// profile allows them as). arch_prctl was dropped, "in 1 of 2 traces",
	// and the x86_64 program could not start (the fourth review).
	x64 := mk(t, "x86_64", "arch_prctl=1", "newfstatat=2", "read=1", "exit_group=1")
	i386 := mk(t, "x86_64", "read=1")
	i386.Syscalls = append(mk(t, "x86", "set_thread_area=1", "statx=2", "read=1", "exit_group=1").Syscalls, i386.Syscalls...)
	i386.Canonicalize()
	res = run(t, in(x64, i386), reduce.Options{MinRuns: 2, Arches: []string{"x86_64", "x86"}})
	for _, d := range res.Dropped {
		if d.Name == "arch_prctl" || d.Name == "set_thread_area" || d.Name == "newfstatat" || d.Name == "statx" {
			t.Errorf("dropped %+v: made in both runs, under its 32-bit companion's name in one", d)
		}
	}
	if v := res.Policy.EvalArch("x86_64", "arch_prctl", [6]uint64{}); v.Action != policy.ActAllow {
		t.Errorf("x86_64/arch_prctl: %+v, want allowed", v)
	}
	// The reviewer's case: open on x86_64 five times, openat once on
	// aarch64, --min-count 3: one job (6 calls), kept; it was "dropped
	// openat (aarch64) ... (a baseline allows it anyway)" with no baseline.
	o := mk(t, "x86_64", "open=5", "read=5", "exit_group=1")
	oa := mk(t, "aarch64", "openat=1", "read=5", "exit_group=1")
	res = run(t, in(o, oa), reduce.Options{MinCount: 3})
	rep.Reset()
	res.WriteReport(&rep, "generate")
	if strings.Contains(rep.String(), "dropped openat") || strings.Contains(rep.String(), "a baseline allows it") {
		t.Errorf("report:\n%s", rep.String())
	}
	// A dropped name the profile allows for another reason than a
	// baseline (here --extend's profile) says so, not "a baseline".
	base, _, err := emit.Parse("base", []byte(`{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["getpid","read","exit_group"],"action":"SCMP_ACT_ALLOW"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	res = run(t, in(mk(t, "x86_64", "getpid=1", "read=5", "exit_group=1")), reduce.Options{MinCount: 3, Extend: base, ExtendName: "base"})
	rep.Reset()
	res.WriteReport(&rep, "generate")
	if !strings.Contains(rep.String(), "dropped getpid (x86_64): count 1 in 1 of 1 traces, below --min-count 3 (the profile allows it anyway") || strings.Contains(rep.String(), "a baseline allows it") {
		t.Errorf("report:\n%s", rep.String())
	}
}
