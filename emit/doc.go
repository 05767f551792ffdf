// Package emit writes a policy.Policy as the profile formats runtimes load,
// and reads any of them back. It sits at the end of the pipeline:
//
//	trace -> reduce -> policy.Policy -> emit (Docker, OCI, SPO CRD) / emit/cbpf (compiled BPF)
//
// # Writers
//
// Every writer copies and canonicalises the policy first (policy.Canonicalize),
// validates it, and checks every syscall name against libseccomp's tables (a
// name must exist on at least one of the policy's architectures, otherwise the
// writer returns a *scmp.UnknownSyscallError). The same policy always gives
// byte-identical output.
//
//   - Docker(p): the Docker/moby profile JSON (also the kubelet's localhost/
//     profile format; Kubelet is an alias).
//   - OCI(p): the OCI runtime-spec linux.seccomp object.
//   - SetOCIConfig(path, p): sets linux.seccomp in an existing bundle
//     config.json in place, atomically, keeping every other field.
//   - SPO(p, name): a Security Profiles Operator SeccompProfile (YAML).
//   - Write(p, format, opts): the same, chosen by Format name (for commands).
//   - Losses(p, format): what that format cannot carry of p (for a warning).
//
// The compiled classic-BPF filter lives in package emit/cbpf.
//
// # Choices
//
// Architectures: the JSON formats use "architectures", never "archMap".
// With archMap, Docker adds the sub-architectures of the native one (x86 and
// x32 on x86_64) by itself, so a profile would cover ABIs the policy does not
// list. With "architectures" the runtime allows exactly the listed ABIs and
// every other ABI gets the bad-arch action (kill).
//
// Unknown versus unobserved syscalls: the reducer's policies use
// DefaultAction SCMP_ACT_ERRNO with DefaultErrno ENOSYS (38) and an explicit
// SCMP_ACT_ERRNO rule with errno EPERM (1) that lists every syscall libseccomp
// knows but the workload did not use. So known-but-unobserved syscalls get
// EPERM and syscalls newer than the profile get ENOSYS, under runc and crun
// alike: crun never adds an ENOSYS stub; runc 1.1.5 adds its stub here too
// (it means to skip it for defaultErrnoRet ENOSYS, but compares the whole
// action value), and the stub answers ENOSYS exactly where the default
// already does (see policy/doc.go, measured).
//
// Flags: writers emit "flags" only when the policy sets some. runc 1.1
// rejects a non-empty list; crun adds SECCOMP_FILTER_FLAG_SPEC_ALLOW when the
// list is absent, which is also what Docker does by default, so leaving it
// out is the choice that every runtime loads.
//
// Comments: Docker JSON carries each rule's comment; the OCI object and the
// SPO CRD have no comment field and drop it.
//
// SPO: the SeccompProfile CRD (v1beta1) has no defaultErrnoRet, so a policy's
// DefaultErrno cannot be carried; the CRD's SCMP_ACT_ERRNO default means
// EPERM. Because the reducer's explicit EPERM rule names every known
// syscall, runc's ENOSYS stub (added whenever the default action denies)
// still gives ENOSYS above the table; crun answers EPERM there. Use the kubelet
// JSON (Docker format) when ENOSYS for newer syscalls matters. Rules that
// then equal the default are left out where other rules name all their
// syscalls (the reducer's EPERM rules for argument values): the runtimes
// skip them and runc's stub does not move. errnoRet is
// written as an integer (the current CRD schema); a quoted number is read too.
//
// # Reader
//
// Read(path) / Parse(name, data) read every format above (Docker JSON, OCI
// linux.seccomp object, a whole OCI config.json, SPO CRD YAML), detect which
// one it is, and return a canonical *policy.Policy. They are strict: unknown
// keys, "{}", a profile without defaultAction, a profile with no rules whose
// default allows everything, unknown actions, architectures, operators or
// flags, errnoRet on an action that has none and trailing data are errors
// that name the file and the problem. Conditional entries (includes/excludes)
// of a Docker or containers-common profile file are resolved as docker and
// podman resolve them (see Host; ReadOptions.Host), and containers-common's
// errno names are read as podman reads them; both are refused inside a
// config.json, where runc and crun ignore them. A profile without architectures means the native one, as runtimes
// treat it. Docker's archMap is read as the runtime would on this machine:
// the entry of the native architecture plus its sub-architectures.
//
// Keys: every key of the seccomp object, at every depth, and the keys on the
// way to it in a config.json (linux, linux.seccomp) must be spelled exactly
// and appear once. runc reads config.json with Go's encoding/json (keys
// match case-insensitively with Unicode folding, the last duplicate wins),
// crun with an exact C parser (the first duplicate wins, a key ends at a
// NUL); anything they could read differently is a *KeyError naming the key
// path. Escapes that decode to the exact key ("se\u0063comp") are the key.
//
// Names: a syscall name libseccomp knows on none of the profile's ABIs is an
// *UnknownSyscallsError naming the file, the rules, the names and the ABIs
// (runtimes drop such names silently). ReadWith/ParseWith with
// ReadOptions.AllowUnknownSyscalls make it a warning and drop the names.
//
// Bounds: MaxProfileSize (4 MiB, checked before parsing), MaxRules,
// MaxNames, MaxArgs, MaxConditions, MaxDepth, and a bound on YAML nodes
// with aliases expanded.
//
// ParseRaw/ReadRaw return the profile as written (an *emit.Raw: rules in
// file order with their key paths, unknown names listed) for package lint.
package emit
