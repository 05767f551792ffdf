package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/trace"
)

// check of several traces names, per missing syscall, the traces that need
// it, and its report does not depend on the order the traces are named in.
func TestCheckNamesTraces(t *testing.T) {
	dir := t.TempDir()
	ls, pipe := genTrace(t, "busybox-ls.yaml"), genTrace(t, "busybox-sh-pipe.yaml")
	lsl := genTrace(t, "busybox-ls-l.yaml")
	prof, stderr, code := sg(t, dir, "generate", "--baseline", "none", ls)
	if code != 0 {
		t.Fatalf("generate: exit %d: %s", code, stderr)
	}
	if err := os.WriteFile(filepath.Join(dir, "ls.json"), []byte(prof), 0o644); err != nil {
		t.Fatal(err)
	}
	var first string
	for i, order := range [][]string{{ls, pipe, lsl}, {lsl, pipe, ls}, {pipe, ls, lsl}} {
		out, stderr, code := sg(t, dir, append([]string{"check", "-p", "ls.json"}, order...)...)
		if code != exitNotCovered {
			t.Fatalf("check %v: exit %d, want %d: %s", order, code, exitNotCovered, stderr)
		}
		if i == 0 {
			first = out
			continue
		}
		if out != first {
			t.Errorf("the report depends on the order of the traces:\n%s\nvs\n%s", first, out)
		}
	}
	if !strings.Contains(first, "TRACES") {
		t.Fatalf("no TRACES column:\n%s", first)
	}
	// pipe2 is the pipe's alone; no line names the ls trace, which the
	// profile was made from.
	for _, line := range strings.Split(first, "\n") {
		if strings.HasPrefix(line, "pipe2 ") && !strings.Contains(line, pipe) {
			t.Errorf("pipe2 line does not name %s: %q", pipe, line)
		}
		if strings.Contains(line, ls) {
			t.Errorf("a line names %s, which the profile covers: %q", ls, line)
		}
	}
	out, stderr, code := sg(t, dir, "check", "-p", "ls.json", "--report", "json", ls, pipe)
	if code != exitNotCovered {
		t.Fatalf("check json: exit %d: %s", code, stderr)
	}
	var v struct {
		Missing []struct {
			Name   string   `json:"name"`
			Traces []string `json:"traces"`
		} `json:"missing"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	for _, m := range v.Missing {
		if len(m.Traces) != 1 || m.Traces[0] != pipe {
			t.Errorf("%s: traces %v, want [%s]", m.Name, m.Traces, pipe)
		}
	}
	if len(v.Missing) == 0 {
		t.Error("nothing missing")
	}
}

// A copy of a trace is the same run: it does not count towards --min-runs
// twice. A file named twice to check is read once. (The trace's start has
// a fraction of a second, as the recorder writes it: without one, a copy
// cannot be told from a replica, TestReplicasStartedInOneSecond.)
func TestDuplicateRunCountedOnce(t *testing.T) {
	dir := t.TempDir()
	lsl := genTrace(t, "busybox-ls-l.yaml")
	data, err := os.ReadFile(genTrace(t, "busybox-ls.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	data = withStart(t, data, "2026-11-23T11:38:27.518204113Z")
	ls := filepath.Join(dir, "ls.yaml")
	if err := os.WriteFile(ls, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// The same run with other line endings is still the same run.
	cp := filepath.Join(dir, "copy.yaml")
	if err := os.WriteFile(cp, []byte(strings.ReplaceAll(string(data), "\n", "\r\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	one, stderr1, code := sg(t, dir, "generate", "--min-runs", "2", "-o", "-", ls, lsl)
	if code != 0 {
		t.Fatalf("generate: exit %d: %s", code, stderr1)
	}
	two, stderr2, code := sg(t, dir, "generate", "--min-runs", "2", "-o", "-", ls, cp, lsl)
	if code != 0 {
		t.Fatalf("generate with a copy: exit %d: %s", code, stderr2)
	}
	if one != two {
		t.Errorf("a copy of a trace counted as another run:\n%s", stderr2)
	}
	if want := "generate: warning: " + cp + " holds the same run as " + ls + "; counted as one run"; !strings.Contains(stderr2, want) {
		t.Errorf("no warning %q:\n%s", want, stderr2)
	}
	prof := filepath.Join(dir, "p.json")
	if err := os.WriteFile(prof, []byte(one), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := sg(t, dir, "check", "-p", prof, "--report", "json", lsl, lsl)
	if code != 0 && code != exitNotCovered {
		t.Fatalf("check: exit %d: %s", code, stderr)
	}
	var v struct {
		Inputs []string `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, lsl+" is named twice; counted once") || len(v.Inputs) != 1 {
		t.Errorf("a trace named twice counted twice: inputs %v\n%s", v.Inputs, stderr)
	}
	// A copy is counted once by check too: the counts are the trace's own.
	// (They were doubled.)
	counts := func(args ...string) (map[string]int, []string, string) { return checkCounts(t, dir, prof, args...) }
	alone, _, _ := counts(ls)
	withCopy, inputs, stderr := counts(ls, cp)
	if !maps.Equal(alone, withCopy) || len(inputs) != 1 {
		t.Errorf("a copy of a trace counted twice by check: inputs %v, counts %v, alone %v", inputs, withCopy, alone)
	}
	if want := "check: warning: " + cp + " holds the same run as " + ls + "; counted once"; !strings.Contains(stderr, want) {
		t.Errorf("no warning %q:\n%s", want, stderr)
	}
}

