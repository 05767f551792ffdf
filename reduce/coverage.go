package reduce

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// ErrNoSyscalls is wrapped by CheckCoverage when the traces hold no syscall
// at all: an empty trace proves nothing, so it must never pass silently.
var ErrNoSyscalls = errors.New("no syscalls to check")

// Why a traced syscall is not covered by a profile.
const (
	ReasonDenied      = "denied"      // a rule or the default action denies it
	ReasonArch        = "arch"        // the profile does not cover the ABI
	ReasonUnknown     = "unknown"     // libseccomp could not name the number
	ReasonConditional = "conditional" // allowed only for some argument values
	ReasonEnforced    = "enforced"    // the filter denied it at run time
	ReasonWouldKill   = "would-kill"  // the filter would have killed the task
)

// CoverageEntry is the verdict for one (ABI, syscall) a run issued.
type CoverageEntry struct {
	Arch  string
	Nr    int
	Name  string // empty when libseccomp could not name Nr on Arch
	Count uint64
	// First is the program (comm) that issued the syscall first.
	First string
	// Covered is true when the profile lets the syscall run.
	Covered bool
	// Reason is one of the Reason* constants when Covered is false, or
	// ReasonConditional for a covered syscall whose rule has argument
	// conditions (it passes, but only for the argument values allowed).
	Reason string
	// Action and Errno are what the profile answers (for Reason "denied").
	Action policy.Action
	Errno  uint
}

// Label returns the syscall name, or "#NR" when it has none.
func (e CoverageEntry) Label() string {
	if e.Name != "" {
		return e.Name
	}
	return fmt.Sprintf("#%d", e.Nr)
}

// Explain says in a few words why the entry is not covered.
func (e CoverageEntry) Explain(p *policy.Policy) string {
	switch e.Reason {
	case ReasonDenied:
		return "profile answers " + ActionText(e.Action, e.Errno)
	case ReasonArch:
		if p != nil {
			return fmt.Sprintf("ABI %s not covered by the profile (covers %s)", e.Arch, strings.Join(p.Arches, ", "))
		}
		return fmt.Sprintf("ABI %s not covered by the profile", e.Arch)
	case ReasonUnknown:
		return fmt.Sprintf("syscall number %d on %s is unknown to libseccomp: no profile can name it", e.Nr, e.Arch)
	case ReasonConditional:
		return "allowed only for some argument values"
	case ReasonEnforced:
		return "denied by the filter with " + ActionText(e.Action, e.Errno)
	case ReasonWouldKill:
		return "the filter would have killed the process (" + string(e.Action) + "); answered EPERM so that the run went on"
	}
	return e.Reason
}

// ActionText renders an action with its errno, "SCMP_ACT_ERRNO(EPERM)".
func ActionText(a policy.Action, errno uint) string {
	if a != policy.ActErrno {
		return string(a)
	}
	switch errno {
	case policy.EPERM:
		return "SCMP_ACT_ERRNO(EPERM)"
	case policy.ENOSYS:
		return "SCMP_ACT_ERRNO(ENOSYS)"
	}
	return fmt.Sprintf("SCMP_ACT_ERRNO(%d)", errno)
}

// Coverage is the verdict of a profile against one or more runs.
type Coverage struct {
	// Entries holds one entry per (arch, nr), sorted by arch, then name
	// (unnamed numbers last), then number.
	Entries []CoverageEntry
	// Lost sums the lost counters of the traces: a non-zero value means
	// the runs were not completely recorded.
	Lost uint64
}

// Missing returns the entries the profile does not cover.
func (c *Coverage) Missing() []CoverageEntry {
	var out []CoverageEntry
	for _, e := range c.Entries {
		if !e.Covered {
			out = append(out, e)
		}
	}
	return out
}

// OK reports whether every syscall is covered.
func (c *Coverage) OK() bool { return len(c.Missing()) == 0 }

// Allowed reports whether a policy lets a syscall on arch run: the arch must
// be covered and the name allowed. Rules with argument conditions count as
// allowing (conditional is then true) when either the condition's action or
// the fall-through verdict allows.
func Allowed(p *policy.Policy, arch, name string) (ok, conditional bool, v policy.Verdict) {
	if !p.Covers(arch) {
		return false, false, policy.Verdict{}
	}
	v = p.Lookup(name)
	if allowing(v.Action) && !v.Conditional {
		return true, false, v
	}
	if v.Conditional {
		if allowing(v.Action) {
			return true, true, v
		}
		for _, r := range p.Rules {
			if len(r.Args) > 0 && allowing(r.Action) && containsName(r.Names, name) {
				return true, true, v
			}
		}
	}
	return false, false, v
}

func allowing(a policy.Action) bool { return a == policy.ActAllow || a == policy.ActLog }

func containsName(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// CheckCoverage merges the traces (counts add up per (arch, nr); First comes
// from the first trace that has the syscall) and says for each syscall
// whether p lets it run. A syscall on an ABI the profile does not list is
// missing, and so is a number libseccomp could not name.
func CheckCoverage(p *policy.Policy, traces ...*trace.File) (*Coverage, error) {
	if p == nil {
		return nil, errors.New("coverage: no profile")
	}
	type key struct {
		arch string
		nr   int
	}
	merged := map[key]*CoverageEntry{}
	cov := &Coverage{}
	for _, t := range traces {
		cov.Lost += t.Lost
		for _, s := range t.Syscalls {
			k := key{s.Arch, s.Nr}
			if e, ok := merged[k]; ok {
				e.Count += s.Count
				if e.Name == "" {
					e.Name = s.Name
				}
				if e.First == "" {
					e.First = s.First
				}
				continue
			}
			merged[k] = &CoverageEntry{Arch: s.Arch, Nr: s.Nr, Name: s.Name, Count: s.Count, First: s.First}
		}
	}
	if len(merged) == 0 {
		return nil, fmt.Errorf("coverage: %w (the traces are empty)", ErrNoSyscalls)
	}
	for _, e := range merged {
		switch {
		case !p.Covers(e.Arch):
			e.Reason = ReasonArch
		case e.Name == "":
			e.Reason = ReasonUnknown
		default:
			ok, cond, v := Allowed(p, e.Arch, e.Name)
			e.Action, e.Errno = v.Action, v.Errno
			e.Covered = ok
			if cond {
				e.Reason = ReasonConditional
			} else if !ok {
				e.Reason = ReasonDenied
			}
		}
		cov.Entries = append(cov.Entries, *e)
	}
	SortEntries(cov.Entries)
	return cov, nil
}

// SortEntries sorts entries by arch, then name (unnamed numbers last), then
// number, so that reports are deterministic.
func SortEntries(es []CoverageEntry) {
	sort.Slice(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.Arch != b.Arch {
			return a.Arch < b.Arch
		}
		if (a.Name == "") != (b.Name == "") {
			return a.Name != ""
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Nr < b.Nr
	})
}
