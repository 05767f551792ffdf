// x32: a 64-bit program that issues x32 syscalls (number | 0x40000000).
//
// Debian's kernels are built without CONFIG_X86_X32_ABI, so the calls fail
// with ENOSYS, but they still enter the kernel and pass the sys_enter
// tracepoint: a profile has to deny the x32 ABI, and a trace has to show
// that the workload tried it, as arch x32 with the x32 numbers.
//
// groundtruth: expect x32:getpid x32:getuid
// groundtruth: count x86_64:execve=1
// groundtruth: processes 1
#include <sys/syscall.h>
#include <unistd.h>

#define X32_BIT 0x40000000L

int main(void) {
	syscall(X32_BIT | SYS_getpid);
	syscall(X32_BIT | SYS_getuid);
	return 0;
}
