package recorder

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/bpf"
	"github.com/seccomp-gen/seccomp-gen/internal/reexec"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// TestBSSLayout: bssLayout is where clang put the globals in .bss; a
// pooled recorder reads and writes them there (record_vars.go).
func TestBSSLayout(t *testing.T) {
	spec, err := bpf.LoadRecorder()
	if err != nil {
		t.Fatal(err)
	}
	if got := spec.Maps[".bss"].ValueSize; got != bssSize {
		t.Errorf(".bss is %d bytes, bssSize says %d", got, bssSize)
	}
	for name, l := range bssLayout {
		v, ok := spec.Variables[name]
		if !ok {
			t.Errorf("%s: no such variable in recorder.c", name)
			continue
		}
		if v.SectionName != ".bss" || v.Offset != l[0] || v.Size() != l[1] {
			t.Errorf("%s: %s offset %d size %d, bssLayout says .bss offset %d size %d", name, v.SectionName, v.Offset, v.Size(), l[0], l[1])
		}
	}
	// Every global varsOf takes is in the layout.
	vars := reflect.TypeOf(recorderVars{})
	if vars.NumField() != len(bssLayout) {
		t.Errorf("recorderVars has %d globals, bssLayout %d", vars.NumField(), len(bssLayout))
	}
}

// TestPoolNames: a prepared set pins every map and program of the
// recorder (and .bss), by the names they have in recorder.c.
func TestPoolNames(t *testing.T) {
	spec, err := bpf.LoadRecorder()
	if err != nil {
		t.Fatal(err)
	}
	var objs bpf.RecorderObjects
	var bss *ebpf.Map
	maps, progs := pooledObjects(&objs, &bss)
	want := map[string]bool{"bss": true}
	for name := range spec.Maps {
		if !strings.HasPrefix(name, ".") {
			want[name] = true
		}
	}
	got := map[string]bool{}
	for name := range maps {
		got[name] = true
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pooled maps %v, the recorder's %v", got, want)
	}
	want, got = map[string]bool{}, map[string]bool{}
	for name := range spec.Programs {
		want[name] = true
	}
	for name := range progs {
		got[name] = true
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pooled programs %v, the recorder's %v", got, want)
	}
}

// TestTrimPool: what no trace will claim is removed, the rest kept.
func TestTrimPool(t *testing.T) {
	dir := t.TempDir()
	// A PID that is gone.
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	dead, self := strconv.Itoa(gone.Process.Pid), strconv.Itoa(os.Getpid())
	mk := func(p string, age time.Duration) {
		if err := os.MkdirAll(filepath.Join(dir, p), 0o700); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(-age)
		if err := os.Chtimes(filepath.Join(dir, p), at, at); err != nil {
			t.Fatal(err)
		}
	}
	mk("keep/t-"+dead, 0)
	mk("keep/c-"+dead+"-x", 0)
	mk("keep/c-"+self+"-x", 0)
	mk("keep/t-"+self, 0)
	mk("keep/r-"+dead+"-x", 0) // ready: its helper's end is no matter
	for i, age := range []time.Duration{time.Hour, 2 * time.Hour, 3 * time.Hour, 4 * time.Hour, 5 * time.Hour} {
		mk("k"+strconv.Itoa(i)+"/r-1-x", 0)
		at := time.Now().Add(-age)
		if err := os.Chtimes(filepath.Join(dir, "k"+strconv.Itoa(i)), at, at); err != nil {
			t.Fatal(err)
		}
	}
	mk("keep", 24*time.Hour) // the oldest, but the one being prepared
	// Hints (record_early.go): to a key that stays, and to one trimmed
	// (k4, the oldest) or gone; none is taken for a key itself.
	for name, to := range map[string]string{"e-1-0": "keep", "e-2-0": "k4", "e-3-1": "nokey"} {
		if err := os.Symlink(to, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	trimPool(dir, "keep")
	trimPool(dir, "keep") // the hint to k4, trimmed by the first
	var left []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			left = append(left, rel)
		}
		return nil
	})
	want := []string{"e-1-0", "k0", "k0/r-1-x", "k1", "k1/r-1-x", "k2", "k2/r-1-x", "keep", "keep/c-" + self + "-x", "keep/r-" + dead + "-x", "keep/t-" + self}
	if !reflect.DeepEqual(left, want) {
		t.Errorf("left %q\nwant %q", left, want)
	}
}

// privatePool gives the test a pool of its own (the tests' pool is shared
// by every Record of the package's tests, which claim from it).
func privatePool(t *testing.T) string {
	t.Helper()
	done, err := testutil.PrivatePool()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(done)
	return PoolDir()
}

