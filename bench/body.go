package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/bench/ringbuf"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// Targets of issue 13: the recorder's sys_enter body (its run time per
// invocation minus an empty program's, both from the kernel's BPF run-time
// statistics in the same run), and the per-syscall totals as ratios to the
// floor (an empty raw_tp/sys_enter program's overhead in the same run).
const (
	targetBodyTracedNs   = 15.0
	targetBodyUntracedNs = 5.0
	targetTracedRatio    = 1.25
	targetUntracedRatio  = 1.10
)

// progSample is a program's run-time statistics at one moment.
type progSample struct {
	runtime time.Duration
	count   uint64
}

func sampleOf(p *ebpf.Program) (progSample, error) {
	st, err := p.Stats()
	if err != nil {
		return progSample{}, err
	}
	return progSample{st.Runtime, st.RunCount}, nil
}

func (a progSample) sub(b progSample) progSample {
	return progSample{a.runtime - b.runtime, a.count - b.count}
}

func (a progSample) avg() float64 {
	if a.count == 0 {
		return 0
	}
	return float64(a.runtime.Nanoseconds()) / float64(a.count)
}

// window is one traced run seen through the recorder's sys_enter statistics:
// everything it ran for (every syscall of the machine from its attach to the
// moment of reading) and how many of those were the traced task's (the trace
// file's total: exact).
type window struct {
	prog   progSample
	traced uint64
	// floor is the empty program's average over the same window (from
	// the moment the recorder's program was found attached to the end),
	// when bench.bodyFloor is set.
	floor float64
}

// lessFloor is w with the floor's average taken off every run: solved, it
// gives the bodies themselves, each window measured against the floor of
// its own moment (see body).
func (w window) lessFloor() window {
	w.prog.runtime -= time.Duration(float64(w.prog.count) * w.floor)
	return w
}

// floorSample samples bench.bodyFloor, if set.
func (b *bench) floorSample() (progSample, error) {
	if b.bodyFloor == nil {
		return progSample{}, nil
	}
	return sampleOf(b.bodyFloor)
}

