package container

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/atomicfile"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// DefaultOutputDir is where the Docker wrapper writes profiles when the
// container has no of: annotation.
const DefaultOutputDir = "/var/lib/seccomp-gen/containers"

// HookOptions configure the hook.
type HookOptions struct {
	// OutputDir, when set, is where a container without the annotation's
	// of: gets its profile: OutputDir/<container ID>.json. Without it, a
	// container that has no of: is an error.
	OutputDir string
	// Trace also writes the trace next to the profile (TracePath).
	Trace bool
	// Exec also records processes that enter the container later by exec
	// (docker exec, podman exec), each from its execve: the recorder then
	// watches the container's cgroup, which costs every syscall on the
	// machine a cgroup check while it records. A container without a
	// cgroup v2 directory of its own is recorded without them.
	Exec bool
	// Runtime names the OCI runtime that runs the hook ("runc", "crun");
	// empty detects it from the hook's parent processes.
	Runtime string
	// Log is a file the detached recorder appends its messages to once the
	// hook has returned (the runtime's log is gone by then). Empty: syslog,
	// when there is one.
	Log string
	// Recorder is the argv that runs the recorder half (RunRecorder) of
	// this same binary; Recorder[0] is the path. Required.
	Recorder []string
	// Timeout bounds how long the hook waits for the recorder to attach
	// (default 30s).
	Timeout time.Duration
	// AllowPaths are the directories (absolute) the annotation's of: and
	// if: may name files in, directly or below, after every symbolic link
	// is followed; OutputDir is one too. None (and no OutputDir): the
	// annotation may name no file. Whoever sets annotations chooses what
	// root writes and reads: only the hook's own configuration, written by
	// the administrator, says where that may be.
	AllowPaths []string
	// AllowUnknownSyscalls reads an if: profile that names syscalls the
	// installed libseccomp knows on none of its ABIs (the engines' newer
	// defaults: Docker's names mseal, listmount, ...) as runc and crun
	// do: those names are dropped (the recorder's log says which);
	// otherwise such a profile fails the container's start.
	AllowUnknownSyscalls bool
}

// Job is what the hook hands the detached recorder.
type Job struct {
	ID      string `json:"id"`
	PID     int    `json:"pid"`
	Runtime string `json:"runtime,omitempty"`
	Profile string `json:"profile"`
	Input   string `json:"input,omitempty"`
	// Caps is the container's bounding capability set (config.json), which
	// Input's conditional entries are resolved for; null (an older hook):
	// Docker's default set.
	Caps  []string `json:"caps"`
	Trace string   `json:"trace,omitempty"`
	Log   string   `json:"log,omitempty"`
	// Exec: processes that join by exec were asked for; Cgroup is where
	// they are seen ("" when the container has no cgroup of its own).
	Exec   bool   `json:"exec,omitempty"`
	Cgroup string `json:"cgroup,omitempty"`
	// Allow are the directories (resolved) Profile, Trace and Input must
	// resolve into when the recorder writes and reads them; none: nothing
	// is written.
	Allow []string `json:"allow"`
	// Earlier: Profile (OutputDir/<ID>.json) exists, written by an earlier
	// run of this same container (a restart, docker start): the recording
	// extends it as it would an if: profile, so that no run's syscalls
	// are lost; Caps are the container's, for that.
	Earlier bool `json:"earlier,omitempty"`
	// Filtered: the container runs under a seccomp filter (its
	// config.json's linux.seccomp), whose denials are not recorded.
	Filtered bool `json:"filtered,omitempty"`
	// AllowUnknown: HookOptions.AllowUnknownSyscalls.
	AllowUnknown bool `json:"allow_unknown_syscalls,omitempty"`
	// Warnings are what Finish dropped from a profile it extends (names
	// libseccomp cannot resolve, AllowUnknown), for the recorder's log.
	Warnings []string `json:"-"`
	// NotExtended is why Finish replaced the earlier run's profile
	// instead of extending it (it does not read as a profile).
	NotExtended error `json:"-"`
}

// Hook is the hook's front half: it reads the container state from
// stdin, checks everything it can (annotation, output path, input
// profile), starts the detached recorder and returns once the recorder is
// attached to the container's init process. An error means the recorder
// is not running: the runtime should fail the container's start.
func Hook(stdin io.Reader, o HookOptions) error {
	s, err := ReadState(stdin)
	if err != nil {
		return err
	}
	job, err := PlanJob(s, o)
	if err != nil {
		return err
	}
	return startRecorder(job, o)
}

