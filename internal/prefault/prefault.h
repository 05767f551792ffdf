#ifndef SECCOMP_GEN_PREFAULT_H
#define SECCOMP_GEN_PREFAULT_H

// What the constructor did (prefault.c), for the tests.
extern int prefault_advised; // read-only PT_LOAD segments advised
extern int prefault_refused; // of those, refused by the kernel

#endif
