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
