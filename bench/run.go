package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cilium/ebpf"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/bench/ringbuf"
	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// Targets of issue 5.
const (
	targetTracedNs   = 100.0
	targetUntracedNs = 80.0
	targetVsStrace   = 100.0
	targetAttach     = 5 * time.Millisecond  // issue 13 (issue 5: 10 ms)
	targetTrueAdded  = 10 * time.Millisecond // issue 13: trace -- /bin/true, added end to end
	targetMaxSteps   = 30
)

// bench holds the state of one run.
type bench struct {
	p   params
	bin string
	dir string // temporary work directory
	// genDir is the generalization section's work directory (dir, or
	// -work); reuse: training traces found there are not recorded again.
	genDir string
	reuse  bool
	wl     string // directory of the built C workloads
	src    string // directory of the C sources
	log    io.Writer
	out    strings.Builder
	miss   []string
	met    []string

	short    bool
	programs []string // -programs: the generalization section's programs

	traces  map[string]string // workload name -> trace file (for the filter section)
	profs   []*profile
	minimal string // a few-instruction filter that denies syslog with EPERM

	bodyTraced, bodyUntraced float64 // sys_enter body ns (body.go), for the summary
	// bodyFloor, during body: the empty program each window's floor is
	// read from.
	bodyFloor *ebpf.Program
	// bodyArgs: per round, the traced getpid's sys_enter body with
	// argument recording (the default) minus with --no-args (body.go),
	// for the argument section.
	bodyArgs []float64

	baseline string // -baseline: another binary the attach, per-syscall and body sections measure too

	rev, cpu string // the revision measured and the CPU, as the machine table gives them
}

func run(o options, log io.Writer) (string, error) {
	cbpf.EnableFilterVerification() // as the commands do
	if os.Geteuid() != 0 {
		return "", errors.New("needs root (eBPF recorder, seccomp-gen trace)")
	}
	tools := []string{"gcc", "strace", "tar"}
	if o.only == onlyGeneralization {
		tools = nil
	}
	for _, t := range tools {
		if _, err := exec.LookPath(t); err != nil {
			return "", fmt.Errorf("%s is not installed (make deps installs it)", t)
		}
	}
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("seccomp-gen binary: %w (run make build)", err)
	}
	src, err := sourceDir()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "seccomp-gen-bench-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	genDir := dir
	if o.work != "" {
		if genDir, err = filepath.Abs(o.work); err != nil {
			return "", err
		}
		if err := os.MkdirAll(genDir, 0o755); err != nil {
			return "", err
		}
	}
	p := paramsFor(o.short)
	if o.rounds > 0 {
		p.rounds, p.bodyRounds = o.rounds, o.rounds
	}
	b := &bench{p: p, bin: bin, dir: dir, genDir: genDir, reuse: o.work != "", wl: filepath.Join(dir, "wl"), src: src, log: log,
		traces: map[string]string{}, short: o.short, programs: o.programs}
	if o.baseline != "" {
		if b.baseline, err = filepath.Abs(o.baseline); err != nil {
			return "", err
		}
		if _, err := os.Stat(b.baseline); err != nil {
			return "", fmt.Errorf("-baseline: %w", err)
		}
	}
	// The binaries measured are copies, made as cp and install make them
	// (see installCopy), so that -bin and -baseline start from the same
	// page cache state, the one an installed binary is in.
	if b.bin, err = installCopy(bin, filepath.Join(dir, "bin", "this")); err != nil {
		return "", err
	}
	if b.baseline != "" {
		if b.baseline, err = installCopy(b.baseline, filepath.Join(dir, "bin", "baseline")); err != nil {
			return "", err
		}
	}
	if o.only != onlyGeneralization {
		if err := b.buildWorkloads(); err != nil {
			return "", err
		}
	}
	// Every measured process inherits a high priority, so that other work
	// on a shared machine preempts the loops less; all variants get the same.
	prio := "default"
	if raisePriority(-10) == nil {
		prio = "nice -10 (bench and every measured process)"
	}
	start := time.Now()
	load0 := loadavg()
	b.rev, b.cpu = revision(o.rev), fmt.Sprintf("%s, %d cores", cpuModel(), runtime.NumCPU())
	b.logf("bench: %s mode, binary %s", map[bool]string{true: "short", false: "full"}[o.short], bin)

	var body strings.Builder
	sections := []struct {
		title string
		fn    func(*strings.Builder) error
	}{
		{"Per-syscall overhead (getpid loop)", b.overhead},
		{"Recorder program body (BPF run-time statistics)", b.body},
		{"Realistic workloads (wall time)", b.realistic},
		{"Event loss (8-thread storm, then a marker)", b.loss},
		{"Attach time", b.attach},
		{"Filter cost", b.filters},
		{"Argument recording and argument rules (issue 10)", b.args},
		{"Profile size", b.profileSize},
		{genTitle, b.generalization},
	}
	for _, s := range sections {
		if !selected(o.only, s.title) {
			continue
		}
		b.logf("bench: %s", s.title)
		fmt.Fprintf(&body, "\n## %s\n\n", s.title)
		if err := s.fn(&body); err != nil {
			fmt.Fprintf(&body, "NOT MEASURED: %v\n", oneLine(err))
			b.miss = append(b.miss, s.title+": not measured")
			b.logf("bench: %s: %v", s.title, err)
		}
	}
	load1 := loadavg()

	w := &b.out
	fmt.Fprintf(w, "# seccomp-gen benchmarks\n\n")
	fmt.Fprintf(w, "Generated by `%s` (bench/); do not edit by hand.\n\n", map[bool]string{true: "go run ./bench -short", false: "make bench"}[o.short])
	b.machine(w, start, load0, load1)
	fmt.Fprintf(w, "| priority | %s |\n", prio)
	// The end load includes the bench's own storm, so only the start says
	// whether other work was running.
	if busy(load0) || o.note != "" {
		fmt.Fprintf(w, "\n**Note:** ")
		if busy(load0) {
			fmt.Fprintf(w, "this run shared a busy %d-core machine with other work (load average %s at the start): the numbers are noisy; the min columns are closer to the intrinsic cost, and the targets are judged on medians as issue 5 asks. ", runtime.NumCPU(), load0)
		}
		fmt.Fprintf(w, "%s\n", o.note)
	}
	fmt.Fprintf(w, "\n## Targets (issues 5, 11 and 13)\n\n")
	for _, m := range b.met {
		fmt.Fprintf(w, "- met: %s\n", m)
	}
	for _, m := range b.miss {
		fmt.Fprintf(w, "- **MISSED**: %s\n", m)
	}
	w.WriteString(body.String())
	return w.String(), nil
}

// selected reports whether -only selects the section title.
func selected(only, title string) bool {
	if only == "" {
		return true
	}
	for _, w := range strings.Split(only, ",") {
		if w = strings.TrimSpace(w); w != "" && strings.Contains(strings.ToLower(title), strings.ToLower(w)) {
			return true
		}
	}
	return false
}

// raisePriority sets the nice value of every thread of this process (Linux
// priorities are per thread; new threads and children inherit them).
func raisePriority(nice int) error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := unix.Setpriority(unix.PRIO_PROCESS, tid, nice); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) logf(format string, args ...any) { fmt.Fprintf(b.log, format+"\n", args...) }

// target records a target as met or missed and returns the table cell.
func (b *bench) target(ok bool, what string) string {
	if ok {
		b.met = append(b.met, what)
		return "met"
	}
	b.miss = append(b.miss, what)
	return "**MISSED**"
}

// sourceDir finds bench/workloads from the working directory (make and go
// test both run inside the module).
func sourceDir() (string, error) {
	for _, d := range []string{"bench/workloads", "workloads"} {
		if _, err := os.Stat(filepath.Join(d, "getpid.c")); err == nil {
			return filepath.Abs(d)
		}
	}
	return "", errors.New("bench/workloads/getpid.c not found: run from the module root")
}

func (b *bench) buildWorkloads() error {
	if err := os.MkdirAll(b.wl, 0o755); err != nil {
		return err
	}
	for _, n := range []string{"getpid", "storm", "filtered", "startfloor"} {
		cmd := exec.Command("gcc", "-O2", "-static", "-pthread", "-Wall", "-o", filepath.Join(b.wl, n), filepath.Join(b.src, n+".c"))
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("gcc %s.c: %w: %s", n, err, oneLine(errors.New(string(out))))
		}
	}
	// The attach section's floor for a Go program's start, built as make
	// build builds seccomp-gen (cgo, linked statically, its heap in huge
	// pages: internal/hugeheap), and once without the huge pages
	// (gostart-4k: -tags nohugeheap), to show what they change.
	for _, v := range []struct{ name, tags string }{{"gostart", "osusergo,netgo"}, {"gostart-4k", "osusergo,netgo,nohugeheap"}} {
		built := filepath.Join(b.dir, "build", v.name)
		cmd := exec.Command("go", "build", "-tags", v.tags, "-ldflags", "-linkmode external -extldflags -static", "-o", built, "./gostart")
		cmd.Dir = b.src
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build bench/workloads/gostart (%s): %w: %s", v.name, err, oneLine(errors.New(string(out))))
		}
		// Installed as seccomp-gen is measured (installCopy).
		if _, err := installCopy(built, b.wl); err != nil {
			return err
		}
	}
	return nil
}

// installCopyChunk is the write size of installCopy: cp's and install's
// (coreutils copy_file_range, 64 KiB at a time on ext4 without reflinks).
const installCopyChunk = 64 << 10

// installCopy copies the executable src into the directory dir (made if
// need be), under its own name, in writes of installCopyChunk, and returns
// the copy's path. The page cache keeps a file in folios of at most the
// size it was written in, and how many page faults a binary's start takes
// depends on them: a freshly linked seccomp-gen can sit in folios of up to
// 2 MiB, which a fault maps whole, and reached the command's main ~3.7 ms
// sooner (25.6 against 29.4 ms median, 15 interleaved rounds on the PVM
// machine, issue 13) than a cp'd copy of the same file, which is in 64 KiB
// folios, as an installed binary is (one read back after a reboot is in
// 16 KiB folios: no faster). Measuring copies puts -bin and -baseline in
// that state whatever wrote them.
func installCopy(src, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	dst := filepath.Join(dir, filepath.Base(src))
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return "", err
	}
	buf := make([]byte, installCopyChunk)
	for {
		n, rerr := in.Read(buf)
		if n > 0 {
			if _, err := out.Write(buf[:n]); err != nil {
				out.Close()
				return "", fmt.Errorf("copy %s: %w", src, err)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			out.Close()
			return "", fmt.Errorf("copy %s: %w", src, rerr)
		}
	}
	return dst, out.Close()
}

