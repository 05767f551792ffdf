package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/seccomp-gen/seccomp-gen/container"
	"github.com/seccomp-gen/seccomp-gen/internal/proctree"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// containerFlags name a running container for trace and replay
// (--container ID, --runtime, --root); resolve turns it into the cgroup or
// PID the recorder attaches to.
type containerFlags struct {
	container string
	runtime   string
	root      string
	resolved  *container.Target
	flags     *pflag.FlagSet // to tell --container '' from no --container
	filtered  bool           // a --pid or --cgroup target runs under a seccomp filter (filteredTarget)
}

func (c *containerFlags) addContainerFlags(f *pflag.FlagSet, verb string) {
	c.flags = f
	f.StringVar(&c.container, "container", "", verb+" the running container `ID` (its cgroup: every process in it, later execs included; with no cgroup of its own, as under crun --cgroup-manager=disabled, its init process and descendants, without execs; see --runtime)")
	f.StringVar(&c.runtime, "runtime", "", "with --container: the `ENGINE` that runs it: "+strings.Join(container.Runtimes, ", ")+" (default runc)")
	f.StringVar(&c.root, "root", "", "with --container: the runtime's state `DIR` (runc/crun --root, podman --root)")
}

// checkContainer rejects an empty --container, --runtime or --root (a
// variable that was not set: --container "$ID"), and --runtime and --root
// without --container.
func (c *containerFlags) checkContainer() error {
	if c.container == "" && c.flags != nil && c.flags.Changed("container") {
		return usageErrf("--container: the container ID is empty")
	}
	for _, e := range []struct{ name, val string }{{"runtime", c.runtime}, {"root", c.root}} {
		if strings.TrimSpace(e.val) == "" && c.flags != nil && c.flags.Changed(e.name) {
			return usageErrf("--%s: empty; leave the flag out for its default", e.name)
		}
	}
	if c.container == "" && (c.runtime != "" || c.root != "") {
		return usageErrf("--runtime and --root name the engine of --container ID; give --container too")
	}
	return nil
}

// resolveContainer finds the container and sets the target the recorder
// attaches to. It is a usage error when the container is not there.
func (c *containerFlags) resolveContainer(t *targetFlags, stderr io.Writer) error {
	if c.container == "" {
		return nil
	}
	rt := c.runtime
	if rt == "" {
		rt = "runc"
	}
	r, err := container.Resolve(context.Background(), rt, c.root, c.container)
	if err != nil {
		return usageErr(err)
	}
	c.resolved = r
	if r.Cgroup != "" {
		t.cgroup = r.Cgroup
	} else {
		t.pid = r.PID
		fmt.Fprintf(stderr, "seccomp-gen: container %s has no cgroup v2 directory of its own: recording its init process %d and descendants; processes that enter by exec are not seen\n", r.ID, r.PID)
	}
	return nil
}

// execJoins reports whether a container is recorded by its cgroup: a
// process that enters it by exec is then counted from its execve, without
// the runtime's set-up of the exec.
func (c *containerFlags) execJoins() bool {
	return c.resolved != nil && c.resolved.Cgroup != ""
}

// withContainer sets what a container target needs in the recorder's
// options. Its cgroup held the running container when it was resolved:
// the recording ends when it is empty even if the container stopped before
// the recorder attached (it would otherwise wait for the cgroup to be
// populated again, which never happens).
func (c *containerFlags) withContainer(o recorder.Options) recorder.Options {
	o.ExecJoins = c.execJoins()
	o.Populated = c.execJoins()
	return o
}

// emptyNotice says on stderr that a --cgroup target had no task when the
// recording started: it waits, silently otherwise, for one to enter.
func emptyNotice(w io.Writer, cmd, cgroup string, s recorder.Started) {
	if s.Empty {
		fmt.Fprintf(w, "seccomp-gen: %s: cgroup %s is empty: waiting for a task to enter it; the %s ends when it is empty again (or with --duration, Ctrl-C)\n", cmd, cgroup, cmd)
	}
}

// annotate says in the trace which container it was and what the
// recording could not see, its end too when it was cut short (reason:
// recorder.Recording.Reason).
func (c *containerFlags) annotate(f *trace.File, reason string) {
	if c.resolved != nil && f != nil {
		f.Target.Container = c.resolved.Trace(reason)
	} else if c.filtered && f != nil {
		f.Target.Unseen = append(f.Target.Unseen, trace.UnseenFiltered)
	}
}

// filteredWhat names the target of a trace that ran under a seccomp
// filter (trace.File.Filtered), filteredKey the key that says so.
func filteredWhat(f *trace.File) string {
	switch {
	case f.Target.Container != nil:
		return "container"
	case f.Target.PID != 0:
		return fmt.Sprintf("target (pid %d)", f.Target.PID)
	}
	return "target (cgroup)"
}

func filteredKey(f *trace.File) string {
	if f.Target.Container != nil {
		return "target.container.unseen"
	}
	return "target.unseen"
}

// filteredTarget returns a process of the --pid, --cgroup or --container
// target that runs under a seccomp filter (0: none), and says on stderr
// what that means for the recording: the syscalls the filter denies never
// reach the recorder. A container's trace lists them as unseen.
func (t *targetFlags) filteredTarget(cmd string, stderr io.Writer) int {
	var pids []int
	switch {
	case t.pid != 0:
		pids = []int{t.pid}
	case t.cgroup != "":
		pids = proctree.CgroupProcs(t.cgroup)
	default:
		return 0
	}
	pid := proctree.SeccompFiltered(pids)
	if pid == 0 {
		return 0
	}
	if t.resolved != nil {
		t.resolved.Filtered = true
	} else {
		t.filtered = true
	}
	how := "run it without its filter to see them"
	if t.resolved != nil {
		how = "run the container without a profile to see them, e.g. docker run --security-opt seccomp=unconfined"
	}
	fmt.Fprintf(stderr, "seccomp-gen: %s: warning: pid %d runs under a seccomp filter: the syscalls it denies never reach the recorder and are not counted (%s)\n", cmd, pid, how)
	return pid
}
