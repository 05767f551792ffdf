package reduce_test

import (
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/profiles"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// argTrace is a trace of a few syscalls with recorded argument values;
// args maps a syscall name to its (index, values) pairs.
func argTrace(t *testing.T, arch string, names []string, args map[string][]trace.ArgValues) *trace.File {
	t.Helper()
	f := &trace.File{Version: trace.Version, Target: trace.Target{Command: []string{"w"}}, Host: trace.Host{Arch: "x86_64"}, Started: time.Unix(0, 0)}
	for _, n := range names {
		nr, err := tables.Number(arch, n)
		if err != nil {
			t.Fatalf("%s %s: %v", arch, n, err)
		}
		f.Syscalls = append(f.Syscalls, trace.Syscall{Arch: arch, Nr: nr, Name: n, Count: 1, Args: args[n]})
	}
	f.Canonicalize()
	return f
}

var base = []string{"read", "write", "exit_group", "mmap", "brk"}

func reduceArgs(t *testing.T, f *trace.File, arches ...string) *reduce.Result {
	t.Helper()
	res, err := reduce.Reduce([]reduce.Input{{Path: "t.yaml", File: f}}, reduce.Options{Native: "x86_64", Arches: arches}, tables)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Policy.Validate(); err != nil {
		t.Fatalf("generated argument rules fail policy.Check: %v", err)
	}
	return res
}

// TestComplement: for random masks and allowed sets, every value is either
// allowed (its masked value is one of the set) or matched by exactly one of
// the EPERM rules, never both; the rules pass policy.Check.
func TestComplement(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	masks := []uint64{reduce.NamespaceFlags, 0xffffffff, 0x6, 0xff}
	for iter := 0; iter < 200; iter++ {
		mask := masks[iter%len(masks)]
		var vals []trace.ArgValues
		n := 1 + rnd.Intn(4)
		var allowed []uint64
		for i := 0; i < n; i++ {
			v := rnd.Uint64() & mask
			if rnd.Intn(2) == 0 {
				v &= 0x3f
			}
			allowed = append(allowed, v)
		}
		vals = append(vals, trace.ArgValues{Index: 0, Values: allowed})
		_ = vals
		p := reduce.ArgRulesFor("personality", 0, mask, allowed)
		if err := p.Check(); err != nil {
			t.Fatalf("mask %#x allowed %#x: %v", mask, allowed, err)
		}
		for j := 0; j < 300; j++ {
			x := rnd.Uint64()
			switch j % 3 {
			case 0:
				x = allowed[rnd.Intn(len(allowed))] ^ (uint64(1) << rnd.Intn(64))
			case 1:
				x = allowed[rnd.Intn(len(allowed))]
			}
			in := false
			for _, a := range allowed {
				if x&mask == a&mask {
					in = true
				}
			}
			hits := 0
			for _, r := range p.Rules {
				if r.Action == policy.ActErrno && r.Args[0].Holds(x) {
					hits++
				}
			}
			if in && hits != 0 || !in && hits != 1 {
				t.Fatalf("mask %#x allowed %#x, x=%#x: allowed=%v, %d deny rules hold", mask, allowed, x, in, hits)
			}
		}
	}
}

type evalCase struct {
	name string
	arg  int
	v    uint64
	want string // "allow", "eperm", "enosys"
}

func answer(v policy.Verdict) string {
	switch {
	case v.Action == policy.ActAllow:
		return "allow"
	case v.Action == policy.ActErrno && v.Errno == policy.EPERM:
		return "eperm"
	case v.Action == policy.ActErrno && v.Errno == policy.ENOSYS:
		return "enosys"
	}
	return string(v.Action)
}

// TestArgRuleBoundaries evaluates each generated rule at its boundary
// values: the value, value±1, high 32 bits set, all ones, on the 64-bit
// ABI and on i386 (where libseccomp compares low words).
func TestArgRuleBoundaries(t *testing.T) {
	names := append([]string{"clone", "socket", "personality", "unshare"}, base...)
	f := argTrace(t, "x86_64", names, map[string][]trace.ArgValues{
		"clone":       {{Index: 0, Values: []uint64{0x1200011}}}, // fork: CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD
		"socket":      {{Index: 0, Values: []uint64{1}}, {Index: 1, Values: []uint64{1}}},
		"personality": {{Index: 0, Values: []uint64{0xffffffff}}},
		"unshare":     {{Index: 0, Values: []uint64{0x400}}}, // CLONE_FILES
	})
	res := reduceArgs(t, f, "x86_64")
	p := res.Policy
	all := ^uint64(0)
	cases := []evalCase{
		{"clone", 0, 0x1200011, "allow"},
		{"clone", 0, 0x11, "allow"}, // other non-namespace flags: allowed
		{"clone", 0, 0x3d0f00, "allow"},
		{"clone", 0, 0x10000000 | 0x11, "eperm"}, // CLONE_NEWUSER
		{"clone", 0, 0x20000, "eperm"},           // CLONE_NEWNS
		{"clone", 0, 0x40000000, "eperm"},        // CLONE_NEWNET
		{"clone", 0, 0x1ffff, "allow"},           // CLONE_NEWNS-1
		{"clone", 0, 0x20001, "eperm"},
		{"clone", 0, 1 << 32, "allow"}, // high bits: no namespace bit
		{"clone", 0, all, "eperm"},
		{"clone3", 0, 0, "enosys"},
		{"unshare", 0, 0x400, "allow"},
		{"unshare", 0, 0x10000000, "eperm"},
		{"unshare", 0, 0x80, "eperm"}, // CLONE_NEWTIME
		{"unshare", 0, 0x401, "eperm"},
		{"unshare", 0, 0x400 | 1<<32, "enosys"},
		{"unshare", 0, all, "eperm"},
		{"socket", 0, 1, "allow"},
		{"socket", 0, 0, "eperm"},
		{"socket", 0, 2, "eperm"},
		{"socket", 0, 40, "eperm"},
		{"socket", 0, 1 | 1<<32, "enosys"}, // denied: not exactly the observed call
		{"socket", 0, 2 | 1<<32, "eperm"},
		{"socket", 0, all, "eperm"},
		// type, with domain AF_UNIX: SOCK_STREAM only, whatever the
		// SOCK_NONBLOCK and SOCK_CLOEXEC bits; the kernel reads an int.
		{"socket", 1, 1, "allow"},
		{"socket", 1, 1 | 0x800 | 0x80000, "allow"},
		{"socket", 1, 1 | 1<<32, "allow"},
		{"socket", 1, 0, "eperm"},
		{"socket", 1, 2, "eperm"}, // SOCK_DGRAM
		{"socket", 1, 3, "eperm"}, // SOCK_RAW
		{"socket", 1, 1 | 0x100, "eperm"},
		{"socket", 1, all, "eperm"},
		{"personality", 0, 0xffffffff, "allow"},
		{"personality", 0, 0xfffffffe, "eperm"},
		{"personality", 0, 0x100000000, "eperm"},
		{"personality", 0, 0x40000, "eperm"},
		{"personality", 0, 0, "eperm"},
		{"personality", 0, all, "allow"}, // personality(-1): the kernel reads 0xffffffff, the observed int
	}
	// socket's domain is probed with type SOCK_STREAM, its type with
	// domain AF_UNIX: the observed pair.
	sockArgs := func(c evalCase) [6]uint64 {
		args := [6]uint64{1, 1}
		args[c.arg] = c.v
		return args
	}
	for _, c := range cases {
		var args [6]uint64
		args[c.arg] = c.v
		if c.name == "socket" {
			args = sockArgs(c)
		}
		if got := answer(p.EvalArch("x86_64", c.name, args)); got != c.want {
			t.Errorf("x86_64 %s(a%d=%#x): %s, want %s", c.name, c.arg, c.v, got, c.want)
		}
	}
	// A profile that covers i386 too: low words only there, and the
	// socket rules are copied to socketcall by libseccomp, so they allow
	// and leave the rest to the default answer (ENOSYS), and socket's
	// type is not restricted (its condition would land on socketcall's
	// pointer argument).
	p32 := reduceArgs(t, f, "x86_64", "x86").Policy
	for _, c := range []evalCase{
		{"socket", 0, 1, "allow"}, {"socket", 0, 1 | 1<<32, "allow"}, {"socket", 0, 2, "enosys"},
		{"socket", 1, 1 | 0x800, "allow"}, {"socket", 1, 2, "allow"},
		{"clone", 0, 0x10000000, "eperm"}, {"personality", 0, all, "allow"}, {"personality", 0, 8, "eperm"},
		{"socketcall", 0, 1, "eperm"}, {"socketcall", 0, 2, "eperm"}, // socketcall not observed: its EPERM rule decides
	} {
		var args [6]uint64
		args[c.arg] = c.v
		if c.name == "socket" {
			args = sockArgs(c)
		}
		if got := answer(p32.EvalArch("x86", c.name, args)); got != c.want {
			t.Errorf("x86 %s(a%d=%#x): %s, want %s", c.name, c.arg, c.v, got, c.want)
		}
	}
	if got := answer(p32.EvalArch("x86_64", "socket", [6]uint64{2, 1})); got != "enosys" {
		t.Errorf("x86_64 socket(AF_INET) in a profile that covers x86: %s, want enosys", got)
	}
	var out strings.Builder
	res.WriteReport(&out, "generate")
	for _, want := range []string{
		"socket domain (argument 0) restricted to AF_UNIX (1) (observed); other values get EPERM",
		"socket type (argument 1) restricted to SOCK_STREAM (1) (observed); other values get EPERM",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report without %q:\n%s", want, out.String())
		}
	}
	if len(res.Weakenings) != 1 || res.Weakenings[0].Syscall != "unshare" {
		t.Errorf("weakenings %v, want unshare's only", res.Weakenings)
	}
}