func (b *bench) w(n string) string { return filepath.Join(b.wl, n) }

// traceArgs is `seccomp-gen trace -o FILE -- CMD...`.
func (b *bench) traceArgs(file string, cmd ...string) []string {
	return append([]string{b.bin, "trace", "-o", file, "--"}, cmd...)
}

// output runs argv and returns its stdout; stderr goes into the error.
func output(argv ...string) (string, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s: %w: %s", strings.Join(short(argv), " "), err, lastLine(stderr.String()))
	}
	return stdout.String(), nil
}

func short(argv []string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = filepath.Base(a)
		if !strings.Contains(a, "/") {
			out[i] = a
		}
	}
	return out
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func oneLine(err error) string {
	s := strings.TrimSpace(err.Error())
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// field extracts "key=value" from a workload's output.
func field(out, key string) (float64, error) {
	for _, f := range strings.Fields(out) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("workload printed no %s= (output %q)", key, lastLine(out))
}

// nsPerCall runs a workload and reads its mean ns per call.
func nsPerCall(argv ...string) (float64, error) {
	out, err := output(argv...)
	if err != nil {
		return 0, err
	}
	return field(out, "ns_per_call")
}

// loopTime is what the getpid workload measured: the mean ns per call over
// its whole loop, and the 10th percentile of its blocks' ns per call (see
// bench/workloads/getpid.c: the host's slow spells weigh on the mean, not on
// the fast blocks).
type loopTime struct{ mean, p10 float64 }

// loopRun runs a getpid-style workload and reads its loopTime.
func loopRun(argv ...string) (loopTime, error) {
	out, err := output(argv...)
	if err != nil {
		return loopTime{}, err
	}
	return loopTimeOf(out)
}

// loopTimeOf reads the loopTime the getpid workload printed.
func loopTimeOf(out string) (loopTime, error) {
	var t loopTime
	var err error
	if t.mean, err = field(out, "ns_per_call"); err != nil {
		return loopTime{}, err
	}
	if t.p10, err = field(out, "block_p10"); err != nil {
		return loopTime{}, err
	}
	return t, nil
}

// nsOrErr formats a run's ns per call for the log, or "failed".
func nsOrErr(t loopTime, err error) string {
	if err != nil {
		return "failed"
	}
	return fmt.Sprintf("%.1f/%.1f", t.mean, t.p10)
}

// stats of a sample.
type stats struct{ min, med float64 }

func summarize(xs []float64) stats {
	if len(xs) == 0 {
		return stats{}
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stats{s[0], med}
}

// pairedStats summarizes paired per-round differences.
type pairedStats struct{ med, mean, se float64 }

func paired(xs []float64) pairedStats {
	p := pairedStats{med: summarize(xs).med}
	for _, x := range xs {
		p.mean += x
	}
	p.mean /= float64(len(xs))
	if len(xs) > 1 {
		var ss float64
		for _, x := range xs {
			ss += (x - p.mean) * (x - p.mean)
		}
		p.se = math.Sqrt(ss / float64(len(xs)-1) / float64(len(xs)))
	}
	return p
}

// cpuModel is /proc/cpuinfo's first model name.
func cpuModel() string {
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return "unknown"
}

// revision is -rev, else git's short HEAD, said to have uncommitted
// changes when the work tree has some.
func revision(rev string) string {
	if rev != "" {
		return rev
	}
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	rev = "git " + strings.TrimSpace(string(out))
	if out, err := exec.Command("git", "status", "--porcelain", "--", ".").Output(); err == nil && len(bytes.TrimSpace(out)) > 0 {
		rev += " (work tree has uncommitted changes)"
	}
	return rev
}

func (b *bench) machine(w io.Writer, start time.Time, load0, load1 string) {
	var u unix.Utsname
	_ = unix.Uname(&u)
	first := func(argv ...string) string {
		out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
		if err != nil {
			return "unknown"
		}
		return strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	}
	fmt.Fprintf(w, "| machine | |\n|---|---|\n")
	fmt.Fprintf(w, "| date | %s (took %s) |\n", start.UTC().Format("2006-01-02 15:04 UTC"), time.Since(start).Round(time.Second))
	fmt.Fprintf(w, "| kernel | %s %s |\n", unix.ByteSliceToString(u.Release[:]), unix.ByteSliceToString(u.Machine[:]))
	fmt.Fprintf(w, "| CPU | %s |\n", b.cpu)
	fmt.Fprintf(w, "| load average (start / end) | %s / %s |\n", load0, load1)
	fmt.Fprintf(w, "| seccomp-gen | %s |\n", b.rev)
	fmt.Fprintf(w, "| binaries | measured as copies written 64 KiB at a time, as cp and install write them (the page cache state of an installed binary; a freshly linked one can start faster) |\n")
	fmt.Fprintf(w, "| Go | %s |\n", runtime.Version())
	fmt.Fprintf(w, "| libseccomp | %s |\n", scmp.LibraryVersion())
	fmt.Fprintf(w, "| gcc | %s |\n", first("gcc", "--version"))
	fmt.Fprintf(w, "| strace | %s |\n", first("strace", "-V"))
	fmt.Fprintf(w, "| sizes | getpid loop %d calls x %d rounds (strace: %d calls x %d), storm %d threads x %gs |\n",
		b.p.loopCalls, b.p.rounds, b.p.straceCalls, b.p.straceRounds, b.p.stormThreads, b.p.stormSeconds)
}

// busy reports whether the 1-minute load average was above half the cores.
func busy(loads ...string) bool {
	for _, l := range loads {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		if v, err := strconv.ParseFloat(f[0], 64); err == nil && v > float64(runtime.NumCPU())/2 {
			return true
		}
	}
	return false
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// readTrace reads a trace file and returns it with the count of a syscall.
func count(f *trace.File, arch, name string) uint64 {
	var n uint64
	for _, s := range f.Syscalls {
		if s.Arch == arch && s.Name == name {
			n += s.Count
		}
	}
	return n
}

// settlePause is how long the machine is left alone before each run of
// the per-syscall section (see overhead).
const settlePause = time.Second

// pairedRow is a row of pairedTable: per-round differences.
type pairedRow struct {
	name string
	xs   []float64
	fl   float64 // the floor's overhead the row is compared with
}

// pairedTable writes a table of per-round paired differences: n, median,
// mean, the mean's standard error, and last(median, row's fl) in the last
// column.
func pairedTable(w *strings.Builder, title, lastCol string, rows []pairedRow, last func(med, fl float64) string) {
	fmt.Fprintf(w, "| %s | n | median ns | mean ns | standard error ns | %s |\n|---|---|---|---|---|---|\n", title, lastCol)
	for _, d := range rows {
		if len(d.xs) == 0 {
			fmt.Fprintf(w, "| %s | 0 | | | | |\n", d.name)
			continue
		}
		p := paired(d.xs)
		fmt.Fprintf(w, "| %s | %d | %+.2f | %+.2f | %.2f | %s |\n", d.name, len(d.xs), p.med, p.mean, p.se, last(p.med, d.fl))
	}
}

// settle leaves the machine alone for settlePause (not in -short runs).
func (b *bench) settle() {
	if !b.short {
		time.Sleep(settlePause)
	}
}

// series collects runs of the getpid loop: each run's mean and its fast
// blocks (see loopTime).
type series struct{ mean, fast []float64 }

func (s *series) add(t loopTime) {
	s.mean, s.fast = append(s.mean, t.mean), append(s.fast, t.p10)
}

// diff adds the paired difference a − b of one round.
func (s *series) diff(a, b loopTime) {
	s.add(loopTime{mean: a.mean - b.mean, p10: a.p10 - b.p10})
}

// overhead measures the getpid loop bare, traced by seccomp-gen, untraced
// while seccomp-gen traces another process, under the ring-buffer peer and
// under strace -f, interleaved round by round.
//
// Every number here comes in two estimates from the same runs: the loop's
// mean (ns_per_call) and its fast blocks (block_p10). The targets are judged
// on the fast blocks. On this machine class the syscalls of every process
// (not its user code: an arithmetic loop between the blocks kept its speed)
// turn ~45% slower in spells of 10 ms to several seconds, about a third of
// the time, with no steal time in the guest and no recorder attached: not
// the workload's or the recorder's doing. A 0.7 s loop's mean then says
// mostly how much of it fell in a spell: the means of the floor run and of
// the untraced run next to it differed by -71 to +93 ns (session 34, 2 x
// 16 rounds), where in the second 16 the fast blocks of the rounds in
// which neither run fell wholly in a spell differed by -0.8 to +6.9 ns.
func (b *bench) overhead(w *strings.Builder) error {
	n := strconv.Itoa(b.p.loopCalls)
	var bare, traced, rest, floor, peer, strc series
	// -baseline: its traced and untraced runs in the same rounds, and this
	// binary's minus the baseline's per round (only rounds with both).
	var baseTraced, baseRest, dTraced, dRest series
	// Each run minus the floor of the same round (the targets' estimate).
	var dTracedFloor, dRestFloor series
	exact := 0 // traced runs whose trace counts every getpid of the loop
	var errs []string
	note := func(what string, err error) {
		if err != nil {
			errs = append(errs, what+": "+oneLine(err))
		}
	}
	// Each run starts after a pause: a run right after another one's end
	// measured what that end left behind (a trace's end starts the
	// refill helper, which loads the next recorder for 10-20 ms of CPU;
	// an attach or detach patches kernel text on every CPU). With runs
	// back to back, untraced minus floor was +21 ns in the rounds where
	// the untraced run followed the floor's and +2.8 where it followed
	// a trace; with a second's pause before each run, +2.3 in both
	// orders, as the program's body (16 rounds each, a throwaway
	// harness, session 33).
	settle := b.settle
	for r := 0; r < b.p.rounds; r++ {
		b.logf("bench:   round %d/%d", r+1, b.p.rounds)
		settle()
		if t, err := loopRun(b.w("getpid"), n); err == nil {
			bare.add(t)
		} else {
			return err
		}
		// With -baseline, its runs pair up with this binary's, each pair
		// back to back: the baseline first in odd rounds for traced and in
		// even ones for untraced.
		var bt, bu loopTime
		bterr, buerr := errors.New("not run"), errors.New("not run")
		baseTracedRun := func() {
			if b.baseline != "" {
				settle()
				bt, bterr = loopRun(append([]string{b.baseline}, b.traceArgs(filepath.Join(b.dir, "getpid-base.trace"), b.w("getpid"), n)[1:]...)...)
				note("baseline traced", bterr)
			}
		}
		baseRestRun := func() {
			if b.baseline != "" {
				settle()
				bu, buerr = b.untraced(b.baseline, n)
				note("baseline rest of machine", buerr)
			}
		}
		// The floor, the rest of the machine and the traced process in
		// mirrored orders (even rounds: floor, untraced, traced; odd:
		// traced, untraced, floor), so that the untraced run and the floor
		// are back to back in every round, the floor first in half of
		// them, for the paired differences below.
		tracedBlock := func() (tv loopTime, terr error) {
			if r%2 == 1 {
				baseTracedRun()
			}
			tf := filepath.Join(b.dir, "getpid.trace")
			settle()
			tv, terr = loopRun(b.traceArgs(tf, b.w("getpid"), n)...)
			note("traced", terr)
			if terr == nil {
				traced.add(tv)
				b.traces["getpid loop"] = tf
				if f, err := trace.ReadFile(tf); err != nil {
					note("trace file", err)
				} else if got := count(f, "x86_64", "getpid"); got == uint64(b.p.loopCalls) && f.Lost == 0 {
					exact++
				} else {
					note("trace counts", fmt.Errorf("getpid counted %d of %d, lost %d", got, b.p.loopCalls, f.Lost))
				}
			}
			if r%2 == 0 {
				baseTracedRun()
			}
			return tv, terr
		}
		restBlock := func() (uv loopTime, uerr error) {
			if r%2 == 0 {
				baseRestRun()
			}
			settle()
			uv, uerr = b.untraced(b.bin, n)
			note("rest of machine", uerr)
			if uerr == nil {
				rest.add(uv)
			}
			if r%2 == 1 {
				baseRestRun()
			}
			return uv, uerr
		}
		floorRun := func() (loopTime, error) {
			settle()
			v, err := emptyFloor(b.w("getpid"), n)
			note("empty program", err)
			if err == nil {
				floor.add(v)
			}
			return v, err
		}
		var tv, uv, fv loopTime
		var terr, uerr, ferr error
		if r%2 == 0 {
			fv, ferr = floorRun()
			uv, uerr = restBlock()
			tv, terr = tracedBlock()
		} else {
			tv, terr = tracedBlock()
			uv, uerr = restBlock()
			fv, ferr = floorRun()
		}
		// Each round's values in the log, for a look at how they spread.
		b.logf("bench:   round %d: ns/call (mean/fast blocks): floor %s, untraced %s, traced %s", r+1, nsOrErr(fv, ferr), nsOrErr(uv, uerr), nsOrErr(tv, terr))
		if ferr == nil && uerr == nil {
			dRestFloor.diff(uv, fv)
		}
		if ferr == nil && terr == nil {
			dTracedFloor.diff(tv, fv)
		}
		if bterr == nil {
			baseTraced.add(bt)
			if terr == nil {
				dTraced.diff(tv, bt)
			}
		}
		if buerr == nil {
			baseRest.add(bu)
			if uerr == nil {
				dRest.diff(uv, bu)
			}
		}
		settle()
		_, pr, err := b.peer(b.w("getpid"), n)
		note("ring-buffer peer", err)
		if err == nil {
			pt, perr := loopTimeOf(pr.out)
			note("ring-buffer peer", perr)
			if perr == nil {
				peer.add(pt)
			}
		}
		if r < b.p.straceRounds {
			st, err := loopRun("strace", "-f", "-c", "-o", "/dev/null", b.w("getpid"), strconv.Itoa(b.p.straceCalls))
			note("strace", err)
			if err == nil {
				strc.add(st)
			}
		}
	}
	sb, sbMean := summarize(bare.fast), summarize(bare.mean)
	// The floor's overhead: the ratios of issue 13 are to it (medians of
	// the fast blocks, as the targets are judged).
	fl, flMean := 0.0, 0.0
	if len(floor.fast) > 0 {
		fl, flMean = summarize(floor.fast).med-sb.med, summarize(floor.mean).med-sbMean.med
	}
	ratio := func(over, fl float64) string {
		if fl <= 0 {
			return ""
		}
		return fmt.Sprintf("%.2f", over/fl)
	}
	fmt.Fprintf(w, "ns per getpid syscall, measured by the workload itself (CLOCK_MONOTONIC) in blocks of 10000 calls: each run's fast blocks are the 10th percentile of its blocks' ns per call, its mean the whole loop's. The targets are judged on the fast blocks, as the machine runs when nothing slows it: this machine class has spells, about a third of the time and from 10 ms to seconds long, in which the syscalls of every process (not its user code) take ~45%% longer, with or without a recorder and with no steal time in the guest. A run's mean then says mostly how much of it fell in a spell: in this run the bare loop's mean was %.0f%% above its fast blocks (medians), and the means are shown for comparison. Overhead and ratios use medians over the runs. Ratio to floor = overhead / the empty raw_tp/sys_enter program's overhead in the same run. Issue 13's ratio targets are judged on the paired estimate below the table (per round, each run minus the floor run next to it), the ns targets on the medians. Each run starts after %v of quiet: what the run before left behind (a trace's refill helper loading the next recorder, kernel text patched by an attach or detach) otherwise weighs on the next one's loop.\n\n", 100*(sbMean.med/sb.med-1), settlePause)
	fmt.Fprintf(w, "| run | n | fast blocks: min ns | fast blocks: median ns | overhead ns | ratio to bare | ratio to floor | mean: median ns | mean: overhead ns | mean: ratio to floor | target | result |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	fmt.Fprintf(w, "| bare | %d | %.1f | %.1f | 0 | 1.00 | | %.1f | 0 | | | |\n", len(bare.fast), sb.min, sb.med, sbMean.med)
	row := func(name string, xs series, target string, checks ...func(over float64) (bool, string)) float64 {
		if len(xs.fast) == 0 {
			fmt.Fprintf(w, "| %s | 0 | | | | | | | | | %s | NOT MEASURED |\n", name, target)
			if len(checks) > 0 {
				b.miss = append(b.miss, target+" ("+name+": not measured)")
			}
			return 0
		}
		s, sm := summarize(xs.fast), summarize(xs.mean)
		over, overMean := s.med-sb.med, sm.med-sbMean.med
		var res []string
		for _, check := range checks {
			ok, what := check(over)
			res = append(res, b.target(ok, what))
		}
		fmt.Fprintf(w, "| %s | %d | %.1f | %.1f | %+.1f | %.2f | %s | %.1f | %+.1f | %s | %s | %s |\n", name, len(xs.fast), s.min, s.med, over, s.med/sb.med, ratio(over, fl), sm.med, overMean, ratio(overMean, flMean), target, strings.Join(res, " / "))
		return over
	}
	// The targets' ratio to the floor: 1 + the median of the per-round
	// differences (this run minus the floor run next to it) over the
	// floor's overhead. The runs of one round share the machine's state
	// of the moment, which moves the getpid loop by tens of ns between
	// rounds here: the ratio of the medians of 11 unpaired runs moved
	// by more than the 10% the untraced target allows (1.14x and 1.19x
	// in two runs whose untraced body was 2.3 ns), where the paired
	// median gave 1.03x (16 rounds of floor and untraced runs in ABBA
	// order, by a throwaway harness, in the same hour). Where one run of
	// a round fell in a slow spell and the other did not, its difference
	// is off by the spell's ±70 ns either way; the median sets those aside
	// as long as most rounds had both runs in the same state.
	floorRatio := func(what string, diffs []float64, max float64) func(float64) (bool, string) {
		return func(float64) (bool, string) {
			if fl <= 0 {
				// A busy machine can make the floor's median look free.
				return false, fmt.Sprintf("%s total vs floor (target <= %.2fx): no ratio, the floor's overhead is %+.1f ns in this run", what, max, fl)
			}
			if len(diffs) == 0 {
				return false, fmt.Sprintf("%s total vs floor (target <= %.2fx): no round measured both", what, max)
			}
			d := paired(diffs).med
			r := (fl + d) / fl
			return r <= max, fmt.Sprintf("%s total %.2fx the floor (fast blocks, paired per round: %+.1f ns over the floor's %+.1f ns; target <= %.2fx)", what, r, d, fl, max)
		}
	}
	tover := row("seccomp-gen trace (traced process)", traced, "<= +100 ns / <= 1.25x floor", func(o float64) (bool, string) {
		return o <= targetTracedNs, fmt.Sprintf("traced overhead %+.0f ns/syscall (fast blocks; target <= +%.0f)", o, targetTracedNs)
	}, floorRatio("traced", dTracedFloor.fast, targetTracedRatio))
	row("rest of the machine (untraced, while a trace runs)", rest, "<= +80 ns / <= 1.10x floor", func(o float64) (bool, string) {
		return o <= targetUntracedNs, fmt.Sprintf("untraced overhead %+.0f ns/syscall (fast blocks; target <= +%.0f)", o, targetUntracedNs)
	}, floorRatio("untraced", dRestFloor.fast, targetUntracedRatio))
	fover := row("floor: untraced while an empty raw_tp/sys_enter program is attached", floor, "")
	row("peer: ring-buffer recorder, 1 event/syscall (bench/ringbuf)", peer, "")
	row(fmt.Sprintf("peer: strace -f -c (%d calls)", b.p.straceCalls), strc, "")
	if b.baseline != "" {
		name := filepath.Base(b.baseline)
		row(fmt.Sprintf("-baseline %s trace (traced process)", name), baseTraced, "")
		row(fmt.Sprintf("-baseline %s rest of the machine (untraced)", name), baseRest, "")
	}
	if len(floor.fast) > 0 && len(rest.fast) > 0 {
		fmt.Fprintf(w, "\nThe floor is what any recorder on raw_tp/sys_enter costs every process; seccomp-gen's rejection of untraced tasks adds %+.1f ns to it (fast blocks, medians).", summarize(rest.fast).med-summarize(floor.fast).med)
		if fover > targetUntracedNs {
			fmt.Fprintf(w, " In this run the floor alone (%+.1f ns) is above the %+.0f ns target for the rest of the machine.", fover, targetUntracedNs)
		}
		fmt.Fprintln(w)
	}
	if fl > 0 {
		fmt.Fprintf(w, "\nAgainst the floor, paired: in every round the floor run is next to the untraced one (before it in even rounds, after it in odd ones) and two runs from the traced one; each run minus the floor of its round, median, mean and the mean's standard error, and the ratio to floor, 1 + median / the floor's overhead (fast blocks: %+.1f ns; means: %+.1f ns). The targets are judged on the fast blocks' rows.\n\n", fl, flMean)
		pairedTable(w, "paired difference (run − floor)", "ratio to floor", []pairedRow{
			{"seccomp-gen trace (traced process), fast blocks", dTracedFloor.fast, fl},
			{"rest of the machine (untraced), fast blocks", dRestFloor.fast, fl},
			{"seccomp-gen trace (traced process), means", dTracedFloor.mean, flMean},
			{"rest of the machine (untraced), means", dRestFloor.mean, flMean},
		}, func(med, fl float64) string { return ratio(fl+med, fl) })
		fmt.Fprintf(w, "\nThe fast blocks' per-round differences, sorted (a round with one run in a slow spell and not the other is off by about ±70 ns): traced %s; untraced %s.\n", sortedList(dTracedFloor.fast), sortedList(dRestFloor.fast))
	}
	if b.baseline != "" {
		name := filepath.Base(b.baseline)
		fmt.Fprintf(w, "\nAgainst -baseline %s (%s), the two binaries taking turns in the same rounds (each pair of runs next to each other, the baseline's first in odd rounds for traced and in even ones for untraced): this binary's ns per syscall minus the baseline's, per round; median, mean and the mean's standard error, and the median as a share of the floor's overhead (the change in the ratio to floor).\n\n", name, b.binVersion(b.baseline))
		share := func(med, fl float64) string {
			if fl <= 0 {
				return ""
			}
			return fmt.Sprintf("%+.3f", med/fl)
		}
		pairedTable(w, "paired difference (this − baseline)", "median / floor overhead", []pairedRow{
			{"traced process, fast blocks", dTraced.fast, fl}, {"rest of the machine (untraced), fast blocks", dRest.fast, fl},
			{"traced process, means", dTraced.mean, flMean}, {"rest of the machine (untraced), means", dRest.mean, flMean},
		}, share)
	}
	if len(traced.fast) > 0 {
		fmt.Fprintf(w, "\nThe traced runs' trace files counted exactly %d getpid calls (and lost 0) in %d of %d runs.\n", b.p.loopCalls, exact, len(traced.fast))
	}
	switch {
	case len(strc.fast) == 0 || len(traced.fast) == 0:
		b.miss = append(b.miss, "strace -f overhead >= 100x seccomp-gen's (not measured)")
	default:
		ss := summarize(strc.fast)
		factor := (ss.med - sb.med) / max(tover, 1)
		res := b.target(factor >= targetVsStrace, fmt.Sprintf("strace -f overhead is %.0fx seccomp-gen trace's (target >= %.0fx)", factor, targetVsStrace))
		fmt.Fprintf(w, "\nstrace -f overhead / seccomp-gen trace overhead (fast blocks, medians): **%.0fx** (target >= %.0fx: %s; seccomp-gen's overhead floored at 1 ns).\n", factor, targetVsStrace, res)
	}
	if len(errs) > 0 {
		fmt.Fprintf(w, "\nErrors: %s\n", strings.Join(uniq(errs), "; "))
	}
	return nil
}

// sortedList formats xs sorted, to one decimal.
func sortedList(xs []float64) string {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	var out []string
	for _, x := range s {
		out = append(out, fmt.Sprintf("%+.1f", x))
	}
	return strings.Join(out, ", ")
}

func uniq(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// untraced runs the getpid loop untraced while seccomp-gen traces another
// process (a shell blocked on a FIFO), so the recorder's program runs on
// every syscall of the machine but must reject this one.
func (b *bench) untraced(bin, n string) (loopTime, error) {
	fifo := filepath.Join(b.dir, "hold.fifo")
	os.Remove(fifo)
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		return loopTime{}, err
	}
	tf := filepath.Join(b.dir, "hold.trace")
	// The bench holds the FIFO open for writing (O_RDWR never blocks on
	// Linux) from before the holder starts until release: cat's open never
	// waits, and closing it is cat's EOF whenever cat got there. (Opening
	// it only at release, non-blocking, did nothing when cat had not opened
	// it yet on a busy machine, and cat then waited forever.)
	hold, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		return loopTime{}, err
	}
	defer hold.Close()
	cmd := exec.Command(bin, b.traceArgs(tf, "/bin/sh", "-c", "echo ready; exec cat "+fifo+" >/dev/null")[1:]...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return loopTime{}, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// A command left running after the tracer was killed holds stderr:
	// Wait must not wait for it for good.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return loopTime{}, err
	}
	release := func() { hold.Close() }
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err == nil && strings.TrimSpace(line) != "ready" {
			err = fmt.Errorf("unexpected output %q", line)
		}
		ready <- err
		io.Copy(io.Discard, stdout)
	}()
	select {
	case err = <-ready:
	case <-time.After(10 * time.Second):
		err = errors.New("traced holder did not start in 10s")
	}
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return loopTime{}, fmt.Errorf("seccomp-gen trace: %w: %s", err, lastLine(stderr.String()))
	}
	v, err := loopRun(b.w("getpid"), n)
	release()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case werr := <-done:
		if werr != nil && err == nil {
			err = fmt.Errorf("seccomp-gen trace: %w: %s", werr, lastLine(stderr.String()))
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
		if err == nil {
			err = errors.New("seccomp-gen trace did not end 10s after its command")
		}
	}
	return v, err
}

// emptyFloor runs argv untraced while bench's empty program is attached to
// raw_tp/sys_enter: the least any recorder on that hook costs the machine.
func emptyFloor(argv ...string) (loopTime, error) {
	detach, err := ringbuf.AttachEmpty()
	if err != nil {
		return loopTime{}, err
	}
	defer detach()
	return loopRun(argv...)
}

// peer runs argv (a workload that honours BENCH_HOLD) under the ring-buffer
// recorder: the workload waits on its stdin until it is the target, so the
// recorder sees everything it does from then on.
func (b *bench) peer(argv ...string) (float64, *peerResult, error) {
	rec, err := ringbuf.Start()
	if err != nil {
		return 0, nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "BENCH_HOLD=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		rec.Stop()
		return 0, nil, err
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		rec.Stop()
		return 0, nil, err
	}
	if err := rec.SetTarget(cmd.Process.Pid); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		rec.Stop()
		return 0, nil, err
	}
	stdin.Write([]byte("go\n"))
	stdin.Close()
	werr := cmd.Wait()
	counts, lost, serr := rec.Stop()
	if werr != nil {
		return 0, nil, fmt.Errorf("%s: %w: %s", filepath.Base(argv[0]), werr, lastLine(stderr.String()))
	}
	if serr != nil {
		return 0, nil, serr
	}
	res := &peerResult{out: stdout.String(), counts: counts, lost: lost}
	v, _ := field(res.out, "ns_per_call")
	return v, res, nil
}

