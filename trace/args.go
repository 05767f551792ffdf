package trace

// RecordedArg is one syscall argument whose distinct values the recorder
// keeps (in the kernel, bounded by MaxArgDistinct per ABI, syscall and
// argument): the arguments where the value decides the risk, and two that
// show a descriptor made non-blocking (widen.Signs). Mask is
// applied to each value before it is written to the trace (socket's type
// without SOCK_NONBLOCK|SOCK_CLOEXEC, the W and X bits of prot); 0 keeps
// the value as the register held it (on a 32-bit ABI its low 32 bits).
type RecordedArg struct {
	Syscall string
	Index   int
	Mask    uint64
	// When, if not nil, records the argument only in the calls whose
	// argument When.Index holds When.Value in its low 32 bits (fcntl's
	// third argument only for F_SETFL, where it is the status flags). The
	// recorder has one condition: every When in RecordedArgs is the same.
	When *ArgWhen
}

// ArgWhen is the condition of a RecordedArg recorded in some calls only.
type ArgWhen struct {
	Index int
	Value uint64
}

// Linux's F_SETFL and O_NONBLOCK (asm-generic: x86 and arm too).
const (
	FSetfl    = 4
	ONonblock = 0x800
)

// RecordedArgs is the documented list of recorded arguments. reduce.ArgSpecs
// says what each means and which become rules; a test keeps the two equal.
var RecordedArgs = []RecordedArg{
	{"clone", 0, 0, nil},           // flags
	{"unshare", 0, 0, nil},         // flags
	{"setns", 1, 0, nil},           // nstype
	{"socket", 0, 0, nil},          // domain
	{"socket", 1, 0xfff7f7ff, nil}, // type & ~(SOCK_NONBLOCK|SOCK_CLOEXEC)
	{"socketpair", 0, 0, nil},      // domain
	{"personality", 0, 0, nil},     // persona
	{"socketcall", 0, 0, nil},      // call (x86: socket calls multiplexed)
	{"prctl", 0, 0, nil},           // option
	{"ioctl", 1, 0, nil},           // request
	{"fcntl", 1, 0, nil},           // cmd
	{"fcntl64", 1, 0, nil},         // cmd (32-bit ABIs: glibc's fcntl)
	{"mmap", 2, 0x6, nil},          // prot & (PROT_WRITE|PROT_EXEC)
	{"mmap2", 2, 0x6, nil},         // 32-bit ABIs: glibc's mmap
	{"mprotect", 2, 0x6, nil},
	{"pkey_mprotect", 2, 0x6, nil},
	{"setsockopt", 1, 0, nil}, // level
	{"setsockopt", 2, 0, nil}, // optname
	{"getsockopt", 1, 0, nil},
	{"getsockopt", 2, 0, nil},
	{"kill", 1, 0, nil},   // signal
	{"tgkill", 2, 0, nil}, // signal
	{"tkill", 1, 0, nil},  // signal
	// Evidence of non-blocking descriptors (widen: waiting on descriptors),
	// O_NONBLOCK kept: F_SETFL's flags, pipe2's flags.
	{"fcntl", 2, ONonblock, &ArgWhen{1, FSetfl}},
	{"fcntl64", 2, ONonblock, &ArgWhen{1, FSetfl}},
	{"pipe2", 1, ONonblock, nil},
}

// RecordedPair names two recorded arguments of a syscall whose values the
// recorder also keeps as pairs, the values of both in one call
// (Syscall.Pairs): the arguments reduce.ArgSpecs restricts together
// (Pair), so that a profile allows the combinations that were observed
// and not every combination of the values each took. Indexes are the
// syscall's two lowest recorded arguments, the lower first (the recorder
// pairs those); a test keeps the list equal to reduce.ArgSpecs' pairs.
type RecordedPair struct {
	Syscall string
	Indexes [2]int
}

// RecordedPairs is the documented list of recorded pairs.
var RecordedPairs = []RecordedPair{
	{"socket", [2]int{0, 1}},     // domain, type
	{"setsockopt", [2]int{1, 2}}, // level, optname
	{"getsockopt", [2]int{1, 2}},
}

// PairOf returns the recorded pair of syscall, if it has one.
func PairOf(syscall string) (RecordedPair, bool) {
	for _, p := range RecordedPairs {
		if p.Syscall == syscall {
			return p, true
		}
	}
	return RecordedPair{}, false
}
