//go:build linux && cgo

// The constructor and the child it forks (see doc.go).

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "prestub.h"

int prestub_pid;
int prestub_ctl = -1;
int prestub_errno;

void prestub_gate_exec(int gate, int ready, int masks, uint64_t ignored, uint64_t blocked,
	const char *path, char *const argv[], char *const envp[]) {
	char b = 1;
	ssize_t n;
	const char *name = argv[0] ? argv[0] : path;
	// Tell the tracer that the stub is up (for the re-executed stub: that
	// its own execve is over), then wait to be armed.
	while (write(ready, &b, 1) < 0 && errno == EINTR)
		;
	// ready stays open, close-on-exec: a failed execve is said there.
	fcntl(ready, F_SETFD, FD_CLOEXEC);
	do
		n = read(gate, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1) {
		// The tracer died before it was ready: never run the command untraced.
		fprintf(stderr, "seccomp-gen: the tracer went away before tracing started; not running %s\n", name);
		_exit(125);
	}
	close(gate);
	// Signals ignored when seccomp-gen started: its Go runtime's handlers
	// reached a re-executed stub as defaults, execve keeps SIG_IGN.
	for (int s = 1; s <= 64; s++) {
		if (ignored & ((uint64_t)1 << (s - 1)) && s != SIGKILL && s != SIGSTOP) {
			struct sigaction sa = {0};
			sa.sa_handler = SIG_IGN;
			sigaction(s, &sa, NULL);
		}
	}
	// And its signal mask, which the Go runtime had changed for the fork.
	if (masks)
		syscall(SYS_rt_sigprocmask, SIG_SETMASK, &blocked, NULL, sizeof blocked);
	execve(path, argv, envp);
	int err = errno;
	int status = err == ENOENT ? 127 : 126;
	// The errno, for the tracer to report (recorder.ExecError); said
	// here only when it cannot be.
	if (err > 0 && err < 256) {
		unsigned char e = (unsigned char)err;
		// A tracer that has gone: EPIPE, not death by SIGPIPE.
		signal(SIGPIPE, SIG_IGN);
		do
			n = write(ready, &e, 1);
		while (n < 0 && errno == EINTR);
		if (n == 1)
			_exit(status);
	}
	// As Go's syscall.Errno says it: strerror with a lowercase first letter.
	char msg[256];
	snprintf(msg, sizeof msg, "%s", strerror(err));
	if (msg[0] >= 'A' && msg[0] <= 'Z')
		msg[0] += 'a' - 'A';
	// ENOEXEC: the hint the Go stub gives (trace/recorder: noExecHint).
	fprintf(stderr, "seccomp-gen: %s: %s%s\n", name, msg,
		err == ENOEXEC ? " (a script needs a #! line; else the file is no program for this machine)" : "");
	_exit(status);
}

// wanted: the command line is `trace ... -- CMD` or `replay ... -- CMD`.
// A guess (a flag's value could be "--"): a child forked for nothing is
// released (Discard) or goes when seccomp-gen exits.
static int wanted(int argc, char **argv) {
	if (argc < 4 || (strcmp(argv[1], "trace") != 0 && strcmp(argv[1], "replay") != 0))
		return 0;
	for (int i = 2; i < argc - 1; i++)
		if (strcmp(argv[i], "--") == 0)
			return 1;
	return 0;
}

// above returns fd moved to min or above, close-on-exec (fd itself when it
// is there already), or -1.
static int above(int fd, int min) {
	if (fd >= min)
		return fd;
	int n = fcntl(fd, F_DUPFD_CLOEXEC, min);
	close(fd);
	return n;
}

