package policy

import (
	"math/rand"
	"reflect"
	"testing"
)

// TestViewAnswersAsPolicy: a View's rules per syscall (what RuleConditions
// and EvalFunc answer from) are the Policy's, on 64-bit, 32-bit and x86
// (multiplexing) ABIs, for many random policies whose rules name some
// syscalls twice, multiplexed calls and the multiplexers themselves; and
// check's lookup by occurrences (libRulesDirect) is libRulesAt's.
func TestViewAnswersAsPolicy(t *testing.T) {
	rnd := rand.New(rand.NewSource(13))
	names := []string{"read", "socket", "connect", "socketcall", "semop", "ipc", "send"}
	acts := []struct {
		a Action
		e *uint
	}{{ActAllow, nil}, {ActErrno, nil}, {ActErrno, Errno(1)}, {ActErrno, Errno(38)}, {ActKillProcess, nil}, {ActLog, nil}}
	ops := []Op{OpEqualTo, OpNotEqual, OpLessThan, OpMaskedEqual}
	n := 5000
	if testing.Short() {
		n = 500
	}
	nonEmpty := 0
	for i := 0; i < n; i++ {
		d := acts[rnd.Intn(len(acts))]
		p := &Policy{DefaultAction: d.a, DefaultErrno: d.e, Arches: []string{"x86_64", "x86"}}
		for r := rnd.Intn(8); r > 0; r-- {
			a := acts[rnd.Intn(len(acts))]
			rule := Rule{Action: a.a, Errno: a.e}
			for k := 1 + rnd.Intn(5); k > 0; k-- {
				rule.Names = append(rule.Names, names[rnd.Intn(len(names))]) // repeats too
			}
			for c := rnd.Intn(3); c > 0; c-- {
				rule.Args = append(rule.Args, Arg{Index: uint(rnd.Intn(3)), Op: ops[rnd.Intn(len(ops))], Value: uint64(rnd.Intn(3)) << (32 * rnd.Intn(2)), ValueTwo: uint64(rnd.Intn(3))})
			}
			p.Rules = append(p.Rules, rule)
		}
		v := p.View()
		occ := p.occurrences()
		for _, arch := range []string{"x86_64", "x86", "arm", "aarch64"} {
			for _, name := range append(names, "write") {
				want, got := p.libRulesFor(arch, name), v.libRulesFor(arch, name)
				if !reflect.DeepEqual(want, got) {
					t.Fatalf("%s %s: View %+v, Policy %+v\nrules %+v", arch, name, got, want, p.Rules)
				}
				if len(want) > 0 {
					nonEmpty++
				}
				var idx []int
				for _, j := range occ[name] {
					if len(idx) == 0 || idx[len(idx)-1] != j {
						idx = append(idx, j)
					}
				}
				bits := ArgBits(arch)
				if a, b := p.libRulesAt(name, idx, bits, false), p.libRulesDirect(occ[name], bits); !reflect.DeepEqual(a, b) {
					t.Fatalf("%s %s: libRulesDirect %+v, libRulesAt %+v\nrules %+v", arch, name, b, a, p.Rules)
				}
			}
		}
	}
	if nonEmpty < n {
		t.Fatalf("only %d non-empty rule lists in %d policies: the test compares nothing much", nonEmpty, n)
	}
}
