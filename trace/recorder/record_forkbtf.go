package recorder

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"
)

// sched_process_fork_btf (recorder.c) is a tp_btf program: the kernel
// wants the BTF ID of its tracepoint's type (btf_trace_sched_process_fork)
// with the program, and cilium/ebpf finds that by decoding all of the
// kernel's BTF at every load (~34 ms on the 2-core PVM machine: the spec,
// then the name), which a start cannot pay. The ID is in the kernel types
// cache (bpf.KernelIDs.ForkTP, found once per boot), and loadForkBTF
// makes the BPF_PROG_LOAD call with it itself: the program has no calls,
// no kfuncs and, once the cache's CO-RE fixups are in, no relocations, so
// what cilium/ebpf would add (BTF function and line info) it does not
// need; its maps are the collection's.

// forkBTFHook, when set (by tests), replaces the fork tracepoint's BTF ID
// loadPrograms is given: 0 loads the raw_tp program alone, a wrong one
// makes the kernel refuse the tp_btf program (the fallback).
var forkBTFHook func(btf.TypeID) btf.TypeID

// progLoadAttr is union bpf_attr for BPF_PROG_LOAD (include/uapi/linux/
// bpf.h) up to attach_btf_obj_fd; the kernel takes a shorter attr as
// zeros after it.
type progLoadAttr struct {
	progType           uint32
	insnCnt            uint32
	insns              uint64
	license            uint64
	logLevel           uint32
	logSize            uint32
	logBuf             uint64
	kernVersion        uint32
	progFlags          uint32
	progName           [16]byte
	progIfindex        uint32
	expectedAttachType uint32
	progBTFFD          uint32
	funcInfoRecSize    uint32
	funcInfo           uint64
	funcInfoCnt        uint32
	lineInfoRecSize    uint32
	lineInfo           uint64
	lineInfoCnt        uint32
	attachBTFID        uint32
	attachBTFObjFD     uint32
	_                  uint32
}

// loadForkBTF loads ps, a tp_btf program whose CO-RE fixups are applied,
// with the maps (and data sections) of maps, attaching to the tracepoint
// of BTF type id.
func loadForkBTF(ps *ebpf.ProgramSpec, maps map[string]*ebpf.Map, id btf.TypeID) (*ebpf.Program, error) {
	if ps == nil {
		return nil, errors.New("no such program in the object")
	}
	if ps.Type != ebpf.Tracing || ps.AttachType != ebpf.AttachTraceRawTp {
		return nil, fmt.Errorf("%s is a %s program, attach type %s, not tp_btf", ps.Name, ps.Type, ps.AttachType)
	}
	insns := append(asm.Instructions(nil), ps.Instructions...) // AssociateMap sets metadata copy-on-write
	for i := range insns {
		ins := &insns[i]
		switch {
		case btf.CORERelocationMetadata(ins) != nil:
			return nil, fmt.Errorf("instruction %d: a CO-RE relocation is left", i)
		case ins.IsFunctionCall(), ins.IsKfuncCall(), ins.IsConstantLoad(asm.DWord) && ins.Src == asm.PseudoFunc:
			return nil, fmt.Errorf("instruction %d: a call that needs BTF function info", i)
		case ins.IsLoadFromMap():
			m := maps[ins.Reference()]
			if m == nil {
				return nil, fmt.Errorf("instruction %d: no map %q", i, ins.Reference())
			}
			if err := ins.AssociateMap(m); err != nil {
				return nil, fmt.Errorf("instruction %d: %w", i, err)
			}
		}
	}
	var code bytes.Buffer
	if err := insns.Marshal(&code, nativeEndian()); err != nil {
		return nil, err
	}
	license := append([]byte(ps.License), 0)
	attr := progLoadAttr{
		progType:           uint32(ebpf.Tracing),
		insnCnt:            uint32(code.Len() / asm.InstructionSize),
		insns:              uint64(uintptr(unsafe.Pointer(&code.Bytes()[0]))),
		license:            uint64(uintptr(unsafe.Pointer(&license[0]))),
		expectedAttachType: uint32(ebpf.AttachTraceRawTp),
		attachBTFID:        uint32(id),
	}
	copy(attr.progName[:15], ps.Name)
	fd, err := progLoad(&attr)
	if err != nil {
		// Again with the verifier's log, to say why.
		log := make([]byte, 64<<10)
		attr.logLevel, attr.logSize = 1, uint32(len(log))
		attr.logBuf = uint64(uintptr(unsafe.Pointer(&log[0])))
		fd2, err2 := progLoad(&attr)
		runtime.KeepAlive(log)
		if err2 == nil {
			fd, err = fd2, nil // loaded this time: keep it
		} else if n := bytes.IndexByte(log, 0); n > 0 {
			lines := bytes.Split(bytes.TrimSpace(log[:n]), []byte("\n"))
			return nil, fmt.Errorf("load %s: %w: %s", ps.Name, err, lines[len(lines)-1])
		}
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", ps.Name, err)
		}
	}
	runtime.KeepAlive(code.Bytes())
	runtime.KeepAlive(license)
	prog, err := ebpf.NewProgramFromFD(fd)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	return prog, nil
}

// progLoad makes the BPF_PROG_LOAD call, again after EAGAIN (the
// verifier interrupted by a signal) a few times, as cilium/ebpf does.
func progLoad(attr *progLoadAttr) (int, error) {
	var errno unix.Errno
	for range 5 {
		var fd uintptr
		fd, _, errno = unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_LOAD, uintptr(unsafe.Pointer(attr)), unsafe.Sizeof(*attr))
		runtime.KeepAlive(attr)
		if errno == 0 {
			return int(fd), nil
		}
		if errno != unix.EAGAIN && errno != unix.EINTR {
			break
		}
	}
	return -1, errno
}

// nativeEndian is the machine's byte order as cilium/ebpf's asm takes it
// (binary.LittleEndian or BigEndian; it refuses binary.NativeEndian).
func nativeEndian() binary.ByteOrder {
	var x uint16 = 1
	if *(*byte)(unsafe.Pointer(&x)) == 1 {
		return binary.LittleEndian
	}
	return binary.BigEndian
}
