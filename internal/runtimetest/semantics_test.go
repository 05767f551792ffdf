package runtimetest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/internal/runtimetest"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// The runtime oracle for what a profile means (issue 8): profiles with
// overlapping and conflicting rules run under runc 1.1.5 and crun 1.8.1,
// and testdata/calls.c issues chosen syscalls with chosen arguments inside
// the container. For every call, runc's answer must be policy.Runtimes'
// runc answer, crun's its crun answer (the two are the same except for
// runc's ENOSYS stub above the highest syscall a profile names), and the
// filter emit/cbpf.Compile builds must give crun's answer for named
// syscalls. Profiles the product refuses (policy.ErrAmbiguous) are run too,
// to show the refusal is needed: the runtimes disagree, refuse to start,
// or enforce something other than what the rules say.
//
// The syscalls probed take no arguments or ignore them, have no side
// effects, and never fail when allowed (so any errno is the filter's):
// getuid 102, getgid 104, geteuid 107, getegid 108, getpgrp 111,
// getpgid 121 (pid 0), getsid 124 (pid 0), sched_getscheduler 145 (pid 0);
// pidfd_open 434 is above every syscall the profiles name (runc's stub).

// baseNames are allowed first in every profile: what runc and crun issue
// after installing the filter with noNewPrivileges true (the measured
// baselines runc-nnp, crun-nnp and process) and what calls.c needs to
// start, fork and report (strace). None of them is probed.
var baseNames = []string{"arch_prctl", "brk", "clock_getres", "clock_gettime", "clone", "close", "epoll_ctl",
	"epoll_pwait", "execve", "exit", "exit_group", "fstatfs", "futex", "getcpu", "getdents64", "getpid", "getrandom",
	"gettid", "gettimeofday", "madvise", "mmap", "mprotect", "munmap", "nanosleep", "newfstatat", "openat",
	"prlimit64", "readlink", "restart_syscall", "rseq", "rt_sigprocmask", "rt_sigreturn", "sched_yield",
	"set_robust_list", "set_tid_address", "sigaltstack", "tgkill", "time", "wait4", "write",
	// The i386 build (on the x86 ABI).
	"set_thread_area", "sigreturn", "statx", "ugetrlimit"}

func eq(i uint, v uint64) policy.Arg { return policy.Arg{Index: i, Value: v, Op: policy.OpEqualTo} }

func rule(action policy.Action, errno *uint, names string, args ...policy.Arg) policy.Rule {
	return policy.Rule{Names: strings.Fields(names), Action: action, Errno: errno, Args: args}
}

var (
	allowR = policy.ActAllow
	errnoR = policy.ActErrno
	e13    = policy.Errno(13)
	e14    = policy.Errno(14)
	e1     = policy.Errno(1)
)

// Why a refused profile must be refused.
const (
	whyStart     = "start"      // neither runtime starts the container
	whyDiffer    = "differ"     // runc and crun give different answers (or one does not start)
	whyLibseccmp = "libseccomp" // the runtimes agree, but not with what the rules say
	whyOrder     = "order"      // libseccomp's order decides; nothing more is asserted
)

type semCase struct {
	name     string
	def      policy.Action
	defErrno *uint
	flags    []string
	rules    []policy.Rule
	calls    []string
	// calls32 run in the 32-bit build of calls.c (i386 numbers); the
	// profile then covers x86_64 and x86.
	calls32 []string
	// refused says why Validate must refuse the profile ("" = accepted).
	refused string
	// hangs: libseccomp never returns from adding the rules, so neither
	// runtime gets as far as starting the container (runs are cut short).
	hangs bool
}

