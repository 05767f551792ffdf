// i386: a whole 32-bit program (gcc -m32). After the 64-bit execve that
// starts it, every syscall it makes, through libc and the vDSO, goes through
// the i386 table and must be recorded as arch x86 with i386 numbers
// (getpid is 20, getuid32 199, and so on).
//
// groundtruth: cflags -m32
// groundtruth: expect x86_64:execve x86:getpid x86:getuid32 x86:uname
// groundtruth: count x86_64:execve=1
// groundtruth: processes 1
#include <sys/utsname.h>
#include <unistd.h>

int main(void) {
	struct utsname u;
	if (getpid() <= 0)
		return 1;
	(void)getuid();
	return uname(&u) != 0;
}
