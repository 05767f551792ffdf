//go:build linux && cgo

// The early start: a trace of a command started before the Go runtime
// (see early_linux.go for why and when).

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "prestub.h"

extern char **environ;

int early_started;
int early_pid;
int early_ready = -1;
int early_links[EARLY_MAX_LINKS];
int early_nlinks;
int early_cmd;
int early_noargs;
int early_stdout; // the trace goes to stdout: the command's went to stderr
char early_claimed[EARLY_PATH_MAX];
char early_path[EARLY_PATH_MAX];
int64_t early_ns[EARLY_NPHASES];
const char *early_why = "not a trace of a command";
int early_refused;   // a held signal came before the gate: the command was not run
int early_gate_err;  // the gate's send failed with this errno
int early_holding;   // the Ctrl-C policy's signals are held (see __wrap_sigaction)
static char **early_argv;
static const char *early_out;
static char early_ready_name[PATH_MAX]; // the claimed set's name when it was ready
static uint64_t start_ignored;          // signals ignored at the start (bit s-1)
static struct rlimit start_nofile;      // RLIMIT_NOFILE at the start
static int start_nofile_ok;
int early_ignored; // of SIGINT, SIGQUIT, SIGTERM, SIGHUP: those ignored at the start (bit s-1)

static int64_t now_ns(void) {
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

// Holding the Ctrl-C policy's signals (SIGINT, SIGQUIT, SIGTERM, SIGHUP)
// from the constructor until package gate's init, so that the gate can
// open as soon as the recorder is attached, while the Go runtime starts.
//
// Until signal.Notify, the Go runtime's own handlers end the process at
// any of them (even at a SIGTERM or SIGQUIT it was started with ignored:
// it installs its handler over SIG_IGN), and a command that runs could
// send one: seccomp-gen would die with its command running, untraced, and
// no trace written. So the constructor puts a handler that only notes the
// signal (early_note) in place of each one not ignored, and every
// sigaction the Go runtime makes for these four signals meanwhile is
// answered here instead of by the kernel: linked with
// -Wl,--wrap=sigaction (early_linux.go), the runtime's calls (through cgo's
// x_cgo_sigaction, on linux/amd64, arm64 and ppc64le: early_start refuses
// other architectures) reach __wrap_sigaction. It keeps the handler the
// runtime asks for and answers with the disposition the process started
// with, as the kernel would have, so the runtime's view is the one it
// would have had. Package gate's init calls signal.Notify, then
// early_release: the runtime's handlers go in, and it raises again what
// was noted, which the policy then takes as a signal that came after the
// command started. glibc's own calls (signal(), the child's) are
// __sigaction's and not held.
int __real_sigaction(int s, const struct sigaction *act, struct sigaction *old);

#define HELD_MASK ((1ull << (SIGINT - 1)) | (1ull << (SIGQUIT - 1)) | (1ull << (SIGTERM - 1)) | (1ull << (SIGHUP - 1)))
static const int held[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP};
static struct sigaction start_act[65], go_act[65];
static int go_set[65];
static uint64_t noted; // bit s-1: s came while held

static int is_held(int s) {
	return s >= 1 && s <= 64 && (HELD_MASK >> (s - 1) & 1);
}

static void early_note(int s) {
	__atomic_fetch_or(&noted, 1ull << (s - 1), __ATOMIC_SEQ_CST);
}

int __wrap_sigaction(int s, const struct sigaction *act, struct sigaction *old) {
	if (!__atomic_load_n(&early_holding, __ATOMIC_ACQUIRE) || !is_held(s))
		return __real_sigaction(s, act, old);
	if (old != NULL)
		*old = go_set[s] ? go_act[s] : start_act[s];
	if (act != NULL) {
		go_act[s] = *act;
		go_set[s] = 1;
	}
	return 0;
}

// hold_signals starts holding (on the main thread, before the Go runtime).
static void hold_signals(void) {
	for (size_t i = 0; i < sizeof held / sizeof held[0]; i++)
		__real_sigaction(held[i], NULL, &start_act[held[i]]);
	__atomic_store_n(&early_holding, 1, __ATOMIC_RELEASE);
	for (size_t i = 0; i < sizeof held / sizeof held[0]; i++) {
		int s = held[i];
		if (start_act[s].sa_handler == SIG_IGN)
			continue; // ignored until the runtime's handler goes in
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = early_note;
		// On the signal stack the runtime gives its threads.
		sa.sa_flags = SA_ONSTACK | SA_RESTART;
		sigfillset(&sa.sa_mask);
		__real_sigaction(s, &sa, NULL);
	}
}

uint64_t early_release(void) {
	if (!__atomic_load_n(&early_holding, __ATOMIC_ACQUIRE))
		return 0;
	for (size_t i = 0; i < sizeof held / sizeof held[0]; i++) {
		int s = held[i];
		__real_sigaction(s, go_set[s] ? &go_act[s] : &start_act[s], NULL);
	}
	__atomic_store_n(&early_holding, 0, __ATOMIC_RELEASE);
	// After the handlers went in: one noted now came before, one after
	// goes to the runtime.
	return __atomic_exchange_n(&noted, 0, __ATOMIC_SEQ_CST) & HELD_MASK;
}

int early_go_held(void) {
	int n = 0;
	for (size_t i = 0; i < sizeof held / sizeof held[0]; i++)
		n += go_set[held[i]];
	return n;
}

static long sys_bpf(int cmd, union bpf_attr *a) {
	return syscall(SYS_bpf, cmd, a, sizeof *a);
}

// parse reads `trace FLAGS [--] CMD ...` as cmd/seccomp-gen's trace
// command does (pflag, not interspersed), for the flags listed only: -o
// FILE, --output FILE, --output=FILE, -v, --verbose, --no-args, each at
// most once (singleValued). Anything else, or a form pflag reads in
// more ways than one, is left to the Go side: 0.
static int parse(int argc, char **argv, const char **out) {
	int seen_o = 0, seen_v = 0, seen_n = 0;
	*out = "-";
	if (argc < 3 || strcmp(argv[1], "trace") != 0)
		return 0;
	int i = 2;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-')
			break;
		if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			if (seen_o++ || i + 1 >= argc)
				return 0;
			*out = argv[++i];
			// A value pflag would take, but that reads like a flag.
			if ((*out)[0] == '-' && (*out)[1] != 0)
				return 0;
		} else if (strncmp(a, "--output=", 9) == 0) {
			if (seen_o++)
				return 0;
			*out = a + 9;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			if (seen_v++)
				return 0;
		} else if (strcmp(a, "--no-args") == 0) {
			if (seen_n++)
				return 0;
			early_noargs = 1;
		} else {
			return 0;
		}
	}
	if (i >= argc || argv[i][0] == 0 || (*out)[0] == 0)
		return 0;
	early_cmd = i;
	return 1;
}

