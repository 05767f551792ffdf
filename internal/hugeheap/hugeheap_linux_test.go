package hugeheap

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// minflt is this process's minor page faults so far.
func minflt(t *testing.T) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return ru.Minflt
}

// A fresh stretch of Go heap is advised MADV_HUGEPAGE and, where the
// kernel gives huge pages to advised memory, touching 32 MiB of it costs a
// fault per 2 MiB, not one per 4 KiB page. Without the wrapper (-tags
// nohugeheap; or a Go runtime that stopped mapping through the C library)
// the mapping carries no hg flag and the touch takes ~8192 faults.
func TestHeapInHugePages(t *testing.T) {
	if !Enabled {
		t.Skip("SKIPPED (not a failure): built with -tags nohugeheap or without cgo: the heap is not advised")
	}
	const size = 32 << 20
	b := make([]byte, size) // a large object: fresh memory the runtime maps now
	st, err := Mapping(unsafe.Pointer(&b[0]))
	if err != nil {
		t.Fatal(err)
	}
	if st.THP == "" {
		t.Skip("SKIPPED (not a failure): this kernel has no transparent huge pages (" + thpEnabled + " is missing); the advice is moot")
	}
	if st.Off != "" {
		// Huge pages are off by choice (SECCOMP_GEN_HUGEHEAP=off, or a
		// host that takes free memory back): nothing is advised.
		if st.Advised || st.AnonHugeBytes != 0 {
			t.Errorf("huge pages are off (%s), yet the heap mapping is advised or in huge pages: %+v", st.Off, st)
		}
		return
	}
	if !st.Advised {
		t.Fatalf("the Go heap mapping holding a fresh 32 MiB object is not advised MADV_HUGEPAGE (no hg in its VmFlags): %+v", st)
	}
	if st.THP == "never" {
		t.Skip("SKIPPED (not a failure): the heap is advised, but the kernel's THP mode is never: no huge pages to count")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before := minflt(t)
	for i := 0; i < size; i += 4096 {
		b[i] = 1
	}
	faults := minflt(t) - before
	after, err := Mapping(unsafe.Pointer(&b[0]))
	if err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(b)
	pages := int64(size / 4096)
	t.Logf("touching %d pages of fresh heap: %d page faults; %d MiB of the mapping in huge pages (THP mode %s)", pages, faults, after.AnonHugeBytes>>20, after.THP)
	if after.AnonHugeBytes == 0 {
		t.Errorf("no huge pages in the advised mapping after touching 32 MiB of it (THP mode %s; memory too fragmented for a 2 MiB page?)", after.THP)
	}
	if faults > pages/8 {
		t.Errorf("%d page faults touching %d pages of advised heap, want at most %d (one per 2 MiB, and some for the rest of the process)", faults, pages, pages/8)
	}
}

// Heap reads this process's state; Describe says it.
func TestHeapDescribe(t *testing.T) {
	if !Enabled {
		t.Skip("SKIPPED (not a failure): built with -tags nohugeheap or without cgo: the heap is not advised")
	}
	st, err := Heap()
	if err != nil {
		t.Fatal(err)
	}
	d := st.Describe()
	switch {
	case st.Off == "reporting":
		if st.Advised || !strings.HasPrefix(d, "4 KiB pages (this machine's host takes free memory back") {
			t.Errorf("Heap = %+v, Describe = %q", st, d)
		}
	case st.Off == "env":
		if st.Advised || d != "4 KiB pages (SECCOMP_GEN_HUGEHEAP=off)" {
			t.Errorf("Heap = %+v, Describe = %q", st, d)
		}
	case st.THP == "":
		if d != "4 KiB pages (the kernel has no transparent huge pages)" {
			t.Errorf("Describe = %q", d)
		}
	case st.THP != "never":
		if !st.Advised || d != "2 MiB pages (MADV_HUGEPAGE; the kernel's THP mode: "+st.THP+")" {
			t.Errorf("Heap = %+v, Describe = %q", st, d)
		}
	}
}

func TestDescribe(t *testing.T) {
	notAdvised := "4 KiB pages (not advised: the Go runtime did not map it through the C library)"
	if !Enabled {
		notAdvised = "4 KiB pages (built with -tags nohugeheap, or without cgo)"
	}
	for _, c := range []struct {
		st   State
		want string
	}{
		{State{}, "4 KiB pages (the kernel has no transparent huge pages)"},
		{State{THP: "madvise", Advised: true, NoHuge: true}, "4 KiB pages (GODEBUG=disablethp=1)"},
		{State{THP: "madvise"}, notAdvised},
		{State{THP: "never", Advised: true}, "huge pages advised, but the kernel's THP mode is never: 4 KiB pages"},
		{State{THP: "always", Advised: true}, "2 MiB pages (MADV_HUGEPAGE; the kernel's THP mode: always)"},
	} {
		if got := c.st.Describe(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.st, got, c.want)
		}
	}
}