// TestArgRulesWithoutValues: a trace without argument values (an older
// trace) gets Docker's default sets, and clone3 alone still gets clone.
func TestArgRulesWithoutValues(t *testing.T) {
	f := argTrace(t, "x86_64", append([]string{"clone3", "socket", "personality"}, base...), nil)
	res := reduceArgs(t, f)
	p := res.Policy
	for _, c := range []evalCase{
		{"clone", 0, 0x11, "allow"}, {"clone", 0, 0x10000000, "eperm"}, {"clone3", 0, 0, "enosys"},
		{"socket", 0, 2, "allow"}, {"socket", 0, 40, "eperm"}, {"socket", 0, 38, "eperm"}, {"socket", 0, 39, "allow"},
		{"personality", 0, 8, "allow"}, {"personality", 0, 0x40000, "eperm"},
	} {
		var args [6]uint64
		args[c.arg] = c.v
		if got := answer(p.Eval(c.name, args)); got != c.want {
			t.Errorf("%s(a%d=%#x): %s, want %s", c.name, c.arg, c.v, got, c.want)
		}
	}
}

// dockerPolicy is moby/profiles v0.2.4's default profile, resolved for the
// default capabilities, as a policy.
func dockerPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	caps := []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
		"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
		"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"}
	ls, err := mobyseccomp.GetDefaultProfile(&specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{
		Bounding: caps, Effective: caps, Permitted: caps}}})
	if err != nil {
		t.Fatal(err)
	}
	p := &policy.Policy{DefaultAction: policy.Action(ls.DefaultAction), DefaultErrno: ls.DefaultErrnoRet}
	for _, a := range ls.Architectures {
		p.Arches = append(p.Arches, strings.ToLower(strings.TrimPrefix(string(a), "SCMP_ARCH_")))
	}
	for _, s := range ls.Syscalls {
		r := policy.Rule{Names: s.Names, Action: policy.Action(s.Action), Errno: s.ErrnoRet}
		for _, a := range s.Args {
			r.Args = append(r.Args, policy.Arg{Index: a.Index, Value: a.Value, ValueTwo: a.ValueTwo, Op: policy.Op(a.Op)})
		}
		p.Rules = append(p.Rules, r)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("docker's default: %v", err)
	}
	return p
}

