package bpf

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
)

// KernelIDs are the running kernel's (vmlinux) BTF IDs that sys_enter's
// read of task->bpf_storage through bpf_rdonly_cast needs (see
// task_storage_ptr in recorder.c). The zero value means "unknown": the
// programs then read the field from the trusted task pointer, as before
// Linux 6.2.
type KernelIDs struct {
	RdonlyCast btf.TypeID // FUNC bpf_rdonly_cast (a kfunc since Linux 6.2)
	TaskStruct btf.TypeID // STRUCT task_struct
	// TYPEDEF btf_trace_sched_process_fork: sched_process_fork_btf's
	// attach target (a tp_btf program; 0: the kernel has none, and the
	// raw_tp program with pending entries does the work alone).
	ForkTP btf.TypeID
}

// Known reports whether both IDs of the bpf_rdonly_cast read are set.
func (ids KernelIDs) Known() bool { return ids.RdonlyCast != 0 && ids.TaskStruct != 0 }

// FindKernelIDs looks the IDs up in the kernel's BTF (btf.LoadKernelSpec).
// A kernel without bpf_rdonly_cast gives the zero KernelIDs and no error.
func FindKernelIDs(kernel *btf.Spec) (KernelIDs, error) {
	var fork btf.TypeID
	var td *btf.Typedef
	if err := kernel.TypeByName("btf_trace_sched_process_fork", &td); err == nil {
		if fork, err = kernel.TypeID(td); err != nil {
			return KernelIDs{}, err
		}
	} else if !errors.Is(err, btf.ErrNotFound) {
		return KernelIDs{}, fmt.Errorf("btf_trace_sched_process_fork: %w", err)
	}
	var fn *btf.Func
	if err := kernel.TypeByName("bpf_rdonly_cast", &fn); errors.Is(err, btf.ErrNotFound) {
		return KernelIDs{ForkTP: fork}, nil
	} else if err != nil {
		return KernelIDs{}, fmt.Errorf("bpf_rdonly_cast: %w", err)
	}
	var task *btf.Struct
	if err := kernel.TypeByName("task_struct", &task); err != nil {
		return KernelIDs{}, fmt.Errorf("task_struct: %w", err)
	}
	castID, err := kernel.TypeID(fn)
	if err != nil {
		return KernelIDs{}, err
	}
	taskID, err := kernel.TypeID(task)
	if err != nil {
		return KernelIDs{}, err
	}
	return KernelIDs{RdonlyCast: castID, TaskStruct: taskID, ForkTP: fork}, nil
}

// UseKernelIDs resolves the recorder's kfunc call (bpf_rdonly_cast, the
// only one) in spec, which LoadRecorder returned, before it is loaded.
//
// With known ids the call becomes a kfunc call of vmlinux BTF ID
// ids.RdonlyCast (offset 0: vmlinux, no fd_array) and cfg_task_btf_id
// ids.TaskStruct. cilium/ebpf resolves kfunc calls by itself otherwise,
// decoding all of the kernel's BTF (~15 ms) at every load; the call carries
// no metadata of cilium/ebpf's afterwards, so it leaves it alone.
//
// With unknown ids, cfg_task_btf_id is 0: the verifier never reaches the
// call, which becomes a plain move (the verifier looks up every kfunc
// call's ID, reached or not, and a kernel before 6.2 has no
// bpf_rdonly_cast).
//
// spec may be patched again, with other ids, before it is loaded.
func UseKernelIDs(spec *ebpf.CollectionSpec, ids KernelIDs) error {
	if !ids.Known() {
		ids.RdonlyCast, ids.TaskStruct = 0, 0
	}
	v := spec.Variables[RecorderVarCfgTaskBtfId]
	if v == nil {
		return errors.New("recorder: no variable cfg_task_btf_id")
	}
	if err := v.Set(uint32(ids.TaskStruct)); err != nil {
		return fmt.Errorf("recorder: cfg_task_btf_id: %w", err)
	}
	calls := 0
	for _, p := range spec.Programs {
		for i := range p.Instructions {
			ins := &p.Instructions[i]
			ref := ins.Reference()
			if ref != rdonlyCast {
				if ins.IsKfuncCall() {
					return fmt.Errorf("recorder: %s: a kfunc call of %q: only bpf_rdonly_cast is resolved", p.Name, ref)
				}
				continue
			}
			if !ins.IsKfuncCall() && ins.OpCode != asm.Mov.Op(asm.ImmSource) {
				return fmt.Errorf("recorder: %s: %v refers to bpf_rdonly_cast", p.Name, ins)
			}
			calls++
			// A new instruction: none of cilium/ebpf's metadata, but for
			// the source line and the reference, by which a later
			// UseKernelIDs finds it.
			n := asm.Mov.Imm(asm.R0, 0)
			if ids.Known() {
				n = asm.Instruction{OpCode: asm.OpCode(asm.JumpClass).SetJumpOp(asm.Call), Src: asm.PseudoKfuncCall, Constant: int64(ids.RdonlyCast)}
			}
			*ins = n.WithSource(ins.Source()).WithReference(rdonlyCast)
		}
	}
	if calls == 0 {
		return errors.New("recorder: no call of bpf_rdonly_cast")
	}
	return nil
}

const rdonlyCast = "bpf_rdonly_cast"

// ObjectHash identifies the embedded object of the running architecture:
// the hex SHA-256 of its bytes.
func ObjectHash() string {
	sum := sha256.Sum256(_RecorderBytes)
	return hex.EncodeToString(sum[:])
}
