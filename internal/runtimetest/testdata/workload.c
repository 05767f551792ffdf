// workload.c: a small static program for the runc/crun end-to-end tests.
// It writes a file, reads it back through a pipe and a child process, asks
// the kernel for random bytes and the system name, and prints what it did.
// Every failing syscall is reported with its errno and makes it exit 1, so
// a profile that lacks one of them is visible.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what) {
	printf("%s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(1);
}

int main(void) {
	char path[64], buf[64];
	snprintf(path, sizeof path, "/tmp/sg-workload-%d", (int)getpid());
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	if (fd < 0) die("open");
	if (write(fd, "hello from the workload\n", 24) != 24) die("write");
	if (lseek(fd, 0, SEEK_SET) != 0) die("lseek");
	ssize_t n = read(fd, buf, sizeof buf);
	if (n != 24) die("read");
	close(fd);
	if (unlink(path) != 0) die("unlink");

	int p[2];
	if (pipe(p) != 0) die("pipe");
	pid_t pid = fork();
	if (pid < 0) die("fork");
	if (pid == 0) {
		close(p[0]);
		(void)!write(p[1], buf, (size_t)n);
		_exit(0);
	}
	close(p[1]);
	char got[64] = {0};
	ssize_t m = read(p[0], got, sizeof got - 1);
	int st;
	if (waitpid(pid, &st, 0) != pid) die("waitpid");
	if (m != n) die("pipe read");

	unsigned char rnd[8];
	if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd) die("getrandom");
	struct utsname u;
	if (uname(&u) != 0) die("uname");
	printf("file+pipe: %s", got);
	printf("random: %d bytes\nsystem: %s\n", (int)sizeof rnd, u.sysname);
	return 0;
}
