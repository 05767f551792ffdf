// threadexec: a worker thread, not the main thread, calls execve. The kernel
// kills the other threads and the exec'ing thread takes over the process id
// of the thread group leader, so a recorder that keys tasks by thread id
// must still follow it. The new program image issues a marker (getpgid).
//
// The main thread spins without syscalls until the execve replaces it, so
// the set of syscalls is the same on every run.
//
// groundtruth: cflags -pthread
// groundtruth: expect x86_64:clone3 x86_64:execve x86_64:getpgid
// groundtruth: count x86_64:execve=2
// groundtruth: processes 1
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static char *self;

static void *worker(void *arg) {
	char *args[] = {self, "child", NULL};
	(void)arg;
	execve("/proc/self/exe", args, environ);
	_exit(1); // execve failed
}

int main(int argc, char **argv) {
	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return syscall(SYS_getpgid, 0) < 0;
	self = argv[0];
	pthread_t t;
	if (pthread_create(&t, NULL, worker, NULL) != 0)
		return 1;
	for (;;)
		__builtin_ia32_pause();
}