// PlanJob decides where a container's profile and trace go and checks that
// they can be written, and that the annotation's paths lie in the
// directories the hook may use (HookOptions.AllowPaths).
func PlanJob(s *State, o HookOptions) (*Job, error) {
	job := &Job{ID: s.ID, PID: s.Pid, Runtime: o.Runtime, Log: o.Log, Filtered: BundleFiltered(s.Bundle), AllowUnknown: o.AllowUnknownSyscalls}
	dirs, err := atomicfile.ResolveDirs(o.AllowPaths)
	if err != nil {
		return nil, fmt.Errorf("--allow-path %w", err)
	}
	if o.OutputDir != "" {
		// --output-dir may be relative (to the runtime's directory); the
		// confinement and the recorder want it absolute.
		dir, err := filepath.Abs(o.OutputDir)
		if err != nil {
			return nil, fmt.Errorf("--output-dir %s: %w", o.OutputDir, err)
		}
		o.OutputDir = dir
		rd, err := atomicfile.ResolveDirs([]string{dir})
		if err != nil {
			return nil, fmt.Errorf("--output-dir %w", err)
		}
		dirs = append(dirs, rd...)
	}
	job.Allow = dirs
	if v, ok := s.Annotations[Annotation]; ok {
		out, in, err := ParseAnnotation(v)
		if err != nil {
			return nil, err
		}
		job.Profile, job.Input = out, in
		for _, p := range []struct{ key, path string }{{"of:", out}, {"if:", in}} {
			if p.path == "" {
				continue
			}
			// Other errors are said by the checks below, in their words.
			if _, err := atomicfile.Within(p.path, dirs); errors.Is(err, atomicfile.ErrOutside) {
				return nil, allowError(s.ID, p.key, p.path, err)
			}
		}
	}
	if job.Profile == "" {
		if o.OutputDir == "" {
			return nil, fmt.Errorf("container %s: no output: the annotation %s has no of:PATH and no --output-dir is set", s.ID, Annotation)
		}
		if strings.ContainsAny(s.ID, "/\x00") || s.ID == "." || s.ID == ".." {
			return nil, fmt.Errorf("container %s: the ID cannot name a file; set of:PATH", s.ID)
		}
		if err := os.MkdirAll(o.OutputDir, 0o755); err != nil {
			return nil, fmt.Errorf("output directory: %w", err)
		}
		job.Profile = filepath.Join(o.OutputDir, s.ID+".json")
		if st, err := os.Lstat(job.Profile); err == nil && st.Mode().IsRegular() && job.Input == "" {
			// The file is named by the container's ID: an earlier run of
			// this container wrote it. Extend it; an unreadable one is
			// replaced (the recorder's log says so), not a failed start.
			if caps, err := BundleCaps(s.Bundle); err == nil {
				job.Earlier, job.Caps = true, caps
			}
		}
	}
	if job.Input != "" {
		caps, err := BundleCaps(s.Bundle)
		if err != nil {
			return nil, fmt.Errorf("container %s: if:%s is resolved for the container's capabilities: %w", s.ID, job.Input, err)
		}
		job.Caps = caps
		if _, err := ReadInput(job.Input, job.Caps, job.Allow, job.AllowUnknown, nil); err != nil {
			return nil, err
		}
	}
	if err := checkWritable(job.Profile, job.Allow); err != nil {
		return nil, allowError(s.ID, "of:", job.Profile, err)
	}
	if o.Trace {
		job.Trace = TracePath(job.Profile)
		if err := checkWritable(job.Trace, job.Allow); err != nil {
			return nil, allowError(s.ID, "the trace", job.Trace, err)
		}
	}
	if job.Runtime == "" {
		job.Runtime = DetectRuntime()
	}
	if o.Exec {
		job.Exec = true
		cg, err := ownCgroup(s.Pid)
		if err != nil {
			return nil, fmt.Errorf("container %s: %w", s.ID, err)
		}
		job.Cgroup = cg
	}
	return job, nil
}

// allowError says that an annotation's path is outside the hook's
// directories, and which option lets it in; other errors pass unchanged.
func allowError(id, key, path string, err error) error {
	var oe *atomicfile.OutsideError
	if !errors.As(err, &oe) {
		return err
	}
	what := key + path
	if key == "the trace" {
		what = "the trace " + path
	}
	const fix = "add --allow-path DIR to the hook's args (hooks.d), a directory only the administrator can write to"
	if len(oe.Dirs) == 0 {
		return &confineError{fmt.Sprintf("container %s: %s: the hook has no --allow-path (nor --output-dir), so the annotation may name no file: %s", id, what, fix)}
	}
	return &confineError{fmt.Sprintf("container %s: %s %s; the annotation may name files only there: %s", id, what, oe.Where(), fix)}
}

