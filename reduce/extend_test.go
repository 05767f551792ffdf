package reduce_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/profiles"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

// withArgs sets the recorded values of argument idx of syscall name.
func withArgs(f *trace.File, name string, idx int, vals ...uint64) {
	for i := range f.Syscalls {
		if f.Syscalls[i].Name == name {
			f.Syscalls[i].Args = append(f.Syscalls[i].Args, trace.ArgValues{Index: idx, Values: vals})
		}
	}
}

// Options.Extend: the result allows every call the extended profile allows
// (verdict.DiffProfiles, what 'seccomp-gen diff --superset' reports), and
// the traces' argument values do not narrow it.
func TestExtendKeepsWhatTheProfileAllows(t *testing.T) {
	profilesJSON := map[string]string{
		// mmap, clone3 unconditional; ioctl and personality by value.
		"allow-list": `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
		  {"names":["mmap","clone3","getpid","execve","exit_group"],"action":"SCMP_ACT_ALLOW"},
		  {"names":["ioctl"],"action":"SCMP_ACT_ALLOW","args":[{"index":1,"value":21505,"op":"SCMP_CMP_EQ"}]},
		  {"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":0,"op":"SCMP_CMP_EQ"}]}]}`,
		// Everything runs but reboot and personality(8).
		"deny-list": `{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
		  {"names":["reboot"],"action":"SCMP_ACT_ERRNO"},
		  {"names":["personality"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]}]}`,
	}
	for name, js := range profilesJSON {
		t.Run(name, func(t *testing.T) {
			base, _, err := emit.Parse(name, []byte(js))
			if err != nil {
				t.Fatal(err)
			}
			// The new run maps memory (not W+X), asks for the window size,
			// forks and was never seen to call personality.
			f := mk(t, "x86_64", "execve=1", "mmap=3", "ioctl=1", "clone=1", "exit_group=1")
			withArgs(f, "mmap", 2, 2)
			withArgs(f, "ioctl", 1, 0x5413)
			withArgs(f, "clone", 0, 17)
			res := run(t, in(f), reduce.Options{Baselines: nil, Extend: base, ExtendName: name})
			out := res.Policy
			d, err := verdict.DiffProfiles(verdict.NewPolicyAnswerer(out, tables), verdict.NewPolicyAnswerer(base, tables), tables)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range d.OnlyB {
				// Numbers no syscall has too (Name ""): a default-allow
				// profile lets them run, and so must the extension.
				t.Errorf("the extension denies %s %#x (%s) that %s allows (%s)", e.Label(), e.Args, e.A, name, e.B)
			}
			for _, n := range []string{"mmap", "clone3", "getpid"} {
				if !out.Allows(n) {
					t.Errorf("%s is not allowed unconditionally: %+v", n, out.Lookup(n))
				}
			}
			for _, c := range []struct {
				name  string
				args  [6]uint64
				allow bool
			}{
				{"mmap", [6]uint64{0, 4096, 7}, true}, // W+X: the base allows every prot
				{"ioctl", [6]uint64{1, 0x5401}, true}, // the base's
				{"ioctl", [6]uint64{1, 0x5413}, true}, // the run's
				{"personality", [6]uint64{0}, true},
				{"personality", [6]uint64{8}, false}, // denied by both (TestExtendKeepsConditionalDenials)
				{"reboot", [6]uint64{}, false},
				{"clone", [6]uint64{17}, true},
			} {
				if got := out.Eval(c.name, c.args).Action == policy.ActAllow; got != c.allow {
					t.Errorf("%s%x: allowed=%v, want %v (%+v)", c.name, c.args[:3], got, c.allow, out.Eval(c.name, c.args))
				}
			}
		})
	}
}

