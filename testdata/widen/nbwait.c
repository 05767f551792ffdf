/* nbwait: reads a pipe it made non-blocking and waits with poll when a
 * read finds no data yet (EAGAIN), as xz 5.4 does with its input pipe
 * (file_io.c: io_wait). A child writes "hello\n" into the pipe.
 *
 *   nbwait ready|late fcntl|pipe2
 *
 * ready: the child writes and exits before the first read; the reads
 *        find the data, then end of file: no EAGAIN, no poll.
 * late:  the child writes only after the first read returned EAGAIN
 *        (certain: the child keeps the write end open and has written
 *        nothing), then the parent polls.
 * fcntl: O_NONBLOCK set with fcntl(F_SETFL); pipe2: with pipe2(O_NONBLOCK).
 *
 * Exit 0 when "hello\n" was read, 2 when a call failed (poll denied). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: nbwait ready|late fcntl|pipe2\n");
		return 2;
	}
	int late = strcmp(argv[1], "late") == 0;
	int data[2], go[2];
	if (strcmp(argv[2], "pipe2") == 0) {
		if (pipe2(data, O_NONBLOCK))
			return 2;
	} else {
		int fl;
		if (pipe(data) || (fl = fcntl(data[0], F_GETFL)) < 0 || fcntl(data[0], F_SETFL, fl | O_NONBLOCK))
			return 2;
	}
	if (pipe(go))
		return 2;
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		char c;
		close(data[0]);
		close(go[1]);
		if (read(go[0], &c, 1) != 1 || write(data[1], "hello\n", 6) != 6)
			_exit(3);
		_exit(0);
	}
	close(data[1]);
	close(go[0]);
	if (!late) {
		if (write(go[1], "g", 1) != 1 || waitpid(pid, NULL, 0) != pid)
			return 2;
	}
	char buf[64];
	size_t got = 0;
	int told = !late;
	for (;;) {
		ssize_t n = read(data[0], buf + got, sizeof buf - got);
		if (n > 0) {
			got += n;
			continue;
		}
		if (n == 0)
			break;
		if (errno != EAGAIN) {
			perror("nbwait: read");
			return 2;
		}
		if (!told) {
			told = 1;
			if (write(go[1], "g", 1) != 1)
				return 2;
		}
		struct pollfd p = {.fd = data[0], .events = POLLIN};
		if (poll(&p, 1, -1) < 0) {
			perror("nbwait: poll");
			return 2;
		}
	}
	if (late && waitpid(pid, NULL, 0) != pid)
		return 2;
	if (got != 6 || memcmp(buf, "hello\n", 6) != 0)
		return 1;
	return fwrite(buf, 1, got, stdout) == got ? 0 : 2;
}
