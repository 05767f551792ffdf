package cbpf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/bpf"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/internal/golden"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

const goldenDir = "../../testdata/golden"

// allowed is what the fake workload was observed to use.
var allowed = []string{"read", "write", "openat", "close", "exit_group", "exit", "rt_sigreturn",
	"mmap", "brk", "fstat", "newfstatat", "execve", "socketcall", "getpid", "futex"}

// reducerPolicy builds the policy shape the reducer produces for arches:
// default ERRNO(ENOSYS), the allowed names, and an explicit ERRNO(EPERM)
// rule for every other syscall libseccomp knows on those arches.
func reducerPolicy(t testing.TB, arches []string, allow []string) *policy.Policy {
	t.Helper()
	ok := map[string]bool{}
	for _, n := range allow {
		ok[n] = true
	}
	var allowHere, deny []string
	seen := map[string]bool{}
	for _, a := range arches {
		names, err := scmp.Names(a)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if seen[n] {
				continue
			}
			seen[n] = true
			if ok[n] {
				allowHere = append(allowHere, n)
			} else {
				deny = append(deny, n)
			}
		}
	}
	return &policy.Policy{
		DefaultAction: policy.ActErrno,
		DefaultErrno:  policy.Errno(policy.ENOSYS),
		Arches:        arches,
		Rules: []policy.Rule{
			{Names: allowHere, Action: policy.ActAllow, Comment: "observed"},
			{Names: deny, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM), Comment: "known, not observed"},
		},
	}
}

