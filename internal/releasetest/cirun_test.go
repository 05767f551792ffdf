package releasetest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// ciRun copies .ci/run into a temporary tree (it works in its own
// directory's parent) next to a fake make that logs its targets, sleeps on
// the target named by FAKE_MAKE_SLEEP and fails on FAKE_MAKE_FAIL, and
// returns the command (in a process group of its own) and the log's path.
func ciRun(t *testing.T, env ...string) (*exec.Cmd, string) {
	t.Helper()
	testutil.RequireTool(t, "bash")
	script, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, d := range []string{".ci", "bin"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, ".ci", "run"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(root, "make.log")
	fake := `#!/bin/bash
echo "$1" >> "$FAKE_MAKE_LOG"
if [ "$1" = "$FAKE_MAKE_SLEEP" ]; then exec sleep 60; fi
if [ "$1" = "$FAKE_MAKE_FAIL" ]; then exit 2; fi
exit 0
`
	if err := os.WriteFile(filepath.Join(root, "bin", "make"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", filepath.Join(root, ".ci", "run"))
	cmd.Env = append([]string{"PATH=" + filepath.Join(root, "bin") + ":/usr/bin:/bin", "FAKE_MAKE_LOG=" + log, "CI=true"}, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd, log
}

// TestCIRunSaysPassedOnlyAtTheEnd: .ci/run prints "passed" after its last
// step only; a failed step is named, and a run killed or interrupted with
// the step it runs (a CI timeout, Ctrl-C: the signal reaches the whole
// process group) says so and exits 143 or 130. Its EXIT trap used to
// print "passed" for those.
func TestCIRunSaysPassedOnlyAtTheEnd(t *testing.T) {
	steps := "deps lint check-generate release man test check-profiles demo"

	cmd, log := ciRun(t)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("all steps pass: %v\n%s", err, out.String())
	}
	if got := logged(t, log); got != steps {
		t.Errorf("steps run: %q, want %q", got, steps)
	}
	if last := lastLine(out.String()); !strings.HasPrefix(last, ".ci/run: passed in ") {
		t.Errorf("last line %q, want .ci/run: passed in ...", last)
	}

	cmd, log = ciRun(t, "FAKE_MAKE_FAIL=check-generate")
	out.Reset()
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err == nil || strings.Contains(out.String(), "passed") || !strings.Contains(out.String(), ".ci/run: FAILED at: make check-generate") {
		t.Errorf("a failed step: %v\n%s", err, out.String())
	}
	if got := logged(t, log); got != "deps lint check-generate" {
		t.Errorf("steps run after a failure: %q", got)
	}

	for _, c := range []struct {
		sig    syscall.Signal
		status int
		says   string
	}{
		{syscall.SIGTERM, 143, ".ci/run: terminated (SIGTERM)"},
		{syscall.SIGINT, 130, ".ci/run: interrupted (SIGINT)"},
	} {
		cmd, log := ciRun(t, "FAKE_MAKE_SLEEP=test")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for !strings.HasSuffix(logged(t, log), " test") {
			if time.Now().After(deadline) {
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				t.Fatalf("the fake make test never started: %q", logged(t, log))
			}
			time.Sleep(10 * time.Millisecond)
		}
		// Like a CI timeout or Ctrl-C: the script and its step at once.
		if err := syscall.Kill(-cmd.Process.Pid, c.sig); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		status := cmd.ProcessState.ExitCode()
		if err == nil || status != c.status || strings.Contains(out.String(), "passed") || !strings.Contains(out.String(), c.says) {
			t.Errorf("%v during make test: exit %d (%v), want %d and %q, no \"passed\":\n%s", c.sig, status, err, c.status, c.says, out.String())
		}
	}
}

// logged is the fake make's targets so far, space-separated.
func logged(t *testing.T, log string) string {
	t.Helper()
	data, err := os.ReadFile(log)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(data)), " ")
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
