// int80: a 64-bit program that issues i386 syscalls through `int $0x80`.
//
// The kernel runs these with the i386 table (TS_COMPAT set), so they must be
// recorded as arch x86 with i386 numbers: 20 is getpid (writev on x86_64),
// 64 getppid (x86_64: semget), 199 getuid32 (x86_64: getxattr), 24 getuid
// (x86_64: sched_yield). The same program also makes the native getpid, so
// the trace must hold both x86:getpid and x86_64:getpid.
//
// groundtruth: expect x86:getpid x86:getppid x86:getuid32 x86:getuid x86_64:getpid
// groundtruth: count x86:getpid=1 x86:getppid=1 x86:getuid32=1 x86:getuid=1 x86_64:getpid=1 x86_64:execve=1
// groundtruth: processes 1
#include <sys/syscall.h>
#include <unistd.h>

static long int80(long nr) {
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr) : "memory");
	return ret;
}

int main(void) {
	long pid = syscall(SYS_getpid);
	if (int80(20) != pid) // i386 getpid
		return 1;
	if (int80(64) != getppid()) // i386 getppid; native getppid from libc
		return 2;
	if (int80(199) < 0) // i386 getuid32
		return 3;
	if (int80(24) < 0) // i386 getuid (16-bit)
		return 4;
	return 0;
}
