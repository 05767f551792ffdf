package trace

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"

	"github.com/seccomp-gen/seccomp-gen/bpf"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// The fast start's scan of the kernel BTF must give what cilium/ebpf's full
// decode gives: the fork program's attach target ID, and for every CO-RE
// relocation of every program the same fixup. Reading
// /sys/kernel/btf/vmlinux needs no privileges.
func TestKernelBTFScanMatchesFullDecode(t *testing.T) {
	raw, err := os.ReadFile("/sys/kernel/btf/vmlinux")
	if err != nil {
		testutil.SkipOrFail(t, "no kernel BTF: "+err.Error())
	}
	k, err := scanForRecorder()
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	full, err := btf.LoadKernelSpec()
	if err != nil {
		t.Fatal(err)
	}
	var td *btf.Typedef
	if err := full.TypeByName(forkTypedef, &td); err != nil {
		t.Fatal(err)
	}
	id, err := full.TypeID(td)
	if err != nil {
		t.Fatal(err)
	}
	if k.typedefIDs[forkTypedef] != id {
		t.Errorf("%s: scan says ID %d, the full decode %d", forkTypedef, k.typedefIDs[forkTypedef], id)
	}

	spec, err := bpf.LoadRecorder()
	if err != nil {
		t.Fatal(err)
	}
	noLocalIDs := func(btf.Type) (btf.TypeID, error) { return 0, errors.New("no local type IDs") }
	n := 0
	for name, ps := range spec.Programs {
		var relos []*btf.CORERelocation
		for i := range ps.Instructions {
			if rel := btf.CORERelocationMetadata(&ps.Instructions[i]); rel != nil {
				relos = append(relos, rel)
			}
		}
		n += len(relos)
		fast, err := btf.CORERelocate(relos, []*btf.Spec{k.types}, ps.ByteOrder, noLocalIDs)
		if err != nil {
			t.Fatalf("%s: relocate against the scan: %v", name, err)
		}
		want, err := btf.CORERelocate(relos, []*btf.Spec{full}, ps.ByteOrder, noLocalIDs)
		if err != nil {
			t.Fatalf("%s: relocate against the full kernel BTF: %v", name, err)
		}
		for i := range relos {
			if got, exp := fmt.Sprint(fast[i]), fmt.Sprint(want[i]); got != exp {
				t.Errorf("%s: %v: fixup %s, want %s", name, relos[i], got, exp)
			}
		}
	}
	if n == 0 {
		t.Fatal("no CO-RE relocations found: the test checks nothing")
	}

	// A scan of something that is not BTF fails instead of guessing.
	for _, bad := range [][]byte{nil, raw[:20], append([]byte{0, 0}, raw[2:100]...), raw[:len(raw)/2]} {
		if _, err := scanKernelBTF(bad, []string{forkTypedef}, []string{"task_struct"}); err == nil {
			t.Errorf("scan of %d bad bytes: no error", len(bad))
		}
	}
	if _, err := scanKernelBTF(raw, []string{"btf_trace_no_such_tracepoint"}, nil); err == nil {
		t.Error("scan for a missing typedef: no error")
	}
}

// Record takes the fast start on this kernel, and the full path (cilium/ebpf
// decoding the kernel BTF itself) records the same.
func TestRecordFastAndFullStart(t *testing.T) {
	testutil.RequireRoot(t)
	for _, full := range []bool{false, true} {
		t.Run(fmt.Sprintf("full=%v", full), func(t *testing.T) {
			forceFullBTF = full
			defer func() { forceFullBTF = false }()
			r := &recorder{opts: Options{Command: []string{"true"}}}
			defer r.close()
			scanned := make(chan scanResult, 1)
			k, err := scanForRecorder()
			scanned <- scanResult{k, err}
			r.scanned = scanned
			if err := r.load(); err != nil {
				t.Fatal(err)
			}
			if !full && r.fastErr != nil {
				t.Errorf("fast start not taken: %v", r.fastErr)
			}
			if full && r.fastErr == nil {
				t.Error("full path not taken")
			}
			if r.objs.SchedProcessFork == nil || r.objs.SysEnter == nil {
				t.Fatal("programs missing")
			}
			info, err := r.objs.SchedProcessFork.Info()
			if err != nil {
				t.Fatal(err)
			}
			if info.Type != ebpf.Tracing {
				t.Errorf("fork program: type %s", info.Type)
			}
		})
	}
}