// TestNeverWeakerThanDocker: for every argument value Docker's default
// rules name (and its neighbours, high bits, all ones, and every single
// namespace bit), on x86_64 and x86, a generated profile that allows the
// syscall denies what Docker denies, unless the trace observed exactly
// that call, which Reduce then reports as a weakening.
func TestNeverWeakerThanDocker(t *testing.T) {
	docker := dockerPolicy(t)
	named := map[string][]uint64{}
	for _, r := range docker.Rules {
		for _, a := range r.Args {
			for _, n := range r.Names {
				named[n] = append(named[n], a.Value, a.ValueTwo)
			}
		}
	}
	for b := uint64(1); b != 0; b <<= 1 {
		named["clone"] = append(named["clone"], b, b|0x11)
		named["unshare"] = append(named["unshare"], b)
	}
	for v := uint64(0); v < 50; v++ {
		named["socket"] = append(named["socket"], v)
	}
	named["personality"] = append(named["personality"], 0x40000, 0x0400000)
	var probe []uint64
	traces := []struct {
		name string
		args map[string][]trace.ArgValues
		weak []string // weakening messages expected (substrings)
		// pairs: the socket pairs recorded (nil: an older trace)
		pairs *trace.ArgPairs
	}{
		{"no values (old trace)", nil, []string{"unshare(0) allowed"}, nil},
		{"unix only", map[string][]trace.ArgValues{
			"clone": {{Index: 0, Values: []uint64{0x11}}}, "socket": {{Index: 0, Values: []uint64{1}}},
			"personality": {{Index: 0, Values: []uint64{0}}}, "unshare": {{Index: 0, Values: []uint64{0x400}}},
		}, []string{"unshare flags CLONE_FILES allowed (Docker's default denies unshare)"}, nil},
		{"a container engine", map[string][]trace.ArgValues{
			"clone":       {{Index: 0, Values: []uint64{0x11, 0x10000000 | 0x11, 0x20000000 | 0x40000000}}},
			"socket":      {{Index: 0, Values: []uint64{1, 2, 10, 16, 40}}},
			"personality": {{Index: 0, Values: []uint64{0x0040000, 0xffffffff}}},
			"unshare":     {{Index: 0, Values: []uint64{0x10000000}}},
		}, []string{"the workload created a user namespace: clone flag CLONE_NEWUSER allowed",
			"clone flag CLONE_NEWNET|CLONE_NEWPID allowed", "socket with domain AF_VSOCK (40)", "personality with persona 0x40000",
			"the workload created a user namespace: unshare flags CLONE_NEWUSER"}, nil},
		{"overflow", map[string][]trace.ArgValues{
			"socket": {{Index: 0, Values: []uint64{1, 40}, Overflow: true}},
		}, []string{"socket with domain AF_VSOCK (40)"}, nil},
		{"socket pairs", map[string][]trace.ArgValues{
			"socket": {{Index: 0, Values: []uint64{1, 2, 40}}, {Index: 1, Values: []uint64{1, 2}}},
		}, []string{"socket with domain AF_VSOCK (40)"}, &trace.ArgPairs{Indexes: [2]int{0, 1}, Values: [][2]uint64{{1, 1}, {2, 2}, {40, 1}}}},
	}
	for _, tc := range traces {
		t.Run(tc.name, func(t *testing.T) {
			f := argTrace(t, "x86_64", append([]string{"clone", "clone3", "socket", "personality", "unshare"}, base...), tc.args)
			for i := range f.Syscalls {
				if f.Syscalls[i].Name == "socket" {
					f.Syscalls[i].Pairs = tc.pairs
				}
			}
			arches := []string{"x86_64", "x86"}
			if tc.pairs != nil {
				// On x86 socket's type is not restricted (libseccomp's
				// socketcall copies): pairs make rules on x86_64 only.
				arches = arches[:1]
			}
			res := reduceArgs(t, f, arches...)
			p := res.Policy
			if tc.pairs != nil && !slices.ContainsFunc(p.Rules, func(r policy.Rule) bool { return strings.Contains(r.Comment, "not observed together") }) {
				t.Fatalf("no rule for a pair not observed together:\n%+v", p.Rules)
			}
			// A value allowed that Docker denies must be one the trace
			// observed (an old trace: one Reduce reports as a weakening).
			observed := func(arch, name string, v uint64) bool {
				for _, a := range tc.args[name] {
					for _, x := range a.Values {
						if arch == "x86" && uint32(x) == uint32(v) {
							return true
						}
						if spec, ok := reduce.FindArgSpec(name, a.Index); ok {
							// An observed int with bit 31 set or high bits
							// is allowed on its low word (ArgSpec.Int).
							low := spec.Int && (x>>32 != 0 || uint32(x) >= 1<<31)
							if spec.Int && (x == v || low && uint32(x) == uint32(v)) || !spec.Int && x&spec.Mask == v&spec.Mask {
								return true
							}
						}
					}
				}
				return false
			}
			checked := 0
			for name, vals := range named {
				for _, base := range vals {
					probe = probe[:0]
					probe = append(probe, base, base-1, base+1, base|1<<32, base|0xffffffff00000000, ^uint64(0))
					for _, v := range probe {
						// socket: with each type a trace recorded (and
						// none), as pairs and combinations allow them.
						seconds := []uint64{0}
						if name == "socket" {
							seconds = []uint64{0, 1, 2, 3}
						}
						for _, arch := range []string{"x86_64", "x86"} {
							for _, second := range seconds {
								var args [6]uint64
								args[0], args[1] = v, second
								d := docker.EvalArch(arch, name, args)
								g := p.EvalArch(arch, name, args)
								checked++
								if d.Action == policy.ActAllow || g.Action != policy.ActAllow {
									continue
								}
								reported := false
								for _, w := range res.Weakenings {
									if w.Syscall == name && (w.Value == v || arch == "x86" && uint32(w.Value) == uint32(v)) {
										reported = true
									}
								}
								if !observed(arch, name, v) && !reported {
									t.Errorf("%s %s(%#x, %#x): Docker %s, generated allows it, and no trace observed it", arch, name, v, second, answer(d))
								}
							}
						}
					}
				}
			}
			if checked < 500 {
				t.Fatalf("only %d probes", checked)
			}
			var msgs []string
			for _, w := range res.Weakenings {
				msgs = append(msgs, w.Message)
			}
			all := strings.Join(msgs, "\n")
			for _, w := range tc.weak {
				if !strings.Contains(all, w) {
					t.Errorf("weakening %q not reported; got:\n%s", w, all)
				}
			}
			if len(tc.weak) == 0 && len(msgs) > 0 {
				t.Errorf("unexpected weakenings:\n%s", all)
			}
		})
	}
}

