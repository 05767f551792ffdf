package trace

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/bpf"
)

// The recorder's fast start: what it needs from the kernel's BTF, without
// decoding all of it.
//
// cilium/ebpf decodes the whole of /sys/kernel/btf/vmlinux (~5.5 MB, ~130k
// types) and then inflates task_struct with everything it reaches, for two
// small things: the CO-RE offsets of a handful of fields, and the type ID of
// btf_trace_sched_process_fork (the tp_btf program's attach target). That
// took ~15 ms of CPU, most of `seccomp-gen trace`'s start on the dev VM.
// scanKernelBTF walks the raw type records once (~1 ms) and returns the ID
// and a minimal BTF spec holding just the structs the programs relocate
// against, with their members at the kernel's offsets; CO-RE against it
// computes the same fixups as against the whole kernel
// (TestKernelBTFScanMatchesFullDecode checks this on the running kernel).
// Anything it does not understand is an error, and Record then takes the
// full path.

// kernelBTF is what scanKernelBTF found.
type kernelBTF struct {
	// typedefIDs: the IDs of the requested typedefs (btf_trace_<tp>).
	typedefIDs map[string]btf.TypeID
	// types holds the requested structs (and what they embed), for
	// ProgramOptions.KernelTypes.
	types *btf.Spec
}

// BTF kinds (include/uapi/linux/btf.h).
const (
	kindInt       = 1
	kindPtr       = 2
	kindArray     = 3
	kindStruct    = 4
	kindUnion     = 5
	kindEnum      = 6
	kindFwd       = 7
	kindTypedef   = 8
	kindVolatile  = 9
	kindConst     = 10
	kindRestrict  = 11
	kindFunc      = 12
	kindFuncProto = 13
	kindVar       = 14
	kindDatasec   = 15
	kindFloat     = 16
	kindDeclTag   = 17
	kindTypeTag   = 18
	kindEnum64    = 19
)

type rawBTF struct {
	types []byte
	strs  []byte
	offs  []uint32 // offset of each type record in types, by ID (0: void)
}

// scanKernelBTF finds the typedefs and structs by name in raw (the contents
// of /sys/kernel/btf/vmlinux, in native byte order).
func scanKernelBTF(raw []byte, typedefs, structs []string) (*kernelBTF, error) {
	r, err := parseRawBTF(raw)
	if err != nil {
		return nil, err
	}
	type wanted struct {
		name string
		kind int
	}
	var want []wanted
	for _, n := range typedefs {
		want = append(want, wanted{n, kindTypedef})
	}
	for _, n := range structs {
		want = append(want, wanted{n, kindStruct})
	}
	for _, w := range want {
		if w.name == "" {
			return nil, errors.New("kernel BTF: an empty name to look for")
		}
	}
	found := map[string]btf.TypeID{}
	for id := 1; id < len(r.offs); id++ {
		nameOff, info, _ := r.header(btf.TypeID(id))
		kind := int(info>>24) & 0x1f
		if nameOff == 0 || (kind != kindTypedef && kind != kindStruct) || uint64(nameOff) >= uint64(len(r.strs)) {
			continue
		}
		first := r.strs[nameOff]
		for _, w := range want {
			if w.kind != kind || w.name[0] != first || !r.nameIs(nameOff, w.name) {
				continue
			}
			if _, dup := found[w.name]; dup {
				return nil, fmt.Errorf("kernel BTF: %s defined twice", w.name)
			}
			found[w.name] = btf.TypeID(id)
		}
	}
	k := &kernelBTF{typedefIDs: map[string]btf.TypeID{}}
	for _, n := range typedefs {
		id, ok := found[n]
		if !ok {
			return nil, fmt.Errorf("kernel BTF: no typedef %s", n)
		}
		k.typedefIDs[n] = id
	}
	b := &specBuilder{r: r, done: map[btf.TypeID]btf.Type{}}
	var bld btf.Builder
	for _, n := range structs {
		id, ok := found[n]
		if !ok {
			return nil, fmt.Errorf("kernel BTF: no struct %s", n)
		}
		t, err := b.build(id, true, 0)
		if err != nil {
			return nil, err
		}
		if _, err := bld.Add(t); err != nil {
			return nil, fmt.Errorf("kernel BTF: %w", err)
		}
	}
	blob, err := bld.Marshal(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("kernel BTF: %w", err)
	}
	k.types, err = btf.LoadSpecFromReader(bytes.NewReader(blob))
	if err != nil {
		return nil, fmt.Errorf("kernel BTF: %w", err)
	}
	return k, nil
}

