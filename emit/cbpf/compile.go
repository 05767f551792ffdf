package cbpf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/abi"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// Options tunes Compile.
type Options struct {
	// Arch is the machine the filter is for (a trace arch name); "" means
	// the native one. The filter covers the policy's ABIs that run on that
	// machine: x86_64, x86 and x32 on x86_64; aarch64 and arm on aarch64.
	Arch string
	// BadArch is the action for ABIs the policy does not list (default
	// SCMP_ACT_KILL_PROCESS: the whole process dies of SIGSYS).
	BadArch policy.Action
	// NoStub leaves out the ENOSYS stub, giving libseccomp's filter as is.
	NoStub bool
	// Linear keeps libseccomp's default layout (one comparison after the
	// other, what runc and crun load) instead of a binary search over
	// syscall numbers. Both give the same answers.
	Linear bool
	// Notify turns every denying action of the policy (errno, kill, trap,
	// trace: all but SCMP_ACT_ALLOW and SCMP_ACT_LOG) into SCMP_ACT_NOTIFY,
	// for a supervisor that answers them (replay --enforce). BadArch may
	// then be policy.ActNotify too. Load such a filter with FlagNewListener
	// (see NeedsListener); use it with NoStub so that numbers above the
	// table reach the supervisor as well.
	Notify bool
	// AllArches refuses (ErrArchLeftOut) a policy ABI that the machine does
	// not run, instead of leaving it out of the filter.
	AllArches bool
	// SkipUnknown leaves out syscall names libseccomp knows on none of the
	// policy's ABIs (as runc and crun do) instead of failing with a
	// *scmp.UnknownSyscallError.
	SkipUnknown bool
	// NotifyNewListener (with Notify) prepends a check that notifies every
	// seccomp(SECCOMP_SET_MODE_FILTER, flags, ...) whose flags ask for a
	// listener (SECCOMP_FILTER_FLAG_NEW_LISTENER), on every ABI the filter
	// covers, before the policy's filter decides. The kernel allows one
	// listener per filter chain: under a filter loaded with
	// FlagNewListener such a call fails with EBUSY, where under the
	// runtimes' filter (no listener) it gets one, and the supervisor is
	// to know. It answers the call as the policy does (the rest of the
	// filter is never reached for it).
	NotifyNewListener bool
}

// NeedsListener reports whether the filter Compile builds for p with
// Options.Notify has a SCMP_ACT_NOTIFY action (not counting BadArch), that
// is whether p denies anything at all.
func NeedsListener(p *policy.Policy) bool {
	if denies(p.DefaultAction) {
		return true
	}
	for _, r := range p.Rules {
		if denies(r.Action) {
			return true
		}
	}
	return false
}

// denies reports whether a keeps the syscall from running.
func denies(a policy.Action) bool { return a != policy.ActAllow && a != policy.ActLog }

// family lists the ABIs a kernel of machine runs: a 64-bit machine's
// kernel runs its compat ABIs too (abi.Family); a 32-bit machine (x86,
// arm) only its own.
func family(machine string) []string {
	if a, ok := abi.Lookup(machine); ok && a.Machine != a.Name && a.Name != abi.X32 {
		return []string{a.Name}
	}
	return abi.Family(machine)
}

// ErrArchNotCovered is returned when the policy lists no ABI of the target
// machine: the filter would kill every syscall.
var ErrArchNotCovered = errors.New("no ABI of the target machine is covered")

// ErrArchLeftOut is returned, with Options.AllArches, when the policy lists
// ABIs that the target machine does not run (aarch64 in a filter for
// x86_64): a filter is for one machine.
var ErrArchLeftOut = errors.New("policy covers ABIs the target machine does not run")