// envOK: every entry is KEY=VALUE, and no KEY twice (os/exec would pass
// a deduplicated copy; such an environment is left to it).
static int env_ok(void) {
	for (char **e = environ; *e; e++) {
		const char *eq = strchr(*e, '=');
		if (eq == NULL || eq == *e)
			return 0;
		size_t k = (size_t)(eq - *e);
		for (char **f = environ; f != e; f++)
			if (strncmp(*f, *e, k + 1) == 0)
				return 0;
	}
	return 1;
}

// find is internal/lookpath.Find: the command as a shell finds it. 0:
// not found or not runnable (the Go side says why).
static int find(const char *name, char *path, struct stat *st) {
	if (strchr(name, '/') != NULL) {
		if (stat(name, st) != 0 || S_ISDIR(st->st_mode) || (st->st_mode & 0111) == 0)
			return 0;
		return snprintf(path, PATH_MAX, "%s", name) < PATH_MAX;
	}
	const char *dirs = getenv("PATH");
	if (dirs == NULL)
		dirs = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (const char *d = dirs;;) {
		const char *end = strchrnul(d, ':');
		int n = (int)(end - d);
		int w = n == 0 ? snprintf(path, PATH_MAX, "./%s", name)
			       : snprintf(path, PATH_MAX, "%.*s/%s", n, d, name);
		if (w > 0 && w < PATH_MAX && stat(path, st) == 0 && !S_ISDIR(st->st_mode) &&
			(st->st_mode & 0111) != 0)
			return 1;
		if (*end == 0)
			return 0;
		d = end + 1;
	}
}

