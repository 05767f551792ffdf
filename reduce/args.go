package reduce

import (
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/seccomp-gen/seccomp-gen/abi"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// Argument rules (issue 10). The recorder keeps the distinct values of a
// fixed set of scalar arguments (ArgSpecs; trace.ArgValues in the trace
// file). For the arguments where the value decides the risk, the profile
// allows exactly the observed values and answers every other value EPERM,
// so that a generated profile is never weaker than Docker's default
// (moby/profiles v0.2.4) on an argument unless a trace observed that very
// call, which the report then names as a weakening.
//
// The shapes are the ones runc and crun enforce as intended (policy/doc.go):
// every rule has one condition, rules with different actions have disjoint
// conditions, and no argument has more than one range comparison; the
// exception are Pair arguments (socket's type with its domain, a socket
// option's optname with its level), whose allow rules have a condition on
// each argument, a shape policy.Check accepts only after
// policy.FilterVerifier has compared libseccomp's filter with the model. The
// policy's default action is ENOSYS (for syscalls newer than the profile),
// so "everything else EPERM" cannot be left to the default: it is written
// out as masked comparisons that together cover exactly the values not
// allowed (complement), a binary trie over the compared bits with at most
// (number of bits) x (number of allowed values) rules.

// ArgSpec is one recorded argument.
type ArgSpec struct {
	Syscall string
	Index   int
	// What the argument is, in reports ("flags", "domain").
	What string
	// Mask selects the bits that decide. Flag words (clone) keep only the
	// risky bits; int arguments are compared on their low 32 bits.
	Mask uint64
	// Int: the argument is an int (or unsigned int) of the kernel, which
	// reads its low 32 bits: recorded values are kept as their low 32 bits.
	// An allowed value is compared exactly (64 bits), as in Docker's rules
	// (the same value with other high bits gets the default action,
	// ENOSYS), except an observed one with bit 31 set (a negative int:
	// musl's ioctl(int, int) and an int passed where glibc takes unsigned
	// long sign-extend it, glibc's macro constants do not) or recorded
	// with other high bits: that one is compared on its low 32 bits
	// whatever the upper half, the call the kernel sees either way, and a
	// value the SPO CRD (int64) can carry. The values denied with EPERM
	// are those whose low 32 bits differ from every allowed one.
	Int bool
	// Restrict: generate emits a rule for it. Others are recorded, kept in
	// the trace and reported, but not restricted (the risk is in values
	// seccomp cannot judge, or Docker does not restrict them either).
	Restrict bool
	// Docker is the set of (masked) values Docker's default profile allows
	// for a container with the default capabilities, nil when Docker's
	// default has no argument rule for the syscall. When no values were
	// recorded (an old trace, a baseline syscall) or the recorder's bound
	// was exceeded, the rule allows this set, so the profile is never
	// weaker than Docker's default.
	Docker []uint64
	// Always are (masked) values allowed whenever the argument is
	// restricted, observed or not: values a runtime or libc sends at times
	// a trace does not catch (the Go runtime preempts goroutines with
	// tgkill(SIGURG) on its own schedule; a GC waiting on a loop it cannot
	// preempt would hang), and the prot values without both W and X.
	Always []uint64
	// BaselineSafe: a baseline's calls of the syscall (the runtime's, after
	// the filter is in place) fall within Always, so a baseline does not
	// lift the rule (runc and crun map no W+X memory; internal/runtimetest
	// runs both under these rules).
	BaselineSafe bool
	// Names name values (or, for flag words, bits) in reports.
	Names map[uint64]string
	// Flags: Names name bits, not values.
	Flags bool
	// Whole: reports name values by all their bits, not by Mask's alone:
	// for a profile's test that reads the others (verdict: clone allowed
	// for arg0 == SIGCHLD). Never set in ArgSpecs.
	Whole bool
	// Pair: the argument is restricted together with the syscall's first
	// restricted argument (socket's type with its domain, setsockopt's
	// optname with its level): one rule per combination of allowed
	// values, with a condition on each (policy.FilterVerifier checks that
	// libseccomp compiles them as written), allowing the combinations the
	// traces observed together (trace.Syscall.Pairs; every combination
	// where a trace does not say) and EPERM for the others.
	Pair bool
}

// NamespaceFlags are the clone flags that create namespaces, the bits
// Docker's default profile denies in clone (0x7E020000).
const NamespaceFlags = 0x7E020000

func dockerSocketFamilies() []uint64 {
	var out []uint64
	for v := uint64(0); v < 38; v++ {
		out = append(out, v)
	}
	return append(out, 39, 41, 42, 43, 44, 45)
}

// maxPairRules bounds the allow rules of a pair (allowed values of the
// first argument times those of the second); beyond it the second argument
// stays unrestricted (reported).
const maxPairRules = 64

// Socket type flags the recorder masks off (they do not change what the
// socket is).
const (
	sockNonblock = 0x800
	sockCloexec  = 0x80000
)

// PROT_WRITE|PROT_EXEC: memory both writable and executable is denied
// unless a trace observed it (a JIT); every other prot is allowed.
const protWX = 0x6

// sigurg is the signal the Go runtime preempts goroutines with.
const sigurg = 23

// ArgSpecs returns the documented list of recorded arguments; the recorder
// (bpf/recorder.c, argspec) records exactly these. Values are recorded as
// the register holds them, except socket's type, which is recorded with
// SOCK_NONBLOCK and SOCK_CLOEXEC masked off, the prot of mmap, mmap2,
// mprotect and pkey_mprotect, recorded as prot & (PROT_WRITE|PROT_EXEC),
// and the flags of fcntl(F_SETFL) and pipe2, recorded as flags & O_NONBLOCK
// (fcntl's only in F_SETFL calls).
// On 32-bit ABIs (x86, arm) glibc calls mmap2 and fcntl64, not mmap and
// fcntl: those carry the same rules.
func ArgSpecs() []ArgSpec { return argSpecs() }

// argSpecs builds ArgSpecs' list and its name tables at the first use, not
// in the package's initializer: trace's start does not need them, and
// every initializer runs before the traced command can start (issue 13).
var argSpecs = sync.OnceValue(func() []ArgSpec {
	cloneNames := map[uint64]string{
		0x00020000: "CLONE_NEWNS", 0x02000000: "CLONE_NEWCGROUP", 0x04000000: "CLONE_NEWUTS",
		0x08000000: "CLONE_NEWIPC", 0x10000000: "CLONE_NEWUSER", 0x20000000: "CLONE_NEWPID",
		0x40000000: "CLONE_NEWNET", 0x00000080: "CLONE_NEWTIME",
		0x00000200: "CLONE_FS", 0x00000400: "CLONE_FILES", 0x00040000: "CLONE_SYSVSEM",
	}
	familyNames := map[uint64]string{
		0: "AF_UNSPEC", 1: "AF_UNIX", 2: "AF_INET", 3: "AF_AX25", 4: "AF_IPX", 5: "AF_APPLETALK",
		6: "AF_NETROM", 7: "AF_BRIDGE", 8: "AF_ATMPVC", 9: "AF_X25", 10: "AF_INET6", 11: "AF_ROSE",
		12: "AF_DECnet", 13: "AF_NETBEUI", 14: "AF_SECURITY", 15: "AF_KEY", 16: "AF_NETLINK",
		17: "AF_PACKET", 18: "AF_ASH", 19: "AF_ECONET", 20: "AF_ATMSVC", 21: "AF_RDS", 22: "AF_SNA",
		23: "AF_IRDA", 24: "AF_PPPOX", 25: "AF_WANPIPE", 26: "AF_LLC", 27: "AF_IB", 28: "AF_MPLS",
		29: "AF_CAN", 30: "AF_TIPC", 31: "AF_BLUETOOTH", 32: "AF_IUCV", 33: "AF_RXRPC", 34: "AF_ISDN",
		35: "AF_PHONET", 36: "AF_IEEE802154", 37: "AF_CAIF", 38: "AF_ALG", 39: "AF_NFC", 40: "AF_VSOCK",
		41: "AF_KCM", 42: "AF_QIPCRTR", 43: "AF_SMC", 44: "AF_XDP", 45: "AF_MCTP",
	}
	socketcallNames := map[uint64]string{
		1: "SYS_SOCKET", 2: "SYS_BIND", 3: "SYS_CONNECT", 4: "SYS_LISTEN", 5: "SYS_ACCEPT",
		6: "SYS_GETSOCKNAME", 7: "SYS_GETPEERNAME", 8: "SYS_SOCKETPAIR", 9: "SYS_SEND", 10: "SYS_RECV",
		11: "SYS_SENDTO", 12: "SYS_RECVFROM", 13: "SYS_SHUTDOWN", 14: "SYS_SETSOCKOPT",
		15: "SYS_GETSOCKOPT", 16: "SYS_SENDMSG", 17: "SYS_RECVMSG", 18: "SYS_ACCEPT4",
		19: "SYS_RECVMMSG", 20: "SYS_SENDMMSG",
	}
	// Names of the prctl options and fcntl commands runtimes and libcs use
	// most (linux/prctl.h, asm-generic/fcntl.h), for reports.
	prctlNames := map[uint64]string{1: "PR_SET_PDEATHSIG", 2: "PR_GET_PDEATHSIG", 3: "PR_GET_DUMPABLE", 4: "PR_SET_DUMPABLE",
		8: "PR_SET_KEEPCAPS", 15: "PR_SET_NAME", 16: "PR_GET_NAME", 22: "PR_SET_SECCOMP", 23: "PR_CAPBSET_READ",
		24: "PR_CAPBSET_DROP", 36: "PR_SET_CHILD_SUBREAPER", 38: "PR_SET_NO_NEW_PRIVS", 39: "PR_GET_NO_NEW_PRIVS",
		47: "PR_CAP_AMBIENT", 0x53564d41: "PR_SET_VMA"}
	fcntlNames := map[uint64]string{0: "F_DUPFD", 1: "F_GETFD", 2: "F_SETFD", 3: "F_GETFL", 4: "F_SETFL", 5: "F_GETLK",
		6: "F_SETLK", 7: "F_SETLKW", 1030: "F_DUPFD_CLOEXEC", 1031: "F_SETPIPE_SZ", 1032: "F_GETPIPE_SZ",
		1033: "F_ADD_SEALS", 1034: "F_GET_SEALS", 36: "F_OFD_GETLK", 37: "F_OFD_SETLK", 38: "F_OFD_SETLKW"}
	sockTypeNames := map[uint64]string{1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 4: "SOCK_RDM", 5: "SOCK_SEQPACKET", 6: "SOCK_DCCP", 10: "SOCK_PACKET"}
	nonblockNames := map[uint64]string{trace.ONonblock: "O_NONBLOCK"}
	protNames := map[uint64]string{2: "PROT_WRITE", 4: "PROT_EXEC"}
	notWX := []uint64{0, 2, 4}
	return []ArgSpec{
		{Syscall: "clone", Index: 0, What: "flags", Mask: NamespaceFlags, Restrict: true, Docker: []uint64{0}, Names: cloneNames, Flags: true},
		{Syscall: "unshare", Index: 0, What: "flags", Mask: 0xffffffff, Int: true, Restrict: true, Docker: []uint64{0}, Names: cloneNames, Flags: true},
		{Syscall: "setns", Index: 1, What: "nstype", Mask: 0xffffffff, Int: true, Restrict: true, Names: cloneNames},
		{Syscall: "socket", Index: 0, What: "domain", Mask: 0xffffffff, Int: true, Restrict: true, Docker: dockerSocketFamilies(), Names: familyNames},
		{Syscall: "socket", Index: 1, What: "type", Mask: 0xffffffff &^ (sockNonblock | sockCloexec), Int: true, Restrict: true, Pair: true, Names: sockTypeNames},
		{Syscall: "socketpair", Index: 0, What: "domain", Mask: 0xffffffff, Int: true, Restrict: true, Names: familyNames},
		{Syscall: "personality", Index: 0, What: "persona", Mask: 0xffffffff, Int: true, Restrict: true, Docker: []uint64{0, 8, 0x20000, 0x20008, 0xffffffff}},
		{Syscall: "socketcall", Index: 0, What: "call", Mask: 0xffffffff, Int: true, Restrict: true, Names: socketcallNames},
		{Syscall: "prctl", Index: 0, What: "option", Mask: 0xffffffff, Int: true, Restrict: true, Names: prctlNames},
		{Syscall: "ioctl", Index: 1, What: "request", Mask: 0xffffffff, Int: true, Restrict: true},
		{Syscall: "fcntl", Index: 1, What: "cmd", Mask: 0xffffffff, Int: true, Restrict: true, Names: fcntlNames},
		{Syscall: "fcntl64", Index: 1, What: "cmd", Mask: 0xffffffff, Int: true, Restrict: true, Names: fcntlNames},
		{Syscall: "mmap", Index: 2, What: "prot", Mask: protWX, Restrict: true, Always: notWX, BaselineSafe: true, Names: protNames, Flags: true},
		{Syscall: "mmap2", Index: 2, What: "prot", Mask: protWX, Restrict: true, Always: notWX, BaselineSafe: true, Names: protNames, Flags: true},
		{Syscall: "mprotect", Index: 2, What: "prot", Mask: protWX, Restrict: true, Always: notWX, BaselineSafe: true, Names: protNames, Flags: true},
		{Syscall: "pkey_mprotect", Index: 2, What: "prot", Mask: protWX, Restrict: true, Always: notWX, BaselineSafe: true, Names: protNames, Flags: true},
		{Syscall: "setsockopt", Index: 1, What: "level", Mask: 0xffffffff, Int: true, Restrict: true},
		{Syscall: "setsockopt", Index: 2, What: "optname", Mask: 0xffffffff, Int: true, Restrict: true, Pair: true},
		{Syscall: "getsockopt", Index: 1, What: "level", Mask: 0xffffffff, Int: true, Restrict: true},
		{Syscall: "getsockopt", Index: 2, What: "optname", Mask: 0xffffffff, Int: true, Restrict: true, Pair: true},
		{Syscall: "kill", Index: 1, What: "signal", Mask: 0xffffffff, Int: true, Restrict: true},
		{Syscall: "tgkill", Index: 2, What: "signal", Mask: 0xffffffff, Int: true, Restrict: true, Always: []uint64{sigurg}},
		{Syscall: "tkill", Index: 1, What: "signal", Mask: 0xffffffff, Int: true, Restrict: true, Always: []uint64{sigurg}},
		// Not restricted: evidence that a descriptor was made non-blocking
		// (widen.Signs), O_NONBLOCK kept; fcntl's flags of F_SETFL calls only.
		{Syscall: "fcntl", Index: 2, What: "F_SETFL flags", Mask: trace.ONonblock, Names: nonblockNames, Flags: true},
		{Syscall: "fcntl64", Index: 2, What: "F_SETFL flags", Mask: trace.ONonblock, Names: nonblockNames, Flags: true},
		{Syscall: "pipe2", Index: 1, What: "flags", Mask: trace.ONonblock, Names: nonblockNames, Flags: true},
	}
})

// FindArgSpec returns the spec of argument index of syscall, if recorded.
func FindArgSpec(syscall string, index int) (ArgSpec, bool) {
	for _, s := range ArgSpecs() {
		if s.Syscall == syscall && s.Index == index {
			return s, true
		}
	}
	return ArgSpec{}, false
}

// ValueName spells v for a report: "AF_INET (2)", "CLONE_NEWUSER|CLONE_NEWNET
// (0x50000000)", "0x40000".
func (s ArgSpec) ValueName(v uint64) string {
	if s.Whole {
		return s.wholeName(v)
	}
	if !s.Int {
		v &= s.Mask
	}
	if s.Flags && !s.Int {
		if v == 0 {
			return "none of " + s.bitNames(s.Mask)
		}
		return fmt.Sprintf("%s (%#x)", s.bitNames(v), v)
	}
	if n, ok := s.Names[v]; ok {
		if s.Flags {
			return fmt.Sprintf("%s (%#x)", n, v)
		}
		return fmt.Sprintf("%s (%d)", n, v)
	}
	if s.Flags && v != 0 && v>>32 == 0 {
		return fmt.Sprintf("%s (%#x)", s.bitNames(v), v)
	}
	if v < 1024 {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%#x", v)
}

// wholeName spells all of v, the bits outside Mask too (Whole): the named
// bits of a flag word and the rest in one number, "CLONE_NEWUSER|0x11
// (0x10000011)", or the number alone, "0x1200011".
func (s ArgSpec) wholeName(v uint64) string {
	var named uint64
	if s.Flags {
		for b := range s.Names {
			named |= b & v
		}
	}
	if named == 0 {
		if v < 1024 && !s.Flags {
			return fmt.Sprint(v)
		}
		return fmt.Sprintf("%#x", v)
	}
	parts := s.bitNames(named)
	if rest := v &^ named; rest != 0 {
		parts += fmt.Sprintf("|%#x", rest)
	}
	return fmt.Sprintf("%s (%#x)", parts, v)
}

func (s ArgSpec) bitNames(v uint64) string {
	var parts []string
	for v != 0 {
		b := uint64(1) << (63 - bits.LeadingZeros64(v))
		v &^= b
		if n, ok := s.Names[b]; ok {
			parts = append(parts, n)
		} else {
			parts = append(parts, fmt.Sprintf("%#x", b))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, "|")
}

// ArgRule says how one argument of an allowed syscall is restricted.
type ArgRule struct {
	Spec ArgSpec
	// Allowed are the (masked) values the profile allows, sorted.
	Allowed []uint64
	// Source: "observed" (the traces recorded every value), "docker" (no
	// values recorded: Docker's default set), "overflow-docker" (more
	// distinct values than the recorder keeps: Docker's default set),
	// "baseline" or "observed-baseline" (a baseline's syscall: the
	// runtime's measured values, profiles.Baseline.Args, and the traces'),
	// "widen" or "observed-widen" (the same for values generate --widen
	// adds: the descriptor-flag ioctl requests of --widen=kinds).
	Source string
	// Unrestricted: no rule (values unknown and Docker has no rule, or
	// every value allowed); Why says why. For a restricted argument, Why
	// says what other values get when not EPERM.
	Unrestricted bool
	Why          string
	// For a Pair argument restricted together with its syscall's first
	// restricted argument: Pairs are the (first, this) values allowed
	// together, the combinations the traces observed (nil when every
	// combination of the two arguments' allowed values is allowed), and
	// Pairing says which of the two it is and why.
	Pairs   [][2]uint64
	Pairing string
}

// Weakening is an argument value Docker's default profile denies that the
// profile allows because a trace observed it.
type Weakening struct {
	Syscall string
	Index   int
	Value   uint64
	Message string
}

// argObservation is what the traces say about one argument.
type argObservation struct {
	values   map[uint64]bool
	overflow bool
	// merged: the traces together recorded more distinct values than one
	// trace keeps (trace.MaxArgDistinct); overflow is set too.
	merged bool
	// tooLarge: a rule per value made the filter longer than the kernel
	// loads (Reduce); overflow is set too.
	tooLarge bool
	unknown  bool // a trace has the syscall but no values for the argument
	seen     bool
	// wide: (masked) values of an Int argument recorded on a 64-bit ABI
	// with a nonzero upper half.
	wide map[uint64]bool
	// For a Pair argument: the (masked) pairs of the first restricted
	// argument's value and this one's that went together in one call
	// (trace.Syscall.Pairs), pairsUnknown when an entry has none (an
	// older trace) and pairsOverflow when one's overflowed or the traces
	// together hold more than one trace keeps (pairsMerged).
	pairs                       map[[2]uint64]bool
	pairsUnknown, pairsOverflow bool
	pairsMerged                 bool
}

// lowWord says whether an observed value v of spec's argument is allowed
// on its low 32 bits only (ArgSpec.Int): bit 31 set, or recorded wide.
func lowWord(spec ArgSpec, v uint64, wide bool) bool {
	return spec.Int && (wide || v >= 1<<31)
}

// canonValue returns a recorded value of spec's argument as a rule compares
// it (masked; an Int's low 32 bits, a 32-bit ABI's low word) and whether
// it is an Int recorded with a nonzero upper half on a 64-bit ABI.
func canonValue(spec ArgSpec, arch string, v uint64) (uint64, bool) {
	if a, ok := abi.Lookup(arch); ok && a.ArgBits == 32 {
		v &= 0xffffffff
	}
	return v & spec.Mask, spec.Int && v>>32 != 0
}

// observeArgs collects the recorded values of the restricted arguments of
// the syscalls that the traces name, from the (ABI, name) entries the
// thresholds kept: a value recorded only with a dropped syscall is dropped
// with it. An entry's values also count for the name it is allowed as on
// another covered ABI (mmap's prot for mmap2's, archmap.go) where both
// record the same argument.
func observeArgs(inputs []Input, kept map[key]bool, arches []string, r trace.Tables) map[string]map[int]*argObservation {
	out := map[string]map[int]*argObservation{}
	covered := map[string]bool{}
	for _, a := range arches {
		covered[a] = true
	}
	for _, in := range inputs {
		for _, s := range in.File.Syscalls {
			name, err := trace.ResolveName(r, s)
			if err != nil || name == "" || !kept[key{s.Arch, name}] {
				continue
			}
			names := []string{name}
			for _, a := range arches {
				if to, ok := allowedAs(r, covered, s.Arch, a, name); ok && !slices.Contains(names, to) {
					names = append(names, to)
				}
				if !covered[s.Arch] {
					for _, c := range companionNames(r, s.Arch, a, name) {
						if !slices.Contains(names, c) {
							names = append(names, c)
						}
					}
				}
			}
			for _, spec := range ArgSpecs() {
				if !slices.Contains(names, spec.Syscall) {
					continue
				}
				if spec.Syscall != name {
					// A mapped name: only an argument the observed
					// syscall records with the same meaning.
					src, ok := FindArgSpec(name, spec.Index)
					if !ok || src.What != spec.What || src.Mask != spec.Mask || src.Int != spec.Int {
						continue
					}
				}
				m := out[spec.Syscall]
				if m == nil {
					m = map[int]*argObservation{}
					out[spec.Syscall] = m
				}
				o := m[spec.Index]
				if o == nil {
					o = &argObservation{values: map[uint64]bool{}, wide: map[uint64]bool{}}
					m[spec.Index] = o
				}
				o.seen = true
				var av *trace.ArgValues
				for i := range s.Args {
					if s.Args[i].Index == spec.Index {
						av = &s.Args[i]
					}
				}
				if av == nil {
					o.unknown = true
					continue
				}
				o.overflow = o.overflow || av.Overflow
				for _, v := range av.Values {
					v, wide := canonValue(spec, s.Arch, v)
					o.values[v] = true
					if wide {
						o.wide[v] = true
					}
				}
				if spec.Pair {
					observePairs(o, spec, s)
				}
			}
		}
	}
	// Merged traces can hold any number of values, each a rule: 200
	// traces of 32 ioctl requests each made libseccomp work 9 minutes and
	// crash, and a filter over 4096 instructions does not load. Past what
	// one trace keeps, an argument counts as overflowed.
	for _, m := range out {
		for _, o := range m {
			if len(o.values) > trace.MaxArgDistinct && !o.overflow {
				o.overflow, o.merged = true, true
			}
			if len(o.pairs) > trace.MaxArgDistinct && !o.pairsOverflow {
				o.pairsOverflow, o.pairsMerged = true, true
			}
		}
	}
	return out
}

// observePairs adds the pairs of entry s to o, the observation of spec, a
// Pair argument: s's pairs of the syscall's first restricted argument and
// spec's, masked as each argument's values are. An entry without them (an
// older trace) or with other arguments paired makes them unknown.
func observePairs(o *argObservation, spec ArgSpec, s trace.Syscall) {
	first, ok := FindArgSpec(spec.Syscall, firstRestricted(spec.Syscall))
	if !ok || s.Pairs == nil || s.Pairs.Indexes != [2]int{first.Index, spec.Index} {
		o.pairsUnknown = true
		return
	}
	if o.pairs == nil {
		o.pairs = map[[2]uint64]bool{}
	}
	o.pairsOverflow = o.pairsOverflow || s.Pairs.Overflow
	for _, v := range s.Pairs.Values {
		a, _ := canonValue(first, s.Arch, v[0])
		b, _ := canonValue(spec, s.Arch, v[1])
		o.pairs[[2]uint64{a, b}] = true
	}
}

// argRules decides the argument rules for the allowed names. It returns the
// rules (conditional, in file order), the names they restrict (they leave
// the unconditional allow rule and the unobserved rule) and what to report.
//
// A syscall a baseline allows is also called by the runtime (runc drops
// capabilities with prctl after it installs the filter), with values no
// trace recorded: where the baselines list the runtime's values
// (profiles.Baseline.Args) those are allowed too; otherwise its arguments
// without a Docker set stay unrestricted (reported). Those with one (clone,
// unshare, socket, personality) keep their rule: the runtimes' own calls
// pass it (internal/runtimetest).
//
// A syscall in free (what an extended profile allows unconditionally,
// extend.go) gets no rule: this run must not narrow it.
func argRules(inputs []Input, kept map[key]bool, allowed, baseline, widened map[string]bool, baselineVals map[string]map[int][]uint64, free map[string]bool, arches []string, r trace.Tables, shrink map[string]map[int]bool) (rules []policy.Rule, restricted map[string]bool, report []ArgRule, weak []Weakening) {
	obs := observeArgs(inputs, kept, arches, r)
	for name, idx := range shrink {
		for i := range idx {
			if o := obs[name][i]; o != nil {
				o.overflow, o.tooLarge = true, true
			}
		}
	}
	var decided []argDecision
	restricted = map[string]bool{}
	has := func(name string) bool {
		for _, a := range arches {
			if r.Has(a, name) {
				return true
			}
		}
		return false
	}
	// clone3's flags live in memory seccomp cannot read: whenever clone is
	// restricted clone3 answers ENOSYS so that libc falls back to clone.
	// A workload that used clone3 (threads, with glibc >= 2.34) needs clone.
	if allowed["clone3"] && has("clone") {
		allowed["clone"] = true
	}
	x86 := slices.Contains(arches, abi.X86)
	for _, spec := range ArgSpecs() {
		if !spec.Restrict || !allowed[spec.Syscall] || !has(spec.Syscall) {
			continue
		}
		_, _, muxed := policy.MuxCall(spec.Syscall)
		if x86 && muxed && spec.Pair {
			// libseccomp copies the rule to socketcall with argument 0
			// replaced by the call number and the other conditions
			// kept, on socketcall's arguments: a pointer.
			report = append(report, ArgRule{Spec: spec, Unrestricted: true,
				Why: "the profile covers x86, where libseccomp copies " + spec.Syscall + "'s rules to socketcall with this condition on socketcall's pointer argument"})
			continue
		}
		o := obs[spec.Syscall][spec.Index]
		ar := ArgRule{Spec: spec}
		if free[spec.Syscall] {
			ar.Unrestricted = true
			ar.Why = "the extended profile allows it unconditionally"
			report = append(report, ar)
			continue
		}
		var vals map[uint64]bool
		low := map[uint64]bool{} // observed values compared on their low 32 bits
		runtimeVals, measured := baselineVals[spec.Syscall][spec.Index]
		switch {
		case baseline[spec.Syscall] && spec.Docker == nil && !spec.BaselineSafe && !measured:
			ar.Unrestricted = true
			ar.Why = "a baseline allows it: the runtime calls it with values no trace recorded"
			if widened[spec.Syscall] {
				ar.Why = "the executables link it (--widen): other inputs may pass values no trace recorded"
			}
			report = append(report, ar)
			continue
		case baseline[spec.Syscall] && measured && (o == nil || !o.seen || (!o.unknown && !o.overflow)):
			// The runtime's measured values (profiles/baselines) and
			// the traces'.
			ar.Source = "baseline"
			vals = map[uint64]bool{}
			for _, v := range runtimeVals {
				v, w := canonValue(spec, "", v)
				vals[v] = true
				if lowWord(spec, v, w) {
					low[v] = true
				}
			}
			if o != nil {
				ar.Source = "observed-baseline"
				for v := range o.values {
					vals[v] = true
				}
			}
			if widened[spec.Syscall] {
				ar.Source = strings.Replace(ar.Source, "baseline", "widen", 1)
			}
			for _, v := range spec.Always {
				vals[v] = true
			}
		case baseline[spec.Syscall] && spec.BaselineSafe && (o == nil || !o.seen):
			// Only a baseline calls it (an i386 program's profile
			// allows x86_64's mmap for the runtime): the runtime's
			// calls fall within Always.
			ar.Source = "baseline"
			vals = map[uint64]bool{}
			for _, v := range spec.Always {
				vals[v] = true
			}
		case o != nil && o.seen && !o.unknown && !o.overflow:
			ar.Source = "observed"
			vals = map[uint64]bool{}
			for v := range o.values {
				vals[v] = true
			}
			for _, v := range spec.Always {
				vals[v] = true
			}
		case spec.Docker != nil:
			ar.Source = "docker"
			if o != nil && o.overflow && !o.unknown {
				ar.Source = "overflow-docker"
			}
			vals = map[uint64]bool{}
			for _, v := range spec.Docker {
				vals[v] = true
			}
			if o != nil {
				for v := range o.values {
					vals[v] = true
				}
			}
		default:
			ar.Unrestricted = true
			if o != nil && o.tooLarge {
				ar.Why = fmt.Sprintf("allowing only its %d recorded values made the filter longer than the %d instructions the kernel loads", len(o.values), 4096)
			} else if o != nil && o.merged {
				ar.Why = fmt.Sprintf("the traces together recorded %d distinct values, more than the %d one trace keeps", len(o.values), trace.MaxArgDistinct)
			} else if o != nil && o.overflow {
				ar.Why = "more distinct values than the recorder keeps"
			} else {
				ar.Why = "no values recorded (trace recorded without arguments, or the syscall comes from a baseline)"
			}
			report = append(report, ar)
			continue
		}
		for v := range vals {
			ar.Allowed = append(ar.Allowed, v)
			if o != nil && o.values[v] && lowWord(spec, v, o.wide[v]) {
				low[v] = true
			}
		}
		sort.Slice(ar.Allowed, func(i, j int) bool { return ar.Allowed[i] < ar.Allowed[j] })
		if len(ar.Allowed) == 0 {
			ar.Unrestricted = true
			ar.Why = "no values recorded"
			report = append(report, ar)
			continue
		}
		if x86 && spec.Syscall == "socketcall" {
			// Calls the profile allows directly are allowed through
			// socketcall too (libseccomp copies their rules there).
			for name := range allowed {
				if mux, call, ok := policy.MuxCall(name); ok && mux == "socketcall" && !slices.Contains(ar.Allowed, call) {
					ar.Allowed = append(ar.Allowed, call)
				}
			}
			slices.Sort(ar.Allowed)
		}
		deny := complement(uint(spec.Index), spec.Mask, ar.Allowed)
		if x86 && muxed {
			// An EPERM rule here would land on socketcall(call) next
			// to the allow rules' copies there: other values get the
			// default answer (ENOSYS) instead.
			deny = nil
			ar.Why = "other values get ENOSYS, not EPERM: on x86 libseccomp copies the rules to socketcall"
		}
		if len(deny) == 0 && !(x86 && muxed) {
			ar.Unrestricted = true
			ar.Why = "every value was observed"
			report = append(report, ar)
			continue
		}
		decided = append(decided, argDecision{ar: ar, deny: deny, low: low})
	}
	for i, d := range decided {
		spec := d.ar.Spec
		if spec.Pair {
			if pairedWith(decided, i) >= 0 {
				continue // written with the argument it goes with
			}
			// The first argument is unrestricted: this one stands alone.
			restricted[spec.Syscall] = true
			rules = append(rules, argRuleSet(d, nil, nil)...)
			report = append(report, d.ar)
			weak = append(weak, weakenings(spec, d.ar.Allowed)...)
			continue
		}
		restricted[spec.Syscall] = true
		var second *argDecision
		var pairs map[[2]uint64]bool
		if j := pairOf(decided, i); j >= 0 {
			if d.ar.Source == "observed" && len(d.ar.Allowed)*len(decided[j].ar.Allowed) <= maxPairRules {
				second = &decided[j]
				pairs = pairsFor(d, second, obs[spec.Syscall][second.ar.Spec.Index])
			} else {
				left := decided[j].ar
				left.Unrestricted, left.Allowed = true, nil
				left.Why = fmt.Sprintf("restricted together with %s %s, whose allowed values do not all come from the traces", spec.Syscall, spec.What)
				if d.ar.Source == "observed" {
					left.Why = fmt.Sprintf("more than %d combinations with the allowed values of %s", maxPairRules, spec.What)
				}
				report = append(report, left)
			}
		}
		rules = append(rules, argRuleSet(d, second, pairs)...)
		report = append(report, d.ar)
		weak = append(weak, weakenings(spec, d.ar.Allowed)...)
		if second != nil {
			report = append(report, second.ar)
		}
	}
	if allowed["socketcall"] && slices.ContainsFunc(arches, func(a string) bool { return r.Has(a, "socketcall") }) {
		// x86: socketcall(SYS_SOCKET, args) passes socket's arguments in
		// memory. The call number is restricted above; the domain is not.
		report = append(report, ArgRule{Spec: ArgSpec{Syscall: "socketcall", Index: 1, What: "args (socket domain through socketcall)"},
			Unrestricted: true, Why: "socketcall passes the socket call's arguments in memory seccomp cannot read: the domain of sockets made through socketcall is not checked"})
	}
	if restricted["mmap"] && slices.ContainsFunc(arches, func(a string) bool { return a == abi.X86 && r.Has(a, "mmap") }) {
		// x86's mmap is old_mmap(struct *): the rule on argument 2 reads
		// a register the kernel ignores there. glibc calls mmap2.
		report = append(report, ArgRule{Spec: ArgSpec{Syscall: "mmap", Index: 0, What: "args on x86 (old_mmap)"},
			Unrestricted: true, Why: "on x86 mmap is old_mmap, whose arguments are in memory seccomp cannot read: its prot is not checked (glibc's mmap2 is)"})
	}
	if restricted["clone"] && has("clone3") && !free["clone3"] {
		// An explicit rule although the default action is ENOSYS too:
		// formats and engines without defaultErrnoRet (the SPO CRD, Docker
		// 20.10's daemon) would otherwise answer it EPERM, and libc does
		// not fall back on EPERM. Docker's default profile has the same
		// rule.
		restricted["clone3"] = true
		rules = append(rules, policy.Rule{Names: []string{"clone3"}, Action: policy.ActErrno, Errno: policy.Errno(policy.ENOSYS),
			Comment: "clone3: its flags are in memory seccomp cannot read; ENOSYS makes libc fall back to clone, whose flags are checked"})
		report = append(report, ArgRule{Spec: ArgSpec{Syscall: "clone3", What: "clone_args"}, Source: "enosys"})
	}
	return rules, restricted, report, weak
}

// argDecision is a restricted argument before its rules are written.
type argDecision struct {
	ar   ArgRule
	deny []policy.Arg // the values not allowed (complement)
	// low: allowed values of an Int compared on their low 32 bits
	// (ArgSpec.Int).
	low map[uint64]bool
}

// firstRestricted is the index of syscall's first restricted argument that
// is not a Pair one: the one a Pair argument goes with.
func firstRestricted(syscall string) int {
	for _, s := range ArgSpecs() {
		if s.Syscall == syscall && s.Restrict && !s.Pair {
			return s.Index
		}
	}
	return -1
}

// pairOf returns the index in decided of the Pair argument that goes with
// decided[i], -1 when there is none.
func pairOf(decided []argDecision, i int) int {
	d := decided[i].ar.Spec
	for j, x := range decided {
		if x.ar.Spec.Syscall == d.Syscall && x.ar.Spec.Pair && firstRestricted(d.Syscall) == d.Index {
			return j
		}
	}
	return -1
}

// pairedWith returns the index in decided of the first argument a Pair
// argument decided[i] goes with, -1 when that one is not restricted.
func pairedWith(decided []argDecision, i int) int {
	d := decided[i].ar.Spec
	first := firstRestricted(d.Syscall)
	for j, x := range decided {
		if x.ar.Spec.Syscall == d.Syscall && x.ar.Spec.Index == first {
			return j
		}
	}
	return -1
}

// pairsFor decides how second, a Pair argument, goes with d, the first
// restricted argument of its syscall, both restricted to observed values:
// the pairs the traces observed together (o.pairs, those of allowed
// values), or nil for every combination of the allowed values when the
// traces do not say which went together. second's ArgRule says which and
// why (Pairs, Pairing).
func pairsFor(d argDecision, second *argDecision, o *argObservation) map[[2]uint64]bool {
	s1, s2 := d.ar.Spec, second.ar.Spec
	cross := func(why string) map[[2]uint64]bool {
		second.ar.Pairing = fmt.Sprintf("allowed with every allowed %s: %s", s1.What, why)
		return nil
	}
	switch {
	case second.ar.Source != "observed":
		return cross(fmt.Sprintf("its allowed values do not all come from the traces (%s)", sourceText(second.ar.Source)))
	case o == nil || o.pairsUnknown || len(o.pairs) == 0:
		return cross(fmt.Sprintf("a trace does not say which values of %s and %s went together (recorded before seccomp-gen kept pairs)", s1.What, s2.What))
	case o.pairsMerged:
		return cross(fmt.Sprintf("the traces together recorded %d distinct pairs, more than the %d one trace keeps", len(o.pairs), trace.MaxArgDistinct))
	case o.pairsOverflow:
		return cross("more distinct pairs than the recorder keeps")
	}
	pairs := map[[2]uint64]bool{}
	for p := range o.pairs {
		if slices.Contains(d.ar.Allowed, p[0]) && slices.Contains(second.ar.Allowed, p[1]) {
			pairs[p] = true
		}
	}
	// Values allowed whether observed or not (Always) go with every value
	// of the other argument.
	for _, v := range d.ar.Allowed {
		for _, w := range second.ar.Allowed {
			if slices.Contains(s1.Always, v) || slices.Contains(s2.Always, w) {
				pairs[[2]uint64{v, w}] = true
			}
		}
	}
	for p := range pairs {
		second.ar.Pairs = append(second.ar.Pairs, p)
	}
	sort.Slice(second.ar.Pairs, func(i, j int) bool {
		a, b := second.ar.Pairs[i], second.ar.Pairs[j]
		return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
	})
	var names []string
	for _, p := range second.ar.Pairs {
		names = append(names, fmt.Sprintf("%s with %s", s2.ValueName(p[1]), s1.ValueName(p[0])))
	}
	if len(names) > 8 {
		names = append(names[:8], fmt.Sprintf("and %d more", len(second.ar.Pairs)-8))
	}
	second.ar.Pairing = fmt.Sprintf("only with the %s it was observed with (%s): other combinations get EPERM", s1.What, strings.Join(names, ", "))
	if len(pairs) == len(d.ar.Allowed)*len(second.ar.Allowed) {
		second.ar.Pairing = fmt.Sprintf("every combination with the allowed %s values was observed together", s1.What)
	}
	return pairs
}

// argRuleSet writes the rules of one restricted argument: an allow rule per
// allowed value and EPERM for the others. With second (a Pair argument),
// an allow rule per combination of the two arguments' allowed values, and
// EPERM for the other values of each; with pairs (the combinations the
// traces observed together, pairsFor), the combinations not among them get
// EPERM rules on both arguments instead of allow rules: every call of two
// allowed values then meets exactly one rule, whose conditions are
// disjoint from those of every rule with another action (policy.Check),
// and the profile allows the observed combinations only.
func argRuleSet(d argDecision, second *argDecision, pairs map[[2]uint64]bool) []policy.Rule {
	spec := d.ar.Spec
	// An int is compared exactly (Int), except an observed one with bit
	// 31 set or recorded with other high bits (compared on the low 32
	// bits the kernel reads, ArgSpec.Int), with bits masked off (socket's
	// type) or as the second condition of a pair, where the masked test
	// keeps the pair within what policy.FilterVerifier checks.
	cond := func(s ArgSpec, v uint64) policy.Arg {
		if s.Int && s.Mask == 0xffffffff && !s.Pair && !d.low[v] {
			return policy.Arg{Index: uint(s.Index), Value: v, Op: policy.OpEqualTo}
		}
		return policy.Arg{Index: uint(s.Index), Value: s.Mask, ValueTwo: v & s.Mask, Op: policy.OpMaskedEqual}
	}
	var rules []policy.Rule
	for _, v := range d.ar.Allowed {
		if second == nil {
			rules = append(rules, policy.Rule{Names: []string{spec.Syscall}, Action: policy.ActAllow, Args: []policy.Arg{cond(spec, v)},
				Comment: fmt.Sprintf("%s %s %s allowed (%s)", spec.Syscall, spec.What, spec.ValueName(v), sourceText(d.ar.Source))})
			continue
		}
		s2 := second.ar.Spec
		for _, w := range second.ar.Allowed {
			if pairs != nil && !pairs[[2]uint64{v, w}] {
				rules = append(rules, policy.Rule{Names: []string{spec.Syscall}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM), Args: []policy.Arg{cond(spec, v), cond(s2, w)},
					Comment: fmt.Sprintf("%s %s %s with %s %s: not observed together", spec.Syscall, spec.What, spec.ValueName(v), s2.What, s2.ValueName(w))})
				continue
			}
			what := "observed"
			if pairs != nil {
				what = "observed together"
			}
			rules = append(rules, policy.Rule{Names: []string{spec.Syscall}, Action: policy.ActAllow, Args: []policy.Arg{cond(spec, v), cond(s2, w)},
				Comment: fmt.Sprintf("%s %s %s with %s %s allowed (%s)", spec.Syscall, spec.What, spec.ValueName(v), s2.What, s2.ValueName(w), what)})
		}
	}
	for _, c := range d.deny {
		rules = append(rules, policy.Rule{Names: []string{spec.Syscall}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM),
			Args: []policy.Arg{c}, Comment: fmt.Sprintf("%s %s: values not observed", spec.Syscall, spec.What)})
	}
	if second != nil {
		for _, c := range second.deny {
			rules = append(rules, policy.Rule{Names: []string{spec.Syscall}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM),
				Args: []policy.Arg{c}, Comment: fmt.Sprintf("%s %s: values not observed", spec.Syscall, second.ar.Spec.What)})
		}
	}
	return rules
}

