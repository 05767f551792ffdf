// probes: syscall numbers no syscall has, as a program probing for
// seccomp or for a kernel's syscalls makes them: -1, 5000, 0x7fffffff. The
// kernel answers ENOSYS. The recorder keeps them by number as seccomp sees
// it (32 bits; 0x7fffffff carries x32's bit 30, so it is x32's, as strace
// says too; -1 is x86_64's, as libseccomp's filters test it), not as lost
// events: a trace that lost them was refused as incomplete, and a
// deterministic program could never be recorded. strace prints -1 as
// "[???] syscall_0xffffffffffffffff(".
//
// groundtruth: expect x86_64:-1 x86_64:5000 x32:2147483647
// groundtruth: count x86_64:5000=2 x86_64:-1=1 x32:2147483647=1
// groundtruth: processes 1
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
	syscall(-1L);
	syscall(5000L);
	syscall(5000L);
	syscall(0x7fffffffL);
	return 0;
}
