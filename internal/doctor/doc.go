// Package doctor answers "can seccomp-gen do its job on this machine?" for
// `seccomp-gen doctor`: kernel BTF, capabilities, the raw tracepoint, kernel
// lockdown, seccomp actions and user notification, libseccomp against the
// kernel's syscalls, compat ABIs, the cgroup layout, container runtimes, the
// kernel types cache, and a real trial trace.
//
// Every question to the machine goes through the System interface. Host asks
// the real machine; tests wrap it to fake a missing file, a refused
// tracepoint or an old kernel, and check the line and the fix that doctor
// prints for it. Run turns the answers into Checks; a Check that Blocks
// means `seccomp-gen trace` cannot work here.
package doctor
