// vfork: a vfork child issues a marker (sched_getscheduler) and _exits; the
// parent, suspended until then, reaps it.
//
// groundtruth: expect x86_64:vfork x86_64:sched_getscheduler x86_64:wait4
// groundtruth: count x86_64:execve=1
// groundtruth: processes 2
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
	pid_t pid = vfork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		// A vfork child may only make raw syscalls and _exit.
		syscall(SYS_sched_getscheduler, 0);
		_exit(0);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}
