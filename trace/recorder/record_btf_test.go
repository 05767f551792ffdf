package recorder

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/seccomp-gen/seccomp-gen/bpf"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// useCacheDir points the kernel types cache at a fresh directory for the
// test.
func useCacheDir(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(kernelBTFPath); err != nil {
		testutil.SkipOrFail(t, "no kernel BTF: "+err.Error())
	}
	old := btfCacheDir
	btfCacheDir = filepath.Join(t.TempDir(), "cache")
	t.Cleanup(func() { btfCacheDir = old })
	return filepath.Join(btfCacheDir, btfCacheFile)
}

// The cached fixups, cold (computed from the kernel's BTF) and warm (read
// back), turn every program into exactly what cilium/ebpf makes of it
// against the whole kernel BTF, and leave no relocation for it to do; the
// cached BTF IDs name bpf_rdonly_cast and task_struct in the whole kernel
// BTF. Reading /sys/kernel/btf/vmlinux needs no privileges.
func TestKernelTypesMatchKernel(t *testing.T) {
	path := useCacheDir(t)
	cold, coldIDs, fromCache, err := kernelTypes4()
	if err != nil || fromCache {
		t.Fatalf("cold: from cache %v, error %v", fromCache, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("cache not written: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode %v, want 0600", st.Mode().Perm())
	}
	if dst, err := os.Stat(btfCacheDir); err != nil || dst.Mode().Perm() != 0o700 {
		t.Errorf("cache directory: %v %v, want mode 0700", dst.Mode(), err)
	}
	warm, warmIDs, fromCache, err := kernelTypes4()
	if err != nil || !fromCache {
		t.Fatalf("warm: from cache %v, error %v", fromCache, err)
	}
	full, err := btf.LoadKernelSpec()
	if err != nil {
		t.Fatal(err)
	}
	checkKernelIDs(t, full, map[string]bpf.KernelIDs{"cold": coldIDs, "warm": warmIDs})
	want := relocatedByCilium(t, full)
	for which, fixups := range map[string]coreFixups{"cold": cold, "warm": warm} {
		spec, err := bpf.LoadRecorder()
		if err != nil {
			t.Fatal(err)
		}
		if err := fixups.apply(spec); err != nil {
			t.Fatalf("%s cache: %v", which, err)
		}
		n := 0
		for name, ps := range spec.Programs {
			for i := range ps.Instructions {
				ins := &ps.Instructions[i]
				if relo := btf.CORERelocationMetadata(ins); relo != nil {
					t.Errorf("%s cache: %s instruction %d: %s left for cilium/ebpf", which, name, i, relo)
				}
				if w, ok := want[name][i]; ok {
					n++
					if got := insnOf(ins); got != w {
						t.Errorf("%s cache: %s instruction %d: %v, want %v", which, name, i, got, w)
					}
				}
			}
		}
		if n == 0 || n != len(fixups) {
			t.Errorf("%s cache: %d fixups, %d relocated instructions compared", which, len(fixups), n)
		}
	}
}

// relocatedByCilium returns the recorder's relocated instructions as
// cilium/ebpf relocates them against kernel, by program and index.
func relocatedByCilium(t *testing.T, kernel *btf.Spec) map[string]map[int]insn {
	t.Helper()
	spec, err := bpf.LoadRecorder()
	if err != nil {
		t.Fatal(err)
	}
	noLocalIDs := func(btf.Type) (btf.TypeID, error) { return 0, errors.New("no local type IDs") }
	out := map[string]map[int]insn{}
	for name, ps := range spec.Programs {
		var relos []*btf.CORERelocation
		var at []int
		for i := range ps.Instructions {
			if rel := btf.CORERelocationMetadata(&ps.Instructions[i]); rel != nil {
				relos = append(relos, rel)
				at = append(at, i)
			}
		}
		fixups, err := btf.CORERelocate(relos, []*btf.Spec{kernel}, ps.ByteOrder, noLocalIDs)
		if err != nil {
			t.Fatalf("%s: relocate against the kernel BTF: %v", name, err)
		}
		out[name] = map[int]insn{}
		for j, f := range fixups {
			ins := ps.Instructions[at[j]]
			if err := f.Apply(&ins); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out[name][at[j]] = insnOf(&ins)
		}
	}
	if len(out) == 0 {
		t.Fatal("no CO-RE relocations found: the test checks nothing")
	}
	return out
}

// checkKernelIDs checks cached IDs against the whole kernel BTF.
func checkKernelIDs(t *testing.T, full *btf.Spec, cached map[string]bpf.KernelIDs) {
	t.Helper()
	var fn *btf.Func
	hasCast := full.TypeByName("bpf_rdonly_cast", &fn) == nil
	for which, ids := range cached {
		if !hasCast {
			if ids != (bpf.KernelIDs{}) {
				t.Errorf("%s cache: IDs %+v for a kernel without bpf_rdonly_cast", which, ids)
			}
			continue
		}
		if !ids.Known() {
			t.Errorf("%s cache: IDs %+v, want both", which, ids)
			continue
		}
		for id, want := range map[btf.TypeID]btf.Type{ids.RdonlyCast: &btf.Func{Name: "bpf_rdonly_cast"}, ids.TaskStruct: &btf.Struct{Name: "task_struct"}} {
			got, err := full.TypeByID(id)
			if err != nil || fmt.Sprintf("%T %s", got, got.TypeName()) != fmt.Sprintf("%T %s", want, want.TypeName()) {
				t.Errorf("%s cache: kernel BTF ID %d is %v (%v), want %T %s", which, id, got, err, want, want.TypeName())
			}
		}
	}
	if !hasCast {
		t.Log("the kernel has no bpf_rdonly_cast: the cache must say so (zero IDs)")
	}
}

// A cache file that is damaged, from another kernel, or not private is
// rebuilt, and the rebuilt one is used next time.
func TestKernelTypesCacheRebuilt(t *testing.T) {
	path := useCacheDir(t)
	if _, _, _, err := kernelTypes4(); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	key, err := kernelTypesKey()
	if err != nil {
		t.Fatal(err)
	}
	line1, rest, _ := strings.Cut(string(good), "\n")
	line2, _, _ := strings.Cut(rest, "\n")
	if line1 != cacheHeader(key, []byte(rest)) {
		t.Fatalf("cache header %q", line1)
	}
	header := line1 + "\n" + line2 + "\n"
	// A link in the cache directory is replaced, never written through.
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if data, err := os.ReadFile(victim); err != nil || string(data) != "keep" {
			t.Errorf("a link's target was written: %q %v", data, err)
		}
	}()
	for name, damage := range map[string]func() error{
		"garbage":        func() error { return os.WriteFile(path, []byte("not btf at all"), 0o600) },
		"truncated blob": func() error { return os.WriteFile(path, good[:len(header)+100], 0o600) },
		"bad blob":       func() error { return os.WriteFile(path, append([]byte(header), make([]byte, 4096)...), 0o600) },
		"other kernel": func() error {
			return os.WriteFile(path, append([]byte(btfCacheMagic+" release=0.0 size=1 mtime=0 structs=task_struct,pt_regs\n"+line2+"\n"), good[len(header):]...), 0o600)
		},
		"older format": func() error {
			return os.WriteFile(path, append([]byte("seccomp-gen kernel types v3 "+key+"\n"), good[len(header):]...), 0o600)
		},
		"bad IDs line": func() error {
			return os.WriteFile(path, append([]byte(line1+"\nbpf_rdonly_cast=x task_struct=1\n"), good[len(header):]...), 0o600)
		},
		"bad refusal": func() error {
			return os.WriteFile(path, append([]byte(line1+"\n"+line2+" refused=1,2\n"), good[len(header):]...), 0o600)
		},
		// A BTF ID changed (one digit), the file otherwise well-formed:
		// only the checksum tells.
		"flipped ID": func() error {
			ids, refused, err := parseIDsLine(line2)
			if err != nil {
				return err
			}
			ids.TaskStruct ^= 1
			return os.WriteFile(path, append([]byte(line1+"\n"+idsLine(ids, refused)+"\n"), good[len(header):]...), 0o600)
		},
		// Well-formed headers over a body that is not: the checksum
		// holds, the parse refuses it.
		"bad object line":  rewrite(path, key, func(b string) string { return strings.Replace(b, "\nobject ", "\nobject x ", 1) }),
		"count too large":  rewrite(path, key, func(b string) string { return b[:strings.LastIndex(b[:len(b)-1], "\n")+1] }),
		"bad fixup line":   rewrite(path, key, func(b string) string { return strings.Replace(b, ",", ";", 1) }),
		"no final newline": rewrite(path, key, func(b string) string { return strings.TrimSuffix(b, "\n") }),
		"another object":   rewrite(path, key, func(b string) string { return strings.Replace(b, "\nobject ", "\nobject 0", 1) }),
		"no object":        rewrite(path, key, func(b string) string { return b[:strings.Index(b, "\n")+1] }),
		"too large": func() error {
			return os.WriteFile(path, append(append([]byte(nil), good...), make([]byte, maxCacheSize)...), 0o600)
		},
		"no IDs line": func() error {
			return os.WriteFile(path, append([]byte(line1+"\n"), good[len(header):]...), 0o600)
		},
		"empty":      func() error { return os.WriteFile(path, nil, 0o600) },
		"not ours":   func() error { return os.Chmod(path, 0o644) },
		"a symlink":  func() error { os.Remove(path); return os.Symlink(victim, path) },
		"no file":    func() error { return os.Remove(path) },
		"a dir here": func() error { os.Remove(path); return os.Mkdir(path, 0o700) },
	} {
		t.Run(name, func(t *testing.T) {
			if err := damage(); err != nil {
				t.Fatal(err)
			}
			if _, _, fromCache, err := kernelTypes4(); err != nil || fromCache {
				t.Fatalf("damaged cache: from cache %v, error %v", fromCache, err)
			}
			if st, err := os.Lstat(path); err == nil && st.IsDir() {
				os.Remove(path) // atomicfile cannot replace a directory
				if _, _, _, err := kernelTypes4(); err != nil {
					t.Fatal(err)
				}
			}
			if _, _, fromCache, err := kernelTypes4(); err != nil || !fromCache {
				t.Fatalf("after the rebuild: from cache %v, error %v", fromCache, err)
			}
		})
	}
	// A directory others can write to is not used at all.
	if err := os.Chmod(btfCacheDir, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, _, fromCache, err := kernelTypes4(); err != nil || fromCache {
		t.Fatalf("shared directory: from cache %v, error %v", fromCache, err)
	}
}

// rewrite returns a damage that edits the cache's body and writes it back
// under a header that matches it.
func rewrite(path, key string, edit func(body string) string) func() error {
	return func() error {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		_, body, _ := strings.Cut(string(data), "\n")
		body = edit(body)
		return os.WriteFile(path, []byte(cacheHeader(key, []byte(body))+"\n"+body), 0o600)
	}
}

// A rebuild removes the cache files of older formats, and keeps later
// formats' files (another installed version's) and anything else.
func TestKernelTypesOlderFormatsRemoved(t *testing.T) {
	path := useCacheDir(t)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	older := []string{"kernel-types.btf", "kernel-types-v4.btf", "kernel-types-v8.btf", fmt.Sprintf("kernel-types-v%d", btfCacheVersion-1)}
	kept := []string{fmt.Sprintf("kernel-types-v%d", btfCacheVersion+1), fmt.Sprintf("kernel-types-v%d.btf", btfCacheVersion+1),
		"kernel-types-v05.btf", "kernel-types-v05", "kernel-types-vx.btf", "kernel-types-v9.txt", "notes.txt"}
	for _, name := range append(append([]string(nil), older...), kept...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, fromCache, err := kernelTypes4(); err != nil || fromCache {
		t.Fatalf("from cache %v, error %v", fromCache, err)
	}
	for _, name := range older {
		if _, err := os.Lstat(filepath.Join(dir, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: older format still there (%v)", name, err)
		}
	}
	for _, name := range append(kept, btfCacheFile) {
		if _, err := os.Lstat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: removed: %v", name, err)
		}
	}
	if btfCacheFile != fmt.Sprintf("kernel-types-v%d", btfCacheVersion) || !strings.HasSuffix(btfCacheMagic, fmt.Sprintf(" v%d", btfCacheVersion)) {
		t.Errorf("btfCacheVersion %d disagrees with the file %q or the magic %q", btfCacheVersion, btfCacheFile, btfCacheMagic)
	}
}

// Record's start path, on a cold and on a warm cache: cilium/ebpf loads
// every program with the cached kernel types and the maps created
// beforehand, and the recording follows a fork and an exec.
func TestRecordLoad(t *testing.T) {
	testutil.RequireRoot(t)
	path := useCacheDir(t)
	for _, warm := range []bool{false, true} {
		t.Run(fmt.Sprintf("warm=%v", warm), func(t *testing.T) {
			// The whole of Record: sh forks ls.
			if _, err := os.Stat(path); (err == nil) != warm {
				t.Fatalf("cache file exists: %v, want %v", err == nil, warm)
			}
			rec := recordOrFail(t, Options{Command: []string{"sh", "-c", "ls / >/dev/null; exit 0"}})
			if rec.File.Processes != 2 || rec.File.Lost != 0 {
				t.Errorf("processes %d lost %d, want 2 and 0", rec.File.Processes, rec.File.Lost)
			}
			if s := mustHave(t, rec.File, "x86_64", "getdents64"); s.First != "ls" {
				t.Errorf("getdents64 first by %q, want ls", s.First)
			}
			if _, err := os.Stat(path); err != nil {
				t.Fatalf("Record did not cache the kernel types: %v", err)
			}

			// load alone, on the same kind of cache.
			if !warm {
				os.Remove(path)
			}
			r := &recorder{opts: Options{Command: []string{"true"}}}
			defer r.close()
			types := make(chan typesResult, 1)
			fixups, ids, fromCache, err := kernelTypes4()
			if err != nil || fromCache != warm {
				t.Fatalf("kernel types: from cache %v, error %v", fromCache, err)
			}
			types <- typesResult{kernelInfo{fixups: fixups, ids: ids}, nil}
			r.types = types
			if err := r.load(); err != nil {
				t.Fatal(err)
			}
			if kernelIDsHook == nil {
				checkTaskBTFID(t, r, ids.TaskStruct)
			}
			progs := map[string]*ebpf.Program{
				"sys_enter":          r.objs.SysEnter,
				"sched_process_exec": r.objs.SchedProcessExec,
				"sched_process_exit": r.objs.SchedProcessExit,
			}
			// One fork program: the tp_btf one where the kernel has the
			// tracepoint's type (and the kfunc IDs are in use), else the
			// raw_tp one.
			switch {
			case r.objs.SchedProcessForkBtf != nil && r.objs.SchedProcessFork != nil && r.objs.Counts.MaxEntries() <= forkVoidMaxCPUs:
				t.Fatal("both fork programs loaded")
			case r.objs.SchedProcessForkBtf != nil:
				progs["sched_process_fork_btf"] = r.objs.SchedProcessForkBtf
			default:
				progs["sched_process_fork"] = r.objs.SchedProcessFork
			}
			if wantBTF := ids.ForkTP != 0 && kernelIDsHook == nil; (r.objs.SchedProcessForkBtf != nil) != wantBTF {
				t.Errorf("sched_process_fork_btf loaded %v, want %v", r.objs.SchedProcessForkBtf != nil, wantBTF)
			}
			for name, p := range progs {
				if p == nil {
					t.Fatalf("%s: not loaded", name)
				}
				info, err := p.Info()
				if err != nil {
					t.Fatal(err)
				}
				want := ebpf.RawTracepoint
				if name == "sched_process_fork_btf" {
					want = ebpf.Tracing
				}
				if info.Type != want {
					t.Errorf("%s: type %s, want %s", name, info.Type, want)
				}
			}
		})
	}
}

// checkTaskBTFID checks the loaded cfg_task_btf_id: the kernel's task_struct
// ID when sys_enter reads task->bpf_storage through bpf_rdonly_cast, 0 when
// it reads it from the trusted task pointer.
func checkTaskBTFID(t *testing.T, r *recorder, want btf.TypeID) {
	t.Helper()
	var got uint32
	if err := r.objs.CfgTaskBtfId.Get(&got); err != nil {
		t.Fatal(err)
	}
	if btf.TypeID(got) != want {
		t.Errorf("loaded cfg_task_btf_id %d, want %d", got, want)
	}
}

// Both ways sys_enter reads task->bpf_storage (recorder.c,
// task_storage_ptr) load and record alike: through bpf_rdonly_cast with the
// cached kernel IDs, from the trusted task pointer without them (a kernel
// before 6.2), and from the trusted pointer after the kernel refused the
// kfunc call (here: an ID that is not a function's).
func TestRecordTaskStorageRead(t *testing.T) {
	testutil.RequireRoot(t)
	useCacheDir(t)
	_, ids, _, err := kernelTypes4()
	if err != nil {
		t.Fatal(err)
	}
	if !ids.Known() {
		testutil.SkipOrFail(t, "the kernel has no bpf_rdonly_cast (before Linux 6.2): only the trusted read can be tested")
	}
	old := kernelIDsHook
	t.Cleanup(func() { kernelIDsHook = old })
	for _, tc := range []struct {
		name string
		ids  bpf.KernelIDs
		want btf.TypeID // cfg_task_btf_id loaded
	}{
		{"untrusted", ids, ids.TaskStruct},
		{"trusted", bpf.KernelIDs{}, 0},
		{"refused", bpf.KernelIDs{RdonlyCast: ids.TaskStruct, TaskStruct: ids.TaskStruct}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kernelIDsHook = func(bpf.KernelIDs) bpf.KernelIDs { return tc.ids }
			fixups, ids, _, err := kernelTypes4()
			if err != nil {
				t.Fatal(err)
			}
			r := loadedRecorder(t, kernelInfo{fixups: fixups, ids: ids})
			checkTaskBTFID(t, r, tc.want)
			r.close()

			// sh forks a subshell that forks ls; a thread storm is in the
			// ground truth tests, which run on either read with
			// SECCOMP_GEN_TEST_KERNEL_IDS (main_test.go).
			rec := recordOrFail(t, Options{Command: []string{"sh", "-c", "(ls / >/dev/null; true); exit 0"}})
			if rec.File.Processes != 3 || rec.File.Lost != 0 {
				t.Errorf("processes %d lost %d, want 3 and 0", rec.File.Processes, rec.File.Lost)
			}
			if s := mustHave(t, rec.File, "x86_64", "getdents64"); s.First != "ls" {
				t.Errorf("getdents64 first by %q, want ls", s.First)
			}
		})
	}
}

// kernelTypes4 is kernelTypes as four values.
func kernelTypes4() (coreFixups, bpf.KernelIDs, bool, error) {
	info, err := kernelTypes()
	return info.fixups, info.ids, info.fromCache, err
}

// A kernel's refusal of the kfunc call is noted in the kernel types cache
// after the first load, and later loads of the same object on the same
// kernel go straight to the trusted read; the note covers only the IDs
// refused and this binary's object, and a rebuilt cache has none.
func TestKfuncRefusalCached(t *testing.T) {
	testutil.RequireRoot(t)
	path := useCacheDir(t)
	info, err := kernelTypes()
	if err != nil {
		t.Fatal(err)
	}
	if !info.ids.Known() {
		testutil.SkipOrFail(t, "the kernel has no bpf_rdonly_cast (before Linux 6.2): nothing to refuse")
	}
	real := info.ids
	fake := bpf.KernelIDs{RdonlyCast: real.TaskStruct, TaskStruct: real.TaskStruct} // not a function: refused
	oldIDs, oldLoad := kernelIDsHook, loadHook
	t.Cleanup(func() { kernelIDsHook, loadHook = oldIDs, oldLoad })
	var tried []bpf.KernelIDs
	loadHook = func(ids bpf.KernelIDs) { tried = append(tried, ids) }
	load := func(ids bpf.KernelIDs, want ...bpf.KernelIDs) {
		t.Helper()
		kernelIDsHook = func(bpf.KernelIDs) bpf.KernelIDs { return ids }
		info, err := kernelTypes()
		if err != nil {
			t.Fatal(err)
		}
		r := &recorder{opts: Options{Command: []string{"true"}}}
		defer r.close()
		types := make(chan typesResult, 1)
		types <- typesResult{info, nil}
		r.types = types
		tried = nil
		if err := r.load(); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(tried, want) {
			t.Errorf("loads tried with IDs %v, want %v", tried, want)
		}
		var wantID btf.TypeID
		if ids == real {
			wantID = real.TaskStruct
		}
		checkTaskBTFID(t, r, wantID)
	}
	none := bpf.KernelIDs{}
	load(fake, fake, none) // refused, then the trusted read
	data, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(data), fmt.Sprintf(" refused=%d,%d,%d prog=%s\n", fake.RdonlyCast, fake.TaskStruct, fake.ForkTP, bpf.ObjectHash())) {
		t.Fatalf("no refusal noted in the cache (%v): %q", err, strings.SplitN(string(data), "\n", 3)[:2])
	}
	load(fake, none) // noted: not tried again
	load(real, real) // not refused: still tried, and loads
	load(fake, none)

	// A note about another object is not used (and is replaced).
	_, rest, _ := strings.Cut(string(data), "\n")
	_, blob, _ := strings.Cut(rest, "\n")
	other := idsLine(real, kfuncRefusal{ids: fake, prog: strings.Repeat("0", 64)})
	key, err := kernelTypesKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(cacheHeader(key, []byte(other+"\n"+blob))+"\n"+other+"\n"+blob), 0o600); err != nil {
		t.Fatal(err)
	}
	load(fake, fake, none)
	load(fake, none)

	// A cache rebuilt (another kernel, here: removed) has no note.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	load(fake, fake, none)
}

