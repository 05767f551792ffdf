//go:build ignore

/*
 * seccomp-gen's recorder: count the syscalls of traced tasks, in the kernel,
 * per (ABI, syscall number).
 *
 * Programs:
 *   raw_tp/sys_enter            the hot path; runs on EVERY syscall of the
 *                               machine, rejects untraced tasks first
 *   tp_btf/sched_process_fork   a traced task's new thread or process gets its
 *     (sched_process_fork_btf)  mark at the fork (where the kernel has the
 *                               tracepoint's BTF type; user space loads it)
 *   raw_tp/sched_process_fork   where it is not used, instead: the child takes
 *                               its mark at its first syscall (see pending);
 *                               with it on a machine of many CPUs: the
 *                               per-CPU notes are voided (cfg_fork_void)
 *   raw_tp/sched_process_exec   an "armed" process starts being traced at the
 *                               execve into the user's command (see armed)
 *   raw_tp/sched_process_exit   a traced task is gone (live_tasks bookkeeping)
 *
 * Which tasks are traced lives in task-local storage (tasks): the mark dies
 * with the task_struct, so a PID that the kernel reuses can never inherit it,
 * and the lookup is a per-task cache probe, cheap enough for every syscall.
 *
 * Why the hot path (sys_enter) is shaped as it is. Measured with the
 * kernel's BPF run-time statistics next to an empty raw_tp/sys_enter program
 * in the same run (`make bench`, "Recorder program body"; 2-core EPYC VM,
 * Linux 6.18, issue 13): the empty program costs ~30-34 ns per run there
 * (that includes the statistics' own two clock reads); this program's body
 * on top of it is ~8-9 ns for a traced task and ~1 ns for an untraced one.
 * Variants, measured the same way (traced window, medians of 7 runs of
 * 3M getpid):
 *   - whole traced path                                  6.8 ns
 *   - without the TS_COMPAT check (a CO-RE load)         6.2 ns: ~0.6
 *   - without count() (task storage lookup, state only)  3.5 ns: so the
 *     counting (inlined per-CPU array lookup of the one 24 KiB element,
 *     index math, the verifier's bounds check, load, store, the v == 0
 *     branch) is ~3.3 ns, and bpf_task_storage_get ~2.7 ns
 *   - bpf_task_storage_get for every task, no task->bpf_storage test:
 *     untraced body 4.4 ns instead of ~1, traced the same.
 * The per-CPU counters stay one element (one hot cache line per syscall in
 * use, no atomics); note_first runs once per slot and CPU. The untraced
 * exit on task->bpf_storage == NULL is kept (3.4 ns on every syscall of the
 * machine), and reads the field through an untrusted view of the task
 * (bpf_rdonly_cast, see task_storage_ptr): loading a pointer field from the
 * trusted task makes the verifier look up task_struct's
 * "__safe_trusted"/"__safe_rcu" BTF types by name, a linear scan of the
 * kernel's BTF, at every such load (~8% of the whole start's CPU in perf),
 * and loads through an untrusted pointer skip that check. sys_enter
 * verifies in 0.65-0.67 ms that way against 1.54-1.70 ms with the trusted
 * load (medians of 31 loads each, same runs; `make bench`, "Program
 * verification"); the start's load step (4 programs) went from 3.30 to
 * 2.06 ms and launch to the command's main from 12.2 to 10.5 ms (medians of
 * 31 interleaved rounds against the previous binary, issue 13). The price
 * on the hot path: the load becomes a BPF_PROBE_MEM load, for which the x86
 * JIT adds a range check (~8 register instructions and a branch, no memory
 * access), plus the load of cfg_task_btf_id (the .rodata line cfg_cgroup is
 * on) and two moves; the call itself becomes a register move and the
 * verifier drops the other branch. Measured against the previous binary in
 * the same rounds (`go run ./bench -only body -baseline OLD`, 7 rounds,
 * four runs): untraced body +0.05 to +0.76 ns (about +0.5: 2.4-2.9 ns
 * now), traced -0.8 to +0.5 ns (noise). Without the kernel's BTF IDs
 * (before Linux 6.2, or a kernel that refuses the call) the trusted load is
 * used, as before. sched_process_fork, note_exec and exec_counting have no
 * such pre-check: they verified ~1 ms slower with the trusted load, and
 * with the untrusted one the pre-check would save a ~20 ns helper call per
 * fork or exec of the machine, nothing a fork (~100 us) shows.
 * With executables (issue 11: one inlined array lookup and a load per
 * traced syscall) and argument recording (issue 10) merged, the traced body
 * is 8.5-8.9 ns for getpid (whose arguments are not recorded: the same with
 * --no-args), ~30 ns for fcntl(F_GETFD), whose cmd is recorded (probe
 * reads and a hash lookup in record_args); untraced still ~0.
 * The verifier's work is part of every traced start (issue 13: launch to
 * the command's main). record_args and record_new_arg are global functions
 * (not static): the verifier checks a global function once, on its own,
 * instead of once per caller path and state, and syscall_arg (since
 * replaced by record_arg) picked a CO-RE offset and made one probe read
 * instead of one BPF_CORE_READ per case.
 * sys_enter then verifies in 1238 processed instructions instead of 4168
 * (verification time as the kernel reports it: 1.75 ms instead of 4.15 ms,
 * medians of 31 loads each; `make bench`, "Program verification"); what was
 * left was mostly the task->bpf_storage load's BTF scan, gone with the
 * untrusted read (above: 0.65 ms). Then (twenty-ninth session) two
 * more causes of paths walked again: count_in, inlined twice in sys_enter
 * (the CPU's note, the task's storage), branched three ways on the ABI,
 * and everything after (counter, executable, first call, argument mask)
 * was walked once per ABI, as the three paths' nr and abi never made equal
 * states; and record_args' loop read each argument through syscall_arg's
 * switch, walked per index. The ABI is now computed without a branch (see
 * count_in), and one argument is read and recorded by record_arg (global,
 * a register offset from a table). In a command's trace configuration
 * (cfg_prefilter 1) sys_enter verifies in 1147 processed instructions
 * instead of 1831 (83 states instead of 128), 2.06 ms instead of 2.92
 * (medians of 15 interleaved loads each, the kernel's verification time).
 * The hot path
 * is the same code: a global call costs a traced syscall whose arguments
 * are recorded one call instruction, one that records none nothing
 * (cfg_argmask is tested first). For the same reason (the start), the
 * parent's executable travels in the child's pending entry rather than in a
 * map of its own, and cfg_argmask is in .bss (see there).
 * A tgid-bitmap prefilter saved only ~8 ns on an older kernel and was
 * dropped.
 * Later (issue 13, the totals per syscall as ratios to the floor), each
 * measured against the previous binary in 15 paired rounds of the body's
 * windows (the median of the per-round differences; an identical binary
 * gives 0.0 +- 0.2 that way):
 *   - a counting task's mark is read from its storage's cache with plain
 *     loads (task_mark_cached), the helper only on a miss or in any other
 *     state: traced -1.9 ns;
 *   - sys_enter's frame under 64 bytes, off the private stack (see
 *     note_process): untraced -2.7 ns, traced -1.3;
 *   - count skips exe_note_syscall when the CPU noted the task's
 *     executable for the slot last (counts_block.exe): traced -1.0;
 *   - counts' key from .rodata, not the stack: traced -1.1 (undone in
 *     the twelfth session: on the PVM machine the key's page walk came
 *     before the lookup's; see below).
 * Together, against the binary before them in the same rounds: traced body
 * 10.3 -> 5.6 ns, untraced 2.3 -> -0.1 ns (15 rounds; the per-round
 * differences' medians -5.0 and -2.4). The wall clock shows much less of
 * it: the getpid loop's time per syscall, the two binaries taking turns in
 * 21 rounds (`make bench`'s per-syscall runs, paired), is -1.0 ns traced
 * (mean -1.6, standard error 0.8) and -0.25 ns untraced (se 0.5), and the
 * totals as ratios to the floor stay ~1.31x traced and ~1.12x untraced
 * there (medians; issue 13 asks 1.25 and 1.10). The statistics time the
 * program alone between two ordered clock reads; in the loop much of it
 * overlaps the syscall path around it. What the untraced path costs on the
 * wall clock is about half the bpf_get_current_task_btf call and the frame
 * (a variant that returns right after the call: ~1.06x the floor) and half
 * the loads after it (~1.3 ns). Tried and not kept (no difference outside the noise): the x32
 * test only past the native slots (clang emits the same code), the ABI
 * recomputed from the slot in record_args (no spill of it in count); the
 * TS_COMPAT test and the cfg_argmask load cost nothing measurable (removed
 * as an experiment), exe_note_syscall ~1.1 ns (hence the skip).
 * The per-syscall section now pairs the two binaries itself (`go run
 * ./bench -only per-syscall -rounds 21 -baseline OLD`: per-round
 * differences, median, mean and standard error). Its resolution, from an
 * identical binary against itself: traced mean +0.8 (se 0.7), -2.1
 * (se 0.6) and +0.1 (se 0.5) in three runs of 21, 21 and 31 rounds
 * (medians +1.5, -1.9, +0.4), untraced means +0.75, +0.2, +0.5 (se
 * 0.7-0.9): runs differ by more than their standard errors say, and
 * about 2 ns is what one run resolves. Against
 * this binary in the same way, two ablations (not exact, measurement
 * only) bound what the traced path's parts cost on the wall clock: count()
 * returning at once (no counting at all) -2.5 median, -3.0 mean (se 0.35,
 * 41 rounds; untraced +0.0 there, the control), traced 1.33x -> 1.20x the
 * floor in that run: counting is what the 1.25x target misses by; the
 * mark not read (every task with a storage counted, exe 0) -2.7 median,
 * -1.4 mean (se 0.9, 21 rounds). Any one part of counting is below what
 * a run resolves. Tried and not kept then: the executable kept in the
 * counter's top 16 bits instead of counts_block.exe (one cache line and
 * one load fewer per traced syscall, a 24 KiB block): traced -0.2 median,
 * -0.3 mean (se 0.4, 41 rounds; +0.4, -0.1, se 0.65 in 21), body -0.05 ns
 * (15 rounds). Kept since (twelfth session): where each page is a walk,
 * it is one page fewer (see below).
 *
 * Then (issue 13, tenth session) the per-CPU note (see note_cpu_task):
 * for a command the tracer starts, a task's syscall is answered from what
 * sys_enter found out about the same task's previous syscall on this CPU,
 * without bpf_get_current_task_btf, the load of task->bpf_storage and the
 * walk of the storage's cache. Against the binary before it in 31 paired
 * rounds of `make bench`'s per-syscall runs (load average 2-4 from other
 * work): traced -3.1 ns median, -3.1 mean (se 0.4), untraced -1.0 median,
 * -0.9 mean (se 0.4); in the BPF statistics the traced body went from 5.9
 * to 3.8 ns and the untraced one from 0.5 to 2.7 ns (the statistics time
 * the program between two clock reads, the wall clock what the syscall
 * pays: the dropped helper call costs the loop more than its time inside
 * the program shows). Verification: 1498 instructions processed instead of
 * 1440, the same time.
 *
 * Where the note is asked depends on the machine (cfg_note_first; issue
 * 13, eleventh session). On a PVM-virtualized EPYC with PTI and no PCID
 * (syscalls ~950 ns: every syscall switches page tables and flushes the
 * kernel's TLB entries, so every page a syscall touches is a page walk),
 * the note asked first cost the untraced body 41.0 ns against 4.9 ns with
 * the task->bpf_storage test first (its task_struct is what the syscall
 * entry has just touched), and the traced body 38.9 against 49.5 ns (the
 * helper call and the storage load before the note); BPF statistics, 9
 * rounds of the body's windows, the two binaries in the same rounds, other
 * work on the machine. Every process pays the untraced path, so there the
 * storage test comes first and only tasks with storage are noted; where
 * TLB entries survive a syscall (PCID, or no PTI) the note comes first, as
 * measured above. User space decides (trace/recorder/record_note.go).
 * With counts an array indexed by the CPU (below), the note first costs
 * untraced tasks there ~3 ns rather than ~36 and saves traced ones ~2-8
 * (record_note.go has the numbers): still the storage test first there.
 *
 * Where the traced body's ~45 ns went on that PVM machine (issue 13,
 * twelfth session): page walks that waited for each other. With the TLB
 * flushed at every syscall, the first load from a page the syscall has
 * not touched yet is a page walk; a load whose address comes from such a
 * load starts its own walk only when the first is done, while independent
 * loads' walks overlap. Scratch programs attached after an empty one
 * (BPF statistics, 300k getpid per round, 11-15 rounds, other work on the
 * machine), ns over the empty one: a 30 KiB per-CPU array's lookup with
 * the key on the stack and one load, 17; with 2, 3 and 4 of the element's
 * pages loaded, 18, 20 and 22 (an extra independent page ~1-2.5); the
 * key read from .rodata instead, +9 to +32 more (the key's walk, then
 * the map struct's for the per-CPU pointer, then the element's, in a
 * row; a .rodata load that no address depends on costs ~2); a plain
 * array indexed by bpf_get_smp_processor_id (inlined: a per-CPU load
 * from the area the syscall entry uses) instead of the per-CPU array,
 * -9 to -15 (no load from the map's struct: one walk before the
 * element's instead of two). The floor itself pays a walk the recorder
 * then does not: a second empty program attached after the first runs
 * 19-31 ns shorter than the first. So the traced path was three walks
 * in a row (counts_key in .rodata, counts' pptrs[0], the note), with
 * exe[slot]'s page and cfg_argmask's beside them; counts is now an array
 * indexed by the CPU's number (see counts), and the note's load has no
 * load before it. Against the binary before (96bd496), 41 rounds of a
 * scratch harness (per round and binary: the traced getpid window and an
 * untraced one, 300k calls each, solved as the bench does; body = the
 * average minus the empty program's in the same window; the binaries'
 * order rotated): traced body 44.0 -> 19.8 ns (medians), per-round
 * difference -19.0 median, -21.0 mean (se 1.8); untraced 5.7 -> 4.6
 * (difference -2.9 median, se 1.4: noise). The key on the stack alone,
 * per-CPU array kept: -7.6 median, -8.2 mean (se 1.9). Then the
 * executable this CPU last noted for a slot went into the counter's top
 * 16 bits (COUNT_BITS) instead of an array of its own after the
 * counters (exe[], 24 KiB into the block: another page than the
 * counter's, for every slot): traced -3.0 median, -2.9 mean (se 1.1)
 * against the array without it, untraced +0.3 median (se 1.2; the
 * control), in 41 rounds of the same harness. Both against 96bd496 in
 * the bench (`go run ./bench -only body -rounds 15 -baseline`, 3M
 * getpid a window, a test suite running beside it): traced body 48.0 ->
 * 16.6 ns (medians; floor 77.4), paired per-round differences -30.7
 * median, -28.7 mean (se 4.1); untraced -0.5 median (se 2.9).
 * Bounds measured the same way against that (41 rounds each), not kept:
 * the traced path's .rodata loads as immediates (measurement build:
 * cfg_task_btf_id, cfg_prefilter, cfg_note_first and cfg_cgroup #defined
 * to this machine's values in sys_enter, so the .rodata page is not
 * touched; user space could rewrite the loads into immediates before
 * loading): -2.1 median, +0.2 mean (se 1.3), not resolved, so not done;
 * no cfg_argmask load at all (its .bss page; measurement build, no
 * arguments recorded): -2.2 median, -2.5 mean (se 1.0), the most that
 * moving cfg_argmask onto the counter's page (its 7 bits next to the
 * count and the executable's 9) could give, for which user space would
 * write every recorded slot's bits into every CPU's block before
 * attaching (page faults at the start, ~10 us each on that machine).
 *
 * What the untraced path still cost there (thirteenth session, same
 * machine, `go run ./bench -only body -rounds 7 -baseline`, paired
 * per-round differences): a measurement build whose sys_enter left first
 * thing when the task had no storage (no .rodata, no .bss load; wrong for
 * a child that has not adopted its pending mark yet) ran the untraced body
 * 32.4 -> 11.4 ns (mean -25.7, se 4.7); the same with pending_tasks read
 * as well (`!storage && !pending_tasks`) gave back +27.3 (se 2.8). Two
 * pages, then: pending_tasks' (.bss) and the cfg_* constants' (.rodata;
 * the verifier knows their values but keeps the loads). Both are gone
 * from the path now. A traced task's child gets its mark at the fork from
 * sched_process_fork_btf (a tp_btf program: the child is a trusted
 * pointer there), so with cfg_fork_btf a task without storage is untraced
 * for certain and pending_tasks is not read (pending_now: a volatile load,
 * or clang hoists it above the test); and user space writes the .rodata
 * constants into sys_enter as immediates before loading it
 * (trace/recorder/record_rodata.go). Untraced body 26.4 -> 8.5 ns
 * (medians; paired -23.5 mean, se 4.6, -26.3 median; its min 39.1 ns
 * against the floor's 38.7), traced -5.7 mean (se 7.3: noise), same
 * machine and bench, 7 rounds; in 11 quieter rounds 27.3 -> 3.2 ns
 * (paired -18.2 mean, se 2.5), traced 36.6 -> 34.1 (-3.5, se 3.0). With
 * the fork program alone the untraced body was -16.1 mean (se 4.9). cilium/ebpf would find the tp_btf
 * program's attach target by decoding all of the kernel's BTF at every
 * load (17 ms for the spec and 17 ms for the name there), so its BTF ID
 * is cached per boot with the kfunc IDs and user space makes the load
 * call itself (record_forkbtf.go); the raw_tp program and pending stay
 * as the fallback (a kernel without the type, or one that refuses the
 * program: then sys_enter and the raw_tp program are loaded again with
 * cfg_fork_btf 0).
 *
 * What the traced path still costs there (fourteenth session, same
 * machine, `go run ./bench -only body -rounds 7 -bin VARIANT -baseline
 * THIS`, paired per-round differences, measurement builds only): one page.
 * The untraced exit made to load counts_block.cur of its CPU first (one
 * load from counts, a vmalloc'd page) cost +33.7 ns (median, se 2.9);
 * made to load one byte of .bss instead (a kmalloc'd array value, in the
 * direct map's 2 MiB pages) +22.1 ns (se 6.0). The traced path without
 * its cfg_argmask load and without its TS_COMPAT test: -1.6 ns median
 * (se 3.4), nothing (the .bss walk overlaps the counts one, and the task's
 * status is on a page the syscall entry walked). So the traced body there,
 * ~34-37 ns, is the walk to the page of this CPU's note and counter; any
 * place to count that the syscall has not touched costs ~20-35 ns on that
 * machine, which no layout of ours avoids, and the 15 ns target is below
 * one such page there. On the Xeon (PCID: the kernel's TLB entries survive
 * a syscall) the same path is 3.7 ns. The first empty program attached
 * (before the floor's) runs 25-28 ns longer than the second in the same
 * rounds, for the same reason: pages the later programs then find walked.
 *
 * Argument values (issue 10; see record_args below): for the few syscalls
 * whose arguments decide the risk (trace.RecordedArgs), the distinct values
 * of those arguments per (ABI, nr, arg index), bounded, and for socket and
 * the socket options which pairs of two arguments' values went together
 * (record_pair). Every other counted syscall pays one byte load
 * (cfg_argmask) and a branch.
 *
 * Every program but sched_process_fork_btf is a plain raw tracepoint: user
 * space needs the kernel's BTF only for the CO-RE offsets of a few fields
 * and three type IDs (trace/recorder/record_btf.go caches them per boot),
 * one of them the tp_btf program's attach target.
 *
 * Builds for amd64 and arm64 (bpf2go -target amd64,arm64) from small
 * hand-declared CO-RE structs instead of an arch-specific vmlinux.h.
 */

