/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The few kernel UAPI types and constants recorder.c needs, declared here so
 * that the program builds for every target without the host's
 * <linux/bpf.h> (which pulls in arch-specific <asm/types.h>) and without a
 * 2.8 MB, x86-only vmlinux.h. Values are from include/uapi/linux/bpf.h,
 * which the kernel keeps stable.
 */
#ifndef __SECCOMP_GEN_TYPES_H
#define __SECCOMP_GEN_TYPES_H

typedef unsigned char __u8;
typedef signed char __s8;
typedef unsigned short __u16;
typedef short __s16;
typedef unsigned int __u32;
typedef int __s32;
typedef unsigned long long __u64;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u64 __be64;
typedef __u32 __wsum;

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_CGROUP_ARRAY = 8,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_TASK_STORAGE = 29,
};

/* Flags for bpf_map_update_elem. */
#define BPF_ANY 0
#define BPF_NOEXIST 1
#define BPF_EXIST 2

/* Map creation flags. */
#define BPF_F_NO_PREALLOC (1U << 0)

/* Flags for bpf_task_storage_get. */
#define BPF_LOCAL_STORAGE_GET_F_CREATE (1ULL << 0)

/* Context of raw_tp programs: the tracepoint's arguments as u64. */
struct bpf_raw_tracepoint_args {
	__u64 args[0];
};

#endif