// Starts that write the cache at the same time (a CI job starting several
// traces at once) leave one whole, usable file and no temporary one, and a
// reader meanwhile never takes a half-written file.
func TestKernelTypesCacheConcurrent(t *testing.T) {
	path := useCacheDir(t)
	if _, _, _, err := kernelTypes4(); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	key, err := kernelTypesKey()
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(good), "\n")
	c, err := parseTypesCache([]byte(rest))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 8; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				writeKernelTypes(path, key, c)
			}
		}()
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				if _, err := readKernelTypes(path, key); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("read while others wrote: %v", err)
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	if len(ents) != 1 {
		t.Errorf("cache directory holds %v, want only %s", ents, btfCacheFile)
	}
}

// CheckKernelTypesCache (what doctor reports) agrees with what the next
// start does: nil exactly when it reads the cache; it creates nothing.
func TestCheckKernelTypesCache(t *testing.T) {
	path := useCacheDir(t)
	if err := CheckKernelTypesCache(); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("no cache directory: %v, want not exist", err)
	}
	if _, err := os.Lstat(btfCacheDir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the check created the directory: %v", err)
	}
	if _, _, _, err := kernelTypes4(); err != nil {
		t.Fatal(err)
	}
	if err := CheckKernelTypesCache(); err != nil {
		t.Fatalf("fresh cache: %v", err)
	}
	if err := os.WriteFile(path, []byte("not btf at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckKernelTypesCache(); err == nil || errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrTypesCacheDir) {
		t.Fatalf("damaged cache: %v, want why it is not used", err)
	}
	if _, _, fromCache, err := kernelTypes4(); err != nil || fromCache {
		t.Fatalf("damaged cache: from cache %v, error %v", fromCache, err)
	}
	if err := os.Chmod(btfCacheDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := CheckKernelTypesCache(); !errors.Is(err, ErrTypesCacheDir) {
		t.Fatalf("directory others can read: %v, want %v", err, ErrTypesCacheDir)
	}
	if _, _, fromCache, err := kernelTypes4(); err != nil || fromCache {
		t.Fatalf("directory others can read: from cache %v, error %v", fromCache, err)
	}
}

// The cache keeps the fixups of other objects (other builds of the
// programs, another installed seccomp-gen), the newest fixupsKeep, and
// adds this one's first without losing theirs.
func TestKernelTypesOtherObjects(t *testing.T) {
	path := useCacheDir(t)
	ours, ids, _, err := kernelTypes4()
	if err != nil {
		t.Fatal(err)
	}
	key, err := kernelTypesKey()
	if err != nil {
		t.Fatal(err)
	}
	other := func(i int) string { return fmt.Sprintf("%064x+other", i) }
	c := typesCache{ids: ids}
	for i := 1; i <= fixupsKeep; i++ {
		c.add(other(i), ours[:1]) // other(fixupsKeep) is the newest
	}
	writeKernelTypes(path, key, c)
	if _, _, fromCache, err := kernelTypes4(); err != nil || fromCache {
		t.Fatalf("this object missing: from cache %v, error %v", fromCache, err)
	}
	got, err := readCacheFile(path, key)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{objectKey()}
	for i := fixupsKeep; len(want) < fixupsKeep; i-- {
		want = append(want, other(i))
	}
	if !reflect.DeepEqual(got.order, want) || len(got.objects) != len(want) {
		t.Errorf("objects %v (%d), want %v", got.order, len(got.objects), want)
	}
	if !reflect.DeepEqual(got.objects[objectKey()], ours) {
		t.Error("this object's fixups differ from the ones computed")
	}
	if _, _, fromCache, err := kernelTypes4(); err != nil || !fromCache {
		t.Fatalf("after the rebuild: from cache %v, error %v", fromCache, err)
	}
}

// apply changes nothing unless the fixups answer exactly the programs'
// relocations; then load relocates with cilium/ebpf as before.
func TestCoreFixupsApplyRefuses(t *testing.T) {
	useCacheDir(t)
	good, _, _, err := kernelTypes4()
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(fs coreFixups) coreFixups) coreFixups {
		return f(append(coreFixups(nil), good...))
	}
	for name, fs := range map[string]coreFixups{
		"none":        nil,
		"one missing": good[1:],
		"one more":    append(append(coreFixups(nil), good...), coreFixup{prog: "sys_enter", index: 0}),
		"twice":       append(append(coreFixups(nil), good...), good[0]),
		"other index": edit(func(fs coreFixups) coreFixups { fs[0].index++; return fs }),
		"other prog":  edit(func(fs coreFixups) coreFixups { fs[0].prog = "nope"; return fs }),
		"other insn":  edit(func(fs coreFixups) coreFixups { fs[0].pre.off++; fs[0].pre.imm++; return fs }),
	} {
		t.Run(name, func(t *testing.T) {
			spec, err := bpf.LoadRecorder()
			if err != nil {
				t.Fatal(err)
			}
			before := programText(spec)
			if err := fs.apply(spec); err == nil {
				t.Fatal("applied")
			}
			if programText(spec) != before {
				t.Error("a refused apply changed the programs")
			}
		})
	}
}

