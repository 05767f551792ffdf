package reduce

import "github.com/seccomp-gen/seccomp-gen/trace"

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
