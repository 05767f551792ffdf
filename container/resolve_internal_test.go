package container

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// A cgroup is the container's own only when whoever else is in it is in
// the init's PID namespace or below the init. Here `unshare -p -f sleep`
// is in a cgroup: the sleep (a PID namespace of its own) does not own a
// cgroup that holds its parent, and the parent owns one that holds the
// sleep, below it.
func TestSharedCgroup(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "unshare")
	mnt := recorder.Cgroup2Mount()
	if mnt == "" {
		testutil.SkipOrFail(t, "no cgroup v2 mount")
	}
	cg := testutil.TempCgroup(t, mnt, "seccomp-gen-shared-test")
	cmd := exec.Command("sh", "-c", `echo $$ > "$1/cgroup.procs" && exec unshare -p -f sleep 100`, "sh", cg)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	var child int
	for i := 0; child == 0; i++ {
		if i == 100 {
			t.Fatal("unshare's sleep did not start in 5 s")
		}
		time.Sleep(50 * time.Millisecond)
		data, _ := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/task/" + strconv.Itoa(cmd.Process.Pid) + "/children")
		if f := strings.Fields(string(data)); len(f) == 1 {
			child, _ = strconv.Atoi(f[0])
		}
	}
	defer func() {
		if p, err := os.FindProcess(child); err == nil {
			_ = p.Kill()
		}
	}()
	if !sharedCgroup(cg, child) {
		t.Errorf("the cgroup of a process in a PID namespace of its own, with its parent outside it: want shared")
	}
	if sharedCgroup(cg, cmd.Process.Pid) {
		t.Errorf("the cgroup of a process and of its child in a new PID namespace: want its own")
	}
}