// prepareNow prepares a set for this process's recorders and returns its
// key's directory.
func prepareNow(t *testing.T) string {
	t.Helper()
	key, err := poolKey(false)
	if err != nil {
		t.Fatal(err)
	}
	if err := prepare(key, false); err != nil {
		t.Fatalf("prepare: %v", err)
	}
	kd := filepath.Join(PoolDir(), key)
	if n := readySets(kd); n != 1 {
		t.Fatalf("%d sets ready after prepare, want 1", n)
	}
	return kd
}

// TestPooledRecord: a trace that claims a prepared recorder records what
// one that loads its own does, removes the set it claimed and starts the
// helper that prepares the next one (with ReleaseLater, as trace records:
// once released).
func TestPooledRecord(t *testing.T) {
	testutil.RequireRoot(t)
	privatePool(t)
	kd := prepareNow(t)
	tr := truePath(t)
	record := func(releaseLater bool) (*Recording, bool) {
		t.Helper()
		var mu sync.Mutex
		pooled := false
		rec, err := Record(context.Background(), Options{Command: []string{tr}, Namer: scmp.Tables{}, ReleaseLater: releaseLater, OnPhase: func(ph string) {
			mu.Lock()
			defer mu.Unlock()
			pooled = pooled || ph == PhasePooled
		}})
		if err != nil {
			t.Fatal(err)
		}
		rec.Release()
		mu.Lock()
		defer mu.Unlock()
		return rec, pooled
	}
	got, pooled := record(true)
	if !pooled {
		t.Fatal("the trace did not claim the prepared recorder")
	}
	if ents, _ := os.ReadDir(kd); len(ents) > 1 {
		// At most the next set: the claimed one is gone.
		t.Errorf("left in the pool after the trace: %v", ents)
	}
	// The helper prepares the next one.
	for deadline := time.Now().Add(60 * time.Second); readySets(kd) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no set prepared for the next trace within 60s (its helper runs SCHED_IDLE: a machine busy that long starves it)")
		}
	}
	os.Setenv(PoolEnv, "off")
	want, pooled := record(false)
	os.Setenv(PoolEnv, filepath.Dir(kd))
	if pooled {
		t.Fatal("SECCOMP_GEN_POOL=off: the trace claimed a prepared recorder")
	}
	if readySets(kd) != 1 {
		t.Errorf("SECCOMP_GEN_POOL=off: the pool changed (%d sets ready)", readySets(kd))
	}
	if !got.Exited || got.ExitStatus != 0 || got.File.Lost != 0 {
		t.Errorf("pooled: exited %v, status %d, lost %d", got.Exited, got.ExitStatus, got.File.Lost)
	}
	// The same calls, counts and recorded arguments (cfg_argmask written
	// through .bss: without it no argument is recorded).
	if !reflect.DeepEqual(got.File.Syscalls, want.File.Syscalls) {
		t.Errorf("pooled trace:\n%+v\nloaded its own:\n%+v", got.File.Syscalls, want.File.Syscalls)
	}
	args := 0
	for _, s := range got.File.Syscalls {
		args += len(s.Args)
	}
	if args == 0 {
		t.Error("the pooled trace recorded no argument")
	}
	if got.File.Processes != 1 || want.File.Processes != 1 {
		t.Errorf("processes: pooled %d, loaded %d; want 1", got.File.Processes, want.File.Processes)
	}
}

