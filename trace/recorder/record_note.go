package recorder

import (
	"bytes"
	"os"
)

// Where sys_enter asks its per-CPU note (recorder.c, cfg_note_first).
//
// The note (counts_block.cur) answers a task's syscall from what sys_enter
// found out about the same task's previous syscall on that CPU, with no
// helper call and no load from the task. Asked first, before the
// task->bpf_storage test, it also answers untraced tasks, and costs every
// syscall of the machine the note's cache line. Where the TLB keeps its
// entries across syscalls that line is all it costs: on the Intel machine
// of bench/BENCHMARKS-xeon.md the untraced total went from 1.12x to 1.05x the floor.
// Where every syscall flushes the kernel's TLB entries (the kernel isolates
// its page tables, PTI, and the CPU has no PCID to tag them), each page a
// syscall touches is a page walk, and the note's per-CPU page is one on
// every syscall: on a PVM-virtualized EPYC with PTI and no PCID (syscalls
// ~950 ns), the untraced body was 41.0 ns with the note asked first against
// 4.9 ns with the task->bpf_storage test first, which reads the task_struct
// the syscall's entry has just touched (BPF run-time statistics, medians of
// 9 rounds, both binaries in the same rounds: `go run ./bench -only body
// -baseline`). The traced body went the other way, 38.9 to 49.5 ns (the
// helper call and the storage load before the note), but every process
// of the machine pays the untraced path. There sys_enter tests the storage
// first and keeps the note for tasks with storage (the traced ones).
//
// Measured again once the CPU's block had no dependent load before it
// (recorder.c, counts: an array indexed by the CPU's number), on the same
// machine, with the note asked first against after (a build whose
// noteFirst returned true; two runs of 41 paired rounds, the binaries'
// order reversed in the second): untraced +2.7 and +1.9 ns median (+2.8
// and +3.5 mean, se 1.8 and 1.6), traced -6.4 and -1.4 median (-7.9 and
// -3.5 mean, se 1.5 and 1.8). The gap for untraced tasks shrank from ~36
// ns to ~3, but it is still every process's, so the storage test stays
// first there.

// noteFirstOverride, when set (tests), decides instead of the machine.
var noteFirstOverride *bool

// noteFirst reports whether sys_enter asks its note before the storage
// test: everywhere but where every syscall flushes the kernel's TLB.
func noteFirst() bool {
	if noteFirstOverride != nil {
		return *noteFirstOverride
	}
	return !tlbFlushedEverySyscall()
}

// tlbFlushedEverySyscall reports whether the kernel switches page tables
// on every syscall without tagging TLB entries: page table isolation
// (PTI: "Mitigation: PTI" in the kernel's Meltdown status) on a CPU
// without PCID. Both hold for the whole boot.
func tlbFlushedEverySyscall() bool {
	if !cpuHasNoPCID() {
		return false
	}
	b, err := os.ReadFile("/sys/devices/system/cpu/vulnerabilities/meltdown")
	if err != nil {
		return false
	}
	return bytes.HasPrefix(b, []byte("Mitigation: PTI"))
}
