package recorder

import (
	"reflect"
	"runtime"
	"slices"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

const argsSrc = `
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
	syscall(SYS_socket, 1, 1 | 0x80000, 0);        /* AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC */
	syscall(SYS_socket, 10, 2 | 0x800, 0);         /* AF_INET6, SOCK_DGRAM|SOCK_NONBLOCK */
	syscall(SYS_socket, 1, 1, 0);
	syscall(SYS_personality, 0xffffffffUL);
	syscall(SYS_personality, 0x100000008UL);       /* high bits kept */
	syscall(SYS_mprotect, 0, 0, 7);                /* prot: W|X recorded */
	for (int i = 0; i < 40; i++)                   /* more than trace.MaxArgDistinct */
		syscall(SYS_fcntl, -1, 1000 + i);
	return 0;
}
`

// TestRecordArgs: the recorder keeps the distinct values of the recorded
// arguments, masked as trace.RecordedArgs says, and says overflow past
// trace.MaxArgDistinct; --no-args records none.
func TestRecordArgs(t *testing.T) {
	testutil.RequireRoot(t)
	bin := compile(t, "args", argsSrc)
	f := recordOrFail(t, Options{Command: []string{bin}}).File
	want := map[string][]trace.ArgValues{
		"socket":      {{Index: 0, Values: []uint64{1, 10}}, {Index: 1, Values: []uint64{1, 2}}},
		"personality": {{Index: 0, Values: []uint64{0xffffffff, 0x100000008}}},
	}
	for name, w := range want {
		s := mustHave(t, f, "x86_64", name)
		if len(s.Args) != len(w) {
			t.Fatalf("%s: args %+v, want %+v", name, s.Args, w)
		}
		for i := range w {
			if s.Args[i].Index != w[i].Index || s.Args[i].Overflow || !slices.Equal(s.Args[i].Values, w[i].Values) {
				t.Errorf("%s: args %+v, want %+v", name, s.Args, w)
			}
		}
	}
	// The loader's mprotect calls add prot 0 (PROT_READ is masked off).
	if mp := mustHave(t, f, "x86_64", "mprotect"); len(mp.Args) != 1 || !slices.Contains(mp.Args[0].Values, 6) || slices.ContainsFunc(mp.Args[0].Values, func(v uint64) bool { return v&^6 != 0 }) {
		t.Errorf("mprotect: %+v, want prot&(W|X) values including 6", mp.Args)
	}
	fc := mustHave(t, f, "x86_64", "fcntl")
	if len(fc.Args) != 2 || fc.Args[0].Index != 1 || !fc.Args[0].Overflow || len(fc.Args[0].Values) < trace.MaxArgDistinct-1 || len(fc.Args[0].Values) > trace.MaxArgDistinct+2 {
		t.Errorf("fcntl: %+v; want about %d cmd values and overflow", fc.Args, trace.MaxArgDistinct)
	}
	f = recordOrFail(t, Options{Command: []string{bin}, NoArgs: true}).File
	if s := mustHave(t, f, "x86_64", "socket"); len(s.Args) != 0 {
		t.Errorf("NoArgs: socket args %+v", s.Args)
	}
}

const args32Src = `
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
	syscall(SYS_mmap2, 0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	syscall(SYS_fcntl64, 0, 1);    /* F_GETFD */
	syscall(SYS_fcntl64, -1, 1031); /* F_SETPIPE_SZ */
	return 0;
}
`

// record32 builds the C program src as a static i386 program and traces
// it (root, an x86_64 host, a kernel that runs i386 programs).
func record32(t *testing.T, name, src string) *trace.File {
	t.Helper()
	testutil.RequireRoot(t)
	if runtime.GOARCH != "amd64" {
		t.Skipf("gcc -m32 builds x86 programs for x86_64 hosts; this is %s", runtime.GOARCH)
	}
	testutil.RequireIA32(t)
	bin := compile(t, name, src, "-m32", "-static")
	return recordOrFail(t, Options{Command: []string{bin}}).File
}

// TestRecordArgs32: an i386 program's mmap2 prot (W|X bits) and fcntl64
// cmd are recorded, as mmap's and fcntl's are on x86_64.
func TestRecordArgs32(t *testing.T) {
	f := record32(t, "args32", args32Src)
	if mm := mustHave(t, f, "x86", "mmap2"); len(mm.Args) != 1 || mm.Args[0].Index != 2 || !slices.Contains(mm.Args[0].Values, 6) || slices.ContainsFunc(mm.Args[0].Values, func(v uint64) bool { return v&^6 != 0 }) {
		t.Errorf("x86 mmap2: %+v, want prot&(W|X) values including 6", mm.Args)
	}
	if fc := mustHave(t, f, "x86", "fcntl64"); len(fc.Args) != 2 || fc.Args[0].Index != 1 || !slices.Contains(fc.Args[0].Values, 1) || !slices.Contains(fc.Args[0].Values, 1031) {
		t.Errorf("x86 fcntl64: %+v, want cmd values including 1 and 1031", fc.Args)
	}
}

const argsInt80Src = `
#include <sys/syscall.h>
#include <unistd.h>
static long int80(long nr, long a, long b) {
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b) : "memory");
	return ret;
}
static long int80x(long nr, long a, long b, long c) {
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}
int main(void) {
	int80(221, 0xdead000000000001L, 0xbeef000000000001L); /* i386 fcntl64(1, F_GETFD) */
	int80x(221, 0, 0xbeef000000000004L, 0x800);           /* i386 fcntl64(0, F_SETFL, O_NONBLOCK) */
	int80(37, getpid(), 0xffffffff00000000L);             /* i386 kill(self, 0) */
	int80(37, getpid(), -1L);                             /* i386 kill(self, -1): EINVAL */
	return 0;
}
`

// TestRecordArgsInt80: i386 syscalls from a 64-bit program (int 0x80)
// whose registers hold other bits in their upper halves are recorded with
// the 32 bits the kernel and an i386 filter read: fcntl64 cmd 1, kill
// signals 0 and 0xffffffff (-1), not the 64-bit register contents.
func TestRecordArgsInt80(t *testing.T) {
	testutil.RequireRoot(t)
	if runtime.GOARCH != "amd64" {
		t.Skipf("int 0x80 is an x86_64 host's i386 entry; this is %s", runtime.GOARCH)
	}
	testutil.RequireIA32(t)
	bin := compile(t, "argsint80", argsInt80Src, "-static")
	f := recordOrFail(t, Options{Command: []string{bin}}).File
	for name, w := range map[string][]trace.ArgValues{
		"fcntl64": {{Index: 1, Values: []uint64{1, 4}}, {Index: 2, Values: []uint64{0x800}}},
		"kill":    {{Index: 1, Values: []uint64{0, 0xffffffff}}},
	} {
		s := mustHave(t, f, "x86", name)
		if !argsEqual(s.Args, w) {
			t.Errorf("x86 %s: args %+v, want %+v", name, s.Args, w)
		}
	}
}

func argsEqual(a, b []trace.ArgValues) bool {
	return slices.EqualFunc(a, b, func(x, y trace.ArgValues) bool {
		return x.Index == y.Index && x.Overflow == y.Overflow && slices.Equal(x.Values, y.Values)
	})
}

const argsSetflSrc = `
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv) {
	int p[2];
	if (argc > 1) {
		/* F_SETFL in the int's low 32 bits, O_NONBLOCK: 0x800 */
		syscall(SYS_fcntl, 0, 0xffffffff00000000UL | F_SETFL, O_NONBLOCK | O_APPEND);
		syscall(SYS_pipe2, p, O_CLOEXEC | O_NONBLOCK);      /* 0x800 */
		return 0;
	}
	syscall(SYS_fcntl, 0, F_GETFL, O_NONBLOCK | 0x1000); /* not F_SETFL: not recorded */
	syscall(SYS_fcntl, 0, F_DUPFD, O_NONBLOCK | 3);      /* nor here */
	syscall(SYS_fcntl, 0, F_SETFL, O_APPEND);            /* 0 */
	syscall(SYS_pipe2, p, O_CLOEXEC);                    /* 0 */
	return 0;
}
`

// TestRecordArgsSetfl: fcntl's third argument is recorded in F_SETFL calls
// only (the status flags there; a descriptor or anything in others) and
// pipe2's flags always, both masked to O_NONBLOCK: the evidence of a
// non-blocking descriptor (widen.Signs) is exact.
func TestRecordArgsSetfl(t *testing.T) {
	testutil.RequireRoot(t)
	bin := compile(t, "argssetfl", argsSetflSrc)
	for _, c := range []struct {
		args []string
		want uint64
	}{{nil, 0}, {[]string{"nonblock"}, 0x800}} {
		f := recordOrFail(t, Options{Command: append([]string{bin}, c.args...)}).File
		fc := mustHave(t, f, "x86_64", "fcntl")
		if len(fc.Args) != 2 || fc.Args[1].Index != 2 || fc.Args[1].Overflow || !slices.Equal(fc.Args[1].Values, []uint64{c.want}) {
			t.Errorf("%v: fcntl: %+v, want F_SETFL flags [%#x] only", c.args, fc.Args, c.want)
		}
		if p := mustHave(t, f, "x86_64", "pipe2"); !argsEqual(p.Args, []trace.ArgValues{{Index: 1, Values: []uint64{c.want}}}) {
			t.Errorf("%v: pipe2: %+v, want flags [%#x]", c.args, p.Args, c.want)
		}
	}
}

// TestArgWhen: the recorder's one argument condition is the one
// trace.RecordedArgs gives (fcntl's flags when cmd is F_SETFL); a second,
// different one is refused, not silently merged.
func TestArgWhen(t *testing.T) {
	w, err := argWhen()
	if err != nil || w != (when{arg: 2, on: 1, value: trace.FSetfl}) {
		t.Fatalf("argWhen() = %+v, %v; want fcntl's condition", w, err)
	}
	saved := trace.RecordedArgs
	defer func() { trace.RecordedArgs = saved }()
	trace.RecordedArgs = append(slices.Clone(saved), trace.RecordedArg{Syscall: "ioctl", Index: 2, When: &trace.ArgWhen{Index: 1, Value: 0x5421}})
	if _, err := argWhen(); err == nil {
		t.Errorf("argWhen accepted a second condition")
	}
	// The tested argument must be recorded, before the conditional one.
	trace.RecordedArgs = append(slices.Clone(saved), trace.RecordedArg{Syscall: "pipe2", Index: 2, When: &trace.ArgWhen{Index: 0, Value: trace.FSetfl}})
	if _, err := argWhen(); err == nil {
		t.Errorf("argWhen accepted a condition on an argument not recorded")
	}
	trace.RecordedArgs = append(slices.Clone(saved), trace.RecordedArg{Syscall: "ioctl", Index: 0, When: &trace.ArgWhen{Index: 1, Value: trace.FSetfl}})
	if _, err := argWhen(); err == nil {
		t.Errorf("argWhen accepted a condition on a later argument")
	}
}

const pairsSrc = `
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
	syscall(SYS_socket, 1, 1 | 0x80000, 0);          /* AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC */
	syscall(SYS_socket, 2, 2 | 0x800, 0);            /* AF_INET, SOCK_DGRAM|SOCK_NONBLOCK */
	syscall(SYS_socket, 1, 1, 0);                    /* the first pair again */
	syscall(SYS_socket, 0xdead000000000001UL, 1, 0); /* AF_UNIX in the low 32 bits */
	syscall(SYS_setsockopt, -1, 1, 2, 0, 0);         /* SOL_SOCKET, SO_REUSEADDR */
	syscall(SYS_setsockopt, -1, 6, 1, 0, 0);         /* IPPROTO_TCP, TCP_NODELAY */
	syscall(SYS_getsockopt, -1, 1, 4, 0, 0);         /* SOL_SOCKET, SO_ERROR */
	return 0;
}
`

// TestRecordPairs: the recorder keeps which values of socket's domain and
// type, and of a socket option's level and optname, went together in one
// call (trace.RecordedPairs), each half masked as its argument is (the
// type without SOCK_NONBLOCK|SOCK_CLOEXEC) and as the low 32 bits the
// kernel reads: a workload that makes an AF_UNIX stream socket and an
// AF_INET datagram one records exactly those two pairs, where its
// arguments' values alone would allow four.
func TestRecordPairs(t *testing.T) {
	testutil.RequireRoot(t)
	bin := compile(t, "pairs", pairsSrc)
	f := recordOrFail(t, Options{Command: []string{bin}}).File
	for name, want := range map[string]trace.ArgPairs{
		"socket":     {Indexes: [2]int{0, 1}, Values: [][2]uint64{{1, 1}, {2, 2}}},
		"setsockopt": {Indexes: [2]int{1, 2}, Values: [][2]uint64{{1, 2}, {6, 1}}},
		"getsockopt": {Indexes: [2]int{1, 2}, Values: [][2]uint64{{1, 4}}},
	} {
		s := mustHave(t, f, "x86_64", name)
		if s.Pairs == nil || !reflect.DeepEqual(*s.Pairs, want) {
			t.Errorf("%s: pairs %+v, want %+v (args %+v)", name, s.Pairs, want, s.Args)
		}
	}
	if s := mustHave(t, f, "x86_64", "socket"); !argsEqual(s.Args, []trace.ArgValues{{Index: 0, Values: []uint64{1, 2, 0xdead000000000001}}, {Index: 1, Values: []uint64{1, 2}}}) {
		t.Errorf("socket: args %+v", s.Args)
	}
	// Syscalls without a pair have none.
	for _, s := range f.Syscalls {
		if _, ok := trace.PairOf(s.Name); !ok && s.Pairs != nil {
			t.Errorf("%s: pairs %+v", s.Name, s.Pairs)
		}
	}
	f = recordOrFail(t, Options{Command: []string{bin}, NoArgs: true}).File
	if s := mustHave(t, f, "x86_64", "socket"); s.Pairs != nil {
		t.Errorf("NoArgs: socket pairs %+v", s.Pairs)
	}
}

const pairs32Src = `
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
	syscall(SYS_socket, 1, 2, 0); /* AF_UNIX, SOCK_DGRAM */
	syscall(SYS_socket, 2, 1, 0); /* AF_INET, SOCK_STREAM */
	return 0;
}
`

// TestRecordPairs32: an i386 program's socket pairs are read from the
// i386 argument registers (bx, cx), as its single values are.
func TestRecordPairs32(t *testing.T) {
	f := record32(t, "pairs32", pairs32Src)
	want := trace.ArgPairs{Indexes: [2]int{0, 1}, Values: [][2]uint64{{1, 2}, {2, 1}}}
	if s := mustHave(t, f, "x86", "socket"); s.Pairs == nil || !reflect.DeepEqual(*s.Pairs, want) {
		t.Errorf("x86 socket: pairs %+v, want %+v (args %+v)", s.Pairs, want, s.Args)
	}
}

// TestArgPairsChecked: setArgMask refuses a recorded pair record_pair
// would not record as named: not the syscall's two lowest recorded
// arguments, or one recorded in some calls only.
func TestArgPairsChecked(t *testing.T) {
	if err := argPairs(); err != nil {
		t.Fatalf("trace.RecordedPairs: %v", err)
	}
	saved := trace.RecordedPairs
	defer func() { trace.RecordedPairs = saved }()
	for _, bad := range []trace.RecordedPair{
		{Syscall: "socket", Indexes: [2]int{1, 2}},
		{Syscall: "clone", Indexes: [2]int{0, 1}},
		{Syscall: "fcntl", Indexes: [2]int{1, 2}},
	} {
		trace.RecordedPairs = append(slices.Clone(saved), bad)
		if err := argPairs(); err == nil {
			t.Errorf("%+v: accepted", bad)
		}
	}
}
