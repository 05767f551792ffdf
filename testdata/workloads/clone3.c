// clone3: a child process created with the raw clone3 syscall (no glibc
// wrapper); the child issues a marker (getsid) and exits, the parent reaps it.
//
// groundtruth: expect x86_64:clone3 x86_64:getsid x86_64:wait4
// groundtruth: count x86_64:execve=1
// groundtruth: processes 2
#define _GNU_SOURCE
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
	struct clone_args args;
	memset(&args, 0, sizeof args);
	args.exit_signal = SIGCHLD;
	long pid = syscall(SYS_clone3, &args, sizeof args);
	if (pid < 0)
		return 1;
	if (pid == 0) {
		syscall(SYS_getsid, 0);
		syscall(SYS_exit_group, 0);
	}
	int status;
	if (waitpid((pid_t)pid, &status, 0) != pid)
		return 1;
	return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}
