// getpid: a raw syscall loop that measures itself.
//
//   getpid N [stamp]    (BENCH_HOLD=1: wait for a byte on stdin first;
//                        BENCH_FCNTL=1: fcntl(0, F_GETFD) instead, a
//                        syscall whose argument the recorder records;
//                        BENCH_HOLD_END=1: after printing, wait for stdin's EOF)
//
// With "stamp" it first prints "start_ns=<CLOCK_REALTIME ns>" (the bench's
// attach-time probe). Then it issues N getpid syscalls (through syscall(2), so
// libc cannot cache them) and prints "calls=N ns_per_call=X", timed with
// CLOCK_MONOTONIC around the loop only (vDSO, no syscall).
//
// The loop is also timed in blocks of BLOCK calls, and the 10th percentile
// of the blocks' ns per call is printed as "block_p10=X blocks=K": on a
// virtual machine whose syscalls alone (not user code) turn ~45% slower for
// tens of milliseconds to seconds at a time, recorder or not, a run's mean
// depends on how much of it fell in a slow spell; the fast blocks do not.
// One clock read per block (vDSO) is all it adds.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BLOCK 10000
#define MAX_BLOCKS 4096

static int cmp_double(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

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
	static double block[MAX_BLOCKS];
	int blocks = 0;
	long long t0 = now(CLOCK_MONOTONIC), tb = t0;
	for (long done = 0; done < n;) {
		long m = n - done < BLOCK ? n - done : BLOCK;
		if (fcntl_loop)
			for (long i = 0; i < m; i++)
				syscall(SYS_fcntl, 0, 1 /* F_GETFD */);
		else
			for (long i = 0; i < m; i++)
				syscall(SYS_getpid);
		done += m;
		long long te = now(CLOCK_MONOTONIC);
		if (m == BLOCK && blocks < MAX_BLOCKS)
			block[blocks++] = (double)(te - tb) / m;
		tb = te;
	}
	long long t1 = tb;
	printf("calls=%ld ns_per_call=%.2f", n, n > 0 ? (double)(t1 - t0) / n : 0.0);
	if (blocks > 0) {
		qsort(block, blocks, sizeof block[0], cmp_double);
		printf(" block_p10=%.2f blocks=%d", block[blocks / 10], blocks);
	}
	printf("\n");
	if (getenv("BENCH_HOLD_END")) {
		// The bench reads the recorder's program statistics now, while
		// the recorder is still loaded.
		char c;
		fflush(stdout);
		while (read(0, &c, 1) > 0)
			;
	}
	return 0;
}