// confineError is allowError's message; it matches atomicfile.ErrOutside.
type confineError struct{ msg string }

func (e *confineError) Error() string { return e.msg }
func (e *confineError) Unwrap() error { return atomicfile.ErrOutside }

// checkWritable makes sure a file can be created at path, which must
// resolve into dirs: its directory exists and takes a new file (root
// ignores permission bits, not a read-only mount or a missing directory),
// and path is no directory.
func checkWritable(path string, dirs []string) error {
	target, err := atomicfile.Within(path, dirs)
	if err != nil {
		if errors.Is(err, atomicfile.ErrOutside) {
			return err
		}
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("output %s: cannot be written: its directory %w", path, unwrapPath(err))
		}
		return fmt.Errorf("output %s: cannot be written: %w", path, unwrapPath(err))
	}
	if st, err := os.Lstat(target); err == nil && st.IsDir() {
		return fmt.Errorf("output %s: is a directory", path)
	} else if err == nil && !st.Mode().IsRegular() {
		return fmt.Errorf("output %s: %w", path, atomicfile.ErrNotRegular)
	}
	// No named probe: one left behind when the hook was killed between
	// its creation and removal stayed in the user's directory.
	if err := atomicfile.Creatable(filepath.Dir(target)); err != nil {
		return fmt.Errorf("output %s: cannot be written: %w", path, unwrapPath(err))
	}
	return nil
}

// unwrapPath drops the *os.PathError's op and path, which the message
// names already. A missing file is worded without the C library's "no
// such file or directory": podman takes that phrase anywhere in an OCI
// runtime's error for its runtime binary missing, and says "command not
// found" (exit 127) for a hook's missing of: directory.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if errors.Is(err, fs.ErrNotExist) {
		return errNotExist
	}
	return err
}

// errNotExist is ENOENT as unwrapPath words it; errors.Is(errNotExist,
// fs.ErrNotExist) holds.
var errNotExist = fmt.Errorf("does not exist (%w)", notExistErr{})

type notExistErr struct{}

func (notExistErr) Error() string        { return "ENOENT" }
func (notExistErr) Is(target error) bool { return target == fs.ErrNotExist }

// DetectRuntime names the OCI runtime among the hook's ancestors ("runc"
// or "crun"), or "" when there is none.
func DetectRuntime() string {
	pid := os.Getppid()
	for i := 0; i < 4 && pid > 1; i++ {
		for _, name := range []string{exeName(pid), commName(pid)} {
			if name == "runc" || name == "crun" {
				return name
			}
		}
		pid = parentOf(pid)
	}
	return ""
}

func exeName(pid int) string {
	exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	if err != nil {
		return ""
	}
	return filepath.Base(strings.TrimSuffix(exe, " (deleted)"))
}

