package trace

import (
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// Record's start path: cilium/ebpf decodes the kernel's BTF (into the
// recorder's btf.Cache, begun early on another goroutine, as Record does)
// and loads every program, the tp_btf fork program included, with the
// maps created beforehand.
func TestRecordLoad(t *testing.T) {
	testutil.RequireRoot(t)
	r := &recorder{opts: Options{Command: []string{"true"}}, btf: btf.NewCache()}
	defer r.close()
	go func() { _, _ = r.btf.Kernel() }()
	if err := r.load(); err != nil {
		t.Fatal(err)
	}
	progs := map[string]*ebpf.Program{
		"sys_enter":          r.objs.SysEnter,
		"sched_process_fork": r.objs.SchedProcessFork,
		"sched_process_exec": r.objs.SchedProcessExec,
		"sched_process_exit": r.objs.SchedProcessExit,
	}
	for name, p := range progs {
		if p == nil {
			t.Fatalf("%s: not loaded", name)
		}
	}
	info, err := r.objs.SchedProcessFork.Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.Type != ebpf.Tracing {
		t.Errorf("fork program: type %s, want %s", info.Type, ebpf.Tracing)
	}
	if r.objs.Counts == nil || r.objs.Procs == nil || r.objs.Tasks == nil {
		t.Fatal("maps missing")
	}
}