// runDigest tells runs apart by what the trace says, not by its version
// or the time zone its start is written in; any count or field that
// differs is another run.
func TestRunDigest(t *testing.T) {
	f, err := trace.ReadFile(genTrace(t, "busybox-ls.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d := func(f *trace.File) [32]byte {
		sum, ok := runDigest(f)
		if !ok {
			t.Fatal("no digest")
		}
		return sum
	}
	want := d(f)
	same := *f
	same.Version = trace.Version1
	if f.Version == trace.Version1 {
		same.Version = trace.Version
	}
	same.Started = f.Started.In(time.FixedZone("CET", 3600))
	if d(&same) != want {
		t.Error("the same run in version 1 or another time zone has another digest")
	}
	other := *f
	other.Syscalls = append([]trace.Syscall(nil), f.Syscalls...)
	other.Syscalls[0].Count++
	if d(&other) == want {
		t.Error("a run with another count has the same digest")
	}
	other = *f
	other.Processes++
	if d(&other) == want {
		t.Error("a run with another process count has the same digest")
	}
}

// TestManyTracesWarnBriefly: merging many traces (replicas, nodes), check
// and generate name the first few version 1 traces, copies of one run and
// files named twice, then count the rest, instead of a line per trace.
func TestManyTracesWarnBriefly(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(genTrace(t, "busybox-ls.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for i := 0; i < 40; i++ {
		// 20 runs (start times, with a fraction of a second: copies for
		// sure), each in two files; all version 1.
		name := filepath.Join(dir, fmt.Sprintf("t%02d.yaml", i))
		run := strings.Replace(string(data), "started: ", fmt.Sprintf("started: 2026-11-23T10:%02d:00.5Z\n# was: ", i%20), 1)
		if err := os.WriteFile(name, []byte(run), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, name)
	}
	args = append(args, args[0], args[1], args[2], args[3], args[4])
	prof := filepath.Join(dir, "p.json")
	for _, cmd := range [][]string{{"generate", "-o", prof}, {"check", "-p", prof}} {
		_, stderr, code := sg(t, dir, append(cmd, args...)...)
		if code != 0 && code != exitNotCovered {
			t.Fatalf("%s: exit %d\n%s", cmd[0], code, stderr)
		}
		lines := strings.Count(stderr, cmd[0]+": warning: ")
		for _, want := range []string{
			"warning: and 17 more traces hold the same run as another one; each counted",
			"warning: and 2 more files named again; each counted",
			"warning: and 17 more version 1 traces; re-record them to get version 2 files",
		} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%s: stderr lacks %q", cmd[0], want)
			}
		}
		if lines != 12 {
			t.Errorf("%s: %d warning lines, want 12 (3 of each kind, and a count of the rest):\n%s", cmd[0], lines, stderr)
		}
	}
	// An error about them all names three (it named every one).
	arm := filepath.Join(dir, "arm.json")
	if _, stderr, code := sg(t, dir, "generate", "--arch", "aarch64", "-o", arm, args[0]); code != 0 {
		t.Fatalf("generate --arch aarch64: exit %d\n%s", code, stderr)
	}
	_, stderr, code := sg(t, dir, append([]string{"check", "-p", arm}, args...)...)
	want := fmt.Sprintf("seccomp-gen: check: %s, %s, %s and 17 more traces: no syscall on an ABI the profile covers (traces: x86_64; profile: aarch64)\n", args[0], args[1], args[2])
	if code != exitUsage || !strings.HasSuffix(stderr, want) {
		t.Errorf("check against an aarch64 profile: exit %d\n%s\nwant %q", code, stderr, want)
	}
}

