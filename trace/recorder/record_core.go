package recorder

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/seccomp-gen/seccomp-gen/bpf"
)

// CO-RE fixups, computed once per boot and object and cached
// (record_btf.go), written into the programs at every start.

// coreFixup is one CO-RE relocation of a program's instruction as
// cilium/ebpf computes it against the running kernel: the instruction
// before and after.
type coreFixup struct {
	prog      string // the program (its name in the CollectionSpec)
	index     int    // the instruction's index in its Instructions
	pre, post insn
}

// objectKey names the fixups of this binary's programs: the object's
// hash, and the cilium/ebpf that parses it (its ELF reader decides the
// instructions' indexes). Checking each relocation by its description
// instead took ~40 us of the start (btf.CORERelocation's String).
func objectKey() string {
	v := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "github.com/cilium/ebpf" {
				if m.Replace != nil {
					m = m.Replace
				}
				v = m.Path + "@" + m.Version + "@" + m.Sum
			}
		}
	}
	return bpf.ObjectHash() + "+" + strings.Join(strings.Fields(v), "_")
}

// insn is what a fixup may change in an instruction.
type insn struct {
	op       asm.OpCode
	dst, src asm.Register
	off      int16
	imm      int64
}

func insnOf(ins *asm.Instruction) insn {
	return insn{ins.OpCode, ins.Dst, ins.Src, ins.Offset, ins.Constant}
}

func (i insn) String() string {
	return fmt.Sprintf("%d,%d,%d,%d,%d", i.op, i.dst, i.src, i.off, i.imm)
}

func parseInsn(s string) (insn, error) {
	var f [5]string
	if !splitExact(s, ',', f[:]) {
		return insn{}, errors.New("bad instruction")
	}
	op, err1 := strconv.ParseUint(f[0], 10, 8)
	dst, err2 := strconv.ParseUint(f[1], 10, 8)
	src, err3 := strconv.ParseUint(f[2], 10, 8)
	off, err4 := strconv.ParseInt(f[3], 10, 16)
	imm, err5 := strconv.ParseInt(f[4], 10, 64)
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return insn{}, errors.New("bad instruction")
	}
	return insn{asm.OpCode(op), asm.Register(dst), asm.Register(src), int16(off), imm}, nil
}

// splitExact splits s at sep into exactly len(f) fields, into f; false if
// there are more or fewer. strings.Split allocated a slice per line and
// instruction of the kernel types cache, read at every trace's start:
// ~55 KiB of fresh heap, each page of it a fault (issue 13).
func splitExact(s string, sep byte, f []string) bool {
	for i := range f {
		if i == len(f)-1 {
			if strings.IndexByte(s, sep) >= 0 {
				return false
			}
			f[i] = s
			return true
		}
		k := strings.IndexByte(s, sep)
		if k < 0 {
			return false
		}
		f[i], s = s[:k], s[k+1:]
	}
	return len(f) == 0 && s == ""
}

// coreFixups are every CO-RE relocation of an object's programs.
type coreFixups []coreFixup

// relocate computes the fixups of this binary's programs against kernel,
// as cilium/ebpf does at load time (it then finds none left to do). Every
// type the programs relocate against is in vmlinux, not in a module.
func relocate(kernel *btf.Spec) (coreFixups, error) {
	spec, err := bpf.LoadRecorderLean() // the instructions load() loads
	if err != nil {
		return nil, fmt.Errorf("eBPF recorder: %w", err)
	}
	noLocalIDs := func(btf.Type) (btf.TypeID, error) {
		return 0, errors.New("a relocation against a local type ID")
	}
	var out coreFixups
	for _, name := range sortedPrograms(spec) {
		ps := spec.Programs[name]
		var (
			relos []*btf.CORERelocation
			at    []int
		)
		for i := range ps.Instructions {
			if relo := btf.CORERelocationMetadata(&ps.Instructions[i]); relo != nil {
				relos = append(relos, relo)
				at = append(at, i)
			}
		}
		if len(relos) == 0 {
			continue
		}
		fixups, err := btf.CORERelocate(relos, []*btf.Spec{kernel}, ps.ByteOrder, noLocalIDs)
		if err != nil {
			return nil, fmt.Errorf("%s: CO-RE: %w", name, err)
		}
		for j, fixup := range fixups {
			ins := ps.Instructions[at[j]]
			pre := insnOf(&ins)
			if err := fixup.Apply(&ins); err != nil {
				return nil, fmt.Errorf("%s: CO-RE: fixup for %s: %w", name, relos[j], err)
			}
			out = append(out, coreFixup{prog: name, index: at[j], pre: pre, post: insnOf(&ins)})
		}
	}
	if len(out) == 0 {
		return nil, errors.New("eBPF recorder: no CO-RE relocations")
	}
	return out, nil
}