// The runtime's off-heap metadata of this process's start (span
// structures, itabs, the GC's bitmaps) is in the arena, and the arena is
// advised MADV_HUGEPAGE and, where the kernel gives huge pages to advised
// memory, in them. Without the arena (-tags nohugeheap, GODEBUG=
// disablethp=1) every page of that metadata is a fault of its own.
func TestMetadataArena(t *testing.T) {
	if !Enabled {
		t.Skip("SKIPPED (not a failure): built with -tags nohugeheap or without cgo: no arena")
	}
	base, used := arenaState()
	if off := offReason(); off != "" {
		if base != 0 {
			t.Errorf("huge pages are off (%s), yet a metadata arena was made at %#x", off, base)
		}
		return
	}
	if base == 0 {
		if disabled(os.Getenv("GODEBUG")) {
			t.Skip("SKIPPED (not a failure): GODEBUG=disablethp=1: no arena")
		}
		t.Fatal("no metadata arena was made")
	}
	t.Logf("metadata arena: %d KiB of %d KiB handed out", used>>10, arenaLen>>10)
	if used < 256<<10 {
		t.Errorf("the arena handed out %d bytes: the runtime's metadata (a persistentalloc chunk at least) is not in it", used)
	}
	if base%minLen != 0 {
		t.Errorf("the arena at %#x is not aligned to a huge page", base)
	}
	st, err := mappingOf(base)
	if err != nil {
		t.Fatal(err)
	}
	st.THP = THPMode()
	if !st.Advised {
		t.Errorf("the arena's mapping is not advised MADV_HUGEPAGE: %+v", st)
	}
	if (st.THP == "madvise" || st.THP == "always") && st.AnonHugeBytes == 0 {
		t.Errorf("the arena's mapping has no huge page (THP mode %s; memory too fragmented for a 2 MiB page?)", st.THP)
	}
}

// Both choices, whatever this machine's own is: the tests above run again
// in a child with SECCOMP_GEN_HUGEHEAP=on (huge pages even where the host
// takes free memory back) and =off (none), and must pass there; the
// child's heap must say which.
func TestModes(t *testing.T) {
	if !Enabled {
		t.Skip("SKIPPED (not a failure): built with -tags nohugeheap or without cgo: no modes")
	}
	if THPMode() == "" || THPMode() == "never" {
		t.Skip("SKIPPED (not a failure): this kernel gives no huge pages to advised memory (THP mode " + THPMode() + ")")
	}
	if os.Getenv("HUGEHEAP_TEST_CHILD") != "" {
		t.Skip("in the child")
	}
	for _, c := range []struct{ env, want string }{
		{"on", "2 MiB pages (MADV_HUGEPAGE"},
		{"off", "4 KiB pages (SECCOMP_GEN_HUGEHEAP=off)"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run", "^(TestHeapInHugePages|TestHeapDescribe|TestMetadataArena|TestModeChild)$", "-test.v")
		cmd.Env = append(os.Environ(), "SECCOMP_GEN_HUGEHEAP="+c.env, "HUGEHEAP_TEST_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("SECCOMP_GEN_HUGEHEAP=%s: %v\n%s", c.env, err, out)
			continue
		}
		if !strings.Contains(string(out), "heap: "+c.want) {
			t.Errorf("SECCOMP_GEN_HUGEHEAP=%s: the child's heap is not %q:\n%s", c.env, c.want, out)
		}
	}
}

// TestModeChild says the heap's state, for TestModes.
func TestModeChild(t *testing.T) {
	if os.Getenv("HUGEHEAP_TEST_CHILD") == "" {
		t.Skip("run by TestModes")
	}
	st, err := Heap()
	if err != nil {
		t.Fatal(err)
	}
	t.Log("heap: " + st.Describe())
}

// A virtio device bound to the balloon driver with feature bit 5
// (VIRTIO_BALLOON_F_REPORTING) set in its features string is free page
// reporting; other bits, other entries, a short or missing file, or no
// such directory are not.
func TestReportingIn(t *testing.T) {
	if !Enabled {
		t.Skip("SKIPPED (not a failure): built with -tags nohugeheap or without cgo")
	}
	mk := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		for name, content := range files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	for _, c := range []struct {
		name  string
		files map[string]string
		want  bool
	}{
		{"reporting", map[string]string{"virtio0/features": "0110010100000000\n"}, true},
		{"second device", map[string]string{"virtio0/features": "0110000000\n", "virtio7/features": "0000011\n"}, true},
		{"no reporting", map[string]string{"virtio0/features": "0111101111111111\n"}, false},
		{"short", map[string]string{"virtio0/features": "01100\n"}, false},
		{"not a device", map[string]string{"module/features": "0000010\n", "bind/features": "1111111\n"}, false},
		{"no features file", map[string]string{"virtio0/device": "0x0005\n"}, false},
		{"empty", map[string]string{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := reportingIn(mk(t, c.files)); got != c.want {
				t.Errorf("reportingIn = %v, want %v", got, c.want)
			}
		})
	}
	if reportingIn(filepath.Join(t.TempDir(), "missing")) {
		t.Error("a missing directory is reporting")
	}
	// Many entries: more than one getdents64 buffer's worth before the
	// device.
	files := map[string]string{"virtio999/features": "0000010\n"}
	for i := range 300 {
		files[strings.Repeat("x", 40)+string(rune('a'+i%26))+strings.Repeat("y", i%7)+"/"+filepath.Base(t.Name())+string(rune('0'+i%10))] = ""
	}
	if !reportingIn(mk(t, files)) {
		t.Error("the device after 300 other entries was not found")
	}
}