#include "headers/types.h"
#include "headers/bpf_helpers.h"
#include "headers/bpf_core_read.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Slots per ABI in counts. Every ABI numbers its syscalls below 1024 (x32
 * after its 0x40000000 bit is removed; arm's private syscalls are folded into
 * the top 64 slots). Anything else is counted in lost. */
/* The slot layout and the ABI slots are enums, not #defines, so that bpf2go
 * (-type slot_layout -type abi_slot -type task_state in gen.go) gives user
 * space the same constants instead of a copy. */
enum slot_layout {
	NR_SLOTS = 1024,
	NR_ABIS = 3,
	ARM_PRIVATE_SLOTS = 64,
	COUNTS_BLOCK_SIZE = 28672,
	COUNT_BITS = 48,
};
#define COUNT_MASK ((1ULL << COUNT_BITS) - 1)
enum abi_slot {
	ABI_NATIVE = 0, /* x86_64 or aarch64 */
	ABI_COMPAT = 1, /* x86 (int 0x80, 32-bit programs) or arm (AArch32) */
	ABI_X32 = 2,
};

#define X32_SYSCALL_BIT 0x40000000ULL
#define ARM_PRIVATE_BASE 0x0f0000ULL

/* arch/x86/include/asm/thread_info.h: the task is in a 32-bit (int 0x80 or
 * 32-bit program) syscall. Set for the duration of the syscall, so this also
 * catches int 0x80 from a 64-bit program, whose CS stays the 64-bit one. */
#define TS_COMPAT 0x0002

/* arch/arm64/include/uapi/asm/ptrace.h (UAPI, stable): PSTATE of a task
 * trapped from AArch32 EL0. compat_user_mode() in the kernel tests exactly
 * this. We do not use TIF_32BIT: it is 22 up to Linux 6.18 and 18 once arm64
 * moved to the generic TIF bits, and a #define is invisible to CO-RE. */