// TestArgSpecsRecorded: the recorder records exactly the arguments
// ArgSpecs describes.
func TestArgSpecsRecorded(t *testing.T) {
	rec := map[[2]any]bool{}
	for _, a := range trace.RecordedArgs {
		rec[[2]any{a.Syscall, a.Index}] = true
	}
	for _, s := range reduce.ArgSpecs() {
		if !rec[[2]any{s.Syscall, s.Index}] {
			t.Errorf("%s argument %d: in reduce.ArgSpecs, not recorded", s.Syscall, s.Index)
		}
		delete(rec, [2]any{s.Syscall, s.Index})
	}
	for k := range rec {
		t.Errorf("%v: recorded, not in reduce.ArgSpecs", k)
	}
}

// TestSocketcallReported: on x86 the socketcall call number is restricted
// and what cannot be (the domain in memory) is reported.
func TestSocketcallReported(t *testing.T) {
	f := argTrace(t, "x86", []string{"socketcall", "read", "write", "exit_group"}, map[string][]trace.ArgValues{
		"socketcall": {{Index: 0, Values: []uint64{1, 3}}},
	})
	res := reduceArgs(t, f, "x86")
	p := res.Policy
	for _, c := range []evalCase{{"socketcall", 0, 1, "allow"}, {"socketcall", 0, 3, "allow"}, {"socketcall", 0, 2, "eperm"}, {"socketcall", 0, 8, "eperm"}} {
		var args [6]uint64
		args[c.arg] = c.v
		if got := answer(p.EvalArch("x86", c.name, args)); got != c.want {
			t.Errorf("x86 %s(%d): %s, want %s", c.name, c.v, got, c.want)
		}
	}
	var out strings.Builder
	res.WriteReport(&out, "generate")
	for _, want := range []string{"socketcall call (argument 0) restricted to SYS_SOCKET (1), SYS_CONNECT (3)", "the domain of sockets made through socketcall is not checked"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// intBoundaries are the boundary cases of an int argument restricted to the
// observed values vs: each value allowed, value±1 denied (unless observed),
// a high word on an allowed value denied by the default action (ENOSYS)
// unless the value has bit 31 set (a negative int, compared on its low
// word), on a denied one EPERM, all ones EPERM (allowed when 0xffffffff
// is).
func intBoundaries(name string, idx int, vs []uint64) []evalCase {
	obs := map[uint64]bool{}
	for _, v := range vs {
		obs[v] = true
	}
	var out []evalCase
	for _, v := range vs {
		high := "enosys"
		if v >= 1<<31 {
			high = "allow" // a negative int: compared on its low word (ArgSpec.Int)
		}
		out = append(out, evalCase{name, idx, v, "allow"}, evalCase{name, idx, v | 1<<32, high})
		for _, n := range []uint64{v - 1, v + 1} {
			if n>>32 == 0 && !obs[n] {
				out = append(out, evalCase{name, idx, n, "eperm"}, evalCase{name, idx, n | 1<<32, "eperm"})
			}
		}
	}
	all := "eperm"
	if obs[0xffffffff] {
		all = "allow"
	}
	return append(out, evalCase{name, idx, ^uint64(0), all})
}

// TestMoreArgRuleBoundaries: the rules for the other restricted arguments
// at their boundary values, on x86_64 and on x86 (low words), and an
// argument without recorded values or past the recorder's bound stays
// unrestricted and is reported.
func TestMoreArgRuleBoundaries(t *testing.T) {
	families := []struct {
		name string
		idx  int
		vals []uint64
	}{
		{"socketpair", 0, []uint64{1}},
		{"prctl", 0, []uint64{15, 38}},                         // PR_SET_NAME, PR_SET_NO_NEW_PRIVS
		{"kill", 1, []uint64{0, 15}},                           // probe, SIGTERM
		{"tgkill", 2, []uint64{6}},                             // SIGABRT (abort)
		{"tkill", 1, []uint64{6}},                              // SIGABRT; SIGURG (23) allowed without being observed
		{"fcntl", 1, []uint64{1, 2, 1030}},                     // F_GETFD, F_SETFD, F_DUPFD_CLOEXEC
		{"ioctl", 1, []uint64{0x5401, 0x80045430, 0xffffffff}}, // TCGETS, TIOCGPTN (high bit of the low word), all ones
		{"setsockopt", 1, []uint64{1, 6}},                      // SOL_SOCKET, IPPROTO_TCP
		{"getsockopt", 1, []uint64{1}},                         // SOL_SOCKET
	}
	for _, fam := range families {
		t.Run(fam.name, func(t *testing.T) {
			f := argTrace(t, "x86_64", append([]string{fam.name}, base...), map[string][]trace.ArgValues{
				fam.name: {{Index: fam.idx, Values: fam.vals}}})
			vals := fam.vals
			if spec, _ := reduce.FindArgSpec(fam.name, fam.idx); spec.Always != nil {
				vals = append(slices.Clone(vals), spec.Always...)
			}
			// A socket call in a profile that covers x86 gets no EPERM
			// rules (libseccomp copies its rules to socketcall, where
			// they would collide): other values get ENOSYS.
			_, _, muxed := policy.MuxCall(fam.name)
			for _, arches := range [][]string{{"x86_64"}, {"x86_64", "x86"}} {
				res := reduceArgs(t, f, arches...)
				x86 := len(arches) == 2
				for _, c := range intBoundaries(fam.name, fam.idx, vals) {
					var args [6]uint64
					args[c.arg] = c.v
					want := c.want
					if muxed && x86 && want == "eperm" {
						want = "enosys"
					}
					if got := answer(res.Policy.EvalArch("x86_64", c.name, args)); got != want {
						t.Errorf("%v: x86_64 %s(a%d=%#x): %s, want %s", arches, c.name, c.arg, c.v, got, want)
					}
					if !x86 {
						continue
					}
					if c.want == "enosys" {
						want = "allow" // x86 compares low words: the observed value
					}
					if got := answer(res.Policy.EvalArch("x86", c.name, args)); got != want {
						t.Errorf("%v: x86 %s(a%d=%#x): %s, want %s", arches, c.name, c.arg, c.v, got, want)
					}
				}
			}
			for _, tc := range []struct {
				what string
				args []trace.ArgValues
				why  string
			}{
				{"no values", nil, "no values recorded"},
				{"overflow", []trace.ArgValues{{Index: fam.idx, Values: fam.vals, Overflow: true}}, "more distinct values than the recorder keeps"},
			} {
				f := argTrace(t, "x86_64", append([]string{fam.name}, base...), map[string][]trace.ArgValues{fam.name: tc.args})
				res := reduceArgs(t, f, "x86_64")
				for _, v := range []uint64{0, 1, 2, 0x7fffffff, ^uint64(0)} {
					var args [6]uint64
					args[fam.idx] = v
					if got := answer(res.Policy.Eval(fam.name, args)); got != "allow" {
						t.Errorf("%s: %s(a%d=%#x): %s, want allow (unrestricted)", tc.what, fam.name, fam.idx, v, got)
					}
				}
				var out strings.Builder
				res.WriteReport(&out, "generate")
				if !strings.Contains(out.String(), tc.why) {
					t.Errorf("%s: report lacks %q:\n%s", tc.what, tc.why, out.String())
				}
			}
		})
	}
}

// TestArgRulesBaseline: runc calls prctl (PR_CAPBSET_DROP) and fcntl after
// it installs the filter, with values no trace recorded. The runc baseline
// lists the values runc passes (measured), so those arguments keep their
// rules with runc's values allowed too; a baseline without values (a
// user's file) leaves them unrestricted (reported). clone and socket keep
// their rules either way.
func TestArgRulesBaseline(t *testing.T) {
	runc, err := profiles.Resolve([]string{"runc"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	own, err := profiles.ParseBaseline([]byte("name: mine\nsyscalls:\n  x86_64: [prctl, fcntl]\n"), "mine.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := argTrace(t, "x86_64", append([]string{"prctl", "fcntl", "socket", "clone"}, base...), map[string][]trace.ArgValues{
		"prctl": {{Index: 0, Values: []uint64{15}}}, "fcntl": {{Index: 1, Values: []uint64{1}}},
		"socket": {{Index: 0, Values: []uint64{1}}}, "clone": {{Index: 0, Values: []uint64{0x11}}},
	})
	for _, tc := range []struct {
		name      string
		baselines []*profiles.Baseline
		cases     []evalCase
		report    string
	}{
		{"runc", runc, []evalCase{
			{"prctl", 0, 24, "allow"}, {"prctl", 0, 15, "allow"}, {"prctl", 0, 8, "allow"}, {"fcntl", 1, 2, "allow"},
			{"fcntl", 1, 1, "allow"}, {"prctl", 0, 4, "eperm"}, {"prctl", 0, 22, "eperm"}, {"fcntl", 1, 1031, "eperm"},
			{"socket", 0, 2, "eperm"}, {"clone", 0, 0x10000011, "eperm"},
		}, "prctl option (argument 0) restricted to PR_GET_PDEATHSIG (2), PR_SET_KEEPCAPS (8), PR_SET_NAME (15), PR_GET_NAME (16), PR_CAPBSET_DROP (24), PR_SET_CHILD_SUBREAPER (36), PR_SET_NO_NEW_PRIVS (38), PR_CAP_AMBIENT (47) (observed, and the runtime's values measured in profiles/baselines)"},
		{"values unknown", append(runc, own), []evalCase{
			{"prctl", 0, 24, "allow"}, {"prctl", 0, 4, "allow"}, {"fcntl", 1, 1031, "allow"},
			{"socket", 0, 2, "eperm"}, {"clone", 0, 0x10000011, "eperm"},
		}, "prctl option (argument 0) not restricted: a baseline allows it"},
		// generate --widen's baseline (the executables link prctl, fcntl,
		// ioctl): other inputs may pass other values, so none is
		// restricted (but clone and socket, which Docker restricts), and
		// the report says why.
		{"own calls", append(slices.Clip(runc), &profiles.Baseline{Name: "widen", Measured: "x86_64", OwnCalls: true,
			Syscalls: map[string][]string{"x86_64": {"prctl", "fcntl", "ioctl"}}}), []evalCase{
			{"prctl", 0, 4, "allow"}, {"fcntl", 1, 1031, "allow"}, {"ioctl", 1, 0x5412, "allow"},
			{"socket", 0, 2, "eperm"}, {"clone", 0, 0x10000011, "eperm"},
		}, "fcntl cmd (argument 1) not restricted: the executables link it (--widen): other inputs may pass values no trace recorded"},
	} {
		res, err := reduce.Reduce([]reduce.Input{{Path: "t.yaml", File: f}}, reduce.Options{Native: "x86_64", Baselines: tc.baselines}, tables)
		if err != nil {
			t.Fatal(err)
		}
		if err := res.Policy.Validate(); err != nil {
			t.Fatal(err)
		}
		for _, c := range tc.cases {
			var args [6]uint64
			args[c.arg] = c.v
			if got := answer(res.Policy.Eval(c.name, args)); got != c.want {
				t.Errorf("%s: %s(a%d=%#x): %s, want %s", tc.name, c.name, c.arg, c.v, got, c.want)
			}
		}
		var out strings.Builder
		res.WriteReport(&out, "generate")
		if !strings.Contains(out.String(), tc.report) {
			t.Errorf("%s: report without %q:\n%s", tc.name, tc.report, out.String())
		}
	}
}

// TestWXRule: mmap, mprotect and pkey_mprotect deny PROT_WRITE|PROT_EXEC
// together unless a trace observed it; every other prot is allowed, on
// x86_64 and x86, also with the runc baseline (which calls mmap); a trace
// that observed W+X (a JIT) or recorded no values leaves prot unrestricted.
func TestWXRule(t *testing.T) {
	bl, err := profiles.Resolve([]string{"runc"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"mmap", "mprotect", "pkey_mprotect"} {
		t.Run(name, func(t *testing.T) {
			names := []string{name, "read", "write", "exit_group", "brk"}
			if name != "mmap" {
				names = append(names, "mmap")
			}
			for _, tc := range []struct {
				what      string
				vals      []uint64
				baselines bool
				wx        string
			}{
				{"read-write only", []uint64{2}, false, "eperm"},
				{"runc baseline", []uint64{2}, true, "eperm"},
				{"jit", []uint64{2, 6}, false, "allow"},
			} {
				args := map[string][]trace.ArgValues{name: {{Index: 2, Values: tc.vals}}}
				if name != "mmap" {
					args["mmap"] = []trace.ArgValues{{Index: 2, Values: []uint64{0}}}
				}
				f := argTrace(t, "x86_64", names, args)
				opts := reduce.Options{Native: "x86_64", Arches: []string{"x86_64", "x86"}}
				if tc.baselines {
					opts.Baselines = bl
				}
				res, err := reduce.Reduce([]reduce.Input{{Path: "t.yaml", File: f}}, opts, tables)
				if err != nil {
					t.Fatal(err)
				}
				if err := res.Policy.Validate(); err != nil {
					t.Fatal(err)
				}
				for _, arch := range []string{"x86_64", "x86"} {
					for _, c := range []evalCase{
						{name, 2, 0, "allow"}, {name, 2, 1, "allow"}, {name, 2, 3, "allow"}, {name, 2, 4, "allow"}, {name, 2, 5, "allow"},
						{name, 2, 0x1000003, "allow"}, {name, 2, 1 << 32, "allow"}, {name, 2, ^uint64(0) &^ 4, "allow"},
						{name, 2, 6, tc.wx}, {name, 2, 7, tc.wx}, {name, 2, 6 | 1<<32, tc.wx}, {name, 2, 0x1000007, tc.wx}, {name, 2, ^uint64(0), tc.wx},
					} {
						if arch == "x86" && name == "pkey_mprotect" && !tables.Has("x86", name) {
							continue
						}
						var a [6]uint64
						a[c.arg] = c.v
						if got := answer(res.Policy.EvalArch(arch, c.name, a)); got != c.want {
							t.Errorf("%s %s: %s(a2=%#x): %s, want %s", tc.what, arch, c.name, c.v, got, c.want)
						}
					}
				}
				var out strings.Builder
				res.WriteReport(&out, "generate")
				if tc.wx == "eperm" && !strings.Contains(out.String(), name+" prot (argument 2) restricted to") {
					t.Errorf("%s: report lacks the %s prot rule:\n%s", tc.what, name, out.String())
				}
				// x86's mmap is old_mmap: its prot is in memory. mmap
				// is restricted unless it is the JIT's.
				mmapRule := name != "mmap" || tc.wx == "eperm"
				if oldMmap := strings.Contains(out.String(), "on x86 mmap is old_mmap"); oldMmap != mmapRule {
					t.Errorf("%s: report says old_mmap's prot is unchecked: %v, want %v:\n%s", tc.what, oldMmap, mmapRule, out.String())
				}
				if len(res.Weakenings) != 0 {
					t.Errorf("%s: weakenings %v (Docker has no prot rule)", tc.what, res.Weakenings)
				}
			}
			f := argTrace(t, "x86_64", names, nil)
			res := reduceArgs(t, f, "x86_64")
			var a [6]uint64
			a[2] = 6
			if got := answer(res.Policy.Eval(name, a)); got != "allow" {
				t.Errorf("no values recorded: %s(PROT_WRITE|PROT_EXEC): %s, want allow", name, got)
			}
		})
	}
}

// TestArgs32Bit: on x86, where glibc calls mmap2 and fcntl64 instead of
// mmap and fcntl, those carry the same rules: prot without W+X and the
// observed cmds allowed, W+X and other cmds EPERM, W+X allowed when
// observed; a profile for arm (no mmap there) from an x86_64 trace
// restricts mmap2 with mmap's recorded prot values.
func TestArgs32Bit(t *testing.T) {
	names := []string{"mmap2", "fcntl64", "read", "write", "exit_group", "brk"}
	for _, tc := range []struct {
		what string
		prot []uint64
		wx   string
	}{
		{"read-write only", []uint64{0, 2}, "eperm"},
		{"jit", []uint64{2, 6}, "allow"},
	} {
		f := argTrace(t, "x86", names, map[string][]trace.ArgValues{
			"mmap2":   {{Index: 2, Values: tc.prot}},
			"fcntl64": {{Index: 1, Values: []uint64{1, 2}}}, // F_GETFD, F_SETFD
		})
		for _, arches := range [][]string{{"x86"}, {"x86_64", "x86"}} {
			res := reduceArgs(t, f, arches...)
			for _, c := range []evalCase{
				{"mmap2", 2, 0, "allow"}, {"mmap2", 2, 3, "allow"}, {"mmap2", 2, 5, "allow"},
				{"mmap2", 2, 6, tc.wx}, {"mmap2", 2, 7, tc.wx},
				{"fcntl64", 1, 1, "allow"}, {"fcntl64", 1, 2, "allow"},
				{"fcntl64", 1, 0, "eperm"}, {"fcntl64", 1, 1031, "eperm"}, {"fcntl64", 1, 3, "eperm"},
			} {
				var a [6]uint64
				a[c.arg] = c.v
				if got := answer(res.Policy.EvalArch("x86", c.name, a)); got != c.want {
					t.Errorf("%s %v: x86 %s(a%d=%#x): %s, want %s", tc.what, arches, c.name, c.arg, c.v, got, c.want)
				}
			}
			var out strings.Builder
			res.WriteReport(&out, "generate")
			want := []string{"fcntl64 cmd (argument 1) restricted to F_GETFD (1), F_SETFD (2)"}
			if tc.wx == "eperm" {
				want = append(want, "mmap2 prot (argument 2) restricted to")
			}
			for _, w := range want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("%s %v: report lacks %q:\n%s", tc.what, arches, w, out.String())
				}
			}
		}
	}
	// With the runtime baselines, x86_64's mmap (the runtime's; the i386
	// program recorded none) denies W+X too.
	bl, err := profiles.Resolve(profiles.DefaultBaselines, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := argTrace(t, "x86", names, map[string][]trace.ArgValues{
		"mmap2": {{Index: 2, Values: []uint64{0, 2}}}, "fcntl64": {{Index: 1, Values: []uint64{1}}},
	})
	res, err := reduce.Reduce([]reduce.Input{{Path: "t.yaml", File: f}}, reduce.Options{Native: "x86_64", Baselines: bl}, tables)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"mmap"} {
		for prot, want := range map[uint64]string{0: "allow", 3: "allow", 5: "allow", 6: "eperm", 7: "eperm"} {
			if got := answer(res.Policy.EvalArch("x86_64", name, [6]uint64{0, 0, prot})); got != want {
				t.Errorf("i386 trace with baselines: x86_64 %s(prot %#x): %s, want %s", name, prot, got, want)
			}
		}
	}
	// Values follow the name mapping: mmap on x86_64 is mmap2 on arm.
	f = argTrace(t, "x86_64", base, map[string][]trace.ArgValues{"mmap": {{Index: 2, Values: []uint64{0, 2}}}})
	res = reduceArgs(t, f, "x86_64", "arm")
	for _, c := range []evalCase{{"mmap2", 2, 2, "allow"}, {"mmap2", 2, 4, "allow"}, {"mmap2", 2, 6, "eperm"}, {"mmap", 2, 6, "eperm"}} {
		arch := "arm"
		if c.name == "mmap" {
			arch = "x86_64"
		}
		var a [6]uint64
		a[c.arg] = c.v
		if got := answer(res.Policy.EvalArch(arch, c.name, a)); got != c.want {
			t.Errorf("x86_64 trace, %s %s(a%d=%#x): %s, want %s", arch, c.name, c.arg, c.v, got, c.want)
		}
	}
}

// TestArgPairs: setsockopt's optname is restricted together with its level
// (every combination of observed values), beyond maxPairRules the optname
// stays unrestricted (reported), and the rules pass policy.Check through
// the libseccomp verifier.
func TestArgPairs(t *testing.T) {
	names := append([]string{"setsockopt", "getsockopt", "socket"}, base...)
	// 3 levels x 30 optnames: more than 64 combinations, each argument
	// within the 32 values one trace keeps (TestArgValuesMergedBound).
	many := make([]uint64, 30)
	for i := range many {
		many[i] = uint64(i + 1)
	}
	f := argTrace(t, "x86_64", names, map[string][]trace.ArgValues{
		"setsockopt": {{Index: 1, Values: []uint64{1, 6}}, {Index: 2, Values: []uint64{2, 1}}}, // SOL_SOCKET, IPPROTO_TCP; SO_REUSEADDR, TCP_NODELAY
		"getsockopt": {{Index: 1, Values: []uint64{1, 6, 41}}, {Index: 2, Values: many}},
		"socket":     {{Index: 0, Values: []uint64{2, 10}}, {Index: 1, Values: []uint64{1, 2}}},
	})
	res := reduceArgs(t, f, "x86_64")
	p := res.Policy
	for _, c := range []struct {
		name string
		args [6]uint64
		want string
	}{
		{"setsockopt", [6]uint64{3, 1, 2}, "allow"},
		{"setsockopt", [6]uint64{3, 6, 1}, "allow"},
		{"setsockopt", [6]uint64{3, 1, 1}, "allow"}, // a combination of observed values
		{"setsockopt", [6]uint64{3, 1, 3}, "eperm"}, // optname not observed
		{"setsockopt", [6]uint64{3, 0, 2}, "eperm"}, // level not observed
		{"setsockopt", [6]uint64{3, 41, 1}, "eperm"},
		{"getsockopt", [6]uint64{3, 1, 77}, "allow"}, // optname unrestricted
		{"getsockopt", [6]uint64{3, 0, 1}, "eperm"},
		{"socket", [6]uint64{10, 2}, "allow"},
		{"socket", [6]uint64{10, 3}, "eperm"},
		{"socket", [6]uint64{1, 1}, "eperm"},
	} {
		if got := answer(p.EvalArch("x86_64", c.name, c.args)); got != c.want {
			t.Errorf("%s%#x: %s, want %s", c.name, c.args[:3], got, c.want)
		}
	}
	var out strings.Builder
	res.WriteReport(&out, "generate")
	for _, want := range []string{
		"setsockopt optname (argument 2) restricted to 1, 2 (observed)",
		"getsockopt optname (argument 2) not restricted: more than 64 combinations with the allowed values of level",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report without %q:\n%s", want, out.String())
		}
	}
}

// TestArgValuesMergedBound: traces that each keep at most
// trace.MaxArgDistinct values of an argument can together hold thousands.
// Past that many the argument counts as overflowed, as in one trace, and is
// reported: a rule per value made 200 traces of 32 ioctl requests each a
// filter libseccomp spent 9 minutes on and crashed exporting (and one over
// 4096 instructions does not load). Up to the bound the values are rules.
func TestArgValuesMergedBound(t *testing.T) {
	run := func(traces, perTrace int) *reduce.Result {
		var inputs []reduce.Input
		for i := 0; i < traces; i++ {
			var vals []uint64
			for j := 0; j < perTrace; j++ {
				vals = append(vals, uint64(0x40000000+i*perTrace+j))
			}
			f := argTrace(t, "x86_64", append([]string{"ioctl"}, base...), map[string][]trace.ArgValues{"ioctl": {{Index: 1, Values: vals}}})
			inputs = append(inputs, reduce.Input{Path: "t" + strconv.Itoa(i) + ".yaml", File: f})
		}
		res, err := reduce.Reduce(inputs, reduce.Options{Native: "x86_64"}, tables)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	ioctl := func(res *reduce.Result) reduce.ArgRule {
		for _, ar := range res.ArgRules {
			if ar.Spec.Syscall == "ioctl" {
				return ar
			}
		}
		t.Fatal("no argument rule for ioctl")
		return reduce.ArgRule{}
	}
	if ar := ioctl(run(4, 8)); ar.Unrestricted || len(ar.Allowed) != 32 {
		t.Errorf("4 traces of 8 ioctl requests: unrestricted %v (%s), %d allowed; want 32 allowed", ar.Unrestricted, ar.Why, len(ar.Allowed))
	}
	res := run(3, 12)
	ar := ioctl(res)
	if !ar.Unrestricted || !strings.Contains(ar.Why, "36 distinct values") {
		t.Errorf("3 traces of 12 ioctl requests: unrestricted %v, %d values allowed, why %q; want unrestricted, 36 values named", ar.Unrestricted, len(ar.Allowed), ar.Why)
	}
	for _, r := range res.Policy.Rules {
		if slices.Contains(r.Names, "ioctl") && len(r.Args) > 0 {
			t.Fatalf("ioctl still has a rule with arguments: %+v", r)
		}
	}
}

// TestArgRulesFitTheKernel: one trace can record 32 values of each
// recorded argument; a rule per value then made a filter longer than the
// kernel loads (5089 instructions here), and generate wrote nothing.
// Reduce drops the argument rules with the most values (never a
// Docker set) until the filter fits, and reports each.
func TestArgRulesFitTheKernel(t *testing.T) {
	vals := func(n int, from uint64) []uint64 {
		var v []uint64
		for i := 0; i < n; i++ {
			v = append(v, from+uint64(i)*7919)
		}
		return v
	}
	f := argTrace(t, "x86_64", append([]string{"ioctl", "fcntl", "prctl", "setsockopt", "getsockopt", "kill", "tgkill", "socket"}, base...), map[string][]trace.ArgValues{
		"ioctl":      {{Index: 1, Values: vals(32, 0x5400)}},
		"fcntl":      {{Index: 1, Values: vals(32, 1)}},
		"prctl":      {{Index: 0, Values: vals(32, 1)}},
		"setsockopt": {{Index: 1, Values: vals(32, 1)}},
		"getsockopt": {{Index: 1, Values: vals(32, 1)}},
		"kill":       {{Index: 1, Values: []uint64{0, 9, 15}}},
		"tgkill":     {{Index: 2, Values: vals(32, 100)}},
		"socket":     {{Index: 0, Values: []uint64{1, 2, 10}}, {Index: 1, Values: []uint64{1, 2, 3}}},
	})
	res := reduceArgs(t, f, "x86_64")
	var dropped []string
	for _, ar := range res.ArgRules {
		if ar.Unrestricted && strings.Contains(ar.Why, "longer than the 4096 instructions the kernel loads") {
			dropped = append(dropped, ar.Spec.Syscall)
		}
		if ar.Spec.Docker != nil && ar.Unrestricted {
			t.Errorf("%s argument %d lost its Docker set: %s", ar.Spec.Syscall, ar.Spec.Index, ar.Why)
		}
	}
	if len(dropped) == 0 {
		t.Error("no argument rule dropped to fit, yet the filter loads")
	}
	// What stays restricted still is: kill with another signal.
	if got := answer(res.Policy.EvalArch("x86_64", "kill", [6]uint64{1, 10})); got != "eperm" {
		t.Errorf("kill(1, SIGUSR1): %s, want eperm", got)
	}
}