func parseRawBTF(raw []byte) (*rawBTF, error) {
	bo := binary.NativeEndian
	if len(raw) < 24 || bo.Uint16(raw) != 0xeb9f {
		return nil, errors.New("kernel BTF: bad header")
	}
	hdrLen := uint64(bo.Uint32(raw[4:]))
	typeOff, typeLen := uint64(bo.Uint32(raw[8:])), uint64(bo.Uint32(raw[12:]))
	strOff, strLen := uint64(bo.Uint32(raw[16:])), uint64(bo.Uint32(raw[20:]))
	if hdrLen < 24 || hdrLen > uint64(len(raw)) {
		return nil, errors.New("kernel BTF: bad header length")
	}
	body := raw[hdrLen:]
	if typeOff+typeLen > uint64(len(body)) || strOff+strLen > uint64(len(body)) {
		return nil, errors.New("kernel BTF: sections out of bounds")
	}
	r := &rawBTF{types: body[typeOff : typeOff+typeLen], strs: body[strOff : strOff+strLen]}
	r.offs = make([]uint32, 1, len(r.types)/16)
	for pos := 0; pos < len(r.types); {
		if pos+12 > len(r.types) {
			return nil, errors.New("kernel BTF: truncated type")
		}
		info := bo.Uint32(r.types[pos+4:])
		vlen, kind := int(info&0xffff), int(info>>24)&0x1f
		var extra int
		switch kind {
		case kindInt, kindVar, kindDeclTag:
			extra = 4
		case kindPtr, kindFwd, kindTypedef, kindVolatile, kindConst, kindRestrict, kindFunc, kindFloat, kindTypeTag:
		case kindArray:
			extra = 12
		case kindStruct, kindUnion, kindDatasec, kindEnum64:
			extra = 12 * vlen
		case kindEnum, kindFuncProto:
			extra = 8 * vlen
		default:
			return nil, fmt.Errorf("kernel BTF: unknown kind %d", kind)
		}
		r.offs = append(r.offs, uint32(pos))
		pos += 12 + extra
		if pos > len(r.types) {
			return nil, errors.New("kernel BTF: truncated type")
		}
	}
	return r, nil
}

// header returns a type record's name offset, info and size/type fields.
func (r *rawBTF) header(id btf.TypeID) (nameOff, info, sizeType uint32) {
	t := r.types[r.offs[id]:]
	bo := binary.NativeEndian
	return bo.Uint32(t), bo.Uint32(t[4:]), bo.Uint32(t[8:])
}

// nameIs reports whether the string at off is name, without allocating.
func (r *rawBTF) nameIs(off uint32, name string) bool {
	end := uint64(off) + uint64(len(name))
	return end < uint64(len(r.strs)) && r.strs[end] == 0 && string(r.strs[off:end]) == name
}

func (r *rawBTF) name(off uint32) (string, error) {
	if uint64(off) >= uint64(len(r.strs)) {
		return "", errors.New("kernel BTF: name out of bounds")
	}
	s := r.strs[off:]
	end := bytes.IndexByte(s, 0)
	if end < 0 {
		return "", errors.New("kernel BTF: unterminated name")
	}
	return string(s[:end]), nil
}