#define PSR_MODE32_BIT 0x00000010ULL
#define PSR_MODE_MASK 0x0000000fULL
#define PSR_MODE_EL0t 0x00000000ULL

/* CO-RE views of the kernel structs we read: only the fields we need. */
struct thread_info {
	__u32 status; /* x86 only */
} __attribute__((preserve_access_index));

/* signal_struct.live: the thread group's threads that have not started
 * exiting (do_exit decrements it before sched_process_exit fires). */
struct signal_struct {
	struct {
		int counter;
	} live;
} __attribute__((preserve_access_index));

struct task_struct {
	struct thread_info thread_info;
	void *bpf_storage; /* struct bpf_local_storage __rcu *: NULL until a task storage map stores for the task */
	int pid;
	int tgid;
	__u64 start_time;
	struct task_struct *group_leader;
	struct signal_struct *signal;
	struct pid *thread_pid;
} __attribute__((preserve_access_index));

/* A task's process IDs, one per PID namespace it is in (include/linux/
 * pid.h): numbers[i] is its ID in the namespace at level i, 0 the initial
 * one, up to level, its own. See tracer_tgid. */
struct ns_common {
	unsigned int inum; /* the namespace's nsfs inode: ls -i /proc/PID/ns/pid */
} __attribute__((preserve_access_index));

struct pid_namespace {
	struct ns_common ns;
} __attribute__((preserve_access_index));

struct upid {
	int nr;
	struct pid_namespace *ns;
} __attribute__((preserve_access_index));

struct pid {
	unsigned int level;
	struct upid numbers[1];
} __attribute__((preserve_access_index));

/* The kernel's struct of a task storage map (include/linux/
 * bpf_local_storage.h): which slot of every task's storage cache it uses.
 * Read from &tasks itself (the verifier allows reads of a map's own struct
 * to CAP_PERFMON); see task_mark_cached. */
struct bpf_local_storage_map {
	__u16 cache_idx;
} __attribute__((preserve_access_index));

/* What task->bpf_storage points to: a cache of pointers to the task's
 * elements, one slot per cache_idx (shared by maps). */
struct bpf_local_storage {
	void *cache[16]; /* BPF_LOCAL_STORAGE_CACHE_SIZE */
} __attribute__((preserve_access_index));

/* One element as the cache points to it: its map, then the value. */
struct bpf_local_storage_data {
	void *smap;
	__u8 data[];
} __attribute__((preserve_access_index));

/* The third argument of the sched_process_exec tracepoint, and what
 * identifies the file it exec'd (note_exec). */
struct super_block {
	__u32 s_dev; /* dev_t: MAJOR << 20 | MINOR */
} __attribute__((preserve_access_index));

struct inode {
	unsigned long i_ino;
	struct super_block *i_sb;
} __attribute__((preserve_access_index));

struct file {
	struct inode *f_inode;
} __attribute__((preserve_access_index));

struct linux_binprm {
	struct file *file;
	const char *filename;
} __attribute__((preserve_access_index));

#if defined(__TARGET_ARCH_x86)
struct pt_regs {
	unsigned long orig_ax;
	unsigned long di, si, dx, r10, r8, r9; /* x86_64 and x32 arguments */
	unsigned long bx, cx, bp;              /* i386: bx, cx, dx, si, di, bp */
} __attribute__((preserve_access_index));
#elif defined(__TARGET_ARCH_arm64)
struct pt_regs {
	__u64 regs[31];
	__u64 pstate;
	__u64 orig_x0; /* the first argument (regs[0] becomes the return value) */
	__s32 syscallno;
} __attribute__((preserve_access_index));
#else
#error "recorder.c: unsupported target architecture"
#endif

enum task_state {
	TASK_USER_MARKED = 1, /* marked from user space (--pid); counting starts at its next syscall */
	TASK_COUNTING = 2,
	TASK_EXITED = 3,
	TASK_IGNORED = 4, /* the tracer itself (--cgroup may contain it); inherited by its threads only */
	TASK_EXEC_WAIT = 5, /* joined the cgroup from outside (cfg_cgroup_exec): counting starts at its next execve */
};

/* What this CPU's sys_enter last found out about a task (cpu_task.mode,
 * see cpu_task). */
enum cpu_mode {
	CPU_SKIP = 1,  /* not traced: none of its syscalls is counted */
	CPU_COUNT = 2, /* traced and counting, exe as given */
};

/* Bits of cfg_argmask above the six arguments' (see record_args). */
enum argmask_bits {
	ARGMASK_WHEN = 0x40,
	ARGMASK_PAIR = 0x80, /* also record the two lowest arguments' pair (record_pair) */
};

/* The argvals index under which record_pair keeps a slot's pairs (past the
 * six arguments'). */
enum arg_pseudo_index {
	ARG_PAIR_INDEX = 6,
};

/* Anchors the enums user space shares in BTF, where bpf2go -type finds them
 * (clang emits only the types something refers to); never read. */
struct shared_enums {
	enum slot_layout layout;
	enum abi_slot abi;
	enum task_state state;
	enum argmask_bits argmask;
	enum arg_pseudo_index pseudo;
};
volatile const struct shared_enums shared_enums_anchor;

struct task_mark {
	__u32 state;
	__u32 exe; /* issue 11: 1 + the exe_syscalls index of the file the task runs, 0 if unknown */
};

struct comm {
	char comm[16];
};

struct proc_key {
	__u32 tgid;
	__u32 reserved;
	__u64 start_time; /* of the thread group leader: tells PID reuse apart */
};

/* The traced tasks. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_mark);
} tasks SEC(".maps");

/* Processes (by tgid as the tracer sees it: tracer_tgid) that user space
 * started and that start being traced
 * at their Nth next execve: the value counts the execs still to skip
 * (a wrapper that installs a seccomp filter execs the command itself). The
 * tracer owns these processes (they are its unreaped children), so their
 * tgid cannot be reused while the entry exists. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} armed SEC(".maps");

/* The counts, n[slot] with slot = abi * NR_SLOTS + nr, per CPU so the hot
 * path is one uncontended increment. Only sys_enter writes them (see
 * count). One block per CPU rather than 3072 elements of 8 bytes: the
 * kernel allocates per-CPU memory per element, which took ~1.2 ms of the
 * recorder's start. A counter's top 16 bits (from COUNT_BITS on) are the
 * executable (task_mark.exe, at most NR_EXES) this CPU last noted in
 * exe_syscalls for the slot: the hot path skips exe_note_syscall when it
 * is the task's (see count_in), and user space masks them off. The count
 * has 48 bits: 2.8e14 syscalls of one slot on one CPU, 325 days of 10
 * million a second, before it would run into them.
 *
 * A plain array indexed by the CPU's number (counts_here), not a per-CPU
 * array: the per-CPU array's inlined lookup loads the element's per-CPU
 * pointer from the map's struct (pptrs[0]) before the block can be
 * loaded, two dependent loads from two pages that the syscall has not
 * touched; the array's address is the map's value area plus the CPU's
 * number (a per-CPU load the syscall entry has just made) times 28 KiB,
 * no load at all. Where every syscall flushes the kernel's TLB entries
 * (PTI without PCID) each such load is a page walk, and walks that depend
 * on each other add up while independent ones overlap: see sys_enter's
 * comment for what it measured. The blocks are 28 KiB (padded) and the
 * map is BPF_F_MMAPABLE, whose value area starts on a page: each CPU's
 * block starts on a page of its own, its note and the counters of its
 * first 509 slots on that page, and no two CPUs share a cache line. User
 * space sets max_entries to the possible CPUs; a CPU beyond them (none
 * can be) would count in lost. */
/* The task whose syscall this CPU's sys_enter looked up last (see
 * sys_enter): its pt_regs (which the tracepoint passes: the top of its
 * kernel stack, fixed for the task's life and no other live task's)
 * and what was found. */
struct cpu_task {
	__u64 regs; /* 0: no note (see notes_void) */
	__u64 task;
	__u32 mode;
	__u32 exe;
};

struct counts_block {
	struct cpu_task cur;
	__u64 n[NR_ABIS * NR_SLOTS];
	__u8 pad[COUNTS_BLOCK_SIZE - 24 - NR_ABIS * NR_SLOTS * 8];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, 1U << 10 /* BPF_F_MMAPABLE */);
	__uint(max_entries, 1); /* user space: the possible CPUs */
	__type(key, __u32);
	__type(value, struct counts_block);
} counts SEC(".maps");

/* The comm of the first task that issued each slot, for the slots a trace
 * uses (a few dozen to a few hundred; a slot beyond the capacity has no
 * name of its first task, its count is exact all the same). Capacities
 * here and below (procs, argvals) are at most 2048 because of the start
 * (issue 13, nineteenth session): a hash map's bucket array is 16 bytes
 * per entry, allocated at creation even without preallocation, with
 * kmalloc up to 32 KiB (in the direct map) and with vmalloc above, where
 * the kernel writes a page table entry per 4 KiB page. A PVM guest's
 * shadow page tables trap every such write (~12 us, as a user page's
 * first touch): procs (16384), argvals (8192) and this map (3072) were
 * 112 such pages, ~1.3 ms of every start there. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2048);
	__type(key, __u32);
	__type(value, struct comm);
} first SEC(".maps");

/* Distinct processes traced, while they live: the last of a process's
 * counting threads to exit removes its entry and counts it in procs_done
 * (sched_process_exit; the --pid target's stay, see cfg_target_tgid), so
 * the capacity bounds the processes alive at once, not all of a trace's
 * (a build runs far more). It only counts processes (File.Processes):
 * beyond the capacity a process is counted in procs_overflow by its
 * leader, its other threads add nothing (note_process). Its creation is
 * part of every start: the kernel allocates and clears a bucket per entry
 * even without preallocation, 1 MiB for the 65536 entries this map had,
 * ~0.3 ms on a Xeon (issue 13); 16384 were 64 vmalloc'd pages, ~0.8 ms
 * on the PVM machine, 2048 are 32 KiB of kmalloc (see first). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2048);
	__type(key, struct proc_key);
	__type(value, __u8);
} procs SEC(".maps");

/* New tasks (by global thread ID) that a traced task forked and that have
 * not run yet; the value is the state they take. The raw tracepoint
 * sched_process_fork sees the child only as an untyped pointer, which
 * bpf_task_storage_get does not take, so the child takes its mark itself:
 * at its first syscall (adopt), or drops it if it exits first. The child
 * cannot run before the entry exists (the tracepoint fires before
 * wake_up_new_task) and its thread ID cannot be reused while it does. While
 * pending_tasks is not 0, an untraced task's syscall looks itself up here:
 * that lasts from a traced fork to the child's first syscall. The entry
 * also carries the parent's executable (issue 11), which the child runs
 * until it execs: one map rather than a second one by thread ID (an LRU
 * hash of 16384 preallocated entries: 0.15 ms min, 0.21 ms median of 31
 * creations, of every start; issue 13). Where sched_process_fork_btf
 * marks the children, nothing is added here, and user space creates the
 * map with one entry (record_kfunc.go, newPending). */
