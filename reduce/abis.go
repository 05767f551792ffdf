package reduce

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/seccomp-gen/seccomp-gen/trace"
)

// ABIUse is what the traces did on one ABI: how many distinct syscalls
// (after thresholds), which programs issued them, in which traces.
type ABIUse struct {
	Arch     string
	Syscalls int
	// Programs are the executables (or, when the trace cannot tell, the
	// program names) that issued them first, sorted.
	Programs []string
	Traces   []string // sorted
}

func (u ABIUse) String() string {
	progs := ""
	if len(u.Programs) > 0 {
		progs = " by " + strings.Join(u.Programs, ", ")
	}
	return fmt.Sprintf("%d distinct syscall(s) on %s%s (in %s)", u.Syscalls, u.Arch, progs, someTraces(u.Traces))
}

// someTraces names the first three traces and counts the rest: a line
// naming each of thousands of merged traces is unreadable.
func someTraces(traces []string) string {
	const shown = 3
	if len(traces) <= shown+1 {
		return strings.Join(traces, ", ")
	}
	return fmt.Sprintf("%s and %d more traces", strings.Join(traces[:shown], ", "), len(traces)-shown)
}

// UncoveredABIError says that the traces hold syscalls of an ABI that
// Arches leaves out while it covers another ABI of the same machine (x86
// left out, x86_64 covered). On that machine runc and crun kill every
// syscall of an ABI the profile does not list, so the programs that issued
// them would die at their first syscall. It matches ErrUncoveredABI and
// ErrInput.
type UncoveredABIError struct {
	ABIs []UncoveredABI
}

// UncoveredABI is one left-out ABI and the covered ABI of its machine.
type UncoveredABI struct {
	ABIUse
	Covered string // an ABI of the same machine that Arches covers
}

// ErrUncoveredABI is matched by an *UncoveredABIError.
var ErrUncoveredABI = inputSentinel("traced ABI left out")

func (e *UncoveredABIError) Error() string { return e.Named(fieldName) }

// Named implements Namer.
func (e *UncoveredABIError) Named(name func(string) string) string {
	var parts, add, drop []string
	for _, u := range e.ABIs {
		parts = append(parts, fmt.Sprintf("%s, but %s covers %s and leaves %s out: on a %s machine runc and crun kill every %s syscall, so those programs would die",
			u.ABIUse, name("Arches"), u.Covered, u.Arch, primary(u.Arch), u.Arch))
		add = append(add, name("Arches")+" "+u.Arch)
		drop = append(drop, name("DropArches")+" "+u.Arch)
	}
	return fmt.Sprintf("the traces hold %s; cover it with %s, or leave its syscalls out on purpose with %s",
		strings.Join(parts, "; "), strings.Join(add, " "), strings.Join(drop, " "))
}

func (e *UncoveredABIError) Is(target error) bool {
	return target == ErrUncoveredABI || target == ErrInput
}

// checkDropArches refuses unknown ABIs in opts.DropArches and ABIs that
// opts.Arches covers as well.
func checkDropArches(opts Options) error {
	for _, a := range opts.DropArches {
		if !trace.IsKnownArch(a) {
			return &OptionError{Field: "DropArches", Value: strconv.Quote(a), Msg: "unknown (known: " + strings.Join(trace.KnownArches, ", ") + ")"}
		}
		if slices.Contains(opts.Arches, a) {
			return &OptionError{Field: "DropArches", Value: a, Msg: "an ABI cannot be both covered and dropped"}
		}
	}
	return nil
}

// abiUse sums up the kept syscalls of each ABI in arches.
func abiUse(inputs []Input, kept []merged, arches []string) []ABIUse {
	var out []ABIUse
	for _, a := range arches {
		u := ABIUse{Arch: a}
		names := map[string]bool{}
		files := map[string]bool{}
		for _, k := range kept {
			if k.arch == a {
				u.Syscalls++
				names[k.name] = true
				for _, f := range k.files {
					files[f] = true
				}
			}
		}
		if u.Syscalls == 0 {
			continue
		}
		progs := map[string]bool{}
		for _, in := range inputs {
			for _, s := range in.File.Syscalls {
				if s.Arch != a || !names[s.Name] || s.First == "" {
					continue
				}
				if p, ok := in.File.ExecutableFor(s.First); ok {
					progs[p] = true
				} else {
					progs[s.First] = true
				}
			}
		}
		u.Programs = slices.Sorted(maps.Keys(progs))
		u.Traces = slices.Sorted(maps.Keys(files))
		out = append(out, u)
	}
	return out
}

// dropArches removes the kept syscalls of the ABIs in drop, and those ABIs
// from seen; it returns what was removed per ABI.
func dropArches(inputs []Input, kept []merged, seen map[string]bool, drop []string) ([]merged, []ABIUse) {
	if len(drop) == 0 {
		return kept, nil
	}
	drop = slices.Sorted(slices.Values(drop))
	use := abiUse(inputs, kept, slices.Compact(drop))
	for _, a := range drop {
		delete(seen, a)
	}
	return slices.DeleteFunc(kept, func(m merged) bool { return slices.Contains(drop, m.arch) }), use
}

// uncoveredABIs refuses kept syscalls on an ABI that arches leaves out
// while covering another ABI of its machine. A machine's primary ABI is
// exempt: runc and crun always filter it, with the profile's rules by name.
func uncoveredABIs(inputs []Input, kept []merged, arches []string) error {
	var left []string
	covered := map[string]string{} // machine -> a covered ABI of it
	for _, a := range arches {
		if _, ok := covered[family(a)]; !ok {
			covered[family(a)] = a
		}
	}
	for _, k := range kept {
		if k.arch == primary(k.arch) || slices.Contains(arches, k.arch) || slices.Contains(left, k.arch) {
			continue
		}
		if _, ok := covered[family(k.arch)]; ok {
			left = append(left, k.arch)
		}
	}
	if len(left) == 0 {
		return nil
	}
	slices.Sort(left)
	e := &UncoveredABIError{}
	for _, u := range abiUse(inputs, kept, left) {
		e.ABIs = append(e.ABIs, UncoveredABI{ABIUse: u, Covered: covered[family(u.Arch)]})
	}
	slices.SortFunc(e.ABIs, func(a, b UncoveredABI) int { return cmp.Compare(a.Arch, b.Arch) })
	return e
}
