// Package cbpf is seccomp-gen's classic-BPF side: it compiles a
// policy.Policy into the seccomp filter a runtime would load, runs filters in
// a userspace interpreter, disassembles them and installs them. (Package bpf
// at the top of the module is the eBPF recorder; the two are unrelated.)
//
// Pipeline: policy.Policy -> Compile (libseccomp + ENOSYS stub) -> Program
// -> Bytes (raw struct sock_filter, for "generate --format bpf"), Install
// (replay --enforce), Run (tests), Disassemble ("seccomp-gen disasm").
//
//   - Compile(p, Options{Arch, BadArch, NoStub, Linear}) (Program, error): libseccomp
//     (NewFilter, AddArch, AddRule, SetBadArchAction, ExportBPF) builds the
//     filter for the policy's ABIs that run on Arch; an ENOSYS stub is
//     prepended so that syscall numbers above libseccomp's table return
//     ERRNO(ENOSYS) (runc's patchbpf does the same for numbers above the
//     highest syscall a profile names; like runc, no stub under an
//     ALLOW/LOG default). ABIs the policy does not list get
//     BadArch (default SCMP_ACT_KILL_PROCESS). Unknown names are
//     *scmp.UnknownSyscallError. libseccomp lays the comparisons out as a
//     binary search over syscall numbers (Linear: its default list, as
//     runc and crun load it); the answers are the same.
//   - Options.Notify (with NoStub, SkipUnknown, BadArch ActNotify): the
//     same compiler builds replay --enforce's filter, every denying action
//     SCMP_ACT_NOTIFY; NeedsListener says whether it has any, and
//     Install(prog, FlagNewListener) loads it with a notification fd (see
//     package enforce).
//   - Parse(raw) / ReadFile(path) / Program.Bytes(): raw filters, checked
//     as the kernel's loader checks them (Program.Check).
//   - Program.Run(Data{Nr, Arch, IP, Args}) (Result, error): the userspace
//     interpreter with seccomp semantics; Result{Ret, Action, Data, Steps}.
//   - Disassemble(w, prog): ld/jeq/ret with seccomp_data field names,
//     AUDIT_ARCH constants and syscall names of the ABI known on each path.
//   - Install(prog, flags): PR_SET_NO_NEW_PRIVS + seccomp(2) on the calling
//     thread, for a re-executed child right before execve.
package cbpf
