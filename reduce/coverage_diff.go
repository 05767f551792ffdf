package reduce

import (
	"fmt"
	"sort"

	"github.com/seccomp-gen/seccomp-gen/policy"
)

// NameLister lists every syscall name of an arch (scmp.Tables implements
// it with libseccomp's tables).
type NameLister interface {
	Names(arch string) ([]string, error)
}

// ProfileDiffEntry is one syscall on which two profiles disagree.
type ProfileDiffEntry struct {
	Arch string
	Name string
	// AllowedA and AllowedB say whether each profile lets it run.
	AllowedA, AllowedB bool
	// A and B are the answers of each profile ("SCMP_ACT_ALLOW",
	// "SCMP_ACT_ERRNO(EPERM)", "arch not covered").
	A, B string
}

// ProfileDiff is what one profile allows that the other does not, per ABI.
type ProfileDiff struct {
	// OnlyA: allowed by A, not by B. OnlyB: allowed by B, not by A.
	OnlyA, OnlyB []ProfileDiffEntry
	// Answer: denied by both but with different answers (EPERM vs ENOSYS,
	// errno vs kill), which changes how a program reacts.
	Answer []ProfileDiffEntry
	// ArchesOnlyA and ArchesOnlyB are ABIs one profile covers and the
	// other does not.
	ArchesOnlyA, ArchesOnlyB []string
}

// Same reports whether the profiles give the same answer everywhere.
func (d *ProfileDiff) Same() bool {
	return len(d.OnlyA) == 0 && len(d.OnlyB) == 0 && len(d.Answer) == 0 &&
		len(d.ArchesOnlyA) == 0 && len(d.ArchesOnlyB) == 0
}

// Superset reports whether A allows everything B allows.
func (d *ProfileDiff) Superset() bool { return len(d.OnlyB) == 0 }

// DiffProfiles compares a and b on every syscall libseccomp knows for every
// ABI either profile covers. Names a profile lists that do not exist on an
// ABI are ignored there, as libseccomp and the runtimes ignore them.
func DiffProfiles(a, b *policy.Policy, names NameLister) (*ProfileDiff, error) {
	d := &ProfileDiff{}
	arches := map[string]bool{}
	for _, x := range a.Arches {
		arches[x] = true
		if !b.Covers(x) {
			d.ArchesOnlyA = append(d.ArchesOnlyA, x)
		}
	}
	for _, x := range b.Arches {
		arches[x] = true
		if !a.Covers(x) {
			d.ArchesOnlyB = append(d.ArchesOnlyB, x)
		}
	}
	sort.Strings(d.ArchesOnlyA)
	sort.Strings(d.ArchesOnlyB)
	var archList []string
	for x := range arches {
		archList = append(archList, x)
	}
	sort.Strings(archList)
	for _, arch := range archList {
		known, err := names.Names(arch)
		if err != nil {
			return nil, fmt.Errorf("diff: %w", err)
		}
		set := map[string]bool{}
		for _, n := range known {
			set[n] = true
		}
		all := make([]string, 0, len(set))
		for n := range set {
			all = append(all, n)
		}
		sort.Strings(all)
		for _, n := range all {
			okA, ansA := answer(a, arch, n)
			okB, ansB := answer(b, arch, n)
			e := ProfileDiffEntry{Arch: arch, Name: n, AllowedA: okA, AllowedB: okB, A: ansA, B: ansB}
			switch {
			case okA && !okB:
				d.OnlyA = append(d.OnlyA, e)
			case okB && !okA:
				d.OnlyB = append(d.OnlyB, e)
			case ansA != ansB && a.Covers(arch) && b.Covers(arch):
				d.Answer = append(d.Answer, e)
			}
		}
	}
	return d, nil
}

func answer(p *policy.Policy, arch, name string) (bool, string) {
	if !p.Covers(arch) {
		return false, "arch not covered"
	}
	ok, cond, v := Allowed(p, arch, name)
	s := ActionText(v.Action, v.Errno)
	if cond {
		s += " (argument conditions)"
	}
	return ok, s
}
