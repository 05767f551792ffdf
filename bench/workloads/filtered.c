// filtered: install a raw classic-BPF seccomp filter (struct sock_filter
// array, native endian, as `seccomp-gen generate --format bpf` writes it),
// then run a loop of one syscall (getpid unless NR is given; always called
// with all arguments 0) and print "calls=N ns_per_call=X ret=R" (R: the last
// return value, or -errno).
//
//   filtered FILTER.bpf N [NR]       (FILTER "-" = no filter, the baseline)
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: filtered FILTER.bpf|- N [NR]\n");
		return 2;
	}
	long n = strtol(argv[2], NULL, 10);
	long nr = argc == 4 ? strtol(argv[3], NULL, 10) : SYS_getpid;
	if (strcmp(argv[1], "-") != 0) {
		static struct sock_filter insns[BPF_MAXINSNS];
		FILE *f = fopen(argv[1], "rb");
		if (!f) {
			perror(argv[1]);
			return 1;
		}
		size_t cnt = fread(insns, sizeof(insns[0]), BPF_MAXINSNS, f);
		fclose(f);
		if (cnt == 0) {
			fprintf(stderr, "filtered: %s: empty filter\n", argv[1]);
			return 1;
		}
		struct sock_fprog prog = {.len = (unsigned short)cnt, .filter = insns};
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
			perror("prctl");
			return 1;
		}
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
			perror("seccomp");
			return 1;
		}
	}
	long ret = 0;
	long long t0 = now();
	for (long i = 0; i < n; i++)
		ret = syscall(nr, 0, 0, 0, 0, 0, 0);
	long long t1 = now();
	printf("calls=%ld ns_per_call=%.2f ret=%ld\n", n, n > 0 ? (double)(t1 - t0) / n : 0.0, ret < 0 ? -errno : ret);
	return 0;
}