func sourceText(s string) string {
	switch s {
	case "docker":
		return "no values recorded: Docker's default set"
	case "overflow-docker":
		return "more values than recorded: Docker's default set"
	case "baseline":
		return "the runtime's values, measured in profiles/baselines"
	case "observed-baseline":
		return "observed, and the runtime's values measured in profiles/baselines"
	case "widen":
		return "the values --widen adds"
	case "observed-widen":
		return "observed, and the values --widen adds"
	}
	return "observed"
}

// weakenings lists the allowed values Docker's default profile denies.
func weakenings(spec ArgSpec, allowed []uint64) []Weakening {
	var out []Weakening
	docker := map[uint64]bool{}
	for _, v := range spec.Docker {
		docker[v] = true
	}
	for _, v := range allowed {
		var msg string
		switch {
		case spec.Syscall == "unshare":
			what := "unshare flags " + spec.bitNames(v&spec.Mask)
			if v&spec.Mask == 0 {
				what = "unshare(0)"
			}
			if v&(NamespaceFlags|0x80) != 0 {
				what = "the workload created a namespace: " + what
				if v&0x10000000 != 0 {
					what = strings.Replace(what, "a namespace", "a user namespace", 1)
				}
			}
			msg = what + " allowed (Docker's default denies unshare)"
		case spec.Flags && spec.Docker == nil:
			continue // Docker has no rule: nothing it denies
		case spec.Flags:
			extra := v & spec.Mask &^ orAll(spec.Docker)
			if extra == 0 {
				continue
			}
			what := "a namespace"
			if extra&0x10000000 != 0 {
				what = "a user namespace"
			}
			msg = fmt.Sprintf("the workload created %s: %s flag %s allowed (Docker's default denies it)", what, spec.Syscall, spec.bitNames(extra))
		case spec.Syscall == "setns":
			msg = fmt.Sprintf("the workload joined a namespace: setns nstype %s allowed (Docker's default denies setns)", spec.ValueName(v))
		case spec.Docker != nil && !docker[v]:
			msg = fmt.Sprintf("the workload called %s with %s %s: allowed (Docker's default denies it)", spec.Syscall, spec.What, spec.ValueName(v))
		default:
			continue
		}
		out = append(out, Weakening{spec.Syscall, spec.Index, v, msg})
	}
	return out
}