type peerResult struct {
	out    string
	counts map[uint64]uint64
	lost   uint64
}

// wall times argv.
func wall(argv ...string) (time.Duration, error) {
	t0 := time.Now()
	_, err := output(argv...)
	return time.Since(t0), err
}

// realistic times compiling the bench's C sources with gcc (many processes:
// gcc, cc1, as, collect2/ld) and archiving /usr/include with tar.
func (b *bench) realistic(w *strings.Builder) error {
	obj := filepath.Join(b.dir, "obj")
	os.MkdirAll(obj, 0o755)
	var srcs []string
	for _, n := range []string{"getpid", "storm", "filtered"} {
		srcs = append(srcs, filepath.Join(b.src, n+".c"))
	}
	tarOut := filepath.Join(b.dir, "include.tar")
	loads := []struct {
		name, key string
		argv      []string
	}{
		{"gcc -O2: compile and link 3 C programs (sh, gcc, cc1, as, collect2, ld)", "gcc", append([]string{"/bin/sh", "-c", `cd "$0" && for f in "$@"; do gcc -O2 -pthread -o "$(basename "$f" .c)" "$f" || exit 1; done`, obj}, srcs...)},
		{"tar -cf of /usr/include", "tar", []string{"tar", "-cf", tarOut, "-C", "/usr", "include"}},
	}
	fmt.Fprintf(w, "Wall time of the whole command, medians of %d interleaved rounds; traced includes seccomp-gen's own start, recorder load and exit (a fixed cost: see Attach time).\n\n", b.p.realRounds)
	fmt.Fprintf(w, "| workload | bare ms | seccomp-gen trace ms | added ms | ratio | strace -f ms | ratio | last trace: processes, distinct syscalls, lost |\n|---|---|---|---|---|---|---|---|\n")
	var errs []string
	for _, l := range loads {
		var bare, traced, strc []float64
		tf := filepath.Join(b.dir, l.key+".trace")
		for r := 0; r < b.p.realRounds; r++ {
			d, err := wall(l.argv...)
			if err != nil {
				return err
			}
			bare = append(bare, ms(d))
			d, err = wall(b.traceArgs(tf, l.argv...)...)
			if err != nil {
				errs = append(errs, l.key+": "+oneLine(err))
			} else {
				traced = append(traced, ms(d))
				b.traces[l.key] = tf
			}
			d, err = wall(append([]string{"strace", "-f", "-c", "-o", "/dev/null"}, l.argv...)...)
			if err == nil {
				strc = append(strc, ms(d))
			}
		}
		sb, st, ss := summarize(bare), summarize(traced), summarize(strc)
		cell := func(s stats, xs []float64) (string, string, string) {
			if len(xs) == 0 {
				return "n/a", "n/a", "n/a"
			}
			return fmt.Sprintf("%.1f", s.med), fmt.Sprintf("%+.1f", s.med-sb.med), fmt.Sprintf("%.2f", s.med/sb.med)
		}
		t1, t2, t3 := cell(st, traced)
		s1, _, s3 := cell(ss, strc)
		info := "n/a"
		if f, err := trace.ReadFile(tf); err == nil && len(traced) > 0 {
			info = fmt.Sprintf("%d, %d, %d", f.Processes, len(f.Syscalls), f.Lost)
		}
		fmt.Fprintf(w, "| %s | %.1f | %s | %s | %s | %s | %s | %s |\n", l.name, sb.med, t1, t2, t3, s1, s3, info)
	}
	if len(errs) > 0 {
		fmt.Fprintf(w, "\nseccomp-gen trace errors: %s\n", strings.Join(uniq(errs), "; "))
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// loss runs the storm traced by seccomp-gen and by the ring-buffer peer.
func (b *bench) loss(w *strings.Builder) error {
	th, secs := strconv.Itoa(b.p.stormThreads), strconv.FormatFloat(b.p.stormSeconds, 'f', -1, 64)
	fmt.Fprintf(w, "%s threads call getpid as fast as they can for %ss, then the main thread calls getppid once (the marker). The workload counts its own calls.\n\n", th, secs)
	fmt.Fprintf(w, "| recorder | getpid calls made | getpid counted | difference | marker (getppid) | lost | target | result |\n|---|---|---|---|---|---|---|---|\n")
	tf := filepath.Join(b.dir, "storm.trace")
	out, err := output(b.traceArgs(tf, b.w("storm"), th, secs)...)
	if err != nil {
		fmt.Fprintf(w, "| seccomp-gen trace | | | | | | exact, marker, lost 0 | NOT MEASURED |\n")
		b.miss = append(b.miss, "zero lost events (seccomp-gen trace not measured)")
		fmt.Fprintf(w, "\nError: %s\n\n", oneLine(err))
	} else {
		made, err := field(out, "getpid_calls")
		if err != nil {
			return err
		}
		f, err := trace.ReadFile(tf)
		if err != nil {
			return err
		}
		b.traces["storm"] = tf
		got := count(f, "x86_64", "getpid")
		marker := count(f, "x86_64", "getppid")
		ok := got == uint64(made) && marker == 1 && f.Lost == 0
		res := b.target(ok, fmt.Sprintf("storm: %d of %d getpid counted, marker %d, lost %d (target: exact, marker 1, lost 0)", got, uint64(made), marker, f.Lost))
		fmt.Fprintf(w, "| seccomp-gen trace | %d | %d | %d | %d | %d | exact, marker, lost 0 | %s |\n", uint64(made), got, int64(got)-int64(made), marker, f.Lost, res)
	}
	_, pr, err := b.peer(b.w("storm"), th, secs)
	if err != nil {
		fmt.Fprintf(w, "| peer: ring-buffer recorder (1 MiB ring) | | | | | | | not measured: %s |\n", oneLine(err))
		return nil
	}
	made, err := field(pr.out, "getpid_calls")
	if err != nil {
		return err
	}
	got, marker := pr.counts[uint64(unix.SYS_GETPID)], pr.counts[uint64(unix.SYS_GETPPID)]
	fmt.Fprintf(w, "| peer: ring-buffer recorder (1 MiB ring) | %d | %d | %d | %d | %d | | |\n", uint64(made), got, int64(got)-int64(made), marker, pr.lost)
	return nil
}

// stamp runs argv (which ends in `getpid 0 stamp`) and returns the time from
// just before the launch to the workload's main().
func stamp(argv ...string) (time.Duration, error) {
	d, _, _, err := stampPhases(nil, argv...)
	return d, err
}

// stampPhases is stamp that also returns the start's phases that
// `seccomp-gen trace` prints with SECCOMP_GEN_TIMING=1 (env), as times since
// the launch, and "exit" (the process gone), and the minor page faults of the
// process and of the children it waited for (wait4's rusage: the traced
// command's process is the tracer's child). Without a start_ns line (a
// command that is not the getpid workload) the duration is 0.
func stampPhases(env []string, argv ...string) (time.Duration, map[string]time.Duration, int64, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	end := time.Since(t0)
	if err != nil {
		return 0, nil, 0, fmt.Errorf("%s: %w: %s", strings.Join(short(argv), " "), err, lastLine(stderr.String()))
	}
	var faults int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		faults = ru.Minflt
	}
	phases := map[string]time.Duration{"exit": end}
	for _, l := range strings.Split(stderr.String(), "\n") {
		f := strings.Fields(l)
		if len(f) == 4 && f[0] == "seccomp-gen:" && f[1] == "timing" {
			if ns, err := strconv.ParseInt(f[3], 10, 64); err == nil {
				phases[f[2]] = time.Unix(0, ns).Sub(t0)
			}
		}
	}
	if !strings.Contains(stdout.String(), "start_ns=") {
		return 0, phases, faults, nil
	}
	v, err := field(stdout.String(), "start_ns")
	if err != nil {
		return 0, nil, 0, err
	}
	d := time.Unix(0, int64(v)).Sub(t0)
	phases["command main"] = d
	return d, phases, faults, nil
}

// settle waits before a timed traced start: a trace that starts within
// ~15 ms of the previous one's detach can wait 5-7 ms for an RCU grace period
// in the kernel's attach path (measured here), which back-to-back rounds
// would otherwise charge to every start. The table says so.
func settle() { time.Sleep(50 * time.Millisecond) }

// kernelTypesCache is the recorder's per-boot cache of its programs' CO-RE
// fixups (a file per cache format, kernel-types-vN.btf up to format 8,
// kernel-types-vN from 9: a -baseline binary keeps its own); without it a
// trace decodes the whole kernel BTF first.
const kernelTypesCache = "/run/seccomp-gen/kernel-types*"

// argMaskCache is the recorder's cache of which arguments it records, per
// executable (trace/recorder/record_argmask.go): a first trace after a
// boot has none either.
const argMaskCache = "/run/seccomp-gen/argmask-*"

// timingEnv makes `seccomp-gen trace` print its phases (cmd/seccomp-gen: timingHook).
var timingEnv = []string{"SECCOMP_GEN_TIMING=1"}

// startSteps are the rows of the start breakdown: phase to phase (see
// trace/recorder: the Phase constants; "launch" is 0). A binary without a
// phase (an older -baseline) leaves the rows that need it empty.
var startSteps = []struct{ what, from, to string }{
	{"early start (internal/prestub/early.c): exec and the C library's start, to the C constructor", "launch", "early"},
	{"the C constructor's thread (the Go runtime starting meanwhile): the checks the Go side would make, claim a prepared recorder (rename its set)", "early", "early-claimed"},
	{"the C constructor's thread: open the 5 pins it needs, attach the 4 programs (raw tracepoints)", "early-claimed", "early-attached"},
	{"fork the command's process, arm it and open its gate (the thread; the Go runtime starts meanwhile, the Ctrl-C policy's signals held by the constructor)", "early-attached", "early-gate"},
	{"the command's execve to its main(), while the Go runtime starts", "early-gate", "command main"},
	{"meanwhile: the Go runtime's start, to main", "early-gate", "main"},
	{"then: main to the command taken over by Record (adopted)", "main", "adopted"},
	{"process start: exec, Go runtime, package initializers (and the dynamic linker: libc, libseccomp, in a dynamic build; make build links statically)", "launch", "main"},
	{"CLI: flags, libseccomp API pin, output file check", "main", "record"},
	{"the programs' ELF read (cilium/ebpf: BTF, relocations) and configured", "record", "spec"},
	{"map creation (the kernel types cache read: CO-RE fixups, the argument mask computed, on other goroutines meanwhile)", "spec", "maps"},
	{"record → maps (the two steps above; what older binaries print)", "record", "maps"},
	{"waiting for the kernel types (cache: /run/seccomp-gen) and writing the CO-RE fixups into the programs", "maps", "types"},
	{"program load and verification (4 programs: sys_enter on a goroutine of its own, the fork, exec and exit programs attached as soon as loaded; older binaries load the 4 in one go and attach none here)", "types", "loaded"},
	{"waiting for the argument mask and writing it (.bss)", "loaded", "argmask"},
	{"or, instead of the five steps above: claim a prepared recorder (trace/recorder/record_pool.go: rename its set, open its pins)", "record", "pooled"},
	{"then wait for the argument mask and write it (.bss)", "pooled", "argmask"},
	{"record → argmask: the recorder ready, loaded or claimed", "record", "argmask"},
	{"attach sys_enter (older binaries: all 4 raw tracepoints)", "argmask", "attached"},
	{"loaded → attached (the two steps above; what older binaries print)", "loaded", "attached"},
	{"stub hand-off: stub ready, arm, open the gate", "attached", "gate"},
	{"the command's execve to its main()", "gate", "command main"},
	{"total: launch to the command's main()", "launch", "command main"},
}

// endSteps break down `trace -- /bin/true` after the gate.
var endSteps = []struct{ what, from, to string }{
	{"start: launch to gate (as above)", "launch", "gate"},
	{"/bin/true runs; the tracer sees it gone", "gate", "ended"},
	{"early start: launch to the gate the C constructor opened", "launch", "early-gate"},
	{"/bin/true runs while the Go runtime starts; Record takes it over", "early-gate", "adopted"},
	{"the tracer sees it gone", "adopted", "ended"},
	{"detach (4 links; at the end of a command or PID, while the counts are read: nothing traced is left to count)", "ended", "detached"},
	{"read counts and argument values, name syscalls, identify executables, with the detach meanwhile (older binaries: after it)", "ended", "result"},
	{"encode YAML", "result", "encoded"},
	{"write: temporary file, fsync, rename (atomicfile)", "encoded", "written"},
	{"ended → written (the three steps above)", "ended", "written"},
	{"summary and process exit", "written", "exit"},
	{"total", "launch", "exit"},
}

// attachRun is what one binary's timed runs in the attach section gave.
type attachRun struct {
	traced, ttraced []float64            // launch to main; /bin/true end to end
	startPh, endPh  map[string][]float64 // step -> ms
	stubStart       []float64
	prestubbed      int       // of those, stubs forked at the binary's start (the "prestub" phase)
	faults          []float64 // minor page faults of a traced /bin/true (tracer and command)
	// pooled of starts claimed a prepared recorder (the "pooled" phase),
	// early of them in the C constructor (the "early" phase).
	pooled, early, starts int
	unpooled              []float64            // launch to main with SECCOMP_GEN_POOL=off
	unpooledPh            map[string][]float64 // its steps
	goStarted             []float64            // launch to main with SECCOMP_GEN_EARLY=off
	goStartedPh           map[string][]float64 // its steps
}

// countPooled notes whether a traced start claimed a prepared recorder.
func (r *attachRun) countPooled(ph map[string]time.Duration) {
	r.starts++
	if _, ok := ph["pooled"]; ok {
		r.pooled++
	}
	if _, ok := ph["early"]; ok {
		r.pooled++
		r.early++
	}
}

var earlyOff = []string{"SECCOMP_GEN_TIMING=1", "SECCOMP_GEN_EARLY=off"}

// poolDir is where seccomp-gen trace pins the recorders it prepares for the
// next trace (trace/recorder: PoolDir, /run/seccomp-gen/bpf unless
// SECCOMP_GEN_POOL moves it: go test ./bench does); poolOff turns that off.
func poolDir() string { return recorder.PoolDir() }

var poolOff = []string{"SECCOMP_GEN_TIMING=1", "SECCOMP_GEN_POOL=off"}

// clearPool removes every prepared recorder, as a boot does.
func clearPool() error {
	keys, err := os.ReadDir(poolDir())
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	for _, k := range keys {
		if k.IsDir() {
			if err := os.RemoveAll(filepath.Join(poolDir(), k.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// timeTraced times one traced start to the workload's main and one traced
// /bin/true with bin, adding them to r.
func (b *bench) timeTraced(bin string, r *attachRun, errs *[]string) {
	tf := filepath.Join(b.dir, "attach.trace")
	step := func(into map[string][]float64, ph map[string]time.Duration, what, from, to string) {
		f, ok1 := ph[from]
		if from == "launch" {
			ok1 = true
		}
		t, ok2 := ph[to]
		if ok1 && ok2 {
			into[what] = append(into[what], ms(t-f))
		}
	}
	args := func(cmd ...string) []string {
		return append([]string{bin, "trace", "-o", tf, "--"}, cmd...)
	}
	settle()
	if d, ph, _, err := stampPhases(timingEnv, args(b.w("getpid"), "0", "stamp")...); err == nil {
		r.traced = append(r.traced, ms(d))
		r.countPooled(ph)
		for _, s := range startSteps {
			step(r.startPh, ph, s.what, s.from, s.to)
		}
		if v, ok := ph["stub-start"]; ok {
			r.stubStart = append(r.stubStart, ms(v))
			if _, ok := ph["prestub"]; ok {
				r.prestubbed++
			}
		}
	} else {
		*errs = append(*errs, oneLine(err))
	}
	settle()
	if _, ph, faults, err := stampPhases(timingEnv, args("/bin/true")...); err == nil {
		r.ttraced = append(r.ttraced, ms(ph["exit"]))
		r.countPooled(ph)
		r.faults = append(r.faults, float64(faults))
		for _, s := range endSteps {
			step(r.endPh, ph, s.what, s.from, s.to)
		}
	} else {
		*errs = append(*errs, oneLine(err))
	}
	// The same start by the Go side, claiming a prepared recorder, as for
	// a command line the C constructor leaves to it (internal/prestub);
	// and loading its own recorder, as where none was prepared (the first
	// trace of a boot, or --pid).
	variant := func(env []string, starts *[]float64, into map[string][]float64) {
		settle()
		if d, ph, _, err := stampPhases(env, args(b.w("getpid"), "0", "stamp")...); err == nil {
			*starts = append(*starts, ms(d))
			for _, s := range startSteps {
				step(into, ph, s.what, s.from, s.to)
			}
		} else {
			*errs = append(*errs, oneLine(err))
		}
	}
	variant(earlyOff, &r.goStarted, r.goStartedPh)
	variant(poolOff, &r.unpooled, r.unpooledPh)
}

func (b *bench) attach(w *strings.Builder) error {
	tf := filepath.Join(b.dir, "attach.trace")
	var bare, cold, tbare, help, goStart, goStart4k, floor, tfloor []float64
	cur := &attachRun{startPh: map[string][]float64{}, endPh: map[string][]float64{}, unpooledPh: map[string][]float64{}, goStartedPh: map[string][]float64{}}
	base := &attachRun{startPh: map[string][]float64{}, endPh: map[string][]float64{}, unpooledPh: map[string][]float64{}, goStartedPh: map[string][]float64{}}
	var errs []string
	// replay's end to end, for scale (no target): a profile as generate
	// writes it from a trace of /bin/true, replayed with it. Most of a
	// replay's start is reading the profile (checked against the filter
	// libseccomp builds for it).
	prof, rep := filepath.Join(b.dir, "true.json"), filepath.Join(b.dir, "true.report")
	profRules := ""
	var replays, replaysBase []float64
	if _, err := output(b.bin, "trace", "-o", tf, "--", "/bin/true"); err != nil {
		errs = append(errs, oneLine(err))
		prof = ""
	} else if _, err := output(b.bin, "generate", "-o", prof, tf); err != nil {
		errs = append(errs, oneLine(err))
		prof = ""
	} else if data, err := os.ReadFile(prof); err == nil {
		var doc struct {
			Syscalls []struct{ Names []string }
		}
		if json.Unmarshal(data, &doc) == nil {
			names := 0
			for _, s := range doc.Syscalls {
				names += len(s.Names)
			}
			profRules = fmt.Sprintf("%d rules naming %d syscalls, %d KB", len(doc.Syscalls), names, len(data)/1024)
		}
	}
	replay := func(bin string, into *[]float64) {
		if prof == "" {
			return
		}
		settle()
		if d, err := wall(bin, "replay", "-p", prof, "-o", rep, "--", "/bin/true"); err == nil {
			*into = append(*into, ms(d))
		} else {
			errs = append(errs, oneLine(err))
		}
	}
	for r := 0; r < b.p.attachRounds; r++ {
		d, err := stamp(b.w("getpid"), "0", "stamp")
		if err != nil {
			return err
		}
		bare = append(bare, ms(d))
		d, err = wall("/bin/true")
		if err != nil {
			return err
		}
		tbare = append(tbare, ms(d))
		// With -baseline, the two binaries take turns going first.
		if b.baseline != "" && r%2 == 1 {
			b.timeTraced(b.baseline, base, &errs)
		}
		b.timeTraced(b.bin, cur, &errs)
		if b.baseline != "" && r%2 == 0 {
			b.timeTraced(b.baseline, base, &errs)
		}
		// The floor: the same two runs under a minimal eBPF recorder
		// (startfloor.c), settled as the traced ones are.
		settle()
		if d, err := stamp(b.w("startfloor"), b.w("getpid"), "0", "stamp"); err == nil {
			floor = append(floor, ms(d))
		} else {
			errs = append(errs, oneLine(err))
		}
		settle()
		if d, err := wall(b.w("startfloor"), "/bin/true"); err == nil {
			tfloor = append(tfloor, ms(d))
		} else {
			errs = append(errs, oneLine(err))
		}
		if d, err := wall(b.bin, "trace", "--help"); err == nil {
			help = append(help, ms(d))
		}
		if d, err := stamp(b.w("gostart")); err == nil {
			goStart = append(goStart, ms(d))
		} else {
			errs = append(errs, oneLine(err))
		}
		if d, err := stamp(b.w("gostart-4k")); err == nil {
			goStart4k = append(goStart4k, ms(d))
		} else {
			errs = append(errs, oneLine(err))
		}
		// Cold: the first trace after a boot, when the recorder builds its
		// per-boot cache of CO-RE fixups (see trace/recorder/record_btf.go)
		// and of the argument mask.
		if err := removeGlob(kernelTypesCache); err == nil && removeGlob(argMaskCache) == nil && clearPool() == nil {
			settle()
			if d, err := stamp(b.traceArgs(tf, b.w("getpid"), "0", "stamp")...); err == nil {
				cold = append(cold, ms(d))
			} else {
				errs = append(errs, oneLine(err))
			}
			if b.baseline != "" {
				// Its cache is gone too: rebuild it, untimed.
				if _, err := output(b.baseline, "trace", "-o", tf, "--", "true"); err != nil {
					errs = append(errs, "baseline: "+oneLine(err))
				}
			}
		}
	}
	// The replays in rounds of their own, after the targets' rounds: each
	// leaves its recorder helper preparing the next one in the
	// background.
	for r := 0; r < b.p.attachRounds; r++ {
		if b.baseline != "" && r%2 == 1 {
			replay(b.baseline, &replaysBase)
		}
		replay(b.bin, &replays)
		if b.baseline != "" && r%2 == 0 {
			replay(b.baseline, &replaysBase)
		}
	}
	traced, ttraced, startPh, endPh, stubStart, prestubbed := cur.traced, cur.ttraced, cur.startPh, cur.endPh, cur.stubStart, cur.prestubbed
	fmt.Fprintf(w, "Launch-to-main: from just before the bench starts the command to the workload's first instruction in main() (CLOCK_REALTIME printed by the static getpid workload); its first traced syscall (execve) is earlier. %d interleaved rounds. The targets are judged on the warm start (every trace after the first one since boot); the cold row is the first trace after a boot, which also builds the recorder's cache of CO-RE fixups (the kernel's struct layouts). Each traced start is timed 50 ms after the previous trace ended: a trace started within ~15 ms of another one's detach can wait a further 5-7 ms for an RCU grace period in the kernel's attach path.\n\n", b.p.attachRounds)
	fmt.Fprintf(w, "| measure | bare min ms | bare median ms | seccomp-gen trace min ms | seccomp-gen trace median ms | added (medians) ms | target | result |\n|---|---|---|---|---|---|---|---|\n")
	sb, st := summarize(bare), summarize(traced)
	sf, stf := summarize(floor), summarize(tfloor)
	if len(traced) > 0 {
		floorSays := ""
		if len(floor) > 0 {
			floorSays = fmt.Sprintf("; a minimal eBPF recorder's start, the floor: %.1f ms", sf.med)
		}
		res := b.target(st.med <= ms(targetAttach), fmt.Sprintf("attach: seccomp-gen trace launch to workload main %.1f ms median (target <= %.0f ms%s)", st.med, ms(targetAttach), floorSays))
		fmt.Fprintf(w, "| launch to workload main() | %.2f | %.2f | %.2f | %.2f | %.2f | <= %.0f ms (whole traced launch) | %s |\n", sb.min, sb.med, st.min, st.med, st.med-sb.med, ms(targetAttach), res)
	} else {
		b.miss = append(b.miss, "attach time (not measured)")
		fmt.Fprintf(w, "| launch to workload main() | %.2f | %.2f | | | | <= %.0f ms | NOT MEASURED |\n", sb.min, sb.med, ms(targetAttach))
	}
	if len(cold) > 0 {
		sc := summarize(cold)
		fmt.Fprintf(w, "| launch to workload main(), cold: first trace after a boot (%s and %s removed, and the recorders prepared in %s) | %.2f | %.2f | %.2f | %.2f | %.2f | | |\n", kernelTypesCache, argMaskCache, poolDir(), sb.min, sb.med, sc.min, sc.med, sc.med-sb.med)
	}
	if len(cur.goStarted) > 0 {
		sg := summarize(cur.goStarted)
		fmt.Fprintf(w, "| launch to workload main(), started by the Go side with a prepared recorder (SECCOMP_GEN_EARLY=off: as for a command line the C constructor leaves to it) | %.2f | %.2f | %.2f | %.2f | %.2f | | |\n", sb.min, sb.med, sg.min, sg.med, sg.med-sb.med)
	}
	if len(cur.unpooled) > 0 {
		su := summarize(cur.unpooled)
		fmt.Fprintf(w, "| launch to workload main(), loading its own recorder (SECCOMP_GEN_POOL=off: as where none was prepared) | %.2f | %.2f | %.2f | %.2f | %.2f | | |\n", sb.min, sb.med, su.min, su.med, su.med-sb.med)
	}
	if len(floor) > 0 {
		fmt.Fprintf(w, "| floor: launch to workload main() under a minimal eBPF recorder (startfloor) | %.2f | %.2f | %.2f | %.2f | %.2f | | |\n", sb.min, sb.med, sf.min, sf.med, sf.med-sb.med)
	}
	sb, st = summarize(tbare), summarize(ttraced)
	if len(ttraced) > 0 {
		added := st.med - sb.med
		floorSays := ""
		if len(tfloor) > 0 {
			floorSays = fmt.Sprintf("; the floor adds %.1f ms", stf.med-sb.med)
		}
		res := b.target(added <= ms(targetTrueAdded), fmt.Sprintf("trace -- /bin/true adds %.1f ms end to end (medians; target <= %.0f ms%s)", added, ms(targetTrueAdded), floorSays))
		fmt.Fprintf(w, "| end to end: /bin/true | %.2f | %.2f | %.2f | %.2f | %.2f | <= %.0f ms added | %s |\n", sb.min, sb.med, st.min, st.med, added, ms(targetTrueAdded), res)
	} else {
		b.miss = append(b.miss, "trace -- /bin/true end to end (not measured)")
		fmt.Fprintf(w, "| end to end: /bin/true | %.2f | %.2f | | | | <= %.0f ms added | NOT MEASURED |\n", sb.min, sb.med, ms(targetTrueAdded))
	}
	if len(tfloor) > 0 {
		fmt.Fprintf(w, "| floor: end to end: /bin/true under a minimal eBPF recorder (startfloor) | %.2f | %.2f | %.2f | %.2f | %.2f | | |\n", sb.min, sb.med, stf.min, stf.med, stf.med-sb.med)
	}
	if len(replays) > 0 {
		sr := summarize(replays)
		fmt.Fprintf(w, "| end to end: seccomp-gen replay -p PROFILE -o REPORT -- /bin/true, PROFILE as generate writes it from a trace of /bin/true (%s) | %.2f | %.2f | %.2f | %.2f | %.2f | | |\n", profRules, sb.min, sb.med, sr.min, sr.med, sr.med-sb.med)
	}
	if len(replaysBase) > 0 {
		sr := summarize(replaysBase)
		fmt.Fprintf(w, "| the same replay by -baseline | %.2f | %.2f | %.2f | %.2f | %.2f | | |\n", sb.min, sb.med, sr.min, sr.med, sr.med-sb.med)
	}
	if len(floor) > 0 && len(tfloor) > 0 {
		sb0 := summarize(bare)
		fmt.Fprintf(w, "\nThe floor rows: bench/workloads/startfloor.c, a static C program that creates a one-counter array map, loads a raw_tp/sys_enter program that adds 1 to it, attaches it, then forks and execs the command and waits for it: nothing but what any recorder on raw_tp/sys_enter that loads its program when it starts pays the kernel for it (map creation, verification, JIT, attach; detach at its exit) and a fork and an exec, with no ELF, BTF, CO-RE, per-task marks or output. It reaches the workload's main %.2f ms median after its launch (min %.2f): ", sf.med, sf.min)
		if sf.med > ms(targetAttach) {
			fmt.Fprintf(w, "above the %.0f ms target by itself on this machine, so no recorder that starts this way meets that target here. ", ms(targetAttach))
		} else {
			fmt.Fprintf(w, "within the %.0f ms target on this machine. ", ms(targetAttach))
		}
		if fa, ta := sf.med-sb0.med, summarize(traced).med-sb0.med; fa > 0 && len(traced) > 0 {
			fmt.Fprintf(w, "seccomp-gen's start adds %.1fx what the floor's adds (%.2f against %.2f ms, medians)", ta/fa, ta, fa)
			if ft := stf.med - sb.med; ft > 0 && len(ttraced) > 0 {
				fmt.Fprintf(w, ", and %.1fx end to end on /bin/true (%.2f against %.2f ms)", (st.med-sb.med)/ft, st.med-sb.med, ft)
			}
			fmt.Fprintf(w, ".")
		}
		fmt.Fprintln(w)
	}
	if len(help) > 0 {
		sh := summarize(help)
		fmt.Fprintf(w, "\nFor scale: `seccomp-gen trace --help` (the binary starting and exiting, no eBPF) takes %.2f ms median (min %.2f).", sh.med, sh.min)
		if len(goStart) > 0 {
			sg := summarize(goStart)
			fmt.Fprintf(w, " A Go program that only prints the time (bench/workloads/gostart: cgo, linked statically, its heap in huge pages where internal/hugeheap chooses them (not where the host takes free memory back: see its doc) and its code prefaulted where internal/prefault chooses it (where a page fault costs enough), as make build builds seccomp-gen) reaches its main() %.2f ms median (min %.2f) after its launch, against %.2f for the static C workload: the process start any Go tracer pays before it can start anything; seccomp-gen's own process start (below) adds its size and its package initializers.", sg.med, sg.min, summarize(bare).med)
			if len(goStart4k) > 0 {
				s4 := summarize(goStart4k)
				fmt.Fprintf(w, " The same program with its heap in 4 KiB pages (-tags nohugeheap: the Go runtime's default) takes %.2f ms median (min %.2f).", s4.med, s4.min)
			}
		}
		fmt.Fprintln(w)
	}
	if cur.starts > 0 {
		fmt.Fprintf(w, "\nPrepared recorders (trace/recorder/record_pool.go): a trace of a command leaves a recorder loaded but not attached, pinned in %s, for the next one, which claims it instead of loading its own. %d of the %d warm traced starts above (the launch-to-main and /bin/true rows) claimed one; the others loaded their own. %d of them were started before the Go runtime by the binary's C constructor (internal/prestub/early.c: the early start), which claims, attaches and starts the command, and which Record then takes over.\n", poolDir(), cur.pooled, cur.starts, cur.early)
	}
	if len(startPh) > 0 {
		fmt.Fprintf(w, "\n### Where the start goes (warm, launch to the workload's main)\n\n")
		fmt.Fprintf(w, "From the phases `seccomp-gen trace` prints with SECCOMP_GEN_TIMING=1 (CLOCK_REALTIME; trace/recorder's Phase constants) in the same traced runs as the launch-to-main row. Steps are consecutive on the tracer's critical path; min and median of each step on its own, so the medians need not add up to the total's.\n\n")
		steps := func(ph map[string][]float64) {
			fmt.Fprintf(w, "| step | phases | min ms | median ms |\n|---|---|---|---|\n")
			for _, s := range startSteps {
				if xs := ph[s.what]; len(xs) > 0 {
					x := summarize(xs)
					fmt.Fprintf(w, "| %s | %s → %s | %.2f | %.2f |\n", s.what, s.from, s.to, x.min, x.med)
				}
			}
		}
		steps(startPh)
		if len(cur.goStartedPh) > 0 {
			fmt.Fprintf(w, "\nThe same steps in the starts by the Go side with a prepared recorder (SECCOMP_GEN_EARLY=off, the row above):\n\n")
			steps(cur.goStartedPh)
		}
		if len(cur.unpooledPh) > 0 {
			fmt.Fprintf(w, "\nThe same steps in the starts that loaded their own recorder (SECCOMP_GEN_POOL=off, the row above), as a trace does where none was prepared:\n\n")
			steps(cur.unpooledPh)
		}
		if len(stubStart) > 0 {
			a := summarize(stubStart)
			fmt.Fprintf(w, "\nOff the critical path: the stub, the command's process, which waits at a gate until the recorder is attached and armed. In %d of these %d starts it was the child that the binary's C constructor forked before the Go runtime started (internal/prestub), handed its command %.2f ms after the launch (median; min %.2f); a binary without that child forks and execs itself as the stub on another goroutine as the recorder starts (its part before the gate a C constructor too, cmd/seccomp-gen/stub_fast.go).\n", prestubbed, len(stubStart), a.med, a.min)
		}
	}
	if len(endPh) > 0 {
		fmt.Fprintf(w, "\n### Where `trace -- /bin/true` goes (warm, end to end)\n\n| step | phases | min ms | median ms |\n|---|---|---|---|\n")
		for _, s := range endSteps {
			if xs := endPh[s.what]; len(xs) > 0 {
				x := summarize(xs)
				fmt.Fprintf(w, "| %s | %s → %s | %.2f | %.2f |\n", s.what, s.from, s.to, x.min, x.med)
			}
		}
		if len(cur.faults) > 0 {
			f := summarize(cur.faults)
			fmt.Fprintf(w, "\nPage faults (minor) of a traced `/bin/true`, the tracer and its command (wait4's rusage): %.0f median (min %.0f). On a machine where a first touch of a page costs ~12 us (a PVM guest's shadow page tables), they are a large part of the start: the tracer's Go heap and the runtime's metadata are in huge pages for that (internal/hugeheap; not on a machine whose host takes free memory back, where a huge page's first touch costs more), and its code is mapped at its start where a fault costs that much (internal/prefault).\n", f.med, f.min)
		}
	}
	if err := b.verification(w, b.p.attachRounds); err != nil {
		errs = append(errs, "program verification: "+oneLine(err))
	}
	if b.baseline != "" && (len(base.startPh) > 0 || len(base.endPh) > 0) {
		fmt.Fprintf(w, "\n### Against the baseline\n\n")
		fmt.Fprintf(w, "`-baseline %s` (%s), timed in the same rounds, the two binaries taking turns; medians, and this binary's median as a ratio to the baseline's (below 1: faster). A step the baseline does not print is left out.\n\n", filepath.Base(b.baseline), b.binVersion(b.baseline))
		fmt.Fprintf(w, "| step | phases | baseline median ms | this median ms | ratio |\n|---|---|---|---|---|\n")
		row := func(what, from, to string, bx, cx []float64) {
			if len(bx) == 0 || len(cx) == 0 {
				return
			}
			bm, cm := summarize(bx).med, summarize(cx).med
			ratio := ""
			if bm > 0 {
				ratio = fmt.Sprintf("%.2f", cm/bm)
			}
			fmt.Fprintf(w, "| %s | %s → %s | %.2f | %.2f | %s |\n", what, from, to, bm, cm, ratio)
		}
		for _, s := range startSteps {
			row(s.what, s.from, s.to, base.startPh[s.what], startPh[s.what])
		}
		for _, s := range endSteps {
			row("/bin/true: "+s.what, s.from, s.to, base.endPh[s.what], endPh[s.what])
		}
		if len(base.faults) > 0 && len(cur.faults) > 0 {
			bm, cm := summarize(base.faults).med, summarize(cur.faults).med
			fmt.Fprintf(w, "| /bin/true: page faults (minor; a count, not ms) | tracer and command | %.0f | %.0f | %.2f |\n", bm, cm, cm/bm)
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(w, "\nErrors: %s\n", strings.Join(uniq(errs), "; "))
	}
	return nil
}

// binVersion is what `BIN version` says first, or "version unknown".
func (b *bench) binVersion(bin string) string {
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		return "version unknown"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(line)
}

// profile is one filter to measure.
type profile struct {
	name   string
	file   string
	source string
	st     filterStats
	err    error
}

func (b *bench) profiles() []*profile {
	if b.profs != nil {
		return b.profs
	}
	var ps []*profile
	for _, k := range []string{"getpid loop", "storm", "gcc", "tar"} {
		tf, ok := b.traces[k]
		p := &profile{name: "generated: " + k, source: "`seccomp-gen generate --format bpf` of the trace"}
		ps = append(ps, p)
		if !ok {
			p.err = errors.New("no trace (seccomp-gen trace did not run)")
			continue
		}
		p.file = filepath.Join(b.dir, strings.ReplaceAll(k, " ", "_")+".bpf")
		if _, err := output(b.bin, "generate", "--format", "bpf", "-o", p.file, tf); err != nil {
			p.err = err
		}
	}
	b.minimal = filepath.Join(b.dir, "minimal.bpf")
	one := uint(1)
	if data, err := compileSpec(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{specs.ArchX86_64},
		Syscalls: []specs.LinuxSyscall{{Names: []string{"syslog"}, Action: specs.ActErrno, ErrnoRet: &one}}}); err == nil {
		os.WriteFile(b.minimal, data, 0o644)
	}
	d := &profile{name: "Docker default (moby/profiles v0.2.4)", source: "moby's GetDefaultProfile (default caps) compiled by libseccomp " + scmp.LibraryVersion() + " as runc does, without runc's ENOSYS stub"}
	d.file = filepath.Join(b.dir, "docker.bpf")
	if data, err := dockerDefaultFilter(); err != nil {
		d.err = err
	} else {
		d.err = os.WriteFile(d.file, data, 0o644)
	}
	ps = append(ps, d)
	for _, p := range ps {
		if p.err != nil {
			continue
		}
		data, err := os.ReadFile(p.file)
		if err == nil {
			var prog cbpf.Program
			if prog, err = cbpf.Parse(data); err == nil {
				p.st, err = analyze(prog)
			}
		}
		p.err = err
	}
	b.profs = ps
	return ps
}

func (b *bench) filters(w *strings.Builder) error {
	ps := b.profiles()
	fmt.Fprintf(w, "Per x86_64 syscall number libseccomp knows, the filter is run in emit/cbpf's userspace classic-BPF interpreter with arch AUDIT_ARCH_X86_64 and all arguments 0. "+
		"\"Allowed\" = returns SECCOMP_RET_ALLOW; \"arg-free\" = allowed without loading an argument; \"cacheable\" = the kernel's seccomp_cache_prepare emulation (seccomp_is_const_allow, re-implemented in bench/filter.go) proves ALLOW from nr and arch alone, so the kernel skips the filter for it. "+
		"ns/syscall: a child installs the filter (no_new_privs + seccomp(2)) and runs %d calls of one syscall, vs the same child without a filter; medians of %d interleaved rounds. "+
		"getpid is allowed and cacheable in every profile here, so it shows the fixed cost of having any filter (the seccomp slow path on syscall entry); syslog(0) is denied by all of them, so the filter runs every time: it is compared with a minimal libseccomp filter that denies it the same way (EPERM) in a few instructions, so the difference is the cost of running the longer filter.\n\n", b.p.filterCalls, b.p.filterRounds)
	fmt.Fprintf(w, "| profile | instructions | allowed | arg-free / cacheable | executed mean (allowed) | executed max (allowed) | executed max (any nr) | getpid ns: no filter / filter | syslog(0) ns: minimal filter / filter | targets | result |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, p := range ps {
		if p.err != nil {
			fmt.Fprintf(w, "| %s | | | | | | | | | | NOT MEASURED: %s |\n", p.name, oneLine(p.err))
			if strings.HasPrefix(p.name, "generated") {
				b.miss = append(b.miss, p.name+": filter cost not measured")
			}
			continue
		}
		getpid := b.filterTime(p.file, unix.SYS_GETPID, "-")
		syslog := b.filterTime(p.file, unix.SYS_SYSLOG, b.minimal)
		st := p.st
		targets, res := "", ""
		if strings.HasPrefix(p.name, "generated") {
			targets = "arg-free all cacheable; max <= 30"
			ok1 := len(st.ArgFreeNoCache) == 0
			// Argument-checked syscalls (issue 10's rules: clone, socket,
			// ...) run their conditions too: see "Argument recording and
			// argument rules". The dispatch target is for the others.
			ok2 := st.ArgFreeMax <= targetMaxSteps
			r1 := b.target(ok1, fmt.Sprintf("%s: %d of %d arg-free allowed syscalls cache-eligible", p.name, st.ArgFree-len(st.ArgFreeNoCache), st.ArgFree))
			r2 := b.target(ok2, fmt.Sprintf("%s: at most %d filter instructions executed by arg-free allowed syscalls (target <= %d; with argument checks: %d, %s)", p.name, st.ArgFreeMax, targetMaxSteps, st.MaxSteps, st.MaxStepsName))
			res = r1 + " / " + r2
			if !ok1 {
				res += " (not cacheable: " + strings.Join(st.ArgFreeNoCache, " ") + ")"
			}
		}
		fmt.Fprintf(w, "| %s | %d | %d | %d / %d | %.1f | %d (%s) | %d | %s | %s | %s | %s |\n", p.name, st.Insns, st.Allowed, st.ArgFree, st.Cacheable, st.MeanSteps, st.MaxSteps, st.MaxStepsName, st.AllMax, getpid, syslog, targets, res)
	}
	fmt.Fprintf(w, "\nSources: generated profiles come from `seccomp-gen generate --format bpf TRACE` (the product's defaults) of the traces recorded above; Docker's default is %s.\n", ps[len(ps)-1].source)
	return nil
}

// filterTime runs `filtered` with the baseline filter (or none: "-") and
// with file for syscall nr and returns "baseline / filtered (result)" from
// the medians.
func (b *bench) filterTime(file string, nr int, base string) string {
	n, sys := strconv.Itoa(b.p.filterCalls), strconv.Itoa(nr)
	var none, filt []float64
	ret := ""
	for r := 0; r < b.p.filterRounds; r++ {
		if v, err := nsPerCall(b.w("filtered"), base, n, sys); err == nil {
			none = append(none, v)
		}
		out, err := output(b.w("filtered"), file, n, sys)
		if err != nil {
			return "error: " + oneLine(err)
		}
		if v, err := field(out, "ns_per_call"); err == nil {
			filt = append(filt, v)
		}
		if v, err := field(out, "ret"); err == nil {
			if v < 0 {
				ret = "errno " + strconv.Itoa(int(-v))
			} else {
				ret = "allowed"
			}
		}
	}
	return fmt.Sprintf("%.1f / %.1f (%s)", summarize(none).med, summarize(filt).med, ret)
}

func (b *bench) profileSize(w *strings.Builder) error {
	ps := b.profiles()
	fmt.Fprintf(w, "x86_64 syscalls each compiled filter allows (all arguments 0), from the filter-cost run above.\n\n")
	fmt.Fprintf(w, "| profile | allowed syscalls | vs Docker default |\n|---|---|---|\n")
	docker := ps[len(ps)-1]
	for _, p := range ps {
		if p.err != nil {
			fmt.Fprintf(w, "| %s | not measured | |\n", p.name)
			continue
		}
		rel := ""
		if docker.err == nil && docker.st.Allowed > 0 {
			rel = fmt.Sprintf("%.0f%%", 100*float64(p.st.Allowed)/float64(docker.st.Allowed))
		}
		fmt.Fprintf(w, "| %s | %d | %s |\n", p.name, p.st.Allowed, rel)
	}
	return nil
}

// removeGlob removes the files pattern matches (every format's kernel
// types cache: the file name says the format).
func removeGlob(pattern string) error {
	names, err := filepath.Glob(pattern)
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := os.Remove(n); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}
