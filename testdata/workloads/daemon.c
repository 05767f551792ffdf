// daemon: a double-forked daemon whose parent and intermediate child exit
// first; the grandchild, reparented away from the traced command, sleeps and
// then issues a marker syscall (sysinfo) nothing else in the workload makes.
//
// A recorder that stops when the command's own process exits, or that tracks
// only direct children of the command, misses the marker.
//
// groundtruth: expect x86_64:setsid x86_64:sysinfo x86_64:clock_nanosleep
// groundtruth: count x86_64:setsid=1 x86_64:sysinfo=1 x86_64:clone=2 x86_64:execve=1
// groundtruth: processes 3
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

int main(void) {
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid > 0)
		_exit(0); // the parent exits first, without waiting
	if (setsid() < 0)
		_exit(1);
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (pid > 0)
		_exit(0); // the intermediate child exits too
	// The grandchild: wait until its ancestors are gone, then the marker.
	struct timespec ts = {0, 200 * 1000 * 1000};
	nanosleep(&ts, NULL);
	struct sysinfo si;
	sysinfo(&si);
	_exit(0);
}
