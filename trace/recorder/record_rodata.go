package recorder

import (
	"encoding/binary"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/seccomp-gen/seccomp-gen/bpf"
)

// inlineRodata writes the values of sys_enter's 32-bit .rodata loads into
// the program as immediates: each `rX = &.rodata[off]; rY = *(u32 *)(rX +
// 0)` pair that clang emits for a cfg_* constant keeps its address load (no
// memory access) and its load becomes `wY = value`. The verifier knew the
// values anyway (a frozen read-only map) and drops the branches they
// decide as before; what changes is the run: a load from the .rodata page
// is a page walk where every syscall flushes the TLB (PTI without PCID),
// and sys_enter runs on every syscall of the machine (recorder.c, the hot
// path's comment, has the numbers). It returns the loads it replaced, for
// restoreRodata, and how many there were; the values
// are the spec's .rodata now, so it runs after the last Set and before
// the load. It changes the instructions in place and keeps only those it
// replaced (a copy of the program was ~33 KiB of fresh heap at every
// start): the spec is the caller's own (bpf.LoadRecorderLean parses it
// anew), and loading copies it.
func inlineRodata(spec *ebpf.CollectionSpec) (rodataLoads, int) {
	ps := spec.Programs[bpf.RecorderProgSysEnter]
	if ps == nil {
		return nil, 0
	}
	// The 32-bit constants by offset, from the variables (which hold the
	// values set; the map's contents are filled from them at the load).
	values := map[int]uint32{}
	for _, v := range spec.Variables {
		if v.SectionName == ".rodata" && len(v.Value) == 4 {
			values[int(v.Offset)] = binary.NativeEndian.Uint32(v.Value)
		}
	}
	insns := ps.Instructions
	targets := jumpTargets(insns)
	var orig rodataLoads
	for i := 0; i+1 < len(insns); i++ {
		addr, load := insns[i], &insns[i+1]
		if !addr.IsLoadFromMap() || addr.Src != asm.PseudoMapValue || addr.Reference() != ".rodata" {
			continue
		}
		v, ok := values[int(uint64(addr.Constant)>>32)]
		if !ok || load.OpCode != asm.LoadMemOp(asm.Word) || load.Src != addr.Dst || load.Offset != 0 ||
			targets[i+1] || load.Symbol() != "" {
			continue
		}
		orig = append(orig, rodataLoad{i + 1, *load})
		*load = asm.Mov.Imm32(load.Dst, int32(v)).WithSource(load.Source())
	}
	return orig, len(orig)
}

// rodataLoads are the loads inlineRodata replaced, by index.
type rodataLoads []rodataLoad

type rodataLoad struct {
	index int
	insn  asm.Instruction
}

// restoreRodata gives sys_enter back the loads inlineRodata replaced.
func restoreRodata(spec *ebpf.CollectionSpec, orig rodataLoads) {
	if len(orig) == 0 {
		return
	}
	insns := spec.Programs[bpf.RecorderProgSysEnter].Instructions
	for _, l := range orig {
		insns[l.index] = l.insn
	}
}

// jumpTargets says which instructions (by index) a jump of insns lands on.
// Slices, not maps: it runs on every trace's start, before sys_enter's
// load, and with maps it was ~75 KiB of fresh heap (each page of it a
// fault in a process that never collects garbage before its command
// starts) and ~0.1 ms of CPU (issue 13, a perf profile of 150 traces).
func jumpTargets(insns asm.Instructions) []bool {
	// at[raw offset] = index + 1 of the instruction that starts there (0:
	// none; the second half of a 16-byte instruction).
	var n asm.RawInstructionOffset
	for _, ins := range insns {
		n += asm.RawInstructionOffset(ins.Size() / asm.InstructionSize)
	}
	at := make([]int32, n)
	var raw asm.RawInstructionOffset
	for i, ins := range insns {
		at[raw] = int32(i + 1)
		raw += asm.RawInstructionOffset(ins.Size() / asm.InstructionSize)
	}
	out := make([]bool, len(insns))
	raw = 0
	for _, ins := range insns {
		next := raw + asm.RawInstructionOffset(ins.Size()/asm.InstructionSize)
		if ins.OpCode.Class().IsJump() && ins.OpCode.JumpOp() != asm.Call && ins.OpCode.JumpOp() != asm.Exit {
			if t := int64(next) + int64(ins.Offset); t >= 0 && t < int64(n) && at[t] > 0 {
				out[at[t]-1] = true
			}
		}
		raw = next
	}
	return out
}
