package main

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"

	"github.com/seccomp-gen/seccomp-gen/bpf"
)

var (
	verifyTimeRe  = regexp.MustCompile(`verification time (\d+) usec`)
	verifyInsnsRe = regexp.MustCompile(`processed (\d+) insns`)
)

// verification loads the recorder's programs (bpf.LoadRecorder: the
// embedded objects, which the -bin binary embeds too when built from the
// same tree) rounds times with the verifier's statistics (BPF_LOG_STATS)
// and writes, per program, the instructions the verifier processed and the
// verification time the kernel reports: the start's program load step
// without the wall clock's noise. As Record loads them: with the kernel's
// BTF IDs for sys_enter's read of task->bpf_storage through
// bpf_rdonly_cast (bpf.UseKernelIDs); sys_enter is also loaded without
// them, in the same rounds, as on a kernel without that kfunc.
func (b *bench) verification(w *strings.Builder, rounds int) error {
	times := map[string][]float64{}
	insns := map[string]int{}
	kernel, err := btf.LoadKernelSpec()
	if err != nil {
		return err
	}
	ids, err := bpf.FindKernelIDs(kernel)
	if err != nil {
		return err
	}
	const trusted = bpf.RecorderProgSysEnter + " (trusted read: no kfunc IDs)"
	for r := 0; r < rounds; r++ {
		for _, use := range []bpf.KernelIDs{ids, {}} {
			spec, err := bpf.LoadRecorderLean() // as the recorder loads them
			if err != nil {
				return err
			}
			if err := bpf.UseKernelIDs(spec, use); err != nil {
				return err
			}
			coll, err := ebpf.NewCollectionWithOptions(spec, ebpf.CollectionOptions{Programs: ebpf.ProgramOptions{LogLevel: ebpf.LogLevelStats, KernelTypes: kernel}})
			if err != nil {
				return fmt.Errorf("load the recorder: %w", err)
			}
			for name, p := range coll.Programs {
				if !use.Known() {
					if name != bpf.RecorderProgSysEnter || !ids.Known() {
						continue
					}
					name = trusted
				}
				t := verifyTimeRe.FindStringSubmatch(p.VerifierLog)
				n := verifyInsnsRe.FindStringSubmatch(p.VerifierLog)
				if t == nil || n == nil {
					continue
				}
				us, _ := strconv.Atoi(t[1])
				times[name] = append(times[name], float64(us)/1000)
				insns[name], _ = strconv.Atoi(n[1])
			}
			coll.Close()
		}
	}
	if len(times) == 0 {
		return fmt.Errorf("the verifier's statistics say no verification time")
	}
	names := make([]string, 0, len(times))
	for n := range times {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "\n### Program verification (the kernel's figures)\n\n")
	fmt.Fprintf(w, "The recorder's programs as this tree embeds them, loaded %d times with the verifier's statistics (BPF_LOG_STATS): instructions the verifier processed and the verification time it reports, the kernel's share of the program load step above. As the recorder loads them: sys_enter reads task->bpf_storage through bpf_rdonly_cast with the kernel's BTF IDs (%+v); its row \"trusted read\" is the same program loaded without them in the same rounds, as on a kernel without that kfunc (the fallback).\n\n", rounds, ids)
	fmt.Fprintf(w, "| program | instructions processed | verification min ms | verification median ms |\n|---|---|---|---|\n")
	var total float64
	for _, n := range names {
		s := summarize(times[n])
		if n != trusted {
			total += s.med
		}
		fmt.Fprintf(w, "| %s | %d | %.2f | %.2f |\n", n, insns[n], s.min, s.med)
	}
	fmt.Fprintf(w, "| all of them (sum of medians) | | | %.2f |\n", total)
	return nil
}
