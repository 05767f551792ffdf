package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/atomicfile"
)

// WrapperOptions are the wrapper's own flags, which come before runc's
// command line (daemon.json's runtimeArgs).
type WrapperOptions struct {
	// OutputDir is where profiles go when a container has no of:
	// annotation (default DefaultOutputDir).
	OutputDir string
	// Runc is the runtime to hand the command line to (default: runc in
	// PATH).
	Runc string
	// Log is the hook's --log.
	Log string
	// AllowPaths are the hook's --allow-path directories.
	AllowPaths []string
	// NoTrace writes no trace next to the profile.
	NoTrace bool
	// AllowUnknownSyscalls is the hook's --allow-unknown-syscalls.
	AllowUnknownSyscalls bool
	// Hook is the path of this binary, run as the hook.
	Hook string
}

// ParseWrapperArgs splits the wrapper's own flags (--output-dir DIR,
// --allow-path DIR (repeatable, absolute), --runc PATH, --log FILE,
// --no-trace, --allow-unknown-syscalls, each also as --flag=value) from
// runc's command line, which starts at the first other argument.
// On an error it still returns runc's command line (as far as it can tell
// where that starts), so that the error can go to runc's log
// (LogRuncError).
func ParseWrapperArgs(args []string) (WrapperOptions, []string, error) {
	var o WrapperOptions
	var first error
	fail := func(err error) {
		if first == nil {
			first = err
		}
	}
	for len(args) > 0 {
		a := args[0]
		name, val, hasVal := strings.Cut(a, "=")
		var dst *string
		var allow string
		switch name {
		case "--allow-path":
			dst = &allow
		case "--output-dir":
			dst = &o.OutputDir
		case "--runc":
			dst = &o.Runc
		case "--log":
			dst = &o.Log
		case "--no-trace":
			o.NoTrace = true
			args = args[1:]
			continue
		case "--allow-unknown-syscalls":
			o.AllowUnknownSyscalls = true
			args = args[1:]
			continue
		case "--":
			return o, args[1:], first
		default:
			return o, args, first
		}
		if !hasVal {
			// A flag last in runtimeArgs would take the engine's first
			// argument (--root) as its value.
			if len(args) < 2 || strings.HasPrefix(args[1], "-") {
				fail(fmt.Errorf("runtime: %s needs a value", name))
				args = args[1:]
				continue
			}
			val, args = args[1], args[1:]
		}
		args = args[1:]
		if val == "" {
			fail(fmt.Errorf("runtime: %s: empty value", name))
			continue
		}
		*dst = val
		if dst == &allow {
			if !filepath.IsAbs(val) {
				fail(fmt.Errorf("runtime: --allow-path %q: not an absolute path", val))
				continue
			}
			o.AllowPaths = append(o.AllowPaths, val)
		}
	}
	return o, args, first
}

// runcValueFlags are runc's global flags that take a separate value.
var runcValueFlags = map[string]bool{
	"--root": true, "--log": true, "--log-format": true, "--criu": true, "--rootless": true,
}

// RuncCommand returns runc's subcommand and the index of its first
// argument in args ("" when there is none).
func RuncCommand(args []string) (string, int) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-") {
			if runcValueFlags[a] {
				i++
			}
			continue
		}
		return a, i + 1
	}
	return "", len(args)
}

// CreateBundle returns the bundle directory of a runc create (or run)
// command line: --bundle/-b, else the current directory.
func CreateBundle(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		for _, f := range []string{"--bundle", "-b"} {
			if a == f && i+1 < len(args) {
				return args[i+1]
			}
			if v, ok := strings.CutPrefix(a, f+"="); ok {
				return v
			}
		}
	}
	return "."
}

