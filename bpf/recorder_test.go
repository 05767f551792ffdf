package bpf

import (
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"
)

// The committed objects for both targets must define exactly what the Go
// side (trace/record.go) relies on: reading an ELF needs no privileges, so
// this runs everywhere, including for the arm64 object on an x86_64 host.

type wantMap struct {
	typ        ebpf.MapType
	key, value uint32
	max        uint32
}

var wantMaps = map[string]wantMap{
	RecorderMapTasks:        {ebpf.TaskStorage, 4, uint32(unsafe.Sizeof(RecorderTaskMark{})), 0},
	RecorderMapArmed:        {ebpf.Hash, 4, 4, 64},
	RecorderMapCounts:       {ebpf.Array, 4, uint32(unsafe.Sizeof(RecorderCountsBlock{})), 1},
	RecorderMapFirst:        {ebpf.Hash, 4, uint32(unsafe.Sizeof(RecorderComm{})), 2048},
	RecorderMapProcs:        {ebpf.Hash, uint32(unsafe.Sizeof(RecorderProcKey{})), 1, 2048},
	RecorderMapPending:      {ebpf.Hash, 4, uint32(unsafe.Sizeof(RecorderPendingTask{})), 16384},
	RecorderMapTargetCgroup: {ebpf.CGroupArray, 4, 4, 1},
}

type wantProg struct {
	typ    ebpf.ProgramType
	attach ebpf.AttachType
	target string
}

var wantProgs = map[string]wantProg{
	RecorderProgSysEnter:         {ebpf.RawTracepoint, ebpf.AttachNone, "sys_enter"},
	RecorderProgSchedProcessFork: {ebpf.RawTracepoint, ebpf.AttachNone, "sched_process_fork"},
	RecorderProgSchedProcessExec: {ebpf.RawTracepoint, ebpf.AttachNone, "sched_process_exec"},
	RecorderProgSchedProcessExit: {ebpf.RawTracepoint, ebpf.AttachNone, "sched_process_exit"},
	// A tp_btf program: the recorder loads it itself (record_forkbtf.go).
	RecorderProgSchedProcessForkBtf: {ebpf.Tracing, ebpf.AttachTraceRawTp, "sched_process_fork"},
}

var wantVars = map[string]uint32{
	RecorderVarLiveTasks:     8,
	RecorderVarPendingTasks:  8,
	RecorderVarLost:          8,
	RecorderVarProcsOverflow: 8,
	RecorderVarProcsDone:     8,
	RecorderVarExecs:         8,
	RecorderVarCfgCgroup:     4,
	RecorderVarCfgExecNr:     4,
	RecorderVarCfgTaskBtfId:  4,
	RecorderVarCfgPrefilter:  4,
	RecorderVarCfgTargetTgid: 4,
	RecorderVarCfgForkVoid:   4,
}

func TestObjectsMatchGoSide(t *testing.T) {
	for _, obj := range []string{"recorder_x86_bpfel.o", "recorder_arm64_bpfel.o"} {
		t.Run(obj, func(t *testing.T) {
			spec, err := ebpf.LoadCollectionSpec(filepath.Join(".", obj))
			if err != nil {
				t.Fatalf("load %s: %v", obj, err)
			}
			for name, w := range wantMaps {
				m := spec.Maps[name]
				if m == nil {
					t.Errorf("map %s missing", name)
					continue
				}
				if m.Type != w.typ || m.KeySize != w.key || m.ValueSize != w.value || m.MaxEntries != w.max {
					t.Errorf("map %s: type %s key %d value %d max %d; want %s %d %d %d",
						name, m.Type, m.KeySize, m.ValueSize, m.MaxEntries, w.typ, w.key, w.value, w.max)
				}
				// counts' blocks start on pages of their own only in an
				// mmapable array's value area (recorder.c, counts).
				if name == RecorderMapCounts && m.Flags&unix.BPF_F_MMAPABLE == 0 {
					t.Errorf("map %s: flags %#x, want BPF_F_MMAPABLE", name, m.Flags)
				}
				if m.Pinning != ebpf.PinNone {
					t.Errorf("map %s is pinned: a killed tracer would leave it behind", name)
				}
			}
			for name, w := range wantProgs {
				p := spec.Programs[name]
				if p == nil {
					t.Errorf("program %s missing", name)
					continue
				}
				if p.Type != w.typ || p.AttachType != w.attach || p.AttachTo != w.target {
					t.Errorf("program %s: %s/%s/%q; want %s/%s/%q", name, p.Type, p.AttachType, p.AttachTo, w.typ, w.attach, w.target)
				}
				if p.License != "Dual BSD/GPL" {
					t.Errorf("program %s: license %q", name, p.License)
				}
			}
			if len(spec.Programs) != len(wantProgs) {
				t.Errorf("%d programs, want %d", len(spec.Programs), len(wantProgs))
			}
			for name, size := range wantVars {
				v := spec.Variables[name]
				if v == nil {
					t.Errorf("variable %s missing", name)
					continue
				}
				if v.Size() != size {
					t.Errorf("variable %s: %d bytes, want %d", name, v.Size(), size)
				}
			}
			for _, name := range []string{RecorderVarCfgCgroup, RecorderVarCfgForkBtf, RecorderVarCfgForkVoid} {
				if !spec.Variables[name].Constant() {
					t.Errorf("%s must be a load-time constant (.rodata)", name)
				}
			}
		})
	}
}

