package recorder

import (
	"fmt"
	"slices"
	"sort"

	"github.com/cilium/ebpf"

	"github.com/seccomp-gen/seccomp-gen/abi"
	"github.com/seccomp-gen/seccomp-gen/bpf"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// Argument recording (issue 10): bpf/recorder.c keeps the distinct values
// of trace.RecordedArgs per (ABI, nr, argument) in argvals, bounded by
// trace.MaxArgDistinct each (argstate says how many and whether one was
// dropped). cfg_argmask says, per counts slot, which arguments to record.

// argMask builds cfg_argmask: bit i of slot's byte records argument i of
// the syscall in that slot. It names all nrABIs*nrSlots slots through the
// namer: ~0.9 ms of libseccomp here (number to name is a linear search of
// its table), so it runs while the programs load (startArgMask). Looking
// the few recorded names up instead is no cheaper: libseccomp answers x86's
// socketcall-multiplexed calls (socket, setsockopt, ...) and names missing
// on an ABI with pseudo numbers, and scmp.Number then scans the whole table
// of the ABI (3 ms for the three x86 ABIs, measured). A start takes it from
// a cache when it can (argMaskCached).
func argMask(namer trace.Tables) [nrABIs * nrSlots]uint8 {
	var m [nrABIs * nrSlots]uint8
	if namer == nil {
		return m
	}
	want := map[string]uint8{}
	for _, a := range trace.RecordedArgs {
		want[a.Syscall] |= 1 << a.Index
		if a.When != nil {
			want[a.Syscall] |= uint8(bpf.RecorderArgmaskBitsARGMASK_WHEN)
		}
	}
	for _, p := range trace.RecordedPairs {
		// Checked by argPairs (setArgMask refuses a pair the recorder
		// would not record as named).
		want[p.Syscall] |= uint8(bpf.RecorderArgmaskBitsARGMASK_PAIR)
	}
	for slot := uint32(0); slot < nrABIs*nrSlots; slot++ {
		arch, nr := slotArch(slot)
		if name, ok := namer.Name(arch, nr); ok {
			m[slot] = want[name]
		}
	}
	return m
}

func (r *recorder) setArgMask(spec *ebpf.CollectionSpec) error {
	if r.opts.NoArgs {
		return nil
	}
	if err := spec.Variables[bpf.RecorderVarCfgArgDistinct].Set(uint32(trace.MaxArgDistinct)); err != nil {
		return fmt.Errorf("eBPF recorder: %w", err)
	}
	w, err := argWhen()
	if err != nil {
		return fmt.Errorf("eBPF recorder: %w", err)
	}
	if err := argPairs(); err != nil {
		return fmt.Errorf("eBPF recorder: %w", err)
	}
	if w.arg < 6 {
		for name, v := range map[string]uint32{bpf.RecorderVarCfgWhenArg: w.arg, bpf.RecorderVarCfgWhenOn: w.on, bpf.RecorderVarCfgWhenValue: w.value} {
			if err := spec.Variables[name].Set(v); err != nil {
				return fmt.Errorf("eBPF recorder: %w", err)
			}
		}
	}
	return nil
}

// when is the recorder's one argument condition (cfg_when_*); arg 6: none.
type when struct{ arg, on, value uint32 }

// argWhen is the condition of trace.RecordedArgs' conditional arguments,
// refused unless they all share one (the recorder has one), the argument
// it tests is recorded too and comes first (record_args reads the
// arguments in order, once), and the value fits 32 bits.
func argWhen() (when, error) {
	w := when{arg: 6, on: 6}
	for _, a := range trace.RecordedArgs {
		if a.When == nil {
			continue
		}
		if a.Index < 0 || a.Index > 5 || a.When.Index < 0 || a.When.Index >= a.Index || a.When.Value > 0xffffffff {
			return when{}, fmt.Errorf("recorded argument %s %d: condition out of range", a.Syscall, a.Index)
		}
		if !slices.ContainsFunc(trace.RecordedArgs, func(b trace.RecordedArg) bool {
			return b.Syscall == a.Syscall && b.Index == a.When.Index && b.When == nil
		}) {
			return when{}, fmt.Errorf("recorded argument %s %d: its condition's argument %d is not recorded", a.Syscall, a.Index, a.When.Index)
		}
		c := when{uint32(a.Index), uint32(a.When.Index), uint32(a.When.Value)}
		if w.arg != 6 && w != c {
			return when{}, fmt.Errorf("recorded argument %s %d: a second condition (the recorder has one)", a.Syscall, a.Index)
		}
		w = c
	}
	return w, nil
}

// argPairs checks trace.RecordedPairs against what record_pair records:
// the values of a syscall's two lowest recorded arguments, read in every
// call (no When on either: a condition that fails clears an argument's
// bit in record_args, and the pair would then be another one), each an
// int whose low 32 bits the recorder keeps.
func argPairs() error {
	seen := map[string]bool{}
	for _, p := range trace.RecordedPairs {
		if seen[p.Syscall] {
			return fmt.Errorf("recorded pair of %s: a second one (the recorder records one per syscall)", p.Syscall)
		}
		seen[p.Syscall] = true
		var idx []int
		for _, a := range trace.RecordedArgs {
			if a.Syscall != p.Syscall {
				continue
			}
			if a.When != nil {
				return fmt.Errorf("recorded pair of %s: argument %d is recorded in some calls only", p.Syscall, a.Index)
			}
			idx = append(idx, a.Index)
		}
		slices.Sort(idx)
		if len(idx) < 2 || idx[0] != p.Indexes[0] || idx[1] != p.Indexes[1] {
			return fmt.Errorf("recorded pair of %s: arguments %d and %d are not its two lowest recorded ones (%v)", p.Syscall, p.Indexes[0], p.Indexes[1], idx)
		}
	}
	return nil
}

// startArgMask gets cfg_argmask on another goroutine, while the programs
// load: from the cache, else named through libseccomp (~1 ms).
func (r *recorder) startArgMask() {
	if r.opts.NoArgs || r.opts.Namer == nil {
		return
	}
	masks := make(chan [nrABIs * nrSlots]uint8, 1)
	r.masks = masks
	go func() { masks <- argMaskCached(r.opts.Namer) }()
}

// writeArgMask writes cfg_argmask into the loaded programs' .bss; it runs
// before they are attached.
func (r *recorder) writeArgMask() error {
	if r.masks == nil {
		return nil
	}
	r.argMask = <-r.masks
	r.masks = nil
	if err := r.vars.argmask.Set(r.argMask); err != nil {
		return fmt.Errorf("eBPF recorder: cfg_argmask: %w", err)
	}
	return nil
}

// confirmArgMask is writeArgMask for a recorder whose command already runs
// (the early start): .bss should hold the mask already, and is written
// only where it does not.
func (r *recorder) confirmArgMask() error {
	if r.masks == nil {
		return nil
	}
	var cur [nrABIs * nrSlots]uint8
	if err := r.vars.argmask.Get(&cur); err != nil {
		return fmt.Errorf("eBPF recorder: cfg_argmask: %w", err)
	}
	r.argMask = <-r.masks
	r.masks = nil
	if cur == r.argMask {
		return nil
	}
	if err := r.vars.argmask.Set(r.argMask); err != nil {
		return fmt.Errorf("eBPF recorder: cfg_argmask: %w", err)
	}
	return nil
}

// regMask selects the bits of a recorded register that arch's syscalls
// take: the low 32 on a 32-bit ABI (the kernel and an i386 filter read
// those; int 0x80 from 64-bit code leaves whatever the upper halves held).
func regMask(arch string) uint64 {
	if a, ok := abi.Lookup(arch); ok && a.ArgBits == 32 {
		return 0xffffffff
	}
	return ^uint64(0)
}

// argMaskOf returns the mask trace.RecordedArgs gives syscall name's
// argument i on arch (the register's bits the ABI passes, then the
// argument's Mask).
func argMaskOf(arch, name string, i int) uint64 {
	mask := regMask(arch)
	for _, a := range trace.RecordedArgs {
		if a.Syscall == name && a.Index == i && a.Mask != 0 {
			mask &= a.Mask
		}
	}
	return mask
}

// recordedArgs are the argument values readArgs returns, per slot.
type recordedArgs struct {
	args  map[uint32][]trace.ArgValues
	pairs map[uint32]*trace.ArgPairs
}

// readArgs returns the recorded values per slot, as trace entries carry
// them: every recorded argument of a slot, sorted, masked as
// trace.RecordedArgs says, Overflow where values were dropped; and for a
// slot of trace.RecordedPairs, the pairs (record_pair's pseudo index),
// each half masked as its argument is.
func (r *recorder) readArgs() (recordedArgs, error) {
	out := recordedArgs{args: map[uint32][]trace.ArgValues{}, pairs: map[uint32]*trace.ArgPairs{}}
	if r.opts.NoArgs || !r.loaded {
		return out, nil
	}
	var lostAll uint64
	_ = r.vars.argsLost.Get(&lostAll)
	type sk struct{ slot, idx uint32 }
	vals := map[sk][]uint64{}
	var k bpf.RecorderArgKey
	var one uint8
	it := r.objs.Argvals.Iterate()
	for it.Next(&k, &one) {
		vals[sk{k.Slot, k.Index}] = append(vals[sk{k.Slot, k.Index}], k.Value)
	}
	if err := it.Err(); err != nil {
		return recordedArgs{}, fmt.Errorf("read argument values: %w", err)
	}
	over := map[sk]bool{}
	var s bpf.RecorderArgSlot
	var st bpf.RecorderArgState
	it = r.objs.Argstate.Iterate()
	for it.Next(&s, &st) {
		if st.Overflow != 0 {
			over[sk{s.Slot, s.Index}] = true
		}
	}
	if err := it.Err(); err != nil {
		return recordedArgs{}, fmt.Errorf("read argument values: %w", err)
	}
	for slot, m := range r.argMask {
		if m == 0 {
			continue
		}
		arch, nr := slotArch(uint32(slot))
		name, _ := r.opts.Namer.Name(arch, nr)
		for i := 0; i < 6; i++ {
			if m&(1<<i) == 0 {
				continue
			}
			key := sk{uint32(slot), uint32(i)}
			mask := argMaskOf(arch, name, i)
			av := trace.ArgValues{Index: i, Overflow: over[key] || lostAll > 0, Values: []uint64{}}
			seen := map[uint64]bool{}
			for _, v := range vals[key] {
				if v &= mask; !seen[v] {
					seen[v] = true
					av.Values = append(av.Values, v)
				}
			}
			sort.Slice(av.Values, func(a, b int) bool { return av.Values[a] < av.Values[b] })
			out.args[uint32(slot)] = append(out.args[uint32(slot)], av)
		}
		p, ok := trace.PairOf(name)
		if m&uint8(bpf.RecorderArgmaskBitsARGMASK_PAIR) == 0 || !ok {
			continue
		}
		key := sk{uint32(slot), uint32(bpf.RecorderArgPseudoIndexARG_PAIR_INDEX)}
		m0, m1 := argMaskOf(arch, name, p.Indexes[0])&0xffffffff, argMaskOf(arch, name, p.Indexes[1])&0xffffffff
		ap := &trace.ArgPairs{Indexes: p.Indexes, Overflow: over[key] || lostAll > 0, Values: [][2]uint64{}}
		seen := map[[2]uint64]bool{}
		for _, v := range vals[key] {
			pv := [2]uint64{v >> 32 & m0, v & m1}
			if !seen[pv] {
				seen[pv] = true
				ap.Values = append(ap.Values, pv)
			}
		}
		sort.Slice(ap.Values, func(a, b int) bool {
			x, y := ap.Values[a], ap.Values[b]
			return x[0] < y[0] || x[0] == y[0] && x[1] < y[1]
		})
		out.pairs[uint32(slot)] = ap
	}
	return out, nil
}
