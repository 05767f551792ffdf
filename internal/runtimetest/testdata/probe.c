// probe.c: asks the kernel for syscalls by number and prints what came
// back, for the end-to-end tests of a profile's answers under runc and crun.
//   probe                 prints "ready" (the run that gets traced)
//   probe NR...           for each NR: "NR: ok", "NR: EPERM", "NR: ENOSYS" or
//                         "NR: errno N"
//   probe int80           an i386 getpid through int 0x80 (a denied ABI:
//                         the filter kills the process)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc == 1) {
		printf("ready\n");
		return 0;
	}
	if (strcmp(argv[1], "int80") == 0) {
		long ret;
		fflush(stdout);
		__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20) : "memory");
		printf("int80: returned %ld\n", ret);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		long nr = strtol(argv[i], NULL, 0);
		errno = 0;
		long r = syscall(nr, 1, 0, 0, 0, 0, 0); /* write(1, NULL, 0), getpriority(PRIO_PGRP, 0) */
		if (r >= 0)
			printf("%ld: ok\n", nr);
		else if (errno == EPERM)
			printf("%ld: EPERM\n", nr);
		else if (errno == ENOSYS)
			printf("%ld: ENOSYS\n", nr);
		else
			printf("%ld: errno %d\n", nr, errno);
	}
	return 0;
}
