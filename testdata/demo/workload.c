// A small workload for replay tests and `make demo`: it reads a file, writes
// a few lines, starts a child process and waits for it. With --extra it also
// calls getpriority(2), a syscall the plain run never makes, and prints what
// the call returned so that an enforced profile's answer is visible.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
	int extra = argc > 1 && strcmp(argv[1], "--extra") == 0;
	char buf[256];
	int fd = open("/etc/hostname", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : 0;
	if (fd >= 0)
		close(fd);
	printf("workload: read %zd bytes\n", n > 0 ? n : 0);
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		printf("workload: child %s\n", getpid() > 0 ? "ran" : "failed");
		fflush(stdout);
		_exit(0);
	}
	int status = 0;
	waitpid(child, &status, 0);
	printf("workload: child exited %d\n", WEXITSTATUS(status));
	if (extra) {
		errno = 0;
		long r = syscall(SYS_getpriority, PRIO_PROCESS, 0);
		printf("workload: getpriority -> %ld (%s)\n", r, r < 0 ? strerror(errno) : "ok");
	}
	return 0;
}
