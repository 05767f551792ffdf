package reduce

import (
	"fmt"
	"io"
	"strings"
)

// WriteReport tells the user how the profile was made: what was merged,
// dropped and mapped, and which baselines added what. Each line starts
// with prefix (the command name).
func (r *Result) WriteReport(w io.Writer, prefix string) {
	p := func(format string, a ...any) { fmt.Fprintf(w, prefix+": "+format+"\n", a...) }
	perArch := map[string]int{}
	var order []string
	for _, o := range r.Observed {
		if perArch[o.Arch] == 0 {
			order = append(order, o.Arch)
		}
		perArch[o.Arch]++
	}
	var parts []string
	for _, a := range order {
		parts = append(parts, fmt.Sprintf("%d distinct syscalls on %s", perArch[a], a))
	}
	if len(parts) == 0 {
		// Only numbers libseccomp cannot name (listed below).
		parts = append(parts, "no syscall libseccomp can name")
	}
	p("merged %d trace(s): %s", r.Traces, strings.Join(parts, ", "))
	for _, o := range r.Observed {
		if o.Saturated {
			p("count of %s (%s) saturated at %d (2^63-1): the traces add up to more", o.Name, o.Arch, o.Count)
		}
	}
	for _, u := range r.Unnamed {
		answer := "the profile answers ENOSYS, as a kernel without that syscall would"
		switch {
		case !u.Covered:
			answer = fmt.Sprintf("the profile does not cover ABI %s, so runtimes kill a process that uses it", u.Arch)
		case u.Default != "":
			answer = fmt.Sprintf("the profile's default, %s (kept from the extended profile), lets it run", u.Default)
		case u.Denied != "":
			answer = fmt.Sprintf("the profile answers it with its default, %s, kept from the extended profile", u.Denied)
		}
		p("%s: libseccomp cannot name it, so no rule can allow it; %s", u, answer)
	}
	for _, a := range r.AllowNotInCeiling {
		p("--allow %s: not in the deny ceiling, nothing to lift (--allow does not add syscalls)", a)
	}
	for _, d := range r.Dropped {
		still := ""
		switch {
		case d.ByBaseline:
			still = " (a baseline allows it anyway)"
		case d.Allowed:
			still = " (the profile allows it anyway: --extend's profile does, or another ABI's syscall is allowed under this name)"
		}
		of := fmt.Sprintf("%d traces", r.Traces)
		if d.Possible > 0 && d.Possible < r.Traces {
			of = fmt.Sprintf("the %d traces whose ABIs have it", d.Possible)
		}
		p("dropped %s (%s): count %d in %d of %s, %s%s", d.Name, d.Arch, d.Count, d.Runs, of, d.Why, still)
	}
	for _, a := range r.DropNothing {
		p("--drop-arch %s: no trace holds a syscall on %s, so nothing was left out", a, a)
	}
	for _, u := range r.DroppedArches {
		p("--drop-arch %s: left out %s; the profile does not cover %s, so runtimes kill a process that uses it", u.Arch, u, u.Arch)
	}
	for _, m := range r.Mappings {
		if m.Also {
			p("%s: %s also allowed as %s, the name a 32-bit build calls", m.Arch, m.From, m.To)
		} else if m.To == "" {
			p("%s: %s has no equivalent there, left out", m.Arch, m.From)
		} else {
			p("%s: %s does not exist there, allowed as %s", m.Arch, m.From, m.To)
		}
	}
	if len(r.Baselines) == 0 {
		p("baselines: none")
	} else {
		p("baselines: %s; they add %d syscall(s) no trace contained: %s", strings.Join(r.Baselines, ", "),
			len(r.FromBaselines), strings.Join(r.FromBaselines, " "))
	}
	for _, f := range r.Fallbacks {
		p("%s", f)
	}
	pol := r.Policy
	unobserved := 0
	action := ""
	for _, rule := range pol.Rules {
		if rule.Comment == UnobservedComment {
			unobserved += len(rule.Names)
			action = string(rule.Action)
			if rule.Errno != nil {
				action += fmt.Sprintf("(errno %d)", *rule.Errno)
			}
		}
	}
	for _, a := range r.ArgRules {
		sp := a.Spec
		switch {
		case a.Source == "enosys":
			p("clone3 answered ENOSYS (its flags are in memory seccomp cannot read): libc falls back to clone, whose namespace flags are checked")
		case a.Unrestricted:
			p("%s %s (argument %d) not restricted: %s", sp.Syscall, sp.What, sp.Index, a.Why)
		default:
			vals := make([]string, len(a.Allowed))
			for i, v := range a.Allowed {
				vals[i] = sp.ValueName(v)
			}
			if len(vals) > 8 {
				vals = append(vals[:8], fmt.Sprintf("and %d more", len(a.Allowed)-8))
			}
			rest := "other values get EPERM"
			if a.Why != "" {
				rest = a.Why
			}
			if a.Pairing != "" {
				rest += "; " + a.Pairing
			}
			p("%s %s (argument %d) restricted to %s (%s); %s", sp.Syscall, sp.What, sp.Index, strings.Join(vals, ", "), sourceText(a.Source), rest)
		}
	}
	for _, w := range r.Weakenings {
		p("weaker than Docker's default: %s", w.Message)
	}
	fb := ""
	if n := len(r.Fallbacks); n > 0 {
		fb = fmt.Sprintf(", %d with an allowed fallback ENOSYS", n)
	}
	p("profile for %s: allows %d syscalls, %d known ones get %s%s, unknown (newer) ones ENOSYS",
		strings.Join(pol.Arches, ", "), len(r.Allowed), unobserved, action, fb)
}

// String describes u: "x86_64 syscall number 460 (count 3, first by app, in
// t.yaml)".
func (u Unnamed) String() string {
	count := fmt.Sprint(u.Count)
	if u.Saturated {
		count += " (saturated)"
	}
	first := ""
	if u.First != "" {
		first = ", first by " + u.First
	}
	return fmt.Sprintf("%s syscall number %d (count %s%s, in %s)", u.Arch, u.Nr, count, first, someTraces(u.Traces))
}
