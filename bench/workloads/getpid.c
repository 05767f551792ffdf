// getpid: a raw syscall loop that measures itself.
//
//   getpid N [stamp]    (BENCH_HOLD=1: wait for a byte on stdin first;
//                        BENCH_FCNTL=1: fcntl(0, F_GETFD) instead, a
//                        syscall whose argument the recorder records)
//
// With "stamp" it first prints "start_ns=<CLOCK_REALTIME ns>" (the bench's
// attach-time probe). Then it issues N getpid syscalls (through syscall(2), so
// libc cannot cache them) and prints "calls=N ns_per_call=X", timed with
// CLOCK_MONOTONIC around the loop only (vDSO, no syscall).
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now(clockid_t c) {
	struct timespec ts;
	clock_gettime(c, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// hold waits for one byte on stdin when BENCH_HOLD is set, so that a
// recorder can be pointed at this process before it does anything else.
static void hold(void) {
	char c;
	if (getenv("BENCH_HOLD"))
		(void)!read(0, &c, 1);
}

int main(int argc, char **argv) {
	long long start_rt = now(CLOCK_REALTIME);
	hold();
	if (argc < 2) {
		fprintf(stderr, "usage: getpid N [stamp]\n");
		return 2;
	}
	long n = strtol(argv[1], NULL, 10);
	if (argc > 2 && strcmp(argv[2], "stamp") == 0)
		printf("start_ns=%lld\n", start_rt);
	int fcntl_loop = getenv("BENCH_FCNTL") != NULL;
	long long t0 = now(CLOCK_MONOTONIC);
	if (fcntl_loop)
		for (long i = 0; i < n; i++)
			syscall(SYS_fcntl, 0, 1 /* F_GETFD */);
	else
		for (long i = 0; i < n; i++)
			syscall(SYS_getpid);
	long long t1 = now(CLOCK_MONOTONIC);
	printf("calls=%ld ns_per_call=%.2f\n", n, n > 0 ? (double)(t1 - t0) / n : 0.0);
	return 0;
}