struct pending_task {
	__u32 state; /* the state the task takes */
	__u32 exe;   /* its parent's task_mark.exe: 0 unknown */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pending_task);
} pending SEC(".maps");

/* Argument values (record_args). Which arguments of a slot are recorded:
 * bit i of cfg_argmask[slot] records argument i, ARGMASK_PAIR the pairs of
 * the two lowest of them too, written by user space from
 * trace.RecordedArgs and trace.RecordedPairs after loading and before
 * attaching. In .bss, not
 * .rodata: naming the slots' syscalls takes libseccomp ~1 ms, which then
 * runs while the maps are created and the programs verified instead of
 * before (issue 13); the hot path's load is the same instruction. */
__u8 cfg_argmask[NR_ABIS * NR_SLOTS];

/* The most distinct values kept per (slot, arg): trace.MaxArgDistinct, set
 * by user space (one place for the number). */
volatile const __u32 cfg_arg_distinct = 32;

/* A slot whose cfg_argmask has ARGMASK_WHEN records argument cfg_when_arg
 * only in calls whose argument cfg_when_on holds cfg_when_value in its low
 * 32 bits (fcntl's flags only for F_SETFL: trace.RecordedArgs' When, set by
 * user space; one condition for all such slots). */
volatile const __u32 cfg_when_arg = 6;
volatile const __u32 cfg_when_on = 6;
volatile const __u32 cfg_when_value = 0;

struct arg_key {
	__u32 slot;
	__u32 index;
	__u64 value;
};

struct arg_slot {
	__u32 slot;
	__u32 index;
};

struct arg_state {
	__u32 n;        /* distinct values stored */
	__u32 overflow; /* 1: a value was not stored (more than cfg_arg_distinct) */
};

/* The distinct values: (slot, index, value) -> 1. At most cfg_arg_distinct
 * per (slot, index); a trace records a few hundred in all (the recorded
 * arguments of one ABI are ~25, most with a handful of values), and a value
 * that does not fit marks its argument overflowed as the bound does. 2048
 * rather than 8192 for the start (see first). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2048);
	__type(key, struct arg_key);
	__type(value, __u8);
} argvals SEC(".maps");

/* Per (slot, index): how many values argvals holds, and whether one was
 * dropped. Written only when a new value shows up. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct arg_slot);
	__type(value, struct arg_state);
} argstate SEC(".maps");

/* Shared counters (.bss), updated atomically. */
__u64 args_lost; /* argstate full: every recorded argument counts as overflowed */
__s64 live_tasks;     /* traced tasks alive and counting, pending ones included */
__s64 pending_tasks;  /* entries in pending */
__u64 lost;           /* syscalls (or whole tasks) that could not be counted */
__u64 procs_overflow; /* processes beyond procs' capacity */
__u64 procs_done;     /* processes removed from procs at their exit */
__u64 execs;          /* execves into the command, counted at sched_process_exec:
                       * user space adds them to the native execve's slot */

/* The cgroup v2 directory to trace (--cgroup), at index 0. A cgroup array
 * and bpf_current_task_under_cgroup rather than comparing
 * bpf_get_current_ancestor_cgroup_id(level) with an ID: the level seen from
 * user space is relative to its cgroup namespace, the kernel's is not. */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target_cgroup SEC(".maps");

/* pending_tasks, read where the code says: a volatile load, which clang
 * does not hoist above the cfg_fork_btf test that makes it dead code (it
 * did, and the verifier, which drops the branches a .rodata constant
 * decides, keeps every load: the untraced path read the .bss page anyway). */
static __always_inline __s64 pending_now(void)
{
	return *(volatile __s64 *)&pending_tasks;
}

/* Set by user space before loading (.rodata). */
volatile const __u32 cfg_cgroup;  /* 1: trace every task below target_cgroup */
/* 1: sched_process_fork_btf is attached (before sched_process_fork) and
 * gives every child of a traced task its mark at the fork: no pending
 * entries, so sys_enter never reads pending_tasks (see there). */
volatile const __u32 cfg_fork_btf;
/* With cfg_fork_btf: 1, sched_process_fork_btf voids the per-CPU notes
 * itself and the raw_tp fork program is not attached; 0, it does not, and
 * the raw_tp program is attached after it to void them (with bpf_loop).
 * The tp_btf program's loop is verified once per possible CPU (~3.4 us
 * each on the PVM machine: +0.7 ms at 256, +3.6 ms at 1024), so user space
 * sets 1 only up to a bound on the possible CPUs (record_kfunc.go,
 * forkVoidMaxCPUs). */
volatile const __u32 cfg_fork_void;
/* The running kernel's BTF ID of struct task_struct, when user space could
 * resolve the call to bpf_rdonly_cast too (see task_storage_ptr); 0: it
 * could not, and the call is never reached. */
volatile const __u32 cfg_task_btf_id;
volatile const __u32 cfg_exec_nr; /* the native execve's number (59 on x86_64, 221 on aarch64) */
/* With cfg_cgroup: a task found in the cgroup that is not marked yet (user
 * space marks the tasks there at the start; traced tasks' children are
 * marked at fork) joined it from outside, such as a container runtime's
 * `exec` set-up: count it from its next execve only. */
volatile const __u32 cfg_cgroup_exec;
/* 1: sys_enter trusts counts_block.cur (see sys_enter). Only where no
 * task's mark changes but by the task itself, at its exec, fork or exit
 * (a command the tracer starts, not --pid or --cgroup), and with
 * cfg_task_btf_id known. */
volatile const __u32 cfg_prefilter;
/* With cfg_prefilter: 1 (the default), every syscall asks this CPU's note
 * first and untraced tasks are noted too; 0, a task without task storage
 * (untraced) leaves at the task->bpf_storage test before the note is
 * read, and only tasks with storage are noted. User space sets 0 where
 * every syscall flushes the kernel's TLB entries (PTI without PCID): there
 * the note's page is a TLB miss on every syscall of the machine, ~36 ns of
 * BPF run time per untraced syscall against ~0 for the storage test, whose
 * task_struct the syscall entry has just touched (see sys_enter). */
volatile const __u32 cfg_note_first = 1;
/* The possible CPUs (user space sets it): notes_void's loop. */
volatile const __u32 cfg_nr_cpus = 1;
/* --pid: the target's process ID. Its procs entry is not removed at its
 * exit: user space counts the target itself when procs lacks it (idle so
 * far). */
volatile const __u32 cfg_target_tgid;
/* The tracer's PID namespace, set by user space only when it is not the
 * initial one (seccomp-gen in a container, or under unshare --pid): the
 * inode number of its /proc/self/ns/pid (unique on the machine). The
 * process IDs user space hands the programs (the stub it arms, the --pid
 * target) and reads back (an executable's first process, for /proc/TGID)
 * are then that namespace's, not task->tgid, which is the initial
 * namespace's: see tracer_tgid. */
volatile const __u32 cfg_pidns_ino;

/* PID namespaces nest at most 32 deep (MAX_PID_NS_LEVEL). */
#define PIDNS_LEVELS 32

/* The process ID of task as the tracer sees it: task->tgid, or with
 * cfg_pidns_ino the ID its thread group leader has in the tracer's PID
 * namespace, found among the IDs it has (one per level, from the initial
 * namespace down to its own: a task of a namespace nested in the
 * tracer's, as a container run by runc inside a container, has one there
 * too); 0 when it has none there (a task outside the tracer's namespace,
 * which the tracer cannot name). Not bpf_get_ns_current_pid_tgid: that
 * answers for current's own namespace only, 0 for a nested one's task.
 * Called at an exec, an exit and once per process as it starts counting
 * (note_process), never on a counted syscall's path; where cfg_pidns_ino
 * is 0 (a constant to the verifier) the rest is not even loaded. Probe
 * reads, as in note_process_inline. */
static __always_inline __u32 tracer_tgid(struct task_struct *task)
{
	if (!cfg_pidns_ino)
		return BPF_CORE_READ(task, tgid);
	struct pid *p = BPF_CORE_READ(task, group_leader, thread_pid);
	if (!p)
		return 0;
	__u32 level = BPF_CORE_READ(p, level);
#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < PIDNS_LEVELS && i <= level; i++) {
		struct upid up = {};

		if (bpf_core_read(&up, sizeof(up), &p->numbers[i]))
			return 0;
		if (BPF_CORE_READ(up.ns, ns.inum) == cfg_pidns_ino)
			return up.nr;
	}
	return 0;
}

/* Executables (issue 11): the file name each traced execve ran, as
 * exec'd (bprm->filename), with the first tgid that ran it, so that user
 * space can read /proc/TGID/exe for a relative name and hash the file, and
 * the device and inode of the file exec'd, so that it never hashes another
 * file by that name (the host's, when a chroot's process is gone).
 * Written at sched_process_exec, and by user space for the tasks it marks
 * (--pid, --cgroup), never on the syscall hot path. */
#define EXE_PATH_LEN 256

struct exe_path {
	char path[EXE_PATH_LEN];
};

#define NR_EXES 256      /* executables whose syscalls are told apart */
#define NR_EXES_EXEC 192 /* indexes for files exec'd while traced; the rest
                          * are for tasks marked from user space (--pid,
                          * --cgroup), which user space hands out */

struct exe_info {
	__u32 tgid; /* the first process that exec'd it */
	__u32 exe;  /* 1 + its index in exe_syscalls; 0: out of indexes (exe_overflow) */
	/* The file it named then (bprm->file's inode): user space identifies
	 * only a file with this device and inode number. */
	__u64 ino;
	__u32 dev;   /* the kernel's dev_t (MAJOR << 20 | MINOR) */
	__u32 mixed; /* 1: the name was exec'd naming another file too */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct exe_path);
	__type(value, struct exe_info);
} exe_paths SEC(".maps");

/* Per executable, one bit per counts slot: which syscalls tasks running it
 * issued. A bit is set once (a read, then an atomic OR the first time), so
 * the traced hot path adds a lookup and a load. */
struct exe_bits {
	__u64 w[NR_ABIS * NR_SLOTS / 64];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_EXES);
	__type(key, __u32);
	__type(value, struct exe_bits);
} exe_syscalls SEC(".maps");

__u64 exe_overflow; /* executables beyond exe_paths' or exe_syscalls' capacity */
__u32 exe_next;     /* exe_syscalls indexes handed out */
/* With cfg_pidns_ino: the --pid target's task->tgid (its procs key), once
 * it counts (note_process); user space knows its ID in its own namespace
 * only. */
__u32 target_tgid;

