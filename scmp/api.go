package scmp

import (
	"errors"
	"unsafe"

	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// fullAPI is the highest libseccomp API level (2.5: user notification
// with TSYNC_ESRCH); see seccomp_api_get(3).
const fullAPI = 6

// PinAPIWithoutSeccomp keeps compiled filters independent of an emulator.
// libseccomp asks the running kernel which actions exist (through
// seccomp(2)) and refuses the others, even for a filter it only exports.
// Where seccomp(2) itself is missing (qemu-user emulation, as when an
// arm64 seccomp-gen runs on an amd64 machine), no filter can be loaded
// anyway, so the API level is pinned to libseccomp's highest: filters then
// compile exactly as on a current kernel. It reports whether it pinned; on a
// kernel with seccomp(2) it does nothing.
func PinAPIWithoutSeccomp() bool {
	const getActionAvail = 2     // SECCOMP_GET_ACTION_AVAIL
	action := uint32(0x7fff0000) // SECCOMP_RET_ALLOW
	_, _, e := unix.Syscall(unix.SYS_SECCOMP, getActionAvail, 0, uintptr(unsafe.Pointer(&action)))
	if !errors.Is(e, unix.ENOSYS) {
		return false
	}
	for level := uint(fullAPI); level >= 3; level-- {
		if seccomp.SetAPI(level) == nil {
			return true
		}
	}
	return false
}
