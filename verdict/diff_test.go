package verdict_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

func pol(def policy.Action, errno *uint, arches []string, rules ...policy.Rule) *policy.Policy {
	return &policy.Policy{DefaultAction: def, DefaultErrno: errno, Arches: arches, Rules: rules}
}

func allow(names ...string) policy.Rule { return policy.Rule{Names: names, Action: policy.ActAllow} }

func deny(errno uint, names ...string) policy.Rule {
	return policy.Rule{Names: names, Action: policy.ActErrno, Errno: policy.Errno(errno)}
}

func cond(r policy.Rule, args ...policy.Arg) policy.Rule { r.Args = args; return r }

func eq(i uint, v uint64) policy.Arg { return policy.Arg{Index: i, Value: v, Op: policy.OpEqualTo} }

func masked(i uint, mask, v uint64) policy.Arg {
	return policy.Arg{Index: i, Value: mask, ValueTwo: v, Op: policy.OpMaskedEqual}
}

var (
	x64    = []string{"x86_64"}
	enosys = policy.Errno(policy.ENOSYS)
	eperm  = policy.Errno(policy.EPERM)
)

// unused is a Docker-style explicit EPERM rule for every x86_64 syscall
// not in keep, so that only numbers libseccomp cannot name get the default.
func unused(t testing.TB, keep ...string) policy.Rule {
	names, err := scmp.Names("x86_64")
	if err != nil {
		t.Fatal(err)
	}
	k := map[string]bool{}
	for _, n := range keep {
		k[n] = true
	}
	var out []string
	for _, n := range names {
		if !k[n] {
			out = append(out, n)
		}
	}
	return deny(policy.EPERM, out...)
}

type where struct {
	class string // "onlyA", "onlyB", "answer"
	arch  string
	name  string // or "#NR"
	args  bool   // the entry must carry argument values
}

