package verdict

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seccomp-gen/seccomp-gen/reduce"
)

// A raw filter ('generate --format bpf') carries no rules, only its
// answers. For a syscall it allows only for some argument values, the
// values that matter are found by asking it: each restricted argument (a
// reduce.ArgSpecs entry) takes the values its probes put there and the
// recorded ones, in every combination with the other restricted argument
// (socket's domain and type are tested together).

// maxFilterCombos bounds the runs of the filter per question (a run of a
// generated filter takes about 0.2 µs).
const maxFilterCombos = 1 << 20

// filterArgs holds the candidate values of the restricted arguments of one
// syscall of a raw filter.
type filterArgs struct {
	a    Answerer
	arch string
	nr   int
	idx  []int            // restricted argument indexes
	vals map[int][]uint64 // candidate values per index
}

func newFilterArgs(a Answerer, e *Entry) *filterArgs {
	f := &filterArgs{a: a, arch: e.Arch, nr: e.Nr, vals: map[int][]uint64{}}
	for _, s := range reduce.ArgSpecs() {
		if s.Syscall == e.Name && s.Restrict && s.Index >= 0 && s.Index <= 5 {
			f.idx = append(f.idx, s.Index)
		}
	}
	for _, i := range f.idx {
		set := map[uint64]bool{0: true}
		for _, p := range a.Probes(e.Arch, e.Nr) {
			set[p[i]] = true
		}
		for _, av := range e.args {
			if av.Index == i {
				for _, v := range av.Values {
					set[v] = true
				}
			}
		}
		vs := make([]uint64, 0, len(set))
		for v := range set {
			vs = append(vs, v)
		}
		slices.Sort(vs)
		f.vals[i] = vs
	}
	return f
}

// allows reports whether the filter lets the syscall run for some
// combination of candidate values, argument fix (when >= 0) being v.
func (f *filterArgs) allows(fix int, v uint64) bool {
	var free []int
	n := 1
	for _, i := range f.idx {
		if i != fix {
			free = append(free, i)
			n *= len(f.vals[i])
		}
	}
	if n > maxFilterCombos {
		// Too many: each free argument alone, the others 0.
		for _, i := range free {
			for _, w := range f.vals[i] {
				var args [6]uint64
				if fix >= 0 {
					args[fix] = v
				}
				args[i] = w
				if allowingVerdict(f.a.Answer(f.arch, f.nr, args)) {
					return true
				}
			}
		}
		return false
	}
	var args [6]uint64
	if fix >= 0 {
		args[fix] = v
	}
	var try func(k int) bool
	try = func(k int) bool {
		if k == len(free) {
			return allowingVerdict(f.a.Answer(f.arch, f.nr, args))
		}
		for _, w := range f.vals[free[k]] {
			args[free[k]] = w
			if try(k + 1) {
				return true
			}
		}
		return false
	}
	return try(0)
}

// narrow keeps, of e's argument denials, those whose value the filter
// denies whatever the other restricted argument is (as narrowArgDenials
// does for a policy); when each value is allowed with some other value (a
// combination the filter denies), all of them. It also notes, per blamed
// argument, the candidate values the filter does allow (ExplainArgs).
func (f *filterArgs) narrow(e *Entry) {
	narrowWith(e, func(i int, v uint64) bool { return !f.allows(i, v) })
	for _, d := range e.ArgDenied {
		if d.Pair {
			// What the filter allows with the pair's first value, of
			// the other argument's candidate values.
			spec := specOf(e.Name, d.PairIndex)
			var names []string
			allowsWith := func(w uint64) bool {
				var args [6]uint64
				args[d.Index], args[d.PairIndex] = d.Value, w
				return allowingVerdict(f.a.Answer(f.arch, f.nr, args))
			}
			for _, w := range f.vals[d.PairIndex] {
				if spec.Int && w > 0xffffffff && allowsWith(w&0xffffffff) {
					continue // named by its low word
				}
				if allowsWith(w) {
					names = append(names, filterValueName(spec, w))
				}
			}
			if e.filterPairAllows == nil {
				e.filterPairAllows = map[uint64]string{}
			}
			if names = uniq(names); len(names) > 0 {
				e.filterPairAllows[d.Value] = allowedList(names)
			}
			continue
		}
		spec, ok := reduce.FindArgSpec(e.Name, d.Index)
		if !ok {
			continue
		}
		var names []string
		for _, v := range f.vals[d.Index] {
			if spec.Int && v > 0xffffffff && f.allows(d.Index, v&0xffffffff) {
				// An int argument whose low word is allowed: the same
				// value to the kernel, named once. One allowed only
				// with its upper half (a rule's 0x100000008 on x86_64)
				// is named whole: "no value" said the filter allows none.
				continue
			}
			if f.allows(d.Index, v) {
				names = append(names, filterValueName(spec, v))
			}
		}
		names = uniq(names)
		if e.filterAllows == nil {
			e.filterAllows = map[int]string{}
		}
		e.filterAllows[d.Index] = allowedList(names)
	}
}

// filterValueName names a value the filter allows: the bits outside the
// mask (SOCK_CLOEXEC) do not make another value, but an int's upper half,
// which only a value allowed without its low word alone gets here, does.
func filterValueName(spec reduce.ArgSpec, v uint64) string {
	if spec.Int && v > 0xffffffff {
		return spec.ValueName(v)
	}
	return spec.ValueName(v & spec.Mask)
}

// allowedList renders allowed values as AllowedValues does.
func allowedList(vals []string) string {
	switch len(vals) {
	case 0:
		return "no value"
	case 1:
		return vals[0] + " only"
	}
	if len(vals) > 8 {
		vals = append(vals[:8:8], fmt.Sprintf("and %d more", len(vals)-8))
	}
	return strings.Join(vals, ", ")
}

// covers is CheckCoverageOf's last try for a syscall whose probes one
// argument at a time found no allowed call: every combination of the
// restricted arguments' candidate values.
// One recorded value held while the other arguments take every candidate
// value first, which is cheap and finds what a rule on two arguments allows
// next to one recorded value.
func (f *filterArgs) covers(e *Entry) bool {
	if len(f.idx) < 2 {
		return false // the probes tried every candidate value already
	}
	for _, av := range e.args {
		if !slices.Contains(f.idx, av.Index) {
			continue
		}
		for _, v := range av.Values {
			if f.allows(av.Index, v) {
				return true
			}
		}
	}
	return f.allows(-1, 0)
}
