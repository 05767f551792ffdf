package widen

import "sort"

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
// on descriptors gets no poll). Syscalls in no kind (identity and
// privileges, extended attributes, scheduling, system information, ioctl,
// System V IPC, ...) are never widened in that mode.
type Kind struct {
	Name     string
	Syscalls []string
}

// Kinds are the kinds of work, by x86_64 syscall name. A syscall is in at
// most one kind.
var Kinds = []Kind{
	{"waiting on descriptors", []string{"poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2", "signalfd", "signalfd4", "timerfd_create", "timerfd_settime", "timerfd_gettime"}},
	{"memory mappings", []string{"mmap", "mremap", "munmap", "madvise", "brk", "mprotect", "msync", "mincore"}},
	{"descriptor plumbing", []string{"dup", "dup2", "dup3", "pipe", "pipe2", "fcntl", "close", "close_range"}},
	{"file status", []string{"stat", "lstat", "fstat", "newfstatat", "statx", "statfs", "fstatfs", "access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents", "getdents64", "getcwd"}},
	{"file data", []string{"open", "openat", "openat2", "creat", "read", "readv", "pread64", "preadv", "preadv2", "write", "writev", "pwrite64", "pwritev", "pwritev2", "lseek", "truncate", "ftruncate", "fallocate", "fsync", "fdatasync", "sync_file_range", "fadvise64", "sendfile", "splice", "copy_file_range"}},
	{"file attributes", []string{"chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat", "utime", "utimes", "utimensat", "futimesat", "umask"}},
	{"directory entries", []string{"unlink", "unlinkat", "rmdir", "rename", "renameat", "renameat2", "mkdir", "mkdirat", "link", "linkat", "symlink", "symlinkat"}},
	{"processes and threads", []string{"clone", "clone3", "fork", "vfork", "wait4", "waitid", "execve", "execveat"}},
	{"signals", []string{"rt_sigaction", "rt_sigprocmask", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigpending", "pause", "sigaltstack", "kill", "tgkill", "tkill"}},
	{"sleeping and timers", []string{"nanosleep", "clock_nanosleep", "alarm", "setitimer", "getitimer", "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete"}},
	{"network client", []string{"socket", "socketpair", "connect", "sendto", "sendmsg", "sendmmsg", "recvfrom", "recvmsg", "recvmmsg", "getsockname", "getpeername", "getsockopt", "setsockopt", "shutdown"}},
	{"network server", []string{"bind", "listen", "accept", "accept4"}},
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

// Related returns, for each syscall that shares a kind with one of
// observed (observed ones included), the first observed syscall of that
// kind, in sorted order: the evidence that the program does that kind of
// work.
func Related(observed []string) map[string]string {
	obs := append([]string(nil), observed...)
	sort.Strings(obs)
	by := map[string]string{} // kind -> first observed syscall of it
	for _, o := range obs {
		if k := KindOf(o); k != "" {
			if _, ok := by[k]; !ok {
				by[k] = o
			}
		}
	}
	out := map[string]string{}
	for _, k := range Kinds {
		if ev, ok := by[k.Name]; ok {
			for _, s := range k.Syscalls {
				out[s] = ev
			}
		}
	}
	return out
}