// specBuilder copies types out of the raw BTF: requested structs and the
// structs and unions they embed (not through pointers) with all their
// members, everything else as a shallow stand-in of the same kind and size.
type specBuilder struct {
	r    *rawBTF
	done map[btf.TypeID]btf.Type
}

func (b *specBuilder) build(id btf.TypeID, members bool, depth int) (btf.Type, error) {
	if id == 0 {
		return &btf.Void{}, nil
	}
	if int(id) >= len(b.r.offs) {
		return nil, fmt.Errorf("kernel BTF: type %d out of range", id)
	}
	if depth > 64 {
		return nil, errors.New("kernel BTF: types nest too deep")
	}
	if t, ok := b.done[id]; ok {
		return t, nil
	}
	nameOff, info, sizeType := b.r.header(id)
	name, err := b.r.name(nameOff)
	if err != nil {
		return nil, err
	}
	vlen, kind, kflag := int(info&0xffff), int(info>>24)&0x1f, info>>31 == 1
	rec := b.r.types[b.r.offs[id]+12:]
	bo := binary.NativeEndian
	switch kind {
	case kindInt:
		v := bo.Uint32(rec)
		enc, off, bits := btf.IntEncoding(v>>24&0xf), v>>16&0xff, v&0xff
		if off != 0 || bits != sizeType*8 {
			return nil, fmt.Errorf("kernel BTF: int %s with %d bits at %d", name, bits, off)
		}
		t := &btf.Int{Name: name, Size: sizeType, Encoding: enc}
		b.done[id] = t
		return t, nil
	case kindFloat:
		t := &btf.Float{Name: name, Size: sizeType}
		b.done[id] = t
		return t, nil
	case kindPtr:
		// Not followed: CO-RE matches a pointer member by kind alone, and a
		// read through it is a relocation of its own.
		t := &btf.Pointer{Target: &btf.Void{}}
		b.done[id] = t
		return t, nil
	case kindEnum, kindEnum64:
		size := sizeType
		t := &btf.Enum{Name: name, Size: size, Signed: kflag}
		b.done[id] = t
		return t, nil
	case kindTypedef:
		t := &btf.Typedef{Name: name}
		b.done[id] = t
		target, err := b.build(btf.TypeID(sizeType), members, depth+1)
		if err != nil {
			return nil, err
		}
		t.Type = target
		return t, nil
	case kindVolatile, kindConst, kindRestrict, kindTypeTag:
		// CO-RE looks through qualifiers and tags.
		return b.build(btf.TypeID(sizeType), members, depth+1)
	case kindArray:
		elem, index, n := bo.Uint32(rec), bo.Uint32(rec[4:]), bo.Uint32(rec[8:])
		t := &btf.Array{Nelems: n}
		b.done[id] = t
		et, err := b.build(btf.TypeID(elem), members, depth+1)
		if err != nil {
			return nil, err
		}
		it, err := b.build(btf.TypeID(index), false, depth+1)
		if err != nil {
			return nil, err
		}
		t.Type, t.Index = et, it
		return t, nil
	case kindFwd:
		t := &btf.Fwd{Name: name, Kind: btf.FwdStruct}
		if kflag {
			t.Kind = btf.FwdUnion
		}
		b.done[id] = t
		return t, nil
	case kindStruct, kindUnion:
		var ms []btf.Member
		var t btf.Type
		if kind == kindStruct {
			s := &btf.Struct{Name: name, Size: sizeType}
			t = s
			defer func() { s.Members = ms }()
		} else {
			u := &btf.Union{Name: name, Size: sizeType}
			t = u
			defer func() { u.Members = ms }()
		}
		b.done[id] = t
		if !members {
			return t, nil
		}
		for i := 0; i < vlen; i++ {
			m := rec[12*i:]
			mName, err := b.r.name(bo.Uint32(m))
			if err != nil {
				return nil, err
			}
			off := bo.Uint32(m[8:])
			var bitSize uint32
			if kflag {
				bitSize, off = off>>24, off&0xffffff
			}
			// Members by value keep their members (CO-RE walks into
			// them), through pointers they do not.
			mt, err := b.build(btf.TypeID(bo.Uint32(m[4:])), true, depth+1)
			if err != nil {
				return nil, err
			}
			ms = append(ms, btf.Member{Name: mName, Type: mt, Offset: btf.Bits(off), BitfieldSize: btf.Bits(bitSize)})
		}
		return t, nil
	}
	return nil, fmt.Errorf("kernel BTF: unexpected kind %d in a struct", kind)
}