// A default-allow profile's deny rules with conditions (personality(8))
// stay as they are unless the run may have used a value they deny: then the
// syscall is allowed without conditions, as the run needs.
func TestExtendKeepsConditionalDenials(t *testing.T) {
	base, _, err := emit.Parse("deny-list", []byte(`{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
	  {"names":["reboot"],"action":"SCMP_ACT_ERRNO"},
	  {"names":["personality"],"action":"SCMP_ACT_ERRNO","errnoRet":22,"args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		calls  bool     // the run calls personality
		values []uint64 // with these recorded values of argument 0 (nil: none recorded)
		over   bool     // and more that the recorder did not keep (Overflow)
		kept   bool     // personality(8) still denied
	}{
		{"not called", false, nil, false, true},
		{"allowed values", true, []uint64{0, 0xffffffff}, false, true},
		{"a denied value", true, []uint64{0, 8}, false, false},
		{"values unknown", true, nil, false, false},
		{"more values than recorded", true, []uint64{0, 0xffffffff}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			counts := []string{"execve=1", "exit_group=1"}
			if tc.calls {
				counts = append(counts, "personality=2")
			}
			f := mk(t, "x86_64", counts...)
			if tc.values != nil {
				withArgs(f, "personality", 0, tc.values...)
			}
			for i := range f.Syscalls {
				for j := range f.Syscalls[i].Args {
					f.Syscalls[i].Args[j].Overflow = tc.over
				}
			}
			res := run(t, in(f), reduce.Options{Extend: base, ExtendName: "deny-list"})
			out := res.Policy
			v := out.Eval("personality", [6]uint64{8})
			if denied := v.Action == policy.ActErrno && v.Errno == 22; denied != tc.kept {
				t.Errorf("personality(8): %+v, want denied (EINVAL) %v", v, tc.kept)
			}
			for _, persona := range []uint64{0, 0xffffffff} {
				if v := out.Eval("personality", [6]uint64{persona}); v.Action != policy.ActAllow {
					t.Errorf("personality(%#x): %+v", persona, v)
				}
			}
			if v := out.Eval("reboot", [6]uint64{}); v.Action != policy.ActErrno {
				t.Errorf("reboot: %+v", v)
			}
			d, err := verdict.DiffProfiles(verdict.NewPolicyAnswerer(out, tables), verdict.NewPolicyAnswerer(base, tables), tables)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range d.OnlyB {
				t.Errorf("the extension denies %s %#x (%s) that the base allows (%s)", e.Label(), e.Args, e.A, e.B)
			}
			if got := slices.Contains(res.Extended, "personality"); got != tc.kept {
				t.Errorf("Extended %v: personality listed %v, want %v", res.Extended, got, tc.kept)
			}
		})
	}
	// A baseline's calls count as the run's: the rule goes when the
	// runtime's values are unknown, and stays when they all pass it.
	for _, tc := range []struct {
		name string
		args map[string]map[int][]uint64
		kept bool
	}{
		{"baseline values unknown", nil, false},
		{"baseline values allowed", map[string]map[int][]uint64{"personality": {0: {0}}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bl := &profiles.Baseline{Name: "runtime", Measured: "x86_64", Syscalls: map[string][]string{"x86_64": {"personality"}}, Args: tc.args}
			f := mk(t, "x86_64", "execve=1", "exit_group=1")
			out := run(t, in(f), reduce.Options{Extend: base, Baselines: []*profiles.Baseline{bl}}).Policy
			v := out.Eval("personality", [6]uint64{8})
			if denied := v.Action == policy.ActErrno && v.Errno == 22; denied != tc.kept {
				t.Errorf("personality(8): %+v, want denied (EINVAL) %v", v, tc.kept)
			}
		})
	}
}

// Without Extend the run's own rules apply: the test above can fail.
func TestExtendNilRestrictsByTheRun(t *testing.T) {
	f := mk(t, "x86_64", "execve=1", "mmap=3", "exit_group=1")
	withArgs(f, "mmap", 2, 2)
	out := run(t, in(f), reduce.Options{}).Policy
	if out.Eval("mmap", [6]uint64{0, 4096, 7}).Action == policy.ActAllow {
		t.Errorf("W+X mmap allowed without Extend")
	}
}

// The ABIs the extended profile covers stay covered, except those
// DropArches names.
func TestExtendKeepsABIs(t *testing.T) {
	base, _, err := emit.Parse("base", []byte(`{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"syscalls":[
	  {"names":["getpid","socketcall"],"action":"SCMP_ACT_ALLOW"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	out := run(t, in(mk(t, "x86_64", "execve=1", "exit_group=1")), reduce.Options{Extend: base}).Policy
	d, err := verdict.DiffProfiles(verdict.NewPolicyAnswerer(out, tables), verdict.NewPolicyAnswerer(base, tables), tables)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Superset() {
		t.Errorf("not a superset: arches %v, first denied %+v", out.Arches, d.OnlyB[0])
	}
	// Unless DropArches leaves one out: the profile does not cover it.
	out = run(t, in(mk(t, "x86_64", "execve=1", "exit_group=1")), reduce.Options{Extend: base, DropArches: []string{"x86"}}).Policy
	if !slices.Equal(out.Arches, []string{"x86_64"}) {
		t.Errorf("DropArches x86: arches %v, want [x86_64]", out.Arches)
	}
}

// A profile that covers none of the target ABIs (an x86_64 profile
// extended for aarch64) is read by name on the target ABIs.
func TestExtendOnOtherABIs(t *testing.T) {
	base, _, err := emit.Parse("base", []byte(`{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
	  {"names":["getpid","execve","exit_group"],"action":"SCMP_ACT_ALLOW"},
	  {"names":["ioctl"],"action":"SCMP_ACT_ALLOW","args":[{"index":1,"value":21505,"op":"SCMP_CMP_EQ"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	out := run(t, in(mk(t, "x86_64", "execve=1", "exit_group=1")), reduce.Options{Extend: base, Arches: []string{"aarch64"}}).Policy
	if !slices.Equal(out.Arches, []string{"aarch64"}) {
		t.Fatalf("arches %v, want [aarch64]", out.Arches)
	}
	for _, c := range []struct {
		name  string
		args  [6]uint64
		allow bool
	}{
		{"getpid", [6]uint64{}, true},
		{"ioctl", [6]uint64{1, 0x5401}, true},
		{"ioctl", [6]uint64{1, 0x5413}, false},
	} {
		if got := out.EvalArch("aarch64", c.name, c.args).Action == policy.ActAllow; got != c.allow {
			t.Errorf("aarch64 %s%x: allowed=%v, want %v", c.name, c.args[:2], got, c.allow)
		}
	}
}

// A profile's log rules stay log rules in the extension, conditional or
// not, and a default that lets calls run (allow or log) stays its default,
// so that numbers no syscall has run as they did.
func TestExtendKeepsLogAndDefault(t *testing.T) {
	for _, tc := range []struct {
		name, js string
		deflt    policy.Action
		want     map[string]policy.Action // syscall(0) -> answer
	}{
		{"log rules", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
		  {"names":["execve","exit_group","getpid"],"action":"SCMP_ACT_ALLOW"},
		  {"names":["uname"],"action":"SCMP_ACT_LOG"},
		  {"names":["personality"],"action":"SCMP_ACT_LOG","args":[{"index":0,"value":0,"op":"SCMP_CMP_EQ"}]}]}`,
			policy.ActErrno, map[string]policy.Action{"uname": policy.ActLog, "personality": policy.ActLog, "getpid": policy.ActAllow, "execve": policy.ActAllow}},
		{"log default", `{"defaultAction":"SCMP_ACT_LOG","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
		  {"names":["reboot","personality"],"action":"SCMP_ACT_ERRNO"}]}`,
			policy.ActLog, map[string]policy.Action{"uname": policy.ActLog, "reboot": policy.ActErrno, "execve": policy.ActLog, "personality": policy.ActAllow}},
		{"allow default", `{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
		  {"names":["reboot","personality"],"action":"SCMP_ACT_ERRNO"}]}`,
			policy.ActAllow, map[string]policy.Action{"uname": policy.ActAllow, "reboot": policy.ActErrno, "personality": policy.ActAllow}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, _, err := emit.Parse(tc.name, []byte(tc.js))
			if err != nil {
				t.Fatal(err)
			}
			// The run calls personality(0), which the allow-default
			// base denies outright.
			f := mk(t, "x86_64", "execve=1", "personality=1", "exit_group=1")
			withArgs(f, "personality", 0, 0)
			out := run(t, in(f), reduce.Options{Extend: base, ExtendName: tc.name}).Policy
			if out.DefaultAction != tc.deflt {
				t.Errorf("default %s, want %s", out.DefaultAction, tc.deflt)
			}
			for n, want := range tc.want {
				if got := out.Eval(n, [6]uint64{}).Action; got != want {
					t.Errorf("%s(0): %s, want %s", n, got, want)
				}
			}
			// The run's argument values narrow nothing under a default
			// that lets calls run: personality runs with any persona.
			if got := out.Eval("personality", [6]uint64{8}).Action; tc.deflt != policy.ActErrno && got != policy.ActAllow {
				t.Errorf("personality(8): %s, want %s (the run allowed personality)", got, policy.ActAllow)
			}
			d, err := verdict.DiffProfiles(verdict.NewPolicyAnswerer(out, tables), verdict.NewPolicyAnswerer(base, tables), tables)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range d.OnlyB {
				t.Errorf("the extension denies %s %#x (%s) that the base allows (%s)", e.Label(), e.Args, e.A, e.B)
			}
		})
	}
}

// The extended profile's answers to what neither it nor the run allows are
// kept (the interop review: every one became EPERM, podman's default
// ENOSYS, a rule's ERRNO(13), a kill): a program that reads ENOSYS as "not
// supported" met a hard EPERM under the extension and not under the
// profile. Against every named syscall and unnamed numbers on the ABI
// (verdict.DiffProfiles), the result differs from the profile only where
// it allows more.
func TestExtendKeepsDenialAnswers(t *testing.T) {
	podman, err := os.ReadFile("../testdata/profiles/containers-common-0.50.1.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, js := range map[string]string{
		// podman's default: ENOSYS for what it does not name.
		"containers-common": string(podman),
		"enosys default": `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"architectures":["SCMP_ARCH_X86_64"],"syscalls":[
		  {"names":["exit_group","rt_sigreturn","read","write"],"action":"SCMP_ACT_ALLOW"},
		  {"names":["getpgrp"],"action":"SCMP_ACT_ERRNO","errnoRet":13},
		  {"names":["vhangup"],"action":"SCMP_ACT_KILL_PROCESS"}]}`,
		"eperm default": `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"architectures":["SCMP_ARCH_X86_64"],"syscalls":[
		  {"names":["exit_group","rt_sigreturn","read","write"],"action":"SCMP_ACT_ALLOW"},
		  {"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38},
		  {"names":["vhangup"],"action":"SCMP_ACT_KILL_THREAD"}]}`,
		// personality denied for one persona with an answer of its own,
		// the default's for the rest; the run calls personality(0).
		"conditional deny": `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"architectures":["SCMP_ARCH_X86_64"],"syscalls":[
		  {"names":["exit_group","rt_sigreturn","read","write"],"action":"SCMP_ACT_ALLOW"},
		  {"names":["personality","setpgid"],"action":"SCMP_ACT_ERRNO","errnoRet":5,"args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]}]}`,
		"conditional allow and deny": `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
		  {"names":["exit_group","rt_sigreturn","read","write"],"action":"SCMP_ACT_ALLOW"},
		  {"names":["personality","setpgid"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":4294967295,"op":"SCMP_CMP_EQ"}]},
		  {"names":["personality","setpgid"],"action":"SCMP_ACT_ERRNO","errnoRet":5,"args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]}]}`,
		"conditional deny, kill default": `{"defaultAction":"SCMP_ACT_KILL_PROCESS","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
		  {"names":["exit_group","rt_sigreturn","read","write"],"action":"SCMP_ACT_ALLOW"},
		  {"names":["personality","setpgid"],"action":"SCMP_ACT_ERRNO","errnoRet":5,"args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]}]}`,
		"trace default": `{"defaultAction":"SCMP_ACT_TRACE","defaultErrnoRet":77,"architectures":["SCMP_ARCH_X86_64"],"syscalls":[
		  {"names":["exit_group","rt_sigreturn","read","write"],"action":"SCMP_ACT_ALLOW"},
		  {"names":["getpgrp"],"action":"SCMP_ACT_TRACE","errnoRet":13}]}`,
		"allow default": `{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
		  {"names":["keyctl"],"action":"SCMP_ACT_ERRNO","errnoRet":38},
		  {"names":["getpgrp"],"action":"SCMP_ACT_ERRNO","errnoRet":14},
		  {"names":["vhangup"],"action":"SCMP_ACT_KILL_THREAD"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			base, _, err := emit.Parse(name, []byte(js))
			if err != nil {
				t.Fatal(err)
			}
			// fcntl with recorded values: the values no run used are
			// denied by argument rules, and the runtimes' baselines add
			// more such rules (prctl, tgkill).
			f := mk(t, "x86_64", "execve=1", "read=3", "write=1", "getpid=2", "fcntl=2", "personality=1", "exit_group=1")
			withArgs(f, "fcntl", 1, 1)
			withArgs(f, "personality", 0, 0)
			bl, err := profiles.Resolve(profiles.DefaultBaselines, nil)
			if err != nil {
				t.Fatal(err)
			}
			res := run(t, in(f), reduce.Options{Baselines: bl, Extend: base, ExtendName: name})
			d, err := verdict.DiffProfiles(verdict.NewPolicyAnswerer(res.Policy, tables), verdict.NewPolicyAnswerer(base, tables), tables)
			if err != nil {
				t.Fatal(err)
			}
			fallbacks := map[string]bool{}
			for _, fb := range res.Fallbacks {
				fallbacks[fb.Name] = true
			}
			for _, e := range d.Answer {
				if fallbacks[e.Name] && e.A == "SCMP_ACT_ERRNO(ENOSYS)" {
					continue // answered ENOSYS for its fallback, by design
				}
				if strings.HasSuffix(e.B, ", "+strings.TrimSuffix(e.A, " (depends on arguments)")+" under crun") && strings.Contains(e.B, "SCMP_ACT_ERRNO(ENOSYS) under runc") {
					// runc's ENOSYS past the highest syscall the base
					// names; the result allows a newer one (faccessat2,
					// of runc's baseline), so runc answers the default.
					continue
				}
				t.Errorf("%s: %s under the extension, %s under %s", e.Label(), e.A, e.B, name)
			}
			for _, e := range d.OnlyB {
				t.Errorf("the extension denies %s (%s) that %s allows (%s)", e.Label(), e.A, name, e.B)
			}
			for _, n := range []string{"execve", "getpid"} {
				if !res.Policy.Allows(n) {
					t.Errorf("the run's %s is not allowed", n)
				}
			}
		})
	}
}