static int inode_flags(const char *path, int *fl) {
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int ok = ioctl(fd, FS_IOC_GETFLAGS, fl) == 0;
	close(fd);
	return ok;
}

// output_ok: cmd/seccomp-gen's checkOutputs would pass -o file, for a
// plain path only: no link anywhere in it, no "." or ".." in its
// directory, nothing under /proc or /dev (those the Go side resolves and
// judges). cmd and self: the command's program and this one's, which it
// refuses to overwrite.
static int output_ok(const char *file, const struct stat *cmd, const struct stat *self) {
	if (strcmp(file, "-") == 0)
		return 1;
	char dir[PATH_MAX], abs[PATH_MAX], real[PATH_MAX];
	const char *slash = strrchr(file, '/');
	const char *base = slash ? slash + 1 : file;
	if (base[0] == 0 || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return 0;
	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == file)
		snprintf(dir, sizeof dir, "/");
	else if (snprintf(dir, sizeof dir, "%.*s", (int)(slash - file), file) >= (int)sizeof dir)
		return 0;
	if (dir[0] == '/') {
		snprintf(abs, sizeof abs, "%s", dir);
	} else {
		char cwd[PATH_MAX];
		if (getcwd(cwd, sizeof cwd) == NULL)
			return 0;
		int w = strcmp(dir, ".") == 0 ? snprintf(abs, sizeof abs, "%s", cwd)
					      : snprintf(abs, sizeof abs, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, dir);
		if (w >= (int)sizeof abs)
			return 0;
	}
	if (realpath(abs, real) == NULL || strcmp(real, abs) != 0)
		return 0;
	if (strncmp(real, "/proc", 5) == 0 && (real[5] == 0 || real[5] == '/'))
		return 0;
	if (strncmp(real, "/dev", 4) == 0 && (real[4] == 0 || real[4] == '/'))
		return 0;
	struct stat st;
	int fl;
	if (lstat(file, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			return 0;
		if ((st.st_dev == cmd->st_dev && st.st_ino == cmd->st_ino) ||
			(st.st_dev == self->st_dev && st.st_ino == self->st_ino))
			return 0;
		if (inode_flags(file, &fl) && (fl & (FS_IMMUTABLE_FL | FS_APPEND_FL)) != 0)
			return 0;
	} else if (errno != ENOENT) {
		return 0;
	}
	if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
		return 0;
	// atomicfile.Creatable: root passes every permission check but not a
	// read-only mount.
	int fd = open(real, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
	} else if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) {
		if (syscall(SYS_faccessat, AT_FDCWD, real, W_OK | X_OK) != 0)
			return 0;
	} else {
		return 0;
	}
	if (inode_flags(real, &fl) && (fl & FS_APPEND_FL) != 0)
		return 0;
	return 1;
}

// privileged: trace/recorder's checkPrivileges would pass: the initial
// user namespace, and CAP_SYS_ADMIN or CAP_BPF and CAP_PERFMON in effect.
// (A pinned program is attached with none of them: a check of the
// file's owner only.)
static int privileged(void) {
	char m[128];
	int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, m, sizeof m - 1);
	close(fd);
	if (n <= 0)
		return 0;
	m[n] = 0;
	unsigned long long a, b, c;
	int end = 0;
	if (sscanf(m, " %llu %llu %llu %n", &a, &b, &c, &end) != 3 || m[end] != 0 || a != 0 || b != 0 ||
		c != 4294967295ULL)
		return 0;
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) != 0)
		return 0;
	uint64_t eff = (uint64_t)d[0].effective | (uint64_t)d[1].effective << 32;
	uint64_t bpf = (uint64_t)1 << 39, perfmon = (uint64_t)1 << 38, admin = (uint64_t)1 << 21;
	return (eff & admin) != 0 || ((eff & bpf) != 0 && (eff & perfmon) != 0);
}

// pool_dir is trace/recorder's PoolDir.
static const char *pool_dir(void) {
	const char *v = getenv("SECCOMP_GEN_POOL");
	if (v == NULL || v[0] == 0)
		return "/run/seccomp-gen/bpf";
	if (v[0] != '/')
		return NULL; // "off", or not absolute: no pool
	return v;
}

// key_dir is the key directory that the pool's hint names for this
// binary, PID namespace and --no-args (record_pool.go, record_early.go).
static char key_dir[PATH_MAX];

