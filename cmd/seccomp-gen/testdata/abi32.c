/* abi32.c: the calls whose names differ between i386 and x86_64 (large
 * files, 32-bit uids, statx, time64 after 2038, TLS, sigreturn), for
 * TestGenerateX86From64BitTrace. Prints "abi ok"; exits with the failing
 * step otherwise. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>
static volatile int got;
static void on(int s) { got = s; }
static void *th(void *a) { return a; }
int main(int argc, char **argv) {
	struct stat st;
	struct statfs sf;
	struct rlimit rl;
	struct timespec ts = {0, 1000};
	char buf[64];
	int fd = open(argv[0], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0 || stat(argv[0], &st) != 0 || lstat(argv[0], &st) != 0)
		return 1;
	if (lseek(fd, 1, SEEK_SET) != 1 || fcntl(fd, F_GETFD) < 0 || fstatfs(fd, &sf) != 0 || statfs("/", &sf) != 0)
		return 2;
	if (pread(fd, buf, sizeof buf, 0) <= 0)
		return 3;
	void *m = mmap(0, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED || munmap(m, 4096) != 0)
		return 4;
	if (socket(AF_UNIX, SOCK_STREAM, 0) < 0)
		return 5;
	if (getuid() == (uid_t)-2 || geteuid() == (uid_t)-2 || getgid() == (gid_t)-2 || getegid() == (gid_t)-2)
		return 6;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 7;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0 || nanosleep(&(struct timespec){0, 1000}, 0) != 0 || time(0) == 0)
		return 8;
	struct timeval tv = {0, 1000};
	if (select(0, 0, 0, 0, &tv) != 0)
		return 9;
	struct sigaction sa = {0};
	sa.sa_handler = on;
	if (sigaction(SIGUSR1, &sa, 0) != 0 || raise(SIGUSR1) != 0 || got != SIGUSR1)
		return 10;
	/* pthread_join waits on a futex only if the thread still runs: a
	 * matter of timing, and a profile from a run that did not wait denied
	 * it to one that did (glibc aborts on a futex error). A wake that no
	 * one waits for puts futex in every run. */
	static int word;
	if (syscall(SYS_futex, &word, FUTEX_WAKE, 1, 0, 0, 0) < 0)
		return 15;
	pthread_t t;
	if (pthread_create(&t, 0, th, 0) != 0 || pthread_join(t, 0) != 0)
		return 11;
	int p[2];
	if (pipe(p) != 0 || dup2(p[0], 10) != 10)
		return 12;
	char tmp[] = "abiXXXXXX"; /* in the test's directory */
	int tf = mkstemp(tmp);
	if (tf < 0 || ftruncate(tf, 100) != 0 || unlink(tmp) != 0)
		return 13;
	/* After 2038: a 32-bit build needs utimensat_time64. */
	struct timespec t2100[2] = {{4102444800LL, 0}, {4102444800LL, 0}};
	if (futimens(tf, t2100) != 0 || fstat(tf, &st) != 0 || st.st_mtime != 4102444800LL)
		return 14;
	printf("abi ok\n");
	return 0;
}
