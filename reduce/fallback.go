package reduce

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/profiles"
)

// FallbackAnswer is an unobserved syscall the profile answers ENOSYS
// instead of the default action, because it allows the older syscalls that
// a libc or runtime falls back to when the kernel says ENOSYS
// (profiles.Fallbacks). The answer is still a denial.
type FallbackAnswer struct {
	Name string
	// Older are the allowed syscalls the callers fall back to (union over
	// the entries that apply).
	Older []string
	// Sources say who falls back, where: "glibc 2.36
	// sysdeps/unix/sysv/linux/clone-internal.c".
	Sources []string
}

func (f FallbackAnswer) String() string {
	if len(f.Older) == 0 {
		return fmt.Sprintf("%s: answered ENOSYS (not EPERM): its callers go on without it in %s", f.Name, strings.Join(f.Sources, "; "))
	}
	return fmt.Sprintf("%s: answered ENOSYS (not EPERM): falls back to %s in %s", f.Name, strings.Join(f.Older, ", "), strings.Join(f.Sources, "; "))
}

// fallbackAnswers picks, from the unobserved names, those the fallback
// table says to answer ENOSYS given what is allowed: an entry applies when
// every one of its older syscalls is allowed.
func fallbackAnswers(table []profiles.Fallback, allowed, unobserved map[string]bool) []FallbackAnswer {
	byName := map[string]*FallbackAnswer{}
	for _, e := range table {
		if !unobserved[e.Newer] {
			continue
		}
		ok := true
		for _, o := range e.Older {
			ok = ok && allowed[o]
		}
		if !ok {
			continue
		}
		a := byName[e.Newer]
		if a == nil {
			a = &FallbackAnswer{Name: e.Newer}
			byName[e.Newer] = a
		}
		a.Older = append(a.Older, e.Older...)
		slices.Sort(a.Older)
		a.Older = slices.Compact(a.Older)
		a.Sources = append(a.Sources, e.Source+" "+e.File)
	}
	out := make([]FallbackAnswer, 0, len(byName))
	for _, a := range byName {
		out = append(out, *a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// applyFallbacks is the fallback phase: it picks the fallback answers out
// of the unobserved names and returns them, the ENOSYS rule that answers
// them (nil when none applies) and the unobserved names left.
func applyFallbacks(opts Options, allowed map[string]bool, unobserved []string) ([]FallbackAnswer, *policy.Rule, []string) {
	if opts.NoFallbacks {
		return nil, nil, unobserved
	}
	table := opts.Fallbacks
	if table == nil {
		table = profiles.Fallbacks()
	}
	set := map[string]bool{}
	for _, n := range unobserved {
		set[n] = true
	}
	answers := fallbackAnswers(table, allowed, set)
	if len(answers) == 0 {
		return nil, nil, unobserved
	}
	names := make([]string, 0, len(answers))
	for _, a := range answers {
		delete(set, a.Name)
		names = append(names, a.Name)
	}
	var rest []string
	for _, n := range unobserved {
		if set[n] {
			rest = append(rest, n)
		}
	}
	return answers, &policy.Rule{
		Names: names, Action: policy.ActErrno, Errno: policy.Errno(policy.ENOSYS),
		Comment: "not observed; their callers fall back to allowed syscalls on ENOSYS (fallback table)",
	}, rest
}
