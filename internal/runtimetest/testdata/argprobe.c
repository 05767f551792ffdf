// argprobe: syscalls whose arguments decide the risk (issue 10).
//
//   argprobe workload  benign values: fork (clone SIGCHLD), a thread
//                      (pthread_create: clone3, or clone after ENOSYS),
//                      socket(AF_UNIX, SOCK_STREAM) with
//                      setsockopt(SOL_SOCKET, SO_PASSCRED),
//                      unshare(CLONE_FILES),
//                      personality(0xffffffff), fcntl(1, F_GETFD);
//                      prints "workload ok"
//   argprobe probe     the risky values; prints name=errno for each
//                      (0 when the call succeeded)
//   argprobe inet      socket(AF_INET): prints inet=errno
//   argprobe types     the workload's socket with other flags, and other
//                      types and socket options: prints name=errno
//   argprobe wx        mmap and mprotect with PROT_WRITE|PROT_EXEC:
//                      prints mmap_wx=errno, mprotect_wx=errno (i386
//                      glibc's mmap is mmap2)
//   argprobe fcntl     fcntl(1, F_GETFD) and fcntl(1, F_GETFL): prints
//                      fcntl_getfd=errno, fcntl_getfl=errno (i386
//                      glibc's fcntl is fcntl64)
//   argprobe ioctl-int ioctl(1, FS_IOC_GETFLAGS) with the request in an
//                      int, sign-extended as musl's ioctl passes it
//                      (0xffffffff80086601 on a 64-bit ABI); prints
//                      ioctl_int=errno (ENOTTY, 25, on a pipe)
//   argprobe many      32 scattered values (the recorder's cap) of each
//                      recorded int argument: ioctl request (_IOR, through
//                      an int), fcntl cmd, prctl option, setsockopt and
//                      getsockopt level, kill, tgkill and tkill signal,
//                      setns nstype; the calls fail (EINVAL,
//                      EBADF, ESRCH...); prints denied=N, the calls that
//                      got EPERM or ENOSYS
//   argprobe ioctl     that call, the same request zero-extended (glibc's
//                      constant) and another _IOR request sign-extended:
//                      prints ioctl_int, ioctl_uint, ioctl_other=errno
//   argprobe pairs     socket(AF_UNIX, SOCK_STREAM) and
//                      socket(AF_INET, SOCK_DGRAM): prints unix_stream,
//                      inet_dgram=errno
//   argprobe pairs-all those and the other two combinations of their
//                      values: also prints unix_dgram, inet_stream=errno
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int rc(long r) { return r < 0 ? errno : 0; }

static void *thread_main(void *arg) { return arg; }

static int do_clone(unsigned long flags) {
	errno = 0;
	long pid = syscall(SYS_clone, flags, 0, 0, 0, 0);
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return errno;
	waitpid(pid, 0, 0);
	return 0;
}

static int denied;

static void many_call(long nr, long a, long b, long c) {
	long optval = 0;
	socklen_t len = sizeof optval;
	errno = 0;
	if (syscall(nr, a, b, c, (long)&optval, nr == SYS_getsockopt ? (long)&len : (long)sizeof optval) < 0 &&
	    (errno == EPERM || errno == ENOSYS))
		denied++;
}

static int many(void) {
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	for (int i = 0; i < 32; i++) {
		int ior = (int)(0x80046600u + i * 7919u);
		many_call(SYS_ioctl, 1, (long)ior, 0);
		many_call(SYS_fcntl, -1, 2000 + i * 7919, 0);
		many_call(SYS_prctl, 1000 + i * 7919, 0, 0);
		many_call(SYS_setsockopt, s, 1000 + i * 7919, 1);
		many_call(SYS_getsockopt, s, 2000 + i * 7919, 1);
		many_call(SYS_kill, 0x3fffffff, 64 + i * 7919, 0);
		many_call(SYS_tgkill, 0x3fffffff, 0x3fffffff, 64 + i * 7919);
		many_call(SYS_tkill, 0x3fffffff, 64 + i * 7919, 0);
		many_call(SYS_setns, -1, 0x1000 + i * 7919, 0);
	}
	printf("denied=%d\n", denied);
	return 0;
}

