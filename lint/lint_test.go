package lint

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/profiles"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// base is an allow list that lints clean: exit_group and rt_sigreturn
// allowed, everything else ENOSYS, x86_64 only.
const baseRules = `{"names":["exit_group","rt_sigreturn","read","write"],"action":"SCMP_ACT_ALLOW"}`

func prof(extra ...string) string {
	return `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"architectures":["SCMP_ARCH_X86_64"],"syscalls":[` +
		strings.Join(append([]string{baseRules}, extra...), ",") + `]}`
}

func rule(names, action string, more ...string) string {
	s := `{"names":[` + names + `],"action":"` + action + `"`
	for _, m := range more {
		s += "," + m
	}
	return s + "}"
}

const argEq = `"args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]`

type want struct {
	sev   Severity
	check string
	rule  string
	name  string
	text  string
}

func TestFindings(t *testing.T) {
	cases := []struct {
		name string
		data string
		want []want
		// none lists checks that must not fire
		none []string
	}{
		{"clean", prof(), nil, []string{""}},
		{"clean with EPERM rule", prof(rule(`"ptrace","mount"`, "SCMP_ACT_ERRNO", `"errnoRet":1`)), nil, []string{""}},
		// default allow
		{"deny list", `{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[` + rule(`"ptrace"`, "SCMP_ACT_ERRNO") + `]}`,
			[]want{{Warning, CheckDefaultAllow, "", "", "a deny list"}, {Warning, CheckDangerous, "", "", "bpf, "}}, nil},
		{"log default", `{"defaultAction":"SCMP_ACT_LOG","architectures":["SCMP_ARCH_X86_64"],"syscalls":[` + rule(`"ptrace"`, "SCMP_ACT_KILL") + `]}`,
			[]want{{Warning, CheckDefaultAllow, "", "", "SCMP_ACT_LOG"}}, nil},
		{"allow all but a typo", `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[` + rule(`"ptarce"`, "SCMP_ACT_ERRNO") + `]}`,
			[]want{{Error, CheckDefaultAllow, "", "", "allows every syscall"}, {Error, CheckUnknownName, "syscalls[0]", "ptarce", "runc and crun drop the name"}}, nil},
		{"allow all", `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[` + rule(`"read"`, "SCMP_ACT_ALLOW") + `]}`,
			[]want{{Error, CheckDefaultAllow, "", "", "allows every syscall"}}, nil},
		// ABIs
		{"archMap", `{"defaultAction":"SCMP_ACT_ERRNO","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86","SCMP_ARCH_X32"]}],"syscalls":[` + baseRules + `]}`,
			[]want{{Warning, CheckCompatABI, "", "", "archMap: on this machine the runtime covers x86_64, x86, x32"}}, nil},
		{"archMap without subs", `{"defaultAction":"SCMP_ACT_ERRNO","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":[]}],"syscalls":[` + baseRules + `]}`,
			nil, []string{CheckCompatABI}},
		{"x86 listed", strings.Replace(prof(), `["SCMP_ARCH_X86_64"]`, `["SCMP_ARCH_X86_64","SCMP_ARCH_X86"]`, 1),
			[]want{{Info, CheckCompatABI, "", "", "x86 is covered"}}, nil},
		{"x32 with allowing default", `{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X32"],"syscalls":[` + rule(`"socket"`, "SCMP_ACT_ERRNO") + `]}`,
			[]want{{Warning, CheckCompatABI, "", "", "x32 is covered with an allowing default"}}, nil},
		{"x86_64 alone", prof(), nil, []string{CheckCompatABI, CheckNativeABI}},
		{"x86 alone", strings.Replace(prof(), `["SCMP_ARCH_X86_64"]`, `["SCMP_ARCH_X86"]`, 1),
			[]want{{Warning, CheckNativeABI, "", "", "x86_64 is not listed, but runc and crun never remove the native ABI"}}, nil},
		{"no architectures", strings.Replace(prof(), `"architectures":["SCMP_ARCH_X86_64"],`, "", 1), nil, []string{CheckNativeABI}},
		{"aarch64 and arm", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_AARCH64","SCMP_ARCH_ARM"],"syscalls":[` + baseRules + `]}`,
			[]want{{Info, CheckCompatABI, "", "", "arm is covered"}}, nil},
		// dangerous syscalls, each kind
		{"io_uring", prof(rule(`"io_uring_setup","io_uring_enter"`, "SCMP_ACT_ALLOW")),
			[]want{{Warning, CheckDangerous, "syscalls[1]", "io_uring_setup", "invisible to seccomp"}, {Warning, CheckDangerous, "syscalls[1]", "io_uring_enter", ""}}, nil},
		{"ptrace", prof(rule(`"ptrace"`, "SCMP_ACT_LOG")), []want{{Warning, CheckDangerous, "syscalls[1]", "ptrace", "allowed: controls other processes"}}, nil},
		{"bpf perf", prof(rule(`"bpf","perf_event_open"`, "SCMP_ACT_ALLOW")),
			[]want{{Warning, CheckDangerous, "syscalls[1]", "bpf", ""}, {Warning, CheckDangerous, "syscalls[1]", "perf_event_open", ""}}, nil},
		{"mounts", prof(rule(`"mount","umount2","fsopen","fsmount","move_mount","open_tree","fsconfig","fspick","mount_setattr"`, "SCMP_ACT_ALLOW")),
			[]want{{Warning, CheckDangerous, "syscalls[1]", "mount", ""}, {Warning, CheckDangerous, "syscalls[1]", "umount2", ""}, {Warning, CheckDangerous, "syscalls[1]", "fsopen", "new mount API"},
				{Warning, CheckDangerous, "syscalls[1]", "fsmount", ""}, {Warning, CheckDangerous, "syscalls[1]", "move_mount", ""}, {Warning, CheckDangerous, "syscalls[1]", "open_tree", ""},
				{Warning, CheckDangerous, "syscalls[1]", "fsconfig", ""}, {Warning, CheckDangerous, "syscalls[1]", "fspick", ""}, {Warning, CheckDangerous, "syscalls[1]", "mount_setattr", ""}}, nil},
		{"modules kexec", prof(rule(`"init_module","finit_module","delete_module","kexec_load","kexec_file_load"`, "SCMP_ACT_ALLOW")),
			[]want{{Warning, CheckDangerous, "syscalls[1]", "init_module", "kernel module"}, {Warning, CheckDangerous, "syscalls[1]", "finit_module", ""}, {Warning, CheckDangerous, "syscalls[1]", "delete_module", ""},
				{Warning, CheckDangerous, "syscalls[1]", "kexec_load", "new kernel"}, {Warning, CheckDangerous, "syscalls[1]", "kexec_file_load", ""}}, nil},
		{"ptrace for some arguments", prof(rule(`"ptrace"`, "SCMP_ACT_ALLOW", argEq)), []want{{Warning, CheckDangerous, "syscalls[1]", "ptrace", "allowed for some arguments"}}, nil},
		{"ptrace denied", prof(rule(`"ptrace"`, "SCMP_ACT_KILL_PROCESS")), nil, []string{CheckDangerous}},
		// exit
		{"no exit_group", strings.Replace(prof(), `"exit_group",`, "", 1), []want{{Error, CheckExitMissing, "", "exit_group", "not allowed (SCMP_ACT_ERRNO(38) from the default action)"}}, nil},
		{"no rt_sigreturn", strings.Replace(prof(), `"rt_sigreturn",`, "", 1), []want{{Error, CheckExitMissing, "", "rt_sigreturn", "signal handler"}}, nil},
		{"exit_group killed first", prof(rule(`"exit_group"`, "SCMP_ACT_KILL")), nil, []string{CheckExitMissing}},
		{"exit_group denied first", strings.Replace(prof(), `"syscalls":[`, `"syscalls":[`+rule(`"exit_group"`, "SCMP_ACT_KILL_PROCESS")+",", 1),
			[]want{{Error, CheckExitMissing, "syscalls[0]", "exit_group", "SCMP_ACT_KILL_PROCESS from syscalls[0]"}, {Warning, CheckConflict, "syscalls[1]", "exit_group", "runc and crun apply the first, syscalls[0]: SCMP_ACT_KILL_PROCESS"}}, nil},
		{"exit_group conditional", strings.Replace(prof(rule(`"exit_group"`, "SCMP_ACT_ALLOW", argEq)), `"exit_group",`, "", 1),
			[]want{{Warning, CheckExitMissing, "", "exit_group", "only for some arguments"}}, nil},
		// Under an allowing default, a conditional denial of an
		// essential syscall (runc and crun answer it): lint said
		// nothing, the default counted as "always allowed".
		{"rt_sigreturn denied for some arguments under an allowing default", `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[` + rule(`"rt_sigreturn"`, "SCMP_ACT_ERRNO", argEq) + `]}`,
			[]want{{Warning, CheckDefaultAllow, "", "", "a deny list"}, {Warning, CheckExitMissing, "", "rt_sigreturn", "only for some arguments"}}, nil},
		// unknown names
		{"unknown", prof(rule(`"ptarce","bpff"`, "SCMP_ACT_ERRNO", `"errnoRet":1`)),
			[]want{{Error, CheckUnknownName, "syscalls[1]", "ptarce", "libseccomp 2.5.4 knows no such syscall on any of the profile's ABIs (x86_64)"}, {Error, CheckUnknownName, "syscalls[1]", "bpff", ""}}, nil},
		// send and recv exist on x86 only through socketcall, and not on
		// x86_64: libseccomp still adds their rules to socketcall there.
		{"send and recv with x86", strings.Replace(prof(rule(`"send","recv"`, "SCMP_ACT_ALLOW")), `["SCMP_ARCH_X86_64"]`, `["SCMP_ARCH_X86_64","SCMP_ARCH_X86"]`, 1),
			nil, []string{CheckUnknownName}},
		{"send without x86", prof(rule(`"send"`, "SCMP_ACT_ALLOW")),
			[]want{{Error, CheckUnknownName, "syscalls[1]", "send", "(x86_64)"}}, nil},
		{"unknown on the only ABI", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_AARCH64"],"syscalls":[` + rule(`"exit_group","rt_sigreturn","open"`, "SCMP_ACT_ALLOW") + `]}`,
			[]want{{Error, CheckUnknownName, "syscalls[0]", "open", "(aarch64)"}}, nil},
		// errno 0 is a fake success
		{"errno 0 rule", prof(rule(`"setuid"`, "SCMP_ACT_ERRNO", `"errnoRet":0`)),
			[]want{{Warning, CheckErrnoZero, "syscalls[1]", "", "SCMP_ACT_ERRNO(0) for setuid: the kernel skips the call and returns 0"}}, nil},
		{"errno 0 default", strings.Replace(prof(), `"defaultErrnoRet":38`, `"defaultErrnoRet":0`, 1),
			[]want{{Warning, CheckErrnoZero, "", "", "default action SCMP_ACT_ERRNO(0)"}}, nil},
		{"errno 1", prof(rule(`"setuid"`, "SCMP_ACT_ERRNO", `"errnoRet":1`)), nil, []string{CheckErrnoZero}},
		// rules equal to the default
		{"equals default", prof(rule(`"ptrace"`, "SCMP_ACT_ERRNO", `"errnoRet":38`)),
			[]want{{Info, CheckDefaultEqual, "syscalls[1]", "", "equals the default action: runc and crun add no filter rule for it"}}, nil},
		{"equals default EPERM", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[` + baseRules + "," + rule(`"ptrace"`, "SCMP_ACT_ERRNO", `"errnoRet":1`) + `]}`,
			[]want{{Info, CheckDefaultEqual, "syscalls[1]", "", "SCMP_ACT_ERRNO(1)"}}, nil},
		// Without it, runc would answer ENOSYS above exit_group (231), crun
		// EPERM: the rule generate writes in the k8s format.
		{"equals default EPERM, raises runc's stub", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[` + baseRules + "," + rule(`"ptrace","process_madvise"`, "SCMP_ACT_ERRNO", `"errnoRet":1`) + `]}`,
			nil, []string{CheckDefaultEqual}},
		{"kill equals kill_thread", `{"defaultAction":"SCMP_ACT_KILL_THREAD","architectures":["SCMP_ARCH_X86_64"],"syscalls":[` + baseRules + "," + rule(`"ptrace"`, "SCMP_ACT_KILL") + `]}`,
			[]want{{Info, CheckDefaultEqual, "syscalls[1]", "", ""}}, nil},
		{"equal-to-default rule does not win", prof(rule(`"uname"`, "SCMP_ACT_ERRNO", `"errnoRet":38`), rule(`"uname"`, "SCMP_ACT_ALLOW")),
			[]want{{Warning, CheckDefaultEqual, "syscalls[1]", "", "does not take precedence over later rules: syscalls[2] for uname wins"}}, []string{CheckConflict}},
		// conflicts and overlaps
		{"errno then allow", prof(rule(`"uname"`, "SCMP_ACT_ERRNO", `"errnoRet":1`), rule(`"uname"`, "SCMP_ACT_ALLOW")),
			[]want{{Warning, CheckConflict, "syscalls[2]", "uname", "runc and crun apply the first, syscalls[1]: SCMP_ACT_ERRNO(1) (this rule's SCMP_ACT_ALLOW never applies)"}}, nil},
		{"allow then errno", prof(rule(`"uname"`, "SCMP_ACT_ALLOW"), rule(`"uname"`, "SCMP_ACT_ERRNO", `"errnoRet":1`)),
			[]want{{Warning, CheckConflict, "syscalls[2]", "uname", "apply the first, syscalls[1]: SCMP_ACT_ALLOW"}}, nil},
		{"read allowed, then denied", prof(rule(`"read"`, "SCMP_ACT_KILL_PROCESS")),
			[]want{{Warning, CheckConflict, "syscalls[1]", "read", "apply the first, syscalls[0]: SCMP_ACT_ALLOW (this rule's SCMP_ACT_KILL_PROCESS never applies)"}}, nil},
		{"two errnos", prof(rule(`"uname"`, "SCMP_ACT_ERRNO", `"errnoRet":1`), rule(`"uname"`, "SCMP_ACT_ERRNO", `"errnoRet":13`)),
			[]want{{Warning, CheckConflict, "syscalls[2]", "uname", "SCMP_ACT_ERRNO(1)"}}, nil},
		{"same answer twice", prof(rule(`"read"`, "SCMP_ACT_ALLOW")), []want{{Info, CheckOverlap, "syscalls[1]", "read", "same answer SCMP_ACT_ALLOW"}}, nil},
		{"conditional after unconditional", prof(rule(`"read"`, "SCMP_ACT_ERRNO", `"errnoRet":1`, argEq)),
			[]want{{Warning, CheckDeadCondition, "syscalls[1]", "read", "syscalls[0] names it without conditions (SCMP_ACT_ALLOW)"}}, nil},
		{"conditional before unconditional", strings.Replace(prof(), `"syscalls":[`, `"syscalls":[`+rule(`"write"`, "SCMP_ACT_ERRNO", `"errnoRet":1`, argEq)+",", 1),
			[]want{{Warning, CheckDeadCondition, "syscalls[0]", "write", "before or after it"}}, nil},
		{"two conditionals", prof(rule(`"personality"`, "SCMP_ACT_ALLOW", argEq), rule(`"personality"`, "SCMP_ACT_KILL", `"args":[{"index":0,"value":1,"op":"SCMP_CMP_GE"}]`)),
			[]want{{Info, CheckOverlap, "syscalls[2]", "personality", "conditional rules with different answers"}}, nil},
		{"two disjoint conditionals", prof(rule(`"personality"`, "SCMP_ACT_ALLOW", argEq), rule(`"personality"`, "SCMP_ACT_KILL", `"args":[{"index":0,"value":8,"op":"SCMP_CMP_GE"}]`)),
			nil, nil},
		// several conditions on one argument
		{"same argument", prof(rule(`"personality"`, "SCMP_ACT_ALLOW", `"args":[{"index":0,"value":0,"op":"SCMP_CMP_EQ"},{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]`)),
			[]want{{Error, CheckSameArg, "syscalls[1]", "", "2 conditions on argument 0: runc and crun add each of this rule's 2 conditions as a rule of its own"}}, nil},
		{"range on one argument", prof(rule(`"socket"`, "SCMP_ACT_ALLOW", `"args":[{"index":0,"value":1,"op":"SCMP_CMP_GE"},{"index":0,"value":10,"op":"SCMP_CMP_LE"},{"index":1,"value":1,"op":"SCMP_CMP_EQ"}]`)),
			[]want{{Error, CheckSameArg, "syscalls[1]", "", "ANY condition holds"}}, nil},
		{"different arguments", prof(rule(`"socket"`, "SCMP_ACT_ALLOW", `"args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"},{"index":1,"value":1,"op":"SCMP_CMP_EQ"}]`)), nil, []string{CheckSameArg}},
		// clone
		{"clone unmasked", prof(rule(`"clone"`, "SCMP_ACT_ALLOW"), rule(`"unshare","setns"`, "SCMP_ACT_ERRNO", `"errnoRet":1`)),
			[]want{{Warning, CheckCloneNoMask, "syscalls[1]", "clone", "while unshare and setns are denied"}}, nil},
		{"clone unmasked, unshare by default", prof(rule(`"clone","setns"`, "SCMP_ACT_ALLOW")),
			[]want{{Warning, CheckCloneNoMask, "syscalls[1]", "clone", "while unshare is denied"}}, nil},
		{"clone masked", prof(rule(`"clone"`, "SCMP_ACT_ALLOW", `"args":[{"index":0,"value":2114060288,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]`)), nil, []string{CheckCloneNoMask}},
		{"clone and unshare allowed", prof(rule(`"clone","unshare","setns"`, "SCMP_ACT_ALLOW")), nil, []string{CheckCloneNoMask}},
		{"clone3 allowed", prof(rule(`"clone3"`, "SCMP_ACT_ALLOW")), []want{{Warning, CheckCloneNoMask, "syscalls[1]", "clone3", "ENOSYS"}}, nil},
		{"clone3 ENOSYS", prof(rule(`"clone3"`, "SCMP_ACT_ERRNO", `"errnoRet":38`)), nil, []string{CheckCloneNoMask}},
		// SPO and config.json paths
		{"spo", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  architectures: [SCMP_ARCH_X86_64]\n  syscalls:\n  - names: [exit_group, rt_sigreturn]\n    action: SCMP_ACT_ALLOW\n  - names: [bpf]\n    action: SCMP_ACT_ALLOW\n",
			[]want{{Warning, CheckDangerous, "spec.syscalls[1]", "bpf", ""}}, nil},
		{"config", `{"ociVersion":"1.0.2","linux":{"seccomp":` + prof(rule(`"ptarce"`, "SCMP_ACT_ALLOW")) + `}}`,
			[]want{{Error, CheckUnknownName, "linux.seccomp.syscalls[1]", "ptarce", ""}}, nil},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs, err := Data("p.json", []byte(tc.data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				seen[w.check] = true
				found := false
				for _, f := range fs {
					if f.Severity == w.sev && f.Check == w.check && f.Rule == w.rule && f.Syscall == w.name && strings.Contains(f.Message, w.text) {
						found = true
					}
				}
				if !found {
					t.Errorf("no %+v in:\n%s", w, show(fs))
				}
			}
			for _, c := range tc.none {
				for _, f := range fs {
					if c == "" || f.Check == c {
						t.Errorf("unexpected finding %s", f)
					}
				}
			}
			for i := 1; i < len(fs); i++ {
				if fs[i-1].Severity.rank() > fs[i].Severity.rank() {
					t.Errorf("not sorted by severity:\n%s", show(fs))
				}
			}
		})
	}
	for _, c := range []string{CheckDefaultAllow, CheckCompatABI, CheckDangerous, CheckExitMissing, CheckUnknownName, CheckDefaultEqual,
		CheckConflict, CheckOverlap, CheckSameArg, CheckCloneNoMask, CheckDeadCondition, CheckErrnoZero} {
		if !seen[c] {
			t.Errorf("no case triggers %s", c)
		}
	}
}