// body measures the recorder's sys_enter program per invocation with the
// kernel's BPF run-time statistics, which are enabled (BPF_ENABLE_STATS, not
// the sysctl) only for this section and restored when its file descriptor is
// closed. An empty program stays attached next to it the whole time: its
// average is the floor of the statistics themselves (the kernel's
// accounting, two clock reads, runs around every program), so the recorder's
// average minus the empty one's is its body.
//
// Two kinds of windows are measured per round: the getpid loop traced (its
// syscalls dominate; the rest of the machine's are in too) and the loop
// untraced while a trace of an idle shell runs (nearly all untraced). Each
// is a·traced + (n−a)·untraced with a from the trace file and n the run count,
// so the two give both averages.
func (b *bench) body(w *strings.Builder) error {
	stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		return fmt.Errorf("enable BPF run-time statistics: %w", err)
	}
	defer stats.Close()
	// Two empty programs, and the floor is the second's: the first
	// program a syscall runs on the tracepoint pays for pages the others
	// then find in the TLB (on a machine that flushes it at every
	// syscall, PTI without PCID, a second empty program ran 19-31 ns
	// shorter than the first), and the recorder, attached later, is
	// never first. Its body is measured against an empty program in the
	// same position.
	first, detachFirst, err := ringbuf.AttachEmptyProgram()
	if err != nil {
		return err
	}
	defer detachFirst()
	empty, detach, err := ringbuf.AttachEmptyProgram()
	if err != nil {
		return err
	}
	defer detach()
	// Each window's floor: the empty program's average over that window.
	b.bodyFloor = empty
	defer func() { b.bodyFloor = nil }()
	n := strconv.Itoa(b.p.loopCalls)
	// The traced variants: the default (argument values recorded, issue
	// 10; getpid has none to record), without argument recording, and a
	// syscall whose argument is recorded.
	variants := []struct {
		name  string
		flags []string
		env   []string
	}{
		{"seccomp-gen sys_enter, traced task (getpid; the default: argument recording on)", nil, nil},
		{"seccomp-gen sys_enter, traced task (getpid; trace --no-args)", []string{"--no-args"}, nil},
		{"seccomp-gen sys_enter, traced task (fcntl(0, F_GETFD): its cmd recorded)", nil, []string{"BENCH_FCNTL=1"}},
	}
	xs := make([][]float64, len(variants))
	xb := make([][]float64, len(variants)) // the bodies, per window less its floor
	var us, ub, es, fs []float64           // fs: the first empty program's averages
	var bxs, bus []float64                 // -baseline: its traced (default) and untraced averages
	var dxs, dus []float64                 // -baseline: this − baseline, per round (paired)
	var errs []string
	for r := 0; r < b.p.bodyRounds; r++ {
		b.logf("bench:   round %d/%d", r+1, b.p.bodyRounds)
		e0, err := sampleOf(empty)
		if err != nil {
			return err
		}
		f0, err := sampleOf(first)
		if err != nil {
			return err
		}
		var tws []*window
		for _, v := range variants {
			tw, err := b.tracedWindow(b.bin, n, v.flags, v.env)
			if err != nil {
				errs = append(errs, "traced: "+oneLine(err))
				tws = append(tws, nil)
				continue
			}
			tws = append(tws, &tw)
		}
		// With -baseline, its default traced and its untraced windows
		// are measured in the same rounds, before this binary's untraced
		// window in odd rounds and after it in even ones.
		baseFirst := r%2 == 1
		var bx, bu float64
		baseOK := false
		if b.baseline != "" && baseFirst {
			bx, bu, err = b.baselineBody(n)
			if err != nil {
				errs = append(errs, "baseline: "+oneLine(err))
			} else {
				bxs, bus, baseOK = append(bxs, bx), append(bus, bu), true
			}
		}
		uw, err := b.untracedWindow(b.bin, n)
		if err != nil {
			errs = append(errs, "untraced: "+oneLine(err))
			continue
		}
		if b.baseline != "" && !baseFirst {
			bx, bu, err = b.baselineBody(n)
			if err != nil {
				errs = append(errs, "baseline: "+oneLine(err))
			} else {
				bxs, bus, baseOK = append(bxs, bx), append(bus, bu), true
			}
		}
		e1, err := sampleOf(empty)
		if err != nil {
			return err
		}
		f1, err := sampleOf(first)
		if err != nil {
			return err
		}
		es = append(es, e1.sub(e0).avg())
		fs = append(fs, f1.sub(f0).avg())
		round := make([]float64, len(tws)) // this round's traced averages
		solved := make([]bool, len(tws))
		for i, tw := range tws {
			if tw == nil {
				continue
			}
			x, u, err := solve(*tw, uw)
			if err != nil {
				errs = append(errs, oneLine(err))
				continue
			}
			bodyX, bodyU, err := solve(tw.lessFloor(), uw.lessFloor())
			if err != nil {
				errs = append(errs, oneLine(err))
				continue
			}
			round[i], solved[i] = bodyX, true
			xs[i], xb[i] = append(xs[i], x), append(xb[i], bodyX)
			if i == 0 {
				us, ub = append(us, u), append(ub, bodyU)
				if baseOK {
					dxs, dus = append(dxs, x-bx), append(dus, u-bu)
				}
			}
		}
		if solved[0] && solved[1] { // the default and --no-args
			b.bodyArgs = append(b.bodyArgs, round[0]-round[1])
		}
	}
	if len(xs[0]) == 0 || len(us) == 0 {
		return fmt.Errorf("no round measured: %s", strings.Join(uniq(errs), "; "))
	}
	se, sx, su := summarize(es), summarize(xs[0]), summarize(us)
	b.bodyTraced, b.bodyUntraced = summarize(xb[0]).med, summarize(ub).med
	fmt.Fprintf(w, "ns per invocation of raw_tp/sys_enter programs from the kernel's BPF run-time statistics (run_time_ns / run_cnt), enabled with BPF_ENABLE_STATS for this section only (kernel.bpf_stats_enabled is left as it was). "+
		"Two empty programs are attached the whole time, before the recorder: the second one's average is the floor, which includes the statistics' own cost (two clock reads per run); the first program on the tracepoint can pay for pages the later ones find in the TLB (where a syscall entry empties it: its row says how much here), and the recorder is never first. "+
		"The recorder's averages for traced and untraced tasks are solved from two windows per round (the getpid loop traced; the loop untraced while an idle shell is traced), each a·traced + (n−a)·untraced with n the run count and a the trace file's exact count. "+
		"The body is solved the same way from each window's runs less the floor's average over that very window (from the recorder's attach to the reading; the floor moves with the machine's slow spells, see the per-syscall section), one per round, median over the rounds; the medians' difference, recorder − floor, is shown beside it. "+
		"%d interleaved rounds of %s calls; ratios are to the floor of the same run.\n\n", len(xs[0]), n)
	fmt.Fprintf(w, "| program | n | min ns | median ns | ratio to floor | body ns (per window, median) | body ns (median − floor) | target | result |\n|---|---|---|---|---|---|---|---|---|\n")
	sf := summarize(fs)
	fmt.Fprintf(w, "| the first empty raw_tp/sys_enter program (not the floor: it runs first) | %d | %.1f | %.1f | %.2f | | %.1f | | |\n", len(fs), sf.min, sf.med, sf.med/se.med, sf.med-se.med)
	fmt.Fprintf(w, "| floor: empty raw_tp/sys_enter program, the second | %d | %.1f | %.1f | 1.00 | 0 | 0 | | |\n", len(es), se.min, se.med)
	res := b.target(b.bodyTraced <= targetBodyTracedNs, fmt.Sprintf("sys_enter body, traced task: %.1f ns (per window; target <= %.0f)", b.bodyTraced, targetBodyTracedNs))
	fmt.Fprintf(w, "| %s | %d | %.1f | %.1f | %.2f | %.1f | %.1f | <= %.0f ns | %s |\n", variants[0].name, len(xs[0]), sx.min, sx.med, sx.med/se.med, b.bodyTraced, sx.med-se.med, targetBodyTracedNs, res)
	for i := 1; i < len(variants); i++ {
		if len(xs[i]) == 0 {
			fmt.Fprintf(w, "| %s | 0 | | | | | | | NOT MEASURED |\n", variants[i].name)
			continue
		}
		sv := summarize(xs[i])
		fmt.Fprintf(w, "| %s | %d | %.1f | %.1f | %.2f | %.1f | %.1f | | |\n", variants[i].name, len(xs[i]), sv.min, sv.med, sv.med/se.med, summarize(xb[i]).med, sv.med-se.med)
	}
	res = b.target(b.bodyUntraced <= targetBodyUntracedNs, fmt.Sprintf("sys_enter body, untraced task: %.1f ns (per window; target <= %.0f)", b.bodyUntraced, targetBodyUntracedNs))
	fmt.Fprintf(w, "| seccomp-gen sys_enter, untraced task | %d | %.1f | %.1f | %.2f | %.1f | %.1f | <= %.0f ns | %s |\n", len(us), su.min, su.med, su.med/se.med, b.bodyUntraced, su.med-se.med, targetBodyUntracedNs, res)
	if len(bxs) > 0 {
		bx, bu := summarize(bxs), summarize(bus)
		name := filepath.Base(b.baseline)
		fmt.Fprintf(w, "| -baseline %s sys_enter, traced task (getpid; default) | %d | %.1f | %.1f | %.2f | | %.1f | | |\n", name, len(bxs), bx.min, bx.med, bx.med/se.med, bx.med-se.med)
		fmt.Fprintf(w, "| -baseline %s sys_enter, untraced task | %d | %.1f | %.1f | %.2f | | %.1f | | |\n", name, len(bus), bu.min, bu.med, bu.med/se.med, bu.med-se.med)
		fmt.Fprintf(w, "\nAgainst -baseline %s (%s), measured in the same rounds: body difference (this − baseline, medians) traced %+.2f ns, untraced %+.2f ns.\n", name, b.binVersion(b.baseline), sx.med-bx.med, su.med-bu.med)
		if len(dxs) > 0 {
			px, pu := paired(dxs), paired(dus)
			fmt.Fprintf(w, "Paired per-round differences (this − baseline, %d rounds): traced median %+.2f ns, mean %+.2f (standard error %.2f); untraced median %+.2f ns, mean %+.2f (standard error %.2f).\n",
				len(dxs), px.med, px.mean, px.se, pu.med, pu.mean, pu.se)
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(w, "\nErrors: %s\n", strings.Join(uniq(errs), "; "))
	}
	return nil
}

