package bpf

import (
	"bytes"
	"os"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
)

// LoadRecorderLean's objects differ from the committed ones in the line
// information alone: same programs, instructions, function information and
// CO-RE relocations, and no instruction with a source line (where the
// committed object gives most of them one). Both targets' objects.
func TestWithoutLineInfo(t *testing.T) {
	for _, name := range []string{"recorder_x86_bpfel.o", "recorder_arm64_bpfel.o"} {
		t.Run(name, func(t *testing.T) {
			obj, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			lean, err := withoutLineInfo(obj)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(lean, obj) {
				t.Fatal("the object came back unchanged")
			}
			full, err := ebpf.LoadCollectionSpecFromReader(bytes.NewReader(obj))
			if err != nil {
				t.Fatal(err)
			}
			spec, err := ebpf.LoadCollectionSpecFromReader(bytes.NewReader(lean))
			if err != nil {
				t.Fatal(err)
			}
			if len(spec.Programs) != len(full.Programs) || len(spec.Maps) != len(full.Maps) || len(spec.Variables) != len(full.Variables) {
				t.Fatalf("programs/maps/variables %d/%d/%d, want %d/%d/%d", len(spec.Programs), len(spec.Maps), len(spec.Variables),
					len(full.Programs), len(full.Maps), len(full.Variables))
			}
			for pname, fp := range full.Programs {
				p := spec.Programs[pname]
				if p == nil {
					t.Fatalf("program %s missing", pname)
				}
				if len(p.Instructions) != len(fp.Instructions) {
					t.Fatalf("%s: %d instructions, want %d", pname, len(p.Instructions), len(fp.Instructions))
				}
				withLine := 0
				for i := range fp.Instructions {
					a, b := &p.Instructions[i], &fp.Instructions[i]
					if a.OpCode != b.OpCode || a.Dst != b.Dst || a.Src != b.Src || a.Offset != b.Offset || a.Constant != b.Constant ||
						a.Reference() != b.Reference() || a.Symbol() != b.Symbol() {
						t.Fatalf("%s: instruction %d is %v, want %v", pname, i, a, b)
					}
					if (btf.FuncMetadata(a) == nil) != (btf.FuncMetadata(b) == nil) {
						t.Errorf("%s: instruction %d: function information differs", pname, i)
					}
					if (btf.CORERelocationMetadata(a) == nil) != (btf.CORERelocationMetadata(b) == nil) {
						t.Errorf("%s: instruction %d: CO-RE relocation differs", pname, i)
					}
					if a.Source() != nil {
						t.Errorf("%s: instruction %d has a source line: %v", pname, i, a.Source())
					}
					if b.Source() != nil {
						withLine++
					}
				}
				if withLine == 0 {
					t.Errorf("%s: the committed object has no line information either: the test proves nothing", pname)
				}
			}
		})
	}
}

func TestWithoutLineInfoBadInput(t *testing.T) {
	obj, err := os.ReadFile("recorder_x86_bpfel.o")
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{
		"empty":     nil,
		"not ELF":   bytes.Repeat([]byte{1}, 128),
		"truncated": obj[:200],
		"headers only": func() []byte {
			b := bytes.Clone(obj)
			b[0x3c] = 0xff // e_shnum far beyond the file
			return b
		}(),
	} {
		if _, err := withoutLineInfo(in); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestLoadRecorderLean(t *testing.T) {
	spec, err := LoadRecorderLean()
	if err != nil {
		t.Fatal(err)
	}
	if spec.Programs[RecorderProgSysEnter] == nil {
		t.Fatal("no sys_enter")
	}
	for _, ins := range spec.Programs[RecorderProgSysEnter].Instructions {
		if ins.Source() != nil {
			t.Fatalf("a source line: %v", ins.Source())
		}
	}
}
