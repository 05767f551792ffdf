package verdict

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/seccomp-gen/seccomp-gen/abi"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// DiffEntry is one syscall (or number) on which two profiles give
// different answers.
type DiffEntry struct {
	Arch string
	Nr   int
	// Name is empty for a number libseccomp cannot name (a gap in its
	// table, or beyond it).
	Name string
	// Args are the argument values of the first probe (in SortProbes order)
	// that tells the profiles apart; nil when neither answer depends on
	// arguments.
	Args []uint64
	// AllowedA and AllowedB say whether each profile lets that call run.
	AllowedA, AllowedB bool
	// A and B are the answers ("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO(EPERM)",
	// "arch not covered (killed)"), with " (depends on arguments)" when the
	// profile's answer for the syscall depends on argument values.
	A, B string
}

// Label returns the syscall name, or "#NR" when it has none.
func (e DiffEntry) Label() string {
	if e.Name != "" {
		return e.Name
	}
	return fmt.Sprintf("#%d", e.Nr)
}

// ProfileDiff is where two profiles answer differently, per ABI.
type ProfileDiff struct {
	// OnlyA: some call A lets run, B does not. OnlyB: the other way round.
	// A syscall with argument conditions can be in both (for different
	// argument values).
	OnlyA, OnlyB []DiffEntry
	// Answer: a call both deny, with different answers (EPERM vs ENOSYS,
	// errno vs kill), which changes how a program reacts.
	Answer []DiffEntry
	// ArchesOnlyA and ArchesOnlyB are ABIs one profile lists and the other
	// does not. They are informational: what counts is the answers (a
	// profile that lists an ABI only to kill every syscall there answers
	// as one that does not list it).
	ArchesOnlyA, ArchesOnlyB []string
}

// Same reports whether the profiles give the same answer everywhere.
func (d *ProfileDiff) Same() bool {
	return len(d.OnlyA) == 0 && len(d.OnlyB) == 0 && len(d.Answer) == 0
}

// Superset reports whether A lets run every call B lets run.
func (d *ProfileDiff) Superset() bool { return len(d.OnlyB) == 0 }

// DiffProfiles compares the answers of a and b: on every ABI either covers
// (an ABI a profile does not cover answers "killed"), for every syscall
// number libseccomp knows there and for representative numbers it does not
// (the first and last number of each gap in its table, max+1, max+100, and
// far beyond: base+0x3fff, base+0x3fffffff, base being 0x40000000 for x32),
// with all arguments zero and, where either profile's answer depends on
// arguments, with the probes both profiles name (Answerer.Probes). Two
// answers differ when their actions differ (the kill actions count as one,
// as they do for an ABI not covered) or, for SCMP_ACT_ERRNO and
// SCMP_ACT_TRACE, their errno.
func DiffProfiles(a, b Answerer, tables trace.Tables) (*ProfileDiff, error) {
	d := &ProfileDiff{}
	arches := map[string]bool{}
	for _, x := range a.Arches() {
		arches[x] = true
		if !b.Covers(x) {
			d.ArchesOnlyA = append(d.ArchesOnlyA, x)
		}
	}
	for _, x := range b.Arches() {
		arches[x] = true
		if !a.Covers(x) {
			d.ArchesOnlyB = append(d.ArchesOnlyB, x)
		}
	}
	sort.Strings(d.ArchesOnlyA)
	sort.Strings(d.ArchesOnlyB)
	for _, arch := range slices.Sorted(maps.Keys(arches)) {
		nrs, err := ProbeNumbers(arch, tables)
		if err != nil {
			return nil, fmt.Errorf("diff: %w", err)
		}
		for _, nr := range nrs {
			name, _ := tables.Name(arch, nr)
			diffNr(d, a, b, arch, nr, name)
		}
	}
	for _, es := range [][]DiffEntry{d.OnlyA, d.OnlyB, d.Answer} {
		sortDiff(es)
	}
	return d, nil
}

// diffNr compares one (arch, nr) and records at most one entry per class,
// for the first probe that shows it.
func diffNr(d *ProfileDiff, a, b Answerer, arch string, nr int, name string) {
	var probes [][6]uint64
	condA, condB := false, false
	if a.Covers(arch) {
		condA = a.Answer(arch, nr, [6]uint64{}).Conditional
		probes = append(probes, a.Probes(arch, nr)...)
	}
	if b.Covers(arch) {
		condB = b.Answer(arch, nr, [6]uint64{}).Conditional
		probes = append(probes, b.Probes(arch, nr)...)
	}
	probes = append(probes, [6]uint64{})
	if bits32(arch) {
		// A 32-bit ABI's arguments are 32 bits wide: the kernel hands the
		// filter zero-extended values, so the high halves are always 0.
		for i := range probes {
			for k := range probes[i] {
				probes[i][k] &= 0xffffffff
			}
		}
	}
	probes = dedupProbes(probes)
	var onlyA, onlyB, answer bool
	for _, args := range probes {
		okA, ka, ta := answerOf(a, arch, nr, args, condA)
		okB, kb, tb := answerOf(b, arch, nr, args, condB)
		if ka == kb {
			continue
		}
		e := DiffEntry{Arch: arch, Nr: nr, Name: name, AllowedA: okA, AllowedB: okB, A: ta, B: tb}
		if condA || condB {
			e.Args = append([]uint64(nil), args[:]...)
		}
		switch {
		case okA && !okB:
			if !onlyA {
				d.OnlyA = append(d.OnlyA, e)
				onlyA = true
			}
		case okB && !okA:
			if !onlyB {
				d.OnlyB = append(d.OnlyB, e)
				onlyB = true
			}
		default:
			if !answer {
				d.Answer = append(d.Answer, e)
				answer = true
			}
		}
		if onlyA && onlyB && answer {
			return
		}
	}
}