func sortedPrograms(spec *ebpf.CollectionSpec) []string {
	names := make([]string, 0, len(spec.Programs))
	for name := range spec.Programs {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// apply writes the fixups into spec's programs and removes the relocations
// they answer, so that cilium/ebpf needs no kernel types to load them. It
// changes nothing unless every relocation of every program has its fixup,
// computed for the same instruction at the same index, and there is no
// other.
func (fs coreFixups) apply(spec *ebpf.CollectionSpec) error {
	type at struct {
		prog  string
		index int
	}
	byAt := make(map[at]*coreFixup, len(fs))
	for i := range fs {
		k := at{fs[i].prog, fs[i].index}
		if byAt[k] != nil {
			return fmt.Errorf("CO-RE fixups: two for %s instruction %d", k.prog, k.index)
		}
		byAt[k] = &fs[i]
	}
	type todo struct {
		ins *asm.Instruction
		fix *coreFixup
	}
	var todos []todo
	for name, ps := range spec.Programs {
		for i := range ps.Instructions {
			ins := &ps.Instructions[i]
			relo := btf.CORERelocationMetadata(ins)
			if relo == nil {
				continue
			}
			f := byAt[at{name, i}]
			if f == nil || f.pre != insnOf(ins) {
				return fmt.Errorf("CO-RE fixups: none for %s instruction %d (%s)", name, i, relo)
			}
			todos = append(todos, todo{ins, f})
		}
	}
	if len(todos) != len(fs) {
		return fmt.Errorf("CO-RE fixups: %d for %d relocations", len(fs), len(todos))
	}
	for _, t := range todos {
		p := t.fix.post
		if p.op != t.fix.pre.op {
			// Poisoned (a field this kernel lacks): a new instruction,
			// as cilium/ebpf makes it.
			*t.ins = asm.Instruction{OpCode: p.op, Dst: p.dst, Src: p.src, Offset: p.off, Constant: p.imm}.
				WithSource(asm.Comment("instruction poisoned by CO-RE"))
			continue
		}
		t.ins.Dst, t.ins.Src, t.ins.Offset, t.ins.Constant = p.dst, p.src, p.off, p.imm
		*t.ins = btf.WithCORERelocationMetadata(*t.ins, nil)
	}
	return nil
}

// typesCache is the kernel types cache's content after its header: the
// kernel's IDs and the refusal noted (one line), then the fixups of each
// object: a line "object KEY N" (objectKey), then N lines "PROG INDEX PRE
// POST" (insn's String).
type typesCache struct {
	ids     bpf.KernelIDs
	refused kfuncRefusal
	order   []string // object keys, the newest first
	objects map[string]coreFixups
}

// add puts obj's fixups first, and keeps fixupsKeep objects.
func (c *typesCache) add(obj string, fixups coreFixups) {
	if c.objects == nil {
		c.objects = map[string]coreFixups{}
	}
	order := []string{obj}
	for _, o := range c.order {
		if o != obj && len(order) < fixupsKeep {
			order = append(order, o)
		} else {
			delete(c.objects, o)
		}
	}
	c.order = order
	c.objects[obj] = fixups
}

func (c typesCache) marshal() []byte {
	var b strings.Builder
	b.WriteString(idsLine(c.ids, c.refused) + "\n")
	for _, obj := range c.order {
		fs := c.objects[obj]
		fmt.Fprintf(&b, "object %s %d\n", obj, len(fs))
		for _, f := range fs {
			fmt.Fprintf(&b, "%s %d %s %s\n", f.prog, f.index, f.pre, f.post)
		}
	}
	return []byte(b.String())
}

func parseTypesCache(data []byte) (typesCache, error) {
	bad := func(what string) (typesCache, error) {
		return typesCache{}, errors.New("kernel types cache: " + what)
	}
	text := string(data)
	if !strings.HasSuffix(text, "\n") {
		return bad("truncated")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	var c typesCache
	var err error
	if c.ids, c.refused, err = parseIDsLine(lines[0]); err != nil {
		return typesCache{}, err
	}
	c.objects = map[string]coreFixups{}
	for i := 1; i < len(lines); {
		var obj string
		var n int
		if k, err := fmt.Sscanf(lines[i], "object %s %d", &obj, &n); k != 2 || err != nil ||
			fmt.Sprintf("object %s %d", obj, n) != lines[i] || n <= 0 || n > len(lines)-i-1 || c.objects[obj] != nil {
			return bad("bad object line")
		}
		fs := make(coreFixups, n)
		for j := range fs {
			var f [4]string
			if !splitExact(lines[i+1+j], ' ', f[:]) {
				return bad("bad fixup line")
			}
			fs[j].prog = f[0]
			if fs[j].index, err = strconv.Atoi(f[1]); err != nil || fs[j].index < 0 {
				return bad("bad fixup line")
			}
			if fs[j].pre, err = parseInsn(f[2]); err != nil {
				return bad("bad fixup line")
			}
			if fs[j].post, err = parseInsn(f[3]); err != nil {
				return bad("bad fixup line")
			}
		}
		c.order = append(c.order, obj)
		c.objects[obj] = fs
		i += 1 + n
	}
	return c, nil
}
