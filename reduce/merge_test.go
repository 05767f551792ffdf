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
// with it: it must not widen the rule of the same syscall kept on another
// ABI, or allowed by a baseline.
func TestThresholdDropsArgValues(t *testing.T) {
	const ptracer = 0x59616d61 // PR_SET_PTRACER
	names := []string{"read", "write", "exit_group", "prctl"}
	keep := map[string][]trace.ArgValues{"prctl": {{Index: 0, Values: []uint64{15}}}}
	rare := map[string][]trace.ArgValues{"prctl": {{Index: 0, Values: []uint64{ptracer}}}}
	a := argTrace(t, "x86_64", names, keep)
	b := argTrace(t, "x86_64", names, keep)
	// c issued prctl on x86 only, with a value a and b never passed.
	c := argTrace(t, "x86_64", []string{"read", "write", "exit_group"}, nil)
	c.Syscalls = append(c.Syscalls, argTrace(t, "x86", []string{"prctl"}, rare).Syscalls...)
	c.Canonicalize()
	bl, _ := profiles.Resolve([]string{"runc"}, nil)
	for _, tc := range []struct {
		name string
		o    reduce.Options
	}{
		{"x86 entry dropped, x86_64 kept", reduce.Options{MinRuns: 2, Arches: []string{"x86_64", "x86"}}},
		{"dropped everywhere, baseline allows", reduce.Options{MinRuns: 2, Baselines: bl}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inputs := in(a, b, c)
			if tc.o.Baselines != nil {
				// prctl in one run on each ABI: dropped on both.
				d := argTrace(t, "x86_64", []string{"read", "write", "exit_group"}, nil)
				inputs = in(a, c, d)
				tc.o.Arches = []string{"x86_64"}
			}
			res := run(t, inputs, tc.o)
			if v := res.Policy.EvalArch("x86_64", "prctl", [6]uint64{ptracer}); v.Action == policy.ActAllow {
				t.Errorf("prctl(PR_SET_PTRACER) allowed, seen only with dropped entries: %+v", v)
			}
			for _, ar := range res.ArgRules {
				if ar.Spec.Syscall == "prctl" && slices.Contains(ar.Allowed, ptracer) {
					t.Errorf("rule report allows PR_SET_PTRACER: %+v", ar)
				}
			}
		})
	}
}