// withStart is a trace's data with its start time replaced by started.
func withStart(t *testing.T, data []byte, started string) []byte {
	t.Helper()
	re := regexp.MustCompile(`(?m)^started: .*$`)
	if !re.Match(data) {
		t.Fatalf("no started: line in\n%s", data)
	}
	return re.ReplaceAll(data, []byte("started: "+started))
}

// Traces written before the recorder kept the start's fraction of a second
// cannot tell a copy from a replica traced in parallel (same second, same
// duration and counts: the same bytes). Two such files are two runs, with
// a warning that says so; one file named twice, or through a link, is
// one. They were one run, so that --min-runs 2 dropped what both replicas
// made and check halved the counts.
func TestReplicasStartedInOneSecond(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(genTrace(t, "busybox-ls.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	data = withStart(t, data, "2026-12-02T17:06:53Z")
	var reps []string
	for _, name := range []string{"r4-a.yaml", "r4-b.yaml", "r4-c.yaml", "r4-d.yaml", "r4-e.yaml"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		reps = append(reps, p)
	}
	a, b := reps[0], reps[1]
	link := filepath.Join(dir, "link.yaml")
	if err := os.Link(a, link); err != nil {
		t.Fatal(err)
	}
	one, stderr, code := sg(t, dir, "generate", "--baseline", "none", "-o", "-", a)
	if code != 0 {
		t.Fatalf("generate: exit %d: %s", code, stderr)
	}
	two, stderr, code := sg(t, dir, "generate", "--baseline", "none", "--min-runs", "2", "-o", "-", a, b, a)
	if code != 0 || two != one {
		t.Errorf("generate --min-runs 2 of two replicas: exit %d, the profile differs from one run's:\n%s", code, stderr)
	}
	for _, want := range []string{
		"generate: warning: " + alikeMsg(b, a) + "\n",
		"generate: warning: " + a + " is named twice; counted as one run\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("generate: no warning %q:\n%s", want, stderr)
		}
	}
	prof := filepath.Join(dir, "p.json")
	if err := os.WriteFile(prof, []byte(one), 0o644); err != nil {
		t.Fatal(err)
	}
	counts := func(args ...string) (map[string]int, []string, string) { return checkCounts(t, dir, prof, args...) }
	alone, _, _ := counts(a)
	both, inputs, stderr := counts(a, b)
	twice := map[string]int{}
	for name, n := range alone {
		twice[name] = 2 * n
	}
	if !maps.Equal(both, twice) {
		t.Errorf("check of two replicas: inputs %v, counts %v, want twice one's: %v", inputs, both, twice)
	}
	if want := "check: warning: " + alikeMsg(b, a) + "\n"; len(inputs) != 2 || !strings.Contains(stderr, want) {
		t.Errorf("check: inputs %v, no warning %q:\n%s", inputs, want, stderr)
	}
	// The same file through a link is one run.
	linked, inputs, stderr := counts(a, link)
	if !maps.Equal(linked, alone) || len(inputs) != 1 || !strings.Contains(stderr, link+" is the same file as "+a+"; counted once") {
		t.Errorf("check of a file and a link to it: inputs %v, counts %v, alone %v\n%s", inputs, linked, alone, stderr)
	}
	// Many: three by name, then a count.
	_, inputs, stderr = counts(reps...)
	if want := "check: warning: and 1 more " + alikeOne + "; " + alikeWhat + "\n"; len(inputs) != 5 || strings.Count(stderr, "whose start is to the second only") != 4 || !strings.Contains(stderr, want) {
		t.Errorf("check of five replicas: inputs %v, want 5 and 3 warnings by name, then %q:\n%s", inputs, want, stderr)
	}
}

// checkCounts runs check -p prof --report json on the traces args and
// returns the count per syscall name, the report's inputs and stderr.
func checkCounts(t *testing.T, dir, prof string, args ...string) (map[string]int, []string, string) {
	t.Helper()
	out, stderr, code := sg(t, dir, append([]string{"check", "-p", prof, "--report", "json"}, args...)...)
	if code != 0 && code != exitNotCovered {
		t.Fatalf("check %v: exit %d: %s", args, code, stderr)
	}
	var v struct {
		Inputs   []string `json:"inputs"`
		Syscalls []struct {
			Name  string `json:"name"`
			Count int    `json:"count"`
		} `json:"syscalls"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	m := map[string]int{}
	for _, s := range v.Syscalls {
		m[s.Name] += s.Count
	}
	return m, v.Inputs, stderr
}
