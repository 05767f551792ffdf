/* One real program per fallback-table entry of a C library: `fallback MODE
 * FILE` does what MODE names through the libc's public function and exits
 * 0 when it worked, 1 (saying why) when not. Built with gcc (glibc) and
 * musl-gcc (musl) by internal/fallbacktest. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static int fail(const char *what) {
	fprintf(stderr, "fallback: %s: %s\n", what, strerror(errno));
	return 1;
}

static void *thread(void *arg) { return arg; }

int main(int argc, char **argv) {
	if (argc != 3) {
		fprintf(stderr, "usage: fallback MODE FILE\n");
		return 2;
	}
	const char *m = argv[1], *file = argv[2];
	char buf[16] = {0};
	struct iovec iov = {buf, 5};
	(void)iov;
	if (!strcmp(m, "clone3")) {
		pthread_t t;
		int e = pthread_create(&t, NULL, thread, NULL);
		if (e) { errno = e; return fail("pthread_create"); }
		pthread_join(t, NULL);
#ifdef __GLIBC__
	} else if (!strcmp(m, "statx")) {
		struct statx st;
		if (statx(AT_FDCWD, file, 0, STATX_BASIC_STATS, &st)) return fail("statx");
		if (st.stx_size != 5) { fprintf(stderr, "fallback: statx size %llu\n", (unsigned long long)st.stx_size); return 1; }
	} else if (!strcmp(m, "preadv2")) {
		int fd = open(file, O_RDONLY);
		if (fd < 0) return fail("open");
		if (preadv2(fd, &iov, 1, 0, 0) != 5 || memcmp(buf, "hello", 5)) return fail("preadv2");
	} else if (!strcmp(m, "pwritev2")) {
		int fd = open(file, O_WRONLY);
		if (fd < 0) return fail("open");
		memcpy(buf, "HELLO", 5);
		if (pwritev2(fd, &iov, 1, 0, 0) != 5) return fail("pwritev2");
	} else if (!strcmp(m, "close_range")) {
		int fd = open(file, O_RDONLY);
		if (fd < 3 || dup2(fd, 40) != 40) return fail("open");
		closefrom(3);
		if (fcntl(fd, F_GETFD) != -1 || fcntl(40, F_GETFD) != -1) { fprintf(stderr, "fallback: closefrom left fds open\n"); return 1; }
	} else if (!strcmp(m, "rseq")) {
		if (sched_getcpu() < 0) return fail("sched_getcpu");
		pthread_t t;
		int e = pthread_create(&t, NULL, thread, NULL);
		if (e) { errno = e; return fail("pthread_create"); }
		pthread_join(t, NULL);
#endif
	} else if (!strcmp(m, "faccessat2")) {
		if (faccessat(AT_FDCWD, file, R_OK, AT_EACCESS)) return fail("faccessat AT_EACCESS");
	} else if (!strcmp(m, "epoll_create1")) {
		if (epoll_create1(0) < 0) return fail("epoll_create1");
	} else if (!strcmp(m, "epoll_pwait")) {
		int ep = epoll_create1(0);
		struct epoll_event ev = {.events = EPOLLIN}, out;
		int p[2];
		if (ep < 0 || pipe(p) || write(p[1], "x", 1) != 1 || epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev)) return fail("setup");
		if (epoll_wait(ep, &out, 1, 1000) != 1) return fail("epoll_wait");
	} else if (!strcmp(m, "eventfd2")) {
		if (eventfd(0, 0) < 0) return fail("eventfd");
	} else if (!strcmp(m, "signalfd4")) {
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGUSR1);
		int fd = signalfd(-1, &s, SFD_CLOEXEC);
		if (fd < 0) return fail("signalfd");
		if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC)) { fprintf(stderr, "fallback: signalfd without FD_CLOEXEC\n"); return 1; }
	} else if (!strcmp(m, "inotify_init1")) {
		if (inotify_init1(0) < 0) return fail("inotify_init1");
	} else if (!strcmp(m, "dup3")) {
		if (dup3(1, 20, O_CLOEXEC) != 20) return fail("dup3");
		if (!(fcntl(20, F_GETFD) & FD_CLOEXEC)) { fprintf(stderr, "fallback: dup3 without FD_CLOEXEC\n"); return 1; }
	} else if (!strcmp(m, "pipe2")) {
		int p[2];
		if (pipe2(p, O_CLOEXEC)) return fail("pipe2");
		if (!(fcntl(p[0], F_GETFD) & FD_CLOEXEC)) { fprintf(stderr, "fallback: pipe2 without FD_CLOEXEC\n"); return 1; }
	} else if (!strcmp(m, "accept4")) {
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		socklen_t l = sizeof a;
		int s = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0 || c < 0 || bind(s, (void *)&a, sizeof a) || listen(s, 1) || getsockname(s, (void *)&a, &l)) return fail("listen");
		if (connect(c, (void *)&a, sizeof a)) return fail("connect");
		int fd = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) return fail("accept4");
		if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC)) { fprintf(stderr, "fallback: accept4 without FD_CLOEXEC\n"); return 1; }
	} else {
		fprintf(stderr, "fallback: unknown mode %s\n", m);
		return 2;
	}
	puts("ok");
	return 0;
}
