package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// targetArgsNs is issue 10's bound on what argument recording may add to
// the traced path of a syscall whose arguments are not recorded.
const targetArgsNs = 5.0

// args measures argument recording (issue 10): the traced getpid loop with
// and without it (getpid's arguments are not recorded: the cost is the
// recorder's one-byte lookup), the same for a loop of fcntl(0, F_GETFD),
// whose cmd is recorded (a hash lookup per call), and the filter
// instructions a generated profile's argument rules execute, next to
// Docker's default.
func (b *bench) args(w *strings.Builder) error {
	n := strconv.Itoa(b.p.loopCalls)
	// The runs' fast blocks and means (see overhead).
	var with, without, fWith, fWithout series
	// Per round, with minus without (the pair's order mirrored every
	// other round, each run after a pause: see overhead's settle).
	var dGetpid, dFcntl series
	var errs []string
	for r := 0; r < b.p.rounds; r++ {
		tf := filepath.Join(b.dir, "args.trace")
		for _, c := range []struct {
			xs, ys     *series
			d          *series
			argv, argn []string
		}{
			{&with, &without, &dGetpid,
				[]string{b.bin, "trace", "-o", tf, "--", b.w("getpid"), n},
				[]string{b.bin, "trace", "--no-args", "-o", tf, "--", b.w("getpid"), n}},
			{&fWith, &fWithout, &dFcntl,
				[]string{b.bin, "trace", "-o", tf, "--", "env", "BENCH_FCNTL=1", b.w("getpid"), n},
				[]string{b.bin, "trace", "--no-args", "-o", tf, "--", "env", "BENCH_FCNTL=1", b.w("getpid"), n}},
		} {
			run := func(argv []string, xs *series) (loopTime, bool) {
				b.settle()
				v, err := loopRun(argv...)
				if err != nil {
					errs = append(errs, oneLine(err))
					return loopTime{}, false
				}
				xs.add(v)
				return v, true
			}
			var a, o loopTime
			var aok, ook bool
			if r%2 == 0 {
				a, aok = run(c.argv, c.xs)
				o, ook = run(c.argn, c.ys)
			} else {
				o, ook = run(c.argn, c.ys)
				a, aok = run(c.argv, c.xs)
			}
			if aok && ook {
				c.d.diff(a, o)
			}
		}
	}
	fmt.Fprintf(w, "ns per syscall of the traced process, `seccomp-gen trace` (argument values recorded, the default) against `trace --no-args`; interleaved rounds (the pair's order mirrored every other round, each run after %v of quiet), each run's fast blocks (as in the per-syscall section), medians, and per round the difference with minus without (paired median, on which the target is judged; mean and the mean's standard error; and the paired median of the runs' means, for comparison).\n\n", settlePause)
	fmt.Fprintf(w, "| loop | n | no-args median ns | args median ns | added ns (medians) | added ns (paired median) | paired mean ns | standard error ns | means: added ns (paired median) | target | result |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	row := func(name string, a, b0, d series, target bool) {
		if len(a.fast) == 0 || len(b0.fast) == 0 || len(d.fast) == 0 {
			fmt.Fprintf(w, "| %s | 0 | | | | | | | | | NOT MEASURED |\n", name)
			if target {
				b.miss = append(b.miss, "argument recording overhead (not measured)")
			}
			return
		}
		sa, sb := summarize(a.fast), summarize(b0.fast)
		p, pm := paired(d.fast), paired(d.mean)
		res, tgt := "", ""
		if target {
			tgt = fmt.Sprintf("<= +%.0f ns", targetArgsNs)
			res = b.target(p.med <= targetArgsNs, fmt.Sprintf("argument recording adds %+.1f ns to a traced syscall whose arguments are not recorded (fast blocks, paired per round; target <= +%.0f)", p.med, targetArgsNs))
		}
		fmt.Fprintf(w, "| %s | %d | %.1f | %.1f | %+.1f | %+.1f | %+.1f | %.1f | %+.1f | %s | %s |\n", name, len(a.fast), sb.med, sa.med, sa.med-sb.med, p.med, p.mean, p.se, pm.med, tgt, res)
	}
	row("getpid (arguments not recorded)", with, without, dGetpid, true)
	row("fcntl(0, F_GETFD) (cmd recorded)", fWith, fWithout, dFcntl, false)
	if len(b.bodyArgs) > 0 {
		// The wall clock's per-syscall noise can be larger than the
		// target on a busy or PTI machine; the kernel's own statistics
		// of the recorder program are not exposed to it.
		d := paired(b.bodyArgs)
		fmt.Fprintf(w, "\nThe same comparison in the recorder program's own run time (the body section's BPF statistics, this run, the same traced getpid loop): sys_enter with argument recording minus with --no-args, paired per round: median %+.1f ns, mean %+.1f (standard error %.1f, %d rounds). The target is judged on the wall clock above, which also holds what the program's run time does not (its effect on the syscall's caches).\n", d.med, d.mean, d.se, len(b.bodyArgs))
	}
	if len(errs) > 0 {
		fmt.Fprintf(w, "\nErrors: %s\n", strings.Join(uniq(errs), "; "))
	}
	return b.argFilter(w)
}