// AddHook adds the seccomp-gen hook (at createRuntime) to the bundle's
// config.json, in place, keeping every other field.
func AddHook(bundle string, hook []string) error {
	path := filepath.Join(bundle, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal(data, &cfg); err != nil {
		return fmt.Errorf("bundle: %s: %s", path, jsonProblem(data, err))
	}
	hooks := map[string]json.RawMessage{}
	if raw, ok := cfg["hooks"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &hooks); err != nil {
			return fmt.Errorf("bundle: %s: hooks: %s", path, jsonProblem(raw, err))
		}
	}
	var list []json.RawMessage
	if raw, ok := hooks["createRuntime"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &list); err != nil {
			return fmt.Errorf("bundle: %s: hooks.createRuntime: %s", path, jsonProblem(raw, err))
		}
	}
	entry, err := json.Marshal(map[string]any{"path": hook[0], "args": append([]string{"seccomp-gen"}, hook[1:]...)})
	if err != nil {
		return err
	}
	// A bundle created again (a restart) gets the hook once.
	kept := list[:0]
	for _, h := range list {
		var e struct {
			Path string `json:"path"`
		}
		if json.Unmarshal(h, &e) == nil && e.Path == hook[0] {
			continue
		}
		kept = append(kept, h)
	}
	kept = append(kept, entry)
	list = kept
	if hooks["createRuntime"], err = json.Marshal(list); err != nil {
		return err
	}
	if cfg["hooks"], err = json.Marshal(hooks); err != nil {
		return err
	}
	out, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	perm := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		perm = st.Mode().Perm()
	}
	return atomicfile.Write(path, out, perm)
}

// runcGlobal returns the value of runc's global flag name (--log,
// --log-format) in a runc command line: the last one before the
// subcommand, "" when there is none.
func runcGlobal(args []string, name string) string {
	v := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") {
			break
		}
		if a == name && i+1 < len(args) {
			v = args[i+1]
		} else if val, ok := strings.CutPrefix(a, name+"="); ok {
			v = val
		}
		if runcValueFlags[a] {
			i++
		}
	}
	return v
}

// LogRuncError appends msg, as runc would log an error, to the log file
// runc's command line names (--log FILE; JSON with --log-format json). An
// engine reads the reason of a failed create there (containerd's shim:
// the last "error" entry of log.json), not on stderr: without it a
// wrapper that never got to run runc leaves "unable to retrieve OCI
// runtime error". Without --log it does nothing.
func LogRuncError(args []string, msg string) error {
	path := runcGlobal(args, "--log")
	if path == "" {
		return nil
	}
	var line []byte
	now := time.Now().UTC().Format(time.RFC3339Nano)
	if runcGlobal(args, "--log-format") == "json" {
		var err error
		line, err = json.Marshal(map[string]string{"level": "error", "msg": msg, "time": now})
		if err != nil {
			return err
		}
	} else {
		line = []byte(fmt.Sprintf("time=%q level=error msg=%q", now, msg))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("runc log: %w", err)
	}
	_, err = f.Write(append(line, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("runc log: %w", err)
	}
	return nil
}

// ErrNoRunc: no runc to hand the command to.
var ErrNoRunc = errors.New("runc not found")

// Wrap prepares a runc command line: on create (and run) it adds the hook
// to the bundle. It returns the runc binary and argv to exec.
func Wrap(o WrapperOptions, args []string) (string, []string, error) {
	runc := o.Runc
	if runc == "" {
		p, err := exec.LookPath("runc")
		if err != nil {
			return "", nil, fmt.Errorf("runtime: %w in PATH (set --runc)", ErrNoRunc)
		}
		runc = p
	} else if !strings.Contains(runc, "/") {
		// A name (--runc crun) is looked up in PATH, as runc itself
		// would be; exec(2) alone would not.
		p, err := exec.LookPath(runc)
		if err != nil {
			return "", nil, fmt.Errorf("runtime: --runc %s: not found in PATH", runc)
		}
		runc = p
	}
	if cmd, i := RuncCommand(args); cmd == "create" || cmd == "run" {
		dir := o.OutputDir
		if dir == "" {
			dir = DefaultOutputDir
		}
		hook := []string{o.Hook, "hook", "--output-dir", dir}
		if !o.NoTrace {
			hook = append(hook, "--trace")
		}
		if o.AllowUnknownSyscalls {
			hook = append(hook, "--allow-unknown-syscalls")
		}
		if o.Log != "" {
			hook = append(hook, "--log", o.Log)
		}
		for _, d := range o.AllowPaths {
			hook = append(hook, "--allow-path", d)
		}
		if err := AddHook(CreateBundle(args[i:]), hook); err != nil {
			return "", nil, fmt.Errorf("runtime: %w", err)
		}
	}
	return runc, append([]string{"runc"}, args...), nil
}
