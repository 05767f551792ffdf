// Package widen says which system calls the executables of a trace can
// issue, beyond those a traced run issued, from what their ELF files link:
//
//	trace executables ──► Analyze ──► syscall → (executable or library, symbol)
//
// generate --widen adds them to the profile (the deny ceiling still
// applies) and reports each with the file and symbol that implies it.
// generate --widen=kinds adds only those that share a kind of work (Kinds:
// waiting on descriptors, memory mappings, file data, processes and
// threads, network client, ...) with a syscall the traces hold, or whose
// kind a traced call shows (Signs: a descriptor made non-blocking with
// fcntl(F_SETFL) or pipe2 and O_NONBLOCK is waited on when it would
// block), reporting the kind and the traced call as well (Related). It
// judges each executable by its own syscalls (PerExecutable: the trace's
// executables list): what mkdir links is not widened because nginx,
// started by the same script, changed an owner. ioctl is of no kind, but
// its descriptor-flag requests (FlagIoctls: FIONBIO, FIOASYNC, FIOCLEX,
// FIONCLEX, which do what fcntl F_SETFL and F_SETFD do) are of the kind
// "descriptor plumbing". One kind needs no traced call (Kind.AnyRun): the
// program's own time (alarm, setitimer, getitimer, times, getrusage),
// which a run does or not depending on how long it runs and where its
// output goes.
//
// Dynamically linked executables: the undefined dynamic symbols of the
// executable and of every library it needs (DT_NEEDED, resolved through
// DT_RUNPATH/DT_RPATH, /etc/ld.so.conf and the Debian multiarch library
// directories, recursively, skipping files of another machine as ld.so
// does) are looked up in a table of glibc functions
// and the syscalls each may issue (glibc-2.36-x86_64.txt, generated from
// glibc's source by widen/internal/glibcgen: syscalls.list entries, the
// syscall macros in each wrapper's body, and the functions it calls inside
// glibc, transitively), on x86_64: #ifdef __NR_x branches x86_64 does not
// compile are left out and 64-bit aliases resolved (poll imported gives
// poll, ftruncate64 gives ftruncate, dup2 gives dup2); realloc gives
// mremap.
//
// Go executables: the symbol table lists the functions linked in; those of
// packages syscall, internal/syscall/unix, golang.org/x/sys/unix and the
// runtime's assembly are looked up in go-linux-amd64.txt (generated from
// the Go toolchain's and x/sys's source by widen/internal/gogen). The
// runtime's profiling timers, linked into every Go program, count only in
// one that links runtime.SetCPUProfileRate, which turns them on, and its
// mincore page-size probe never (goRuntimeOnlyWith).
//
// A "#!" script is widened from its interpreter (the first word after
// "#!": for "#!/usr/bin/env python3" that is env, which says nothing of
// python's imports).
//
// Limits, all making widening add less, never more than the tables say:
//   - only x86_64 tables exist; other ABIs get what reduce maps from them;
//   - the glibc table is per function body, not per path: a function is
//     credited with every syscall any branch of it (or any glibc function
//     it calls) may issue, #if alternatives included except those on
//     __NR_x (fstatat64 gives newfstatat and statx);
//   - a call through a function pointer inside glibc, and syscall(2) with
//     a number, are invisible;
//   - Go: syscall.Syscall / RawSyscall / unix.Syscall called with a number
//     by the program are opaque; a wrapper the compiler inlined is not in
//     the symbol table and its syscall is not seen; stripped Go binaries
//     (no .symtab) give nothing; the table is from one Go and x/sys version;
//   - statically linked C programs give nothing (no imports to read);
//   - musl and other libcs have no table: their imports give nothing.
//
// The package is pure Go (debug/elf); it reads files but needs no kernel.
package widen
