/* fdflags: sets flags of a pipe's descriptors with ioctl, as nginx does
 * for its worker channels (src/os/unix/ngx_process.c: FIONBIO, and
 * FIOASYNC with a master process).
 *
 *   fdflags nbio|async
 *
 * nbio:  ioctl(FIONBIO) only;
 * async: ioctl(FIONBIO), then FIOASYNC and FIOCLEX.
 *
 * Prints "ok" and exits 0 when every ioctl succeeded, else names the one
 * that failed and exits 2. */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int set(int fd, unsigned long req, const char *name)
{
	int on = 1;

	if (ioctl(fd, req, &on) == -1) {
		perror(name);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int p[2];

	if (argc != 2 || (strcmp(argv[1], "nbio") && strcmp(argv[1], "async"))) {
		fprintf(stderr, "usage: fdflags nbio|async\n");
		return 2;
	}
	if (pipe(p) == -1) {
		perror("pipe");
		return 2;
	}
	if (set(p[0], FIONBIO, "ioctl(FIONBIO)"))
		return 2;
	if (strcmp(argv[1], "async") == 0 &&
	    (set(p[0], FIOASYNC, "ioctl(FIOASYNC)") || set(p[1], FIOCLEX, "ioctl(FIOCLEX)")))
		return 2;
	puts("ok");
	return 0;
}