// find_ready says whether the key's directory holds a ready set (r-): a
// readlink, an opendir and a readdir, on the main thread.
static int find_ready(const char *pool) {
	struct stat self, ns;
	if (stat("/proc/self/exe", &self) != 0 || stat("/proc/self/ns/pid", &ns) != 0)
		return 0;
	char hint[PATH_MAX], key[64];
	snprintf(hint, sizeof hint, "%s/%s%llu-%llu-%lld-%lld_%ld-%llu-%d", pool, EARLY_HINT_PREFIX,
		(unsigned long long)self.st_dev, (unsigned long long)self.st_ino, (long long)self.st_size,
		(long long)self.st_mtim.tv_sec, (long)self.st_mtim.tv_nsec, (unsigned long long)ns.st_ino,
		early_noargs);
	ssize_t n = readlink(hint, key, sizeof key - 1);
	if (n <= 0 || n >= (ssize_t)sizeof key - 1)
		return 0;
	key[n] = 0;
	for (ssize_t i = 0; i < n; i++)
		if (!((key[i] >= '0' && key[i] <= '9') || (key[i] >= 'a' && key[i] <= 'f')))
			return 0;
	snprintf(key_dir, sizeof key_dir, "%s/%s", pool, key);
	DIR *d = opendir(key_dir);
	if (d == NULL)
		return 0;
	struct dirent *e;
	int ok = 0;
	while (!ok && (e = readdir(d)) != NULL)
		ok = strncmp(e->d_name, "r-", 2) == 0;
	closedir(d);
	return ok;
}

// claim renames a ready set of key_dir to a set of this process
// (record_pool.go: the same names), and returns its directory in
// early_claimed, with the ready name in early_ready_name. 0: none.
static int claim(void) {
	DIR *d = opendir(key_dir);
	if (d == NULL)
		return 0;
	struct dirent *e;
	int ok = 0;
	while (!ok && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "r-", 2) != 0)
			continue;
		snprintf(early_ready_name, sizeof early_ready_name, "%s/%s", key_dir, e->d_name);
		snprintf(early_claimed, sizeof early_claimed, "%s/c-%d-%s", key_dir, (int)getpid(), e->d_name + 2);
		ok = rename(early_ready_name, early_claimed) == 0; // else another trace's now
	}
	closedir(d);
	if (!ok)
		early_claimed[0] = 0;
	return ok;
}

static int obj_get(const char *dir, const char *name) {
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.pathname = (uintptr_t)p;
	return (int)sys_bpf(BPF_OBJ_GET, &a);
}

// attach attaches prog to the raw tracepoint tp (NULL: a tp_btf
// program's own), as cilium/ebpf's link.AttachRawTracepoint and
// AttachTracing do; the link's descriptor, or -1.
static int attach(int prog, const char *tp) {
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.raw_tracepoint.name = (uintptr_t)tp;
	a.raw_tracepoint.prog_fd = (uint32_t)prog;
	int fd = (int)sys_bpf(BPF_RAW_TRACEPOINT_OPEN, &a);
	if (fd >= 0)
		early_links[early_nlinks++] = fd;
	return fd;
}

static void undo(const char *ready) {
	for (int i = 0; i < early_nlinks; i++)
		close(early_links[i]);
	early_nlinks = 0;
	if (early_claimed[0] != 0 && rename(early_claimed, ready) != 0) {
		// Left claimed by this process: trimPool removes it once
		// this process has exited.
		return;
	}
	early_claimed[0] = 0;
}

// wanted_early: the command line is one the constructor may start (-1),
// or not (0, early_why says why).
static int wanted_early(int argc, char **argv, const char **out) {
	early_ns[EARLY_LAUNCH] = now_ns();
	if (!parse(argc, argv, out))
		return 0;
	early_why = "SECCOMP_GEN_EARLY=off";
	const char *off = getenv(EARLY_ENV);
	if (off != NULL && strcmp(off, "off") == 0)
		return 0;
#if !defined(__x86_64__) && !defined(__aarch64__) && !(defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
	// The Go runtime sets its handlers without cgo's sigaction here:
	// the signals could not be held (__wrap_sigaction).
	early_why = "not on this architecture";
	return 0;
#endif
	return -1;
}

