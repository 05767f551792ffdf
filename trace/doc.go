// Package trace is the trace file: the record of one traced run that the
// recorder (package trace/recorder) writes and every later stage of
// seccomp-gen's pipeline reads.
//
//	workload ──► recorder.Record (eBPF) ──► trace.File (YAML) ──► reduce ──► emit
//
// It is pure Go with no kernel or cgo dependency: the packages that only
// read traces (reduce, report, generate's and check's readers) build on any
// GOOS and link neither eBPF nor libseccomp through it. Syscall tables come
// in through Tables (scmp.Tables implements it).
//
// File is one recorded run: target, host, start, duration, exit code,
// lost, processes, the syscalls as (arch, nr, name, count, first) and,
// from recorders that know them, the executables the traced processes ran
// (path, build ID or sha256, syscall numbers per ABI; Executable), written
// before the closing summary so that truncation detection covers them.
// Encode/WriteFile write it deterministically (sorted, fixed field order)
// as version 2, which ends with a closing summary (end: entries and total
// count) so that Decode/ReadFile, which read strictly, refuse a file cut
// at any byte (ErrTruncated); version 1 files are still read (File.Unsealed
// says their completeness cannot be proven). Decode bounds what it reads
// (MaxFileSize, MaxEntries, MaxItems) and refuses counts above MaxCount,
// an exit_code outside MinExitCode..MaxExitCode and an unknown host.arch
// (FieldError names the field and its line);
// AddCount sums counts saturating. ResolveName/File.ResolveNames are the
// one rule by which readers name entries and check names against numbers.
// KnownArches and the Arch constants are the ABI names a trace uses.
// WriteFile writes through internal/atomicfile, so a reader never sees
// half a trace.
package trace
