package widen

import (
	"fmt"
	"slices"
	"sort"

	"github.com/seccomp-gen/seccomp-gen/trace"
)

// Kind is one kind of work a program does with system calls: syscalls of
// one kind are alternatives or companions for the same job, and which of
// them a run issues hangs on its input, sizes, concurrency or flags, not on
// what the program is for (a bigger SQLite table grows a mapping with
// mremap; xz with threads waits on a pipe with poll; a program that wrote
// a file may truncate or sync one; one that started a process may start a
// thread).
//
// generate --widen=kinds widens only to the syscalls the executables link
// that share a kind with a syscall the traces hold: a profile then lets a
// program do more of the kinds of work its runs did, not new kinds (a
// program never seen on the network gets no socket; one never seen waiting
// on descriptors, nor making a descriptor non-blocking (Signs), gets no
// poll), except for a kind any run may do (AnyRun: the program's own time),
// widened wherever it is linked. Syscalls in no kind (identity and
// privileges, extended attributes, scheduling, system information, ioctl,
// System V IPC, ...) are never widened in that mode.
type Kind struct {
	Name     string
	Syscalls []string
	// AnyRun, when set, says why any run of a program that links the
	// kind's syscalls may issue them, whatever its traced runs did:
	// --widen=kinds then widens to them wherever they are linked, as if
	// the kind were shown.
	AnyRun string
}

// whyOwnTime is why the kind "the program's own time" is widened wherever
// it is linked. Whether a run arms a timer or reads its CPU time hangs on
// how long it runs and where its output goes, not on what it does: git
// arms setitimer for the progress display it shows when stderr is a
// terminal or with --progress (progress.c, set_progress_signal);
// openssl speed times itself with alarm and times (apps/speed.c); Python
// code calls signal.alarm or resource.getrusage on a flag. And they act on
// the calling process alone (its own timers and signals, its own or its
// waited children's CPU time).
const whyOwnTime = "which any run may do: a time limit, a progress display"

