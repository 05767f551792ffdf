//go:build cgo && linux

package startstate

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

const (
	childEnv  = "STARTSTATE_TEST_CHILD"
	closedEnv = "STARTSTATE_TEST_CLOSED"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		lim, ok := Nofile()
		fmt.Printf("%x %d %v\n", Ignored(), lim.Cur, ok)
		os.Exit(0)
	}
	if os.Getenv(closedEnv) == "1" {
		fmt.Fprintln(os.Stderr, Closed(0), Closed(1), Closed(2))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// inherited are the signals this test was started with ignored that its
// children inherit ignored too: SIGHUP and SIGINT (under nohup, in a
// background job), for which the Go runtime installs no handler of its own.
func inherited() uint64 {
	return Ignored() & (uint64(1)<<(syscall.SIGHUP-1) | uint64(1)<<(syscall.SIGINT-1))
}

// The constructor sees what the process was started with, before the Go
// runtime installs its handlers and raises the limit.
func TestRecorded(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Max < 64 {
		t.Skipf("hard RLIMIT_NOFILE %d is too low to lower", lim.Max)
	}
	soft := lim.Max / 2
	cmd := exec.Command("sh", "-c", fmt.Sprintf(`trap '' USR1 PIPE; ulimit -Sn %d && exec "$0"`, soft), os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%x %d true", uint64(1)<<(syscall.SIGUSR1-1)|uint64(1)<<(syscall.SIGPIPE-1)|inherited(), soft)
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("recorded %q, want %q (ignored mask, soft RLIMIT_NOFILE, ok)", got, want)
	}
}

// Reignore makes execve keep the signals ignored (os/exec's fork would not:
// it resets every signal the Go runtime handles, so the stubs execve
// directly).
func TestReignore(t *testing.T) {
	if os.Getenv("STARTSTATE_TEST_REIGNORE") == "" {
		c := exec.Command(os.Args[0], "-test.run=^TestReignore$")
		c.Env = append(os.Environ(), "STARTSTATE_TEST_REIGNORE=1")
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if want := fmt.Sprintf("%x ", uint64(1)<<(syscall.SIGUSR2-1)|inherited()); !strings.HasPrefix(string(out), want) {
			t.Errorf("SIGUSR2 not ignored after Reignore and execve:\n%s", out)
		}
		return
	}
	if err := Reignore(1 << (syscall.SIGUSR2 - 1)); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), childEnv+"=1")
	t.Fatal(syscall.Exec(os.Args[0], []string{os.Args[0]}, env))
}

// Closed tells a closed descriptor from one the Go runtime filled with
// /dev/null, and from one the shell redirected.
func TestClosed(t *testing.T) {
	for _, tc := range []struct{ redirect, want string }{
		{"", "false false false"},
		{"<&- >&-", "true true false"},
		{">&-", "false true false"},
		{"<&- >&2", "true false false"},
	} {
		cmd := exec.Command("sh", "-c", `exec "$0" `+tc.redirect, os.Args[0])
		cmd.Env = append(os.Environ(), closedEnv+"=1")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v\n%s", tc.redirect, err, stderr.String())
		}
		if got := strings.TrimSpace(stderr.String()); got != tc.want {
			t.Errorf("started with %q: Closed(0), Closed(1), Closed(2) = %s, want %s", tc.redirect, got, tc.want)
		}
	}
}
