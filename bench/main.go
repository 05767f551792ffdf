// Command bench measures seccomp-gen against its targets and its peers and
// prints one markdown table (issues 5, 11 and 13): per-syscall overhead of
// `seccomp-gen trace` (traced and for the rest of the machine, also as
// ratios to an empty raw_tp/sys_enter program), strace -f and an
// event-per-syscall ring-buffer recorder as peers, the recorder program's
// body from the kernel's BPF run-time statistics (body.go), a realistic
// workload, event loss under an 8-thread storm, attach time and its
// breakdown, the cost of generated filters and of Docker's default profile,
// profile sizes, and (issue 11) how profiles made from scripted training
// runs of real programs hold on different test runs
// (bench/generalization/programs.yaml).
//
//	go run ./bench [-short] [-only WORDS] [-bin bin/seccomp-gen] [-o BENCHMARKS.md]
//	go run ./bench -only generalization [-programs curl,git] -o BENCHMARKS.md
//	go run ./bench -make-profiles profiles/commands   # make profiles
//	go run ./bench -check-profiles profiles/commands  # make check-profiles
//
// It needs root (eBPF), gcc and strace, and the seccomp-gen binary built by
// `make build`. Timings are never asserted: missed targets are printed as
// MISSED.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/seccomp-gen/seccomp-gen/internal/atomicfile"
)

