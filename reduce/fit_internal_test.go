package reduce

import (
	"regexp"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/internal/argfixture"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

var instructionsRE = regexp.MustCompile(`(\d+) instructions`)

// TestFitSizesShrink checks what the search (fit.go) takes for granted
// on every step of the fixtures: where a step gives no syscall more
// conditional rules or conditions (shrinks), the filter libseccomp builds
// for the runtimes (file order, linear layout, every ABI) does not get
// longer. It also shows that the fixtures have steps where the filter does
// get longer (a pair's second argument restricted alone), and that shrinks
// says no to them.
//
// The size is that of the canonical policy's filter, what Validate
// checks (finish canonicalises first); shrinks reads the rules as built.
// The fixtures run in parallel; TestFitMatchesGreedy compiles the same
// canonical policies (cbpf caches verified filters, so whichever test
// gets to a step first compiles it).
func TestFitSizesShrink(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: compiles every step of every fixture (about 30 s of CPU)")
	}
	t.Parallel()
	fixtures, err := argfixture.All(scmp.Tables{}.Number)
	if err != nil {
		t.Fatal(err)
	}
	var grew atomic.Int64
	// The group returns when its parallel subtests are done.
	t.Run("fixtures", func(t *testing.T) {
		for _, f := range fixtures {
			t.Run(f.Name, func(t *testing.T) {
				t.Parallel()
				grew.Add(int64(fitSizesShrink(t, f)))
			})
		}
	})
	if grew.Load() == 0 && !t.Failed() {
		t.Error("no step of the fixtures makes the filter longer: the case the search compiles around is not covered")
	}
}

// fitSizesShrink checks f's steps (TestFitSizesShrink) and returns how
// many make the filter longer.
func fitSizesShrink(t *testing.T, f argfixture.Fixture) (grew int) {
	var inputs []Input
	for p, tf := range f.Traces {
		inputs = append(inputs, Input{Path: p, File: tf})
	}
	opts := Options{Native: "x86_64", Arches: f.Arches}
	s, err := newFitStep(inputs, opts, scmp.Tables{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	steps := []*fitStep{s}
	for {
		spec, ok := nextDrop(steps[len(steps)-1])
		if !ok {
			break
		}
		shrink := map[string]map[int]bool{spec.Syscall: {spec.Index: true}}
		for n, idx := range steps[len(steps)-1].shrink {
			for i := range idx {
				if shrink[n] == nil {
					shrink[n] = map[int]bool{}
				}
				shrink[n][i] = true
			}
		}
		s, err := newFitStep(inputs, opts, scmp.Tables{}, shrink)
		if err != nil {
			t.Fatal(err)
		}
		steps = append(steps, s)
	}
	sizes := make([]int, len(steps))
	// Last step first: TestFitMatchesGreedy compiles from the first, so
	// the two share the work instead of waiting for each other.
	for i := len(steps) - 1; i >= 0; i-- {
		s := steps[i]
		c := *s.p
		c.Rules = slices.Clone(s.p.Rules)
		c.Canonicalize()
		prog, err := cbpf.Compile(&c, cbpf.Options{Linear: true, SkipUnknown: true, AllArches: true, NoStub: true})
		switch m := instructionsRE.FindStringSubmatch(errString(err)); {
		case err == nil:
			sizes[i] = len(prog)
		case m != nil:
			sizes[i], _ = strconv.Atoi(m[1])
		default:
			t.Fatalf("%s step %d: %v", f.Name, i, err)
		}
	}
	t.Logf("%s: %v", f.Name, sizes)
	for j := 1; j < len(steps); j++ {
		ok := shrinks(steps[j-1], steps[j])
		if ok && sizes[j] > sizes[j-1] {
			t.Errorf("%s: step %d (%v) shrinks the rules, yet the filter grew from %d to %d instructions", f.Name, j, steps[j].shrink, sizes[j-1], sizes[j])
		}
		if sizes[j] > sizes[j-1] {
			grew++
		}
	}
	return grew
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
