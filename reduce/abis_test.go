package reduce_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/reduce"
)

// A trace with an i386 helper on x86_64: a profile that covers x86_64 but
// not x86 kills the helper at its first syscall (runc and crun kill ABIs a
// profile does not list), so Reduce refuses it unless x86 is covered or
// dropped on purpose.
func TestUncoveredABI(t *testing.T) {
	helper := mk(t, "x86", "read=1", "mmap2=3", "fcntl64=1", "exit_group=1")
	helper.Syscalls[0].First = "helper32"
	main := mk(t, "x86_64", "read=1", "exit_group=1")
	inputs := in(helper, main)

	_, err := reduce.Reduce(inputs, reduce.Options{Native: "x86_64", Arches: []string{"x86_64"}}, tables)
	var ue *reduce.UncoveredABIError
	if !errors.As(err, &ue) || !errors.Is(err, reduce.ErrUncoveredABI) || !errors.Is(err, reduce.ErrInput) {
		t.Fatalf("--arch x86_64 with x86 syscalls in the trace: err %v, want an *UncoveredABIError", err)
	}
	if len(ue.ABIs) != 1 || ue.ABIs[0].Arch != "x86" || ue.ABIs[0].Covered != "x86_64" || ue.ABIs[0].Syscalls != 4 ||
		!slices.Equal(ue.ABIs[0].Programs, []string{"helper32"}) || !slices.Equal(ue.ABIs[0].Traces, []string{"t1.yaml"}) {
		t.Errorf("error %+v", ue.ABIs)
	}
	msg := ue.Named(func(f string) string { return map[string]string{"Arches": "--arch", "DropArches": "--drop-arch"}[f] })
	for _, want := range []string{"4 distinct syscall(s) on x86 by helper32 (in t1.yaml)", "--arch x86,", "--drop-arch x86"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}

	// x32 is an ABI of the same machine too.
	x32 := mk(t, "x32", "read=1")
	if _, err := reduce.Reduce(in(x32, main), reduce.Options{Native: "x86_64", Arches: []string{"x86_64", "x86"}}, tables); !errors.Is(err, reduce.ErrUncoveredABI) {
		t.Errorf("x32 left out: err %v", err)
	}

	// Covered: fine.
	res := run(t, inputs, reduce.Options{Arches: []string{"x86_64", "x86"}})
	if !res.Policy.Allows("mmap2") {
		t.Errorf("x86 covered: mmap2 not allowed")
	}
	// The primary ABI is exempt: runtimes filter it whatever the profile
	// lists.
	run(t, inputs, reduce.Options{Arches: []string{"x86"}})
	// Another machine: a port, the names are mapped.
	run(t, inputs, reduce.Options{Arches: []string{"aarch64"}})
	// Thresholds that drop every x86 syscall leave nothing to kill.
	run(t, in(mk(t, "x86", "getpid=1"), mk(t, "x86_64", "read=2", "exit_group=2"), mk(t, "x86_64", "read=1", "exit_group=1")),
		reduce.Options{Arches: []string{"x86_64"}, MinRuns: 2})

	// Dropped on purpose: left out and reported.
	res = run(t, inputs, reduce.Options{Arches: []string{"x86_64"}, DropArches: []string{"x86"}})
	if res.Policy.Covers("x86") || res.Policy.Allows("mmap2") || res.Policy.Allows("fcntl64") {
		t.Errorf("x86 dropped: arches %v, allowed %v", res.Policy.Arches, res.Allowed)
	}
	if len(res.Mappings) != 0 {
		t.Errorf("dropped x86 syscalls mapped: %+v", res.Mappings)
	}
	if len(res.DroppedArches) != 1 || res.DroppedArches[0].Arch != "x86" || res.DroppedArches[0].Syscalls != 4 {
		t.Errorf("DroppedArches %+v", res.DroppedArches)
	}
	var buf bytes.Buffer
	res.WriteReport(&buf, "generate")
	if !strings.Contains(buf.String(), "generate: --drop-arch x86: left out 4 distinct syscall(s) on x86 by helper32 (in t1.yaml); the profile does not cover x86") {
		t.Errorf("report:\n%s", buf.String())
	}
	// Without Arches, a dropped ABI is not covered either.
	res = run(t, inputs, reduce.Options{DropArches: []string{"x86"}})
	if !slices.Equal(res.Policy.Arches, []string{"x86_64"}) {
		t.Errorf("dropped x86, no Arches: arches %v", res.Policy.Arches)
	}

	for _, o := range []reduce.Options{
		{Native: "x86_64", DropArches: []string{"i386"}},
		{Native: "x86_64", Arches: []string{"x86"}, DropArches: []string{"x86"}},
	} {
		var oe *reduce.OptionError
		if _, err := reduce.Reduce(inputs, o, tables); !errors.As(err, &oe) || oe.Field != "DropArches" {
			t.Errorf("%+v: err %v, want an *OptionError for DropArches", o, err)
		}
	}
}