/* Note that the task's executable (task_mark.exe) issued counts slot slot. */
static __always_inline void exe_note_syscall(__u32 exe, __u32 slot)
{
	__u32 idx = exe - 1;

	if (!exe || slot >= NR_ABIS * NR_SLOTS)
		return;
	struct exe_bits *b = bpf_map_lookup_elem(&exe_syscalls, &idx);
	if (!b)
		return;
	__u64 bit = 1ULL << (slot & 63);
	__u64 *w = &b->w[slot >> 6];
	if (!(*w & bit))
		__sync_fetch_and_or(w, bit);
}

/* note_process and note_first are functions of their own (static: verified
 * at each call as if inlined) for sys_enter's stack: with their buffers in
 * its frame it was 56 bytes, which the kernel rounds up to 64, and from 64
 * bytes on (BPF_PRIV_STACK_MIN_SIZE, Linux 6.13) a raw tracepoint program
 * runs on a private per-CPU stack: the x86 JIT then computes its frame
 * pointer from a per-CPU offset at every run and saves it around every
 * helper call. With 16 bytes left it runs on the kernel stack. Measured
 * against the private stack in the same rounds (15 paired rounds, `make
 * bench`'s body windows): untraced body -2.7 ns, traced -1.3 ns (issue 13).
 * Keep sys_enter's own frame under 64 bytes: bpftool prog dump jited shows
 * "sub $0x..,%rsp" in its prologue, not a movabs and a %gs add. */
static __always_inline void note_process_inline(struct task_struct *task)
{
	struct proc_key k = {};
	__u8 one = 1;
	long err;

	/* Probe reads, also from a trusted task: loading a pointer field
	 * (group_leader) from a trusted pointer makes the verifier look up
	 * task_struct's "__safe_trusted" types by name, a linear scan of the
	 * kernel's BTF (see the hot path's comment; in sched_process_fork_btf
	 * that one load was ~1.5 ms of its ~1.9 ms verification on the PVM
	 * machine, on the start's critical path, issue 13). A new process is
	 * rare: the helper calls cost it nothing it shows. */
	k.tgid = BPF_CORE_READ(task, tgid);
	k.start_time = BPF_CORE_READ(task, group_leader, start_time);
	err = bpf_map_update_elem(&procs, &k, &one, BPF_NOEXIST);
	/* procs is full: the process is counted once, by its leader (the
	 * thread whose ID is the process's), not once per thread. A process
	 * whose leader never counts in a trace (--pid or --cgroup adopting a
	 * process whose main thread makes no syscall while its others do) is
	 * then not counted; one that finds room later is counted twice. */
	if (err && err != -17 /* EEXIST */ && BPF_CORE_READ(task, pid) == k.tgid)
		__sync_fetch_and_add(&procs_overflow, 1);
}

/* Every caller's task is current (a syscall or an exec of its own): the
 * fork notes its child with note_process_inline. */
static __noinline void note_process(struct task_struct *task)
{
	note_process_inline(task);
	if (cfg_pidns_ino && cfg_target_tgid && tracer_tgid(task) == cfg_target_tgid)
		target_tgid = BPF_CORE_READ(task, tgid);
}

/* At a counting task's exit: when its whole thread group is exiting (no
 * thread left that could start counting and note it again), the process
 * leaves procs and is counted in procs_done. Two threads may both see the
 * group dead; the delete succeeds for one. */
static __always_inline void forget_process(struct task_struct *task)
{
	struct proc_key k = {};

	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return;
	if (cfg_target_tgid && tracer_tgid(task) == cfg_target_tgid)
		return;
	k.tgid = BPF_CORE_READ(task, tgid);
	k.start_time = BPF_CORE_READ(task, group_leader, start_time);
	if (!bpf_map_delete_elem(&procs, &k))
		__sync_fetch_and_add(&procs_done, 1);
}

static __always_inline void start_counting(struct task_mark *m, struct task_struct *task)
{
	if (m->state == TASK_COUNTING)
		return;
	m->state = TASK_COUNTING;
	__sync_fetch_and_add(&live_tasks, 1);
	note_process(task);
}

/* Syscall numbers beyond the slots (a program's syscall(-1) or
 * syscall(5000) probe: no syscall has them, the kernel answers ENOSYS, and a
 * profile's default action answers them), per ABI and number as seccomp
 * sees it (32 bits, x32's bit kept), with the first caller's comm. They
 * were counted as lost, which made such a run's trace incomplete for good.
 * A few distinct numbers at most: beyond max_entries they are lost. */
struct beyond_key {
	__u32 abi;
	__u32 nr;
};

struct beyond_count {
	__u64 count;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct beyond_key);
	__type(value, struct beyond_count);
} beyond SEC(".maps");

/* Counts a syscall number beyond the slots (see beyond). A global function:
 * verified once, on its own, and reached only by such numbers. */
__noinline int count_beyond(__u32 abi, __u32 nr)
{
	struct beyond_key k = {.abi = abi, .nr = nr};
	struct beyond_count *c = bpf_map_lookup_elem(&beyond, &k);

	if (!c) {
		struct beyond_count v = {};

		bpf_get_current_comm(&v.comm, sizeof(v.comm));
		bpf_map_update_elem(&beyond, &k, &v, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&beyond, &k);
		if (!c) {
			__sync_fetch_and_add(&lost, 1);
			return 0;
		}
	}
	__sync_fetch_and_add(&c->count, 1);
	return 0;
}

/* Remember the comm of the first task that issued slot, unless another CPU
 * (or sched_process_exec) was first. */
static __noinline void note_first(__u32 slot)
{
	struct comm v = {};

	bpf_get_current_comm(&v.comm, sizeof(v.comm));
	bpf_map_update_elem(&first, &slot, &v, BPF_NOEXIST);
}

/* A new value for (slot, index): store it unless cfg_arg_distinct are stored.
 * Two CPUs may both store one past the bound: it is a bound on memory, not
 * a promise; user space sets Overflow from argstate. */
__noinline int record_new_arg(struct arg_key *k)
{
	if (!k)
		return 0;
	struct arg_slot s = {.slot = k->slot, .index = k->index};
	struct arg_state *st = bpf_map_lookup_elem(&argstate, &s);
	__u8 one = 1;

	if (!st) {
		struct arg_state zero = {};
		if (bpf_map_update_elem(&argstate, &s, &zero, BPF_NOEXIST) && bpf_map_lookup_elem(&argstate, &s) == 0) {
			__sync_fetch_and_add(&args_lost, 1);
			return 0;
		}
		st = bpf_map_lookup_elem(&argstate, &s);
		if (!st) {
			__sync_fetch_and_add(&args_lost, 1);
			return 0;
		}
	}
	if (st->n >= cfg_arg_distinct) {
		st->overflow = 1;
		return 0;
	}
	if (bpf_map_update_elem(&argvals, k, &one, BPF_NOEXIST) == 0)
		__sync_fetch_and_add(&st->n, 1);
	else if (!bpf_map_lookup_elem(&argvals, k))
		st->overflow = 1; /* argvals is full */
	return 0;
}

/* Which values of two arguments went together (ARGMASK_PAIR): socket's
 * domain and type, a socket option's level and optname, whose rules allow
 * pairs of values (reduce.ArgSpecs' Pair). One more argvals key per call,
 * {slot, ARG_PAIR_INDEX, (u64)(u32)first << 32 | (u32)second}, first and
 * second being the two lowest arguments mask records, bounded and counted
 * in argstate as an argument is (record_new_arg), raw as the registers
 * hold them (user space masks each half as it masks the argument).
 *
 * Why it is shaped so: a function of its own, global, so that the verifier
 * checks it once, alone, and record_args (and with it sys_enter) keeps the
 * states it had; record_args calls it only for a slot user space marked,
 * so no other syscall pays anything, not even a test in count_in. It reads
 * the two registers again rather than taking the values record_args read:
 * carrying a value through record_args' loop multiplies the verifier's
 * states there (see record_args: 1572 against 2096 instructions for the
 * one condition it carries), while two more probe reads cost a socket or
 * setsockopt call some tens of ns, once per call. The halves are 32 bits:
 * the four arguments it pairs are ints, of which the kernel reads the low
 * 32 bits, and one key of 64 bits keeps argvals' layout. No loop and no
 * switch: the two indexes come from the mask's two lowest bits without a
 * branch (bit_index), and the registers' offsets from a small table. With
 * it, sys_enter verifies in 1547 processed instructions instead of 1420
 * (112 states instead of 105); a first version, a loop over the six
 * arguments calling syscall_arg, took 2064, and the same with
 * syscall_arg's switch at two variable indexes 1766. */
/* The index of b's one set bit (b one of 1, 2, ..., 32), without a
 * branch: clang has no cttz for BPF, and every branch would be one more
 * path for the verifier to walk. (x + 63) >> 6 is 1 for x in 1..64, 0 for
 * 0. */
static __always_inline int bit_index(__u32 b)
{
	return ((b & 0x2a) + 63) >> 6 | (((b & 0x0c) + 63) >> 6) << 1 | (((b & 0x30) + 63) >> 6) << 2;
}

/* The registers' CO-RE offsets by argument index (6 and 7 as 5: an index
 * masked with 7, a bound the verifier sees, reads them), for a read at a
 * variable index: one branch for the ABI instead of a switch on the index
 * (syscall_arg's, gone), whose twelve paths the verifier walked for every
 * index. __u16: the frame stays small. */
static __always_inline void arg_offsets(__u16 off[8], __u32 abi)
{
#if defined(__TARGET_ARCH_x86)
	if (abi == ABI_COMPAT) {
		off[0] = bpf_core_field_offset(struct pt_regs, bx);
		off[1] = bpf_core_field_offset(struct pt_regs, cx);
		off[2] = bpf_core_field_offset(struct pt_regs, dx);
		off[3] = bpf_core_field_offset(struct pt_regs, si);
		off[4] = bpf_core_field_offset(struct pt_regs, di);
		off[5] = bpf_core_field_offset(struct pt_regs, bp);
	} else {
		off[0] = bpf_core_field_offset(struct pt_regs, di);
		off[1] = bpf_core_field_offset(struct pt_regs, si);
		off[2] = bpf_core_field_offset(struct pt_regs, dx);
		off[3] = bpf_core_field_offset(struct pt_regs, r10);
		off[4] = bpf_core_field_offset(struct pt_regs, r8);
		off[5] = bpf_core_field_offset(struct pt_regs, r9);
	}
#elif defined(__TARGET_ARCH_arm64)
	off[0] = bpf_core_field_offset(struct pt_regs, orig_x0);
	for (int k = 1; k < 6; k++)
		off[k] = bpf_core_field_offset(struct pt_regs, regs) + k * sizeof(__u64);
#endif
	off[6] = off[7] = off[5];
}

