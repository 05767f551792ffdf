package recorder

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/cilium/ebpf"
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

// The cached kernel types, cold (built from the kernel's BTF) and warm
// (read back), give every CO-RE relocation of every program the fixup the
// whole kernel BTF gives, and the cached BTF IDs name bpf_rdonly_cast and
// task_struct in the whole kernel BTF. Reading /sys/kernel/btf/vmlinux needs
// no privileges.
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
		want, err := btf.CORERelocate(relos, []*btf.Spec{full}, ps.ByteOrder, noLocalIDs)
		if err != nil {
			t.Fatalf("%s: relocate against the kernel BTF: %v", name, err)
		}
		for which, types := range map[string]*btf.Spec{"cold": cold, "warm": warm} {
			got, err := btf.CORERelocate(relos, []*btf.Spec{types}, ps.ByteOrder, noLocalIDs)
			if err != nil {
				t.Fatalf("%s: relocate against the %s cache: %v", name, which, err)
			}
			for i := range relos {
				if g, w := fmt.Sprint(got[i]), fmt.Sprint(want[i]); g != w {
					t.Errorf("%s (%s cache): %v: fixup %s, want %s", name, which, relos[i], g, w)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no CO-RE relocations found: the test checks nothing")
	}
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

// A rebuild removes the cache files of older formats, and keeps later
// formats' files (another installed version's) and anything else.
func TestKernelTypesOlderFormatsRemoved(t *testing.T) {
	path := useCacheDir(t)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	older := []string{"kernel-types.btf", "kernel-types-v4.btf", fmt.Sprintf("kernel-types-v%d.btf", btfCacheVersion-1)}
	kept := []string{fmt.Sprintf("kernel-types-v%d.btf", btfCacheVersion+1), "kernel-types-v05.btf", "kernel-types-vx.btf", "notes.txt"}
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
	if btfCacheFile != fmt.Sprintf("kernel-types-v%d.btf", btfCacheVersion) || !strings.HasSuffix(btfCacheMagic, fmt.Sprintf(" v%d", btfCacheVersion)) {
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
			spec, ids, fromCache, err := kernelTypes4()
			if err != nil || fromCache != warm {
				t.Fatalf("kernel types: from cache %v, error %v", fromCache, err)
			}
			types <- typesResult{kernelInfo{spec: spec, ids: ids}, nil}
			r.types = types
			if err := r.load(); err != nil {
				t.Fatal(err)
			}
			if kernelIDsHook == nil {
				checkTaskBTFID(t, r, ids.TaskStruct)
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
				info, err := p.Info()
				if err != nil {
					t.Fatal(err)
				}
				if info.Type != ebpf.RawTracepoint {
					t.Errorf("%s: type %s, want %s", name, info.Type, ebpf.RawTracepoint)
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
			r := &recorder{opts: Options{Command: []string{"true"}}}
			defer r.close()
			types := make(chan typesResult, 1)
			spec, ids, _, err := kernelTypes4()
			if err != nil {
				t.Fatal(err)
			}
			types <- typesResult{kernelInfo{spec: spec, ids: ids}, nil}
			r.types = types
			if err := r.load(); err != nil {
				t.Fatal(err)
			}
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
func kernelTypes4() (*btf.Spec, bpf.KernelIDs, bool, error) {
	info, err := kernelTypes()
	return info.spec, info.ids, info.fromCache, err
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
	if err != nil || !strings.Contains(string(data), fmt.Sprintf(" refused=%d,%d prog=%s\n", fake.RdonlyCast, fake.TaskStruct, bpf.ObjectHash())) {
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
	line2, blob, _ := strings.Cut(rest, "\n")
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 8; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				writeKernelTypes(path, key, line2, []byte(blob))
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
