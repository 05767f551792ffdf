package reduce

import (
	"slices"

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
var equivalents = map[string][]string{
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

// Mapping reports that a syscall observed on one ABI is allowed under
// another name on a target ABI, or (To empty) that it has no equivalent
// there and is left out.
type Mapping struct {
	Arch string // target ABI
	From string
	To   string
}

// mapName returns the names to allow on arch for name: name itself when
// arch has it, else its first equivalent that arch has (ok false: none).
func mapName(r trace.Tables, arch, name string) (string, bool) {
	if r.Has(arch, name) {
		return name, true
	}
	for _, e := range equivalents[name] {
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