// run says whether the command can start early: a command line the
// constructor reads, and a prepared recorder ready (1: attach_start does
// the rest on a thread); 0, early_why says why not. On the main thread
// before the Go runtime, as little as can be.
static int run(char **argv, const char *out) {
	// Here, not in checks: the Go runtime opens /dev/null on a closed 0,
	// 1 or 2 when it starts.
	early_why = "descriptor 0, 1 or 2 closed";
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			return 0;
	early_why = "the pool is off";
	const char *pool = pool_dir();
	if (pool == NULL)
		return 0;
	early_why = "no prepared recorder";
	if (!find_ready(pool))
		return 0;
	early_argv = argv;
	early_out = out;
	return 1;
}

// checks: the Go side's checks would pass (see early_linux.go), of what
// the Go runtime's start does not change (its raise of RLIMIT_NOFILE's
// soft limit is allowed for).
static int checks(char **argv, const char *out) {
	early_why = "not root, or without CAP_BPF and CAP_PERFMON in the initial user namespace";
	if (geteuid() != 0 || getuid() != 0 || !privileged())
		return 0;
	early_why = "no kernel BTF";
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		return 0;
	early_why = "ulimit -n";
	struct rlimit rl;
	// limits.NeedOpenFiles(80), with the Go runtime's raise of the soft
	// limit to the hard one: beyond its 4096 uncounted, nothing to count.
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_max < 80 + 4096)
		return 0;
	early_why = "the environment has a variable twice or no KEY=";
	if (!env_ok())
		return 0;
	early_why = "command not found";
	struct stat cmd, self;
	if (!find(argv[early_cmd], early_path, &cmd))
		return 0;
	early_why = "-o is not a plain writable file";
	if (stat("/proc/self/exe", &self) != 0 || !output_ok(out, &cmd, &self))
		return 0;
	early_stdout = strcmp(out, "-") == 0;
	early_why = "no prepared recorder (another trace claimed it)";
	if (!claim())
		return 0;
	early_ns[EARLY_CLAIMED] = now_ns();
	return 1;
}

