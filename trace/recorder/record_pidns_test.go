package recorder

import (
	"context"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// When the programs cannot see the command's execve (here: told that the
// tracer's PID namespace is one the stub is not in, a namespace unshare
// made), Record says so, an error of the machine, rather than returning
// with the command's exit status and nothing counted, which the trace
// command passed on as a silent exit 0 without a trace.
func TestRecordExecUnseen(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "unshare", "sleep")
	other := exec.Command("unshare", "--pid", "--fork", "sleep", "60")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Process.Kill(); _ = other.Wait() })
	name := "/proc/" + strconv.Itoa(other.Process.Pid) + "/ns/pid_for_children"
	deadline := time.Now().Add(10 * time.Second)
	for {
		var st unix.Stat_t
		if err := unix.Stat(name, &st); err == nil && st.Ino != initPIDNamespace {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no PID namespace of its own after 10 s", name)
		}
		time.Sleep(10 * time.Millisecond)
	}
	pidNamespaceHook = name
	t.Cleanup(func() { pidNamespaceHook = "" })

	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	rec, err := Record(ctx, Options{Command: []string{"sh", "-c", "exit 0"}, Namer: scmp.Tables{}})
	if !errors.Is(err, ErrExecUnseen) {
		t.Fatalf("Record with the command's exec unseen: %v, recording %+v; want ErrExecUnseen", err, rec)
	}
	if !strings.Contains(err.Error(), "sh ran and exited with status 0") {
		t.Errorf("error %q does not say the command ran and how it exited", err)
	}
	// The stub's own failures are still said as before.
	_, err = Record(ctx, Options{Command: []string{"/dev/null"}, Namer: scmp.Tables{}})
	var ce *CommandError
	if !errors.As(err, &ce) || errors.Is(err, ErrExecUnseen) {
		t.Errorf("Record of /dev/null (not executable): %v, want a CommandError", err)
	}
}