func commName(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func parentOf(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// pid (comm) state ppid ...: comm may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	p, _ := strconv.Atoi(f[1])
	return p
}

// startRecorder starts the detached recorder and waits until it says it is
// attached ("ok") or why it is not. On failure the recorder has exited and
// been reaped: nothing stays attached.
func startRecorder(job *Job, o HookOptions) error {
	if len(o.Recorder) == 0 {
		return fmt.Errorf("no recorder command")
	}
	data, err := json.Marshal(job)
	if err != nil {
		return err
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer readyR.Close()
	cmd := &exec.Cmd{
		Path:        o.Recorder[0],
		Args:        o.Recorder,
		Stdin:       strings.NewReader(string(data)),
		ExtraFiles:  []*os.File{readyW},
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
		// Not the runtime's working directory (a bundle, perhaps on a
		// mount that must be unmounted while the recorder still runs).
		Dir: "/",
	}
	if o.Log != "" {
		lf, err := os.OpenFile(o.Log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			readyW.Close()
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("--log %s: its directory %w", o.Log, unwrapPath(err))
			}
			return fmt.Errorf("--log %s: %w", o.Log, unwrapPath(err))
		}
		defer lf.Close()
		cmd.Stdout, cmd.Stderr = lf, lf
	}
	if err := cmd.Start(); err != nil {
		readyW.Close()
		return fmt.Errorf("start recorder: %w", err)
	}
	readyW.Close()
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(readyR).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	var msg string
	select {
	case msg = <-line:
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return fmt.Errorf("container %s: the recorder did not attach within %v", job.ID, timeout)
	}
	if msg == "ok" {
		// Detached: the recorder outlives the hook and is reaped by
		// whoever adopts it.
		_ = cmd.Process.Release()
		return nil
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if msg == "" {
		msg = "the recorder exited before attaching"
	}
	return fmt.Errorf("container %s: %s", job.ID, msg)
}

// RunRecorder is the detached recorder: it reads the Job from stdin,
// attaches, says "ok" (or the error) on ready, records the container until
// its processes are gone, and writes the profile and trace. Messages after
// "ok" go to logw. It returns the process's exit status.
func RunRecorder(stdin io.Reader, ready *os.File, logw io.Writer) int {
	var job Job
	if err := json.NewDecoder(stdin).Decode(&job); err != nil {
		fmt.Fprintf(ready, "recorder: bad job: %v\n", err)
		return 2
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(logw, "%s seccomp-gen hook: container %s: %s\n", time.Now().UTC().Format(time.RFC3339), job.ID, fmt.Sprintf(format, a...))
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)
	started := false
	opts := recorder.Options{
		PID:      job.PID,
		FromExec: true,
		Namer:    scmp.Tables{},
		OnStart: func(recorder.Started) {
			started = true
			fmt.Fprintln(ready, "ok")
			ready.Close()
		},
	}
	if job.Cgroup != "" {
		// Every task in the cgroup from its next execve on: the init
		// process at the entrypoint, an exec'd process at its program.
		opts.PID, opts.Cgroup = 0, job.Cgroup
	}
	rec, err := recorder.Record(ctx, opts)
	if err != nil {
		if !started {
			fmt.Fprintf(ready, "recorder: %v\n", err)
			ready.Close()
		} else {
			logf("recording: %v", err)
		}
		return 1
	}
	err = Finish(&job, rec)
	for _, w := range job.Warnings {
		logf("%s", w)
	}
	if job.NotExtended != nil {
		logf("the profile of this container's earlier runs is replaced, not extended: %v", job.NotExtended)
	}
	if err != nil {
		logf("%v", err)
		return 1
	}
	if job.Earlier {
		logf("wrote %s, extending the profile of this container's earlier runs", job.Profile)
	} else if job.Input != "" {
		logf("wrote %s, extending %s with its conditional entries resolved for %s", job.Profile, job.Input, inputHostName(job.Caps))
	} else {
		logf("wrote %s", job.Profile)
	}
	return 0
}

// Finish writes a finished recording's trace and profile as job says.
func Finish(job *Job, rec *recorder.Recording) error {
	warn := func(err error) {
		job.Warnings = append(job.Warnings, "dropped from the extended profile: "+err.Error())
	}
	f := rec.File
	f.Target.Container = &trace.Container{ID: job.ID, Runtime: job.Runtime, Mode: "hook"}
	switch {
	case job.Exec && job.Cgroup == "":
		f.Target.Container.Unseen = append(f.Target.Container.Unseen, "processes that entered by exec (the container has no cgroup v2 directory of its own)")
	case !job.Exec:
		f.Target.Container.Unseen = append(f.Target.Container.Unseen, "processes that entered by exec (the hook ran without --exec)")
	}
	if job.Filtered {
		f.Target.Container.Unseen = append(f.Target.Container.Unseen, trace.UnseenFiltered)
	}
	if rec.Reason != "exit" && rec.Reason != "empty" {
		f.Target.Container.Unseen = append(f.Target.Container.Unseen, "the end: recording stopped ("+rec.Reason+")")
	}
	if len(f.Syscalls) == 0 {
		return fmt.Errorf("the entrypoint never ran (the container's init exited before its execve): nothing written")
	}
	if job.Trace != "" {
		var buf bytes.Buffer
		if err := trace.Encode(&buf, f); err != nil {
			return fmt.Errorf("write trace %s: %w", job.Trace, err)
		}
		if err := atomicfile.WriteWithin(job.Trace, buf.Bytes(), 0o644, job.Allow); err != nil {
			return fmt.Errorf("write trace %s: %w", job.Trace, err)
		}
	}
	o := ProfileOptions{Runtime: job.Runtime, InputName: job.Input}
	switch {
	case job.Earlier:
		if p, err := ReadInput(job.Profile, job.Caps, job.Allow, job.AllowUnknown, warn); err != nil {
			job.Earlier, job.NotExtended = false, err
		} else {
			o.Input, o.InputName = p, job.Profile
		}
	case job.Input != "":
		p, err := ReadInput(job.Input, job.Caps, job.Allow, job.AllowUnknown, warn)
		if err != nil {
			return err
		}
		o.Input = p
	}
	data, _, err := Profile(f, o)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	if err := atomicfile.WriteWithin(job.Profile, data, 0o644, job.Allow); err != nil {
		return fmt.Errorf("write profile %s: %w", job.Profile, err)
	}
	return nil
}
