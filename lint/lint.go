package lint

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/seccomp-gen/seccomp-gen/abi"
	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/profiles"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// Severity ranks a finding.
type Severity string

// The severities, most severe first.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

func (s Severity) rank() int {
	switch s {
	case Error:
		return 0
	case Warning:
		return 1
	}
	return 2
}

// The checks, as they appear in Finding.Check.
const (
	CheckDefaultAllow  = "default-allow"
	CheckCompatABI     = "compat-abi"
	CheckNativeABI     = "native-abi-unlisted"
	CheckDangerous     = "dangerous-allowed"
	CheckExitMissing   = "exit-denied"
	CheckUnknownName   = "unknown-syscall"
	CheckOtherArch     = "other-arch-syscall"
	CheckLeftOut       = "conditional-left-out"
	CheckDefaultEqual  = "rule-equals-default"
	CheckConflict      = "conflicting-rules"
	CheckOverlap       = "overlapping-rules"
	CheckSameArg       = "same-argument"
	CheckCloneNoMask   = "clone-namespaces"
	CheckDeadCondition = "dead-condition"
	CheckMiscompiled   = "miscompiled"
	CheckAmbiguous     = "ambiguous"
	CheckErrnoZero     = "errno-zero"
)

// Finding is one thing lint reports.
type Finding struct {
	Severity Severity `json:"severity"`
	Check    string   `json:"check"`
	// Rule is the key path of the rule in the file ("syscalls[3]"), or
	// empty for findings about the whole profile.
	Rule    string `json:"rule,omitempty"`
	Syscall string `json:"syscall,omitempty"`
	Message string `json:"message"`
}

func (f Finding) String() string {
	var where []string
	if f.Rule != "" {
		where = append(where, f.Rule)
	}
	if f.Syscall != "" {
		where = append(where, f.Syscall)
	}
	loc := ""
	if len(where) > 0 {
		loc = strings.Join(where, " ") + ": "
	}
	return fmt.Sprintf("%s: %s%s [%s]", f.Severity, loc, f.Message, f.Check)
}

// Options tune Lint.
type Options struct {
	// AllowUnknownSyscalls makes names libseccomp cannot resolve a warning
	// instead of an error (a profile for a newer libseccomp).
	AllowUnknownSyscalls bool
}

