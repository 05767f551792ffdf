package bpf

import (
	"bytes"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
)

// UseKernelIDs resolves sys_enter's one kfunc call to the given kernel BTF
// ID (a call cilium/ebpf leaves alone) or makes it a move, sets
// cfg_task_btf_id to match, and can be applied again before the load. No
// kernel needed; both targets' objects.
func TestUseKernelIDs(t *testing.T) {
	for _, obj := range []string{"recorder_x86_bpfel.o", "recorder_arm64_bpfel.o"} {
		t.Run(obj, func(t *testing.T) { testUseKernelIDs(t, obj) })
	}
}

func testUseKernelIDs(t *testing.T, obj string) {
	spec, err := ebpf.LoadCollectionSpec(obj)
	if err != nil {
		t.Fatal(err)
	}
	if !spec.Variables[RecorderVarCfgTaskBtfId].Constant() {
		t.Fatal("cfg_task_btf_id must be a load-time constant (.rodata): the verifier needs its value")
	}
	check := func(ids KernelIDs, wantCall bool) {
		t.Helper()
		if err := UseKernelIDs(spec, ids); err != nil {
			t.Fatal(err)
		}
		var calls, moves int
		for name, p := range spec.Programs {
			for _, ins := range p.Instructions {
				if ins.Reference() != "bpf_rdonly_cast" {
					if ins.IsKfuncCall() {
						t.Errorf("%s: another kfunc call: %v", name, ins)
					}
					continue
				}
				if name != RecorderProgSysEnter {
					t.Errorf("bpf_rdonly_cast in %s", name)
				}
				switch {
				case ins.IsKfuncCall():
					calls++
					if ins.Constant != int64(ids.RdonlyCast) || ins.Offset != 0 {
						t.Errorf("call %v, want kfunc ID %d in vmlinux (offset 0)", ins, ids.RdonlyCast)
					}
				case ins.OpCode == asm.Mov.Op(asm.ImmSource):
					moves++
				}
			}
		}
		// sys_enter reads task->bpf_storage and the storage's cache
		// through it (task_storage_ptr, kernel_u64): every call site is
		// one or the other.
		if n := calls + moves; n == 0 || (wantCall && moves != 0) || (!wantCall && calls != 0) {
			t.Errorf("%d kfunc calls and %d moves, want all %d %s", calls, moves, n, map[bool]string{true: "calls", false: "moves"}[wantCall])
		}
		var got uint32
		if err := spec.Variables[RecorderVarCfgTaskBtfId].Get(&got); err != nil {
			t.Fatal(err)
		}
		want := uint32(0)
		if wantCall {
			want = uint32(ids.TaskStruct)
		}
		if got != want {
			t.Errorf("cfg_task_btf_id %d, want %d", got, want)
		}
	}
	check(KernelIDs{RdonlyCast: 65500, TaskStruct: 114}, true)
	check(KernelIDs{}, false)
	check(KernelIDs{RdonlyCast: 7, TaskStruct: 8}, true)
	check(KernelIDs{RdonlyCast: 7}, false) // half known is unknown
}

// FindKernelIDs finds the IDs in a spec that has both types, and none
// (without an error) in one without bpf_rdonly_cast.
func TestFindKernelIDs(t *testing.T) {
	task := &btf.Struct{Name: "task_struct", Size: 8}
	cast := &btf.Func{Name: "bpf_rdonly_cast", Type: &btf.FuncProto{Return: &btf.Void{}}, Linkage: btf.StaticFunc}
	for _, tc := range []struct {
		types []btf.Type
		known bool
	}{
		{[]btf.Type{task, cast}, true},
		{[]btf.Type{task}, false},
	} {
		b, err := btf.NewBuilder(tc.types, nil)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := b.Marshal(nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		spec, err := btf.LoadSpecFromReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		ids, err := FindKernelIDs(spec)
		if err != nil {
			t.Fatal(err)
		}
		if ids.Known() != tc.known {
			t.Fatalf("%d types: IDs %+v, known %v", len(tc.types), ids, tc.known)
		}
		if !tc.known {
			continue
		}
		for id, name := range map[btf.TypeID]string{ids.RdonlyCast: "bpf_rdonly_cast", ids.TaskStruct: "task_struct"} {
			if ty, err := spec.TypeByID(id); err != nil || ty.TypeName() != name {
				t.Errorf("ID %d is %v (%v), want %s", id, ty, err, name)
			}
		}
	}
}
