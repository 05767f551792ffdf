/* calls.c: issues syscalls with chosen arguments and prints what came back,
 * for the tests of what runc and crun make of a profile's rules.
 *   calls NR[:A0[:A1...]] ...
 * Each call runs in a forked child (so that a kill action ends only that
 * call) and prints one line: "NR ok", "NR errno N" or "NR signal N".
 * Arguments are numbers in any base strtoull takes (0x..). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
	for (int i = 1; i < argc; i++) {
		unsigned long long a[7] = {0};
		char *s = argv[i];
		int n = 0;
		while (n < 7) {
			a[n++] = strtoull(s, &s, 0);
			if (*s != ':')
				break;
			s++;
		}
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0) {
			printf("%s fork errno %d\n", argv[i], errno);
			return 1;
		}
		if (pid == 0) {
			errno = 0;
			/* long: one register each, also in the 32-bit build */
			long r = syscall((long)a[0], (long)a[1], (long)a[2], (long)a[3], (long)a[4], (long)a[5], (long)a[6]);
			if (r >= 0 || errno == 0)
				printf("%s ok\n", argv[i]);
			else
				printf("%s errno %d\n", argv[i], errno);
			fflush(stdout);
			_exit(0);
		}
		int st;
		if (waitpid(pid, &st, 0) < 0) {
			printf("%s wait errno %d\n", argv[i], errno);
			return 1;
		}
		if (WIFSIGNALED(st))
			printf("%s signal %d\n", argv[i], WTERMSIG(st));
	}
	return 0;
}
