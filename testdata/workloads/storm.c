// storm: several threads issue a known, large number of syscalls at once,
// native and i386 (int $0x80), then the main thread issues one marker. The
// trace must count them exactly: counting happens in the kernel, so nothing
// may be dropped under load, and lost must stay 0.
//
// 4 threads x 250000 getppid (x86_64 nr 110) = 1000000
// 4 threads x  50000 i386 getppid (x86 nr 64)  =  200000
// then 1 sched_get_priority_max (x86_64 nr 146) from the main thread.
//
// strace would take minutes (100x or worse per syscall), so this workload is
// checked against the counts above only.
//
// groundtruth: cflags -pthread
// groundtruth: nostrace
// groundtruth: count x86_64:getppid=1000000 x86:getppid=200000 x86_64:sched_get_priority_max=1 x86_64:execve=1
// groundtruth: processes 1
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#define THREADS 4
#define NATIVE 250000
#define COMPAT 50000

static void *storm(void *arg) {
	(void)arg;
	for (int i = 0; i < NATIVE; i++)
		syscall(SYS_getppid);
	for (int i = 0; i < COMPAT; i++) {
		long ret;
		__asm__ volatile("int $0x80" : "=a"(ret) : "a"(64L) : "memory"); // i386 getppid
	}
	return NULL;
}

int main(void) {
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, storm, NULL) != 0)
			return 1;
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	return sched_get_priority_max(SCHED_OTHER) < 0;
}
