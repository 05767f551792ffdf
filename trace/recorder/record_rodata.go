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
// path's comment, has the numbers). It returns sys_enter's instructions as
// they were, for restoreRodata, and how many loads it replaced; the values
// are the spec's .rodata now, so it runs after the last Set and before
// the load.
func inlineRodata(spec *ebpf.CollectionSpec) (asm.Instructions, int) {
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
	orig := ps.Instructions
	insns := append(asm.Instructions(nil), orig...)
	targets := jumpTargets(insns)
	n := 0
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
		*load = asm.Mov.Imm32(load.Dst, int32(v)).WithSource(load.Source())
		n++
	}
	ps.Instructions = insns
	return orig, n
}

// restoreRodata gives sys_enter back the instructions inlineRodata
// returned.
func restoreRodata(spec *ebpf.CollectionSpec, orig asm.Instructions) {
	if orig != nil {
		spec.Programs[bpf.RecorderProgSysEnter].Instructions = orig
	}
}

// jumpTargets says which instructions (by index) a jump of insns lands on.
func jumpTargets(insns asm.Instructions) map[int]bool {
	at := map[asm.RawInstructionOffset]int{}
	var raw asm.RawInstructionOffset
	for i, ins := range insns {
		at[raw] = i
		raw += asm.RawInstructionOffset(ins.Size() / asm.InstructionSize)
	}
	out := map[int]bool{}
	raw = 0
	for _, ins := range insns {
		next := raw + asm.RawInstructionOffset(ins.Size()/asm.InstructionSize)
		if ins.OpCode.Class().IsJump() && ins.OpCode.JumpOp() != asm.Call && ins.OpCode.JumpOp() != asm.Exit {
			if i, ok := at[next+asm.RawInstructionOffset(ins.Offset)]; ok {
				out[i] = true
			}
		}
		raw = next
	}
	return out
}
