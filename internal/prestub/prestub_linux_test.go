//go:build linux && cgo

package prestub

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/internal/startstate"
)

// The tests run this test binary as a tracer would be run (argv[1]
// "trace", a "--"): its constructor forks, and TestMain plays the tracer's
// part as modeEnv says.
const modeEnv = "PRESTUB_TEST_MODE"

func TestMain(m *testing.M) {
	if mode := os.Getenv(modeEnv); mode != "" {
		os.Exit(helper(mode))
	}
	os.Exit(m.Run())
}

// helper is the tracer's part: os.Args is [test binary, "trace", ...,
// "--", COMMAND...].
func helper(mode string) int {
	var command []string
	for i, a := range os.Args {
		if a == "--" {
			command = os.Args[i+1:]
			break
		}
	}
	c := Take()
	switch mode {
	case "none":
		fmt.Println("child:", c != nil, "closed0:", startstate.Closed(0))
		if c != nil {
			c.Release()
		}
		return 0
	case "release":
		if c == nil {
			fmt.Println("no child")
			return 1
		}
		pid := c.Process.Pid
		c.Release()
		// Reaped: the PID is free again (or reused, not by our child).
		fmt.Println("after release:", syscall.Kill(pid, 0))
		return 0
	}
	if c == nil {
		fmt.Println("no child")
		return 1
	}
	if Take() != nil {
		fmt.Println("taken twice")
		return 1
	}
	gateR, gateW, _ := os.Pipe()
	readyR, readyW, _ := os.Pipe()
	files := []*os.File{os.Stdin, os.Stdout, os.Stderr}
	if p := os.Getenv("PRESTUB_TEST_EXTRA"); p != "" {
		f, err := os.Open(p)
		if err != nil {
			fmt.Println(err)
			return 1
		}
		files = append(files, f)
	}
	spec := Spec{
		Path:  command[0],
		Argv:  command,
		Env:   []string{"A=1", "B=2", "A=3", "PATH=/usr/bin:/bin"},
		Dir:   os.Getenv("PRESTUB_TEST_DIR"),
		Files: append(files, gateR, readyW),
	}
	if err := c.Start(spec); err != nil {
		var pe *os.PathError
		fmt.Println("start:", err, errors.As(err, &pe))
		return 3
	}
	gateR.Close()
	readyW.Close()
	var b [1]byte
	if n, _ := readyR.Read(b[:]); n != 1 {
		fmt.Println("no ready byte")
		return 1
	}
	if mode == "gone" {
		// The tracer dies before it opens the gate.
		return 0
	}
	gateW.Write([]byte{1})
	gateW.Close()
	st, err := c.Process.Wait()
	if err != nil {
		fmt.Println(err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "tracer %d exit %d\n", os.Getpid(), st.ExitCode())
	return 0
}

// run runs this binary as `trace -- command` in mode, with env added.
func run(t *testing.T, mode string, env []string, prefix []string, command ...string) (stdout, stderr string, code int) {
	t.Helper()
	argv := append(append(append([]string(nil), prefix...), os.Args[0], "trace", "-o", "x.yaml", "--"), command...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(append(os.Environ(), modeEnv+"="+mode), env...)
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return o.String(), e.String(), cmd.ProcessState.ExitCode()
}

func TestRunsCommand(t *testing.T) {
	dir := t.TempDir()
	extra := filepath.Join(dir, "extra")
	if err := os.WriteFile(extra, []byte("from fd 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `echo "$A $B"; pwd; cat <&3; echo "ppid $PPID"`
	out, errOut, code := run(t, "run", []string{"PRESTUB_TEST_EXTRA=" + extra, "PRESTUB_TEST_DIR=" + dir}, nil, "/bin/sh", "-c", script)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var tracer, status int
	if _, err := fmt.Sscanf(errOut, "tracer %d exit %d", &tracer, &status); err != nil {
		t.Fatalf("stderr %q: %v", errOut, err)
	}
	// The environment as os/exec gives it (the last A), the directory,
	// the extra descriptor at 3, and the tracer as the parent.
	want := fmt.Sprintf("3 2\n%s\nfrom fd 3\nppid %d\n", dir, tracer)
	if out != want {
		t.Errorf("the command printed\n%q, want\n%q", out, want)
	}
}

// The command has the descriptors it was given and no other: not the
// gate (closed before the execve), not ready (close-on-exec), not the
// control socket.
func TestOnlyItsDescriptors(t *testing.T) {
	dir := t.TempDir()
	extra := filepath.Join(dir, "extra")
	os.WriteFile(extra, nil, 0o644)
	out, errOut, code := run(t, "run", []string{"PRESTUB_TEST_EXTRA=" + extra}, nil, "/bin/ls", "/proc/self/fd")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	// ls opens the directory itself: 4, the lowest free. Descriptors this
	// test inherited without close-on-exec reach every process it starts,
	// as through os/exec.
	want := map[string]bool{"0": true, "1": true, "2": true, "3": true, "4": true}
	for _, fd := range inheritedFDs(t) {
		want[fmt.Sprint(fd)] = true
	}
	got := map[string]bool{}
	for _, fd := range strings.Fields(out) {
		got[fd] = true
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the command's descriptors: %v, want %v (0 1 2 3, ls's 4 and those inherited)", got, want)
	}
}

// inheritedFDs are this process's descriptors above 2 without
// close-on-exec.
func inheritedFDs(t *testing.T) []int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	var fds []int
	for _, e := range ents {
		var fd int
		fmt.Sscan(e.Name(), &fd)
		if fd <= 2 {
			continue
		}
		if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil && flags&unix.FD_CLOEXEC == 0 {
			fds = append(fds, fd)
		}
	}
	return fds
}

// Signals ignored when the tracer started stay ignored in the command.
func TestIgnoredSignals(t *testing.T) {
	out, errOut, code := run(t, "run", nil, []string{"/bin/sh", "-c", `trap "" USR1; exec "$@"`, "sh"}, "/bin/grep", "^SigIgn", "/proc/self/status")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var ign uint64
	if _, err := fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(out, "SigIgn:")), "%x", &ign); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	if ign&(1<<(syscall.SIGUSR1-1)) == 0 {
		t.Errorf("SIGUSR1 not ignored in the command: SigIgn %x", ign)
	}
}

