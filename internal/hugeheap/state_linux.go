package hugeheap

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"unsafe"
)

// State is how this process's Go heap is paged, read from the kernel.
type State struct {
	// THP is the kernel's transparent huge page mode (always, madvise or
	// never), or "" where the kernel has none.
	THP string
	// Advised and NoHuge are the flags (hg, nh) of the mapping that holds
	// a fresh heap object.
	Advised, NoHuge bool
	// AnonHugeBytes is how much of that mapping is in huge pages now.
	AnonHugeBytes int64
	// Off says why the heap was left in 4 KiB pages by choice, as
	// offReason does ("reporting", "env"; "": it was not).
	Off string
}

// thpEnabled is where the kernel says its THP mode, as "always [madvise]
// never".
const thpEnabled = "/sys/kernel/mm/transparent_hugepage/enabled"

// THPMode returns the kernel's THP mode, or "" where it has none.
func THPMode() string {
	data, err := os.ReadFile(thpEnabled)
	if err != nil {
		return ""
	}
	s := string(data)
	if i := strings.IndexByte(s, '['); i >= 0 {
		if j := strings.IndexByte(s[i:], ']'); j > 0 {
			return s[i+1 : i+j]
		}
	}
	return ""
}

// heapSink keeps Heap's object on the heap.
var heapSink *[64]byte

// Heap reports how the mapping that holds a fresh Go heap object is paged.
func Heap() (State, error) {
	heapSink = new([64]byte)
	st, err := mappingOf(uintptr(unsafe.Pointer(heapSink)))
	runtime.KeepAlive(heapSink)
	st.THP = THPMode()
	st.Off = offReason()
	return st, err
}

// Mapping reports the flags of the mapping holding p (which must stay
// alive), and its THP mode.
func Mapping(p unsafe.Pointer) (State, error) {
	st, err := mappingOf(uintptr(p))
	st.THP = THPMode()
	st.Off = offReason()
	return st, err
}

// mappingOf reads /proc/self/smaps for the mapping holding addr.
func mappingOf(addr uintptr) (State, error) {
	var st State
	data, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return st, err
	}
	in := false
	found := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if lo, hi, ok := vmaRange(f[0]); ok && !strings.HasSuffix(f[0], ":") {
			if found {
				break
			}
			in = addr >= lo && addr < hi
			found = in
			continue
		}
		if !in {
			continue
		}
		switch f[0] {
		case "AnonHugePages:":
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				st.AnonHugeBytes = kb << 10
			}
		case "VmFlags:":
			for _, fl := range f[1:] {
				switch fl {
				case "hg":
					st.Advised = true
				case "nh":
					st.NoHuge = true
				}
			}
		}
	}
	if !found {
		return st, fmt.Errorf("no mapping holds %#x in /proc/self/smaps", addr)
	}
	return st, sc.Err()
}

// vmaRange parses "lo-hi" (hex), the first field of a mapping's line.
func vmaRange(s string) (lo, hi uintptr, ok bool) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, false
	}
	l, err1 := strconv.ParseUint(a, 16, 64)
	h, err2 := strconv.ParseUint(b, 16, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return uintptr(l), uintptr(h), true
}

// Describe says in a line how the heap is paged and why, for `seccomp-gen
// version`.
func (st State) Describe() string {
	switch {
	case st.THP == "":
		return "4 KiB pages (the kernel has no transparent huge pages)"
	case st.NoHuge:
		return "4 KiB pages (GODEBUG=disablethp=1)"
	case !st.Advised && st.Off == "reporting":
		return "4 KiB pages (this machine's host takes free memory back: virtio-balloon free page reporting, where a huge page's first touch can cost milliseconds; SECCOMP_GEN_HUGEHEAP=on overrides)"
	case !st.Advised && st.Off == "env":
		return "4 KiB pages (SECCOMP_GEN_HUGEHEAP=off)"
	case !st.Advised && !Enabled:
		return "4 KiB pages (built with -tags nohugeheap, or without cgo)"
	case !st.Advised:
		return "4 KiB pages (not advised: the Go runtime did not map it through the C library)"
	case st.THP == "never":
		return "huge pages advised, but the kernel's THP mode is never: 4 KiB pages"
	}
	return "2 MiB pages (MADV_HUGEPAGE; the kernel's THP mode: " + st.THP + ")"
}