int main(int argc, char **argv) {
	const char *mode = argc > 1 ? argv[1] : "workload";
	if (!strcmp(mode, "workload")) {
		pthread_t t;
		int e;
		if ((e = do_clone(SIGCHLD)) != 0) {
			printf("fork: errno %d\n", e);
			return 1;
		}
		if ((e = pthread_create(&t, 0, thread_main, 0)) != 0) {
			printf("pthread_create: errno %d\n", e);
			return 1;
		}
		pthread_join(t, 0);
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0) {
			printf("socket(AF_UNIX): errno %d\n", errno);
			return 1;
		}
		int one = 1;
		if (setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0) {
			printf("setsockopt(SO_PASSCRED): errno %d\n", errno);
			return 1;
		}
		close(s);
		if (unshare(CLONE_FILES) < 0) {
			printf("unshare(CLONE_FILES): errno %d\n", errno);
			return 1;
		}
		if (syscall(SYS_personality, 0xffffffffUL) < 0) {
			printf("personality(query): errno %d\n", errno);
			return 1;
		}
		if (fcntl(1, F_GETFD) < 0) {
			printf("fcntl(F_GETFD): errno %d\n", errno);
			return 1;
		}
		printf("workload ok\n");
		return 0;
	}
	if (!strcmp(mode, "probe")) {
		printf("clone_newuser=%d\n", do_clone(CLONE_NEWUSER | SIGCHLD));
		printf("unshare_newuser=%d\n", rc(syscall(SYS_unshare, CLONE_NEWUSER)));
		int s = socket(40 /* AF_VSOCK */, SOCK_STREAM, 0);
		printf("socket_vsock=%d\n", s < 0 ? errno : 0);
		printf("personality_0x40000=%d\n", rc(syscall(SYS_personality, 0x0040000UL)));
		printf("clone_plain=%d\n", do_clone(SIGCHLD));
		return 0;
	}
	if (!strcmp(mode, "inet")) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		printf("inet=%d\n", s < 0 ? errno : 0);
		return 0;
	}
	if (!strcmp(mode, "types")) {
		int one = 1, s;
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		printf("stream_nonblock=%d\n", s < 0 ? errno : 0);
		if (s >= 0) {
			printf("passcred=%d\n", rc(setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, sizeof one)));
			printf("sndbuf=%d\n", rc(setsockopt(s, SOL_SOCKET, SO_SNDBUF, &one, sizeof one)));
		}
		s = socket(AF_UNIX, SOCK_DGRAM, 0);
		printf("dgram=%d\n", s < 0 ? errno : 0);
		s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		printf("seqpacket=%d\n", s < 0 ? errno : 0);
		return 0;
	}
	if (!strcmp(mode, "wx")) {
		void *m = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		printf("mmap_wx=%d\n", m == MAP_FAILED ? errno : 0);
		m = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			printf("mmap_rw=%d\n", errno);
			return 1;
		}
		printf("mprotect_wx=%d\n", rc(mprotect(m, 4096, PROT_READ | PROT_WRITE | PROT_EXEC)));
		return 0;
	}
	if (!strcmp(mode, "many"))
		return many();
	if (!strncmp(mode, "ioctl", 5)) {
		volatile int req = (int)0x80086601, other = (int)0x80086602;
		long flags = 0;
		printf("ioctl_int=%d\n", rc(syscall(SYS_ioctl, 1, (long)req, &flags)));
		if (!strcmp(mode, "ioctl")) {
			printf("ioctl_uint=%d\n", rc(syscall(SYS_ioctl, 1, (unsigned long)(unsigned)req, &flags)));
			printf("ioctl_other=%d\n", rc(syscall(SYS_ioctl, 1, (long)other, &flags)));
		}
		return 0;
	}
	if (!strncmp(mode, "pairs", 5)) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		printf("unix_stream=%d\n", s < 0 ? errno : 0);
		s = socket(AF_INET, SOCK_DGRAM, 0);
		printf("inet_dgram=%d\n", s < 0 ? errno : 0);
		if (!strcmp(mode, "pairs-all")) {
			s = socket(AF_UNIX, SOCK_DGRAM, 0);
			printf("unix_dgram=%d\n", s < 0 ? errno : 0);
			s = socket(AF_INET, SOCK_STREAM, 0);
			printf("inet_stream=%d\n", s < 0 ? errno : 0);
		}
		return 0;
	}
	if (!strcmp(mode, "fcntl")) {
		printf("fcntl_getfd=%d\n", rc(fcntl(1, F_GETFD)));
		printf("fcntl_getfl=%d\n", rc(fcntl(1, F_GETFL)));
		return 0;
	}
	return 2;
}
