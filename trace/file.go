package trace

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/seccomp-gen/seccomp-gen/internal/atomicfile"
)

// Version is the trace file format version this package writes and reads.
const Version = 1

// Arch names used in trace files. They are the names of Docker/OCI profiles
// without the SCMP_ARCH_ prefix, lowercased.
const (
	ArchX86_64  = "x86_64"
	ArchX86     = "x86"
	ArchX32     = "x32"
	ArchAArch64 = "aarch64"
	ArchARM     = "arm"
)

// ErrFormat is wrapped by every error that says a trace file is malformed.
var ErrFormat = errors.New("malformed trace")

// File is one trace: what a single recorded run of a target used.
//
// The YAML encoding is versioned and deterministic: syscalls are sorted by
// (arch, nr) and every field is written in a fixed order.
type File struct {
	Version   int       `yaml:"version"`
	Target    Target    `yaml:"target"`
	Host      Host      `yaml:"host"`
	Started   time.Time `yaml:"started"`
	Duration  Duration  `yaml:"duration"`
	ExitCode  *int      `yaml:"exit_code,omitempty"`
	Lost      uint64    `yaml:"lost"`
	Processes uint64    `yaml:"processes"`
	// Syscalls the installed libseccomp could not name are still listed,
	// by number, with an empty name.
	Syscalls []Syscall `yaml:"syscalls"`
}

// Target says what was traced. Exactly one of Command, PID and Cgroup is
// set; Container adds which container that PID or cgroup was.
type Target struct {
	Command   []string   `yaml:"command,omitempty,flow"`
	PID       int        `yaml:"pid,omitempty"`
	Cgroup    string     `yaml:"cgroup,omitempty"`
	Container *Container `yaml:"container,omitempty"`
}

// Container says which container a trace recorded, how, and what that way
// of recording could not see.
type Container struct {
	ID string `yaml:"id"`
	// Runtime is the engine or OCI runtime that ran it (runc, crun,
	// docker, podman), when known.
	Runtime string `yaml:"runtime,omitempty"`
	// Mode is how it was recorded: "hook" (the container's init process
	// and its descendants, from the entrypoint's execve on), "cgroup"
	// (every task in the container's cgroup from the moment of attaching,
	// later execs included) or "pid" (its init process and descendants
	// from the moment of attaching).
	Mode string `yaml:"mode"`
	// Unseen lists what this mode could not see ("start-up before
	// attaching", "processes that entered by exec").
	Unseen []string `yaml:"unseen,omitempty,flow"`
}

// Host describes the machine a trace was recorded on.
type Host struct {
	Kernel string `yaml:"kernel"`
	Arch   string `yaml:"arch"`
}

// Syscall is one (ABI, number) the target issued, with how often.
type Syscall struct {
	Arch  string `yaml:"arch"`
	Nr    int    `yaml:"nr"`
	Name  string `yaml:"name,omitempty"`
	Count uint64 `yaml:"count"`
	// First is the program name (comm) of the task that issued this syscall
	// first, when the recorder knows it.
	First string `yaml:"first,omitempty"`
	// Args is reserved for argument-aware profiles: distinct values seen for
	// security-relevant scalar arguments, keyed by argument index.
	Args []ArgValues `yaml:"args,omitempty"`
}

// ArgValues are the distinct values one argument of a syscall took.
type ArgValues struct {
	Index  int      `yaml:"index"`
	Values []uint64 `yaml:"values,flow"`
}

// Duration is a time.Duration written as Go duration text ("0.41s").
type Duration time.Duration

// MarshalYAML writes the duration in seconds with millisecond precision.
func (d Duration) MarshalYAML() (any, error) {
	return fmt.Sprintf("%.3fs", time.Duration(d).Seconds()), nil
}

// UnmarshalYAML reads any Go duration text.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	if v < 0 {
		return fmt.Errorf("duration %q: negative", s)
	}
	*d = Duration(v)
	return nil
}

// KnownArches are the arch names a trace may carry.
var KnownArches = []string{ArchX86_64, ArchX86, ArchX32, ArchAArch64, ArchARM}

// IsKnownArch reports whether name is an arch name trace files use.
func IsKnownArch(name string) bool {
	for _, a := range KnownArches {
		if a == name {
			return true
		}
	}
	return false
}

// Canonicalize sorts syscalls by (arch, nr) and merges duplicate entries.
func (f *File) Canonicalize() {
	sort.SliceStable(f.Syscalls, func(i, j int) bool {
		a, b := f.Syscalls[i], f.Syscalls[j]
		if a.Arch != b.Arch {
			return a.Arch < b.Arch
		}
		return a.Nr < b.Nr
	})
	out := f.Syscalls[:0]
	for _, s := range f.Syscalls {
		if n := len(out); n > 0 && out[n-1].Arch == s.Arch && out[n-1].Nr == s.Nr {
			out[n-1].Count += s.Count
			if out[n-1].Name == "" {
				out[n-1].Name = s.Name
			}
			continue
		}
		out = append(out, s)
	}
	f.Syscalls = out
}

// Complete reports whether nothing was lost while recording.
func (f *File) Complete() bool { return f.Lost == 0 }

