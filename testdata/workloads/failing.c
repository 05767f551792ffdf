// failing: syscalls that fail. strace shows them (with their error) and the
// trace must contain them too: a seccomp profile that leaves them out turns
// a handled ENOENT or EBADF into EPERM or a killed process.
//
// groundtruth: expect x86_64:openat x86_64:close x86_64:kill x86_64:mkdir
// groundtruth: count x86_64:execve=1
// groundtruth: processes 1
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
	if (open("/nonexistent/seccomp-gen/groundtruth", O_RDONLY) != -1 || errno != ENOENT)
		return 1;
	if (close(-1) != -1 || errno != EBADF)
		return 2;
	if (kill(-999999, 0) != -1) // no such process group: ESRCH
		return 3;
	if (mkdir("/proc/seccomp-gen-groundtruth", 0700) != -1) // procfs refuses
		return 4;
	return 0;
}
