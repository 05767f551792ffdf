package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// TestBenchShort runs `make bench-short`'s mode end to end: it builds the
// seccomp-gen binary, runs every section, and checks that the table has all
// of them with numbers for seccomp-gen itself. It asserts no timings:
// benchmarks are never pass/fail in `make test`.
func TestBenchShort(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "gcc", "strace", "tar")
	bin := filepath.Join(t.TempDir(), "seccomp-gen")
	build := exec.Command("go", "build", "-o", bin, "../cmd/seccomp-gen")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	log := io.Writer(io.Discard)
	if testing.Verbose() {
		log = os.Stderr
	}
	// The binary is its own baseline: the comparison table is exercised.
	report, err := run(options{short: true, bin: bin, baseline: bin, out: "-"}, log)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| kernel |", "| CPU |",
		"## Targets (issues 5, 11 and 13)",
		"## Recorder program body (BPF run-time statistics)", "| seccomp-gen sys_enter, traced task (getpid; the default", "(fcntl(0, F_GETFD): its cmd recorded)", "| seccomp-gen sys_enter, untraced task |",
		"### Where the start goes", "| program load and verification", "| or, instead of the five steps above: claim a prepared recorder", "Prepared recorders (trace/recorder/record_pool.go)", "| the C constructor's thread: open the 5 pins", "| launch to workload main(), started by the Go side with a prepared recorder", "The same steps in the starts by the Go side", "| launch to workload main(), loading its own recorder (SECCOMP_GEN_POOL=off", "| the programs' ELF read",
		"### Program verification (the kernel's figures)", "| sys_enter |",
		"### Against the baseline", "| /bin/true: encode YAML |",
		"## Per-syscall overhead (getpid loop)", "| bare |", "| seccomp-gen trace (traced process) |",
		"| rest of the machine (untraced, while a trace runs) |",
		"| -baseline seccomp-gen trace (traced process) |", "| -baseline seccomp-gen rest of the machine (untraced) |",
		"| paired difference (run − floor) |", "| paired difference (this − baseline) |", "| traced process, fast blocks |", "| rest of the machine (untraced), fast blocks |", "| rest of the machine (untraced), means |", "The fast blocks' per-round differences, sorted", "| peer: ring-buffer recorder", "| peer: strace -f -c",
		"## Realistic workloads (wall time)", "| gcc -O2", "| tar -cf",
		"## Event loss (8-thread storm, then a marker)", "| seccomp-gen trace |",
		"## Attach time", "| launch to workload main() |", "A Go program that only prints the time", "| end to end: /bin/true |",
		"| floor: launch to workload main() under a minimal eBPF recorder (startfloor) |", "| floor: end to end: /bin/true under a minimal eBPF recorder (startfloor) |", "The floor rows: bench/workloads/startfloor.c",
		"sys_enter with argument recording minus with --no-args, paired per round",
		"## Filter cost", "| generated: getpid loop |", "| Docker default",
		"## Profile size",
		"## Generalization (issue 11)", "| sqlite3 |", "| tar-xz |", "| **total** |",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// Every row about seccomp-gen must carry a number: a recorder or
	// generator that fails shows up here, not as a silently empty table.
	for _, line := range strings.Split(report, "\n") {
		if strings.Contains(line, "NOT MEASURED") || strings.Contains(line, "not measured") {
			t.Errorf("unmeasured: %s", line)
		}
	}
	if t.Failed() {
		t.Logf("report:\n%s", report)
	}
}
