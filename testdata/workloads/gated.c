// gated: waits at a gate on standard input, then works: a thread, a child
// process, a failing call and a marker. The --pid and --cgroup ground-truth
// tests start it, attach the tracer (or strace -p) while it blocks, then open
// the gate by writing two bytes; everything after the gate must be in the
// trace. Run as a plain command (stdin at EOF) the gate is open at once.
//
// It reads the gate twice so that read is issued after the tracer attached
// (the first read may have entered the kernel before).
//
// groundtruth: cflags -pthread
// groundtruth: expect x86_64:getpriority x86_64:sysinfo x86_64:times x86_64:wait4 x86_64:unlink
// groundtruth: count x86_64:getpriority=1 x86_64:sysinfo=1 x86_64:times=1
// groundtruth: processes 2
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>

static void *worker(void *arg) {
	(void)arg;
	getpriority(PRIO_PROCESS, 0);
	return NULL;
}

int main(void) {
	char b;
	(void)!read(0, &b, 1); // the gate
	(void)!read(0, &b, 1);

	pthread_t t;
	if (pthread_create(&t, NULL, worker, NULL) != 0)
		return 1;
	while (pthread_tryjoin_np(t, NULL) != 0) // no futex: see threads.c
		__builtin_ia32_pause();

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
