package cbpf

import (
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// argPolicy is what generate makes of a trace whose clone, socket,
// personality and unshare calls recorded these values.
func argPolicy(t *testing.T, arches []string, args map[string][]trace.ArgValues) *policy.Policy {
	t.Helper()
	f := &trace.File{Version: trace.Version, Target: trace.Target{Command: []string{"w"}}, Host: trace.Host{Arch: "x86_64"}, Started: time.Unix(0, 0)}
	for _, n := range []string{"read", "write", "exit_group", "mmap", "clone", "clone3", "socket", "personality", "unshare", "setns",
		"socketpair", "prctl", "kill", "tgkill", "tkill", "fcntl", "ioctl", "setsockopt"} {
		nr, err := scmp.Number("x86_64", n)
		if err != nil {
			t.Fatal(err)
		}
		f.Syscalls = append(f.Syscalls, trace.Syscall{Arch: "x86_64", Nr: nr, Name: n, Count: 1, Args: args[n]})
	}
	f.Canonicalize()
	res, err := reduce.Reduce([]reduce.Input{{Path: "t.yaml", File: f}}, reduce.Options{Native: "x86_64", Arches: arches}, scmp.Tables{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Policy
}

// TestArgumentRulesBoundaries compiles generated argument rules (through
// the Docker JSON) with libseccomp and runs the filter at each rule's
// boundary values: the value, value±1, high 32 bits set, all ones, every
// single bit. The answers must be the policy's (EvalArch), on x86_64 and
// on i386.
func TestArgumentRulesBoundaries(t *testing.T) {
	for _, tc := range []struct {
		name string
		args map[string][]trace.ArgValues
	}{
		{"observed", map[string][]trace.ArgValues{
			"clone":       {{Index: 0, Values: []uint64{0x1200011, 0x3d0f00}}},
			"socket":      {{Index: 0, Values: []uint64{1, 10}}, {Index: 1, Values: []uint64{1, 2}}},
			"personality": {{Index: 0, Values: []uint64{0xffffffff}}},
			"unshare":     {{Index: 0, Values: []uint64{0x400}}},
			"setns":       {{Index: 1, Values: []uint64{0x40000000}}},
			"socketpair":  {{Index: 0, Values: []uint64{1}}},
			"prctl":       {{Index: 0, Values: []uint64{15, 38}}},
			"kill":        {{Index: 1, Values: []uint64{0, 15}}},
			"tgkill":      {{Index: 2, Values: []uint64{6}}},
			"tkill":       {{Index: 1, Values: []uint64{6}}},
			"fcntl":       {{Index: 1, Values: []uint64{1, 2, 1030}}},
			"ioctl":       {{Index: 1, Values: []uint64{0x5401, 0x80045430}}},
			"mmap":        {{Index: 2, Values: []uint64{0, 2}}},
			"setsockopt":  {{Index: 1, Values: []uint64{1, 6}}, {Index: 2, Values: []uint64{2, 1}}},
		}},
		{"docker fallback", nil},
		{"user namespaces observed", map[string][]trace.ArgValues{
			"clone":   {{Index: 0, Values: []uint64{0x10000011}}},
			"socket":  {{Index: 0, Values: []uint64{40}}},
			"unshare": {{Index: 0, Values: []uint64{0x10000000}}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := viaDocker(t, argPolicy(t, []string{"x86_64", "x86"}, tc.args))
			prog, err := Compile(p, Options{Arch: "x86_64"})
			if err != nil {
				t.Fatal(err)
			}
			vals := []uint64{0, 1, 2, 8, 10, 38, 39, 40, 41, 45, 46, 0x400, 0x401, 0x11, 0x1200011, 0x3d0f00,
				0x20000, 0x20008, 0x40000, 0xfffffffe, 0xffffffff, 0x100000000, ^uint64(0),
				3, 4, 5, 6, 7, 15, 23, 24, 38, 1030, 0x5401, 0x80045430}
			for b := 0; b < 64; b++ {
				vals = append(vals, 1<<b, 1<<b|0x11)
			}
			var probes []uint64
			for _, v := range vals {
				probes = append(probes, v, v-1, v+1, v|1<<32, v|0xffffffff00000000)
			}
			fails := 0
			for _, arch := range []string{"x86_64", "x86"} {
				aa, _ := AuditArch(arch)
				for _, name := range []string{"clone", "clone3", "socket", "personality", "unshare", "setns",
					"socketpair", "prctl", "kill", "tgkill", "tkill", "fcntl", "ioctl", "mmap", "setsockopt"} {
					nr, err := scmp.Number(arch, name)
					if err != nil {
						continue
					}
					idx := map[string]int{"setns": 1, "kill": 1, "tkill": 1, "fcntl": 1, "ioctl": 1, "tgkill": 2, "mmap": 2, "setsockopt": 1}[name]
					// socket's type and setsockopt's optname go with the
					// argument before them: each is probed with the other
					// at observed and other values.
					type probe struct {
						i int
						v uint64
					}
					var list []probe
					for _, v := range probes {
						list = append(list, probe{idx, v})
					}
					partner := map[string]int{"socket": 1, "setsockopt": 2}
					if j, ok := partner[name]; ok {
						var paired []probe
						for _, w := range []uint64{0, 1, 2, 3, 6, 0x801, 0x80002, 1<<32 | 1, ^uint64(0)} {
							for _, pr := range list {
								paired = append(paired, pr, probe{j, w})
							}
						}
						for _, v := range probes {
							for _, w := range []uint64{1, 6, 10} {
								paired = append(paired, probe{j, v}, probe{idx, w})
							}
						}
						list = paired
					}
					step := 1
					if _, ok := partner[name]; ok {
						step = 2
					}
					for k := 0; k < len(list); k += step {
						var a [6]uint64
						a[list[k].i] = list[k].v
						if step == 2 {
							a[list[k+1].i] = list[k+1].v
						}
						v := a[idx]
						want := expect(p.EvalArch(arch, name, a))
						got, err := prog.Run(Data{Nr: int32(nr), Arch: aa, Args: a})
						if err != nil {
							t.Fatal(err)
						}
						if got.Ret != want.Ret && fails < 10 {
							fails++
							t.Errorf("%s %s(a%d=%#x, args %#x): filter %v, policy %v", arch, name, idx, v, a[:3], got.Action, want.Action)
						}
					}
				}
			}
			if fails > 0 {
				t.Log(disasm(prog))
			}
		})
	}
}