func TestBadDir(t *testing.T) {
	out, _, code := run(t, "run", []string{"PRESTUB_TEST_DIR=/nonexistent-prestub-dir"}, nil, "/bin/true")
	if code != 3 || !strings.Contains(out, "chdir /nonexistent-prestub-dir: no such file or directory true") {
		t.Errorf("exit %d, %q: want the chdir error as an *os.PathError", code, out)
	}
}

// The tracer dies at the gate: the command never runs, and the child says
// why and exits 125.
func TestTracerGone(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	// The child holds stderr until it exits: Run returns after it.
	_, errOut, code := run(t, "gone", nil, nil, "/usr/bin/touch", marker)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the command ran although the tracer never opened the gate")
	}
	if !strings.Contains(errOut, "the tracer went away before tracing started; not running /usr/bin/touch") {
		t.Errorf("stderr %q", errOut)
	}
}

func TestRelease(t *testing.T) {
	out, errOut, code := run(t, "release", nil, nil, "/bin/true")
	if code != 0 || out != "after release: no such process\n" {
		t.Errorf("exit %d, %q %q: want the child gone and reaped", code, out, errOut)
	}
}

// No child for other command lines, with SECCOMP_GEN_PRESTUB=off, and a
// closed stdin stays closed for the Go side (internal/startstate).
func TestWhenForked(t *testing.T) {
	for _, c := range []struct {
		name   string
		env    []string
		prefix []string
		args   []string
		want   string
	}{
		{"trace", nil, nil, []string{"trace", "--", "x"}, "child: true closed0: false\n"},
		{"replay", nil, nil, []string{"replay", "-p", "p", "--", "x"}, "child: true closed0: false\n"},
		{"no command", nil, nil, []string{"trace", "--pid", "1"}, "child: false closed0: false\n"},
		{"nothing after --", nil, nil, []string{"trace", "-o", "--"}, "child: false closed0: false\n"},
		{"generate", nil, nil, []string{"generate", "--", "x"}, "child: false closed0: false\n"},
		{"off", []string{Env + "=off"}, nil, []string{"trace", "--", "x"}, "child: false closed0: false\n"},
		{"stdin closed", nil, []string{"/bin/sh", "-c", `exec "$@" <&-`, "sh"}, []string{"trace", "--", "x"}, "child: true closed0: true\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			argv := append(append(append([]string(nil), c.prefix...), os.Args[0]), c.args...)
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Env = append(append(os.Environ(), modeEnv+"=none"), c.env...)
			out, err := cmd.CombinedOutput()
			if err != nil || string(out) != c.want {
				t.Errorf("%v: %q, want %q", err, out, c.want)
			}
		})
	}
}

func TestDedupEnv(t *testing.T) {
	got := dedupEnv([]string{"A=1", "B=2", "", "junk", "A=3", "=C:=x", "=C:=y", "B=4"})
	want := []string{"junk", "A=3", "=C:=y", "B=4"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("dedupEnv: %q, want %q", got, want)
	}
}
