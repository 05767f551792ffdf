package reduce_test

import (
	"errors"
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
