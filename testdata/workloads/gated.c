// gated: waits at a gate on standard input, then works: a thread, a child
// process, a failing call and a marker. The --pid and --cgroup ground-truth
// tests start it, attach the tracer (or strace -p) while it blocks, then open
// the gate by writing two bytes; everything after the gate must be in the
// trace. Run as a plain command (stdin at EOF) the gate is open at once.
//
// It reads the gate twice so that read is issued after the tracer attached
// (the first read may have entered the kernel before). A thread that exists
// before the gate (so before the tracer attaches) and runs only after it
// issues sched_getaffinity: --pid must follow the threads a process already
// has, not only the ones it creates later.
//
// groundtruth: cflags -pthread
// groundtruth: expect x86_64:getpriority x86_64:sysinfo x86_64:times x86_64:wait4 x86_64:unlink
// groundtruth: count x86_64:getpriority=1 x86_64:sysinfo=1 x86_64:times=1 x86_64:sched_getaffinity=1
// groundtruth: processes 2
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>

static int wake[2]; // the main thread wakes the early thread through it

static void *worker(void *arg) {
	(void)arg;
	getpriority(PRIO_PROCESS, 0);
	return NULL;
}

static void *early(void *arg) {
	char b;
	cpu_set_t set;
	(void)arg;
	(void)!read(wake[0], &b, 1); // blocks until after the gate
	sched_getaffinity(0, sizeof set, &set);
	return NULL;
}

static void join(pthread_t t) {
	while (pthread_tryjoin_np(t, NULL) != 0) // no futex: see threads.c
		__builtin_ia32_pause();
}

int main(void) {
	char b;
	pthread_t e, t;
	if (pipe(wake) != 0 || pthread_create(&e, NULL, early, NULL) != 0)
		return 1;

	(void)!read(0, &b, 1); // the gate
	(void)!read(0, &b, 1);

	if (write(wake[1], "x", 1) != 1)
		return 1;
	join(e);
	if (pthread_create(&t, NULL, worker, NULL) != 0)
		return 1;
	join(t);

	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		struct sysinfo si;
		sysinfo(&si);
		_exit(0);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return 1;

	unlink("/nonexistent/seccomp-gen-groundtruth"); // fails: ENOENT
	struct tms tm;
	times(&tm);
	return 0;
}
