// lastcall: a syscall issued just before the process ends, which then ends
// with the plain exit syscall (not exit_group) and status 7.
//
// A recorder that drains its counters when it learns that the process has
// exited, without waiting for in-flight updates, loses the last calls; one
// that ignores exit status gets the wrong code (seccomp-gen exits with 7).
//
// groundtruth: expect x86_64:times x86_64:exit
// groundtruth: count x86_64:times=1 x86_64:exit=1 x86_64:execve=1
// groundtruth: exit 7
// groundtruth: processes 1
#include <sys/syscall.h>
#include <sys/times.h>
#include <unistd.h>

int main(void) {
	struct tms t;
	times(&t);
	syscall(SYS_exit, 7);
	return 0; // not reached
}
