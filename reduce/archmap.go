package reduce

import (
	"slices"
	"sync"

	"github.com/seccomp-gen/seccomp-gen/abi"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// equivalents lists, for a syscall name that does not exist on every
// architecture, the names that do the same job elsewhere, best first. The
// reducer uses the first one the target ABI has. The table only holds
// names; whether a name exists on an ABI always comes from the syscall
// tables (trace.Tables: libseccomp's).
//
// Most entries are the legacy x86_64 calls that the generic syscall table
// (aarch64, and new ports) dropped in favour of the *at and flag-taking
// variants, which libc uses there instead.
var equivalents = sync.OnceValue(func() map[string][]string {
	return map[string][]string{
		"open":            {"openat"},
		"creat":           {"openat"},
		"stat":            {"newfstatat", "fstatat64"},
		"lstat":           {"newfstatat", "fstatat64"},
		"newfstatat":      {"fstatat64"},
		"fstat":           {"fstat64"},
		"access":          {"faccessat"},
		"pipe":            {"pipe2"},
		"dup2":            {"dup3"},
		"poll":            {"ppoll"},
		"select":          {"pselect6"},
		"epoll_create":    {"epoll_create1"},
		"epoll_wait":      {"epoll_pwait"},
		"eventfd":         {"eventfd2"},
		"signalfd":        {"signalfd4"},
		"inotify_init":    {"inotify_init1"},
		"fork":            {"clone"},
		"vfork":           {"clone"},
		"getdents":        {"getdents64"},
		"mkdir":           {"mkdirat"},
		"rmdir":           {"unlinkat"},
		"unlink":          {"unlinkat"},
		"rename":          {"renameat", "renameat2"},
		"renameat":        {"renameat2"},
		"link":            {"linkat"},
		"symlink":         {"symlinkat"},
		"readlink":        {"readlinkat"},
		"chmod":           {"fchmodat"},
		"chown":           {"fchownat"},
		"lchown":          {"fchownat"},
		"mknod":           {"mknodat"},
		"utime":           {"utimensat"},
		"utimes":          {"utimensat"},
		"futimesat":       {"utimensat"},
		"time":            {"clock_gettime"},
		"alarm":           {"setitimer"},
		"pause":           {"rt_sigsuspend"},
		"getpgrp":         {"getpgid"},
		"ustat":           {"statfs"},
		"sysfs":           {},
		"arch_prctl":      {},
		"set_thread_area": {},
		"get_thread_area": {},
		"iopl":            {},
		"ioperm":          {},
		"modify_ldt":      {},
		"uselib":          {},
		"epoll_ctl_old":   {},
		"epoll_wait_old":  {},
		"mmap":            {"mmap2"},
		"sendfile":        {"sendfile64"},
		"getrlimit":       {"prlimit64"},
		"setrlimit":       {"prlimit64"},

		// The 32-bit ABIs' (x86, arm) own names, for a 64-bit target: the
		// large-file, 32-bit uid and 64-bit time variants under their 64-bit
		// names. socketcall goes to the socket calls it was recorded making
		// (muxCalls).
		"mmap2":                        {"mmap"},
		"fcntl64":                      {"fcntl"},
		"_llseek":                      {"lseek"},
		"stat64":                       {"newfstatat"},
		"lstat64":                      {"newfstatat"},
		"fstatat64":                    {"newfstatat"},
		"fstat64":                      {"fstat", "newfstatat"},
		"oldstat":                      {"newfstatat"},
		"oldlstat":                     {"newfstatat"},
		"oldfstat":                     {"fstat", "newfstatat"},
		"statfs64":                     {"statfs"},
		"fstatfs64":                    {"fstatfs"},
		"truncate64":                   {"truncate"},
		"ftruncate64":                  {"ftruncate"},
		"sendfile64":                   {"sendfile"},
		"fadvise64_64":                 {"fadvise64"},
		"arm_fadvise64_64":             {"fadvise64"},
		"arm_sync_file_range":          {"sync_file_range"},
		"ugetrlimit":                   {"prlimit64", "getrlimit"},
		"_newselect":                   {"select", "pselect6"},
		"waitpid":                      {"wait4"},
		"signal":                       {"rt_sigaction"},
		"sigaction":                    {"rt_sigaction"},
		"sigprocmask":                  {"rt_sigprocmask"},
		"sgetmask":                     {"rt_sigprocmask"},
		"ssetmask":                     {"rt_sigprocmask"},
		"sigsuspend":                   {"rt_sigsuspend"},
		"sigpending":                   {"rt_sigpending"},
		"sigreturn":                    {"rt_sigreturn"},
		"nice":                         {"setpriority"},
		"stime":                        {"settimeofday"},
		"umount":                       {"umount2"},
		"readdir":                      {"getdents64"},
		"olduname":                     {"uname"},
		"oldolduname":                  {"uname"},
		"send":                         {"sendto"},
		"recv":                         {"recvfrom"},
		"chown32":                      {"chown", "fchownat"},
		"lchown32":                     {"lchown", "fchownat"},
		"fchown32":                     {"fchown"},
		"getuid32":                     {"getuid"},
		"geteuid32":                    {"geteuid"},
		"getgid32":                     {"getgid"},
		"getegid32":                    {"getegid"},
		"setuid32":                     {"setuid"},
		"setgid32":                     {"setgid"},
		"setreuid32":                   {"setreuid"},
		"setregid32":                   {"setregid"},
		"setresuid32":                  {"setresuid"},
		"setresgid32":                  {"setresgid"},
		"getresuid32":                  {"getresuid"},
		"getresgid32":                  {"getresgid"},
		"getgroups32":                  {"getgroups"},
		"setgroups32":                  {"setgroups"},
		"setfsuid32":                   {"setfsuid"},
		"setfsgid32":                   {"setfsgid"},
		"clock_gettime64":              {"clock_gettime"},
		"clock_settime64":              {"clock_settime"},
		"clock_adjtime64":              {"clock_adjtime"},
		"clock_getres_time64":          {"clock_getres"},
		"clock_nanosleep_time64":       {"clock_nanosleep"},
		"timer_gettime64":              {"timer_gettime"},
		"timer_settime64":              {"timer_settime"},
		"timerfd_gettime64":            {"timerfd_gettime"},
		"timerfd_settime64":            {"timerfd_settime"},
		"utimensat_time64":             {"utimensat"},
		"pselect6_time64":              {"pselect6"},
		"ppoll_time64":                 {"ppoll"},
		"io_pgetevents_time64":         {"io_pgetevents"},
		"recvmmsg_time64":              {"recvmmsg"},
		"mq_timedsend_time64":          {"mq_timedsend"},
		"mq_timedreceive_time64":       {"mq_timedreceive"},
		"semtimedop_time64":            {"semtimedop"},
		"rt_sigtimedwait_time64":       {"rt_sigtimedwait"},
		"futex_time64":                 {"futex"},
		"sched_rr_get_interval_time64": {"sched_rr_get_interval"},
	}
})

// companions lists, for a syscall of a 64-bit ABI, the names a 32-bit ABI
// (x86, arm) has for the same job beside the 64-bit one, which the 32-bit
// build of the same program calls instead: the large-file, 32-bit uid,
// statx and 64-bit time variants (glibc on i386 calls clock_gettime64
// first and falls back only on ENOSYS). A profile generated for a 32-bit
// ABI from a 64-bit trace allows those the target has too (Mapping.Also).
// Socket and ipc calls need none: libseccomp adds their rules to socketcall
// and ipc on x86 (policy.MuxCall).
var companions = sync.OnceValue(func() map[string][]string {
	return map[string][]string{
		"fcntl":           {"fcntl64"},
		"lseek":           {"_llseek"},
		"mmap":            {"mmap2"},
		"stat":            {"stat64", "statx", "fstatat64"},
		"lstat":           {"lstat64", "statx", "fstatat64"},
		"fstat":           {"fstat64", "statx", "fstatat64"},
		"newfstatat":      {"fstatat64", "statx", "stat64", "lstat64", "fstat64"},
		"statfs":          {"statfs64"},
		"fstatfs":         {"fstatfs64"},
		"truncate":        {"truncate64"},
		"ftruncate":       {"ftruncate64"},
		"sendfile":        {"sendfile64"},
		"fadvise64":       {"fadvise64_64", "arm_fadvise64_64"},
		"sync_file_range": {"arm_sync_file_range"},
		"getrlimit":       {"ugetrlimit"},
		"prlimit64":       {"ugetrlimit"},
		"select":          {"_newselect", "pselect6_time64"},
		"rt_sigreturn":    {"sigreturn"},
		"arch_prctl":      {"set_thread_area"},
		// A 32-bit program sets its thread pointer with a syscall at start
		// (x86: set_thread_area, arm: set_tls); aarch64 needs none.
		"execve":                {"set_thread_area", "set_tls"},
		"chown":                 {"chown32"},
		"lchown":                {"lchown32"},
		"fchown":                {"fchown32"},
		"getuid":                {"getuid32"},
		"geteuid":               {"geteuid32"},
		"getgid":                {"getgid32"},
		"getegid":               {"getegid32"},
		"setuid":                {"setuid32"},
		"setgid":                {"setgid32"},
		"setreuid":              {"setreuid32"},
		"setregid":              {"setregid32"},
		"setresuid":             {"setresuid32"},
		"setresgid":             {"setresgid32"},
		"getresuid":             {"getresuid32"},
		"getresgid":             {"getresgid32"},
		"getgroups":             {"getgroups32"},
		"setgroups":             {"setgroups32"},
		"setfsuid":              {"setfsuid32"},
		"setfsgid":              {"setfsgid32"},
		"clock_gettime":         {"clock_gettime64"},
		"clock_settime":         {"clock_settime64"},
		"clock_adjtime":         {"clock_adjtime64"},
		"clock_getres":          {"clock_getres_time64"},
		"clock_nanosleep":       {"clock_nanosleep_time64"},
		"nanosleep":             {"clock_nanosleep_time64"},
		"timer_gettime":         {"timer_gettime64"},
		"timer_settime":         {"timer_settime64"},
		"timerfd_gettime":       {"timerfd_gettime64"},
		"timerfd_settime":       {"timerfd_settime64"},
		"utimensat":             {"utimensat_time64"},
		"pselect6":              {"pselect6_time64"},
		"ppoll":                 {"ppoll_time64"},
		"io_pgetevents":         {"io_pgetevents_time64"},
		"recvmmsg":              {"recvmmsg_time64"},
		"mq_timedsend":          {"mq_timedsend_time64"},
		"mq_timedreceive":       {"mq_timedreceive_time64"},
		"semtimedop":            {"semtimedop_time64"},
		"rt_sigtimedwait":       {"rt_sigtimedwait_time64"},
		"futex":                 {"futex_time64"},
		"sched_rr_get_interval": {"sched_rr_get_interval_time64"},
	}
})

// companionNames returns the companions (see companions) arch has of name
// observed on ABI from: none unless from is a 64-bit ABI and arch a 32-bit
// one.
func companionNames(r trace.Tables, from, arch, name string) []string {
	f, fok := abi.Lookup(from)
	a, aok := abi.Lookup(arch)
	if !fok || !aok || f.ArgBits != 64 || a.ArgBits != 32 {
		return nil
	}
	var out []string
	for _, c := range companions()[name] {
		if r.Has(arch, c) {
			out = append(out, c)
		}
	}
	return out
}

// Mapping reports that a syscall observed on one ABI is allowed under
// another name on a target ABI, or (To empty) that it has no equivalent
// there and is left out. Also: it is allowed under its own name there too,
// and To is the 32-bit ABI's companion (companions).
type Mapping struct {
	Arch string // target ABI
	From string
	To   string
	Also bool
}

// mapName returns the names to allow on arch for name: name itself when
// arch has it, else its first equivalent that arch has (ok false: none).
func mapName(r trace.Tables, arch, name string) (string, bool) {
	if r.Has(arch, name) {
		return name, true
	}
	for _, e := range equivalents()[name] {
		if r.Has(arch, e) {
			return e, true
		}
	}
	return "", false
}

// allowedAs returns the name under which name, observed on ABI from, is
// allowed on the covered ABI arch (ok false: it is not). covered holds the
// ABIs the profile covers.
func allowedAs(r trace.Tables, covered map[string]bool, from, arch, name string) (string, bool) {
	if from != arch && covered[from] && family(from) == family(arch) {
		// Seen on a covered ABI of the same machine (an i386 syscall on
		// x86_64): it runs there, not here.
		return name, true
	}
	return mapName(r, arch, name)
}

// muxCalls returns, for each kept socketcall, the socket calls the traces
// recorded it making (its argument 0), by name, sorted; an entry is absent
// when a trace recorded socketcall without that argument (the calls are not
// known). A target ABI without socketcall allows those calls instead.
func muxCalls(inputs []Input, kept []merged, r trace.Tables) map[key][]string {
	out := map[key][]string{}
	unknown := map[key]bool{}
	for _, in := range inputs {
		for _, s := range in.File.Syscalls {
			name, err := trace.ResolveName(r, s)
			k := key{s.Arch, name}
			if err != nil || name != "socketcall" || !slices.ContainsFunc(kept, func(m merged) bool { return m.key == k }) {
				continue
			}
			i := slices.IndexFunc(s.Args, func(a trace.ArgValues) bool { return a.Index == 0 })
			if i < 0 || s.Args[i].Overflow {
				unknown[k] = true
				continue
			}
			for _, v := range s.Args[i].Values {
				if c, ok := policy.MuxedCall("socketcall", v&0xffffffff); ok && !slices.Contains(out[k], c) {
					out[k] = append(out[k], c)
				}
			}
		}
	}
	for k := range unknown {
		delete(out, k)
	}
	for k := range out {
		slices.Sort(out[k])
	}
	return out
}