// TestPreparedSetUnattached: a prepared set is attached nowhere, and its
// maps hold nothing, until a trace claims it.
func TestPreparedSetUnattached(t *testing.T) {
	testutil.RequireRoot(t)
	privatePool(t)
	kd := prepareNow(t)
	ents, _ := os.ReadDir(kd)
	set := filepath.Join(kd, ents[0].Name())
	ids := map[ebpf.ProgramID]string{}
	for _, name := range []string{bpf.RecorderProgSysEnter, bpf.RecorderProgSchedProcessExec, bpf.RecorderProgSchedProcessExit, bpf.RecorderProgSchedProcessForkBtf} {
		p, err := ebpf.LoadPinnedProgram(filepath.Join(set, name), nil)
		if err != nil {
			t.Fatal(err)
		}
		info, err := p.Info()
		p.Close()
		if err != nil {
			t.Fatal(err)
		}
		id, _ := info.ID()
		ids[id] = name
	}
	var it link.Iterator
	defer it.Close()
	for it.Next() {
		l := it.Take()
		info, err := l.Info()
		l.Close()
		if err == nil {
			if name, ok := ids[info.Program]; ok {
				t.Errorf("prepared %s is attached (link %d)", name, info.ID)
			}
		}
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	procs, err := ebpf.LoadPinnedMap(filepath.Join(set, bpf.RecorderMapProcs), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer procs.Close()
	var k bpf.RecorderProcKey
	if err := procs.NextKey(nil, &k); err == nil {
		t.Errorf("prepared procs holds %+v", k)
	}
}

// TestPoolClaimOnce: traces started at once share no set.
func TestPoolClaimOnce(t *testing.T) {
	testutil.RequireRoot(t)
	privatePool(t)
	prepareNow(t)
	const n = 4
	claimed := make([]bool, n)
	recs := make([]*recorder, n)
	var wg sync.WaitGroup
	for i := range n {
		recs[i] = &recorder{opts: Options{Command: []string{"true"}}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := recs[i].claimPooled()
			if err != nil {
				t.Error(err)
			}
			claimed[i] = ok
		}()
	}
	wg.Wait()
	got := 0
	for i, ok := range claimed {
		if ok {
			got++
			if recs[i].objs.SysEnter == nil {
				t.Error("claimed without sys_enter")
			}
		}
		recs[i].close()
	}
	if got != 1 {
		t.Errorf("%d of %d claims took the one set, want 1", got, n)
	}
}

// TestPrepareRefuses: the helper prepares nothing for another key (the
// binary was replaced meanwhile) or where the pool is off.
func TestPrepareRefuses(t *testing.T) {
	testutil.RequireRoot(t)
	dir := privatePool(t)
	if err := prepare("0123456789abcdef01234567", false); err == nil {
		t.Error("prepare took a key not this binary's")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("pool after a refused prepare: %v", ents)
	}
	key, err := poolKey(false)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(PoolEnv, "off")
	if err := prepare(key, false); err == nil {
		t.Error("prepare with SECCOMP_GEN_POOL=off prepared")
	}
	r := &recorder{opts: Options{Command: []string{"true"}}}
	if r.poolable() {
		t.Error("SECCOMP_GEN_POOL=off: poolable")
	}
}

// objGet says a missing pin as os.ErrNotExist (openPooled skips a set's
// absent raw fork program by it), and a pin that is no BPF object as an
// error too.
func TestObjGetErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := objGet(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("objGet of a missing pin: %v, want os.ErrNotExist", err)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if fd, err := objGet(plain); err == nil {
		unix.Close(fd)
		t.Error("objGet of a plain file succeeded")
	}
}

// TestPrepareLeavesHint: a set prepared with PrepareNamer set has the
// argument mask a claimer would write already in its .bss, and the pool a
// hint named as internal/prestub's constructor names it (no dot: bpffs
// refuses such names) that leads to the key's directory; without a namer
// (or its mask) there is no hint, as a trace that starts early would
// record no argument values.
func TestPrepareLeavesHint(t *testing.T) {
	testutil.RequireRoot(t)
	pool := privatePool(t)
	old := PrepareNamer
	t.Cleanup(func() { PrepareNamer = old })
	PrepareNamer = nil
	kd := prepareNow(t)
	hint, err := earlyHint(reexec.Self(), false)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(hint, ".") {
		t.Errorf("hint %q has a dot", hint)
	}
	if _, err := os.Lstat(filepath.Join(pool, hint)); err == nil {
		t.Fatalf("a hint without the argument mask written")
	}
	for _, set := range mustGlob(t, filepath.Join(kd, "r-*")) {
		removeSet(set)
	}
	PrepareNamer = scmp.Tables{}
	kd = prepareNow(t)
	target, err := os.Readlink(filepath.Join(pool, hint))
	if err != nil || filepath.Join(pool, target) != kd {
		t.Fatalf("hint -> %q (%v), want %s", target, err, filepath.Base(kd))
	}
	sets := mustGlob(t, filepath.Join(kd, "r-*"))
	if len(sets) != 1 {
		t.Fatalf("sets %q", sets)
	}
	r := &recorder{}
	if err := r.openPooled(sets[0]); err != nil {
		t.Fatal(err)
	}
	defer r.objs.Close()
	defer r.bss.Close()
	var got [nrABIs * nrSlots]uint8
	if err := r.vars.argmask.Get(&got); err != nil {
		t.Fatal(err)
	}
	if want := argMask(PrepareNamer); got != want || got == ([nrABIs * nrSlots]uint8{}) {
		t.Errorf("the prepared .bss's argument mask is not the namer's")
	}
}

func mustGlob(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