// A fixup cilium/ebpf poisons (a field this kernel lacks, read under
// bpf_core_field_exists) replaces its instruction with the invalid call
// cilium/ebpf makes, which the verifier refuses only if the program can
// reach it. No kernel the suite runs on lacks a field the programs read,
// so the fixups are real but for one poisoned by hand: applying it as a
// plain fixup (the relocated instruction's opcode kept with the call's
// operands) passed the suite.
func TestCoreFixupsApplyPoisoned(t *testing.T) {
	useCacheDir(t)
	good, _, _, err := kernelTypes4()
	if err != nil {
		t.Fatal(err)
	}
	fs := append(coreFixups(nil), good...)
	i := slices.IndexFunc(fs, func(f coreFixup) bool { return !f.pre.op.IsDWordLoad() })
	if i < 0 {
		t.Fatal("no fixup of a single-size instruction")
	}
	call := asm.BuiltinFunc(btf.COREBadRelocationSentinel).Call()
	fs[i].post = insnOf(&call)
	spec, err := bpf.LoadRecorder()
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.apply(spec); err != nil {
		t.Fatal(err)
	}
	got := spec.Programs[fs[i].prog].Instructions[fs[i].index]
	if insnOf(&got) != fs[i].post || btf.CORERelocationMetadata(&got) != nil {
		t.Errorf("%s instruction %d: %v (relocation %v), want the poisoned call %v", fs[i].prog, fs[i].index, got, btf.CORERelocationMetadata(&got), call)
	}
}