func diff(t *testing.T, a, b verdict.Answerer) *verdict.ProfileDiff {
	t.Helper()
	d, err := verdict.DiffProfiles(a, b, scmp.Tables{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func pa(p *policy.Policy) verdict.Answerer { return verdict.NewPolicyAnswerer(p, scmp.Tables{}) }

func find(d *verdict.ProfileDiff, w where) *verdict.DiffEntry {
	es := map[string][]verdict.DiffEntry{"onlyA": d.OnlyA, "onlyB": d.OnlyB, "answer": d.Answer}[w.class]
	for i, e := range es {
		if e.Arch == w.arch && e.Label() == w.name {
			return &es[i]
		}
	}
	return nil
}

func dump(d *verdict.ProfileDiff) string {
	s := ""
	for _, c := range []struct {
		n  string
		es []verdict.DiffEntry
	}{{"onlyA", d.OnlyA}, {"onlyB", d.OnlyB}, {"answer", d.Answer}} {
		for i, e := range c.es {
			if i == 8 {
				s += fmt.Sprintf("  %s: ... %d in all\n", c.n, len(c.es))
				break
			}
			s += fmt.Sprintf("  %s: %s %s args=%v A=%s B=%s\n", c.n, e.Arch, e.Label(), e.Args, e.A, e.B)
		}
	}
	return s
}

// TestDiffAnswers: diff compares answers (actions, errnos, argument
// conditions, numbers beyond the table, ABIs), never rule text.
func TestDiffAnswers(t *testing.T) {
	clone := func(mask uint64) policy.Rule { return cond(allow("clone"), masked(0, mask, 0)) }
	cases := []struct {
		name         string
		a, b         *policy.Policy
		same         bool
		superset     bool // A lets run everything B lets run
		want         []where
		onlyEntries  int  // if > 0: the exact number of entries
		runcStubOnly bool // A differs from B only by onlyA entries and runc's stub
	}{
		// Rule order and overlap.
		{name: "reordered disjoint rules are the same",
			a: pol(policy.ActErrno, enosys, x64, allow("read"), allow("write"), deny(1, "uname")),
			b: pol(policy.ActErrno, enosys, x64, deny(1, "uname"), allow("write", "read")), same: true, superset: true},
		{name: "duplicate rule is the same",
			a: pol(policy.ActErrno, enosys, x64, allow("read"), allow("read")),
			b: pol(policy.ActErrno, enosys, x64, allow("read")), same: true, superset: true},
		// Conditional vs unconditional.
		{name: "unconditional vs conditional allow",
			a:        pol(policy.ActErrno, enosys, x64, allow("socket")),
			b:        pol(policy.ActErrno, enosys, x64, cond(allow("socket"), eq(0, 1))),
			superset: true, want: []where{{"onlyA", "x86_64", "socket", true}}, onlyEntries: 1},
		{name: "conditional vs unconditional allow is not a superset",
			a:    pol(policy.ActErrno, enosys, x64, cond(allow("socket"), eq(0, 1))),
			b:    pol(policy.ActErrno, enosys, x64, allow("socket")),
			want: []where{{"onlyB", "x86_64", "socket", true}}, onlyEntries: 1},
		{name: "different values",
			a:    pol(policy.ActErrno, enosys, x64, cond(allow("personality"), eq(0, 0x8))),
			b:    pol(policy.ActErrno, enosys, x64, cond(allow("personality"), eq(0, 0x20008))),
			want: []where{{"onlyA", "x86_64", "personality", true}, {"onlyB", "x86_64", "personality", true}}, onlyEntries: 2},
		{name: "same value in the high half",
			a:    pol(policy.ActErrno, enosys, x64, cond(allow("personality"), eq(0, 0x8))),
			b:    pol(policy.ActErrno, enosys, x64, cond(allow("personality"), eq(0, 0x100000008))),
			want: []where{{"onlyA", "x86_64", "personality", true}}},
		{name: "second argument condition",
			a:    pol(policy.ActErrno, enosys, x64, cond(allow("socket"), eq(0, 1), eq(1, 5))),
			b:    pol(policy.ActErrno, enosys, x64, cond(allow("socket"), eq(0, 1))),
			want: []where{{"onlyB", "x86_64", "socket", true}}, onlyEntries: 1},
		{name: "same conditions, different order of conditions",
			a: pol(policy.ActErrno, enosys, x64, cond(allow("socket"), eq(0, 1), eq(1, 5))),
			b: pol(policy.ActErrno, enosys, x64, cond(allow("socket"), eq(1, 5), eq(0, 1))), same: true, superset: true},
		{name: "GE vs GT",
			a:        pol(policy.ActErrno, enosys, x64, cond(allow("close"), policy.Arg{Index: 0, Value: 3, Op: policy.OpGreaterEqual})),
			b:        pol(policy.ActErrno, enosys, x64, cond(allow("close"), policy.Arg{Index: 0, Value: 3, Op: policy.OpGreaterThan})),
			superset: true, want: []where{{"onlyA", "x86_64", "close", true}}},
		// Masks.
		{name: "two clone masks",
			a:    pol(policy.ActErrno, enosys, x64, clone(0x7E020000)),
			b:    pol(policy.ActErrno, enosys, x64, clone(0x7E000000)),
			want: []where{{"onlyB", "x86_64", "clone", true}}},
		{name: "mask vs its superset mask the other way",
			a: pol(policy.ActErrno, enosys, x64, clone(0x7E000000)),
			b: pol(policy.ActErrno, enosys, x64, clone(0x7E020000)), superset: true,
			want: []where{{"onlyA", "x86_64", "clone", true}}},
		{name: "same mask, different value",
			a:    pol(policy.ActErrno, enosys, x64, cond(allow("clone"), masked(0, 0xff, 0x11))),
			b:    pol(policy.ActErrno, enosys, x64, cond(allow("clone"), masked(0, 0xff, 0x12))),
			want: []where{{"onlyA", "x86_64", "clone", true}, {"onlyB", "x86_64", "clone", true}}},
		{name: "same mask twice",
			a: pol(policy.ActErrno, enosys, x64, clone(0x7E020000)),
			b: pol(policy.ActErrno, enosys, x64, clone(0x7E020000)), same: true, superset: true},
		// Errno differences.
		{name: "EPERM vs EACCES",
			a: pol(policy.ActErrno, enosys, x64, deny(1, "mount")),
			b: pol(policy.ActErrno, enosys, x64, deny(13, "mount")), superset: true,
			want: []where{{"answer", "x86_64", "mount", false}}, onlyEntries: 1},
		{name: "errno vs kill",
			a: pol(policy.ActErrno, enosys, x64, deny(1, "mount")),
			b: pol(policy.ActErrno, enosys, x64, policy.Rule{Names: []string{"mount"}, Action: policy.ActKillProcess}), superset: true,
			want: []where{{"answer", "x86_64", "mount", false}}, onlyEntries: 1},
		{name: "kill thread vs kill process count as one answer",
			a: pol(policy.ActErrno, enosys, x64, policy.Rule{Names: []string{"mount"}, Action: policy.ActKill}),
			b: pol(policy.ActErrno, enosys, x64, policy.Rule{Names: []string{"mount"}, Action: policy.ActKillProcess}), same: true, superset: true},
		{name: "errno conditional on arguments",
			a: pol(policy.ActAllow, nil, x64, cond(deny(1, "kill"), eq(1, 9))),
			b: pol(policy.ActAllow, nil, x64, cond(deny(13, "kill"), eq(1, 9))), superset: true,
			want: []where{{"answer", "x86_64", "kill", true}}, onlyEntries: 1},
		{name: "log vs allow differ",
			a: pol(policy.ActErrno, enosys, x64, allow("read")),
			b: pol(policy.ActErrno, enosys, x64, policy.Rule{Names: []string{"read"}, Action: policy.ActLog}), superset: true,
			want: []where{{"answer", "x86_64", "read", false}}, onlyEntries: 1},
		// Numbers beyond the table and in its gaps.
		{name: "defaultErrnoRet ENOSYS vs EPERM with the same explicit rules",
			a: pol(policy.ActErrno, enosys, x64, allow("read"), unused(t, "read")),
			b: pol(policy.ActErrno, nil, x64, allow("read"), unused(t, "read")), superset: true,
			want: []where{{"answer", "x86_64", "#457", false}, {"answer", "x86_64", "#335", false}, {"answer", "x86_64", "#16383", false}}},
		{name: "explicit EPERM default vs none",
			a: pol(policy.ActErrno, eperm, x64, allow("read")),
			b: pol(policy.ActErrno, nil, x64, allow("read")), same: true, superset: true},
		{name: "allow default vs errno default",
			a: pol(policy.ActAllow, nil, x64, deny(1, "ptrace")),
			b: pol(policy.ActErrno, enosys, x64, allow("read")), superset: true,
			want: []where{{"onlyA", "x86_64", "#457", false}, {"onlyA", "x86_64", "write", false}}},
		// ABIs.
		{name: "one more ABI",
			a: pol(policy.ActErrno, enosys, []string{"x86_64", "x86"}, allow("read")),
			b: pol(policy.ActErrno, enosys, x64, allow("read")), superset: true,
			want: []where{{"onlyA", "x86", "read", false}, {"answer", "x86", "write", false}, {"answer", "x86", fmt.Sprintf("#%d", maxNr(t, "x86")+100), false}}},
		{name: "x32 covered",
			a:    pol(policy.ActErrno, enosys, x64, allow("read")),
			b:    pol(policy.ActErrno, enosys, []string{"x86_64", "x32"}, allow("read")),
			want: []where{{"onlyB", "x32", "read", false}, {"answer", "x32", fmt.Sprintf("#%d", 0x40000000+0x3fff), false}}},
		// Under crun an ABI listed only to kill is as if not covered; runc's
		// ENOSYS stub answers the numbers above the highest one the profile
		// names there (policy.(*Policy).Runtimes), which is an answer of
		// its own.
		{name: "an ABI listed only to kill: killed under crun, ENOSYS above the named ones under runc",
			a: pol(policy.ActKillProcess, nil, []string{"x86_64", "aarch64"}, allow("read")),
			b: pol(policy.ActKillProcess, nil, x64, allow("read")), superset: true,
			want: []where{{"onlyA", "aarch64", "read", false}}, runcStubOnly: true},
		{name: "different ABIs",
			a:    pol(policy.ActErrno, enosys, []string{"aarch64"}, allow("read")),
			b:    pol(policy.ActErrno, enosys, x64, allow("read")),
			want: []where{{"onlyA", "aarch64", "read", false}, {"onlyB", "x86_64", "read", false}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := diff(t, pa(c.a), pa(c.b))
			if d.Same() != c.same || d.Superset() != c.superset {
				t.Errorf("same %v superset %v, want %v %v\n%s", d.Same(), d.Superset(), c.same, c.superset, dump(d))
			}
			for _, w := range c.want {
				e := find(d, w)
				if e == nil {
					t.Errorf("no %s entry for %s %s:\n%s", w.class, w.arch, w.name, dump(d))
					continue
				}
				if w.args != (e.Args != nil) {
					t.Errorf("%s %s: args %v, want args: %v", w.arch, w.name, e.Args, w.args)
				}
			}
			if c.runcStubOnly {
				if len(d.OnlyA) != 1 || len(d.OnlyB) != 0 || len(d.Answer) == 0 {
					t.Errorf("want one onlyA entry and runc-stub answers:\n%s", dump(d))
				}
				for _, e := range d.Answer {
					if e.A != "SCMP_ACT_ERRNO(ENOSYS) under runc, SCMP_ACT_KILL_PROCESS under crun" || e.B != "arch not covered (killed)" {
						t.Errorf("%s %s: A %q B %q: want runc's stub against not covered", e.Arch, e.Label(), e.A, e.B)
					}
				}
			}
			if n := len(d.OnlyA) + len(d.OnlyB) + len(d.Answer); c.onlyEntries > 0 && n != c.onlyEntries {
				t.Errorf("%d entries, want %d:\n%s", n, c.onlyEntries, dump(d))
			}
			// The diff the other way round mirrors this one.
			r := diff(t, pa(c.b), pa(c.a))
			if len(r.OnlyA) != len(d.OnlyB) || len(r.OnlyB) != len(d.OnlyA) || len(r.Answer) != len(d.Answer) {
				t.Errorf("reverse diff is not the mirror:\n%s\nvs\n%s", dump(d), dump(r))
			}
		})
	}
}

// Overlapping rules (same syscall, different actions, with and without
// conditions, in either order) mean what policy.(*Policy).Eval says they
// mean (the runtimes' semantics, measured elsewhere): diff reports a
// syscall exactly when Eval answers differ for some argument values, in the
// class those answers give, whatever Eval decides for each order.
func TestDiffFollowsEval(t *testing.T) {
	kill := func(names ...string) policy.Rule { return policy.Rule{Names: names, Action: policy.ActKillProcess} }
	ge := func(i uint, v uint64) policy.Arg { return policy.Arg{Index: i, Value: v, Op: policy.OpGreaterEqual} }
	variants := [][]policy.Rule{
		{deny(1, "uname"), allow("uname")},
		{allow("uname"), deny(1, "uname")},
		{kill("uname"), allow("uname")},
		{allow("uname"), kill("uname")},
		{allow("uname")},
		{deny(1, "uname")},
		{cond(allow("uname"), eq(0, 1)), deny(1, "uname")},
		{deny(1, "uname"), cond(allow("uname"), eq(0, 1))},
		{cond(deny(1, "uname"), eq(0, 1)), allow("uname")},
		{allow("uname"), cond(deny(1, "uname"), eq(0, 1))},
		{cond(allow("uname"), eq(0, 1)), cond(deny(13, "uname"), eq(0, 1))},
		{cond(deny(13, "uname"), eq(0, 1)), cond(allow("uname"), eq(0, 1))},
		{cond(allow("uname"), eq(0, 1)), cond(allow("uname"), eq(0, 2))},
		{cond(allow("uname"), eq(0, 1), eq(0, 2))},
		{cond(allow("uname"), ge(0, 5)), cond(deny(13, "uname"), ge(0, 7))},
		{cond(deny(13, "uname"), ge(0, 7)), cond(allow("uname"), ge(0, 5))},
	}
	for i, ra := range variants {
		for j, rb := range variants {
			a := pol(policy.ActErrno, enosys, x64, ra...)
			b := pol(policy.ActErrno, enosys, x64, rb...)
			var conds [][]policy.Arg
			for _, r := range append(append([]policy.Rule(nil), ra...), rb...) {
				if len(r.Args) > 0 {
					conds = append(conds, r.Args)
				}
			}
			wantA, wantB, wantAns := false, false, false
			for _, args := range verdict.ArgProbes(conds) {
				va, vb := a.Eval("uname", args), b.Eval("uname", args)
				okA := va.Action == policy.ActAllow
				okB := vb.Action == policy.ActAllow
				switch {
				case okA && !okB:
					wantA = true
				case okB && !okA:
					wantB = true
				case va.Action != vb.Action || (va.Action == policy.ActErrno && va.Errno != vb.Errno):
					if !(va.Action == policy.ActKillProcess && vb.Action == policy.ActKillProcess) {
						wantAns = true
					}
				}
			}
			d := diff(t, pa(a), pa(b))
			gotA := find(d, where{"onlyA", "x86_64", "uname", false}) != nil
			gotB := find(d, where{"onlyB", "x86_64", "uname", false}) != nil
			gotAns := find(d, where{"answer", "x86_64", "uname", false}) != nil
			if gotA != wantA || gotB != wantB || gotAns != wantAns || len(d.OnlyA)+len(d.OnlyB)+len(d.Answer) != btoi(wantA)+btoi(wantB)+btoi(wantAns) {
				t.Errorf("variants %d vs %d: diff onlyA %v onlyB %v answer %v, Eval says %v %v %v\n%s", i, j, gotA, gotB, gotAns, wantA, wantB, wantAns, dump(d))
			}
			if i == j && !d.Same() {
				t.Errorf("variant %d differs from itself:\n%s", i, dump(d))
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The argument values of an entry tell the two answers apart.
func TestDiffArgsTellApart(t *testing.T) {
	a := pol(policy.ActErrno, enosys, x64, cond(allow("clone"), masked(0, 0x7E020000, 0)))
	b := pol(policy.ActErrno, enosys, x64, cond(allow("clone"), masked(0, 0x7E000000, 0)))
	d := diff(t, pa(a), pa(b))
	e := find(d, where{"onlyB", "x86_64", "clone", true})
	if e == nil {
		t.Fatalf("no entry:\n%s", dump(d))
	}
	var args [6]uint64
	copy(args[:], e.Args)
	if a.Eval("clone", args).Action == policy.ActAllow || b.Eval("clone", args).Action != policy.ActAllow {
		t.Fatalf("args %#x do not tell them apart", e.Args)
	}
}

// compiled returns the raw filter generate --format bpf writes for p.
func compiled(t testing.TB, p *policy.Policy) *cbpf.Filter {
	t.Helper()
	prog, err := cbpf.Compile(p, cbpf.Options{Arch: "x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := cbpf.NewFilter(prog)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A raw filter compiled from a policy gives that policy's answers: diff
// finds them the same (up to the ENOSYS stub the compiler puts before
// numbers beyond libseccomp's table when the policy's default is not
// already ENOSYS); and against other policies it differs where its policy
// does.
func TestDiffRawFilter(t *testing.T) {
	docker := pol(policy.ActErrno, enosys, x64,
		allow("read", "write", "exit_group", "rt_sigreturn"),
		cond(allow("clone"), masked(0, 0x7E020000, 0)),
		cond(allow("personality"), eq(0, 0)), cond(allow("personality"), eq(0, 8)), cond(allow("personality"), eq(0, 0xffffffff)),
		cond(allow("socket"), policy.Arg{Index: 0, Value: 40, Op: policy.OpNotEqual}),
		cond(deny(13, "kill"), eq(1, 9)),
		policy.Rule{Names: []string{"ptrace"}, Action: policy.ActKillProcess},
		deny(1, "mount", "umount2"),
	)
	policies := []*policy.Policy{
		docker,
		pol(policy.ActErrno, enosys, x64, allow("read"), unused(t, "read")),
		pol(policy.ActErrno, nil, []string{"x86_64", "x32"}, allow("read", "write")),
		pol(policy.ActKillProcess, nil, x64, allow("read", "exit_group")),
		pol(policy.ActAllow, nil, x64, deny(1, "ptrace"), cond(deny(1, "socket"), eq(0, 16))),
		pol(policy.ActErrno, enosys, []string{"x86_64", "x86"}, allow("read", "write"),
			cond(allow("personality"), eq(0, 8)), cond(allow("clone"), masked(0, 0x7E020000, 0)), cond(deny(13, "kill"), eq(1, 9))),
	}
	for i, p := range policies {
		raw := compiled(t, p)
		if got, want := fmt.Sprint(raw.Arches()), fmt.Sprint(p.Arches); got != want {
			t.Errorf("policy %d: raw filter covers %s, want %s", i, got, want)
		}
		for _, pair := range [][2]verdict.Answerer{{raw, pa(p)}, {pa(p), raw}, {raw, raw}} {
			d := diff(t, pair[0], pair[1])
			for _, e := range append(append(d.OnlyA, d.OnlyB...), d.Answer...) {
				stub := e.Name == "" && e.Nr > maxNr(t, e.Arch) && (e.A == "SCMP_ACT_ERRNO(ENOSYS)" || e.B == "SCMP_ACT_ERRNO(ENOSYS)")
				if !stub && !oneRuntimes(e.A, e.B) && !oneRuntimes(e.B, e.A) {
					t.Errorf("policy %d: raw filter and its policy differ:\n%s", i, dump(d))
					break
				}
			}
		}
		// Against every other policy: the raw filter differs where its
		// policy does.
		for j, q := range policies {
			if i == j {
				continue
			}
			pd, rd := diff(t, pa(p), pa(q)), diff(t, raw, pa(q))
			if pd.Same() || rd.Same() || pd.Superset() != rd.Superset() || (len(pd.OnlyA) == 0) != (len(rd.OnlyA) == 0) {
				t.Errorf("policy %d vs %d: policy diff\n%s\nraw diff\n%s", i, j, dump(pd), dump(rd))
			}
		}
	}
	// The same policy without defaultErrnoRet (an SPO CRD) differs from
	// the raw filter beyond the table: ENOSYS from the stub, EPERM from it.
	spo := *docker
	spo.DefaultErrno = nil
	d := diff(t, compiled(t, docker), pa(&spo))
	if e := find(d, where{"answer", "x86_64", "#457", false}); e == nil || d.Same() {
		t.Errorf("Docker filter vs SPO profile: no difference at #457:\n%s", dump(d))
	}
}

// check gives a raw filter the verdict it gives the policy it came from.
func TestCheckCoverageOfRawFilter(t *testing.T) {
	p := pol(policy.ActErrno, enosys, []string{"x86_64"},
		allow("read", "write"), cond(allow("socket"), eq(0, 1)), deny(1, "getpriority"),
		cond(allow("clone"), masked(0, 0x7E020000, 0)))
	tr := &trace.File{Version: 1, Syscalls: []trace.Syscall{
		{Arch: "x86_64", Nr: 0, Name: "read", Count: 1},
		{Arch: "x86_64", Nr: 1, Name: "write", Count: 1},
		{Arch: "x86_64", Nr: 41, Name: "socket", Count: 1},
		{Arch: "x86_64", Nr: 56, Name: "clone", Count: 1},
		{Arch: "x86_64", Nr: 140, Name: "getpriority", Count: 1},
		{Arch: "x86_64", Nr: 39, Name: "getpid", Count: 1},
		{Arch: "x86_64", Nr: 470, Count: 1},
		{Arch: "x86", Nr: 20, Name: "getpid", Count: 1},
		{Arch: "x32", Nr: 0x40000000, Name: "read", Count: 1},
	}}
	want, err := verdict.CheckCoverageOf(pa(p), tr)
	if err != nil {
		t.Fatal(err)
	}
	got, err := verdict.CheckCoverageOf(compiled(t, p), tr)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Entries) != len(want.Entries) {
		t.Fatalf("raw filter:\n%+v\npolicy:\n%+v", got.Entries, want.Entries)
	}
	for i, g := range got.Entries {
		w := want.Entries[i]
		if g.Arch != w.Arch || g.Nr != w.Nr || g.Covered != w.Covered || g.Reason != w.Reason ||
			(!g.Covered && (g.Action != w.Action || g.Errno != w.Errno)) {
			t.Errorf("raw filter: %+v\npolicy:     %+v", g, w)
		}
	}
	if got.OK() {
		t.Error("a filter that denies getpriority covers it")
	}
}

func maxNr(t testing.TB, arch string) int {
	m, err := scmp.MaxNr(arch)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestProbeNumbers(t *testing.T) {
	for _, arch := range scmp.ArchNames() {
		nrs, err := verdict.ProbeNumbers(arch, scmp.Tables{})
		if err != nil {
			t.Fatal(err)
		}
		max, _ := scmp.MaxNr(arch)
		has := map[int]bool{}
		for _, n := range nrs {
			has[n] = true
		}
		base := 0
		if arch == "x32" {
			base = 0x40000000
		}
		for _, n := range []int{max + 1, max + 100, base + 0x3fffffff} {
			if !has[n] {
				t.Errorf("%s: %d not probed", arch, n)
			}
		}
		if arch == "x86_64" && (!has[335] || !has[423]) {
			t.Errorf("x86_64: the gap 335..423 is not probed")
		}
	}
}

// oneRuntimes reports whether answer one is what one of the runtimes gives
// where the other answer differs between runc and crun ("R under runc, C
// under crun"): a raw filter (its own stub beyond libseccomp's table)
// against its policy, whose runc stub starts above the highest named number.
func oneRuntimes(one, other string) bool {
	runc, crun, ok := strings.Cut(other, " under runc, ")
	if !ok {
		return false
	}
	crun = strings.TrimSuffix(crun, " under crun")
	return one == runc || one == crun
}

// TestRuntimeAnswers: without defaultErrnoRet, runc's stub answers ENOSYS
// above the highest number the profile names while crun gives the default;
// with defaultErrnoRet ENOSYS the two agree, and so diff tells a Docker
// profile from the same rules as an SPO CRD (no defaultErrnoRet) only where
// crun answers EPERM.
func TestRuntimeAnswers(t *testing.T) {
	spo := pol(policy.ActErrno, nil, x64, allow("read", "write"))
	docker := pol(policy.ActErrno, enosys, x64, allow("read", "write"))
	a := verdict.NewPolicyAnswerer(spo, scmp.Tables{})
	getpid, _ := scmp.Number("x86_64", "getpid")
	for _, c := range []struct {
		nr         int
		runc, crun policy.Verdict
	}{
		{0, policy.Verdict{Action: policy.ActAllow, Errno: 1}, policy.Verdict{Action: policy.ActAllow, Errno: 1}},
		{getpid, policy.Verdict{Action: policy.ActErrno, Errno: policy.ENOSYS}, policy.Verdict{Action: policy.ActErrno, Errno: policy.EPERM}},
		{100000, policy.Verdict{Action: policy.ActErrno, Errno: policy.ENOSYS}, policy.Verdict{Action: policy.ActErrno, Errno: policy.EPERM}},
	} {
		rv := a.RuntimeAnswers("x86_64", c.nr, [6]uint64{})
		if rv.Runc.Action != c.runc.Action || rv.Runc.Errno != c.runc.Errno || rv.Crun.Action != c.crun.Action || rv.Crun.Errno != c.crun.Errno {
			t.Errorf("nr %d: runc %v crun %v, want %v %v", c.nr, rv.Runc, rv.Crun, c.runc, c.crun)
		}
	}
	if rv := verdict.NewPolicyAnswerer(docker, scmp.Tables{}).RuntimeAnswers("x86_64", getpid, [6]uint64{}); !rv.Agree() {
		t.Errorf("defaultErrnoRet ENOSYS: runc %v, crun %v: want the same", rv.Runc, rv.Crun)
	}
	d := diff(t, pa(docker), pa(spo))
	if d.Same() || len(d.OnlyA)+len(d.OnlyB) != 0 || len(d.Answer) == 0 {
		t.Fatalf("want answer differences only:\n%s", dump(d))
	}
	for _, e := range d.Answer {
		if e.A != "SCMP_ACT_ERRNO(ENOSYS)" || e.B != "SCMP_ACT_ERRNO(ENOSYS) under runc, SCMP_ACT_ERRNO(EPERM) under crun" {
			t.Errorf("%s %s: A %q B %q", e.Arch, e.Label(), e.A, e.B)
		}
	}
}

// On x86, libseccomp adds the rules of socket and ipc calls to socketcall
// and ipc with argument 0 == call number; send and recv exist there only
// that way. diff asks socketcall about those call numbers, so profiles
// that differ only there are not "the same" (the compiled filter is the
// oracle).
func TestDiffMultiplexedOnX86(t *testing.T) {
	x86 := []string{"x86_64", "x86"}
	recv := pol(policy.ActErrno, enosys, x86, allow("exit_group", "rt_sigreturn", "recv"))
	send := pol(policy.ActErrno, enosys, x86, allow("exit_group", "rt_sigreturn", "send"))
	none := pol(policy.ActErrno, enosys, x86, allow("exit_group", "rt_sigreturn"))
	for _, c := range []struct {
		a, b         verdict.Answerer
		onlyA, onlyB bool
	}{
		{pa(recv), pa(none), true, false},
		{compiled(t, recv), pa(none), true, false},
		{pa(recv), pa(send), true, true},
		{pa(none), compiled(t, send), false, true},
	} {
		d := diff(t, c.a, c.b)
		for class, want := range map[string]bool{"onlyA": c.onlyA, "onlyB": c.onlyB} {
			e := find(d, where{class, "x86", "socketcall", true})
			if (e != nil) != want {
				t.Errorf("%s entry for x86 socketcall: got %v, want %v:\n%s", class, e != nil, want, dump(d))
			}
		}
		if len(d.Answer) > 0 || len(d.OnlyA)+len(d.OnlyB) > 2 {
			t.Errorf("differences beyond socketcall:\n%s", dump(d))
		}
	}
	// The policy and its filter agree on socketcall.
	if d := diff(t, pa(recv), compiled(t, recv)); !d.Same() {
		t.Errorf("policy and filter differ:\n%s", dump(d))
	}
}

// Every gap in libseccomp's table is probed at both ends, a gap of one
// number included.
func TestProbeNumbersGaps(t *testing.T) {
	for _, arch := range scmp.ArchNames() {
		nrs, err := verdict.ProbeNumbers(arch, scmp.Tables{})
		if err != nil {
			t.Fatal(err)
		}
		has := map[int]bool{}
		for _, n := range nrs {
			has[n] = true
		}
		names, _ := scmp.Names(arch)
		known := map[int]bool{}
		for _, n := range names {
			if nr, err := scmp.Number(arch, n); err == nil {
				known[nr] = true
			}
		}
		for nr := range known {
			if !known[nr+1] && !has[nr+1] {
				t.Errorf("%s: %d (after %d) not probed", arch, nr+1, nr)
			}
		}
	}
}

// A rule on two arguments lets a call run only when both hold: diff asks
// with both conditions satisfied, or it would call the rule the same as
// no rule at all.
func TestDiffRuleOnTwoArguments(t *testing.T) {
	for _, arg := range []policy.Arg{eq(1, 2), {Index: 1, Op: policy.OpLessThan, Value: 2}, {Index: 1, Op: policy.OpGreaterThan, Value: 2}, masked(1, 0xf0, 0x30)} {
		a := pol(policy.ActErrno, enosys, x64, cond(allow("getuid"), eq(0, 7), arg))
		b := pol(policy.ActErrno, enosys, x64)
		d := diff(t, pa(a), pa(b))
		e := find(d, where{"onlyA", "x86_64", "getuid", true})
		if e == nil {
			t.Fatalf("%+v: getuid not in onlyA:\n%s", arg, dump(d))
		}
	}
}

// A call runc's stub answers ENOSYS while crun lets it run is not one the
// profile lets run: on x86 the stub ignores the socket and ipc calls
// (policy.HighestNamed), so under A runc answers ENOSYS for shmdt (398)
// and crun allows it; B names pidfd_open (434) and allows shmdt under
// both. diff puts shmdt in OnlyB, not among the different denials.
func TestDiffRuntimesDisagreeNotAllowed(t *testing.T) {
	x86 := []string{"x86_64", "x86"}
	a := pol(policy.ActErrno, nil, x86, allow("read", "shmdt"))
	b := pol(policy.ActErrno, nil, x86, allow("read", "shmdt", "pidfd_open"))
	d := diff(t, pa(a), pa(b))
	if e := find(d, where{"onlyB", "x86", "shmdt", false}); e == nil || e.AllowedA || !e.AllowedB {
		t.Fatalf("x86 shmdt: want onlyB, not allowed by A:\n%s", dump(d))
	}
}
