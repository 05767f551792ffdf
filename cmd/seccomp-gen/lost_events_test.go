package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// prober calls 100 numbers that are no syscall on any kernel: more than the
// recorder keeps (recorder.MaxProbes), so the run loses events for real.
const prober = `#include <unistd.h>
#include <sys/syscall.h>
int main(void) { for (long i = 0; i < 100; i++) syscall(5000 + i); return 0; }
`

// TestLostEventsFailReplay: a run whose recorder lost events is not a pass
// (exit 1, naming the count and --allow-incomplete), even under a profile
// whose default allows every call; --allow-incomplete gives the verdict
// (exit 0). The loss is real (more distinct numbers beyond the syscall
// tables than the recorder keeps), not simulated. trace says one line each
// of the first numbers and sums up the rest.
func TestLostEventsFailReplay(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	bin := cc(t, dir, "prober", prober, "-static")
	prof := filepath.Join(dir, "p.json")
	if err := os.WriteFile(prof, []byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["acct"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	lost := fmt.Sprintf("recorder lost %d events", 100-recorder.MaxProbes)

	_, stderr, code := sg(t, dir, "replay", "-p", prof, "--", bin)
	if code != exitFailure || !strings.Contains(stderr, "replay: incomplete, the "+lost) || !strings.Contains(stderr, "--allow-incomplete") {
		t.Errorf("replay: exit %d, want %d and %q:\n%s", code, exitFailure, lost, stderr)
	}
	stdout, stderr, code := sg(t, dir, "replay", "--allow-incomplete", "-p", prof, "--", bin)
	if code != 0 || !strings.Contains(stdout, "note: the "+lost) {
		t.Errorf("replay --allow-incomplete: exit %d, want 0 and a note %q:\n%s\n%s", code, lost, stdout, stderr)
	}

	out := filepath.Join(dir, "t.yaml")
	_, stderr, code = sg(t, dir, "trace", "-o", out, "--", bin)
	if code != 0 {
		t.Fatalf("trace: exit %d\n%s", code, stderr)
	}
	f, err := trace.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if f.Lost != uint64(100-recorder.MaxProbes) {
		t.Errorf("lost %d, want %d", f.Lost, 100-recorder.MaxProbes)
	}
	if n := strings.Count(stderr, "is no syscall"); n != maxNumberLines {
		t.Errorf("%d lines name a number, want %d:\n%s", n, maxNumberLines, stderr)
	}
	more := recorder.MaxProbes - maxNumberLines
	want := fmt.Sprintf("and %d more syscall numbers that are no syscall (x86_64 %d-%d: %d calls); recorded by number", more, 5000+maxNumberLines, 5000+recorder.MaxProbes-1, more)
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
}

// numberRanges sorts by ABI and number and joins consecutive numbers;
// warnByNumber lists the first maxNumberLines and sums up the rest.
func TestWarnByNumber(t *testing.T) {
	list := []trace.Syscall{
		{Arch: "x86_64", Nr: 5002, Count: 1, First: "a"}, {Arch: "x86", Nr: 7000, Count: 2, First: "b"},
		{Arch: "x86_64", Nr: 5000, Count: 3, First: "c"}, {Arch: "x86_64", Nr: 5001, Count: 1, First: "d"},
		{Arch: "x86_64", Nr: 6000, Count: 1, First: "e"}, {Arch: "x86", Nr: 7001, Count: 4, First: "f"},
	}
	if got, want := numberRanges(list), "x86 7000-7001; x86_64 5000-5002, 6000"; got != want {
		t.Errorf("numberRanges = %q, want %q", got, want)
	}
	var b strings.Builder
	warnByNumber(&b, list, func(s trace.Syscall) string { return fmt.Sprintf("%s %d", s.Arch, s.Nr) }, "odd")
	want := "seccomp-gen: x86_64 5002; recorded by number (1 call, first by a)\n" +
		"seccomp-gen: x86 7000; recorded by number (2 calls, first by b)\n" +
		"seccomp-gen: x86_64 5000; recorded by number (3 calls, first by c)\n" +
		"seccomp-gen: and 3 more syscall numbers odd (x86 7001; x86_64 5001, 6000: 6 calls); recorded by number (the trace lists each)\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	warnByNumber(&b, list[:maxNumberLines], func(s trace.Syscall) string { return "n" }, "odd")
	if strings.Contains(b.String(), "more") || strings.Count(b.String(), "\n") != maxNumberLines {
		t.Errorf("%d numbers: got\n%s", maxNumberLines, b.String())
	}
}
