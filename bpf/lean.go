package bpf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/cilium/ebpf"
)

// LoadRecorderLean is LoadRecorder without the programs' line information:
// the same instructions, maps, variables, function information (which the
// verifier needs for global functions and bpf_loop callbacks) and CO-RE
// relocations, but no source line per instruction. Line information only
// labels the verifier's log with recorder.c's lines; reading it (cilium/ebpf
// decodes every record into the instructions' metadata), encoding it again
// for the kernel and the kernel's checks of it were work on every traced
// start (issue 13): on the PVM machine the decoding alone was ~1.4 ms of the
// ELF read's ~6 ms (perf, 30 traces of /bin/true). Tests and tools that
// want the source lines in a verifier log use LoadRecorder.
func LoadRecorderLean() (*ebpf.CollectionSpec, error) {
	leanOnce.Do(func() { leanBytes, leanErr = withoutLineInfo(_RecorderBytes) })
	if leanErr != nil {
		return nil, fmt.Errorf("can't load Recorder: %w", leanErr)
	}
	spec, err := ebpf.LoadCollectionSpecFromReader(bytes.NewReader(leanBytes))
	if err != nil {
		return nil, fmt.Errorf("can't load Recorder: %w", err)
	}
	return spec, nil
}

var (
	leanOnce  sync.Once
	leanBytes []byte
	leanErr   error
)

// withoutLineInfo returns a copy of the little-endian ELF64 object obj
// whose .BTF.ext section says it has no line information: its line_info_len
// becomes 4, the record size alone (which readers expect to find), so the
// records are left in place but unread. Everything else is untouched.
func withoutLineInfo(obj []byte) ([]byte, error) {
	le := binary.LittleEndian
	if len(obj) < 64 || !bytes.Equal(obj[:4], []byte("\x7fELF")) || obj[4] != 2 || obj[5] != 1 {
		return nil, errors.New("not a little-endian ELF64 object")
	}
	shoff := le.Uint64(obj[0x28:])
	shentsize := uint64(le.Uint16(obj[0x3a:]))
	shnum := uint64(le.Uint16(obj[0x3c:]))
	shstrndx := uint64(le.Uint16(obj[0x3e:]))
	if shentsize < 64 || shstrndx >= shnum || shoff > uint64(len(obj)) || shnum*shentsize > uint64(len(obj))-shoff {
		return nil, errors.New("ELF section headers out of bounds")
	}
	section := func(i uint64) (name uint32, off, size uint64) {
		h := obj[shoff+i*shentsize:]
		return le.Uint32(h), le.Uint64(h[0x18:]), le.Uint64(h[0x20:])
	}
	_, stroff, strsize := section(shstrndx)
	if stroff > uint64(len(obj)) || strsize > uint64(len(obj))-stroff {
		return nil, errors.New("ELF section names out of bounds")
	}
	names := obj[stroff : stroff+strsize]
	for i := range shnum {
		name, off, size := section(i)
		if uint64(name) >= uint64(len(names)) {
			continue
		}
		n := names[name:]
		if end := bytes.IndexByte(n, 0); end < 0 || string(n[:end]) != ".BTF.ext" {
			continue
		}
		if off > uint64(len(obj)) || size > uint64(len(obj))-off {
			return nil, errors.New(".BTF.ext out of bounds")
		}
		ext := obj[off : off+size]
		// struct btf_ext_header: magic, version, flags, hdr_len, then
		// func_info_off/len and line_info_off/len (from the header's end).
		if len(ext) < 24 || le.Uint16(ext) != 0xeb9f {
			return nil, errors.New(".BTF.ext: no BTF ext header")
		}
		if le.Uint32(ext[20:]) < 4 {
			return obj, nil // no line information to begin with
		}
		out := bytes.Clone(obj)
		le.PutUint32(out[off+20:], 4)
		return out, nil
	}
	return nil, errors.New("no .BTF.ext section")
}
