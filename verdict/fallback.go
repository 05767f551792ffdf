package verdict

import (
	"slices"
	"strings"
	"sync"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/profiles"
)

// fallbackTable is the fallback table (profiles/fallbacks.yaml), read once.
var fallbackTable = sync.OnceValue(profiles.Fallbacks)

// errnoNames are the errno names the fallback table's "on" lists use.
var errnoNames = map[uint]string{policy.EPERM: "EPERM", policy.ENOSYS: "ENOSYS"}

// FallsBack says how a program gets on when p answers syscall name on arch
// with errno: the first entry of the fallback table for name that falls
// back on that errno to syscalls p lets run on arch (cond: some only for
// some argument values). ok is false when there is none. It explains, it
// does not excuse: a syscall the profile answers so is still missing (the
// program takes another path than the traced one).
func FallsBack(p *policy.Policy, arch, name string, errno uint) (f profiles.Fallback, cond, ok bool) {
	if p == nil {
		return f, false, false
	}
	for _, f := range fallbackTable() {
		if f.Newer != name || !(slices.Contains(f.On, "any") || errnoNames[errno] != "" && slices.Contains(f.On, errnoNames[errno])) {
			continue
		}
		all, someCond := true, false
		for _, o := range f.Older {
			allowed, c, _ := Allowed(p, arch, o)
			all, someCond = all && allowed, someCond || c
		}
		if all {
			return f, someCond, true
		}
	}
	return f, false, false
}

// fallbackNote is what Explain adds for an errno answer that the program
// falls back from ("; glibc 2.36 falls back to clone, which the profile
// allows for some argument values"), or "".
func (e Entry) fallbackNote(p *policy.Policy) string {
	if e.Action != policy.ActErrno || e.Name == "" {
		return ""
	}
	f, cond, ok := FallsBack(p, e.Arch, e.Name, e.Errno)
	if !ok {
		return ""
	}
	if len(f.Older) == 0 {
		return "; " + f.Source + " goes on without it"
	}
	allows := "which the profile allows"
	switch {
	case len(f.Older) == 1 && cond:
		allows += " for some argument values"
	case cond:
		allows = "all of which the profile allows (some only for some argument values)"
	case len(f.Older) > 1:
		allows = "all of which the profile allows"
	}
	return "; " + f.Source + " falls back to " + strings.Join(f.Older, ", ") + ", " + allows
}
