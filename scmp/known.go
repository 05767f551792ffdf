package scmp

import seccomp "github.com/seccomp/libseccomp-golang"

// KnownAnywhere reports whether libseccomp knows a syscall called name on
// any architecture it supports (it resolves such a name on every arch, to
// a negative pseudo number where the arch lacks it). A name it does not
// know cannot appear in a profile that runc, crun or seccomp-gen load.
func KnownAnywhere(name string) bool {
	_, err := seccomp.GetSyscallFromNameByArch(name, seccomp.ArchAMD64)
	return err == nil
}
