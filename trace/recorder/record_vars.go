package recorder

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/cilium/ebpf"

	"github.com/seccomp-gen/seccomp-gen/bpf"
)

// variable is a global of recorder.c's .bss that Record reads or writes:
// an *ebpf.Variable where the recorder was loaded here, a bssVar where it
// was prepared by another process (record_pool.go), which cannot hand
// cilium/ebpf's variables over.
type variable interface {
	Get(out any) error
	Set(in any) error
}

// recorderVars are the .bss globals Record uses.
type recorderVars struct {
	argmask, argsLost, execs, exeNext, exeOverflow, liveTasks, lost, procsDone, procsOverflow, targetTgid variable
}

func varsOf(v *bpf.RecorderVariables) recorderVars {
	return recorderVars{
		argmask: v.CfgArgmask, argsLost: v.ArgsLost, execs: v.Execs, exeNext: v.ExeNext, exeOverflow: v.ExeOverflow,
		liveTasks: v.LiveTasks, lost: v.Lost, procsDone: v.ProcsDone, procsOverflow: v.ProcsOverflow,
		targetTgid: v.TargetTgid,
	}
}

// bssLayout is where recorderVars' globals are in .bss (offset, size), as
// clang laid recorder.c out: TestBSSLayout checks it against the programs'
// ELF, so a change to recorder.c that moves one fails there.
var bssLayout = map[string][2]uint32{
	"cfg_argmask":    {32, 3072},
	"args_lost":      {8, 8},
	"execs":          {3120, 8},
	"exe_next":       {3136, 4},
	"exe_overflow":   {3128, 8},
	"live_tasks":     {16, 8},
	"lost":           {0, 8},
	"procs_done":     {3112, 8},
	"procs_overflow": {3104, 8},
	"target_tgid":    {3140, 4},
}

// bssSize is .bss's size (its map's value).
const bssSize = 3144

// bssVar is one global of a .bss map, read and written in the map's
// memory (.bss is BPF_F_MMAPABLE), as cilium/ebpf's variables are: only its
// own bytes. Not through a lookup and an update of the whole value: the
// programs change the counters next to it (live_tasks, procs_done, execs)
// while user space writes, and a whole-value update puts back what the
// lookup read. The early start's adoption wrote the argument mask that way
// while its command ran: a command that exited in between was counted
// alive for good, and the trace never ended.
type bssVar struct {
	mem       *ebpf.Memory
	name      string
	off, size uint32
}

func (v bssVar) Get(out any) error {
	if n := binary.Size(out); n < 0 || uint32(n) != v.size {
		return fmt.Errorf("%s: %T is not %d bytes", v.name, out, v.size)
	}
	buf := make([]byte, v.size)
	if _, err := v.mem.ReadAt(buf, int64(v.off)); err != nil {
		return fmt.Errorf("%s: %w", v.name, err)
	}
	return binary.Read(bytes.NewReader(buf), binary.NativeEndian, out)
}

func (v bssVar) Set(in any) error {
	var enc bytes.Buffer
	if err := binary.Write(&enc, binary.NativeEndian, in); err != nil {
		return fmt.Errorf("%s: %w", v.name, err)
	}
	if uint32(enc.Len()) != v.size {
		return fmt.Errorf("%s: %T is not %d bytes", v.name, in, v.size)
	}
	if _, err := v.mem.WriteAt(enc.Bytes(), int64(v.off)); err != nil {
		return fmt.Errorf("%s: %w", v.name, err)
	}
	return nil
}

// bssVars returns recorderVars read and written through m, a .bss map.
func bssVars(m *ebpf.Map) (recorderVars, error) {
	if m.ValueSize() != bssSize {
		return recorderVars{}, fmt.Errorf(".bss is %d bytes, not %d", m.ValueSize(), bssSize)
	}
	mem, err := m.Memory()
	if err != nil {
		return recorderVars{}, fmt.Errorf(".bss: %w", err)
	}
	at := func(name string) variable {
		l := bssLayout[name]
		return bssVar{mem: mem, name: name, off: l[0], size: l[1]}
	}
	return recorderVars{
		argmask: at("cfg_argmask"), argsLost: at("args_lost"), execs: at("execs"), exeNext: at("exe_next"), exeOverflow: at("exe_overflow"),
		liveTasks: at("live_tasks"), lost: at("lost"), procsDone: at("procs_done"), procsOverflow: at("procs_overflow"),
		targetTgid: at("target_tgid"),
	}, nil
}
