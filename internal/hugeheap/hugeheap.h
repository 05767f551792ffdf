#ifndef SECCOMP_GEN_HUGEHEAP_H
#define SECCOMP_GEN_HUGEHEAP_H

#include <stddef.h>

// HUGEHEAP_MIN is the smallest mapping advised: one PMD-sized huge page on
// amd64 and on arm64 with 4 KiB pages. (A larger huge page size only means
// the kernel finds no aligned huge page inside a small mapping.)
#define HUGEHEAP_MIN ((size_t)2 << 20)

int hugeheap_advises(size_t len, int prot, int flags);

#endif
