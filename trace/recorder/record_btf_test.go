package recorder

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
// whole kernel BTF gives. Reading /sys/kernel/btf/vmlinux needs no
// privileges.
func TestKernelTypesMatchKernel(t *testing.T) {
	path := useCacheDir(t)
	cold, fromCache, err := kernelTypes()
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
	warm, fromCache, err := kernelTypes()
	if err != nil || !fromCache {
		t.Fatalf("warm: from cache %v, error %v", fromCache, err)
	}
	full, err := btf.LoadKernelSpec()
	if err != nil {
		t.Fatal(err)
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

// A cache file that is damaged, from another kernel, or not private is
// rebuilt, and the rebuilt one is used next time.
func TestKernelTypesCacheRebuilt(t *testing.T) {
	path := useCacheDir(t)
	if _, _, err := kernelTypes(); err != nil {
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
	header := btfCacheMagic + " " + key + "\n"
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
			return os.WriteFile(path, append([]byte(btfCacheMagic+" release=0.0 size=1 mtime=0 structs=task_struct,pt_regs\n"), good[len(header):]...), 0o600)
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
			if _, fromCache, err := kernelTypes(); err != nil || fromCache {
				t.Fatalf("damaged cache: from cache %v, error %v", fromCache, err)
			}
			if st, err := os.Lstat(path); err == nil && st.IsDir() {
				os.Remove(path) // atomicfile cannot replace a directory
				if _, _, err := kernelTypes(); err != nil {
					t.Fatal(err)
				}
			}
			if _, fromCache, err := kernelTypes(); err != nil || !fromCache {
				t.Fatalf("after the rebuild: from cache %v, error %v", fromCache, err)
			}
		})
	}
	// A directory others can write to is not used at all.
	if err := os.Chmod(btfCacheDir, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, fromCache, err := kernelTypes(); err != nil || fromCache {
		t.Fatalf("shared directory: from cache %v, error %v", fromCache, err)
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
			spec, fromCache, err := kernelTypes()
			if err != nil || fromCache != warm {
				t.Fatalf("kernel types: from cache %v, error %v", fromCache, err)
			}
			types <- typesResult{spec, nil}
			r.types = types
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