// TestFindingCounts: the number of findings of a check, where a wrong
// program would add one, leave one out or give it another severity.
func TestFindingCounts(t *testing.T) {
	for _, c := range []struct {
		name  string
		data  string
		sev   Severity
		check string
		n     int
	}{
		// The rule equals the default: one finding for errno 0, the default's.
		{"errno 0 rule under an errno 0 default", strings.Replace(prof(rule(`"setuid"`, "SCMP_ACT_ERRNO", `"errnoRet":0`)), `"defaultErrnoRet":38`, `"defaultErrnoRet":0`, 1),
			Warning, CheckErrnoZero, 1},
		{"archMap with one subarchitecture", `{"defaultAction":"SCMP_ACT_ERRNO","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86"]}],"syscalls":[` + baseRules + `]}`,
			Warning, CheckCompatABI, 1},
		// read is allowed by an earlier rule: nothing later wins over the
		// rule equal to the default.
		{"allowed, then equal to the default", prof(rule(`"read"`, "SCMP_ACT_ERRNO", `"errnoRet":38`)), Warning, CheckDefaultEqual, 0},
		{"allowed, then equal to the default (info)", prof(rule(`"read"`, "SCMP_ACT_ERRNO", `"errnoRet":38`)), Info, CheckDefaultEqual, 1},
		// Under an ENOSYS default runc's stub answers what the default
		// does: a rule equal to it naming the highest number does nothing.
		{"equals an ENOSYS default, highest number", prof(rule(`"process_madvise"`, "SCMP_ACT_ERRNO", `"errnoRet":38`)), Info, CheckDefaultEqual, 1},
		{"two conditionals with one answer", prof(rule(`"personality"`, "SCMP_ACT_ALLOW", argEq), rule(`"personality"`, "SCMP_ACT_ALLOW", `"args":[{"index":0,"value":1,"op":"SCMP_CMP_GE"}]`)),
			Info, CheckOverlap, 0},
		// x86 is a compat ABI of x86_64, not a native ABI with compat ABIs.
		{"x86 listed", strings.Replace(prof(), `["SCMP_ARCH_X86_64"]`, `["SCMP_ARCH_X86_64","SCMP_ARCH_X86"]`, 1), Info, CheckCompatABI, 1},
	} {
		fs, err := Data("p.json", []byte(c.data), Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		n := 0
		for _, f := range fs {
			if f.Severity == c.sev && f.Check == c.check {
				n++
			}
		}
		if n != c.n {
			t.Errorf("%s: %d %s findings of %s, want %d:\n%s", c.name, n, c.sev, c.check, c.n, show(fs))
		}
	}
}

func show(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + f.String() + "\n")
	}
	return b.String()
}