__noinline int record_pair(__u64 regs_addr, __u32 slot, __u32 abi, __u32 mask)
{
	struct pt_regs *regs = (struct pt_regs *)regs_addr;
	__u32 m = mask & 0x3f;
	__u16 off[8];
	__u64 a = 0, b = 0;

	if (!m || !(m & (m - 1)))
		return 0; /* fewer than two arguments */
	arg_offsets(off, abi);
	int i = bit_index(m & -m);
	m &= m - 1;
	int j = bit_index(m & -m);
	bpf_probe_read_kernel(&a, sizeof(a), (void *)regs + off[i & 7]);
	bpf_probe_read_kernel(&b, sizeof(b), (void *)regs + off[j & 7]);
	struct arg_key k = {.slot = slot, .index = ARG_PAIR_INDEX, .value = (__u64)(__u32)a << 32 | (__u32)b};
	if (!bpf_map_lookup_elem(&argvals, &k))
		record_new_arg(&k);
	return 0;
}

/* Record argument i (0-5) of the syscall in regs_addr's registers; says
 * whether its low 32 bits are cfg_when_value (record_args' condition).
 * Global, so that the verifier checks it once for any i, rather than
 * record_args' loop walking a read per index (see arg_offsets). */
__noinline int record_arg(__u64 regs_addr, __u32 slot, __u32 abi, __u32 i)
{
	__u16 off[8];
	__u64 v = 0;

	arg_offsets(off, abi);
	bpf_probe_read_kernel(&v, sizeof(v), (void *)regs_addr + off[i & 7]);
	struct arg_key k = {.slot = slot, .index = i, .value = v};
	if (!bpf_map_lookup_elem(&argvals, &k))
		record_new_arg(&k);
	return (__u32)v == cfg_when_value;
}

/* Record the arguments mask names (bit i: argument i) of a syscall; with
 * ARGMASK_WHEN, argument cfg_when_arg only when its condition holds on
 * argument cfg_when_on, which user space makes a recorded argument before
 * it (read once: no second probe read; a failed condition clears the later
 * argument's bit). Kept in the mask rather than a saved value: that way
 * sys_enter verified in 1572 instructions instead of 2096 (0.76 ms instead
 * of 1.03, `make bench`, "Program verification"; issue 13's start). */
__noinline int record_args(__u64 regs_addr, __u32 slot, __u32 abi, __u32 mask)
{
	for (__u32 i = 0; i < 6; i++) {
		if (!(mask & (1U << i)))
			continue;
		int holds = record_arg(regs_addr, slot, abi, i);
		/* The condition fails: the conditional argument (a later one)
		 * is not read. The mask, not a saved value, carries it, so
		 * that the verifier's states stay few. */
		if ((mask & ARGMASK_WHEN) && i == cfg_when_on && !holds)
			mask &= ~(1U << (cfg_when_arg & 31));
	}
	if (mask & ARGMASK_PAIR)
		record_pair(regs_addr, slot, abi, mask);
	return 0;
}

/* Counts the syscall of a task that runs executable exe (task_mark.exe),
 * in this CPU's counts_block b. */
static __always_inline void count_in(struct counts_block *b, struct task_struct *task, __u64 nr, struct pt_regs *regs, __u32 exe)
{
	__u32 abi = ABI_NATIVE, seen = (__u32)nr; /* as seccomp sees it */

#if defined(__TARGET_ARCH_x86)
	/* task is a BTF pointer (trusted, or untrusted from cpu_task): a
	 * direct (CO-RE relocated) load, no bpf_probe_read_kernel call. */
	/* The ABI without a branch: with one, each of the three ABIs' paths
	 * (their abi and nr differ) made the verifier walk the rest of
	 * count_in once more, in both places sys_enter inlines it (see the
	 * top of the file: 1831 against 1147 instructions processed). The
	 * asm keeps clang from turning x32 back into a select, which the BPF
	 * backend emits as a branch. */
	__u32 compat = (task->thread_info.status & TS_COMPAT) / TS_COMPAT;
	/* x32, as the filters runc loads decide it (abi.IsX32Nr): the bit
	 * set, not a compat task, and not -1 (tested against the native
	 * ABI's rules). seen + 1 is 0 only for -1: adding 2^32 - 1 carries
	 * into bit 32 for every other value. */
	__u32 x32 = (seen / X32_SYSCALL_BIT) & (((__u64)(__u32)(seen + 1) + 0xffffffffULL) >> 32) & (compat ^ 1) & 1;
	asm volatile("" : "+r"(x32));
	abi = compat | x32 << 1;
	__u64 pick = -(__u64)x32;
	nr = (nr & ~pick) | ((__u64)(seen & ~(__u32)X32_SYSCALL_BIT) & pick);
#elif defined(__TARGET_ARCH_arm64)
	__u64 pstate = BPF_CORE_READ(regs, pstate);
	if ((pstate & (PSR_MODE32_BIT | PSR_MODE_MASK)) == (PSR_MODE32_BIT | PSR_MODE_EL0t)) {
		abi = ABI_COMPAT;
		if (nr >= ARM_PRIVATE_BASE && nr < ARM_PRIVATE_BASE + ARM_PRIVATE_SLOTS)
			nr = NR_SLOTS - ARM_PRIVATE_SLOTS + (nr - ARM_PRIVATE_BASE);
		else if (nr >= NR_SLOTS - ARM_PRIVATE_SLOTS)
			nr = ~0ULL; /* would collide with the private slots */
	}
#endif
	if (nr >= NR_SLOTS) {
		count_beyond(abi, seen);
		return;
	}
	__u32 slot = abi * NR_SLOTS + (__u32)nr;
	if (slot >= NR_ABIS * NR_SLOTS) {
		__sync_fetch_and_add(&lost, 1);
		return;
	}
	__u64 *c = &b->n[slot];
	/* A plain increment of this CPU's counter, no locked instruction: only
	 * sys_enter writes counts, and the kernel never runs one program twice
	 * at once on a CPU (a nested run is skipped and counted as a recursion
	 * miss, which user space adds to lost), so nothing can come between
	 * this load and store.
	 * The executable's bit is set once per (executable, slot) for good,
	 * so a CPU that noted this one for the slot last need not look again:
	 * the counter's top bits say which it noted last (see counts), no
	 * lookup in exe_syscalls and no test of the bit (~1 ns, issue 13), and
	 * no other page than the counter's. Exact: the bit is set before the
	 * counter says so, on this CPU. */
	__u64 v = *c;
	if (exe && (v >> COUNT_BITS) != exe) {
		exe_note_syscall(exe, slot);
		v = (v & COUNT_MASK) | ((__u64)exe << COUNT_BITS);
	}
	*c = v + 1;
	if (!(v & COUNT_MASK))
		note_first(slot); /* first time on this CPU */
	__u32 am = cfg_argmask[slot];
	if (am)
		record_args((__u64)regs, slot, abi, am);
}

/* This CPU's counts_block: counts' element of the CPU's number (see
 * counts). The CPU cannot change while the program runs (migration is
 * off around every BPF program run): the same guarantee that a per-CPU
 * map's lookup, this CPU's pointer, relies on. */
static __always_inline struct counts_block *counts_here(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&counts, &cpu);
}

/* take_pending removes tid's entry from pending and gives it; 0 when there
 * is none. Only the task itself consumes its entry (at its first syscall or
 * at its exit), so the delete cannot fail but for a bug. */
static __always_inline int take_pending(__u32 tid, struct pending_task *p)
{
	struct pending_task *pp = bpf_map_lookup_elem(&pending, &tid);

	if (!pp)
		return 0;
	*p = *pp;
	if (bpf_map_delete_elem(&pending, &tid))
		return 0;
	__sync_fetch_and_add(&pending_tasks, -1);
	return 1;
}

/* A pending task (see pending) takes its mark. */
static __always_inline struct task_mark *adopt(struct task_struct *task)
{
	__u32 tid = task->pid;
	struct pending_task p;

	if (!take_pending(tid, &p))
		return 0;
	struct task_mark *m = bpf_task_storage_get(&tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!m) {
		if (p.state == TASK_COUNTING) {
			/* A traced task we cannot follow: its syscalls will be missing. */
			__sync_fetch_and_add(&lost, 1);
			__sync_fetch_and_add(&live_tasks, -1);
		}
		return 0;
	}
	m->state = p.state;
	if (p.exe)
		m->exe = p.exe; /* the parent's executable */
	if (p.state == TASK_COUNTING)
		note_process(task); /* counted in live_tasks at the fork */
	return m;
}

/* A task that user space marked (--pid: a thread or descendant of the target
 * found in /proc) may also have been forked by a traced task in the meantime:
 * user space can see a new task in /proc before sched_process_fork fires, and
 * then both marks exist. The fork's pending entry wins, since the fork
 * counted the task in live_tasks already; counting it again at its first
 * syscall would keep live_tasks above 0 forever. Returns 1 when the task
 * took its pending entry and is counting now. */
static __always_inline int adopt_marked(struct task_mark *m, struct task_struct *task)
{
	__u32 tid = task->pid;
	struct pending_task p;

	if (!take_pending(tid, &p))
		return 0;
	if (p.state != TASK_COUNTING)
		return 0; /* not counted at the fork: count it as marked */
	m->state = TASK_COUNTING;
	if (p.exe)
		m->exe = p.exe;
	note_process(task);
	return 1;
}

/* bpf_rdonly_cast (a kfunc since Linux 6.2): obj as the kernel struct of
 * BTF ID btf_id (a constant), an untrusted pointer; the verifier turns the
 * call into a register move. User space resolves the call itself, with
 * vmlinux BTF IDs it caches per boot (trace/recorder/record_btf.go,
 * bpf.UseKernelIDs): cilium/ebpf would decode all of the kernel's BTF for
 * it at every start. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/* task->bpf_storage, NULL unless a task storage map has an element for the
 * task. Read through an untrusted view of task when user space resolved
 * bpf_rdonly_cast: a pointer field loaded from a trusted pointer (task, from
 * bpf_get_current_task_btf) makes the verifier look up
 * "task_struct__safe_trusted" and its kin by name, a linear scan of the
 * kernel's BTF, at every such load (see the hot path's comment); from an
 * untrusted one it does not. cfg_task_btf_id is a known constant to the
 * verifier, which checks (and keeps) one branch only: the other may hold a
 * kfunc call it could not resolve. The volatile keeps clang from merging
 * the two loads into one through a computed address (two instructions more
 * on the hot path). */
static __always_inline void *task_storage_ptr(struct task_struct *task, __u32 id)
{
	if (__builtin_expect(id != 0, 1)) {
		struct task_struct *t = bpf_rdonly_cast(task, id);
		return *(void *volatile *)&t->bpf_storage;
	}
	return task->bpf_storage;
}

/* The 8 bytes at kernel address addr, 0 if they cannot be read. A load
 * through an untrusted pointer (see task_storage_ptr) is a BPF_PROBE_MEM
 * load: a fault gives 0, and the x86 JIT gives 0 for a user-space address
 * (NULL among them) without loading. The verifier checks such a load
 * against the kernel type the pointer has (a scalar field of that size at
 * that offset), not the memory, so the view is the one kernel type whose
 * BTF ID user space knows, task_struct, placed at addr: its first 8 bytes
 * are thread_info.flags, an unsigned long, on x86_64 and arm64 (with
 * THREAD_INFO_IN_TASK, which both always have, thread_info must come
 * first: current_thread_info() is current cast). No CO-RE offset, so no
 * instruction to cancel it. */
