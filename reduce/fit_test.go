package reduce_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/internal/argfixture"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/reduce"
)

// fitCase is a fixture reduced as generate reduces it: for the runtimes'
// filter (--format docker), or also for seccomp-gen's own (bpf).
type fitCase struct {
	name   string
	inputs []reduce.Input
	opts   reduce.Options
}

func fitCases(t testing.TB) []fitCase {
	t.Helper()
	fixtures, err := argfixture.All(tables.Number)
	if err != nil {
		t.Fatal(err)
	}
	var out []fitCase
	for _, f := range fixtures {
		var inputs []reduce.Input
		for p, tf := range f.Traces {
			inputs = append(inputs, reduce.Input{Path: p, File: tf})
		}
		for _, bpf := range []bool{false, true} {
			c := fitCase{name: f.Name + "/docker", inputs: inputs, opts: reduce.Options{Native: "x86_64", Arches: f.Arches}}
			if bpf {
				c.name = f.Name + "/bpf"
				c.opts.Fits = bpfFits
			}
			out = append(out, c)
		}
	}
	return out
}

// bpfFits is generate's check for --format bpf: seccomp-gen's own filter
// must fit too.
func bpfFits(p *policy.Policy) error {
	_, err := cbpf.Compile(p, cbpf.Options{AllArches: true})
	if errors.Is(err, policy.ErrFilterTooLarge) {
		return err
	}
	return nil
}

func BenchmarkReduceFit(b *testing.B) {
	for _, c := range fitCases(b) {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := reduce.Reduce(c.inputs, c.opts, tables); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestFitMatchesGreedy: the search returns what dropping one argument
// rule at a time, compiling each time, returns (reduce.ReduceGreedy, the
// loop Reduce had), on every fixture of internal/argfixture, for the
// runtimes' filter and for --format bpf's own: the same Result (rules
// dropped, report, policy) or the same error.
//
// The fixtures run in parallel (the work is libseccomp compiling, one
// filter per goroutine); a fixture's bpf case runs after its docker case,
// whose filters it checks again (cbpf caches verified filters).
func TestFitMatchesGreedy(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the reference drops one rule at a time and compiles each (about 40 s of CPU)")
	}
	t.Parallel()
	byFixture := map[string][]fitCase{}
	var order []string
	for _, c := range fitCases(t) {
		f, _, _ := strings.Cut(c.name, "/")
		if byFixture[f] == nil {
			order = append(order, f)
		}
		byFixture[f] = append(byFixture[f], c)
	}
	for _, f := range order {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			for _, c := range byFixture[f] {
				_, format, _ := strings.Cut(c.name, "/")
				t.Run(format, func(t *testing.T) { testFitMatchesGreedy(t, c) })
			}
		})
	}
}

// testFitMatchesGreedy compares the search with the reference on c.
func testFitMatchesGreedy(t *testing.T, c fitCase) {
	// The search first: the reference then compiles what the search did
	// not (cbpf caches verified filters).
	got, gotErr := reduce.Reduce(c.inputs, c.opts, tables)
	want, wantErr := reduce.ReduceGreedy(c.inputs, c.opts, tables)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("error %v, one rule at a time %v", gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("results differ:\nsearch:        %s\none at a time: %s", droppedToFit(got), droppedToFit(want))
	}
	if n := len(droppedToFit(want)); n == 0 && c.name != "bpf-only/docker" {
		t.Errorf("the fixture drops no rule to fit")
	} else if n > 0 && c.name == "bpf-only/docker" {
		t.Errorf("%d rules dropped for the runtimes' filter, want none (only --format bpf's filter is too long)", n)
	}
}

// droppedToFit lists the arguments a result left unrestricted to fit.
func droppedToFit(res *reduce.Result) []string {
	var out []string
	if res == nil {
		return nil
	}
	for _, ar := range res.ArgRules {
		if ar.Unrestricted && strings.Contains(ar.Why, "longer than the 4096 instructions") {
			out = append(out, fmt.Sprintf("%s/%d", ar.Spec.Syscall, ar.Spec.Index))
		}
	}
	return out
}
