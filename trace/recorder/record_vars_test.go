package recorder

import (
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// TestBSSVarLeavesCountersAlone: writing a pooled recorder's global (the
// argument mask) while its programs count (another thread adding to
// live_tasks in the same memory, as the kernel's atomics do) loses none of
// the counts. A lookup and update of the whole .bss put back the count it
// had read: the early start wrote the mask after its command had started,
// and a command that exited meanwhile stayed alive in live_tasks, so the
// trace never ended.
func TestBSSVarLeavesCountersAlone(t *testing.T) {
	testutil.RequireRoot(t)
	m, err := ebpf.NewMap(&ebpf.MapSpec{
		Name: "bss_test", Type: ebpf.Array, KeySize: 4, ValueSize: bssSize, MaxEntries: 1,
		Flags: unix.BPF_F_MMAPABLE,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	vars, err := bssVars(m)
	if err != nil {
		t.Fatal(err)
	}
	// The programs' side: a mapping of its own.
	mem, err := unix.Mmap(m.FD(), 0, bssSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(mem)
	live := (*int64)(unsafe.Pointer(&mem[bssLayout["live_tasks"][0]]))

	var stop atomic.Bool
	var added int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			atomic.AddInt64(live, 1)
			added++
		}
	}()
	var mask [nrABIs * nrSlots]uint8
	for i := range 2000 {
		mask[i%len(mask)] = uint8(i)
		if err := vars.argmask.Set(mask); err != nil {
			stop.Store(true)
			wg.Wait()
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	var got int64
	if err := vars.liveTasks.Get(&got); err != nil {
		t.Fatal(err)
	}
	if got != added {
		t.Errorf("live_tasks is %d after %d additions: writing cfg_argmask lost %d", got, added, added-got)
	}
	var back [nrABIs * nrSlots]uint8
	if err := vars.argmask.Get(&back); err != nil {
		t.Fatal(err)
	}
	if back != mask {
		t.Error("cfg_argmask reads back other than written")
	}
}