func main() {
	var o options
	flag.BoolVar(&o.short, "short", false, "quick run (well under a minute) with fewer calls and rounds: a smoke test, not numbers to publish")
	flag.StringVar(&o.bin, "bin", "bin/seccomp-gen", "`PATH` of the seccomp-gen binary to measure (make build makes bin/seccomp-gen)")
	flag.StringVar(&o.baseline, "baseline", "", "`PATH` of another seccomp-gen binary (an earlier revision, say) that the Attach time, Per-syscall overhead and body sections also measure, interleaved with -bin, to show what changed (per step as a ratio; per syscall as paired per-round differences)")
	flag.IntVar(&o.rounds, "rounds", 0, "`N` rounds of the per-syscall and body sections instead of the mode's default (more rounds: a smaller standard error of -baseline's paired differences)")
	flag.StringVar(&o.rev, "rev", "", "`REV`: the seccomp-gen revision to print (default: git rev-parse HEAD of the working directory)")
	flag.StringVar(&o.note, "note", "", "`TEXT` to print under the machine table, e.g. what else ran on the machine")
	flag.StringVar(&o.only, "only", "", "`WORDS`: run only the sections whose title contains one of these comma-separated words (case-insensitive), e.g. body,attach or generalization (with -o the report replaces the file, except -only generalization, which replaces just that section of an existing file)")
	flag.StringVar(&o.out, "o", "-", "write the markdown report to `FILE` as well as stdout ('-': stdout only)")
	programs := flag.String("programs", "", "comma-separated `NAMES` of the generalization section's programs (default: all; -short: "+strings.Join(genShort, ", ")+")")
	flag.StringVar(&o.makeProfiles, "make-profiles", "", "record the ready profiles (programs marked ready) into `DIR` and exit (make profiles)")
	flag.StringVar(&o.profileFlags, "profile-flags", "", "extra generate `FLAGS` for -make-profiles, e.g. --widen (default: none: the profile allows what the recorded runs did)")
	flag.StringVar(&o.work, "work", "", "`DIR`: the generalization section's work directory, kept afterwards; training traces already in it are reused, not recorded again, and the test runs are also recorded once (testN.yaml) to compare (for iterating on generate; publish numbers from a run without it)")
	flag.StringVar(&o.checkProfiles, "check-profiles", "", "replay the test runs under the ready profiles in `DIR` with replay --enforce and exit 1 naming any denied syscall (make check-profiles)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: go run ./bench [-short] [-only WORDS] [-programs NAMES] [-bin PATH] [-baseline PATH] [-rounds N] [-rev REV] [-note TEXT] [-o FILE]\n"+
			"       go run ./bench -make-profiles DIR | -check-profiles DIR [-programs NAMES] [-bin PATH]\n\n"+
			"Measures seccomp-gen against the targets of issues 5, 11 and 13 and prints a markdown table:\n"+
			"per-syscall overhead of 'seccomp-gen trace' (traced process and rest of the machine,\n"+
			"as ratios to an empty raw_tp/sys_enter program) next to strace -f and an\n"+
			"event-per-syscall ring-buffer recorder, the recorder program's body from the kernel's\n"+
			"BPF run-time statistics, gcc and tar wall times, exact counts under an 8-thread storm,\n"+
			"attach time and where the start goes, the cost and size of generated filters vs\n"+
			"Docker's default, and how profiles from training runs hold on different test runs\n"+
			"(bench/generalization/programs.yaml). Missed targets say MISSED; nothing fails.\n"+
			"Needs root, gcc, strace and tar. 'make bench' writes BENCHMARKS.md;\n"+
			"'make bench-short' is a quick smoke run.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintf(os.Stderr, "bench: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if *programs != "" {
		o.programs = strings.Split(*programs, ",")
	}
	if o.makeProfiles != "" || o.checkProfiles != "" {
		var err error
		if o.makeProfiles != "" {
			err = makeProfiles(o, o.makeProfiles, os.Stderr)
		} else {
			err = checkProfiles(o, o.checkProfiles, os.Stderr)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
			os.Exit(1)
		}
		return
	}
	report, err := run(o, os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
	fmt.Print(report)
	if o.out != "-" {
		if o.only == onlyGeneralization {
			// One section: replace it in the existing file.
			if old, err := os.ReadFile(o.out); err == nil {
				report = spliceSection(string(old), report, genTitle)
			}
		}
		if err := atomicfile.Write(o.out, []byte(report), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "bench: wrote %s\n", o.out)
	}
}

// onlyGeneralization is the -only value of the generalization section.
const onlyGeneralization = "generalization"

// genTitle is the generalization section's heading.
const genTitle = "Generalization (issue 11)"

type options struct {
	only          string
	programs      []string
	makeProfiles  string
	checkProfiles string
	work          string
	profileFlags  string
	rev           string
	note          string
	short         bool
	bin           string
	baseline      string
	out           string
	rounds        int
}

// params are the sizes of one run.
type params struct {
	loopCalls    int     // getpid calls per overhead run
	straceCalls  int     // getpid calls under strace (slow)
	rounds       int     // interleaved rounds of the overhead runs
	straceRounds int     // rounds under strace
	stormThreads int     // threads of the event-loss storm
	stormSeconds float64 // how long they storm
	realRounds   int     // rounds of the realistic workloads
	attachRounds int     // rounds of attach and /bin/true
	filterCalls  int     // getpid calls under each filter
	filterRounds int
	bodyRounds   int // rounds of the BPF run-time statistics
}

func paramsFor(short bool) params {
	if short {
		return params{loopCalls: 300_000, straceCalls: 10_000, rounds: 2, straceRounds: 1,
			stormThreads: 8, stormSeconds: 0.5, realRounds: 1, attachRounds: 3,
			filterCalls: 300_000, filterRounds: 1, bodyRounds: 2}
	}
	return params{loopCalls: 3_000_000, straceCalls: 200_000, rounds: 15, straceRounds: 3,
		stormThreads: 8, stormSeconds: 3, realRounds: 5, attachRounds: 31,
		filterCalls: 3_000_000, filterRounds: 5, bodyRounds: 7}
}

// spliceSection replaces the section "## title" of old with the one in
// report (or appends it), keeping the rest of old.
func spliceSection(old, report, title string) string {
	head := "\n## " + title + "\n"
	section := report
	if i := strings.Index(report, head); i >= 0 {
		section = report[i:]
		if j := strings.Index(section[len(head):], "\n## "); j >= 0 {
			section = section[:len(head)+j]
		}
	}
	section = strings.TrimRight(section, "\n") + "\n"
	i := strings.Index(old, head)
	if i < 0 {
		return strings.TrimRight(old, "\n") + "\n" + section
	}
	rest := ""
	if j := strings.Index(old[i+len(head):], "\n## "); j >= 0 {
		rest = old[i+len(head)+j:]
	}
	return old[:i] + section + rest
}