// baselineBody measures the -baseline binary's sys_enter: its traced
// (default flags) and untraced averages from one pair of windows.
func (b *bench) baselineBody(n string) (traced, untraced float64, err error) {
	tw, err := b.tracedWindow(b.baseline, n, nil, nil)
	if err != nil {
		return 0, 0, err
	}
	uw, err := b.untracedWindow(b.baseline, n)
	if err != nil {
		return 0, 0, err
	}
	return solve(tw, uw)
}

// solve returns the traced and untraced averages from a window dominated by
// traced calls and one dominated by untraced calls.
func solve(t, u window) (x, y float64, err error) {
	a1, n1 := float64(t.traced), float64(t.prog.count)
	a2, n2 := float64(u.traced), float64(u.prog.count)
	t1, t2 := float64(t.prog.runtime.Nanoseconds()), float64(u.prog.runtime.Nanoseconds())
	// t1 = a1 x + (n1-a1) y ; t2 = a2 x + (n2-a2) y
	det := a1*(n2-a2) - a2*(n1-a1)
	if n1 < a1 || n2 < a2 || det <= 0 {
		return 0, 0, fmt.Errorf("statistics inconsistent: traced %v of %v, %v of %v", a1, n1, a2, n2)
	}
	x = (t1*(n2-a2) - t2*(n1-a1)) / det
	y = (a1*t2 - a2*t1) / det
	return x, y, nil
}

var linksLine = regexp.MustCompile(`BPF links ([0-9 ]+)\)`)