// The Go struct layouts bpf2go generated must be what recorder.c declares.
func TestStructSizes(t *testing.T) {
	if s := unsafe.Sizeof(RecorderTaskMark{}); s != 8 {
		t.Errorf("task_mark: %d bytes", s)
	}
	if s := unsafe.Sizeof(RecorderProcKey{}); s != 16 {
		t.Errorf("proc_key: %d bytes", s)
	}
	if s := unsafe.Sizeof(RecorderComm{}); s != 16 {
		t.Errorf("comm: %d bytes", s)
	}
	// counts: the CPU's last task looked up (cpu_task, 24 bytes), then one slot
	// per (ABI, nr), padded to 28 KiB: one element a CPU, each starting
	// on a page of its own.
	if s := unsafe.Sizeof(RecorderCountsBlock{}); s != 28<<10 || unsafe.Offsetof(RecorderCountsBlock{}.Pad) != 24+3*1024*8 {
		t.Errorf("counts_block: %d bytes", s)
	}
}

// The hot path tells ABIs apart per architecture: on x86 from
// task_struct.thread_info.status (TS_COMPAT), on arm64 from pt_regs.pstate
// (AArch32). Both are CO-RE field relocations in sys_enter. (sys_enter also
// reads argument registers from pt_regs, for the recorded arguments: on x86
// never orig_ax, field 0 of recorder.c's pt_regs, nor cs.)
func TestABIDetectionPerArch(t *testing.T) {
	for obj, want := range map[string]struct{ has, hasNot string }{
		"recorder_x86_bpfel.o":   {`Struct:"task_struct"[0:0:0]`, `Struct:"pt_regs"[0:0]`},
		"recorder_arm64_bpfel.o": {`Struct:"pt_regs"[0:1]`, `Struct:"task_struct"[0:0:0]`},
	} {
		spec, err := ebpf.LoadCollectionSpec(obj)
		if err != nil {
			t.Fatal(err)
		}
		var relos []string
		for _, ins := range spec.Programs[RecorderProgSysEnter].Instructions {
			if r := btf.CORERelocationMetadata(&ins); r != nil {
				relos = append(relos, r.String())
			}
		}
		all := strings.Join(relos, "\n")
		if !strings.Contains(all, want.has) || strings.Contains(all, want.hasNot) {
			t.Errorf("%s: sys_enter's CO-RE relocations should include %s and not %s:\n%s", obj, want.has, want.hasNot, all)
		}
	}
}

// sys_enter's own stack frame stays under 64 bytes: from 64 on (after the
// kernel rounds it up to 16) a raw tracepoint program runs on a private
// per-CPU stack, which cost the untraced hot path ~2.7 ns and the traced
// one ~1.3 (recorder.c, at note_process). The frame is read off the main
// function's instructions: stack loads and stores, and stack addresses
// taken (a move from the frame pointer, then an addition).
func TestSysEnterFrameBelowPrivateStack(t *testing.T) {
	for _, obj := range []string{"recorder_x86_bpfel.o", "recorder_arm64_bpfel.o"} {
		spec, err := ebpf.LoadCollectionSpec(obj)
		if err != nil {
			t.Fatal(err)
		}
		low := int64(0)
		fp := map[asm.Register]bool{}
		for i, ins := range spec.Programs[RecorderProgSysEnter].Instructions {
			if i > 0 && ins.Symbol() != "" {
				break // a subprogram: a frame of its own
			}
			off := int64(0)
			switch {
			case ins.OpCode.Class().IsLoad() && ins.Src == asm.RFP:
				off = int64(ins.Offset)
			case ins.OpCode.Class().IsStore() && ins.Dst == asm.RFP:
				off = int64(ins.Offset)
			case ins.OpCode.Class().IsALU() && ins.OpCode.ALUOp() == asm.Mov:
				fp[ins.Dst] = ins.OpCode.Source() == asm.RegSource && ins.Src == asm.RFP
			case ins.OpCode.Class().IsALU() && ins.OpCode.ALUOp() == asm.Add && ins.OpCode.Source() == asm.ImmSource && fp[ins.Dst]:
				off = ins.Constant
			default:
				if ins.OpCode.Class().IsALU() || ins.OpCode.Class().IsLoad() {
					delete(fp, ins.Dst)
				}
			}
			low = min(low, off)
		}
		if depth := (-low + 15) &^ 15; depth == 0 || depth >= 64 {
			t.Errorf("%s: sys_enter's frame is %d bytes (rounded up to 16), want 16 to 48", obj, depth)
		} else {
			t.Logf("%s: sys_enter's frame: %d bytes (rounded up to 16)", obj, depth)
		}
	}
}
