//go:build linux && cgo && (amd64 || arm64) && !nohugeheap

package hugeheap

import "testing"

// The wrapper advises the Go heap's growth and nothing else the runtime
// maps.
func TestAdvises(t *testing.T) {
	rw := protRead | protWrite
	heap := mapAnon | mapFixed | mapPriv
	for _, c := range []struct {
		name  string
		len   uintptr
		prot  int
		flags int
		want  bool
	}{
		{"heap growth, 4 MiB (runtime.sysMap)", 4 << 20, rw, heap, true},
		{"heap growth, 64 MiB", 64 << 20, rw, heap, true},
		{"one huge page", minLen, rw, heap, true},
		{"smaller than a huge page", minLen - 4096, rw, heap, false},
		{"reservation (PROT_NONE)", 64 << 20, protNone, mapAnon | mapPriv, false},
		{"reservation mapped at a fixed address", 64 << 20, protNone, heap, false},
		{"metadata, no fixed address (runtime.sysAlloc)", 32 << 20, rw, mapAnon | mapPriv, false},
		{"a file", 4 << 20, rw, mapFixed | mapPriv, false},
		{"read-only", 4 << 20, protRead, heap, false},
	} {
		if got := advises(c.len, c.prot, c.flags); got != c.want {
			t.Errorf("%s: advises = %v, want %v", c.name, got, c.want)
		}
	}
}

// The metadata arena serves what runtime.sysAlloc asks for below a huge
// page, and nothing else.
func TestArenaServes(t *testing.T) {
	rw := protRead | protWrite
	meta := mapAnon | mapPriv
	for _, c := range []struct {
		name  string
		addr  uintptr
		len   uintptr
		prot  int
		flags int
		fd    int
		want  bool
	}{
		{"persistentalloc chunk, 256 KiB (runtime.sysAlloc)", 0, 256 << 10, rw, meta, -1, true},
		{"one page", 0, 4096, rw, meta, -1, true},
		{"the largest served", 0, arenaMax, rw, meta, -1, true},
		{"a sparse table (the page allocator's 1 MiB index block)", 0, 1 << 20, rw, meta, -1, false},
		{"the arena index: 32 MiB", 0, 32 << 20, rw, meta, -1, false},
		{"zero bytes", 0, 0, rw, meta, -1, false},
		{"at a fixed address (heap growth)", 0x7f0000000000, 256 << 10, rw, meta | mapFixed, -1, false},
		{"with an address hint", 0x7f0000000000, 256 << 10, rw, meta, -1, false},
		{"reservation (PROT_NONE)", 0, 256 << 10, protNone, meta, -1, false},
		{"read-only", 0, 256 << 10, protRead, meta, -1, false},
		{"shared", 0, 256 << 10, rw, mapAnon | mapShared, -1, false},
		{"a file", 0, 256 << 10, rw, mapPriv, 3, false},
	} {
		if got := arenaServes(c.addr, c.len, c.prot, c.flags, c.fd); got != c.want {
			t.Errorf("%s: arenaServes = %v, want %v", c.name, got, c.want)
		}
	}
}

// GODEBUG turns the huge pages off as the runtime reads it: the last
// disablethp setting wins.
func TestDisabled(t *testing.T) {
	for godebug, want := range map[string]bool{
		"":                            false,
		"disablethp=1":                true,
		"disablethp=0":                false,
		"madvdontneed=1,disablethp=1": true,
		"disablethp=1,inittrace=1":    true,
		"disablethp=1,disablethp=0":   false,
		"disablethp=10":               false,
		"xdisablethp=1":               false,
	} {
		if got := disabled(godebug); got != want {
			t.Errorf("GODEBUG=%q: disabled = %v, want %v", godebug, got, want)
		}
	}
}