// forceFullBTF makes Record skip the fast start (tests of the full path).
var forceFullBTF = false

// scanForRecorder scans the running kernel's BTF for what the recorder's
// programs need.
func scanForRecorder() (*kernelBTF, error) {
	if forceFullBTF {
		return nil, errors.New("fast start disabled")
	}
	f, err := os.Open("/sys/kernel/btf/vmlinux")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	// Mapped, not read: no copy of ~5 MB into the Go heap. The types
	// built from it copy their names.
	raw, err := unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		if raw, err = io.ReadAll(f); err != nil {
			return nil, err
		}
		return scanKernelBTF(raw, []string{forkTypedef}, []string{"task_struct", "pt_regs"})
	}
	defer unix.Munmap(raw)
	return scanKernelBTF(raw, []string{forkTypedef}, []string{"task_struct", "pt_regs"})
}

// forkTypedef is the BTF name of the tp_btf program's attach target.
const forkTypedef = "btf_trace_sched_process_fork"

// Constants of include/uapi/linux/bpf.h.
const (
	bpfProgLoad        = 5
	bpfProgTypeTracing = 26
	bpfTraceRawTp      = 23
)

// progLoadAttr is union bpf_attr for BPF_PROG_LOAD, up to core_relo_cnt.
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
	progBTFFd          uint32
	funcInfoRecSize    uint32
	funcInfo           uint64
	funcInfoCnt        uint32
	lineInfoRecSize    uint32
	lineInfo           uint64
	lineInfoCnt        uint32
	attachBTFID        uint32
	attachBTFObjFd     uint32
	coreReloCnt        uint32
}