// recorderProgram finds the sys_enter program among the BPF links that
// `seccomp-gen trace -v` printed.
func recorderProgram(stderr *bufio.Reader) (*ebpf.Program, error) {
	for {
		line, err := stderr.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("seccomp-gen trace -v printed no BPF link IDs: %w", err)
		}
		m := linksLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for _, f := range strings.Fields(m[1]) {
			id, _ := strconv.ParseUint(f, 10, 32)
			l, err := link.NewFromID(link.ID(id))
			if err != nil {
				continue
			}
			info, err := l.Info()
			l.Close()
			if err != nil {
				continue
			}
			p, err := ebpf.NewProgramFromID(info.Program)
			if err != nil {
				continue
			}
			if pi, err := p.Info(); err == nil && pi.Name == "sys_enter" {
				return p, nil
			}
			p.Close()
		}
		return nil, errors.New("no sys_enter program among the BPF links")
	}
}

// tracedRun is a running `seccomp-gen trace -v -o file [flags] -- argv`
// (startTraced) with the command's stdin a pipe, and the recorder's
// sys_enter program once attached.
type tracedRun struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	prog   *ebpf.Program
	file   string
}

func (b *bench) startTraced(bin, file string, flags, env []string, argv ...string) (*tracedRun, error) {
	args := append(append([]string{"trace", "-v", "-o", file}, flags...), "--")
	cmd := exec.Command(bin, append(args, argv...)...)
	cmd.Env = append(os.Environ(), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	t := &tracedRun{cmd: cmd, stdin: stdin, stdout: bufio.NewReader(stdout), file: file}
	errR := bufio.NewReader(stderr)
	p, err := recorderProgram(errR)
	go io.Copy(io.Discard, errR)
	if err != nil {
		t.end()
		return nil, err
	}
	t.prog = p
	return t, nil
}

// end lets the command finish and returns the trace file's total count.
func (t *tracedRun) end() (uint64, error) {
	t.stdin.Close()
	go io.Copy(io.Discard, t.stdout)
	done := make(chan error, 1)
	go func() { done <- t.cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.cmd.Process.Kill()
		err = errors.Join(<-done, errors.New("seccomp-gen trace did not end in 10s"))
	}
	if t.prog != nil {
		t.prog.Close()
	}
	if err != nil {
		return 0, fmt.Errorf("seccomp-gen trace: %w", err)
	}
	f, err := trace.ReadFile(t.file)
	if err != nil {
		return 0, err
	}
	if f.Lost != 0 {
		return 0, fmt.Errorf("trace lost %d", f.Lost)
	}
	var total uint64
	for _, s := range f.Syscalls {
		total += s.Count
	}
	return total, nil
}

// tracedWindow: the getpid loop traced (with trace's extra flags, and env
// for the workload), the statistics read while it waits at its end
// (BENCH_HOLD_END), before the recorder detaches.
func (b *bench) tracedWindow(bin, n string, flags, env []string) (window, error) {
	t, err := b.startTraced(bin, filepath.Join(b.dir, "body-traced.trace"), flags, append([]string{"BENCH_HOLD_END=1"}, env...), b.w("getpid"), n)
	if err != nil {
		return window{}, err
	}
	f0, ferr := b.floorSample()
	if _, err := t.stdout.ReadString('\n'); err != nil {
		t.end()
		return window{}, fmt.Errorf("getpid: %w", err)
	}
	s, err := sampleOf(t.prog)
	var f1 progSample
	if err == nil {
		f1, err = b.floorSample()
	}
	traced, eerr := t.end()
	if err == nil {
		err = ferr
	}
	if err != nil {
		return window{}, err
	}
	if eerr != nil {
		return window{}, eerr
	}
	return window{s, traced, f1.sub(f0).avg()}, nil
}

// untracedWindow: the getpid loop untraced while a shell waiting on its
// stdin is traced.
func (b *bench) untracedWindow(bin, n string) (window, error) {
	t, err := b.startTraced(bin, filepath.Join(b.dir, "body-holder.trace"), nil, nil, "/bin/sh", "-c", "echo ready; exec cat >/dev/null")
	if err != nil {
		return window{}, err
	}
	f0, ferr := b.floorSample()
	if _, err := t.stdout.ReadString('\n'); err != nil {
		t.end()
		return window{}, fmt.Errorf("holder: %w", err)
	}
	_, err = nsPerCall(b.w("getpid"), n)
	var s, f1 progSample
	if err == nil {
		s, err = sampleOf(t.prog)
	}
	if err == nil {
		f1, err = b.floorSample()
	}
	traced, eerr := t.end()
	if err == nil {
		err = ferr
	}
	if err != nil {
		return window{}, err
	}
	if eerr != nil {
		return window{}, eerr
	}
	return window{s, traced, f1.sub(f0).avg()}, nil
}