// programText is every program's instructions and CO-RE relocations.
func programText(spec *ebpf.CollectionSpec) string {
	var b strings.Builder
	for _, name := range sortedPrograms(spec) {
		for i, ins := range spec.Programs[name].Instructions {
			fmt.Fprintf(&b, "%s %d %v %v\n", name, i, ins, btf.CORERelocationMetadata(&ins))
		}
	}
	return b.String()
}

// Instructions survive the cache's text form, at the ends of their ranges;
// out-of-range or malformed ones are refused.
func TestInsnText(t *testing.T) {
	for _, i := range []insn{{}, {op: 255, dst: 255, src: 255, off: -32768, imm: -1 << 63}, {op: 97, dst: 1, src: 7, off: 32767, imm: 1<<63 - 1}} {
		got, err := parseInsn(i.String())
		if err != nil || got != i {
			t.Errorf("%v: read back %v, %v", i, got, err)
		}
	}
	for _, s := range []string{"", "1,2,3,4", "1,2,3,4,5,6", "256,0,0,0,0", "0,-1,0,0,0", "0,0,0,32768,0", "0,0,0,0,9223372036854775808", "0,0,0,0,x", "0, 0,0,0,0"} {
		if got, err := parseInsn(s); err == nil {
			t.Errorf("%q: read as %v", s, got)
		}
	}
}

