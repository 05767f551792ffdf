package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/bench/ringbuf"
)

// Raw traced-window averages for hot-path variants (not committed).
func TestZZVariants(t *testing.T) {
	stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		t.Fatal(err)
	}
	defer stats.Close()
	empty, detach, err := ringbuf.AttachEmptyProgram()
	if err != nil {
		t.Fatal(err)
	}
	defer detach()
	dir := t.TempDir()
	b := &bench{p: paramsFor(false), dir: dir, wl: filepath.Join(dir, "wl"), src: mustAbs("workloads")}
	if err := b.buildWorkloads(); err != nil {
		t.Fatal(err)
	}
	bins := strings.Fields(os.Getenv("VARIANTS"))
	res := map[string][]float64{}
	for r := 0; r < 7; r++ {
		for _, bin := range bins {
			b.bin = bin
			e0, _ := sampleOf(empty)
			tr, err := b.startTraced(filepath.Join(dir, "v.trace"), []string{"BENCH_HOLD_END=1"}, b.w("getpid"), "3000000")
			if err != nil {
				t.Fatal(err)
			}
			tr.stdout.ReadString('\n')
			s, _ := sampleOf(tr.prog)
			tr.end()
			e1, _ := sampleOf(empty)
			res[bin] = append(res[bin], s.avg()-e1.sub(e0).avg())
		}
	}
	for _, bin := range bins {
		st := summarize(res[bin])
		t.Logf("%s: traced-window avg minus floor: min %.1f med %.1f", bin, st.min, st.med)
	}
}

func mustAbs(p string) string { a, _ := filepath.Abs(p); return a }
