package recorder

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/bpf"
	"github.com/seccomp-gen/seccomp-gen/internal/reexec"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// TestMain registers the stub, as seccomp-gen's main does: Record
// re-executes this test binary as its stub.
//
// SECCOMP_GEN_TEST_KERNEL_IDS=none runs every test with sys_enter reading
// task->bpf_storage from the trusted task pointer (as on a kernel without
// bpf_rdonly_cast), =refused with kernel IDs the kernel refuses (the
// fallback after a failed load); unset, through bpf_rdonly_cast.
func TestMain(m *testing.M) {
	reexec.Register(StubName, Stub)
	reexec.Register(PrepareName, Prepare)
	if status, ok := reexec.Init(); ok {
		os.Exit(status)
	}
	// Prepared recorders (record_pool.go) go to a pool of this run's own.
	if os.Getenv(argMaskDirEnv) == "" {
		done, err := testutil.PrivatePool()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		status := mainRun(m)
		done()
		os.Exit(status)
	}
	os.Exit(mainRun(m))
}

func mainRun(m *testing.M) int {
	// The argument mask cache (record_argmask.go) is kept out of
	// /run/seccomp-gen: the test binary is an executable of its own. A
	// helper process (TestHelperTracer, killed by its test) uses its
	// parent's.
	if d := os.Getenv(argMaskDirEnv); d != "" {
		argMaskDir = d
		return run(m)
	}
	dir, err := os.MkdirTemp("", "seccomp-gen-test-argmask")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	argMaskDir = filepath.Join(dir, "cache")
	os.Setenv(argMaskDirEnv, argMaskDir)
	status := run(m)
	os.RemoveAll(dir)
	return status
}

// argMaskDirEnv passes argMaskDir to helper processes.
const argMaskDirEnv = "SECCOMP_GEN_TEST_ARGMASK_DIR"

func run(m *testing.M) int {
	switch v := os.Getenv("SECCOMP_GEN_TEST_KERNEL_IDS"); v {
	case "":
	case "none":
		kernelIDsHook = func(bpf.KernelIDs) bpf.KernelIDs { return bpf.KernelIDs{} }
	case "refused":
		kernelIDsHook = func(ids bpf.KernelIDs) bpf.KernelIDs {
			return bpf.KernelIDs{RdonlyCast: ids.TaskStruct, TaskStruct: ids.TaskStruct}
		}
		// The refusal is noted in the cache (noteKfuncRefused): keep it
		// out of /run/seccomp-gen.
		dir, err := os.MkdirTemp("", "seccomp-gen-test-cache")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		btfCacheDir = filepath.Join(dir, "cache")
		status := m.Run()
		os.RemoveAll(dir)
		return status
	default:
		fmt.Fprintf(os.Stderr, "SECCOMP_GEN_TEST_KERNEL_IDS=%q: want none or refused\n", v)
		return 2
	}
	return m.Run()
}

// The stub as Record starts it (re-executed through internal/reexec, the
// gate and ready fds after ExtraFiles) exits 125 without running the
// command when the tracer closes the gate without a byte, as a tracer that
// is SIGKILLed before arming does; and it says it was ready first.
func TestStubReexecTracerGone(t *testing.T) {
	gateR, gateW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer readyR.Close()
	marker := filepath.Join(t.TempDir(), "ran")
	touch, err := exec.LookPath("touch")
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd := reexec.Command(StubName, strconv.Itoa(3)+","+strconv.Itoa(4), touch, "touch", marker)
	cmd.ExtraFiles = []*os.File{gateR, readyW}
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	gateR.Close()
	readyW.Close()
	var b [1]byte
	if n, _ := readyR.Read(b[:]); n != 1 {
		t.Errorf("the stub did not say it was ready")
	}
	gateW.Close() // the tracer died
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 125 {
		t.Errorf("stub: %v, want exit status 125; stderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "not running touch") {
		t.Errorf("stub stderr %q does not say it did not run the command", stderr.String())
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("the stub ran the command without a tracer")
	}
}

// With the gate opened, the stub execs the command with its own argv and
// the environment it was given, and nothing of the stub's.
func TestStubReexecRuns(t *testing.T) {
	gateR, gateW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer readyR.Close()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	var stdout strings.Builder
	cmd := reexec.Command(StubName, "3,4", sh, "sh", "-c", `echo "$0 $1 $STUB_TEST_VAR"; env | grep -c SECCOMP_GEN || true`, "zero", "arg1")
	cmd.Env = []string{"STUB_TEST_VAR=v", "PATH=" + os.Getenv("PATH")}
	cmd.ExtraFiles = []*os.File{gateR, readyW}
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	gateR.Close()
	readyW.Close()
	var b [1]byte
	if n, _ := readyR.Read(b[:]); n != 1 {
		t.Fatal("the stub did not say it was ready")
	}
	if _, err := gateW.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
	gateW.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("stub: %v", err)
	}
	if got, want := stdout.String(), "zero arg1 v\n0\n"; got != want {
		t.Errorf("command printed %q, want %q", got, want)
	}
}

// The Go stub ignores the signals of its third field (hex: those
// seccomp-gen was started with ignored, internal/startstate) and sets the
// mask of its fourth before its execve, as the C stub of cmd/seccomp-gen
// does.
func TestStubReexecIgnoresSignals(t *testing.T) {
	gateR, gateW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer readyR.Close()
	var stdout, stderr strings.Builder
	cmd := reexec.Command(StubName, "3,4,1200,4002", "/bin/grep", "grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status")
	cmd.ExtraFiles = []*os.File{gateR, readyW}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	gateR.Close()
	readyW.Close()
	var b [1]byte
	_, _ = readyR.Read(b[:])
	_, _ = gateW.Write([]byte{1})
	gateW.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	// Ignored signals this test inherited stay ignored too.
	if want := fmt.Sprintf("SigBlk:\t0000000000004002\nSigIgn:\t%016x\n", 0x1200|testutil.IgnoredSignals(t)); stdout.String() != want {
		t.Errorf("the command's %q, want %q: SIGUSR1 and SIGPIPE ignored, SIGINT and SIGTERM blocked", stdout.String(), want)
	}
}
