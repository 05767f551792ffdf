package recorder

import (
	"encoding/binary"
	"testing"

	"github.com/cilium/ebpf/asm"

	"github.com/seccomp-gen/seccomp-gen/bpf"
)

// inlineRodata turns every 32-bit .rodata load of sys_enter into a move
// of the variable's value as set (not the object's default), leaves the
// other programs and instructions alone, and restoreRodata undoes it.
func TestInlineRodata(t *testing.T) {
	spec, err := bpf.LoadRecorder()
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]uint32{bpf.RecorderVarCfgTaskBtfId: 114, bpf.RecorderVarCfgForkBtf: 1, bpf.RecorderVarCfgNoteFirst: 0, bpf.RecorderVarCfgPrefilter: 1}
	byOff := map[uint32]uint32{}
	for name, v := range set {
		if err := spec.Variables[name].Set(v); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range spec.Variables {
		if v.SectionName == ".rodata" && len(v.Value) == 4 {
			byOff[v.Offset] = binary.NativeEndian.Uint32(v.Value)
		}
	}
	before := append(asm.Instructions(nil), spec.Programs[bpf.RecorderProgSysEnter].Instructions...)
	fork := spec.Programs[bpf.RecorderProgSchedProcessFork].Instructions
	orig, n := inlineRodata(spec)
	after := spec.Programs[bpf.RecorderProgSysEnter].Instructions
	if n == 0 || len(after) != len(before) {
		t.Fatalf("%d loads replaced, %d instructions for %d", n, len(after), len(before))
	}
	replaced, left := 0, 0
	for i := 0; i+1 < len(after); i++ {
		a := before[i]
		if !a.IsLoadFromMap() || a.Reference() != ".rodata" {
			continue
		}
		off := uint32(uint64(a.Constant) >> 32)
		got := after[i+1]
		if got.OpCode == asm.LoadMemOp(asm.Word) {
			left++
			continue
		}
		want := asm.Mov.Imm32(before[i+1].Dst, int32(byOff[off]))
		if got.OpCode != want.OpCode || got.Dst != want.Dst || got.Constant != want.Constant {
			t.Errorf("instruction %d (.rodata+%d): %v, want %v", i+1, off, got, want)
		}
		replaced++
	}
	if replaced != n || left != 0 {
		t.Errorf("replaced %d (said %d), %d .rodata loads left", replaced, n, left)
	}
	if &spec.Programs[bpf.RecorderProgSchedProcessFork].Instructions[0] != &fork[0] {
		t.Error("another program's instructions changed")
	}
	restoreRodata(spec, orig)
	for i, ins := range spec.Programs[bpf.RecorderProgSysEnter].Instructions {
		if ins.OpCode != before[i].OpCode || ins.Constant != before[i].Constant {
			t.Fatalf("instruction %d not restored: %v, was %v", i, ins, before[i])
		}
	}
}

// jumpTargets finds what jumps land on by raw offset: past a 16-byte
// load (two raw slots, one instruction), backwards, and not for calls or
// exits; a jump out of the program lands on nothing.
func TestJumpTargets(t *testing.T) {
	insns := asm.Instructions{
		asm.LoadImm(asm.R1, 1<<40, asm.DWord), // 0: raw 0-1
		asm.JEq.Imm(asm.R1, 0, ""),            // 1: raw 2, to raw 2+1+2 = 5: instruction 4
		asm.Mov.Imm(asm.R0, 1),                // 2: raw 3
		asm.FnMapLookupElem.Call(),            // 3: raw 4, a helper (Offset 0): no target
		asm.Mov.Imm(asm.R0, 2),                // 4: raw 5
		asm.Ja.Imm(asm.R0, 0, ""),             // 5: raw 6, back to raw 6+1-7 = 0: instruction 0
		asm.JNE.Imm(asm.R0, 0, ""),            // 6: raw 7, to raw 7+1+100: outside
		asm.Return(),                          // 7: raw 8
	}
	insns[1].Offset = 2
	insns[5].Offset = -7
	insns[6].Offset = 100
	got := jumpTargets(insns)
	want := []bool{true, false, false, false, true, false, false, false}
	if len(got) != len(want) {
		t.Fatalf("%d entries for %d instructions", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("instruction %d (%v): target %v, want %v", i, insns[i], got[i], want[i])
		}
	}
}