static __always_inline __u64 kernel_u64(__u64 addr, __u32 id)
{
	return *(volatile __u64 *)bpf_rdonly_cast((void *)addr, id);
}

/* The task's mark read with plain loads, as bpf_task_storage_get's fast
 * path finds it (bpf_local_storage_lookup's cache hit), without the
 * helper call: storage (task->bpf_storage, not NULL) caches a pointer to
 * each map's element (struct bpf_local_storage_data: the map, then the
 * value, 8-byte aligned) in cache[smap->cache_idx], a slot it may share
 * with other task storage maps. Returns 0 when the slot holds no element
 * of tasks (empty, or another map's): the caller asks the helper then,
 * which also finds an element the cache misses.
 *
 * Exact, and safe: the program runs under rcu_read_lock (every raw
 * tracepoint program does) and the helper reads the same pointers the same
 * way (rcu_dereference of the slot, then sdata->smap compared with the
 * map), with no lock either. The loads depend on each other by address,
 * which orders them on every architecture (what rcu_dereference needs). An
 * element leaves the slot (cleared under the storage's lock) before it is
 * freed, and is freed after an RCU grace period (bpf_selem_free, reuse_now
 * false: a delete, or an update that replaces it), so a slot read inside
 * this RCU read section points to an element that is either the task's
 * current one or one that was just replaced and is not reused yet: the
 * helper could have returned it too. Elements are reused at once (reuse_now)
 * only when their task is freed (not current, which is running) or their
 * map is (not tasks, which this program holds). The busy counter of the
 * raw tracepoints' helper (bpf_task_storage_get_recur) guards the storage
 * lock taken to create or re-cache an element, and a read takes neither.
 * The kernel's structs are read through untrusted pointers, so even a
 * layout this does not expect could give a wrong answer, never a fault;
 * every offset and the cache's size are CO-RE relocations against the
 * running kernel's structs (bpf_local_storage_map.cache_idx,
 * bpf_local_storage.cache, bpf_local_storage_data.smap and .data), so a
 * kernel that moves them is read where it keeps them. */
static __always_inline int task_mark_cached(void *storage, __u32 id, struct task_mark *out)
{
	__u32 idx = ((struct bpf_local_storage_map *)&tasks)->cache_idx;

	if (idx >= bpf_core_field_size(struct bpf_local_storage, cache) / sizeof(void *))
		return 0;
	__u64 sdata = kernel_u64((__u64)storage + bpf_core_field_offset(struct bpf_local_storage, cache) + idx * sizeof(void *), id);
	if (!sdata || kernel_u64(sdata + bpf_core_field_offset(struct bpf_local_storage_data, smap), id) != (__u64)&tasks)
		return 0;
	__u64 v = kernel_u64(sdata + bpf_core_field_offset(struct bpf_local_storage_data, data), id);
	out->state = (__u32)v;
	out->exe = (__u32)(v >> 32);
	return 1;
}

/* The per-CPU note (cpu_task, with cfg_prefilter; issue 13). Most
 * syscalls come from the task that made the previous one on the same CPU,
 * so sys_enter notes per CPU what it found out about the task it looked
 * up (traced and counting with executable exe, or not traced) and answers
 * the next syscall from the note when it comes from the same task: one
 * inlined lookup (counts' element of this CPU, which the counter needs
 * anyway) and two loads, no helper call (bpf_get_current_task_btf is
 * not inlined on x86 as of 6.18), no load from the task or its storage.
 *
 * Which task: the tracepoint's first argument, the task's pt_regs at the
 * top of its kernel stack, fixed for the task's life and no other live
 * task's. A task that has exited may leave a note behind on any CPU, and
 * a new task that reuses its stack has its pt_regs address. Hence
 * notes_void, which voids every CPU's note whenever one could say
 * something false:
 *   - a traced task forks (sched_process_fork, before the child can run):
 *     the child may reuse the stack of an untraced task that exited;
 *   - a traced task exits (sched_process_exit): an untraced task may
 *     reuse its stack;
 *   - a traced task execs (sched_process_exec): it is marked now (the
 *     command's start) or runs another executable.
 * Nothing else changes a task's answer where cfg_prefilter is set: the
 * tracer starts the command, whose tasks take their marks at their exec
 * or their first syscall (pending) and change them at exec and exit only;
 * --pid and --cgroup mark running tasks from outside and keep the full
 * lookup on every syscall (cfg_prefilter 0). So the rest of the machine
 * never voids a note; a traced workload that forks a lot makes other
 * tasks look themselves up once more after each fork, and pays a loop
 * over the CPUs per fork, exec and exit (a helper call and a store per
 * CPU). A note another CPU makes meanwhile is for a task that none of
 * these events concerns (each runs in the task it concerns, or before the
 * child can run), so it may stand; a void that lands between that note's
 * stores only voids it (its address is stored last). A loop rather than a
 * generation counter that every note would be compared with: that was a
 * load and a compare more on every syscall, from a shared cache line.
 *
 * Not a sched_switch program keeping the running task per CPU (no cost to
 * any syscall at all): tried first, and on this project's test machines
 * the tracepoint does not fire for some switches away from some tasks, so
 * a traced task ran under another task's note and lost counts (lost 0;
 * found by the bench's exact getpid counts and an 8-thread storm).
 *
 * note_cpu_task notes what sys_enter found out about task, whose pt_regs
 * the tracepoint passed (ctx->args[0]): mode and exe. */
static __always_inline void note_cpu_task(struct bpf_raw_tracepoint_args *ctx, struct task_struct *task, __u32 mode, __u32 exe)
{
	if (!cfg_prefilter || !cfg_task_btf_id)
		return;
	struct counts_block *b = counts_here();
	if (!b)
		return;
	b->cur.task = (__u64)task;
	b->cur.mode = mode;
	b->cur.exe = exe;
	b->cur.regs = ctx->args[0];
}

static long void_note(__u32 cpu, void *unused)
{
	struct counts_block *b = bpf_map_lookup_elem(&counts, &cpu);

	if (!b)
		return 1; /* past the last CPU */
	b->cur.regs = 0;
	return 0;
}

/* Every CPU's note is void from now on (see note_cpu_task). */
static __always_inline void notes_void(void)
{
	if (cfg_prefilter)
		bpf_loop(cfg_nr_cpus, void_note, 0, 0);
}

SEC("raw_tp/sys_enter")
int sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct counts_block *b;
	__u32 id = cfg_task_btf_id, exe;

	if (cfg_prefilter && id && cfg_note_first) {
		/* The same task as this CPU's last lookup, and nothing that
		 * could change the answer since (see note_cpu_task): no helper
		 * call, no load from the task. */
		b = counts_here();
		if (!b)
			return 0;
		if (b->cur.regs == ctx->args[0]) {
			if (b->cur.mode == CPU_SKIP)
				return 0;
			count_in(b, bpf_rdonly_cast((void *)b->cur.task, id), ctx->args[1], (struct pt_regs *)ctx->args[0], b->cur.exe);
			return 0;
		}
	}

	struct task_struct *task = bpf_get_current_task_btf();
	struct task_mark *m = 0;
	struct task_mark cached;

	/* Untraced, the common case: a task that no task storage map has an
	 * element for (ours or anyone's) has no local storage at all. One load
	 * instead of the bpf_task_storage_get call, and exactly as precise:
	 * a traced task got its mark before its first counted syscall (or
	 * takes it now, from pending), and the mark stays until the task is
	 * freed. --cgroup must look at every task. */
	void *storage = task_storage_ptr(task, id);
	if (!storage) {
		if (!cfg_cgroup && (cfg_fork_btf || !pending_now())) {
			if (cfg_note_first)
				note_cpu_task(ctx, task, CPU_SKIP, 0);
			return 0;
		}
	} else if (cfg_prefilter && id && !cfg_note_first) {
		/* The note after the storage test (cfg_note_first 0): only
		 * tasks with storage get here, and are noted. */
		b = counts_here();
		if (!b)
			return 0;
		if (b->cur.regs == ctx->args[0]) {
			if (b->cur.mode == CPU_SKIP)
				return 0;
			count_in(b, task, ctx->args[1], (struct pt_regs *)ctx->args[0], b->cur.exe);
			return 0;
		}
	}
	if (storage && id && task_mark_cached(storage, id, &cached) && cached.state == TASK_COUNTING) {
		/* Traced and counting, the common case of a traced task: its
		 * mark read from the storage's cache without the helper. */
		exe = cached.exe;
		goto counting;
	}
	if (cfg_cgroup || storage)
		m = bpf_task_storage_get(&tasks, task, 0, 0);
	if (!m && !cfg_fork_btf && pending_now())
		m = adopt(task);
	if (!m) {
		/* Untraced: leave now. */
		if (!cfg_cgroup) {
			if (cfg_note_first || storage)
				note_cpu_task(ctx, task, CPU_SKIP, 0);
			return 0;
		}
		if (bpf_current_task_under_cgroup(&target_cgroup, 0) != 1)
			return 0;
		m = bpf_task_storage_get(&tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!m) {
			__sync_fetch_and_add(&lost, 1);
			return 0;
		}
		if (cfg_cgroup_exec) {
			if (m->state == 0)
				m->state = TASK_EXEC_WAIT;
			return 0;
		}
		start_counting(m, task);
	}
	if (m->state != TASK_COUNTING) {
		if (m->state != TASK_USER_MARKED) {
			note_cpu_task(ctx, task, CPU_SKIP, 0);
			return 0;
		}
		if (!(!cfg_fork_btf && pending_now() && adopt_marked(m, task)))
			start_counting(m, task);
	}
	exe = m->exe;
counting:
	/* --cgroup counts what runs in the cgroup: a traced task that moved
	 * out (a supervisor moving a worker to a sibling cgroup), and its
	 * children forked there, keep their mark but are not counted while
	 * outside (again once back in). One helper call per traced syscall,
	 * in that mode only (cfg_cgroup is a constant to the verifier). */
	if (cfg_cgroup && bpf_current_task_under_cgroup(&target_cgroup, 0) != 1)
		return 0;
	b = counts_here();
	if (!b) {
		__sync_fetch_and_add(&lost, 1);
		return 0;
	}
	note_cpu_task(ctx, task, CPU_COUNT, exe);
	count_in(b, task, ctx->args[1], (struct pt_regs *)ctx->args[0], exe);
	return 0;
}

/* The mark a traced task's new thread or process takes at the fork, from
 * its parent's mark pm, or 0 for none: the tracer's new threads are the
 * tracer (ignored), its new processes (workloads it starts) are judged on
 * their own; a counting or user-marked parent's child counts. */
