// newsys: syscalls newer than Debian 12's libseccomp (2.5.4) and strace (6.1)
// tables: statmount (457), listmount (458) and mseal (462), all called with
// arguments the kernel rejects. The trace must still record them, by number
// (the name may be empty). strace prints them as syscall_0x1c9 and so on.
//
// groundtruth: expect x86_64:457 x86_64:458 x86_64:462
// groundtruth: count x86_64:execve=1
// groundtruth: processes 1
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
	syscall(457, 0L, 0L, 0L, ~0L); // statmount(NULL, ...): EINVAL/EFAULT
	syscall(458, 0L, 0L, 0L, ~0L); // listmount(NULL, ...): EINVAL/EFAULT
	syscall(462, 1L, 1L, ~0L);     // mseal(unaligned, 1, bad flags): EINVAL
	return 0;
}