// Validate checks the semantic rules a reader enforces.
func (f *File) Validate() error {
	if f.Version != Version {
		if f.Version == 0 {
			return fmt.Errorf("%w: no version (want %d)", ErrFormat, Version)
		}
		return fmt.Errorf("%w: unsupported version %d (this seccomp-gen reads %d)", ErrFormat, f.Version, Version)
	}
	set := 0
	if len(f.Target.Command) > 0 {
		set++
	}
	if f.Target.PID != 0 {
		set++
	}
	if f.Target.Cgroup != "" {
		set++
	}
	if set != 1 {
		return fmt.Errorf("%w: target must name exactly one of command, pid, cgroup", ErrFormat)
	}
	if f.Target.PID < 0 {
		return fmt.Errorf("%w: target pid %d", ErrFormat, f.Target.PID)
	}
	if c := f.Target.Container; c != nil {
		if c.ID == "" {
			return fmt.Errorf("%w: target container without an id", ErrFormat)
		}
		switch c.Mode {
		case "hook", "cgroup", "pid":
		default:
			return fmt.Errorf("%w: target container mode %q (known: hook, cgroup, pid)", ErrFormat, c.Mode)
		}
	}
	type key struct {
		arch string
		nr   int
	}
	seen := map[key]bool{}
	for i, s := range f.Syscalls {
		if !IsKnownArch(s.Arch) {
			return fmt.Errorf("%w: syscalls[%d]: unknown arch %q (known: %s)", ErrFormat, i, s.Arch, strings.Join(KnownArches, ", "))
		}
		if s.Nr < 0 {
			return fmt.Errorf("%w: syscalls[%d]: negative syscall number %d", ErrFormat, i, s.Nr)
		}
		if s.Count == 0 {
			return fmt.Errorf("%w: syscalls[%d] (%s %d): count 0", ErrFormat, i, s.Arch, s.Nr)
		}
		k := key{s.Arch, s.Nr}
		if seen[k] {
			return fmt.Errorf("%w: syscalls[%d]: %s %d listed twice", ErrFormat, i, s.Arch, s.Nr)
		}
		seen[k] = true
	}
	return nil
}

// Encode writes f as YAML. f is canonicalized first.
func Encode(w io.Writer, f *File) error {
	f.Canonicalize()
	var buf bytes.Buffer
	buf.WriteString("# seccomp-gen trace: syscalls counted in the kernel per (arch, nr)\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(encodable(f)); err != nil {
		return fmt.Errorf("encode trace: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("encode trace: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// encodable builds a YAML node tree so that each syscall is written on one
// flow-style line, which keeps traces readable and diffable.
func encodable(f *File) *yaml.Node {
	var doc yaml.Node
	_ = doc.Encode(struct {
		Version   int       `yaml:"version"`
		Target    Target    `yaml:"target"`
		Host      Host      `yaml:"host"`
		Started   time.Time `yaml:"started"`
		Duration  Duration  `yaml:"duration"`
		ExitCode  *int      `yaml:"exit_code,omitempty"`
		Lost      uint64    `yaml:"lost"`
		Processes uint64    `yaml:"processes"`
	}{f.Version, f.Target, f.Host, f.Started.UTC(), f.Duration, f.ExitCode, f.Lost, f.Processes})
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if k := doc.Content[i]; k.Value == "target" || k.Value == "host" {
			doc.Content[i+1].Style = yaml.FlowStyle
		}
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, s := range f.Syscalls {
		var n yaml.Node
		_ = n.Encode(s)
		n.Style = yaml.FlowStyle
		seq.Content = append(seq.Content, &n)
	}
	doc.Content = append(doc.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Value: "syscalls"}, seq)
	return &doc
}

// Decode reads one trace strictly: unknown keys, a missing version and
// semantic errors are reported, never ignored.
func Decode(r io.Reader) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%w: empty file", ErrFormat)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrFormat, cleanYAMLError(err))
	}
	var extra any
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, fmt.Errorf("%w: more than one YAML document", ErrFormat)
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	f.Canonicalize()
	return &f, nil
}

// cleanYAMLError turns yaml.v3's multi-line errors into one line a user
// can act on ("line 3: unknown field colour").
func cleanYAMLError(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, len(te.Errors))
		for i, m := range te.Errors {
			m = strings.TrimSpace(m)
			if a, b, ok := strings.Cut(m, ": field "); ok {
				if i := strings.Index(b, " not found in type "); i >= 0 {
					m = a + ": unknown field " + b[:i]
				}
			}
			msgs[i] = m
		}
		return strings.Join(msgs, "; ")
	}
	return strings.ReplaceAll(strings.TrimPrefix(err.Error(), "yaml: "), "\n", " ")
}

// ReadFile reads and validates a trace file; "-" reads standard input.
// Errors name the file.
func ReadFile(path string) (*File, error) {
	var r io.Reader
	if path == "-" {
		r = os.Stdin
	} else {
		fh, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		r = fh
	}
	f, err := Decode(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// WriteFile writes f to path atomically (a temporary file in the same
// directory, then rename); "-" writes to standard output.
func WriteFile(path string, f *File) error {
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		return err
	}
	return atomicfile.Write(path, buf.Bytes(), 0o644)
}