static __always_inline __u32 fork_state(const struct task_mark *pm, int same_process)
{
	if (pm->state == TASK_IGNORED)
		return same_process ? TASK_IGNORED : 0;
	if (pm->state == TASK_COUNTING || pm->state == TASK_USER_MARKED)
		return TASK_COUNTING;
	return 0;
}

SEC("raw_tp/sched_process_fork")
int sched_process_fork(struct bpf_raw_tracepoint_args *ctx)
{
	/* It fires in the parent (args[0] is current), before the child
	 * (args[1], an untyped pointer here) first runs. */
	struct task_struct *parent = bpf_get_current_task_btf();
	struct task_struct *child = (struct task_struct *)ctx->args[1];

	/* No task->bpf_storage pre-check here, unlike sys_enter: a fork is
	 * rare next to a syscall and the helper call costs it ~20 ns. From the
	 * trusted task the load took ~1.1 ms of this program's verification
	 * (see the hot path's comment); task_storage_ptr would not, but saves
	 * nothing a fork shows. */
	struct task_mark *pm = bpf_task_storage_get(&tasks, parent, 0, 0);
	struct pending_task p = {};
	__u32 state;

	if (!pm)
		return 0;
	state = fork_state(pm, BPF_CORE_READ(child, tgid) == parent->tgid);
	if (!state)
		return 0;
	if (cfg_fork_btf) {
		/* sched_process_fork_btf, attached before this program, gave
		 * the child its mark (or could not: it counted it lost), and
		 * does not void the notes (cfg_fork_void 0). */
		notes_void();
		return 0;
	}
	__u32 tid = BPF_CORE_READ(child, pid);
	p.state = state;
	if (state == TASK_COUNTING)
		p.exe = pm->exe; /* the child runs its parent's executable */
	if (bpf_map_update_elem(&pending, &tid, &p, BPF_NOEXIST)) {
		if (state == TASK_COUNTING)
			__sync_fetch_and_add(&lost, 1); /* a task we cannot follow */
		return 0;
	}
	if (state == TASK_COUNTING)
		__sync_fetch_and_add(&live_tasks, 1);
	__sync_fetch_and_add(&pending_tasks, 1);
	/* Before the child can run: its stack may be an untraced task's
	 * that exited. */
	notes_void();
	return 0;
}

/* Every CPU's note is void from now on, as notes_void, without bpf_loop:
 * for sched_process_fork_btf, whose load has no BTF function information
 * (which a bpf_loop callback needs). A loop bounded by cfg_nr_cpus, a
 * constant to the verifier (.rodata is frozen before the load), which
 * walks it once per possible CPU: hence cfg_fork_void. */
static __always_inline void notes_void_inline(void)
{
	if (!cfg_prefilter || !cfg_fork_void)
		return;
	for (__u32 cpu = 0; cpu < cfg_nr_cpus; cpu++) {
		struct counts_block *b = bpf_map_lookup_elem(&counts, &cpu);

		if (!b)
			break;
		b->cur.regs = 0;
	}
}

/* The child's mark, from its parent's mark pm and the state it takes
 * (fork_state, not 0); see sched_process_fork_btf. */
static __always_inline void mark_child(struct task_struct *child, struct task_mark *pm, __u32 state)
{
	/* User space (--pid) may have marked the child already, having seen
	 * it in /proc before this fired: the fork's mark wins (see
	 * adopt_marked). */
	struct task_mark *cm = bpf_task_storage_get(&tasks, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!cm) {
		if (state == TASK_COUNTING)
			__sync_fetch_and_add(&lost, 1); /* a task we cannot follow */
		return;
	}
	if (cm->state == TASK_COUNTING || cm->state == TASK_IGNORED)
		return;
	cm->state = state;
	if (state != TASK_COUNTING)
		return;
	if (pm->exe)
		cm->exe = pm->exe; /* the child runs its parent's executable */
	__sync_fetch_and_add(&live_tasks, 1);
	/* The child's process (a new one, or its parent's for a thread);
	 * inline: this program makes no calls. */
	note_process_inline(child);
}

/* The fork as a BTF-enabled raw tracepoint (tp_btf): the child comes as a
 * trusted task pointer, so the parent's program can create the child's
 * mark itself, where sched_process_fork (raw_tp) leaves it in pending for
 * the child to take. With it (cfg_fork_btf) a task without task storage
 * is untraced for certain, and sys_enter's untraced exit reads nothing
 * but the task's storage pointer: pending_tasks, on the .bss page, was a
 * page walk on every syscall of the machine where each syscall flushes
 * the TLB (see the hot path's comment). User space loads this program
 * itself (record_forkbtf.go: cilium/ebpf would decode all of the kernel's
 * BTF to find the attach target); with cfg_fork_void the raw_tp program
 * is then neither loaded nor attached (one program load, one attach and
 * one detach less per trace: a tracepoint's attach and detach patch kernel
 * text on every CPU), else it is attached after this one and voids the
 * notes. No calls here (bpf_loop's callback among them), for the lack of
 * BTF function information in that load. */
SEC("tp_btf/sched_process_fork")
int sched_process_fork_btf(__u64 *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx[0];
	struct task_struct *child = (struct task_struct *)ctx[1];
	struct task_mark *pm = bpf_task_storage_get(&tasks, parent, 0, 0);
	__u32 state;

	if (!pm)
		return 0;
	state = fork_state(pm, child->tgid == parent->tgid);
	if (!state)
		return 0;
	mark_child(child, pm, state);
	/* Before the child can run: its stack may be an untraced task's
	 * that exited (see note_cpu_task). */
	notes_void_inline();
	return 0;
}

/* Note the file a traced task just exec'd in exe_paths (see there). */
/* Note the file a traced task just exec'd in exe_paths (see there).
 * Returns 1 when the task is traced (counting). */
static __always_inline int note_exec(struct bpf_raw_tracepoint_args *ctx, struct task_struct *task)
{
	struct exe_path k = {};
	struct exe_info v = {};
	struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
	const char *name;
	long err;

	/* No task->bpf_storage pre-check: an exec is rare (see
	 * sched_process_fork and the hot path's comment). */
	struct task_mark *m = bpf_task_storage_get(&tasks, task, 0, 0);
	if (!m || m->state != TASK_COUNTING)
		return 0;
	if (cfg_cgroup && bpf_current_task_under_cgroup(&target_cgroup, 0) != 1) {
		/* Outside the cgroup (see sys_enter): not an executable of the
		 * trace; what it runs if it comes back is not known. */
		m->exe = 0;
		return 1;
	}
	name = BPF_CORE_READ(bprm, filename);
	if (bpf_probe_read_kernel_str(k.path, sizeof(k.path), name) < 0)
		return 1;
	struct inode *inode = BPF_CORE_READ(bprm, file, f_inode);
	v.ino = BPF_CORE_READ(inode, i_ino);
	v.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	struct exe_info *old = bpf_map_lookup_elem(&exe_paths, &k);
	if (old) {
		if (old->ino != v.ino || old->dev != v.dev)
			old->mixed = 1; /* a chroot's /bin/sh and the host's, say */
		m->exe = old->exe; /* exec'd before */
		return 1;
	}
	v.tgid = tracer_tgid(task);
	v.exe = __sync_fetch_and_add(&exe_next, 1) + 1;
	if (v.exe > NR_EXES_EXEC)
		v.exe = 0;
	err = bpf_map_update_elem(&exe_paths, &k, &v, BPF_NOEXIST);
	if (err == -17 /* EEXIST: another CPU noted it meanwhile */) {
		old = bpf_map_lookup_elem(&exe_paths, &k);
		v.exe = old ? old->exe : 0;
		if (old && (old->ino != v.ino || old->dev != v.dev))
			old->mixed = 1;
	} else if (err) {
		v.exe = 0;
	}
	if (!v.exe)
		__sync_fetch_and_add(&exe_overflow, 1);
	m->exe = v.exe;
	return 1;
}

static __always_inline int exec_counting(struct bpf_raw_tracepoint_args *ctx);

SEC("raw_tp/sched_process_exec")
int sched_process_exec(struct bpf_raw_tracepoint_args *ctx)
{
	int ret = exec_counting(ctx);

	if (note_exec(ctx, bpf_get_current_task_btf()))
		notes_void(); /* marked now, or another executable */
	return ret;
}

/* Whether counting starts at this exec (armed commands, cgroup joiners). */
static __always_inline int exec_counting(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = tracer_tgid(task);
	__u32 *left = bpf_map_lookup_elem(&armed, &tgid);

	if (!left) {
		if (!cfg_cgroup_exec)
			return 0;
		struct task_mark *w = bpf_task_storage_get(&tasks, task, 0, 0);
		if (!w || w->state != TASK_EXEC_WAIT)
			return 0;
		if (bpf_current_task_under_cgroup(&target_cgroup, 0) != 1)
			return 0; /* left before its exec: still waiting */
		start_counting(w, task);
		__sync_fetch_and_add(&execs, 1);
		if (cfg_exec_nr < NR_SLOTS)
			note_first(ABI_NATIVE * NR_SLOTS + cfg_exec_nr);
		return 0;
	}
	if (*left > 1) {
		*left -= 1; /* a wrapper's exec: not counted */
		return 0;
	}
	bpf_map_delete_elem(&armed, &tgid);
	struct task_mark *m = bpf_task_storage_get(&tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!m) {
		__sync_fetch_and_add(&lost, 1);
		return 0;
	}
	start_counting(m, task);
	/* sys_enter of this very execve ran before the task was marked: count
	 * it now. Not from the registers: exec'ing a 32-bit program rewrites
	 * orig_ax to the i386 execve and sets TS_COMPAT, while the call was
	 * issued (and filtered by seccomp) as the native execve of the stub or
	 * wrapper, which are native programs that call execve(2). Not in counts
	 * either, which only sys_enter writes: in execs, atomically. */
	__sync_fetch_and_add(&execs, 1);
	if (cfg_exec_nr < NR_SLOTS)
		note_first(ABI_NATIVE * NR_SLOTS + cfg_exec_nr);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int sched_process_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_mark *m = bpf_task_storage_get(&tasks, task, 0, 0);

	if ((!m || m->state == TASK_USER_MARKED) && pending_tasks) {
		/* Forked by a traced task, gone before its first syscall (and
		 * perhaps marked from user space too, see adopt_marked). */
		__u32 tid = task->pid;
		struct pending_task *pp = bpf_map_lookup_elem(&pending, &tid);

		if (!pp)
			return 0;
		__u32 state = pp->state;
		if (bpf_map_delete_elem(&pending, &tid))
			return 0;
		__sync_fetch_and_add(&pending_tasks, -1);
		if (state == TASK_COUNTING)
			__sync_fetch_and_add(&live_tasks, -1);
		return 0;
	}
	if (!m || m->state != TASK_COUNTING)
		return 0;
	m->state = TASK_EXITED;
	__sync_fetch_and_add(&live_tasks, -1);
	notes_void(); /* its stack may be a new task's */
	forget_process(task);
	return 0;
}
