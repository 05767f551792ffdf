// unrelated: NOT a workload to trace. The ground-truth test runs it beside a
// traced command, outside the trace, for as long as the trace runs (it loops
// until killed). It issues a marker syscall (sched_rr_get_interval) that no
// workload makes; the trace must not contain it: the recorder must never
// count an unrelated process, not even one that starts while it traces.
//
// groundtruth: helper
#include <sched.h>
#include <time.h>

int main(void) {
	for (;;) {
		struct timespec ts, d = {0, 2 * 1000 * 1000};
		sched_rr_get_interval(0, &ts);
		nanosleep(&d, NULL);
	}
}
