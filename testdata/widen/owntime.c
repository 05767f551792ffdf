/* owntime: does its work, timed or not, as openssl speed times itself
 * with alarm and times (apps/speed.c) and git arms setitimer for a
 * progress display.
 *
 *   owntime plain|timed
 *
 * plain: sums a buffer and prints "ok";
 * timed: the same under a 10 s alarm, then reads its CPU time with
 *        times and getrusage and arms and disarms an interval timer.
 *
 * Exits 0 when every call succeeded, else names the one that failed and
 * exits 2. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <unistd.h>

static volatile unsigned long sum;

static void work(void)
{
	static unsigned char buf[1 << 16];

	memset(buf, 1, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		sum += buf[i];
}

int main(int argc, char **argv)
{
	struct tms t;
	struct rusage ru;
	struct itimerval it = {{0, 0}, {5, 0}}, off = {{0, 0}, {0, 0}};

	if (argc != 2 || (strcmp(argv[1], "plain") && strcmp(argv[1], "timed"))) {
		fprintf(stderr, "usage: owntime plain|timed\n");
		return 2;
	}
	if (strcmp(argv[1], "plain") == 0) {
		work();
		puts("ok");
		return 0;
	}
	signal(SIGALRM, SIG_IGN);
	alarm(10);
	work();
	if (alarm(0) == (unsigned)-1) {
		perror("alarm");
		return 2;
	}
	if (times(&t) == (clock_t)-1) {
		perror("times");
		return 2;
	}
	if (getrusage(RUSAGE_SELF, &ru) == -1) {
		perror("getrusage");
		return 2;
	}
	if (setitimer(ITIMER_VIRTUAL, &it, NULL) == -1 || setitimer(ITIMER_VIRTUAL, &off, NULL) == -1) {
		perror("setitimer");
		return 2;
	}
	puts("ok");
	return 0;
}