// notCovered is the answer text for an ABI a profile does not cover.
const notCovered = "arch not covered (killed)"

// answerOf returns one profile's answer for a call: whether it lets the
// call run, a comparison key and the text to show.
func answerOf(x Answerer, arch string, nr int, args [6]uint64, cond bool) (bool, string, string) {
	if !x.Covers(arch) {
		return false, "runc:kill crun:kill", notCovered
	}
	if ra, ok := x.(RuntimeAnswerer); ok {
		if rv := ra.RuntimeAnswers(arch, nr, args); !rv.Agree() {
			// runc's ENOSYS stub gives a number another answer than
			// crun does: both are this profile's answer, compared
			// runtime by runtime.
			text := verdictText(rv.Runc) + " under runc, " + verdictText(rv.Crun) + " under crun"
			if cond {
				text += " (depends on arguments)"
			}
			return allowing(rv.Runc.Action) && allowing(rv.Crun.Action), "runc:" + verdictKey(rv.Runc) + " crun:" + verdictKey(rv.Crun), text
		}
	}
	v := x.Answer(arch, nr, args)
	text := verdictText(v)
	if cond {
		text += " (depends on arguments)"
	}
	// Both runtimes give this answer (a raw filter answers the same under
	// every runtime).
	key := "runc:" + verdictKey(v) + " crun:" + verdictKey(v)
	return allowing(v.Action), key, text
}

// verdictKey is the comparison key of an answer: kill actions compare
// alike (runc and crun map SCMP_ACT_KILL to a thread kill, and an ABI a
// profile does not cover is killed too), errnos by value.
func verdictKey(v policy.Verdict) string {
	switch v.Action {
	case policy.ActKill, policy.ActKillThread, policy.ActKillProcess:
		return "kill"
	case policy.ActErrno, policy.ActTrace:
		return fmt.Sprintf("%s(%d)", v.Action, v.Errno)
	}
	return string(v.Action)
}

func verdictText(v policy.Verdict) string {
	if v.Action == policy.ActTrace {
		return fmt.Sprintf("%s(%d)", v.Action, v.Errno)
	}
	return ActionText(v.Action, v.Errno)
}

func dedupProbes(ps [][6]uint64) [][6]uint64 {
	SortProbes(ps)
	return slices.Compact(ps)
}

// sortDiff orders entries by arch, then number.
func sortDiff(es []DiffEntry) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Arch != es[j].Arch {
			return es[i].Arch < es[j].Arch
		}
		return es[i].Nr < es[j].Nr
	})
}

// bits32 reports whether arch is a 32-bit ABI (x86, arm): its syscall
// arguments are 32-bit values.
func bits32(arch string) bool {
	a, ok := abi.Lookup(arch)
	return ok && a.ArgBits == 32
}

// archBase is the first syscall number of an ABI (x32 numbers carry bit 30).
func archBase(arch string) int {
	a, _ := abi.Lookup(arch)
	return int(a.Base)
}

// ProbeNumbers returns the syscall numbers diff asks both profiles about on
// arch, sorted: every number libseccomp names there, the first and last
// number of each gap between them, and numbers beyond the table (max+1,
// max+100, base+0x3fff, base+0x3fffffff).
func ProbeNumbers(arch string, tables trace.Tables) ([]int, error) {
	names, err := tables.Names(arch)
	if err != nil {
		return nil, err
	}
	set := map[int]bool{}
	var known []int
	for _, n := range names {
		nr, err := tables.Number(arch, n)
		if err != nil || set[nr] {
			continue
		}
		set[nr] = true
		known = append(known, nr)
	}
	sort.Ints(known)
	base := archBase(arch)
	if len(known) == 0 {
		return []int{base, base + 0x3fff, base + 0x3fffffff}, nil
	}
	out := append([]int(nil), known...)
	add := func(nr int) {
		if !set[nr] {
			set[nr] = true
			out = append(out, nr)
		}
	}
	if known[0] > base {
		add(base)
		add(known[0] - 1)
	}
	for i := 1; i < len(known); i++ {
		if known[i] > known[i-1]+1 {
			add(known[i-1] + 1)
			add(known[i] - 1)
		}
	}
	max := known[len(known)-1]
	for _, nr := range []int{max + 1, max + 100, base + 0x3fff, base + 0x3fffffff} {
		if nr > max {
			add(nr)
		}
	}
	sort.Ints(out)
	return out, nil
}