// Kinds are the kinds of work, by x86_64 syscall name. A syscall is in at
// most one kind.
var Kinds = []Kind{
	{"waiting on descriptors", []string{"poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "signalfd", "signalfd4", "timerfd_create", "timerfd_settime", "timerfd_gettime"}, ""},
	{"memory mappings", []string{"mmap", "mremap", "munmap", "madvise", "brk", "mprotect", "msync", "mincore"}, ""},
	{"descriptor plumbing", []string{"dup", "dup2", "dup3", "pipe", "pipe2", "fcntl", "close", "close_range"}, ""},
	{"file status", []string{"stat", "lstat", "fstat", "newfstatat", "statx", "statfs", "fstatfs", "access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents", "getdents64", "getcwd"}, ""},
	{"file data", []string{"open", "openat", "openat2", "creat", "read", "readv", "pread64", "preadv", "preadv2", "write", "writev", "pwrite64", "pwritev", "pwritev2", "lseek", "truncate", "ftruncate", "fallocate", "fsync", "fdatasync", "sync_file_range", "fadvise64", "sendfile", "splice", "copy_file_range"}, ""},
	{"file attributes", []string{"chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat", "utime", "utimes", "utimensat", "futimesat", "umask"}, ""},
	{"directory entries", []string{"unlink", "unlinkat", "rmdir", "rename", "renameat", "renameat2", "mkdir", "mkdirat", "link", "linkat", "symlink", "symlinkat"}, ""},
	{"processes and threads", []string{"clone", "clone3", "fork", "vfork", "wait4", "waitid", "execve", "execveat"}, ""},
	{"signals", []string{"rt_sigaction", "rt_sigprocmask", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigpending", "pause", "sigaltstack", "kill", "tgkill", "tkill"}, ""},
	// Sleeping blocks the thread; a timer delivers a signal later while
	// the program runs on (alarm, interval and POSIX timers: CPU
	// profiling, time limits, progress displays), and times and getrusage
	// read the CPU time it used. Sleeping is a kind like the others: Go's
	// runtime sleeps (usleep) in every program, and a program that never
	// slept gets no nanosleep. The program's own time is widened wherever
	// it is linked (whyOwnTime); Go's runtime links its profiling timers
	// into every program but arms them only when profiling is turned on
	// (goRuntimeOnlyWith).
	{"sleeping", []string{"nanosleep", "clock_nanosleep"}, ""},
	{"the program's own time", []string{"alarm", "setitimer", "getitimer", "times", "getrusage"}, whyOwnTime},
	// POSIX timers are kernel objects of their own (k_itimer: created,
	// armed, deleted, each with its own lifetime), unlike the process's
	// interval timers and CPU times above, and their code has been
	// attacked (CVE-2025-38352, a race between a CPU timer's firing and
	// its task's exit, exploited in the wild): widened only where a run
	// used one.
	{"POSIX timers", []string{"timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete"}, ""},
	{"network client", []string{"socket", "socketpair", "connect", "sendto", "sendmsg", "sendmmsg", "recvfrom", "recvmsg", "recvmmsg", "getsockname", "getpeername", "getsockopt", "setsockopt", "shutdown"}, ""},
	{"network server", []string{"bind", "listen", "accept", "accept4"}, ""},
}

// KindOf returns the kind of syscall name, or "" when it has none.
func KindOf(name string) string {
	for _, k := range Kinds {
		for _, s := range k.Syscalls {
			if s == name {
				return k.Name
			}
		}
	}
	return ""
}

// A Sign is a traced call that shows a kind of work although its syscall
// is of another kind: a descriptor made non-blocking is waited on when a
// read or write on it would block (EAGAIN), so the program does the kind
// "waiting on descriptors" even in runs where the data was always there
// and it never waited (xz 5.4 sets O_NONBLOCK on its pipes and polls them
// after EAGAIN: file_io.c, io_wait).
type Sign struct {
	Kind    string // the kind it shows
	Syscall string // the traced syscall: "fcntl"
	Call    string // the traced call, as reports name it: "fcntl(F_SETFL, O_NONBLOCK)"
	Why     string // why it shows the kind
	// Among is, when more than one, how many executables of the traces
	// issued Syscall: the recorder keeps argument values per trace, not
	// per executable, so the sign is one of theirs, and each of them is
	// credited with it (NewPerExecutable).
	Among int
}

const whyNonblock = "a non-blocking descriptor is waited on when it would block"

// nonblockSigns are the calls that make a descriptor non-blocking whose
// flags the recorder keeps: syscall, argument index, the call's name.
// fcntl's third argument is recorded in F_SETFL calls only (its status
// flags there; a file descriptor, a lock or FD_CLOEXEC in other commands),
// so O_NONBLOCK in it is exact (trace.RecordedArgs). Not signs: F_SETFL
// alone (it may set O_APPEND), ioctl(FIONBIO) (its value, on or off, is in
// memory), socket/accept4 with SOCK_NONBLOCK (socket's type is recorded
// with the flag masked off, accept4's flags not at all) and open with
// O_NONBLOCK (not recorded; on a regular file it does nothing).
var nonblockSigns = []struct {
	syscall string
	index   int
	call    string
}{
	{"fcntl", 2, "fcntl(F_SETFL, O_NONBLOCK)"},
	{"fcntl64", 2, "fcntl64(F_SETFL, O_NONBLOCK)"},
	{"pipe2", 1, "pipe2(O_NONBLOCK)"},
}

// Signs returns the signs among the traced syscalls (of any ABI), one per
// call, in the order of nonblockSigns.
func Signs(syscalls []trace.Syscall) []Sign {
	var out []Sign
	for _, ns := range nonblockSigns {
		if nonblocking(syscalls, ns.syscall, ns.index) {
			out = append(out, Sign{Kind: "waiting on descriptors", Syscall: ns.syscall, Call: ns.call, Why: whyNonblock})
		}
	}
	return out
}

// nonblocking says whether argument index of a traced name held
// O_NONBLOCK.
func nonblocking(syscalls []trace.Syscall, name string, index int) bool {
	for _, s := range syscalls {
		if s.Name != name {
			continue
		}
		for _, a := range s.Args {
			if a.Index != index {
				continue
			}
			for _, v := range a.Values {
				if v&trace.ONonblock != 0 {
					return true
				}
			}
		}
	}
	return false
}

// Reason says why a syscall is of a kind of work the traces show: a
// traced syscall of its kind (Traced), else a sign (Sign), else a kind
// that any run may do (AnyRun: Kind.AnyRun).
type Reason struct {
	Kind   string
	Traced string
	Sign   *Sign
	AnyRun string
}

// String is the reason as generate reports it: "file data, like the
// traced fdatasync"; "waiting on descriptors, shown by the traced
// fcntl(F_SETFL, O_NONBLOCK): a non-blocking descriptor is waited on when
// it would block".
func (r Reason) String() string {
	if r.Sign != nil {
		if r.Sign.Among > 1 {
			return fmt.Sprintf("%s, shown by the traced %s of this executable or another of the %d that called %s (arguments are recorded per trace, not per executable): %s", r.Kind, r.Sign.Call, r.Sign.Among, r.Sign.Syscall, r.Sign.Why)
		}
		return fmt.Sprintf("%s, shown by the traced %s: %s", r.Kind, r.Sign.Call, r.Sign.Why)
	}
	if r.Traced == "" && r.AnyRun != "" {
		return fmt.Sprintf("%s, %s", r.Kind, r.AnyRun)
	}
	return fmt.Sprintf("%s, like the traced %s", r.Kind, r.Traced)
}

// Related returns, for each syscall of a kind of work the traces show,
// why: the first observed syscall of that kind, in sorted order (observed
// ones included), else the first of signs that shows the kind.
func Related(observed []string, signs []Sign) map[string]Reason {
	obs := append([]string(nil), observed...)
	sort.Strings(obs)
	by := map[string]Reason{} // kind -> why the traces show it
	for _, o := range obs {
		if k := KindOf(o); k != "" {
			if _, ok := by[k]; !ok {
				by[k] = Reason{Kind: k, Traced: o}
			}
		}
	}
	for i := range signs {
		if _, ok := by[signs[i].Kind]; !ok {
			by[signs[i].Kind] = Reason{Kind: signs[i].Kind, Sign: &signs[i]}
		}
	}
	out := map[string]Reason{}
	for _, k := range Kinds {
		r, ok := by[k.Name]
		if !ok && k.AnyRun != "" {
			r, ok = Reason{Kind: k.Name, AnyRun: k.AnyRun}, true
		}
		if ok {
			for _, s := range k.Syscalls {
				out[s] = r
			}
		}
	}
	return out
}

// FlagIoctl is an ioctl request that sets a flag of a descriptor or its
// open file, as an fcntl command does, for a descriptor of any type.
type FlagIoctl struct {
	Name    string
	Request uint64
	Fcntl   string // the fcntl call that does the same
}

// FlagIoctls are the descriptor-flag requests of ioctl. The kernel
// handles them before any driver (fs/ioctl.c, do_vfs_ioctl: FIOCLEX and
// FIONCLEX set the close-on-exec flag as fcntl(F_SETFD) does, FIONBIO and
// FIOASYNC go to ioctl_fionbio and ioctl_fioasync, which change
// O_NONBLOCK and O_ASYNC as fcntl(F_SETFL) does), with the values of
// include/uapi/asm-generic/ioctls.h (x86_64, arm64 and most other
// architectures). They are of the kind "descriptor plumbing" where other
// ioctl requests are of no kind: nginx 1.22 makes descriptors non-blocking
// with FIONBIO and, with a master process, turns on FIOASYNC for its
// channel to each worker (src/os/unix/ngx_process.c, ngx_spawn_process).
var FlagIoctls = []FlagIoctl{
	{"FIONBIO", 0x5421, "fcntl(F_SETFL, O_NONBLOCK)"},
	{"FIONCLEX", 0x5450, "fcntl(F_SETFD, 0)"},
	{"FIOCLEX", 0x5451, "fcntl(F_SETFD, FD_CLOEXEC)"},
	{"FIOASYNC", 0x5452, "fcntl(F_SETFL, O_ASYNC)"},
}

// FlagIoctlKind is the kind of work of FlagIoctls.
const FlagIoctlKind = "descriptor plumbing"

// PerExecutable holds, per executable, the kinds of work the syscalls its
// own processes issued show: generate --widen=kinds widens an executable
// (and the libraries it loads) only to its links of those kinds. A file
// the traces name no syscalls for (a trace without an executables list,
// widened from the traced command) is judged by the kinds all the traces
// show together.
type PerExecutable struct {
	byExe map[string]map[string]Reason // executable (as Implied.Exe) -> syscall -> why
	all   map[string]Reason
}

// NewPerExecutable builds a PerExecutable from the syscall names each
// executable's processes issued (keyed by the path a trace lists, a
// script's path mapped to its interpreter as Analyze does), the names all
// traces hold, and the traces' signs: a sign counts for an executable that
// issued its syscall. A sign's arguments are the trace's, not an
// executable's: where several executables issued its syscall, each is
// credited with it (which of them made the call is not recorded), and
// the reason says so (Sign.Among).
func NewPerExecutable(byExe map[string][]string, all []string, signs []Sign) *PerExecutable {
	p := &PerExecutable{byExe: map[string]map[string]Reason{}, all: Related(all, signs)}
	among := make([]int, len(signs))
	for _, names := range byExe {
		for i, s := range signs {
			if slices.Contains(names, s.Syscall) {
				among[i]++
			}
		}
	}
	for exe, names := range byExe {
		var own []Sign
		for i, s := range signs {
			if slices.Contains(names, s.Syscall) {
				s.Among = among[i]
				own = append(own, s)
			}
		}
		p.byExe[AnalyzedAs(exe)] = mergeReasons(p.byExe[AnalyzedAs(exe)], Related(names, own))
	}
	return p
}

// mergeReasons adds b's syscalls to a, keeping a's reason where both
// have one.
func mergeReasons(a, b map[string]Reason) map[string]Reason {
	if a == nil {
		return b
	}
	for s, r := range b {
		if _, ok := a[s]; !ok {
			a[s] = r
		}
	}
	return a
}

// Why says whether i's syscall is of a kind of work its executable's
// traced syscalls show, and why.
func (p *PerExecutable) Why(i Implied) (Reason, bool) {
	m, ok := p.byExe[i.Exe]
	if !ok {
		m = p.all
	}
	r, ok := m[i.Syscall]
	return r, ok
}

// Shows says whether the traced syscalls of exe show kind.
func (p *PerExecutable) Shows(exe, kind string) (Reason, bool) {
	m, ok := p.byExe[exe]
	if !ok {
		m = p.all
	}
	for _, k := range Kinds {
		if k.Name == kind {
			for _, s := range k.Syscalls {
				if r, ok := m[s]; ok {
					return r, true
				}
			}
		}
	}
	return Reason{}, false
}
