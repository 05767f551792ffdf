// threads: only a worker thread issues getpriority and sched_getaffinity.
//
// The main thread never makes those syscalls, so a recorder that follows the
// process but not its threads misses them. The main thread waits for the
// worker without a syscall of its own (it spins on pthread_tryjoin_np, which
// only reads the thread id the kernel clears when the worker has entered
// exit), so the set of syscalls is the same on every run, with or without
// strace slowing the worker down.
//
// groundtruth: cflags -pthread
// groundtruth: expect x86_64:getpriority x86_64:sched_getaffinity x86_64:exit
// groundtruth: count x86_64:getpriority=1 x86_64:sched_getaffinity=1 x86_64:exit=1 x86_64:execve=1
// groundtruth: processes 1
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

static void *worker(void *arg) {
	cpu_set_t set;
	(void)arg;
	errno = 0;
	if (getpriority(PRIO_PROCESS, 0) == -1 && errno != 0)
		return (void *)1;
	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return (void *)1;
	return NULL;
}

int main(void) {
	pthread_t t;
	void *ret;
	int rc;

	if (pthread_create(&t, NULL, worker, NULL) != 0) {
		fputs("threads: pthread_create failed\n", stderr);
		return 1;
	}
	while ((rc = pthread_tryjoin_np(t, &ret)) == EBUSY)
		__builtin_ia32_pause();
	return rc != 0 || ret != NULL;
}