// The fork is followed three ways, and each records a forking command
// alike (its processes, their syscalls, nothing lost, and the recording
// ends): by sched_process_fork_btf, which marks the child at the fork
// (the kernel's tracepoint type ID from the cache); by the raw_tp program
// alone with pending entries (no ID: a kernel without the type); and by
// the raw_tp program after the kernel refused the tp_btf one (an ID that
// is not the tracepoint's), where sys_enter and the raw_tp program are
// loaded again with cfg_fork_btf 0. A program loaded with the wrong
// cfg_fork_btf loses the children: no pending entry, or one never taken.
func TestRecordForkBTF(t *testing.T) {
	testutil.RequireRoot(t)
	useCacheDir(t)
	info, err := kernelTypes()
	if err != nil {
		t.Fatal(err)
	}
	if info.ids.ForkTP == 0 {
		testutil.SkipOrFail(t, "the kernel's BTF has no btf_trace_sched_process_fork: only the raw_tp fork program can be tested")
	}
	old := forkBTFHook
	t.Cleanup(func() { forkBTFHook = old })
	for _, tc := range []struct {
		name     string
		id       btf.TypeID
		btfProg  bool   // sched_process_fork_btf loaded
		children string // what Started.Children begins with
	}{
		{"tp_btf", info.ids.ForkTP, true, "at the fork"},
		// As on a machine of more possible CPUs than forkVoidMaxCPUs:
		// the raw_tp program voids the notes after the tp_btf one.
		{"tp_btf, raw_tp voids", info.ids.ForkTP, true, "at the fork"},
		{"raw_tp", 0, false, "at their first syscall (the kernel's BTF lacks btf_trace_sched_process_fork"},
		{"refused", info.ids.TaskStruct, false, "at their first syscall (the kernel refused the tp_btf fork program: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forkBTFHook = func(btf.TypeID) btf.TypeID { return tc.id }
			rawVoids := strings.Contains(tc.name, "raw_tp voids")
			if rawVoids {
				defer func(old uint32) { forkVoidMaxCPUs = old }(forkVoidMaxCPUs)
				forkVoidMaxCPUs = 0
			}
			r := loadedRecorder(t, info)
			var on uint32
			if err := r.objs.CfgForkBtf.Get(&on); err != nil {
				t.Fatal(err)
			}
			if got := r.objs.SchedProcessForkBtf != nil; got != tc.btfProg || (on == 1) != tc.btfProg {
				t.Errorf("sched_process_fork_btf loaded %v, sys_enter's cfg_fork_btf %d; want %v", got, on, tc.btfProg)
			}
			var void uint32
			if err := r.objs.CfgForkVoid.Get(&void); err != nil {
				t.Fatal(err)
			}
			if wantRaw := !tc.btfProg || rawVoids; (r.objs.SchedProcessFork != nil) != wantRaw || (void == 1) != (tc.btfProg && !rawVoids) {
				t.Errorf("raw_tp fork program loaded %v, cfg_fork_void %d; want %v and %v", r.objs.SchedProcessFork != nil, void, wantRaw, tc.btfProg && !rawVoids)
			}
			if (r.forkBTFErr != nil) != (tc.name == "refused") {
				t.Errorf("tp_btf load error %v", r.forkBTFErr)
			}
			// What trace -v and doctor say (Started.Children).
			if got := r.children(); !strings.HasPrefix(got, tc.children) {
				t.Errorf("children marked %q, want %q...", got, tc.children)
			}
			checkPending(t, r, tc.btfProg)
			r.close()
			if tc.name == "refused" && kernelIDsHook == nil {
				// (With SECCOMP_GEN_TEST_KERNEL_IDS the kfunc's refusal is
				// noted first, and stays.)
				// The refusal is noted in the cache: the next start on
				// this kernel loads the raw_tp program at once, without
				// trying (so without loading sys_enter twice), and says
				// why; the tracepoint's real ID is not affected.
				again, err := kernelTypes()
				if err != nil {
					t.Fatal(err)
				}
				if !again.refused.forkRefused(tc.id) || again.refused.forkRefused(info.ids.ForkTP) || again.refused.covers(info.ids) {
					t.Fatalf("cache's refusal note %+v, want the tp_btf program's with ID %d alone", again.refused, tc.id)
				}
				r := loadedRecorder(t, again)
				if r.forkBTFErr != nil || r.objs.SchedProcessForkBtf != nil || r.objs.SchedProcessFork == nil {
					t.Errorf("after the note: tp_btf error %v, tp_btf loaded %v, raw_tp loaded %v; want no try, raw_tp", r.forkBTFErr, r.objs.SchedProcessForkBtf != nil, r.objs.SchedProcessFork != nil)
				}
				if got := r.children(); !strings.Contains(got, "at an earlier start") {
					t.Errorf("after the note: children marked %q", got)
				}
				r.close()
				forkBTFHook = func(btf.TypeID) btf.TypeID { return info.ids.ForkTP }
				r = loadedRecorder(t, again)
				if r.objs.SchedProcessForkBtf == nil {
					t.Errorf("the note kept the tracepoint's real ID from being used: %v", r.forkBTFErr)
				}
				r.close()
				forkBTFHook = func(btf.TypeID) btf.TypeID { return tc.id }
			}

			runs := 1
			if tc.name == "refused" {
				// Once more where the refusal is not noted yet: the
				// trace then falls back from the tp_btf program while
				// loading (a pending map of full size, exit loaded again).
				runs = 2
			}
			for i := 0; i < runs; i++ {
				if i == 1 {
					useCacheDir(t)
				}
				var children string
				rec := recordOrFail(t, Options{Command: []string{"sh", "-c", "(ls / >/dev/null; true); cat /dev/null & wait; exit 0"},
					OnStart: func(s Started) { children = s.Children }})
				// Run 0 of "refused" falls back too where the cache's
				// line holds a kfunc refusal instead of the fork one
				// (SECCOMP_GEN_TEST_KERNEL_IDS=refused).
				fell := strings.Contains(children, "refused the tp_btf fork program: ")
				if i == 1 && !fell || tc.name != "refused" && fell {
					t.Errorf("run %d: children marked %q: fell back while loading %v", i, children, fell)
				}
				if rec.File.Processes != 4 || rec.File.Lost != 0 {
					t.Errorf("run %d: processes %d lost %d, want 4 and 0", i, rec.File.Processes, rec.File.Lost)
				}
				if s := mustHave(t, rec.File, "x86_64", "getdents64"); s.First != "ls" {
					t.Errorf("run %d: getdents64 first by %q, want ls", i, s.First)
				}
				mustHave(t, rec.File, "x86_64", "fadvise64") // cat's
			}
		})
	}
}

