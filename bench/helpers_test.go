package main

import (
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

func TestSummarize(t *testing.T) {
	if s := summarize([]float64{5, 1, 3}); s.min != 1 || s.med != 3 {
		t.Fatalf("odd: %+v", s)
	}
	if s := summarize([]float64{4, 1, 2, 3}); s.min != 1 || s.med != 2.5 {
		t.Fatalf("even: %+v", s)
	}
	if s := summarize(nil); s != (stats{}) {
		t.Fatalf("empty: %+v", s)
	}
}

func TestPaired(t *testing.T) {
	// Mean 2, sample variance ((−1)² + 0 + 1²)/2 = 1, standard error 1/√3.
	p := paired([]float64{1, 3, 2})
	if p.med != 2 || p.mean != 2 || math.Abs(p.se-1/math.Sqrt(3)) > 1e-12 {
		t.Fatalf("%+v", p)
	}
	if p := paired([]float64{-1.5}); p.med != -1.5 || p.mean != -1.5 || p.se != 0 {
		t.Fatalf("one: %+v", p)
	}
}

func TestField(t *testing.T) {
	out := "start_ns=1795433243304693823\ncalls=3000000 ns_per_call=100.17\n"
	if v, err := field(out, "ns_per_call"); err != nil || v != 100.17 {
		t.Fatalf("ns_per_call = %v, %v", v, err)
	}
	if v, err := field(out, "calls"); err != nil || v != 3e6 {
		t.Fatalf("calls = %v, %v", v, err)
	}
	if _, err := field(out, "missing"); err == nil {
		t.Fatal("missing key accepted")
	}
}

func TestBusy(t *testing.T) {
	if busy("0.10 0.20 0.30") {
		t.Fatal("idle machine called busy")
	}
	if !busy("0.10 0.20 0.30", "64.0 1 1") {
		t.Fatal("load 64 not busy")
	}
	if busy("?", "") {
		t.Fatal("unreadable load called busy")
	}
}

func TestSpliceSection(t *testing.T) {
	old := "# B\n\n## A\n\na\n\n## Generalization (issue 11)\n\nold\n\n## C\n\nc\n"
	rep := "# B\n\n## Targets\n\nx\n\n## Generalization (issue 11)\n\nnew\n"
	got := spliceSection(old, rep, "Generalization (issue 11)")
	want := "# B\n\n## A\n\na\n\n## Generalization (issue 11)\n\nnew\n\n## C\n\nc\n"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	got = spliceSection("# B\n\n## A\n\na\n", rep, "Generalization (issue 11)")
	if want := "# B\n\n## A\n\na\n\n## Generalization (issue 11)\n\nnew\n"; got != want {
		t.Errorf("append: got %q\nwant %q", got, want)
	}
}

// A program's runs keep their temporary files in its own directory: a
// profile that denies unlink makes gcc leave its temporary files behind,
// and those must not land in the machine's /tmp.
func TestRunsTempDirIsPrivate(t *testing.T) {
	base := t.TempDir()
	p := genProgram{Name: "tmpcheck"}
	e, err := prepare(base, p, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
	res := e.run(nil, genRun{Run: `f=$(mktemp) && echo "$f" > "$IN/made"`}, nil)
	if !res.ok {
		t.Fatalf("run: %s", res.why)
	}
	made, err := os.ReadFile(filepath.Join(e.in, "made"))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.TrimSpace(string(made))
	if filepath.Dir(f) != filepath.Join(e.dir, "tmp") {
		t.Fatalf("the run's mktemp made %s, not a file in %s", f, filepath.Join(e.dir, "tmp"))
	}
}

func TestLoopTimeOf(t *testing.T) {
	lt, err := loopTimeOf("calls=3000000 ns_per_call=150.25 block_p10=139.50 blocks=300\n")
	if err != nil || lt.mean != 150.25 || lt.p10 != 139.5 {
		t.Fatalf("loopTimeOf = %+v, %v", lt, err)
	}
	// A workload built before the blocks, or a loop shorter than one
	// block: no fast blocks to compare, an error rather than a zero.
	if _, err := loopTimeOf("calls=5000 ns_per_call=199.24\n"); err == nil {
		t.Fatal("output without block_p10 accepted")
	}
}

// TestGetpidBlocks runs the getpid workload as the bench builds it: its
// loop is timed in blocks of 10000 calls, a partial block is left out, and
// a loop shorter than one block has no fast blocks.
func TestGetpidBlocks(t *testing.T) {
	testutil.RequireTool(t, "gcc")
	bin := filepath.Join(t.TempDir(), "getpid")
	if out, err := exec.Command("gcc", "-O2", "-static", "-Wall", "-o", bin, "workloads/getpid.c").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	for _, c := range []struct {
		calls  string
		blocks float64
	}{{"105000", 10}, {"20000", 2}, {"9999", 0}} {
		out, err := exec.Command(bin, c.calls).Output()
		if err != nil {
			t.Fatalf("getpid %s: %v", c.calls, err)
		}
		got, _ := field(string(out), "blocks")
		if got != c.blocks {
			t.Errorf("getpid %s: blocks=%v, want %v (output %q)", c.calls, got, c.blocks, out)
		}
		lt, err := loopTimeOf(string(out))
		if c.blocks == 0 {
			if err == nil {
				t.Errorf("getpid %s: a loop shorter than a block printed fast blocks: %q", c.calls, out)
			}
			continue
		}
		if err != nil || lt.p10 <= 0 || lt.mean <= 0 {
			t.Errorf("getpid %s: %+v, %v (output %q)", c.calls, lt, err, out)
		}
	}
}

// TestSolveLessFloor: two windows whose floors differ (one in a slow
// spell) give the bodies exactly once each window's own floor is taken off.
func TestSolveLessFloor(t *testing.T) {
	const tracedBody, untracedBody = 10.0, 3.0
	mk := func(n, a uint64, floor float64) window {
		ns := float64(a)*(floor+tracedBody) + float64(n-a)*(floor+untracedBody)
		return window{prog: progSample{runtime: time.Duration(ns), count: n}, traced: a, floor: floor}
	}
	tw, uw := mk(1_000_000, 900_000, 50), mk(1_000_000, 10_000, 80)
	x, u, err := solve(tw.lessFloor(), uw.lessFloor())
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(x-tracedBody) > 1e-6 || math.Abs(u-untracedBody) > 1e-6 {
		t.Fatalf("bodies %v, %v; want %v, %v", x, u, tracedBody, untracedBody)
	}
	// Without the windows' own floors, the spell leaks into the bodies.
	rx, ru, err := solve(tw, uw)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs((rx-65)-tracedBody) < 1 && math.Abs((ru-65)-untracedBody) < 1 {
		t.Fatalf("raw solve minus a common floor gave the bodies (%v, %v): the test's spell does nothing", rx-65, ru-65)
	}
}