var semCases = []semCase{
	{name: "errno-then-allow", rules: []policy.Rule{rule(errnoR, e13, "getuid"), rule(allowR, nil, "getuid")},
		calls: []string{"102"}},
	{name: "allow-then-errno", rules: []policy.Rule{rule(allowR, nil, "getuid"), rule(errnoR, e13, "getuid")},
		calls: []string{"102"}},
	{name: "unconditional-then-conditional", rules: []policy.Rule{rule(allowR, nil, "getgid"), rule(errnoR, e13, "getgid", eq(0, 1))},
		calls: []string{"104:0", "104:1"}},
	{name: "conditional-then-unconditional", rules: []policy.Rule{rule(errnoR, e13, "getgid", eq(0, 1)), rule(allowR, nil, "getgid")},
		calls: []string{"104:0", "104:1"}},
	{name: "conditional-then-unconditional-errno", rules: []policy.Rule{rule(allowR, nil, "getgid", eq(0, 1)), rule(errnoR, e13, "getgid")},
		calls: []string{"104:0", "104:1"}},
	{name: "two-conditional-same-action", rules: []policy.Rule{rule(allowR, nil, "geteuid", eq(0, 1)), rule(allowR, nil, "geteuid", eq(0, 2))},
		calls: []string{"107:1", "107:2", "107:3"}},
	{name: "different-actions-disjoint", rules: []policy.Rule{rule(allowR, nil, "getegid", eq(0, 1)), rule(errnoR, e13, "getegid", eq(0, 2))},
		calls: []string{"108:1", "108:2", "108:3"}},
	{name: "different-actions-disjoint-reversed", rules: []policy.Rule{rule(errnoR, e13, "getegid", eq(0, 2)), rule(allowR, nil, "getegid", eq(0, 1))},
		calls: []string{"108:1", "108:2", "108:3"}},
	{name: "same-index-is-or", rules: []policy.Rule{rule(allowR, nil, "getpgrp", eq(0, 1), eq(0, 2))},
		calls: []string{"111:1", "111:2", "111:3"}},
	{name: "same-index-or-with-other-index", rules: []policy.Rule{rule(allowR, nil, "getsid", eq(1, 1), eq(1, 2), eq(2, 7))},
		calls: []string{"124:0:1", "124:0:2:7", "124:0:0:7", "124:0:3:0"}},
	{name: "different-indexes-are-and", rules: []policy.Rule{rule(allowR, nil, "getpgid", eq(1, 1), eq(2, 2))},
		calls: []string{"121:0:1:2", "121:0:1:0", "121:0:0:2"}},
	// Docker's socket rules have this shape: one range and equality tests
	// on one argument, in rules of their own (libseccomp gets it right).
	{name: "one-range-and-equalities", rules: []policy.Rule{
		rule(allowR, nil, "getuid", policy.Arg{Index: 0, Op: policy.OpLessThan, Value: 12}),
		rule(allowR, nil, "getuid", eq(0, 13)), rule(allowR, nil, "getuid", eq(0, 1<<32|14)),
		rule(allowR, nil, "getuid", policy.Arg{Index: 1, Op: policy.OpNotEqual, Value: 0})},
		calls: []string{"102:5", "102:12", "102:13", "102:14", "102:0x10000000e", "102:0x10000000d", "102:14:1"}},
	{name: "default-equal-rule-skipped", rules: []policy.Rule{rule(errnoR, nil, "sched_getscheduler"), rule(allowR, nil, "sched_getscheduler")},
		calls: []string{"145"}},
	{name: "default-equal-rule-explicit-eperm", rules: []policy.Rule{rule(errnoR, e1, "getuid"), rule(errnoR, e13, "getuid")},
		calls: []string{"102"}},
	{name: "default-equal-kill-thread", def: policy.ActKill,
		rules: []policy.Rule{rule(policy.ActKillThread, nil, "getuid"), rule(errnoR, e13, "getuid"), rule(policy.ActKillProcess, nil, "getgid")},
		calls: []string{"102", "104"}},
	{name: "default-allow", def: policy.ActAllow,
		rules: []policy.Rule{rule(errnoR, e13, "getuid"), rule(allowR, nil, "getuid"), rule(errnoR, e14, "getgid", eq(0, 1))},
		calls: []string{"102", "104:0", "104:1", "1000"}},
	// A trace default with no tracer attached answers ENOSYS (getgid; 1000,
	// which no syscall has: as the kernel does without a profile, so
	// verdict.MarkNoSyscalls calls such a probe covered).
	{name: "default-trace", def: policy.ActTrace, rules: []policy.Rule{rule(allowR, nil, "getuid")},
		calls: []string{"102", "104", "1000"}},
	{name: "unknown-name", rules: []policy.Rule{rule(errnoR, e13, "no_such_syscall getuid"), rule(allowR, nil, "getuid getgid")},
		calls: []string{"102", "104"}},
	{name: "errno-variants", def: policy.ActErrno, defErrno: policy.Errno(38),
		rules: []policy.Rule{rule(errnoR, nil, "getuid"), rule(errnoR, policy.Errno(4094), "getgid"), rule(policy.ActTrace, nil, "geteuid")},
		calls: []string{"102", "104", "107", "108", "1000"}},
	{name: "masked-zero-is-unconditional",
		rules: []policy.Rule{rule(errnoR, e13, "getuid", policy.Arg{Index: 0, Op: policy.OpMaskedEqual, Value: 0, ValueTwo: 1}), rule(allowR, nil, "getuid")},
		calls: []string{"102:0", "102:1"}},
	{name: "masked", rules: []policy.Rule{rule(allowR, nil, "getgid", policy.Arg{Index: 0, Op: policy.OpMaskedEqual, Value: 0xf0, ValueTwo: 0x30})},
		calls: []string{"104:0x3f", "104:0x4f", "104:0x130"}},
	{name: "kill-actions", rules: []policy.Rule{rule(policy.ActKillProcess, nil, "getuid"), rule(policy.ActKill, nil, "getgid"), rule(policy.ActTrap, nil, "geteuid"), rule(policy.ActLog, nil, "getegid")},
		calls: []string{"102", "104", "107", "108"}},
	// i386: libseccomp compares the low 32 bits of arguments and values.
	// x86 numbers: getuid 24, getgid 47.
	{name: "x86-low-words", rules: []policy.Rule{rule(allowR, nil, "getuid", eq(0, 1<<32|5))},
		calls: []string{"102:5", "102:0x100000005"}, calls32: []string{"24:5", "24:6"}},
	// A mask with only upper bits is no condition on x86: the rule there
	// is unconditional and decides; on x86_64 the later ALLOW replaces it.
	{name: "x86-high-mask-is-unconditional", rules: []policy.Rule{
		rule(errnoR, e13, "getgid", policy.Arg{Index: 0, Op: policy.OpMaskedEqual, Value: 1 << 32, ValueTwo: 0}), rule(allowR, nil, "getgid")},
		calls: []string{"104:0", "104:0x100000000"}, calls32: []string{"47:0", "47:1"}},
	// x86: libseccomp adds a socket call's rules to socketcall too, with
	// argument 0 replaced by the call number and the other conditions on
	// socketcall's arguments (policy.MuxCall). socketcall is probed with
	// a null argument pointer: EFAULT when the filter lets it through.
	// x86 numbers: socketcall 102, socket 359 (SYS_SOCKET 1, SYS_BIND 2).
	{name: "x86-socket-rules-on-socketcall", rules: []policy.Rule{
		rule(allowR, nil, "socket", eq(0, 1)), rule(errnoR, e13, "bind"), rule(allowR, nil, "getuid")},
		calls: []string{"102"}, calls32: []string{"102:1:0", "102:2:0", "102:3:0", "359:1:1", "359:2:1"}},
	{name: "x86-socket-type-lands-on-a-pointer", rules: []policy.Rule{
		rule(allowR, nil, "socket", eq(0, 1), eq(1, 1)), rule(allowR, nil, "getuid")},
		calls: []string{"102"}, calls32: []string{"102:1:0", "102:1:1", "359:1:1", "359:1:2"}},
	{name: "x86-socketcall-rule-before-socket-copy", rules: []policy.Rule{
		rule(errnoR, e13, "socketcall"), rule(allowR, nil, "socket"), rule(allowR, nil, "getuid")},
		calls: []string{"102"}, calls32: []string{"102:1:0", "102:2:0", "359:1:1"}},
	// recv exists on x86 only through socketcall (SYS_RECV 10) and not on
	// x86_64; the runtimes keep its rule and libseccomp puts it there.
	{name: "x86-recv-only-on-socketcall", rules: []policy.Rule{rule(allowR, nil, "recv"), rule(allowR, nil, "getuid")},
		calls: []string{"102"}, calls32: []string{"102:10:0", "102:9:0"}},
	{name: "enosys-stub-above-highest-named", rules: []policy.Rule{rule(allowR, nil, "getuid")},
		calls: []string{"102", "104", "434:0xffffffff", "1000"}},

	// Refused.
	{name: "flags", flags: []string{"SECCOMP_FILTER_FLAG_LOG"}, rules: []policy.Rule{rule(allowR, nil, "getuid")},
		calls: []string{"102"}, refused: whyDiffer},
	{name: "errno-4095", rules: []policy.Rule{rule(errnoR, policy.Errno(4095), "getuid")},
		calls: []string{"102"}, refused: whyStart},
	{name: "errnoret-on-allow", rules: []policy.Rule{rule(allowR, e13, "getuid")},
		calls: []string{"102"}, refused: whyDiffer},
	{name: "seven-conditions", rules: []policy.Rule{rule(allowR, nil, "getuid", eq(0, 1), eq(1, 0), eq(2, 0), eq(3, 0), eq(4, 0), eq(5, 0), eq(0, 2))},
		calls: []string{"102:1:9", "102:2"}, refused: whyDiffer},
	{name: "identical-conditions-different-actions", rules: []policy.Rule{rule(allowR, nil, "getuid", eq(0, 1)), rule(errnoR, e13, "getuid", eq(0, 1))},
		calls: []string{"102:1"}, refused: whyStart},
	{name: "longer-then-shorter-different-actions", rules: []policy.Rule{rule(errnoR, e13, "getuid", eq(0, 1), eq(1, 2)), rule(allowR, nil, "getuid", eq(0, 1))},
		calls: []string{"102:1:2"}, refused: whyStart},
	{name: "shorter-then-longer-different-actions", rules: []policy.Rule{rule(allowR, nil, "getuid", eq(0, 1)), rule(errnoR, e13, "getuid", eq(0, 1), eq(1, 2))},
		calls: []string{"102:1:2", "102:1:3"}, refused: whyOrder},
	{name: "different-actions-different-arguments", rules: []policy.Rule{rule(errnoR, e13, "getuid", eq(1, 1)), rule(errnoR, e14, "getuid", eq(0, 1))},
		calls: []string{"102:1:1", "102:0:1", "102:1:0"}, refused: whyOrder},
	// The same two rules the other way round: file order says 14 for
	// a0 == a1 == 1, libseccomp still answers 13.
	{name: "different-actions-different-arguments-reversed", rules: []policy.Rule{rule(errnoR, e14, "getuid", eq(0, 1)), rule(errnoR, e13, "getuid", eq(1, 1))},
		calls: []string{"102:1:1", "102:0:1", "102:1:0"}, refused: whyLibseccmp},
	// libseccomp 2.5.4 loops forever adding these rules (found by
	// FuzzSemantics): runc and crun hang at start.
	{name: "libseccomp-never-returns", def: policy.ActKillProcess, rules: []policy.Rule{
		rule(errnoR, policy.Errno(5), "getppid waitpid no_such_syscall", policy.Arg{Index: 1, Op: policy.OpGreaterThan, Value: 0xff}, policy.Arg{Index: 0, Op: policy.OpGreaterEqual, Value: 2}),
		rule(policy.ActKill, nil, "getppid uname no_such_syscall"),
		rule(errnoR, policy.Errno(38), "getpid waitpid arch_prctl", policy.Arg{Index: 0, Op: policy.OpGreaterThan, Value: 0xfffffffffffffffe}, policy.Arg{Index: 1, Op: policy.OpGreaterEqual, Value: 0x7fffffff}, policy.Arg{Index: 2, Op: policy.OpLessEqual, Value: 0x100000000}),
		rule(policy.ActLog, nil, "getpid getppid uname waitpid arch_prctl", policy.Arg{Index: 2, Op: policy.OpGreaterThan, Value: 1}, policy.Arg{Index: 0, Op: policy.OpNotEqual, Value: 0xfffffffffffffffe}),
		rule(policy.ActKill, nil, "getpid getppid uname no_such_syscall"),
		rule(errnoR, policy.Errno(5), "getpid getppid uname waitpid", policy.Arg{Index: 2, Op: policy.OpMaskedEqual, Value: 3}, policy.Arg{Index: 0, Op: policy.OpGreaterEqual, Value: 2}),
		rule(errnoR, nil, "close no_such_syscall"),
	}, calls: []string{"102"}, refused: whyStart, hangs: true},
	{name: "libseccomp-compares-wrong-word", rules: []policy.Rule{
		rule(allowR, nil, "getgid", policy.Arg{Index: 2, Op: policy.OpLessEqual, Value: 0x1464ff0d98463e6e}),
		rule(allowR, nil, "getgid", policy.Arg{Index: 2, Op: policy.OpLessThan, Value: 1 << 63})},
		calls: []string{"104:0:0:0x1464ff0d98463e6f"}, refused: whyLibseccmp},
}

