// Package reduce turns recorded traces into a least-privilege profile: the
// step between the recorder (package trace) and the emitters (package
// emit).
//
//	traces ──► Reduce ──► *policy.Policy ──► Docker / OCI / SPO / BPF
//
// Reduce merges any number of trace files (runs, machines, ABIs), applies
// explicit frequency thresholds (MinCount, MinRuns; every dropped syscall is
// reported, and exit, exit_group, rt_sigreturn, sigreturn and
// restart_syscall are never dropped), adds the selected baselines (package
// profiles: what runc and crun issue after installing the filter, and what
// every process may need), refuses syscalls of the deny ceiling unless
// allowed by name, and maps names to their equivalents on target ABIs that
// lack them (open becomes openat on aarch64, an i386 trace's mmap2 mmap)
// and, for a 32-bit target from a 64-bit trace, also allows the names the
// 32-bit build calls (fcntl64 beside fcntl: companions), reporting each
// mapping. Target ABIs (Arches) that leave out an ABI the
// traces used while covering another ABI of its machine are refused
// (*UncoveredABIError: the runtimes would kill that program); DropArches
// leaves such an ABI's syscalls out on purpose.
// With Extend (the OCI hook's if:) the result also allows everything an
// existing profile allows, without narrowing it by argument values, keeps
// what it logs logged and, when its default lets calls run, that default
// (extend.go).
//
// The policy it returns denies syscalls newer than the profile knows with
// ENOSYS (the default action, so that libc falls back) and known but
// unobserved syscalls with EPERM (or the chosen action) through an explicit
// rule, so runc (which adds an ENOSYS stub) and crun (which does not) give
// the same answers.
//
// Reduce runs one phase after the other (merge, thresholds, deny ceiling,
// target ABIs, allowed set, unobserved rest), each a function that returns
// its own part of the Result. Errors about Options name the field
// (*OptionError: "MinRuns 3: ..."); a command says its flags instead
// (Namer).
//
// Judging a profile against traces (coverage, profile diffs) is package
// verdict's job.
//
// The package is pure and deterministic: the same input gives the same
// policy. It needs no kernel and no cgo; syscall tables come from a trace.Tables
// (scmp.Tables in the binary, backed by libseccomp).
package reduce
