//go:build cgo && linux

package startstate

/*
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static uint64_t startstate_ignored, startstate_blocked;
static struct rlimit startstate_nofile;
static int startstate_nofile_ok;
static int startstate_closed;

__attribute__((constructor)) static void startstate_record(void) {
	// Before the Go runtime opens /dev/null on a closed 0, 1 or 2.
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
			startstate_closed |= 1 << fd;
	for (int s = 1; s <= 64; s++) {
		struct sigaction sa;
		if (s == SIGKILL || s == SIGSTOP)
			continue;
		if (sigaction(s, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			startstate_ignored |= (uint64_t)1 << (s - 1);
	}
	startstate_nofile_ok = getrlimit(RLIMIT_NOFILE, &startstate_nofile) == 0;
	// The kernel's mask, raw (libc's sigprocmask hides its own signals).
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &startstate_blocked, sizeof startstate_blocked);
}

static uint64_t startstate_get_blocked(void) { return startstate_blocked; }

static int startstate_setmask(uint64_t mask) {
	return syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, sizeof mask);
}

static int startstate_get_closed(void) { return startstate_closed; }

static uint64_t startstate_get_ignored(void) { return startstate_ignored; }
static int startstate_get_nofile(struct rlimit *r) {
	*r = startstate_nofile;
	return startstate_nofile_ok;
}

static int startstate_reignore(uint64_t mask) {
	for (int s = 1; s <= 64; s++) {
		if (!(mask & ((uint64_t)1 << (s - 1))) || s == SIGKILL || s == SIGSTOP)
			continue;
		struct sigaction sa = {0};
		sa.sa_handler = SIG_IGN;
		if (sigaction(s, &sa, NULL) != 0)
			return s;
	}
	return 0;
}
*/
import "C"

import (
	"fmt"
	"syscall"
)

// Ignored returns the signals the process was started with ignored: bit
// N-1 is signal N.
func Ignored() uint64 { return uint64(C.startstate_get_ignored()) }

// Reignore sets every signal in mask (as Ignored returns it) to SIG_IGN.
// Call it in a child just before its execve, which keeps SIG_IGN: the Go
// runtime's handlers of those signals are gone from then on.
func Reignore(mask uint64) error {
	if mask == 0 {
		return nil
	}
	if s := C.startstate_reignore(C.uint64_t(mask)); s != 0 {
		return fmt.Errorf("ignore signal %d", int(s))
	}
	return nil
}

// Blocked returns the signal mask the process was started with (of its
// first thread): bit N-1 is signal N. The Go runtime unblocks the signals
// it handles (SIGINT, SIGTERM, SIGCHLD, SIGSEGV, SIGURG...) in every
// thread, and a child forked by os/exec inherits that mask.
func Blocked() uint64 { return uint64(C.startstate_get_blocked()) }

// SetMask sets the calling thread's signal mask to mask (as Blocked
// returns it). Call it on a locked thread just before its execve, which
// keeps the mask.
func SetMask(mask uint64) error {
	if r, err := C.startstate_setmask(C.uint64_t(mask)); r != 0 {
		return fmt.Errorf("rt_sigprocmask: %w", err)
	}
	return nil
}

// Nofile returns RLIMIT_NOFILE as the process was started with it.
func Nofile() (syscall.Rlimit, bool) {
	var r C.struct_rlimit
	if C.startstate_get_nofile(&r) == 0 {
		return syscall.Rlimit{}, false
	}
	return syscall.Rlimit{Cur: uint64(r.rlim_cur), Max: uint64(r.rlim_max)}, true
}

// Closed reports whether file descriptor fd (0, 1 or 2: stdin, stdout,
// stderr) was closed when the process started (a shell's >&-). The Go
// runtime then put /dev/null there, read-write: writes to it vanish.
func Closed(fd int) bool {
	return fd >= 0 && fd < 3 && C.startstate_get_closed()&(1<<fd) != 0
}