static int readfull(int fd, void *p, size_t len) {
	char *c = p;
	while (len > 0) {
		ssize_t n = read(fd, c, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

// reply tells the tracer how the set-up went: 0, an errno, or -1 (a spec
// it cannot read).
static void reply(int ctl, int32_t status) {
	while (write(ctl, &status, sizeof status) < 0 && errno == EINTR)
		;
}

// child waits on ctl for its spec, takes the command's descriptors and
// directory, and is the stub from then on.
static void child(int ctl) __attribute__((noreturn));
static void child(int ctl) {
	struct prestub_hdr h;
	union {
		char buf[CMSG_SPACE(PRESTUB_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {&h, sizeof h};
	struct msghdr m = {0};
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = u.buf;
	m.msg_controllen = sizeof u.buf;
	ssize_t n;
	do
		n = recvmsg(ctl, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		_exit(0); // released, or seccomp-gen exited without running a command
	if ((size_t)n < sizeof h && readfull(ctl, (char *)&h + n, sizeof h - (size_t)n) != 0)
		_exit(0);
	int fds[PRESTUB_MAX_FDS];
	int nfd = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (nfd + k > PRESTUB_MAX_FDS)
			k = PRESTUB_MAX_FDS - nfd;
		memcpy(fds + nfd, CMSG_DATA(c), (size_t)k * sizeof(int));
		nfd += k;
	}
	uint32_t nstr = h.nargv + h.nenv + 2;
	char *strs = NULL, **argv = NULL, **envp = NULL;
	int ok = h.magic == PRESTUB_MAGIC && !(m.msg_flags & MSG_CTRUNC) && (uint32_t)nfd == h.nfds &&
		nfd >= 5 && h.nargv >= 1 && h.len < (64u << 20) && h.nargv < h.len && h.nenv < h.len;
	if (ok) {
		strs = malloc(h.len + 1);
		argv = calloc(h.nargv + 1, sizeof *argv);
		envp = calloc(h.nenv + 1, sizeof *envp);
		ok = strs && argv && envp && readfull(ctl, strs, h.len) == 0;
	}
	// The strings: path, dir, argv..., env..., each ended by a NUL.
	char *path = NULL, *dir = NULL;
	if (ok) {
		strs[h.len] = 0;
		char *p = strs, *end = strs + h.len;
		for (uint32_t i = 0; i < nstr; i++) {
			char *z = memchr(p, 0, (size_t)(end - p));
			if (z == NULL) {
				ok = 0;
				break;
			}
			if (i == 0)
				path = p;
			else if (i == 1)
				dir = p;
			else if (i < 2 + h.nargv)
				argv[i - 2] = p;
			else
				envp[i - 2 - h.nargv] = p;
			p = z + 1;
		}
		ok = ok && p == end;
	}
	if (!ok) {
		reply(ctl, -1);
		_exit(125);
	}
	// The descriptors to 0 .. nfd-1, as os/exec puts a command's: first
	// everything out of that range, then each in its place (dup2 clears
	// close-on-exec there).
	ctl = above(ctl, nfd);
	for (int i = 0; i < nfd; i++)
		fds[i] = above(fds[i], nfd);
	for (int i = 0; i < nfd; i++) {
		if (ctl < 0 || fds[i] < 0 || dup2(fds[i], i) < 0) {
			reply(ctl, ctl < 0 ? -1 : errno);
			_exit(125);
		}
		close(fds[i]);
	}
	if (dir[0] != 0 && chdir(dir) != 0) {
		reply(ctl, errno);
		_exit(125);
	}
	reply(ctl, 0);
	close(ctl);
	prestub_gate_exec(nfd - 2, nfd - 1, (h.flags & PRESTUB_MASKS) != 0, h.ignored, h.blocked,
		path, argv, envp);
}

// Priority 101: before internal/prefault's (102), whose mapping of the
// binary the child would only have to drop at its execve.
__attribute__((constructor(101))) static void prestub_start(int argc, char **argv, char **envp) {
	(void)envp;
	// A trace of a command that can start at once (early.c) needs no
	// child waiting.
	if (early_start(argc, argv) || !wanted(argc, argv))
		return;
	const char *off = getenv("SECCOMP_GEN_PRESTUB");
	if (off != NULL && strcmp(off, "off") == 0)
		return;
	int saved = errno;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		prestub_errno = errno;
		goto out;
	}
	// Never on 0, 1 or 2 (closed when seccomp-gen started: the Go
	// runtime and cmd/seccomp-gen's sealClosed look at them after this).
	sv[0] = above(sv[0], 3);
	sv[1] = above(sv[1], 3);
	if (sv[0] < 0 || sv[1] < 0) {
		prestub_errno = errno;
		if (sv[0] >= 0)
			close(sv[0]);
		if (sv[1] >= 0)
			close(sv[1]);
		goto out;
	}
	pid_t pid = fork();
	if (pid < 0) {
		prestub_errno = errno;
		close(sv[0]);
		close(sv[1]);
		goto out;
	}
	if (pid == 0) {
		close(sv[0]);
		child(sv[1]);
	}
	close(sv[1]);
	prestub_pid = pid;
	prestub_ctl = sv[0];
out:
	errno = saved;
}