// checkPending: where the tp_btf fork program is used, the pending map
// has one entry (it is never added to); else, also after the tp_btf
// program was refused while loading, its full size, and every program that
// uses pending uses that map (the exit program is loaded again with it).
func checkPending(t *testing.T, r *recorder, btfFork bool) {
	t.Helper()
	want := uint32(1)
	if !btfFork {
		spec, err := bpf.LoadRecorder()
		if err != nil {
			t.Fatal(err)
		}
		want = spec.Maps[bpf.RecorderMapPending].MaxEntries
	}
	info, err := r.objs.Pending.Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.MaxEntries != want {
		t.Errorf("pending has %d entries, want %d", info.MaxEntries, want)
	}
	id, ok := info.ID()
	if !ok {
		t.Fatal("no map IDs on this kernel")
	}
	progs := map[string]*ebpf.Program{"sys_enter": r.objs.SysEnter, "sched_process_exit": r.objs.SchedProcessExit}
	if r.objs.SchedProcessFork != nil {
		progs["sched_process_fork"] = r.objs.SchedProcessFork
	}
	for name, p := range progs {
		pi, err := p.Info()
		if err != nil {
			t.Fatal(err)
		}
		ids, _ := pi.MapIDs()
		if !slices.Contains(ids, id) {
			t.Errorf("%s uses maps %v, not pending's %d", name, ids, id)
		}
	}
}

// loadedRecorder loads the recorder's programs (for a command, not
// started) with info as the kernel types, and closes them at the end of
// the test.
func loadedRecorder(t *testing.T, info kernelInfo) *recorder {
	t.Helper()
	r := &recorder{opts: Options{Command: []string{"true"}}}
	t.Cleanup(r.close)
	types := make(chan typesResult, 1)
	types <- typesResult{info, nil}
	r.types = types
	if err := r.load(); err != nil {
		t.Fatal(err)
	}
	return r
}

// splitExact takes exactly as many fields as asked for.
func TestSplitExact(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want []string
	}{
		{"a,b,c", 3, []string{"a", "b", "c"}},
		{",,", 3, []string{"", "", ""}},
		{"a,b", 3, nil},
		{"a,b,c,d", 3, nil},
		{"", 1, []string{""}},
		{"a,", 1, nil},
		{"", 0, []string{}},
		{"a", 0, nil},
	} {
		f := make([]string, c.n)
		ok := splitExact(c.s, ',', f)
		if ok != (c.want != nil) || ok && strings.Join(f, "|") != strings.Join(c.want, "|") {
			t.Errorf("splitExact(%q, %d) = %q %v, want %q", c.s, c.n, f, ok, c.want)
		}
	}
}
