// killed: the workload dies from a signal (SIGTERM, sent to itself) after a
// marker (getpgrp). seccomp-gen, like a shell or strace, reports that as exit
// status 128+15 = 143, and the calls before the signal are in the trace.
//
// groundtruth: expect x86_64:getpgrp x86_64:tgkill
// groundtruth: count x86_64:getpgrp=1 x86_64:execve=1
// groundtruth: exit 143
// groundtruth: processes 1
#include <signal.h>
#include <unistd.h>

int main(void) {
	getpgrp();
	raise(SIGTERM);
	return 0; // not reached
}