// attach_start is the rest, on a thread of its own while the Go runtime
// starts on the main one (2.0-2.8 ms of its own here): the checks, the
// claim, the pins, the attach, the command's process forked and armed.
// It sets early_started.
static void *attach_start(void *unused) {
	(void)unused;
	char **argv = early_argv;
	if (!checks(argv, early_out)) {
		early_started = 0;
		return NULL;
	}
	early_why = "a prepared recorder's pins";
	int progs[4] = {-1, -1, -1, -1}, armed = -1, gate[2] = {-1, -1}, rd[2] = {-1, -1};
	pid_t pid = -1;
	static const char *names[4] = {"sched_process_fork_btf", "sched_process_exec", "sched_process_exit", "sys_enter"};
	static const char *tps[4] = {NULL, "sched_process_exec", "sched_process_exit", "sys_enter"};
	int fork_raw = obj_get(early_claimed, "sched_process_fork");
	if (fork_raw >= 0) {
		// cfg_fork_void: both fork programs, in an order Record keeps.
		close(fork_raw);
		goto fail;
	}
	for (int i = 0; i < 4; i++)
		if ((progs[i] = obj_get(early_claimed, names[i])) < 0)
			goto fail;
	if ((armed = obj_get(early_claimed, "armed")) < 0)
		goto fail;
	early_why = "attach";
	// As Record attaches: the programs that follow tasks, then sys_enter.
	for (int i = 0; i < 4; i++)
		if (attach(progs[i], tps[i]) < 0)
			goto fail;
	early_ns[EARLY_ATTACHED] = now_ns();
	// For tests: fork once the Go runtime has started (which raises
	// RLIMIT_NOFILE and installs signal handlers), as a slow thread does.
	const char *delay = getenv("SECCOMP_GEN_EARLY_TEST_DELAY_US");
	if (delay != NULL)
		usleep((useconds_t)atoi(delay));
	early_why = "fork";
	// The gate a socket (send's MSG_NOSIGNAL: SIGPIPE is no Go handler's
	// yet); ready a pipe, as the stub's.
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, gate) != 0 || pipe2(rd, O_CLOEXEC) != 0)
		goto fail;
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0) {
		// Its own signals are not held (they are reset below).
		__atomic_store_n(&early_holding, 0, __ATOMIC_RELEASE);
		// The Go runtime may have raised RLIMIT_NOFILE's soft limit
		// meanwhile (on the main thread; os/exec restores it for the
		// commands it starts): the limit seccomp-gen started with.
		if (start_nofile_ok)
			setrlimit(RLIMIT_NOFILE, &start_nofile);
		// It may have installed its signal handlers too, and the held
		// ones are early_note: the dispositions seccomp-gen started with.
		for (int s = 1; s <= 64; s++) {
			if (s == SIGKILL || s == SIGSTOP)
				continue;
			struct sigaction sa;
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = (start_ignored & ((uint64_t)1 << (s - 1))) ? SIG_IGN : SIG_DFL;
			sigaction(s, &sa, NULL);
		}
		// The command's stdout is stderr when the trace goes to stdout
		// (trace.go: stdoutViaStderr; stderr is open here).
		if (early_stdout)
			dup2(2, 1);
		for (int i = 0; i < 4; i++)
			close(progs[i]);
		close(armed);
		close(gate[0]);
		close(rd[0]);
		prestub_gate_exec(gate[1], rd[1], 0, start_ignored, 0, early_path, argv + early_cmd, environ);
	}
	close(gate[1]);
	gate[1] = -1;
	close(rd[1]);
	rd[1] = -1;
	early_why = "arm";
	uint32_t key = (uint32_t)pid, skip = 1;
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_fd = (uint32_t)armed;
	a.key = (uintptr_t)&key;
	a.value = (uintptr_t)&skip;
	a.flags = BPF_ANY;
	if (sys_bpf(BPF_MAP_UPDATE_ELEM, &a) != 0)
		goto fail;
	// The gate: the command runs now, unless one of the held signals
	// came first (then it is not run: the policy has the signal). One
	// that comes from now on is a signal while the command runs.
	if (__atomic_load_n(&noted, __ATOMIC_SEQ_CST) & HELD_MASK) {
		early_refused = 1;
	} else {
		char one = 1;
		ssize_t n;
		do
			n = send(gate[0], &one, 1, MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		if (n == 1)
			early_ns[EARLY_GATE] = now_ns();
		else
			early_gate_err = errno;
	}
	close(gate[0]);
	gate[0] = -1;
	for (int i = 0; i < 4; i++)
		close(progs[i]);
	close(armed);
	early_pid = pid;
	early_ready = rd[0];
	early_why = NULL;
	early_started = 1;
	return NULL;
fail:
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	for (int i = 0; i < 4; i++)
		if (progs[i] >= 0)
			close(progs[i]);
	int fds[5] = {armed, gate[0], gate[1], rd[0], rd[1]};
	for (int i = 0; i < 5; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	undo(early_ready_name);
	early_started = 0;
	return NULL;
}

static pthread_t early_thread;
static int early_pending;

int early_start(int argc, char **argv) {
	int saved = errno;
	const char *out;
	if (wanted_early(argc, argv, &out) != 0 && run(argv, out)) {
		// The signals ignored at the start, for the command (prestub's
		// constructor records them too late for it: the child may be
		// forked once the Go runtime has installed its handlers).
		for (int s = 1; s <= 64; s++) {
			struct sigaction sa;
			if (s != SIGKILL && s != SIGSTOP && sigaction(s, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
				start_ignored |= (uint64_t)1 << (s - 1);
		}
		start_nofile_ok = getrlimit(RLIMIT_NOFILE, &start_nofile) == 0;
		// Those of the Ctrl-C policy, for package gate.
		static const int caught[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP};
		for (size_t i = 0; i < sizeof caught / sizeof caught[0]; i++)
			early_ignored |= (int)(start_ignored >> (caught[i] - 1) & 1) << (caught[i] - 1);
		hold_signals();
		early_pending = 1;
		if (pthread_create(&early_thread, NULL, attach_start, NULL) != 0) {
			early_pending = 0;
			attach_start(NULL);
		}
	}
	errno = saved;
	return early_pending || early_started;
}

int early_wait(void) {
	if (early_pending) {
		pthread_join(early_thread, NULL);
		early_pending = 0;
	}
	return early_started;
}
