package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// Runtimes are the names Resolve knows.
var Runtimes = []string{"runc", "crun", "docker", "podman"}

// ErrNotRunning: the container exists but has no running process.
var ErrNotRunning = errors.New("container is not running")

// Target is a running container resolved to what the recorder attaches
// to: its cgroup v2 directory (Cgroup, which later execs enter too) or,
// when it has none of its own, its init process (PID).
type Target struct {
	ID      string
	Runtime string
	PID     int    // the container's init process
	Cgroup  string // its cgroup v2 directory; "" when it has none of its own
	// Filtered: its processes run under a seccomp filter, whose denials
	// the recorder does not see.
	Filtered bool
}

// Trace returns how a recording of t says what it was; reason is why the
// recording ended (recorder.Recording.Reason): one cut short (--duration,
// a signal) did not see the container's end, and says so as the hook's
// does.
func (t *Target) Trace(reason string) *trace.Container {
	c := &trace.Container{ID: t.ID, Runtime: t.Runtime, Mode: "cgroup",
		Unseen: []string{"start-up before attaching"}}
	if t.Cgroup == "" {
		c.Mode = "pid"
		c.Unseen = append(c.Unseen, "processes that entered by exec (the container has no cgroup v2 directory of its own)")
	}
	if t.Filtered {
		c.Unseen = append(c.Unseen, trace.UnseenFiltered)
	}
	if reason != "exit" && reason != "empty" {
		c.Unseen = append(c.Unseen, "the end: recording stopped ("+reason+")")
	}
	return c
}

// Resolve finds a running container by ID through its runtime's state:
// `runc|crun [--root ROOT] state ID`, `docker inspect ID` (DOCKER_HOST is
// honoured; ROOT is not used) or `podman [--root ROOT] inspect ID`.
func Resolve(ctx context.Context, runtime, root, id string) (*Target, error) {
	if id == "" {
		return nil, fmt.Errorf("container: empty ID")
	}
	t := &Target{ID: id, Runtime: runtime}
	var err error
	switch runtime {
	case "runc", "crun":
		err = t.fromOCIState(ctx, root)
	case "docker":
		if root != "" {
			return nil, fmt.Errorf("container: --root is for runc, crun and podman; docker is found through DOCKER_HOST")
		}
		err = t.fromInspect(ctx, "docker", nil)
	case "podman":
		var global []string
		if root != "" {
			global = []string{"--root", root}
		}
		err = t.fromInspect(ctx, "podman", global)
	default:
		return nil, fmt.Errorf("container: runtime %q: unknown (known: %s)", runtime, strings.Join(Runtimes, ", "))
	}
	if err != nil {
		return nil, err
	}
	cg, err := ownCgroup(t.PID)
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", id, err)
	}
	if cg != "" && t.Runtime == "crun" && crunNoCgroup(root, t.ID) {
		cg = ""
	}
	if cg != "" && sharedCgroup(cg, t.PID) {
		cg = ""
	}
	t.Cgroup = cg
	return t, nil
}

// crunNoCgroup reports whether crun says the container has no cgroup of
// its own: --cgroup-manager=disabled leaves it in the cgroup of whoever
// started crun, which need not be an ancestor of seccomp-gen (crun run -d
// from another container or service), and records "cgroup-path": "" in
// ROOT/ID/status (crun 1.x; ROOT defaults to /run/crun for root). A
// status that cannot be read says nothing: sharedCgroup still checks.
func crunNoCgroup(root, id string) bool {
	if root == "" {
		root = "/run/crun"
	}
	data, err := os.ReadFile(filepath.Join(root, id, "status"))
	if err != nil {
		return false
	}
	var st struct {
		CgroupPath *string `json:"cgroup-path"`
	}
	return json.Unmarshal(data, &st) == nil && st.CgroupPath != nil && *st.CgroupPath == ""
}

// sharedCgroup reports whether the cgroup dir, where the container's init
// process runs, holds a process of someone else: one neither in init's PID
// namespace (runc exec, docker exec join it) nor below init (a PID
// namespace the container made of its own). A runtime that manages no
// cgroup leaves the container in its caller's, with the caller's
// processes; recording that cgroup would record them. A runtime's exec
// joins the cgroup a moment before it enters the namespace, so the cgroup
// is shared only when it still looks so on a second and third look.
func sharedCgroup(dir string, init int) bool {
	ns, err := pidNS(init)
	if err != nil {
		return false
	}
	for try := 0; try < 3; try++ {
		if try > 0 {
			time.Sleep(100 * time.Millisecond)
		}
		if !hasForeign(dir, init, ns) {
			return false
		}
	}
	return true
}

// hasForeign reports whether dir's cgroup.procs lists a process that is
// neither in PID namespace ns nor below init.
func hasForeign(dir string, init int, ns [2]uint64) bool {
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return false
	}
	for _, f := range strings.Fields(string(data)) {
		pid, err := strconv.Atoi(f)
		if err != nil || pid == init {
			continue
		}
		other, err := pidNS(pid)
		if err != nil || other == ns || below(pid, init) {
			continue // gone meanwhile, or the container's
		}
		return true
	}
	return false
}

// pidNS identifies the PID namespace of pid (device and inode of its
// /proc/PID/ns/pid).
func pidNS(pid int) ([2]uint64, error) {
	st, err := os.Stat("/proc/" + strconv.Itoa(pid) + "/ns/pid")
	if err != nil {
		return [2]uint64{}, err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return [2]uint64{}, fmt.Errorf("pid %d: no stat of its PID namespace", pid)
	}
	return [2]uint64{uint64(sys.Dev), sys.Ino}, nil
}