// loadForkProgram loads the tp_btf/sched_process_fork program with the
// attach target ID and CO-RE offsets from k: cilium/ebpf would look the
// target up in the fully decoded kernel BTF. maps resolves the program's
// map references by name (.bss included).
func loadForkProgram(ps *ebpf.ProgramSpec, k *kernelBTF, maps map[string]*ebpf.Map) (*ebpf.Program, error) {
	target, ok := k.typedefIDs[forkTypedef]
	if !ok || ps.Type != ebpf.Tracing || ps.AttachType != ebpf.AttachTraceRawTp || ps.AttachTo != "sched_process_fork" {
		return nil, errors.New("not the expected fork program")
	}
	insns := make(asm.Instructions, len(ps.Instructions))
	copy(insns, ps.Instructions)
	var relos []*btf.CORERelocation
	var at []int
	for i := range insns {
		if rel := btf.CORERelocationMetadata(&insns[i]); rel != nil {
			relos = append(relos, rel)
			at = append(at, i)
		}
	}
	noLocalIDs := func(btf.Type) (btf.TypeID, error) { return 0, errors.New("no local type IDs") }
	fixups, err := btf.CORERelocate(relos, []*btf.Spec{k.types}, ps.ByteOrder, noLocalIDs)
	if err != nil {
		return nil, err
	}
	for i, f := range fixups {
		if err := f.Apply(&insns[at[i]]); err != nil {
			return nil, err
		}
	}
	for i := range insns {
		ins := &insns[i]
		ref := ins.Reference()
		if ref == "" {
			continue
		}
		m, ok := maps[ref]
		if !ins.IsLoadFromMap() || !ok {
			return nil, fmt.Errorf("unresolved reference %s", ref)
		}
		if err := ins.AssociateMap(m); err != nil {
			return nil, err
		}
	}
	var code bytes.Buffer
	if err := insns.Marshal(&code, ps.ByteOrder); err != nil {
		return nil, err
	}
	bc := code.Bytes()
	license := []byte(ps.License + "\x00")
	attr := progLoadAttr{
		progType:           bpfProgTypeTracing,
		insnCnt:            uint32(len(bc) / asm.InstructionSize),
		insns:              uint64(uintptr(unsafe.Pointer(&bc[0]))),
		license:            uint64(uintptr(unsafe.Pointer(&license[0]))),
		expectedAttachType: bpfTraceRawTp,
		attachBTFID:        uint32(target),
	}
	copy(attr.progName[:15], ps.Name)
	fd, _, errno := unix.Syscall(unix.SYS_BPF, bpfProgLoad, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	runtime.KeepAlive(bc)
	runtime.KeepAlive(license)
	if errno != 0 {
		return nil, fmt.Errorf("load %s: %w", ps.Name, errno)
	}
	p, err := ebpf.NewProgramFromFD(int(fd))
	if err != nil {
		unix.Close(int(fd))
		return nil, err
	}
	return p, nil
}

// loadFast loads the recorder with what scanKernelBTF found: the programs
// but the fork one through cilium/ebpf with k's types for CO-RE, the fork
// one through loadForkProgram.
func (r *recorder) loadFast(spec *ebpf.CollectionSpec, maps map[string]*ebpf.Map, k *kernelBTF) error {
	rest := spec.Copy()
	forkSpec := rest.Programs[bpf.RecorderProgSchedProcessFork]
	if forkSpec == nil {
		return errors.New("no fork program")
	}
	delete(rest.Programs, bpf.RecorderProgSchedProcessFork)
	var objs struct {
		bpf.RecorderMaps
		bpf.RecorderVariables
		SysEnter         *ebpf.Program `ebpf:"sys_enter"`
		SchedProcessExec *ebpf.Program `ebpf:"sched_process_exec"`
		SchedProcessExit *ebpf.Program `ebpf:"sched_process_exit"`
		Bss              *ebpf.Map     `ebpf:".bss"`
		Rodata           *ebpf.Map     `ebpf:".rodata"`
	}
	opts := &ebpf.CollectionOptions{MapReplacements: maps, Programs: ebpf.ProgramOptions{KernelTypes: k.types}}
	if err := rest.LoadAndAssign(&objs, opts); err != nil {
		return err
	}
	byName := map[string]*ebpf.Map{
		bpf.RecorderMapTasks:        objs.Tasks,
		bpf.RecorderMapArmed:        objs.Armed,
		bpf.RecorderMapCounts:       objs.Counts,
		bpf.RecorderMapFirst:        objs.First,
		bpf.RecorderMapProcs:        objs.Procs,
		bpf.RecorderMapTargetCgroup: objs.TargetCgroup,
		".bss":                      objs.Bss,
		".rodata":                   objs.Rodata,
	}
	fork, err := loadForkProgram(forkSpec, k, byName)
	if err != nil {
		objs.RecorderMaps.Close()
		for _, c := range []io.Closer{objs.SysEnter, objs.SchedProcessExec, objs.SchedProcessExit, objs.Bss, objs.Rodata} {
			c.Close()
		}
		return err
	}
	r.objs.RecorderMaps = objs.RecorderMaps
	r.objs.RecorderVariables = objs.RecorderVariables
	r.objs.SysEnter = objs.SysEnter
	r.objs.SchedProcessExec = objs.SchedProcessExec
	r.objs.SchedProcessExit = objs.SchedProcessExit
	r.objs.SchedProcessFork = fork
	r.dataMaps = []*ebpf.Map{objs.Bss, objs.Rodata}
	return nil
}
