package trace

// RecordedArg is one syscall argument whose distinct values the recorder
// keeps (in the kernel, bounded by MaxArgDistinct per ABI, syscall and
// argument): the arguments where the value decides the risk. Mask is
// applied to each value before it is written to the trace (socket's type
// without SOCK_NONBLOCK|SOCK_CLOEXEC, the W and X bits of prot); 0 keeps
// the value as the register held it (on a 32-bit ABI its low 32 bits).
type RecordedArg struct {
	Syscall string
	Index   int
	Mask    uint64
}

// RecordedArgs is the documented list of recorded arguments. reduce.ArgSpecs
// says what each means and which become rules; a test keeps the two equal.
var RecordedArgs = []RecordedArg{
	{"clone", 0, 0},           // flags
	{"unshare", 0, 0},         // flags
	{"setns", 1, 0},           // nstype
	{"socket", 0, 0},          // domain
	{"socket", 1, 0xfff7f7ff}, // type & ~(SOCK_NONBLOCK|SOCK_CLOEXEC)
	{"socketpair", 0, 0},      // domain
	{"personality", 0, 0},     // persona
	{"socketcall", 0, 0},      // call (x86: socket calls multiplexed)
	{"prctl", 0, 0},           // option
	{"ioctl", 1, 0},           // request
	{"fcntl", 1, 0},           // cmd
	{"fcntl64", 1, 0},         // cmd (32-bit ABIs: glibc's fcntl)
	{"mmap", 2, 0x6},          // prot & (PROT_WRITE|PROT_EXEC)
	{"mmap2", 2, 0x6},         // 32-bit ABIs: glibc's mmap
	{"mprotect", 2, 0x6},
	{"pkey_mprotect", 2, 0x6},
	{"setsockopt", 1, 0}, // level
	{"setsockopt", 2, 0}, // optname
	{"getsockopt", 1, 0},
	{"getsockopt", 2, 0},
	{"kill", 1, 0},   // signal
	{"tgkill", 2, 0}, // signal
	{"tkill", 1, 0},  // signal
}
