// Package fallbacktest verifies the fallback table (profiles/fallbacks.yaml)
// on real programs: for each entry, a program built against that libc or
// runtime does the thing that calls the newer syscall, under a profile made
// by reduce.Reduce from a trace that lacks it, run with enforce.Run (the
// filter compiled with libseccomp and installed with no_new_privs in a
// child). The program must work, the newer syscall must have been denied
// (so the fallback path ran), and where the table says the code falls back
// on ENOSYS only, the same run with the newer syscall answered EPERM must
// fail. It has tests only.
package fallbacktest