// below reports whether pid descends from ancestor (its parent, its
// parent's parent, ...).
func below(pid, ancestor int) bool {
	for n := 0; pid > 1 && n < 1<<12; n++ {
		if pid = parentOf(pid); pid == ancestor {
			return true
		}
	}
	return false
}

// The ID follows "--" in every command line below: an ID that starts
// with "-" (--container=-h) is an ID, never an option of the tool's.
func (t *Target) fromOCIState(ctx context.Context, root string) error {
	args := []string{}
	if root != "" {
		args = append(args, "--root", root)
	}
	out, err := runTool(ctx, t.Runtime, append(args, "state", "--", t.ID)...)
	if err != nil {
		// runc and crun want the whole ID; crictl ps and docker ps show
		// 13 and 12 characters of it. A prefix of exactly one is it.
		full, lerr := t.uniquePrefix(ctx, args)
		if lerr != nil {
			return fmt.Errorf("container %s: %w", t.ID, lerr)
		}
		if full == "" {
			return fmt.Errorf("container %s: %s state: %w", t.ID, t.Runtime, err)
		}
		t.ID = full
		if out, err = runTool(ctx, t.Runtime, append(args, "state", "--", t.ID)...); err != nil {
			return fmt.Errorf("container %s: %s state: %w", t.ID, t.Runtime, err)
		}
	}
	var s State
	if err := json.Unmarshal(out, &s); err != nil {
		return fmt.Errorf("container %s: %s state: %w", t.ID, t.Runtime, err)
	}
	if s.Status != "running" || s.Pid <= 0 {
		return fmt.Errorf("container %s: %w (status %s)", t.ID, ErrNotRunning, s.Status)
	}
	t.PID = s.Pid
	return nil
}

// uniquePrefix returns the one container ID of `RUNTIME list -q` that
// starts with t.ID, "" when none does, and an error when several do.
func (t *Target) uniquePrefix(ctx context.Context, global []string) (string, error) {
	out, err := runTool(ctx, t.Runtime, append(append([]string(nil), global...), "list", "-q")...)
	if err != nil {
		return "", nil
	}
	var found []string
	for _, id := range strings.Fields(string(out)) {
		if id == t.ID {
			// It exists: state's own error is the one to say.
			return "", nil
		}
		if strings.HasPrefix(id, t.ID) {
			found = append(found, id)
		}
	}
	if len(found) > 1 {
		return "", fmt.Errorf("%s: the ID prefix is ambiguous: %s; give more of it", t.Runtime, strings.Join(found, ", "))
	}
	if len(found) == 1 {
		return found[0], nil
	}
	return "", nil
}

func (t *Target) fromInspect(ctx context.Context, tool string, global []string) error {
	args := append(append([]string(nil), global...), "inspect", "--type", "container", "--format", "{{.State.Pid}} {{.State.Running}} {{.Id}}", "--", t.ID)
	out, err := runTool(ctx, tool, args...)
	if err != nil {
		return fmt.Errorf("container %s: %s inspect: %w", t.ID, tool, err)
	}
	f := strings.Fields(string(out))
	if len(f) != 3 {
		return fmt.Errorf("container %s: %s inspect: unexpected output %q", t.ID, tool, out)
	}
	pid, _ := strconv.Atoi(f[0])
	if f[1] != "true" || pid <= 0 {
		return fmt.Errorf("container %s: %w", t.ID, ErrNotRunning)
	}
	t.PID, t.ID = pid, f[2]
	return nil
}

func runTool(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if errors.Is(err, exec.ErrNotFound) {
		return nil, fmt.Errorf("%s is not installed (not found in PATH)", name)
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		// runc logs as logfmt: time="..." level=error msg="..."
		if _, m, ok := strings.Cut(msg, `msg="`); ok {
			if v, err := strconv.Unquote(`"` + strings.SplitN(m, `"`, 2)[0] + `"`); err == nil {
				msg = v
			}
		}
		if msg == "" {
			msg = err.Error()
		}
		return nil, errors.New(msg)
	}
	return out, nil
}

// ownCgroup returns the cgroup v2 directory of pid unless it is certainly
// not the container's own: the root, or the cgroup of this process or one
// of its ancestors (crun --cgroup-manager=disabled leaves a container in
// its caller's cgroup; Resolve asks crun and looks at who else is there
// too). "" then.
func ownCgroup(pid int) (string, error) {
	rel, err := cgroup2Path(strconv.Itoa(pid))
	if err != nil {
		return "", err
	}
	self, err := cgroup2Path("self")
	if err != nil {
		return "", err
	}
	if rel == "/" || rel == self || strings.HasPrefix(self+"/", strings.TrimSuffix(rel, "/")+"/") {
		return "", nil
	}
	mnt := recorder.Cgroup2Mount()
	if mnt == "" {
		return "", nil
	}
	dir := filepath.Join(mnt, rel)
	if _, err := os.Stat(filepath.Join(dir, "cgroup.procs")); err != nil {
		return "", nil
	}
	return dir, nil
}

// cgroup2Path reads the "0::PATH" line of /proc/PID/cgroup.
func cgroup2Path(pid string) (string, error) {
	data, err := os.ReadFile("/proc/" + pid + "/cgroup")
	if err != nil {
		return "", fmt.Errorf("cgroup of pid %s: %w", pid, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			return p, nil
		}
	}
	return "/", nil
}