// Compile builds the seccomp filter for p with libseccomp (as runc and crun
// do) and prepends an ENOSYS stub: on every ABI the policy covers, syscall
// numbers above the highest one libseccomp knows for that ABI return
// ERRNO(ENOSYS), so a libc probing a syscall newer than the profile falls
// back instead of failing. libseccomp's own filter would give those numbers
// the default action. Known syscalls that no rule names get the default
// action; the reducer's policies make that ERRNO(ENOSYS) and list the known
// but unobserved ones in an explicit ERRNO(EPERM) rule, so the filter answers
// EPERM for those and ENOSYS only for numbers libseccomp does not know.
//
// A policy whose default action lets syscalls run (SCMP_ACT_ALLOW,
// SCMP_ACT_LOG or SCMP_ACT_TRACE: a block list) gets no stub, as under runc
// (policy.RuncStub). runc's own stub starts above the highest syscall the
// profile names, this one above the highest libseccomp knows: the two agree
// beyond libseccomp's table (policy.Runtimes gives both runtimes' answers).
//
// Rules go to libseccomp in file order, the way runc 1.1.5 and crun 1.8.1
// add them (see addRules and policy/doc.go), so the filter means what the
// runtimes load; a policy Validate refuses (policy.ErrAmbiguous: the
// runtimes disagree, or libseccomp would not keep the file's order) is an
// error.
//
// ABIs the policy does not list (including x86 and x32 on an x86_64-only
// policy) get BadArch. A syscall name libseccomp knows on none of the
// policy's ABIs is a *scmp.UnknownSyscallError. Names that exist only on
// some ABIs apply where they exist.
func Compile(p *policy.Policy, o Options) (Program, error) {
	if p == nil {
		return nil, errors.New("policy: nil")
	}
	// The rules go to libseccomp in file order, as runc and crun add them:
	// canonicalising first would be harmless (it keeps the meaning) but is
	// not needed.
	c := *p
	machine := o.Arch
	if machine == "" {
		n, err := scmp.Native()
		if err != nil {
			return nil, err
		}
		machine = n
	}
	machine, err := scmp.Canonical(machine)
	if err != nil {
		return nil, err
	}
	if machine == "x32" {
		machine = "x86_64"
	}
	var abis []string
	for _, a := range c.Arches {
		ca, err := scmp.Canonical(a)
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		for _, f := range family(machine) {
			if f == ca && !slices.Contains(abis, ca) {
				abis = append(abis, ca)
			}
		}
	}
	if len(abis) == 0 {
		return nil, fmt.Errorf("%w: the profile covers %s, the filter is for %s", ErrArchNotCovered, strings.Join(c.Arches, ", "), machine)
	}
	if o.AllArches {
		var left []string
		for _, a := range c.Arches {
			if ca, _ := scmp.Canonical(a); !slices.Contains(abis, ca) {
				left = append(left, ca)
			}
		}
		if len(left) > 0 {
			return nil, fmt.Errorf("%w: %s (a filter for %s runs %s)", ErrArchLeftOut, strings.Join(left, ", "), machine, strings.Join(family(machine), ", "))
		}
	}
	// runc and crun never remove libseccomp's native ABI from the filter:
	// on that machine a policy listing only x86 or x32 filters x86_64 too,
	// with the same rules by name and the default for the rest.
	if fam := family(machine); len(fam) > 0 && !slices.Contains(abis, fam[0]) {
		abis = append([]string{fam[0]}, abis...)
		c.Arches = append([]string{fam[0]}, c.Arches...)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	bad := o.BadArch
	if bad == "" {
		bad = policy.ActKillProcess
	}
	lib, err := compileLib(&c, machine, abis, bad, o)
	if err != nil {
		return nil, err
	}
	if policy.FilterVerifier != nil && !o.Notify {
		// Validate had the runtimes' filter checked (VerifyFilter); this
		// one is laid out differently, so it is checked too.
		if err := checkProgram(lib, &c, abis, namedSyscalls(&c), "the filter seccomp-gen compiles for them", nil); err != nil {
			return nil, err
		}
	}
	if o.Notify && o.NotifyNewListener {
		check, err := newListenerCheck(abis)
		if err != nil {
			return nil, err
		}
		lib = append(check, lib...) // the filter's jumps are relative: they still land
		if err := lib.Check(); err != nil {
			return nil, fmt.Errorf("compiled filter: %w", err)
		}
	}
	// Like runc, no stub under a permissive default (allow, log, trace: a
	// block list): there a syscall newer than the profile runs.
	if o.NoStub || !c.RuncStub() {
		return lib, nil
	}
	stub, err := enosysStub(abis)
	if err != nil {
		return nil, err
	}
	prog := make(Program, 0, len(stub)+len(lib))
	prog = append(append(prog, stub...), lib...)
	if err := prog.Check(); err != nil {
		return nil, fmt.Errorf("compiled filter: %w", err)
	}
	return prog, nil
}

func libAction(a policy.Action, errno *uint) (seccomp.ScmpAction, error) {
	code := int16(policy.EPERM)
	if errno != nil {
		if *errno > 4095 {
			return seccomp.ActInvalid, fmt.Errorf("errno %d: out of range 0..4095", *errno)
		}
		code = int16(*errno)
	}
	switch a {
	case policy.ActAllow:
		return seccomp.ActAllow, nil
	case policy.ActErrno:
		return seccomp.ActErrno.SetReturnCode(code), nil
	case policy.ActKill, policy.ActKillThread:
		return seccomp.ActKillThread, nil
	case policy.ActKillProcess:
		return seccomp.ActKillProcess, nil
	case policy.ActTrap:
		return seccomp.ActTrap, nil
	case policy.ActLog:
		return seccomp.ActLog, nil
	case policy.ActTrace:
		return seccomp.ActTrace.SetReturnCode(code), nil
	case policy.ActNotify:
		return seccomp.ActInvalid, fmt.Errorf("action %s: needs a notify listener, which a standalone filter does not have", a)
	}
	return seccomp.ActInvalid, fmt.Errorf("action %q: unknown", a)
}

// notifyAction is libAction for Options.Notify: what lets the syscall run
// stays, everything else is SCMP_ACT_NOTIFY.
func notifyAction(a policy.Action, errno *uint) (seccomp.ScmpAction, error) {
	if !a.Valid() {
		return seccomp.ActInvalid, fmt.Errorf("action %q: unknown", a)
	}
	if denies(a) {
		return seccomp.ActNotify, nil
	}
	return libAction(a, errno)
}

var libOps = map[policy.Op]seccomp.ScmpCompareOp{
	policy.OpNotEqual:     seccomp.CompareNotEqual,
	policy.OpLessThan:     seccomp.CompareLess,
	policy.OpLessEqual:    seccomp.CompareLessOrEqual,
	policy.OpEqualTo:      seccomp.CompareEqual,
	policy.OpGreaterEqual: seccomp.CompareGreaterEqual,
	policy.OpGreaterThan:  seccomp.CompareGreater,
	policy.OpMaskedEqual:  seccomp.CompareMaskedEqual,
}

func compileLib(p *policy.Policy, machine string, abis []string, bad policy.Action, o Options) (Program, error) {
	action := libAction
	if o.Notify {
		action = notifyAction
	}
	def, err := action(p.DefaultAction, p.DefaultErrno)
	if err != nil {
		return nil, fmt.Errorf("default action: %w", err)
	}
	f, err := seccomp.NewFilter(def)
	if err != nil {
		return nil, fmt.Errorf("libseccomp: %w", err)
	}
	defer f.Release()
	// BadArch is taken as given: with Notify it may be SCMP_ACT_NOTIFY.
	badAct, err := libAction(bad, nil)
	if o.Notify && bad == policy.ActNotify {
		badAct, err = seccomp.ActNotify, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bad-arch action: %w", err)
	}
	if !o.Linear {
		// A binary search over syscall numbers (libseccomp's
		// SCMP_FLTATR_CTL_OPTIMIZE=2): same answers, about 20 instead of
		// about 200 instructions per syscall for a reducer-style profile.
		if err := f.SetOptimize(2); err != nil {
			return nil, fmt.Errorf("libseccomp: optimize: %w", err)
		}
	}
	if err := f.SetBadArchAction(badAct); err != nil {
		return nil, fmt.Errorf("libseccomp: bad-arch action: %w", err)
	}
	native, err := seccomp.GetNativeArch()
	if err != nil {
		return nil, fmt.Errorf("libseccomp: %w", err)
	}
	keepNative := false
	for _, a := range abis {
		la, err := scmp.LibArch(a)
		if err != nil {
			return nil, err
		}
		if la == native {
			keepNative = true
			continue
		}
		if err := f.AddArch(la); err != nil {
			return nil, fmt.Errorf("libseccomp: arch %s: %w", a, err)
		}
	}
	if !keepNative {
		if err := f.RemoveArch(native); err != nil {
			return nil, fmt.Errorf("libseccomp: remove native arch: %w", err)
		}
	}
	if err := addRules(f, p, abis, def, action, o.SkipUnknown, machine); err != nil {
		return nil, err
	}
	return export(f)
}

// addRules adds p's rules to f the way runc 1.1.5 and crun 1.8.1 do (see
// policy/doc.go): in file order, one name after the other; a rule whose
// action equals the default action is skipped; a rule with two conditions
// on one argument index becomes one rule per condition (OR). Names that
// exist on none of abis are left out (libseccomp would skip them there);
// names libseccomp knows on none of the policy's ABIs are a
// *scmp.UnknownSyscallError unless skipUnknown (the runtimes skip them).
func addRules(f *seccomp.ScmpFilter, p *policy.Policy, abis []string, def seccomp.ScmpAction,
	action func(policy.Action, *uint) (seccomp.ScmpAction, error), skipUnknown bool, machine string) error {
	for i, r := range p.Rules {
		act, err := action(r.Action, r.Errno)
		if err != nil {
			return fmt.Errorf("rule %d: %w", i, err)
		}
		// libseccomp refuses rules that repeat the default action; they
		// change nothing (runc and crun skip them too).
		if act == def {
			continue
		}
		var conds []seccomp.ScmpCondition
		for _, a := range r.Args {
			op, ok := libOps[a.Op]
			if !ok {
				return fmt.Errorf("rule %d: op %q: unknown", i, a.Op)
			}
			cond, err := seccomp.MakeCondition(a.Index, op, a.Value, a.ValueTwo)
			if err != nil {
				return fmt.Errorf("rule %d: arg %d: %w", i, a.Index, err)
			}
			conds = append(conds, cond)
		}
		groups := [][]seccomp.ScmpCondition{conds}
		if policy.SameIndexTwice(r.Args) {
			groups = nil
			for _, c := range conds {
				groups = append(groups, []seccomp.ScmpCondition{c})
			}
		}
		for _, name := range r.Names {
			known, here := false, false
			for _, a := range p.Arches {
				if scmp.Has(a, name) || policy.Multiplexed(a, name) {
					known = true
					here = here || slices.Contains(abis, a)
				}
			}
			if !known && skipUnknown {
				continue
			}
			if !known {
				return &scmp.UnknownSyscallError{Name: name, Arch: machine}
			}
			if !here {
				continue
			}
			// Resolve in libseccomp's native numbering (pseudo numbers for
			// names the native arch lacks); libseccomp translates per arch.
			nr, err := seccomp.GetSyscallFromName(name)
			if err != nil && skipUnknown {
				continue
			}
			if err != nil {
				return &scmp.UnknownSyscallError{Name: name, Arch: machine}
			}
			for _, g := range groups {
				if len(g) == 0 {
					err = f.AddRule(nr, act)
				} else {
					err = f.AddRuleConditional(nr, act, g)
				}
				if err != nil {
					return fmt.Errorf("libseccomp: rule %d: %s: %w", i, name, err)
				}
			}
		}
	}
	return nil
}

// export asks libseccomp for the filter through a memfd (ExportBPFMem
// needs libseccomp 2.6).
func export(f *seccomp.ScmpFilter) (Program, error) {
	fd, err := unix.MemfdCreate("seccomp-gen-bpf", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd: %w", err)
	}
	file := os.NewFile(uintptr(fd), "seccomp-gen-bpf")
	defer file.Close()
	if err := f.ExportBPF(file); err != nil {
		return nil, fmt.Errorf("libseccomp: export: %w", err)
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(file)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// enosysStub returns the instructions placed before libseccomp's filter.
// For each audit arch of the covered ABIs it compares the syscall number
// with the highest one libseccomp knows there and returns ERRNO(ENOSYS)
// above it; everything else falls through to libseccomp's filter (which
// checks the arch again and applies the bad-arch action to the rest). On
// AUDIT_ARCH_X86_64 the x32 bit decides between the x86_64 and x32 limits;
// when x32 is not covered such numbers fall through and libseccomp kills
// them.
func enosysStub(abis []string) (Program, error) {
	type section struct {
		audit uint32
		body  Program // runs with A = nr; jump offsets relative to the end of the stub are patched later
	}
	maxOf := func(a string) (uint32, error) {
		m, err := scmp.MaxNr(a)
		if err != nil {
			return 0, err
		}
		return uint32(m), nil
	}
	// Each section body is a list of "jgt max -> ENOSYS else -> filter"
	// tests; we encode targets symbolically: jt/jf 0xff = ENOSYS,
	// 0xfe = filter, others are real offsets.
	const toEnosys, toFilter = 0xff, 0xfe
	var sections []section
	seen := map[uint32]bool{}
	for _, a := range abis {
		audit, ok := AuditArch(a)
		if !ok {
			return nil, fmt.Errorf("arch %s: no AUDIT_ARCH value", a)
		}
		if seen[audit] {
			continue
		}
		seen[audit] = true
		var body Program
		if audit == AuditArchX86_64 {
			// A = nr. if nr & X32 bit -> x32 test, else x86_64 test.
			var t64, t32 Program
			if slices.Contains(abis, "x86_64") {
				m, err := maxOf("x86_64")
				if err != nil {
					return nil, err
				}
				t64 = Program{jgt(m, toEnosys, toFilter)}
			} else {
				t64 = Program{ja(toFilter)}
			}
			if slices.Contains(abis, "x32") {
				m, err := maxOf("x32")
				if err != nil {
					return nil, err
				}
				t32 = Program{jgt(m, toEnosys, toFilter)}
			} else {
				t32 = Program{ja(toFilter)}
			}
			body = append(Program{jset(X32SyscallBit, uint8(len(t64)), 0)}, t64...)
			body = append(body, t32...)
		} else if a == "arm" {
			// ARM keeps private syscalls at __ARM_NR_BASE (0xf0000):
			// two ranges, each with its own end.
			private, err := maxOf(a)
			if err != nil {
				return nil, err
			}
			main := armMainMax()
			body = Program{
				jge(armNRBase, 1, 0),
				jgt(main, toEnosys, toFilter),
				jgt(private, toEnosys, toFilter),
			}
		} else {
			m, err := maxOf(a)
			if err != nil {
				return nil, err
			}
			body = Program{jgt(m, toEnosys, toFilter)}
		}
		sections = append(sections, section{audit: audit, body: body})
	}
	// Layout: ld arch; per section: jeq audit (jf -> next section) ; ld nr ; body...
	// then: ja filter (no arch matched) ; ret ENOSYS ; <filter>.
	var prog Program
	prog = append(prog, ldAbs(offArch))
	for _, s := range sections {
		n := 1 + 1 + len(s.body) // jeq + ld nr + body
		prog = append(prog, jeq(s.audit, 0, uint8(n-1)))
		prog = append(prog, ldAbs(offNr))
		prog = append(prog, s.body...)
	}
	prog = append(prog, ja(1))            // no covered arch: go to the filter
	prog = append(prog, ret(RetErrno|38)) // ENOSYS
	enosysAt, filterAt := len(prog)-1, len(prog)
	for pc := range prog {
		in := &prog[pc]
		if in.Code == clsJMP|jmpJA {
			switch in.K {
			case toFilter:
				in.K = uint32(filterAt - pc - 1)
			case toEnosys:
				in.K = uint32(enosysAt - pc - 1)
			}
			continue
		}
		if in.class() != clsJMP {
			continue
		}
		fix := func(t *uint8) {
			switch *t {
			case toFilter:
				*t = uint8(filterAt - pc - 1)
			case toEnosys:
				*t = uint8(enosysAt - pc - 1)
			}
		}
		fix(&in.Jt)
		fix(&in.Jf)
	}
	return prog, nil
}

// seccomp(2)'s operation and flag that newListenerCheck looks for
// (linux/seccomp.h).
const (
	seccompSetModeFilter   = 1
	seccompFlagNewListener = uint32(FlagNewListener)
)

// newListenerCheck returns the program that Options.NotifyNewListener
// prepends: for each ABI (its AUDIT_ARCH value and its number of seccomp,
// x32's with X32SyscallBit), seccomp(SECCOMP_SET_MODE_FILTER, flags) with
// SECCOMP_FILTER_FLAG_NEW_LISTENER in flags returns SECCOMP_RET_USER_NOTIF;
// everything else goes on to the instruction after it. The arguments'
// low words are compared (the operation and the flags are unsigned int).
func newListenerCheck(abis []string) (Program, error) {
	const toNotify = 0xff // patched below
	var prog Program
	for _, a := range abis {
		audit, ok := AuditArch(a)
		if !ok {
			return nil, fmt.Errorf("arch %s: no AUDIT_ARCH value", a)
		}
		nr, err := scmp.Number(a, "seccomp")
		if err != nil {
			continue // no seccomp(2) on this ABI: only prctl, which has no flags
		}
		// Each jf skips to the next block: the block is 8 long.
		prog = append(prog,
			ldAbs(offArch),
			jeq(audit, 0, 6),
			ldAbs(offNr),
			jeq(uint32(nr), 0, 4),
			ldAbs(offArgs),
			jeq(seccompSetModeFilter, 0, 2),
			ldAbs(offArgs+8),
			jset(seccompFlagNewListener, toNotify, 0),
		)
	}
	if len(prog) == 0 {
		return nil, nil
	}
	prog = append(prog, ja(1), ret(RetUserNotif))
	notifyAt := len(prog) - 1
	for pc := range prog {
		if in := &prog[pc]; in.Code == clsJMP|jmpJSET|srcK && in.Jt == toNotify {
			in.Jt = uint8(notifyAt - pc - 1)
		}
	}
	return prog, nil
}

// armNRBase is __ARM_NR_BASE, where ARM's private syscalls start.
const armNRBase = abi.ARMPrivateBase

// armMainMax is the highest ordinary ARM syscall number libseccomp knows.
func armMainMax() uint32 {
	for nr := int(armNRBase) - 1; nr > 0; nr-- {
		if nr > 4096 {
			nr = 4096
		}
		if _, ok := scmp.Name("arm", nr); ok {
			return uint32(nr)
		}
	}
	return 0
}

// Offsets in struct seccomp_data.
const (
	offNr   = 0
	offArch = 4
	offIP   = 8
	offArgs = 16
)
