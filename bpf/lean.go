package bpf

import (
	"bytes"
	"debug/elf"
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

// withoutLineInfo returns a copy of the little-endian object obj whose
// .BTF.ext section says it has no line information: its line_info_len
// becomes 4, the record size alone (which readers expect to find), so the
// records are left in place but unread. Everything else is untouched.
func withoutLineInfo(obj []byte) ([]byte, error) {
	f, err := elf.NewFile(bytes.NewReader(obj))
	if err != nil {
		return nil, err
	}
	if f.ByteOrder != binary.LittleEndian {
		return nil, errors.New("not a little-endian object")
	}
	sec := f.Section(".BTF.ext")
	if sec == nil {
		return nil, errors.New("no .BTF.ext section")
	}
	if sec.Type == elf.SHT_NOBITS || sec.Offset > uint64(len(obj)) || sec.Size > uint64(len(obj))-sec.Offset {
		return nil, errors.New(".BTF.ext out of bounds")
	}
	ext := obj[sec.Offset : sec.Offset+sec.Size]
	// struct btf_ext_header: magic, version, flags, hdr_len, then
	// func_info_off/len and line_info_off/len (from the header's end).
	le := binary.LittleEndian
	if len(ext) < 24 || le.Uint16(ext) != 0xeb9f {
		return nil, errors.New(".BTF.ext: no BTF ext header")
	}
	if le.Uint32(ext[20:]) < 4 {
		return obj, nil // no line information to begin with
	}
	out := bytes.Clone(obj)
	le.PutUint32(out[sec.Offset+20:], 4)
	return out, nil
}