// viaDocker writes p as Docker JSON and reads it back: the interpreter must
// agree with the JSON profile, not just with the Go value.
func viaDocker(t testing.TB, p *policy.Policy) *policy.Policy {
	t.Helper()
	data, err := emit.Docker(p)
	if err != nil {
		t.Fatal(err)
	}
	q, _, err := emit.Parse("profile.json", data)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func disasm(p Program) string {
	var b strings.Builder
	Disassemble(&b, p)
	return b.String()
}

func expect(v policy.Verdict) Result {
	r, _ := RetValue(v.Action, uint16(v.Errno))
	a, d := ActionOf(r)
	return Result{Ret: r, Action: a, Data: d}
}

var (
	enosys = Result{Ret: RetErrno | policy.ENOSYS, Action: policy.ActErrno, Data: policy.ENOSYS}
	eperm  = Result{Ret: RetErrno | policy.EPERM, Action: policy.ActErrno, Data: policy.EPERM}
	kill   = Result{Ret: RetKillProcess, Action: policy.ActKillProcess}
	allow  = Result{Ret: RetAllow, Action: policy.ActAllow}
)

// TestInterpreterTable runs every syscall of every covered ABI's table
// through the compiled filter, plus numbers beyond the tables, the x32 bit
// and ABIs the policy does not list.
func TestInterpreterTable(t *testing.T) {
	for _, tc := range []struct {
		machine string
		arches  []string
	}{
		{"x86_64", []string{"x86_64"}},
		{"x86_64", []string{"x86_64", "x86"}},
		{"x86_64", []string{"x86_64", "x86", "x32"}},
		{"x86_64", []string{"x86"}},
		{"x86_64", []string{"x32"}},
		{"x86_64", []string{"x86_64", "x32"}},
		{"x86", []string{"x86"}},
		{"arm", []string{"arm"}},
		{"aarch64", []string{"aarch64"}},
		{"aarch64", []string{"aarch64", "arm"}},
	} {
		t.Run(tc.machine+"/"+strings.Join(tc.arches, "+"), func(t *testing.T) {
			p := viaDocker(t, reducerPolicy(t, tc.arches, allowed))
			prog, err := Compile(p, Options{Arch: tc.machine})
			if err != nil {
				t.Fatal(err)
			}
			failures := 0
			check := func(what string, d Data, want Result) {
				t.Helper()
				got, err := prog.Run(d)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				got.Steps, got.ReadArgs = 0, false
				if got != want {
					failures++
					if failures <= 10 {
						t.Errorf("%s (nr %#x arch %#x): got %v, want %v", what, uint32(d.Nr), d.Arch, got, want)
					}
				}
			}
			covered := map[uint32]bool{}
			for _, abi := range tc.arches {
				audit, _ := AuditArch(abi)
				covered[audit] = true
				for n, nr := range table(t, abi) {
					want := expect(p.Lookup(n))
					if want != allow && want != eperm {
						t.Fatalf("%s: policy says %v; the fixture should only allow or EPERM", n, want)
					}
					check(abi+" "+n, Data{Nr: int32(nr), Arch: audit}, want)
				}
				max, _ := scmp.MaxNr(abi)
				base := 0
				if abi == "x32" {
					base = int(X32SyscallBit)
				}
				beyond := []int{max + 1, max + 2, max + 50, base + 1023, base + 0x3ffffff}
				if abi == "arm" {
					// between the ordinary table and the private
					// syscalls at 0xf0000
					beyond = append(beyond, int(armMainMax())+1, 0xeffff)
				}
				for _, nr := range beyond {
					check(fmt.Sprintf("%s beyond the table", abi), Data{Nr: int32(nr), Arch: audit}, enosys)
				}
			}
			if slices.Contains(tc.arches, "x86_64") && !slices.Contains(tc.arches, "x32") {
				check("x32 bit on an x86_64 profile without x32", Data{Nr: int32(X32SyscallBit | 1), Arch: AuditArchX86_64}, kill)
			}
			// The machine's native ABI, unlisted: runc and crun filter it
			// anyway, with the rules by name and the default for the rest.
			if native := family(tc.machine)[0]; !slices.Contains(tc.arches, native) {
				audit, _ := AuditArch(native)
				covered[audit] = true
				for n, nr := range table(t, native) {
					check(native+" (unlisted native) "+n, Data{Nr: int32(nr), Arch: audit}, expect(p.LookupArch(native, n)))
				}
				max, _ := scmp.MaxNr(native)
				check("unlisted native beyond the table", Data{Nr: int32(max + 50), Arch: audit}, enosys)
			}
			for _, audit := range []uint32{AuditArchX86_64, AuditArchI386, AuditArchAArch64, AuditArchARM, 0xdeadbeef} {
				if covered[audit] {
					continue
				}
				check(fmt.Sprintf("unlisted ABI %#x", audit), Data{Nr: 1, Arch: audit}, kill)
				check(fmt.Sprintf("unlisted ABI %#x beyond", audit), Data{Nr: 5000, Arch: audit}, kill)
			}
			if failures > 0 {
				t.Logf("%d mismatches; the filter:\n%s", failures, disasm(prog))
			}
		})
	}
}

// verdict drops Steps and ReadArgs (and the error, checked elsewhere) for
// comparisons.
func verdict(r Result, _ error) Result {
	r.Steps, r.ReadArgs = 0, false
	return r
}

// table maps every name of abi's table to its number by scanning numbers
// (scmp.Number answers some x86 socket calls with an error).
func table(t testing.TB, abi string) map[string]int {
	t.Helper()
	max, err := scmp.MaxNr(abi)
	if err != nil {
		t.Fatal(err)
	}
	base := 0
	if abi == "x32" {
		base = int(X32SyscallBit)
	}
	out := map[string]int{}
	for nr := base; nr <= max; nr++ {
		if n, ok := scmp.Name(abi, nr); ok {
			if _, dup := out[n]; !dup {
				out[n] = nr
			}
		}
	}
	names, _ := scmp.Names(abi)
	if len(out) != len(names) || len(out) < 300 {
		t.Fatalf("%s: scanned %d names, scmp.Names has %d", abi, len(out), len(names))
	}
	return out
}

// TestStubWithKillDefault: with the stub left out, libseccomp's filter gives
// numbers beyond the table the default action (ENOSYS here too, because of
// defaultErrnoRet); with a kill default the stub is what keeps ENOSYS.
func TestStubWithKillDefault(t *testing.T) {
	p := reducerPolicy(t, []string{"x86_64"}, allowed)
	p.DefaultAction = policy.ActKillProcess
	p.DefaultErrno = nil
	max, _ := scmp.MaxNr("x86_64")
	beyond := Data{Nr: int32(max + 7), Arch: AuditArchX86_64}
	with, err := Compile(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	without, err := Compile(p, Options{NoStub: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := verdict(with.Run(beyond)); r != enosys {
		t.Errorf("with stub: %v, want ENOSYS\n%s", r, disasm(with))
	}
	if r := verdict(without.Run(beyond)); r != kill {
		t.Errorf("without stub: %v, want the default (kill)", r)
	}
	nr, _ := scmp.Number("x86_64", "ptrace")
	if r := verdict(with.Run(Data{Nr: int32(nr), Arch: AuditArchX86_64})); r != eperm {
		t.Errorf("ptrace: %v, want EPERM", r)
	}
}

func TestArgumentRules(t *testing.T) {
	p := &policy.Policy{
		DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.ENOSYS), Arches: []string{"x86_64"},
		Rules: []policy.Rule{
			{Names: []string{"personality"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 0xffffffff, Op: policy.OpEqualTo}}},
			{Names: []string{"socket"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 1, Op: policy.OpEqualTo}}},
		},
	}
	prog, err := Compile(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pers, _ := scmp.Number("x86_64", "personality")
	sock, _ := scmp.Number("x86_64", "socket")
	for _, tc := range []struct {
		d    Data
		want Result
	}{
		{Data{Nr: int32(pers), Arch: AuditArchX86_64, Args: [6]uint64{0xffffffff}}, allow},
		{Data{Nr: int32(pers), Arch: AuditArchX86_64, Args: [6]uint64{8}}, enosys},
		{Data{Nr: int32(sock), Arch: AuditArchX86_64, Args: [6]uint64{1}}, allow},
		{Data{Nr: int32(sock), Arch: AuditArchX86_64, Args: [6]uint64{1 | 1<<32}}, enosys},
		{Data{Nr: int32(sock), Arch: AuditArchX86_64, Args: [6]uint64{2}}, enosys},
	} {
		if got := verdict(prog.Run(tc.d)); got != tc.want {
			t.Errorf("%+v: got %v want %v\n%s", tc.d, got, tc.want, disasm(prog))
		}
	}
}

// TestAgainstXNetVM runs the same inputs through golang.org/x/net/bpf's VM
// (an independent interpreter) and compares. That VM loads big endian, so
// every 32-bit word of seccomp_data is stored big endian at its offset.
func TestAgainstXNetVM(t *testing.T) {
	p := reducerPolicy(t, []string{"x86_64", "x86"}, allowed)
	p.Rules = append(p.Rules, policy.Rule{Names: []string{"personality"}, Action: policy.ActLog, Args: []policy.Arg{{Index: 0, Value: 8, Op: policy.OpEqualTo}}})
	prog, err := Compile(p, Options{Arch: "x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	raw := make([]bpf.RawInstruction, len(prog))
	for i, in := range prog {
		raw[i] = bpf.RawInstruction{Op: in.Code, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	insns, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatal("x/net/bpf cannot decode the program")
	}
	vm, err := bpf.NewVM(insns)
	if err != nil {
		t.Fatal(err)
	}
	pers, _ := scmp.Number("x86_64", "personality")
	n := 0
	for _, arch := range []uint32{AuditArchX86_64, AuditArchI386, AuditArchAArch64} {
		for nr := -1; nr < 520; nr++ {
			for _, arg := range []uint64{0, 8, 8 | 1<<40} {
				d := Data{Nr: int32(nr), Arch: arch, Args: [6]uint64{arg}}
				if nr == 600 {
					d.Nr = int32(X32SyscallBit | 3)
				}
				if arg != 0 && nr != pers {
					continue
				}
				le := d.Bytes()
				be := make([]byte, len(le))
				for o := 0; o < len(le); o += 4 {
					binary.BigEndian.PutUint32(be[o:], binary.LittleEndian.Uint32(le[o:]))
				}
				got, err := prog.Run(d)
				if err != nil {
					t.Fatal(err)
				}
				want, err := vm.Run(be)
				if err != nil {
					t.Fatal(err)
				}
				if got.Ret != uint32(want) {
					t.Fatalf("%+v: ours %#x, x/net/bpf %#x", d, got.Ret, uint32(want))
				}
				n++
			}
		}
	}
	if n < 1500 {
		t.Fatalf("only %d cases", n)
	}
}

func TestUnknownSyscallAndArch(t *testing.T) {
	p := reducerPolicy(t, []string{"x86_64"}, allowed)
	p.Rules = append(p.Rules, policy.Rule{Names: []string{"frobnicate"}, Action: policy.ActAllow})
	_, err := Compile(p, Options{Arch: "x86_64"})
	var u *scmp.UnknownSyscallError
	if !errors.As(err, &u) || u.Name != "frobnicate" || u.Arch != "x86_64" {
		t.Errorf("got %v, want UnknownSyscallError{frobnicate, x86_64}", err)
	}
	q := reducerPolicy(t, []string{"aarch64"}, allowed)
	if _, err := Compile(q, Options{Arch: "x86_64"}); !errors.Is(err, ErrArchNotCovered) {
		t.Errorf("aarch64 policy for x86_64: %v", err)
	}
	if _, err := Compile(q, Options{Arch: "sparc"}); !errors.Is(err, scmp.ErrUnknownArch) {
		t.Errorf("sparc: %v", err)
	}
	n := &policy.Policy{DefaultAction: policy.ActNotify, Arches: []string{"x86_64"}}
	if _, err := Compile(n, Options{}); err == nil {
		t.Error("notify default compiled without a listener")
	}
}

func TestDeterministicAndGolden(t *testing.T) {
	p := &policy.Policy{
		DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.ENOSYS), Arches: []string{"x86_64", "x86"},
		Rules: []policy.Rule{
			{Names: []string{"read", "write", "exit_group", "socketcall"}, Action: policy.ActAllow},
			{Names: []string{"ptrace", "getppid"}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM)},
			{Names: []string{"personality"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 0xffffffff, Op: policy.OpEqualTo}}},
		},
	}
	a, err := Compile(p, Options{Arch: "x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	p.Rules[0].Names = []string{"socketcall", "exit_group", "write", "read", "read"}
	b, err := Compile(p, Options{Arch: "x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same policy compiled twice gives other bytes")
	}
	back, err := Parse(a.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.Bytes(), a.Bytes()) {
		t.Error("Parse(Bytes()) changed the program")
	}
	checkGolden(t, "filter-x86_64.bpf", a.Bytes())
	checkGolden(t, "filter-x86_64.disasm.txt", []byte(disasm(a)))
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	opts := []golden.Option{golden.Note("libseccomp " + scmp.LibraryVersion())}
	if strings.HasSuffix(name, ".bpf") {
		opts = append(opts, golden.Shown("(raw filter; compare the .disasm.txt golden file)"))
	}
	golden.Check(t, filepath.Join(goldenDir, name), got, opts...)
}

func TestCheckRefuses(t *testing.T) {
	ok := Program{ldAbs(offNr), ret(RetAllow)}
	for name, tc := range map[string]struct {
		raw  []byte
		want string
	}{
		"empty":        {nil, "empty"},
		"odd length":   {ok.Bytes()[:12], "multiple of 8"},
		"load outside": {Program{ldAbs(64), ret(RetAllow)}.Bytes(), "outside seccomp_data"},
		"unaligned":    {Program{ldAbs(2), ret(RetAllow)}.Bytes(), "unaligned"},
		"jump out":     {Program{jeq(1, 5, 0), ret(RetAllow)}.Bytes(), "jump out"},
		"ja out":       {Program{ja(3), ret(RetAllow)}.Bytes(), "jump out"},
		"no ret":       {Program{ldAbs(0)}.Bytes(), "not a return"},
		"bad opcode":   {Program{{Code: 0x28, K: 0}, ret(RetAllow)}.Bytes(), "not allowed"}, // ldh: packet loads of 16 bits
		"scratch":      {Program{{Code: clsST, K: 16}, ret(RetAllow)}.Bytes(), "scratch"},
		"div zero":     {Program{{Code: clsALU | aluDIV | srcK, K: 0}, ret(RetAllow)}.Bytes(), "division"},
		"shift":        {Program{{Code: clsALU | aluLSH | srcK, K: 32}, ret(RetAllow)}.Bytes(), "shift"},
	} {
		if _, err := Parse(tc.raw); !errors.Is(err, ErrBadProgram) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want ErrBadProgram with %q", name, err, tc.want)
		}
	}
	if _, err := Parse(ok.Bytes()); err != nil {
		t.Errorf("valid program refused: %v", err)
	}
}

func TestDisassemblyNames(t *testing.T) {
	p := reducerPolicy(t, []string{"x86_64", "x86"}, []string{"read", "socketcall"})
	prog, err := Compile(p, Options{Arch: "x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	out := disasm(prog)
	for _, want := range []string{"A = seccomp_data.arch", "A = seccomp_data.nr", "AUDIT_ARCH_X86_64", "AUDIT_ARCH_I386",
		"read (x86_64)", "read (x86)", "socketcall (x86)", "ptrace (x86_64)", "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO(1) EPERM",
		"SCMP_ACT_ERRNO(38) ENOSYS", "SCMP_ACT_KILL_PROCESS", "__X32_SYSCALL_BIT", "beyond the x86_64 table"} {
		if !strings.Contains(out, want) {
			t.Errorf("disassembly lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
}

// FuzzRun: the interpreter never panics on a program that passed Check.
func FuzzRun(f *testing.F) {
	p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64"},
		Rules: []policy.Rule{{Names: []string{"read"}, Action: policy.ActAllow}}}
	prog, err := Compile(p, Options{Arch: "x86_64"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(prog.Bytes(), int32(0), uint32(AuditArchX86_64))
	f.Add(Program{{Code: clsALU | aluDIV | srcX}, ret(RetAllow)}.Bytes(), int32(1), uint32(0))
	f.Fuzz(func(t *testing.T, raw []byte, nr int32, arch uint32) {
		prog, err := Parse(raw)
		if err != nil {
			return
		}
		if _, err := prog.Run(Data{Nr: nr, Arch: arch}); err != nil {
			t.Fatalf("checked program failed to run: %v", err)
		}
		var b strings.Builder
		if err := Disassemble(&b, prog); err != nil {
			t.Fatal(err)
		}
	})
}

// TestTreeMatchesLinear: the binary-search layout (default) answers exactly
// like libseccomp's linear one (what runc and crun load) for every number
// and ABI tried, and runs far fewer instructions.
func TestTreeMatchesLinear(t *testing.T) {
	arches := []string{"x86_64", "x86", "x32"}
	p := reducerPolicy(t, arches, allowed)
	p.Rules = append(p.Rules, policy.Rule{Names: []string{"personality"}, Action: policy.ActAllow,
		Args: []policy.Arg{{Index: 0, Value: 8, Op: policy.OpEqualTo}}})
	tree, err := Compile(p, Options{Arch: "x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	linear, err := Compile(p, Options{Arch: "x86_64", Linear: true})
	if err != nil {
		t.Fatal(err)
	}
	var treeSteps, linearSteps int
	for _, arch := range []uint32{AuditArchX86_64, AuditArchI386, AuditArchAArch64} {
		for _, bit := range []int32{0, int32(X32SyscallBit)} {
			for nr := int32(-1); nr < 1100; nr++ {
				for _, arg := range []uint64{0, 8} {
					d := Data{Nr: nr | bit, Arch: arch, Args: [6]uint64{arg}}
					a, err := tree.Run(d)
					if err != nil {
						t.Fatal(err)
					}
					b, err := linear.Run(d)
					if err != nil {
						t.Fatal(err)
					}
					if a.Ret != b.Ret {
						t.Fatalf("%+v: tree %v, linear %v", d, a, b)
					}
					treeSteps += a.Steps
					linearSteps += b.Steps
				}
			}
		}
	}
	t.Logf("instructions run: tree %d, linear %d", treeSteps, linearSteps)
	if treeSteps*3 > linearSteps {
		t.Errorf("the binary search runs %d instructions, the linear filter %d: not much faster", treeSteps, linearSteps)
	}
}

// TestOverlappingRules: a name in several rules gets the answer of the first
// one in file order (what runc and crun load, policy/doc.go), in both layouts,
// and canonicalising the policy does not change that answer.
func TestOverlappingRules(t *testing.T) {
	p := &policy.Policy{DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.ENOSYS), Arches: []string{"x86_64"},
		Rules: []policy.Rule{
			{Names: []string{"getppid", "uname"}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM)},
			{Names: []string{"getppid", "read"}, Action: policy.ActAllow},
			{Names: []string{"uname"}, Action: policy.ActKillProcess},
		}}
	c := *p
	c.Rules = append([]policy.Rule(nil), p.Rules...)
	c.Canonicalize()
	for _, linear := range []bool{false, true} {
		prog, err := Compile(p, Options{Arch: "x86_64", Linear: linear})
		if err != nil {
			t.Fatal(err)
		}
		fileOrder := map[string]policy.Action{"getppid": policy.ActErrno, "uname": policy.ActErrno, "read": policy.ActAllow, "write": policy.ActErrno}
		for _, n := range []string{"getppid", "uname", "read", "write"} {
			nr, _ := scmp.Number("x86_64", n)
			got := verdict(prog.Run(Data{Nr: int32(nr), Arch: AuditArchX86_64}))
			if want := expect(c.Lookup(n)); got != want {
				t.Errorf("linear=%v %s: filter %v, canonical policy %v\n%s", linear, n, got, want, disasm(prog))
			}
			if a := p.Lookup(n).Action; a != fileOrder[n] {
				t.Errorf("%s: policy says %s, file order %s", n, a, fileOrder[n])
			}
		}
	}
}

// TestBlockListNoStub: under an allow default, numbers beyond the table are
// allowed (runc adds no stub there either); listed ones are still denied.
func TestBlockListNoStub(t *testing.T) {
	p := &policy.Policy{DefaultAction: policy.ActAllow, Arches: []string{"x86_64"},
		Rules: []policy.Rule{{Names: []string{"ptrace"}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM)}}}
	prog, err := Compile(p, Options{Arch: "x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	max, _ := scmp.MaxNr("x86_64")
	nr, _ := scmp.Number("x86_64", "ptrace")
	for _, tc := range []struct {
		d    Data
		want Result
	}{
		{Data{Nr: int32(max + 1), Arch: AuditArchX86_64}, allow},
		{Data{Nr: int32(nr), Arch: AuditArchX86_64}, eperm},
		{Data{Nr: 0, Arch: AuditArchI386}, kill},
	} {
		if got := verdict(prog.Run(tc.d)); got != tc.want {
			t.Errorf("%+v: got %v want %v\n%s", tc.d, got, tc.want, disasm(prog))
		}
	}
}

// TestARMGap: with a kill default, numbers between ARM's ordinary table and
// its private syscalls (0xf0000) get ENOSYS from the stub, and the private
// ones the policy's answer.
func TestARMGap(t *testing.T) {
	p := reducerPolicy(t, []string{"arm"}, []string{"read", "set_tls"})
	p.DefaultAction = policy.ActKillProcess
	p.DefaultErrno = nil
	prog, err := Compile(p, Options{Arch: "arm"})
	if err != nil {
		t.Fatal(err)
	}
	tab := table(t, "arm")
	for _, tc := range []struct {
		nr   int
		want Result
	}{
		{int(armMainMax()) + 1, enosys},
		{0xeffff, enosys},
		{0xf0000, kill}, // a hole inside the table: the default, as for holes in every table
		{tab["set_tls"], allow},
		{tab["cacheflush"], eperm},
		{0xf0100, enosys},
		{tab["read"], allow},
	} {
		if got := verdict(prog.Run(Data{Nr: int32(tc.nr), Arch: AuditArchARM})); got != tc.want {
			t.Errorf("nr %#x: got %v want %v\n%s", tc.nr, got, tc.want, disasm(prog))
		}
	}
}

// A filter is for one machine: with AllArches, ABIs the machine does not
// run are an error instead of being left out; the machine's own compat
// ABIs (x86 and x32 on x86_64) are all in the filter.
func TestAllArches(t *testing.T) {
	mixed := reducerPolicy(t, []string{"x86_64", "aarch64"}, allowed)
	if _, err := Compile(mixed, Options{Arch: "x86_64"}); err != nil {
		t.Errorf("without AllArches: %v", err)
	}
	_, err := Compile(mixed, Options{Arch: "x86_64", AllArches: true})
	if !errors.Is(err, ErrArchLeftOut) || !strings.Contains(err.Error(), "aarch64 (a filter for x86_64 runs x86_64, x86, x32)") {
		t.Errorf("x86_64+aarch64 for x86_64: %v", err)
	}
	if _, err := Compile(reducerPolicy(t, []string{"arm", "x86"}, allowed), Options{Arch: "arm", AllArches: true}); !errors.Is(err, ErrArchLeftOut) {
		t.Errorf("arm+x86 for arm: %v", err)
	}
	compat := reducerPolicy(t, []string{"x32", "x86"}, allowed)
	prog, err := Compile(compat, Options{Arch: "x32", AllArches: true})
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFilter(prog)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"x86_64", "x86", "x32"} {
		if !f.Covers(a) {
			t.Errorf("x32+x86 filter does not cover %s (covers %v)", a, f.Arches())
		}
	}
}

// The header counts a one-instruction program in the singular.
func TestDisassembleHeaderCount(t *testing.T) {
	for n, want := range map[int]string{1: "; 1 instruction (8 bytes)\n", 2: "; 2 instructions (16 bytes)\n"} {
		p := make(Program, n)
		for i := range p {
			p[i] = Instruction{Code: 0x06, K: RetKillProcess} // ret #KILL_PROCESS
		}
		var b strings.Builder
		if err := Disassemble(&b, p); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(b.String(), want) {
			t.Errorf("%d instructions: header %q, want %q", n, strings.SplitAfter(b.String(), "\n")[0], want)
		}
	}
}

// TestStubX32: under a profile covering x32 the stub answers ENOSYS above
// x32's table (numbers with the x32 bit), as above x86_64's; x32's known
// syscalls the rules do not name get the default.
func TestStubX32(t *testing.T) {
	p := &policy.Policy{DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.EPERM), Arches: []string{"x86_64", "x32"},
		Rules: []policy.Rule{{Names: []string{"read", "exit_group"}, Action: policy.ActAllow}}}
	prog, err := Compile(p, Options{Arch: "x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	max, err := scmp.MaxNr("x32")
	if err != nil {
		t.Fatal(err)
	}
	read, _ := scmp.Number("x32", "read")
	for _, tc := range []struct {
		d    Data
		want Result
	}{
		{Data{Nr: int32(max + 1), Arch: AuditArchX86_64}, enosys},
		{Data{Nr: int32(max), Arch: AuditArchX86_64}, eperm},
		{Data{Nr: int32(read), Arch: AuditArchX86_64}, allow},
	} {
		if got := verdict(prog.Run(tc.d)); got != tc.want {
			t.Errorf("%#x: got %v want %v\n%s", uint32(tc.d.Nr), got, tc.want, disasm(prog))
		}
	}
}

// Run counts the instructions it executes, the return included (bench
// reports them), and says whether the answer may depend on more than nr and
// arch: the kernel's action cache (seccomp_is_const_allow) gives up at a
// load of any other word of seccomp_data, the instruction pointer included.
func TestRunStepsAndReadArgs(t *testing.T) {
	for i, tc := range []struct {
		prog     Program
		steps    int
		readArgs bool
	}{
		{Program{ldAbs(offNr), ldAbs(offArch), ret(RetAllow)}, 3, false},
		{Program{ldAbs(offNr), ja(1), ret(RetKillThread), ret(RetAllow)}, 3, false},
		{Program{ldAbs(offNr), jeq(1, 0, 1), ret(RetKillThread), ret(RetAllow)}, 3, false},
		{Program{ldAbs(offIP), ret(RetAllow)}, 2, true},
		{Program{ldAbs(offIP + 4), ret(RetAllow)}, 2, true},
		{Program{ldAbs(offArgs + 44), ldAbs(offNr), ret(RetAllow)}, 3, true},
	} {
		r, err := tc.prog.Run(Data{Nr: 0, Arch: AuditArchX86_64})
		if err != nil {
			t.Fatal(err)
		}
		if r.Steps != tc.steps || r.ReadArgs != tc.readArgs || r.Action != policy.ActAllow {
			t.Errorf("program %d: %v in %d steps, ReadArgs %v; want SCMP_ACT_ALLOW in %d, %v\n%s", i, r, r.Steps, r.ReadArgs, tc.steps, tc.readArgs, disasm(tc.prog))
		}
	}
}

// TestDisassembleRaw disassembles hand-written programs with instructions
// libseccomp does not emit (they come in raw filters): the ALU operations
// with both operands, neg, txa (after which A no longer holds nr), ret of
// TRACE with data and TRAP without, a jset on nr that is not the x32 bit,
// a number no table has, and paths on which the ABI is not known: not
// after comparing nr (rather than arch) with an AUDIT_ARCH value, not
// where the paths of two ABIs join; and, where A holds arch on one path and
// nr on the other, no AUDIT_ARCH name.
func TestDisassembleRaw(t *testing.T) {
	lines := func(p Program) map[int]string {
		out := map[int]string{}
		for _, l := range strings.Split(disasm(p), "\n") {
			var pc int
			if _, err := fmt.Sscanf(l, "%04d:", &pc); err == nil {
				out[pc] = strings.TrimSpace(l[len("0000:"):])
			}
		}
		return out
	}
	mnem := func(op uint16, k uint32) Instruction { return Instruction{Code: op, K: k} }
	one := Program{
		ldAbs(offArch),
		jeq(AuditArchX86_64, 0, 12),
		ldAbs(offNr),
		jeq(0, 0, 1),
		ret(RetTrace | 5),
		jset(1, 0, 0),
		jeq(999, 0, 0),
		mnem(clsMISC|miscTXA, 0),
		jeq(1, 0, 0),
		ldAbs(offNr),
		mnem(clsALU|aluNEG, 0),
		jeq(1, 0, 0),
		mnem(clsALU|aluADD|srcX, 0),
		ret(RetTrap),
		ldAbs(offNr),
		jeq(AuditArchX86_64, 0, 1),
		jeq(0, 0, 0),
		mnem(clsALU|aluADD|srcK, 5),
		ret(RetAllow),
	}
	two := Program{
		ldAbs(offArch),
		jeq(AuditArchX86_64, 1, 0),
		jeq(AuditArchI386, 0, 3),
		ldAbs(offNr),
		jeq(0, 0, 0),
		ret(RetAllow),
		ret(RetKillProcess),
	}
	// A holds arch on one path to 3, nr on the other.
	three := Program{
		ldAbs(offArch),
		jeq(0, 1, 0),
		ldAbs(offNr),
		jeq(AuditArchX86_64, 0, 0),
		ret(RetAllow),
	}
	for _, c := range []struct {
		prog Program
		pc   int
		want string // the line after the index; "=" for a line with no comment
	}{
		{one, 3, "; read (x86_64)"},
		{one, 4, "; SCMP_ACT_TRACE(5)"},
		{one, 5, "="},
		{one, 6, "; unknown syscall 999 (x86_64)"},
		{one, 8, "="},
		{one, 10, "neg"},
		{one, 11, "="},
		{one, 12, "add  x"},
		{one, 13, "; SCMP_ACT_TRAP"},
		{one, 16, "="},
		{one, 17, "add  #0x5"},
		{two, 1, "; AUDIT_ARCH_X86_64"},
		{two, 2, "; AUDIT_ARCH_I386"},
		{two, 4, "="},
		{three, 3, "="},
	} {
		got := lines(c.prog)[c.pc]
		ok := strings.HasSuffix(got, c.want)
		if c.want == "=" {
			ok = !strings.Contains(got, ";")
		}
		if !ok {
			t.Errorf("instruction %d: %q, want it to end in %q (\"=\": no comment)\n%s", c.pc, got, c.want, disasm(c.prog))
		}
	}
}