func orAll(vs []uint64) uint64 {
	var o uint64
	for _, v := range vs {
		o |= v
	}
	return o
}

// complement returns masked comparisons on argument idx that together hold
// for exactly the values x whose x&mask is not one of allowed (masked),
// each disjoint from the others and from every x&mask == a: a binary trie
// over the set bits of mask, high to low, cut where no allowed value is
// below. Empty when allowed covers every value of the mask.
func complement(idx uint, mask uint64, allowed []uint64) []policy.Arg {
	var bitList []uint64
	for m := mask; m != 0; {
		b := uint64(1) << (63 - bits.LeadingZeros64(m))
		bitList = append(bitList, b)
		m &^= b
	}
	set := map[uint64]bool{}
	var vals []uint64
	for _, v := range allowed {
		if !set[v&mask] {
			set[v&mask] = true
			vals = append(vals, v&mask)
		}
	}
	var out []policy.Arg
	var rec func(depth int, pm, pv uint64, vs []uint64)
	rec = func(depth int, pm, pv uint64, vs []uint64) {
		if len(vs) == 0 {
			out = append(out, policy.Arg{Index: idx, Value: pm, ValueTwo: pv, Op: policy.OpMaskedEqual})
			return
		}
		if depth == len(bitList) {
			return
		}
		b := bitList[depth]
		var zero, one []uint64
		for _, v := range vs {
			if v&b != 0 {
				one = append(one, v)
			} else {
				zero = append(zero, v)
			}
		}
		rec(depth+1, pm|b, pv, zero)
		rec(depth+1, pm|b, pv|b, one)
	}
	if len(vals) == 0 {
		return nil
	}
	rec(0, 0, 0, vals)
	return out
}
