// storm: THREADS threads issue getpid as fast as they can for SECONDS, then
// the main thread issues one marker syscall (getppid) and prints the exact
// number of getpid calls made, for the event-loss benchmark.
//
//   storm THREADS SECONDS    (BENCH_HOLD=1: wait for a byte on stdin first)
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;
static long counts[64];

static void *worker(void *arg) {
	long *c = arg;
	long n = 0;
	while (!stop) {
		for (int i = 0; i < 1000; i++)
			syscall(SYS_getpid);
		n += 1000;
	}
	*c = n;
	return NULL;
}

// hold waits for one byte on stdin when BENCH_HOLD is set, so that a
// recorder can be pointed at this process before it does anything else.
static void hold(void) {
	char c;
	if (getenv("BENCH_HOLD"))
		(void)!read(0, &c, 1);
}

int main(int argc, char **argv) {
	hold();
	if (argc != 3) {
		fprintf(stderr, "usage: storm THREADS SECONDS\n");
		return 2;
	}
	int threads = atoi(argv[1]);
	double secs = atof(argv[2]);
	if (threads < 1 || threads > 64) {
		fprintf(stderr, "storm: 1..64 threads\n");
		return 2;
	}
	pthread_t t[64];
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, worker, &counts[i]) != 0) {
			perror("pthread_create");
			return 1;
		}
	struct timespec ts = {(time_t)secs, (long)((secs - (time_t)secs) * 1e9)};
	nanosleep(&ts, NULL);
	stop = 1;
	long total = 0;
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		total += counts[i];
	}
	syscall(SYS_getppid); // the marker: exactly one
	printf("getpid_calls=%ld marker=getppid threads=%d\n", total, threads);
	return 0;
}