func TestAllowUnknownSyscalls(t *testing.T) {
	fs, err := Data("p.json", []byte(prof(rule(`"ptarce"`, "SCMP_ACT_ERRNO", `"errnoRet":1`))), Options{AllowUnknownSyscalls: true})
	if err != nil || len(fs) != 1 || fs[0].Severity != Warning || fs[0].Check != CheckUnknownName {
		t.Errorf("%v\n%s", err, show(fs))
	}
}

// TestCeilingIsTheSource: every deny-ceiling syscall allowed is a finding,
// so the list lint checks is profiles/ceiling.yaml, not a copy.
func TestCeilingIsTheSource(t *testing.T) {
	var names []string
	for _, c := range profiles.Ceiling() {
		if scmp.Has("x86_64", c.Name) {
			names = append(names, `"`+c.Name+`"`)
		}
	}
	fs, err := Data("p.json", []byte(prof(rule(strings.Join(names, ","), "SCMP_ACT_ALLOW"))), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(fs); n != len(names) || Count(fs, Warning) != n {
		t.Errorf("%d findings for %d ceiling syscalls:\n%s", n, len(names), show(fs))
	}
}

// TestGeneratedProfilesClean: what the reducer makes from the shipped
// traces, with the default baselines, has no findings of severity error,
// in every format, and lint.Policy agrees with linting the written file.
func TestGeneratedProfilesClean(t *testing.T) {
	paths, _ := filepath.Glob("../testdata/traces/*.yaml")
	if len(paths) == 0 {
		t.Fatal("no traces in testdata/traces")
	}
	native, err := scmp.Native()
	if err != nil {
		t.Fatal(err)
	}
	bl, err := profiles.Resolve(profiles.DefaultBaselines, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		f, err := trace.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, arches := range [][]string{nil, {"x86_64", "x86"}} {
			for _, def := range []string{"", "kill"} {
				res, err := reduce.Reduce([]reduce.Input{{Path: path, File: f}}, reduce.Options{Native: native, Baselines: bl, Arches: arches, DefaultAction: def}, scmp.Tables{})
				if err != nil {
					t.Fatal(err)
				}
				fs, err := Policy(res.Policy, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if n := Count(fs, Error); n > 0 {
					t.Errorf("%s %v %s: %d errors:\n%s", path, arches, def, n, show(fs))
				}
				for _, format := range emit.WriteFormats {
					data, err := emit.Write(res.Policy, format, emit.Options{})
					if err != nil {
						t.Fatal(err)
					}
					gs, err := Data("p", data, Options{})
					if err != nil {
						t.Fatal(err)
					}
					want := fs
					if format != emit.FormatDocker {
						// the CRD has no defaultErrnoRet: the EPERM rule
						// equals the default there, and the ENOSYS rule
						// for clone3 (argument rules) does not; and the
						// formats without comments merge rules that
						// differ only in their comment (clone3's ENOSYS
						// and the fallback families'), so the rules that
						// equal the default are counted differently
						gs = without(gs, CheckDefaultEqual)
						want = without(fs, CheckDefaultEqual)
					}
					if len(gs) != len(want) {
						t.Errorf("%s %s: %d findings, %d from the policy:\n%s\npolicy:\n%s", path, format, len(gs), len(fs), show(gs), show(fs))
					}
				}
			}
		}
	}
}

func TestReports(t *testing.T) {
	fs, _ := Data("p.json", []byte(prof(rule(`"ptarce"`, "SCMP_ACT_ERRNO", `"errnoRet":1`), rule(`"bpf"`, "SCMP_ACT_ALLOW"))), Options{})
	rs := []Result{{File: "p.json", Findings: fs}, {File: "clean.json"}}
	var h bytes.Buffer
	if err := WriteHuman(&h, rs); err != nil {
		t.Fatal(err)
	}
	want := `p.json: error: syscalls[1] ptarce: libseccomp 2.5.4 knows no such syscall on any of the profile's ABIs (x86_64); runc and crun drop the name silently, so this rule does nothing for it [unknown-syscall]
p.json: warning: syscalls[2] bpf: allowed: loads eBPF programs and maps into the kernel (deny ceiling, profiles/ceiling.yaml) [dangerous-allowed]
p.json: 1 error, 1 warning, 0 info
clean.json: 0 errors, 0 warnings, 0 info
`
	if h.String() != want {
		t.Errorf("human:\n%s\nwant:\n%s", h.String(), want)
	}
	var j bytes.Buffer
	if err := WriteJSON(&j, rs); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Profiles []struct {
			File     string
			Findings []map[string]any
		}
		Summary Summary
	}
	if err := json.Unmarshal(j.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Summary != (Summary{Errors: 1, Warnings: 1}) || len(doc.Profiles) != 2 || doc.Profiles[0].Findings[0]["rule"] != "syscalls[1]" ||
		doc.Profiles[0].Findings[0]["severity"] != "error" || doc.Profiles[1].Findings == nil {
		t.Errorf("json:\n%s", j.String())
	}
}

func without(fs []Finding, check string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Check != check {
			out = append(out, f)
		}
	}
	return out
}

var _ = policy.ActAllow

// A condition that compares nothing (a zero mask) leaves the rule
// unconditional for runc and crun (policy.Deciding): clone allowed that way
// is clone allowed without a mask.
func TestNoOpConditionIsUnconditional(t *testing.T) {
	noop := `"args":[{"index":0,"value":0,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]`
	fs, err := Data("p.json", []byte(prof(rule(`"clone"`, "SCMP_ACT_ALLOW", noop), rule(`"unshare","setns"`, "SCMP_ACT_ERRNO", `"errnoRet":1`))), Options{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range fs {
		found = found || f.Check == CheckCloneNoMask
	}
	if !found {
		t.Errorf("no %s finding for clone allowed under a zero mask:\n%s", CheckCloneNoMask, show(fs))
	}
}

// TestFindingsOrder: findings come errors first, then warnings, then info,
// whatever order the checks found them in (errno-zero, a warning, is found
// before exit-denied, an error).
func TestFindingsOrder(t *testing.T) {
	data := `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"syscalls":[` +
		rule(`"ptrace"`, "SCMP_ACT_ERRNO", `"errnoRet":0`) + `]}`
	fs, err := Data("p.json", []byte(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	rank := map[Severity]int{Error: 0, Warning: 1, Info: 2}
	seen := map[Severity]bool{}
	for i, f := range fs {
		seen[f.Severity] = true
		if i > 0 && rank[f.Severity] < rank[fs[i-1].Severity] {
			t.Errorf("finding %d (%s) after %s:\n%v", i, f, fs[i-1].Severity, fs)
		}
	}
	if !seen[Error] || !seen[Warning] || !seen[Info] {
		t.Fatalf("want findings of every severity, got %v", fs)
	}
}