// Count returns the number of findings of severity s.
func Count(fs []Finding, s Severity) int {
	n := 0
	for _, f := range fs {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Data lints a profile file's contents in any format emit reads.
func Data(name string, data []byte, o Options) ([]Finding, error) {
	raw, err := emit.ParseRaw(name, data)
	if err != nil {
		return nil, err
	}
	return Lint(raw, o), nil
}

// Policy lints p as its Docker JSON rendering (rule paths "syscalls[i]"
// in the order every writer emits).
func Policy(p *policy.Policy, o Options) ([]Finding, error) {
	data, err := emit.Docker(p)
	if err != nil {
		return nil, err
	}
	return Data("policy", data, o)
}

// answer is what a rule or the default gives: an action and its errno.
type answer struct {
	act   policy.Action
	errno uint
}

func (a answer) String() string {
	if a.act == policy.ActErrno || a.act == policy.ActTrace {
		return fmt.Sprintf("%s(%d)", a.act, a.errno)
	}
	return string(a.act)
}

func (a answer) permissive() bool { return a.act == policy.ActAllow || a.act == policy.ActLog }

func answerOf(act policy.Action, errno *uint) answer {
	a := answer{act: act}
	if act == policy.ActKill {
		a.act = policy.ActKillThread // the same action in libseccomp
	}
	if act == policy.ActErrno || act == policy.ActTrace {
		a.errno = policy.EPERM
		if errno != nil {
			a.errno = *errno
		}
	}
	return a
}

// linter holds one profile while its checks run.
type linter struct {
	raw      *emit.Raw
	p        *policy.Policy
	def      answer
	unknown  map[int]map[string]bool // rule index -> names dropped
	byName   map[string][]int        // name -> rules naming it, in file order
	names    []string                // names in order of first appearance
	findings []Finding
}

func (l *linter) add(s Severity, check, rule, name, format string, a ...any) {
	l.findings = append(l.findings, Finding{Severity: s, Check: check, Rule: rule, Syscall: name, Message: fmt.Sprintf(format, a...)})
}

// Lint returns the findings for raw, errors first, then warnings, then
// info, each in file order.
func Lint(raw *emit.Raw, o Options) []Finding {
	p := raw.Policy
	l := &linter{raw: raw, p: p, def: answerOf(p.DefaultAction, p.DefaultErrno),
		unknown: map[int]map[string]bool{}, byName: map[string][]int{}}
	for _, u := range raw.Unknown {
		if l.unknown[u.Rule] == nil {
			l.unknown[u.Rule] = map[string]bool{}
		}
		l.unknown[u.Rule][u.Name] = true
		if u.OtherArch {
			l.add(Info, CheckOtherArch, u.Where, u.Name, "libseccomp %s knows this syscall only on architectures other than this machine's (%s); runtimes here drop the name, as expected of an archMap profile written for several machines",
				scmp.LibraryVersion(), strings.Join(p.Arches, ", "))
			continue
		}
		sev := Error
		if o.AllowUnknownSyscalls {
			sev = Warning
		}
		l.add(sev, CheckUnknownName, u.Where, u.Name, "libseccomp %s knows no such syscall on any of the profile's ABIs (%s); runc and crun drop the name silently, so this rule does nothing for it",
			scmp.LibraryVersion(), strings.Join(p.Arches, ", "))
	}
	for _, e := range raw.Left {
		who := "docker and podman leave"
		if strings.Contains(e.Reason, "minKernel") {
			who = "docker leaves" // podman ignores minKernel (the reason says so)
		}
		l.add(Info, CheckLeftOut, e.Where, "", "left out, as %s it out for %s on this machine: %s (names %s)", who, raw.Caps, e.Reason, listSome(e.Names))
	}
	for i, r := range p.Rules {
		for _, n := range r.Names {
			if l.unknown[i][n] {
				continue
			}
			if len(l.byName[n]) == 0 {
				l.names = append(l.names, n)
			}
			if k := l.byName[n]; len(k) == 0 || k[len(k)-1] != i {
				l.byName[n] = append(l.byName[n], i)
			}
		}
	}
	l.checkDefault()
	l.checkErrnoZero()
	l.checkABIs()
	l.checkRules()
	l.checkOverlaps()
	l.checkExit()
	l.checkDangerous()
	l.checkClone()
	l.checkCompiled()
	sort.SliceStable(l.findings, func(i, j int) bool { return l.findings[i].Severity.rank() < l.findings[j].Severity.rank() })
	return l.findings
}

// checkCompiled reports a profile whose rules libseccomp 2.5.4 compiles
// into a filter that answers otherwise than they say (policy.FilterVerifier;
// only where the program installed one, as seccomp-gen's commands do), and
// any other reason policy.Check gives for refusing it (rules the runtimes
// read differently, that libseccomp refuses or would compile wrongly), which
// check, replay, diff and disasm refuse the profile for: an error here too,
// unless another error finding already names that syscall.
func (l *linter) checkCompiled() {
	err := l.p.Check()
	if err == nil {
		return
	}
	var amb *policy.AmbiguousError
	if !errors.As(err, &amb) {
		l.add(Error, CheckAmbiguous, "", "", "%v; seccomp-gen's other commands refuse the profile", err)
		return
	}
	where := ""
	if len(amb.Rules) > 0 {
		where = l.where(amb.Rules[0])
	}
	if amb.Miscompiled {
		if where == "" {
			where = "profile"
		}
		l.add(Error, CheckMiscompiled, where, amb.Syscall, "%s", amb.Reason)
		return
	}
	for _, f := range l.findings {
		if f.Severity == Error && amb.Syscall != "" && f.Syscall == amb.Syscall {
			return
		}
	}
	var with []string
	for _, i := range amb.Rules[min(1, len(amb.Rules)):] {
		with = append(with, l.where(i))
	}
	also := ""
	if len(with) > 0 {
		also = " (with " + strings.Join(with, ", ") + ")"
	}
	l.add(Error, CheckAmbiguous, where, amb.Syscall, "%s%s; seccomp-gen's other commands refuse the profile", amb.Reason, also)
}

// effective is what the runtimes answer for name: the rule that decides it
// (policy.Deciding, the one definition of what runc and crun apply), else
// the default; conditional lists the rules with conditions that still apply
// when no rule decides alone.
func (l *linter) effective(name string) (a answer, rule int, conditional []int) {
	arch := ""
	if len(l.p.Arches) > 0 {
		arch = l.p.Arches[0]
	}
	rule, conditional = l.p.Deciding(arch, name)
	if rule >= 0 {
		r := l.p.Rules[rule]
		return answerOf(r.Action, r.Errno), rule, nil
	}
	return l.def, -1, conditional
}

// allowed says whether name can run: always (an unconditional allow, or a
// permissive default no conditional rule denies from) or only for some
// arguments. Under a permissive default, conditional rules that deny make
// it "sometimes" (rt_sigreturn denied when a0 == 5 under SCMP_ACT_ALLOW
// was "always", and exit-denied said nothing while runc and crun answered
// ENOSYS); rule is then -1, the default's.
func (l *linter) allowed(name string) (always, sometimes bool, rule int) {
	a, rule, cond := l.effective(name)
	if a.permissive() {
		if rule < 0 {
			for _, i := range cond {
				if !answerOf(l.p.Rules[i].Action, l.p.Rules[i].Errno).permissive() {
					return false, true, -1
				}
			}
		}
		return true, true, rule
	}
	for _, i := range cond {
		if answerOf(l.p.Rules[i].Action, l.p.Rules[i].Errno).permissive() {
			return false, true, i
		}
	}
	return false, false, -1
}

// known reports whether name is a syscall on one of the profile's ABIs.
func (l *linter) known(name string) bool {
	for _, a := range l.p.Arches {
		if scmp.Has(a, name) || policy.Multiplexed(a, name) {
			return true
		}
	}
	return false
}

func (l *linter) where(i int) string {
	if i < 0 {
		return ""
	}
	return l.raw.Where[i]
}

func (l *linter) checkDefault() {
	if !l.def.permissive() {
		return
	}
	denies := false
	for i, r := range l.p.Rules {
		if len(l.unknown[i]) == len(r.Names) {
			continue
		}
		denies = denies || !answerOf(r.Action, r.Errno).permissive()
	}
	if !denies {
		l.add(Error, CheckDefaultAllow, "", "", "defaultAction %s and no rule that denies a syscall libseccomp knows: the profile allows every syscall", l.p.DefaultAction)
		return
	}
	l.add(Warning, CheckDefaultAllow, "", "", "defaultAction %s: a deny list; every syscall it does not name, including those newer than the profile, is allowed (prefer SCMP_ACT_ERRNO with an allow list)", l.p.DefaultAction)
}

// checkErrnoZero reports SCMP_ACT_ERRNO with errno 0: the kernel then
// skips the syscall and returns 0, so the program sees a success.
func (l *linter) checkErrnoZero() {
	const why = "the kernel skips the call and returns 0, so the program takes a denied call for a success (a setuid or a write that did nothing); use an errno such as 1 (EPERM) or 38 (ENOSYS)"
	if l.def.act == policy.ActErrno && l.def.errno == 0 {
		l.add(Warning, CheckErrnoZero, "", "", "default action %s: %s", l.def, why)
	}
	for i, r := range l.p.Rules {
		if a := answerOf(r.Action, r.Errno); a.act == policy.ActErrno && a.errno == 0 && a != l.def && len(l.unknown[i]) < len(r.Names) {
			l.add(Warning, CheckErrnoZero, l.where(i), "", "%s for %s: %s", a, listSome(r.Names), why)
		}
	}
}

// compatOf returns the compat ABIs a kernel whose native ABI is a runs (x86
// and x32 for x86_64); none when a is not a native ABI.
func compatOf(a string) []string {
	fam := abi.Family(a)
	if len(fam) == 0 || fam[0] != a {
		return nil
	}
	return fam[1:]
}

func (l *linter) checkABIs() {
	if n := l.raw.NativeAdded; n != "" {
		l.add(Warning, CheckNativeABI, "", "", "%s is not listed, but runc and crun never remove the native ABI from the filter: on a %s machine its syscalls get these rules by name and the default for the rest, they are not killed", n, n)
	}
	var compat []string
	for _, a := range l.p.Arches {
		for _, c := range compatOf(a) {
			if l.p.Covers(c) {
				compat = append(compat, c)
			}
		}
	}
	if l.raw.ArchMapNoEntry {
		l.add(Warning, CheckCompatABI, "", "", "archMap has no entry for this machine's architecture %s: docker and podman list no ABI, so the runtime filters %s alone and kills the calls of every other ABI",
			l.p.Arches[0], l.p.Arches[0])
		return
	}
	if l.raw.ArchMap && len(l.p.Arches) > 1 {
		l.add(Warning, CheckCompatABI, "", "", "archMap: on this machine the runtime covers %s (the native entry plus its subArchitectures), so compat ABIs get the same rules; list \"architectures\" with exactly the ABIs the workload uses, every other ABI is then killed",
			strings.Join(l.p.Arches, ", "))
		return
	}
	for _, c := range compat {
		if l.def.permissive() {
			l.add(Warning, CheckCompatABI, "", "", "%s is covered with an allowing default: every %s syscall the rules do not name is allowed, including multiplexers such as socketcall and ipc that reach what the rules deny by name", c, c)
			continue
		}
		l.add(Info, CheckCompatABI, "", "", "%s is covered: its syscalls are answered by the same rules; leave it out unless the workload runs %s code (unlisted ABIs are killed)", c, c)
	}
}

func (l *linter) checkRules() {
	for i, r := range l.p.Rules {
		if len(l.unknown[i]) == len(r.Names) {
			continue // all its names are unknown: said above
		}
		ra := answerOf(r.Action, r.Errno)
		if ra == l.def {
			var later []string
			for _, n := range r.Names {
				if l.unknown[i][n] {
					continue
				}
				for _, j := range l.byName[n] {
					if j > i && answerOf(l.p.Rules[j].Action, l.p.Rules[j].Errno) != ra {
						later = append(later, fmt.Sprintf("%s for %s", l.where(j), n))
						break
					}
				}
			}
			const skipped = "action %s equals the default action: runc and crun add no filter rule for it (runc still counts its names when it decides which numbers are newer than the profile and get ENOSYS)"
			if len(later) > 0 {
				l.add(Warning, CheckDefaultEqual, l.where(i), "", skipped+", so it does not take precedence over later rules: %s wins", ra, listSome(later))
			} else if !l.raisesStub(i) {
				l.add(Info, CheckDefaultEqual, l.where(i), "", skipped+"; it names %s", ra, listSome(r.Names))
			}
		}
		count := map[uint]int{}
		for _, a := range r.Args {
			count[a.Index]++
		}
		var multi []string
		for idx, n := range count {
			if n > 1 {
				multi = append(multi, fmt.Sprintf("%d conditions on argument %d", n, idx))
			}
		}
		sort.Strings(multi)
		if len(multi) > 0 {
			l.add(Error, CheckSameArg, l.where(i), "", "%s: runc and crun add each of this rule's %d conditions as a rule of its own, so it applies when ANY condition holds, not all; split it into rules that say what you mean", strings.Join(multi, ", "), len(r.Args))
		}
	}
}

// raisesStub reports whether rule i names the highest syscall number of
// the profile on one of its ABIs while runc's ENOSYS stub answers above it
// otherwise than the default: without the rule, runc would answer ENOSYS
// for the numbers between (crun the default), so a rule equal to the default
// still does something. Generate writes one such rule in formats without
// defaultErrnoRet (the known syscalls no trace made, EPERM).
func (l *linter) raisesStub(i int) bool {
	if !l.p.RuncStub() || l.def == (answer{act: policy.ActErrno, errno: policy.ENOSYS}) {
		return false
	}
	resolve := func(arch, name string) (int, bool) {
		nr, err := scmp.Number(arch, name)
		return nr, err == nil
	}
	without := *l.p
	without.Rules = slices.Delete(slices.Clone(l.p.Rules), i, i+1)
	for _, a := range l.p.Arches {
		if hi := l.p.HighestNamed(a, resolve); hi >= 0 && uint32(hi) > uint32(without.HighestNamed(a, resolve)) {
			return true
		}
	}
	return false
}

func (l *linter) checkOverlaps() {
	for _, n := range l.names {
		rules := l.byName[n]
		if len(rules) < 2 {
			continue
		}
		var uncond, cond []int
		for _, i := range rules {
			r := l.p.Rules[i]
			if answerOf(r.Action, r.Errno) == l.def {
				continue // skipped by the runtimes; said by checkRules
			}
			if len(r.Args) == 0 {
				uncond = append(uncond, i)
			} else {
				cond = append(cond, i)
			}
		}
		if len(uncond) > 0 {
			win := uncond[0]
			wa := answerOf(l.p.Rules[win].Action, l.p.Rules[win].Errno)
			for _, i := range uncond[1:] {
				a := answerOf(l.p.Rules[i].Action, l.p.Rules[i].Errno)
				if a != wa {
					l.add(Warning, CheckConflict, l.where(i), n, "also named without conditions by %s with %s; runc and crun apply the first, %s: %s (this rule's %s never applies)", l.where(win), wa, l.where(win), wa, a)
				} else {
					l.add(Info, CheckOverlap, l.where(i), n, "also named by %s with the same answer %s", l.where(win), wa)
				}
			}
			for _, i := range cond {
				a := answerOf(l.p.Rules[i].Action, l.p.Rules[i].Errno)
				if a != wa {
					l.add(Warning, CheckDeadCondition, l.where(i), n, "%s names it without conditions (%s); libseccomp lets a rule without conditions override every conditional rule for the same syscall, before or after it, so this rule's %s never applies", l.where(win), wa, a)
				}
			}
			continue
		}
		if len(cond) < 2 {
			continue
		}
		// Rules with different answers whose conditions cannot both hold
		// (generated argument rules: allowed values, and the others EPERM)
		// are not an overlap.
		for k, i := range cond[1:] {
			a := answerOf(l.p.Rules[i].Action, l.p.Rules[i].Errno)
			for _, j := range cond[:k+1] {
				b := answerOf(l.p.Rules[j].Action, l.p.Rules[j].Errno)
				if a == b || policy.Disjoint(l.p.Rules[i].Args, l.p.Rules[j].Args, 64) && policy.Disjoint(l.p.Rules[i].Args, l.p.Rules[j].Args, 32) {
					continue
				}
				l.add(Info, CheckOverlap, l.where(i), n, "conditional rules with different answers (%s: %s, here: %s): where both conditions hold, the answer depends on how libseccomp merges them; check it with 'seccomp-gen disasm'", l.where(j), b, a)
				break
			}
		}
	}
}

// Essential are the syscalls every program needs whatever it does, with
// why: a profile that denies one breaks every program (CheckExitMissing).
// generate adds them when no trace or baseline does.
var Essential = []struct{ Name, Why string }{
	{"exit_group", "every program calls exit_group to exit"},
	{"rt_sigreturn", "every signal handler returns through rt_sigreturn"},
}

func (l *linter) checkExit() {
	for _, e := range Essential {
		n, why := e.Name, e.Why
		if !l.known(n) {
			continue
		}
		always, sometimes, _ := l.allowed(n)
		a, rule, _ := l.effective(n)
		switch {
		case always:
		case sometimes:
			l.add(Warning, CheckExitMissing, "", n, "allowed only for some arguments; %s", why)
		default:
			src := "the default action"
			if rule >= 0 {
				src = l.where(rule)
			}
			l.add(Error, CheckExitMissing, l.where(rule), n, "not allowed (%s from %s): %s, so the profile breaks every program", a, src, why)
		}
	}
}

func (l *linter) checkDangerous() {
	var byDefault []string
	for _, c := range profiles.Ceiling() {
		if !l.known(c.Name) {
			continue
		}
		always, sometimes, rule := l.allowed(c.Name)
		if !sometimes {
			continue
		}
		if rule < 0 {
			byDefault = append(byDefault, c.Name)
			continue
		}
		how := "allowed"
		if !always {
			how = "allowed for some arguments"
		}
		l.add(Warning, CheckDangerous, l.where(rule), c.Name, "%s: %s (deny ceiling, profiles/ceiling.yaml)", how, c.Reason)
	}
	if len(byDefault) > 0 {
		l.add(Warning, CheckDangerous, "", "", "allowed by the default action although on the deny ceiling (profiles/ceiling.yaml: modules, kexec, bpf, io_uring, ptrace, mounts, ...): %s", strings.Join(byDefault, ", "))
	}
}

// cloneNSMask is the CLONE_NEW* bits Docker's default profile masks in
// clone's flags (MASKED_EQ 0x7E020000 == 0).
const cloneNSMask = 0x7E020000

func (l *linter) checkClone() {
	var denied []string
	for _, n := range []string{"unshare", "setns"} {
		if _, sometimes, _ := l.allowed(n); l.known(n) && !sometimes {
			denied = append(denied, n)
		}
	}
	if len(denied) == 0 {
		return
	}
	if always, _, rule := l.allowed("clone"); always && l.known("clone") {
		l.add(Warning, CheckCloneNoMask, l.where(rule), "clone", "allowed without a mask on its flags while %s denied: clone(CLONE_NEW*) creates the namespaces anyway; allow it only with args [{index: 0, value: %#x, valueTwo: 0, op: SCMP_CMP_MASKED_EQ}] (index 1 on s390x), as Docker's default profile does",
			strings.Join(denied, " and ")+map[bool]string{true: " are", false: " is"}[len(denied) > 1], cloneNSMask)
	}
	if always, _, rule := l.allowed("clone3"); always && l.known("clone3") {
		l.add(Warning, CheckCloneNoMask, l.where(rule), "clone3", "allowed while %s denied: clone3's flags are in memory seccomp cannot read, so it creates namespaces unchecked; answer it with ENOSYS (SCMP_ACT_ERRNO, errnoRet 38) as Docker does, and libc falls back to clone",
			strings.Join(denied, " and ")+map[bool]string{true: " are", false: " is"}[len(denied) > 1])
	}
}

// listSome joins at most five items and says how many more there are.
func listSome(items []string) string {
	if len(items) <= 5 {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:5], ", "), len(items)-5)
}