// argFilter reports the instructions executed by a generated profile's
// argument rules (a trace whose clone, socket, personality and unshare
// calls recorded benign values) and by Docker's default, in emit/cbpf's
// interpreter.
func (b *bench) argFilter(w *strings.Builder) error {
	f := &trace.File{Version: trace.Version, Target: trace.Target{Command: []string{"w"}}, Host: trace.Host{Arch: "x86_64"}, Started: time.Unix(0, 0)}
	vals := map[string][]trace.ArgValues{
		"clone": {{Index: 0, Values: []uint64{0x1200011, 0x3d0f00}}}, "socket": {{Index: 0, Values: []uint64{1, 10}}, {Index: 1, Values: []uint64{1, 2}}},
		"personality": {{Index: 0, Values: []uint64{0xffffffff}}}, "unshare": {{Index: 0, Values: []uint64{0x400}}},
		"setsockopt": {{Index: 1, Values: []uint64{1, 6}}, {Index: 2, Values: []uint64{1, 2}}},
	}
	for _, name := range []string{"read", "write", "exit_group", "clone", "clone3", "socket", "personality", "unshare", "setsockopt"} {
		nr, err := scmp.Number("x86_64", name)
		if err != nil {
			return err
		}
		f.Syscalls = append(f.Syscalls, trace.Syscall{Arch: "x86_64", Nr: nr, Name: name, Count: 1, Args: vals[name]})
	}
	res, err := reduce.Reduce([]reduce.Input{{Path: "t", File: f}}, reduce.Options{Native: "x86_64"}, scmp.Tables{})
	if err != nil {
		return err
	}
	gen, err := cbpf.Compile(res.Policy, cbpf.Options{Arch: "x86_64"})
	if err != nil {
		return err
	}
	data, err := dockerDefaultFilter()
	if err != nil {
		return err
	}
	docker, err := cbpf.Parse(data)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nFilter instructions executed for argument-checked calls (emit/cbpf interpreter, x86_64): a profile generated from a trace that recorded clone(fork and thread flags), socket(domain AF_UNIX, AF_INET6; type SOCK_STREAM, SOCK_DGRAM), personality(0xffffffff), unshare(CLONE_FILES), setsockopt(level SOL_SOCKET, IPPROTO_TCP; optname 1, 2) (%d instructions), and Docker's default (%d instructions).\n\n", len(gen), len(docker))
	fmt.Fprintf(w, "| call | generated: answer | instructions | Docker default: answer | instructions |\n|---|---|---|---|---|\n")
	for _, c := range []struct {
		name string
		args [6]uint64
		what string
	}{
		{"clone", [6]uint64{0x3d0f00}, "thread flags"}, {"clone", [6]uint64{0x10000011}, "CLONE_NEWUSER"},
		{"clone3", [6]uint64{}, ""}, {"socket", [6]uint64{1, 1}, "AF_UNIX, SOCK_STREAM"},
		{"socket", [6]uint64{10, 2 | 0x80000}, "AF_INET6, SOCK_DGRAM|SOCK_CLOEXEC"}, {"socket", [6]uint64{1, 3}, "AF_UNIX, SOCK_RAW"},
		{"socket", [6]uint64{2, 1}, "AF_INET, SOCK_STREAM"}, {"socket", [6]uint64{40, 1}, "AF_VSOCK, SOCK_STREAM"},
		{"setsockopt", [6]uint64{3, 6, 1}, "IPPROTO_TCP, TCP_NODELAY"}, {"setsockopt", [6]uint64{3, 1, 7}, "SOL_SOCKET, SO_SNDBUF"},
		{"personality", [6]uint64{0xffffffff}, "query"}, {"personality", [6]uint64{0x40000}, "ADDR_NO_RANDOMIZE"},
		{"unshare", [6]uint64{0x10000000}, "CLONE_NEWUSER"},
	} {
		nr, _ := scmp.Number("x86_64", c.name)
		d := cbpf.Data{Nr: int32(nr), Arch: cbpf.AuditArchX86_64, Args: c.args}
		g, err := gen.Run(d)
		if err != nil {
			return err
		}
		k, err := docker.Run(d)
		if err != nil {
			return err
		}
		n := map[string]int{"socket": 2, "setsockopt": 3}[c.name]
		if n == 0 {
			n = 1
		}
		hex := make([]string, n)
		for i := range hex {
			hex[i] = fmt.Sprintf("%#x", c.args[i])
		}
		fmt.Fprintf(w, "| %s(%s: %s) | %s | %d | %s | %d |\n", c.name, strings.Join(hex, ", "), c.what, answerText(g), g.Steps, answerText(k), k.Steps)
	}
	return nil
}

func answerText(r cbpf.Result) string {
	if r.Data != 0 {
		return fmt.Sprintf("%s(%d)", r.Action, r.Data)
	}
	return string(r.Action)
}
