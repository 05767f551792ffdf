#ifndef SECCOMP_GEN_PREFAULT_H
#define SECCOMP_GEN_PREFAULT_H

// The constructor's choices (prefault.c; why in doc.go).
#define PREFAULT_ON 1         // measured: a fault costs the threshold or more (or the probe failed)
#define PREFAULT_OFF 2        // measured: a fault costs less than the threshold
#define PREFAULT_FORCED_ON 3  // SECCOMP_GEN_PREFAULT=on
#define PREFAULT_FORCED_OFF 4 // SECCOMP_GEN_PREFAULT=off

// PREFAULT_THRESHOLD_NS is the cost of a page fault, as the probe measures
// it, from which the segments are advised (doc.go says why this figure).
#define PREFAULT_THRESHOLD_NS 5000L

// What the constructor did, for the tests and `seccomp-gen version`.
extern int prefault_mode;       // one of the above; 0 before the constructor
extern long prefault_fault_ns;  // the probe's figure; -1: not measured (overridden, or the probe failed)
extern int prefault_advised;    // read-only PT_LOAD segments advised
extern int prefault_refused;    // of those, refused by the kernel

// prefault_choose is the choice for the value of SECCOMP_GEN_PREFAULT
// (NULL: unset) and the probe's figure (-1: none).
int prefault_choose(const char *env, long fault_ns);

// prefault_probe_ns measures what a page fault costs this process (the
// cheapest of a few first touches), in nanoseconds; -1 if it cannot.
long prefault_probe_ns(void);

#endif