// ociSeccomp writes p as an OCI linux.seccomp object, rules in the given
// order (the emitters canonicalise, which keeps the meaning but not the
// file the runtimes should see here).
func ociSeccomp(t *testing.T, p *policy.Policy) json.RawMessage {
	t.Helper()
	type arg struct {
		Index    uint      `json:"index"`
		Value    uint64    `json:"value"`
		ValueTwo uint64    `json:"valueTwo"`
		Op       policy.Op `json:"op"`
	}
	type sc struct {
		Names    []string      `json:"names"`
		Action   policy.Action `json:"action"`
		ErrnoRet *uint         `json:"errnoRet,omitempty"`
		Args     []arg         `json:"args,omitempty"`
	}
	obj := struct {
		DefaultAction   policy.Action `json:"defaultAction"`
		DefaultErrnoRet *uint         `json:"defaultErrnoRet,omitempty"`
		Architectures   []string      `json:"architectures"`
		Flags           []string      `json:"flags,omitempty"`
		Syscalls        []sc          `json:"syscalls"`
	}{DefaultAction: p.DefaultAction, DefaultErrnoRet: p.DefaultErrno, Flags: p.Flags}
	for _, a := range p.Arches {
		obj.Architectures = append(obj.Architectures, map[string]string{"x86_64": "SCMP_ARCH_X86_64", "x86": "SCMP_ARCH_X86"}[a])
	}
	for _, r := range p.Rules {
		s := sc{Names: r.Names, Action: r.Action, ErrnoRet: r.Errno}
		for _, a := range r.Args {
			s.Args = append(s.Args, arg{a.Index, a.Value, a.ValueTwo, a.Op})
		}
		obj.Syscalls = append(obj.Syscalls, s)
	}
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// parseCall reads "NR:A0:A1..." as calls.c does.
func parseCall(t *testing.T, c string) (int, [6]uint64) {
	t.Helper()
	parts := strings.Split(c, ":")
	nr, err := strconv.ParseInt(parts[0], 0, 64)
	if err != nil {
		t.Fatal(err)
	}
	var args [6]uint64
	for i, p := range parts[1:] {
		v, err := strconv.ParseUint(p, 0, 64)
		if err != nil {
			t.Fatal(err)
		}
		args[i] = v
	}
	return int(nr), args
}

// allowedAnswer is what the kernel answers calls.c's calls that it lets
// run: success, except for a number no kernel has (1000: ENOSYS) and
// pidfd_open of pid -1 (EINVAL).
func allowedAnswer(abi string, nr int) string {
	if abi == "x86" && nr == 102 {
		// socketcall with a null pointer to the call's arguments
		return "errno 14"
	}
	switch nr {
	case 1000:
		return "errno 38"
	case 434:
		return "errno 22"
	}
	return "ok"
}

// outcome is what calls.c prints for call nr under verdict v (SIGSYS is
// 31; a trace action without a tracer returns ENOSYS).
func outcome(abi string, nr int, v policy.Verdict) string {
	switch v.Action {
	case policy.ActAllow, policy.ActLog:
		return allowedAnswer(abi, nr)
	case policy.ActErrno:
		if v.Errno == 0 {
			return "ok"
		}
		return fmt.Sprintf("errno %d", v.Errno)
	case policy.ActTrace:
		return "errno 38"
	}
	return "signal 31"
}

// answers parses calls.c's output: call -> outcome; nil when the container
// did not start (no line at all).
func answers(res runtimetest.Result, calls []string) map[string]string {
	out := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		call, rest, ok := strings.Cut(l, " ")
		if ok {
			out[call] = rest
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func resolveX86(arch, name string) (int, bool) {
	nr, err := scmp.Number(arch, name)
	return nr, err == nil
}

// noNewPrivsBundle returns a bundle in a temporary directory with a
// writable rootfs and noNewPrivileges set: the filter is then installed
// just before the process's execve, with nothing of runc's after it.
func noNewPrivsBundle(t *testing.T) *runtimetest.Bundle {
	t.Helper()
	b, err := runtimetest.NewBundle(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b.SetReadonly(false)
	b.SetNoNewPrivileges(true)
	return b
}

func TestRuleSemanticsUnderRuncAndCrun(t *testing.T) {
	requireRuntimes(t)
	b := noNewPrivsBundle(t)
	if out, err := exec.Command("gcc", "-static", "-O2", "-o", filepath.Join(b.Rootfs, "calls"), filepath.Join("testdata", "calls.c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	if out, err := exec.Command("gcc", "-m32", "-static", "-O2", "-o", filepath.Join(b.Rootfs, "calls32"), filepath.Join("testdata", "calls.c")).CombinedOutput(); err != nil {
		testutil.SkipOrFail(t, "gcc -m32 -static does not build (gcc-multilib missing?): "+firstLine(string(out)))
	}
	ctx := context.Background()
	for _, c := range semCases {
		t.Run(c.name, func(t *testing.T) {
			if len(c.calls32) > 0 {
				testutil.RequireIA32(t)
			}
			def := c.def
			if def == "" {
				def = policy.ActErrno
			}
			arches := []string{"x86_64"}
			runs := []struct {
				abi, bin, prefix string
				calls            []string
			}{{"x86_64", "/calls", "", c.calls}}
			if len(c.calls32) > 0 {
				arches = append(arches, "x86")
				runs = append(runs, struct {
					abi, bin, prefix string
					calls            []string
				}{"x86", "/calls32", "x86/", c.calls32})
			}
			p := &policy.Policy{DefaultAction: def, DefaultErrno: c.defErrno, Arches: arches, Flags: c.flags,
				Rules: append([]policy.Rule{rule(allowR, nil, strings.Join(baseNames, " "))}, c.rules...)}
			b.SetSeccomp(ociSeccomp(t, p))
			got := map[string]map[string]string{}
			for _, run := range runs {
				b.SetArgs(append([]string{run.bin}, run.calls...)...)
				for _, rt := range runtimetest.Runtimes {
					runCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
					if c.hangs {
						runCtx, cancel = context.WithTimeout(ctx, 3*time.Second)
					}
					res, err := b.Run(runCtx, rt)
					timedOut := runCtx.Err() != nil
					cancel()
					if err != nil && c.hangs && timedOut {
						t.Logf("%s still had not started the container after 3s: %v", rt, err)
						continue
					}
					if err != nil {
						t.Fatal(err)
					}
					a := answers(res, run.calls)
					if a == nil {
						t.Logf("%s did not start the container: exit %d: %s", rt, res.ExitCode, firstLine(res.Stderr))
						continue
					}
					t.Logf("%s %s: %v", rt, run.abi, a)
					if got[rt] == nil {
						got[rt] = map[string]string{}
					}
					for k, v := range a {
						got[rt][run.prefix+k] = v
					}
				}
			}
			verr := p.Validate()
			if c.refused != "" {
				if !errors.Is(verr, policy.ErrAmbiguous) {
					t.Fatalf("Validate = %v, want a refusal (%s)", verr, c.refused)
				}
				t.Logf("refused: %v", verr)
				showRefusalNeeded(t, c, p, got)
				return
			}
			if verr != nil {
				t.Fatalf("Validate: %v", verr)
			}
			prog, err := cbpf.Compile(p, cbpf.Options{Arch: "x86_64", SkipUnknown: true})
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			for _, run := range runs {
				audit := map[string]uint32{"x86_64": cbpf.AuditArchX86_64, "x86": cbpf.AuditArchI386}[run.abi]
				max, _ := scmp.MaxNr(run.abi)
				for _, call := range run.calls {
					nr, args := parseCall(t, call)
					if run.abi == "x86" {
						for i := range args {
							args[i] = uint64(uint32(args[i])) // 32-bit registers
						}
					}
					name, _ := scmp.Name(run.abi, nr)
					want := p.Runtimes(run.abi, nr, name, args, resolveX86)
					key := run.prefix + call
					if g := got["runc"][key]; g != outcome(run.abi, nr, want.Runc) {
						t.Errorf("%s: runc %q, policy.Runtimes says %q (%+v)", key, g, outcome(run.abi, nr, want.Runc), want.Runc)
					}
					if g := got["crun"][key]; g != outcome(run.abi, nr, want.Crun) {
						t.Errorf("%s: crun %q, policy.Runtimes says %q (%+v)", key, g, outcome(run.abi, nr, want.Crun), want.Crun)
					}
					if name != "" {
						if e := p.EvalArch(run.abi, name, args); e != want.Crun {
							t.Errorf("%s: EvalArch %+v, Runtimes().Crun %+v", key, e, want.Crun)
						}
					}
					r, err := prog.Run(cbpf.Data{Nr: int32(nr), Arch: audit, Args: args})
					if err != nil {
						t.Fatal(err)
					}
					product := outcome(run.abi, nr, policy.Verdict{Action: r.Action, Errno: uint(r.Data)})
					ref := want.Crun // named syscalls: libseccomp's filter as loaded
					if nr > max {
						ref = want.Runc // beyond the table: the stub, as runc's
					}
					if product != outcome(run.abi, nr, ref) {
						t.Errorf("%s: the compiled filter answers %q (%v), the runtimes %q", key, product, r, outcome(run.abi, nr, ref))
					}
				}
			}
		})
	}
}

// showRefusalNeeded checks that a refused profile deserves it.
func showRefusalNeeded(t *testing.T, c semCase, p *policy.Policy, got map[string]map[string]string) {
	t.Helper()
	runc, crun := got["runc"], got["crun"]
	switch c.refused {
	case whyStart:
		if runc != nil || crun != nil {
			t.Errorf("expected neither runtime to start: runc %v, crun %v", runc, crun)
		}
	case whyDiffer:
		same := runc != nil && crun != nil
		for _, call := range c.calls {
			same = same && runc[call] == crun[call]
		}
		if same {
			t.Errorf("runc and crun agree (%v): the refusal is not needed", runc)
		}
	case whyLibseccmp:
		if runc == nil || crun == nil {
			t.Fatalf("a runtime did not start: runc %v, crun %v", runc, crun)
		}
		differs := false
		for _, call := range c.calls {
			nr, args := parseCall(t, call)
			name, _ := scmp.Name("x86_64", nr)
			plain := outcome("x86_64", nr, p.Eval(name, args)) // the rules' plain reading
			if runc[call] != crun[call] {
				t.Errorf("%s: runc %q, crun %q", call, runc[call], crun[call])
			}
			differs = differs || runc[call] != plain
		}
		if !differs {
			t.Errorf("the runtimes enforce what the rules say (%v): the refusal is not needed", runc)
		}
	case whyOrder:
		if (runc == nil) != (crun == nil) {
			t.Errorf("one runtime started, the other did not: runc %v, crun %v", runc, crun)
		}
	}
}
