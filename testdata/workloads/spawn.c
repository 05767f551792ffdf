// spawn: posix_spawn of this same program (through /proc/self/exe) with the
// argument "child"; the child issues a marker (getitimer) no other part of
// the workload makes. glibc implements posix_spawn with clone(CLONE_VM |
// CLONE_VFORK) (clone3 where the kernel has it) followed by execve.
//
// groundtruth: expect x86_64:getitimer x86_64:execve x86_64:wait4
// groundtruth: count x86_64:execve=2
// groundtruth: processes 2
#include <spawn.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
	if (argc > 1 && strcmp(argv[1], "child") == 0) {
		struct itimerval it;
		return getitimer(ITIMER_REAL, &it) != 0;
	}
	char *args[] = {argv[0], "child", NULL};
	pid_t pid;
	if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, environ) != 0)
		return 1;
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}
