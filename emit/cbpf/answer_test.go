package cbpf

import (
	"fmt"
	"slices"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// A Filter covers the ABIs its policy lists, found by running it, and
// answers as the policy does for every syscall of them.
func TestFilterAnswers(t *testing.T) {
	cases := []struct {
		machine string
		arches  []string
	}{
		{"x86_64", []string{"x86_64"}},
		{"x86_64", []string{"x86_64", "x86"}},
		{"x86_64", []string{"x86_64", "x32"}},
		{"x86_64", []string{"x86_64", "x86", "x32"}},
		{"x86_64", []string{"x86"}},
		{"aarch64", []string{"aarch64"}},
		{"aarch64", []string{"aarch64", "arm"}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.machine, c.arches), func(t *testing.T) {
			p := &policy.Policy{DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.ENOSYS), Arches: c.arches,
				Rules: []policy.Rule{
					{Names: []string{"read", "write", "exit_group"}, Action: policy.ActAllow},
					{Names: []string{"getpriority"}, Action: policy.ActErrno, Errno: policy.Errno(13)},
					{Names: []string{"personality"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 8, Op: policy.OpEqualTo}}},
				}}
			prog, err := Compile(p, Options{Arch: c.machine})
			if err != nil {
				t.Fatal(err)
			}
			f, err := NewFilter(prog)
			if err != nil {
				t.Fatal(err)
			}
			covers := c.arches
			if native := family(c.machine)[0]; !slices.Contains(covers, native) {
				covers = append([]string{native}, covers...) // runc and crun keep it
			}
			if got, want := fmt.Sprint(f.Arches()), fmt.Sprint(covers); got != want {
				t.Fatalf("covers %s, want %s", got, want)
			}
			for _, arch := range c.arches {
				names, _ := scmp.Names(arch)
				for _, n := range names {
					nr, err := scmp.Number(arch, n)
					if err != nil {
						continue
					}
					for _, args := range [][6]uint64{{}, {8}, {9}} {
						got, want := f.Answer(arch, nr, args), p.Eval(n, args)
						if got.Action != want.Action || (got.Action == policy.ActErrno && got.Errno != want.Errno) {
							t.Errorf("%s %s(%v): filter %+v, policy %+v", arch, n, args[0], got, want)
						}
						if got.Conditional != (n == "personality") {
							t.Errorf("%s %s: Conditional %v", arch, n, got.Conditional)
						}
					}
				}
			}
			nr, _ := scmp.Number(c.arches[0], "personality")
			probes := f.Probes(c.arches[0], nr)
			found := false
			for _, pr := range probes {
				found = found || pr[0] == 8
			}
			if !found {
				t.Errorf("personality probes lack 8: %v", probes)
			}
			if r, _ := scmp.Number(c.arches[0], "read"); f.Probes(c.arches[0], r) != nil {
				t.Errorf("read has probes but does not depend on arguments")
			}
		})
	}
}

func TestLooksRaw(t *testing.T) {
	p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64"},
		Rules: []policy.Rule{{Names: []string{"read"}, Action: policy.ActAllow}}}
	prog, err := Compile(p, Options{Arch: "x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	raw := prog.Bytes()
	if !LooksRaw(raw) || !Binary(raw) {
		t.Fatal("a compiled filter does not look raw")
	}
	for name, data := range map[string][]byte{
		"empty":     nil,
		"text8":     []byte("{}\n     "),
		"yaml16":    []byte("---\nkind: x\n    "),
		"truncated": raw[:len(raw)-1],
		"no return": raw[:len(raw)-8],
		// a code Check reads as an ALU add, which the kernel refuses
		"high code": append([]byte{0x04, 0x10, 0, 0, 1, 0, 0, 0}, raw...),
	} {
		if LooksRaw(data) {
			t.Errorf("%s looks raw", name)
		}
	}
}

// No input makes ParseRaw panic, and whatever it accepts is binary data
// that Check accepts.
func FuzzParseRaw(f *testing.F) {
	f.Add([]byte("---\nkind: SeccompProfile\n"))
	f.Add([]byte{0x06, 0, 0, 0, 0, 0, 0xff, 0x7f})
	f.Add([]byte{0x20, 0, 0, 0, 4, 0, 0, 0, 0x06, 0, 0, 0, 0, 0, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, data []byte) {
		prog, err := ParseRaw(data)
		if err != nil {
			return
		}
		if !Binary(data) || bytesNoNUL(data) {
			t.Fatalf("accepted text: %q", data)
		}
		if err := prog.Check(); err != nil {
			t.Fatal(err)
		}
		fl, err := NewFilter(prog)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range fl.Arches() {
			fl.Answer(a, 0, [6]uint64{})
			fl.Probes(a, 0)
		}
	})
}

func bytesNoNUL(b []byte) bool {
	for _, c := range b {
		if c == 0 {
			return false
		}
	}
	return true
}

// An ABI counts as covered when some syscall there is not killed outright:
// one whose answer depends on an argument covers it even where the all-zero
// arguments are killed, and an ABI killed with KILL_THREAD (the bad-arch
// action a caller may choose) is as uncovered as one killed with
// KILL_PROCESS.
func TestFilterCoverage(t *testing.T) {
	onlyArg := &policy.Policy{DefaultAction: policy.ActKillProcess, Arches: []string{"x86_64"},
		Rules: []policy.Rule{{Names: []string{"personality"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 8, Op: policy.OpEqualTo}}}}}
	allow := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64"},
		Rules: []policy.Rule{{Names: []string{"read"}, Action: policy.ActAllow}}}
	for _, c := range []struct {
		name string
		p    *policy.Policy
		o    Options
	}{
		{"kill but one conditional allow", onlyArg, Options{Arch: "x86_64"}},
		{"bad arch KILL_THREAD", allow, Options{Arch: "x86_64", BadArch: policy.ActKillThread}},
	} {
		prog, err := Compile(c.p, c.o)
		if err != nil {
			t.Fatal(err)
		}
		f, err := NewFilter(prog)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(f.Arches()); got != "[x86_64]" {
			t.Errorf("%s: covers %s, want [x86_64]\n%s", c.name, got, disasm(prog))
		}
	}
}
