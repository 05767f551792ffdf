package trace

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/seccomp-gen/seccomp-gen/abi"
	"github.com/seccomp-gen/seccomp-gen/internal/atomicfile"
	"github.com/seccomp-gen/seccomp-gen/internal/yamlerr"
)

// Version is the trace file format version this package writes. Decode
// reads it and Version1.
//
// Version 2 ends with a closing summary, the last key of the file:
//
//	end: {entries: 4, total: 16}
//
// entries is the number of syscall entries and total the sum of their
// counts (saturated at MaxCount). A file cut at any byte either fails to
// parse, lacks the summary, or disagrees with it, so Decode refuses every
// truncated version 2 file (ErrTruncated). Only a cut that drops trailing
// whitespace leaves a complete file.
const Version = 2

// Version1 is the first trace format: the same keys without the closing
// summary. Its completeness cannot be proven: a version 1 file cut at a
// line boundary reads as a complete trace with fewer syscalls. Decode
// still reads complete-looking version 1 files (it refuses one that does
// not end with a newline, which the version 1 writer always wrote, so a
// cut inside a line is caught) and callers should warn that such a trace
// cannot be checked for truncation (see File.Unsealed).
const Version1 = 1

// Bounds on what Decode reads. A trace holds one entry per (ABI, number)
// used: the recorder has 1024 slots for each of its three ABI slots
// (native, compat, x32: NR_ABIS in bpf/recorder.c), so a trace has at most
// 3072 entries and, with every slot used, is about 0.3 MB (a
// `go build` of seccomp-gen traces to about 70 entries, 8 KB with its
// executables list). The
// bounds are well above that and keep a hostile file from costing
// gigabytes of memory in the YAML decoder.
const (
	// MaxFileSize is the largest trace file Decode reads: 4 MiB.
	MaxFileSize = 4 << 20
	// MaxEntries is the most syscall entries a trace may hold.
	MaxEntries = 8192
	// MaxArgValues is the most argument values (Args, and Pairs' with
	// two to a pair) a trace may hold, over all its entries.
	MaxArgValues = 1 << 16
	// MaxItems bounds the commas and line breaks of a trace file, counted
	// before it is parsed: every YAML list item and key costs the decoder a
	// few hundred bytes, and a 4 MiB file of "1,1,1,..." would cost
	// gigabytes. A trace with MaxEntries entries has about 50000.
	MaxItems = 1 << 18
	// MaxCount is the largest count (and lost, processes) a trace may
	// carry: 2^63-1, so that every consumer can hold it in an int64. Sums
	// of counts saturate at MaxCount (AddCount).
	MaxCount = math.MaxInt64
)

// Arch names used in trace files: the names of the one ABI table (package
// abi), those of Docker/OCI profiles without the SCMP_ARCH_ prefix,
// lowercased.
const (
	ArchX86_64  = abi.X86_64
	ArchX86     = abi.X86
	ArchX32     = abi.X32
	ArchAArch64 = abi.AArch64
	ArchARM     = abi.ARM
)

// The range of File.ExitCode: a command's exit status as a shell reports
// it (128+N when signal N killed it).
const (
	MinExitCode = 0
	MaxExitCode = 255
)

// FieldError says which top-level field of a trace (File) is out of its
// range; it matches ErrFormat. Line is the field's line in the file (0 when
// not read from one).
type FieldError struct {
	Field string // the key as the file spells it: "exit_code", "host.arch"
	Msg   string
	Line  int
}

func (e *FieldError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%v: line %d: %s: %s", ErrFormat, e.Line, e.Field, e.Msg)
	}
	return fmt.Sprintf("%v: %s: %s", ErrFormat, e.Field, e.Msg)
}

func (e *FieldError) Unwrap() error { return ErrFormat }

// ErrFormat is wrapped by every error that says a trace file is malformed.
var ErrFormat = errors.New("malformed trace")

// ErrTruncated is wrapped by the errors that say a trace file was cut
// short (it also matches ErrFormat).
var ErrTruncated = fmt.Errorf("%w: truncated", ErrFormat)

// ErrTooLarge is wrapped by the errors for a trace over one of the bounds
// (MaxFileSize, MaxItems, MaxEntries, MaxArgValues); it also matches
// ErrFormat.
var ErrTooLarge = fmt.Errorf("%w: too large", ErrFormat)

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
	// Executables are the program files the traced processes executed
	// (trace/executables.go); nil in traces from older recorders.
	Executables []Executable `yaml:"executables,omitempty"`
	// ExecutablesOmitted counts the executables the traced processes ran
	// that the list leaves out: more ran than the recorder keeps (1024
	// names), or their path is 255 bytes or more (the recorder keeps the
	// first 255). 0 (and no key in the file) when the list is complete.
	ExecutablesOmitted uint64 `yaml:"executables_omitted,omitempty"`
}

// Target says what was traced. Exactly one of Command, PID and Cgroup is
// set; Container adds which container that PID or cgroup was.
type Target struct {
	Command   []string   `yaml:"command,omitempty,flow"`
	PID       int        `yaml:"pid,omitempty"`
	Cgroup    string     `yaml:"cgroup,omitempty"`
	Container *Container `yaml:"container,omitempty"`
	// Unseen is, for a pid or cgroup target that is no container, what
	// the recording could not see: UnseenFiltered when a process of the
	// target ran under a seccomp filter (a container's trace says so in
	// Container.Unseen). Empty for a command.
	Unseen []string `yaml:"unseen,omitempty,flow"`
}

// Filtered reports whether the traced target ran under a seccomp filter
// whose denials the recorder could not see (UnseenFiltered, in
// target.unseen or target.container.unseen): a verdict from such a trace
// could miss syscalls.
func (f *File) Filtered() bool {
	if c := f.Target.Container; c != nil && slices.Contains(c.Unseen, UnseenFiltered) {
		return true
	}
	return slices.Contains(f.Target.Unseen, UnseenFiltered)
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
	// attaching", "processes that entered by exec", "the end: recording
	// stopped (duration)").
	Unseen []string `yaml:"unseen,omitempty,flow"`
}

// UnseenFiltered is the Container.Unseen (or Target.Unseen) entry of a
// target that ran under a seccomp filter: the recorder's tracepoint fires after the
// filter, so what the filter denied is not in the trace, and under the
// profile being checked every call seen is allowed by construction.
const UnseenFiltered = "syscalls its seccomp filter denied"

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
	// first, when the recorder knows it. File.ExecutableFor maps it to the
	// executable's path when exactly one of the trace's executables has
	// that comm as its base name.
	First string `yaml:"first,omitempty"`
	// Args are the distinct values of the recorded arguments of this
	// syscall (reduce.ArgSpecs lists which: clone flags, socket domain,
	// ...), one entry per argument index, sorted by index. A syscall of
	// that list without Args was recorded without arguments (an older
	// trace, or a recorder run with argument recording off): its values
	// are unknown, not empty.
	//
	//	- {arch: x86_64, nr: 41, name: socket, count: 3, args: [{index: 0, values: [1, 10]}]}
	Args []ArgValues `yaml:"args,omitempty"`
	// Pairs, for a syscall whose two recorded arguments are restricted
	// together (socket's domain and type, a socket option's level and
	// optname: RecordedPairs), are the combinations of their values that
	// went together in one call. Nil where they were not recorded (an
	// older trace, or entries merged with one): which values went
	// together is then unknown, and every combination of Args' values
	// counts as observed.
	//
	//	- {arch: x86_64, nr: 41, name: socket, count: 2, args: [...], pairs: {indexes: [0, 1], values: [[1, 1], [2, 2]]}}
	Pairs *ArgPairs `yaml:"pairs,omitempty"`
}

// MaxNr and MinNr bound the syscall numbers a trace may hold: seccomp's
// and libseccomp's numbers are int32 (x32's, with their 0x40000000 bit, and
// arm's private ones at 0xf0000 are well inside). A negative number is a
// program's probe such as syscall(-1), as seccomp sees it: no syscall has
// it, and no rule can name it.
const (
	MaxNr = math.MaxInt32
	MinNr = math.MinInt32
)

// MaxArgDistinct is the most distinct values the recorder keeps per (ABI,
// syscall, argument); more set Overflow.
const MaxArgDistinct = 32

// ArgValues are the distinct values one argument of a syscall took, as the
// register held them (64 bits, the low 32 on a 32-bit ABI; sorted, no
// duplicates), masked as RecordedArgs says; an argument recorded in some
// calls only (RecordedArg.When: fcntl's third, in F_SETFL calls) holds the
// values of those calls. Overflow says the argument took more distinct values than
// the recorder keeps (MaxArgDistinct): Values are some of them, and a
// profile must not be restricted to them.
type ArgValues struct {
	Index    int      `yaml:"index"`
	Values   []uint64 `yaml:"values,flow"`
	Overflow bool     `yaml:"overflow,omitempty"`
}

// ArgPairs are the distinct pairs of values two arguments of a syscall took
// in one call (sorted, no duplicates): Values[k][0] is argument Indexes[0]'s,
// Values[k][1] argument Indexes[1]'s, each the low 32 bits of the register
// (both arguments are ints of the kernel), masked as RecordedArgs says.
// Overflow says the calls made more distinct pairs than the recorder keeps
// (MaxArgDistinct): Values are some of them, and a profile must then allow
// every combination of the arguments' values, as without Pairs.
type ArgPairs struct {
	Indexes  [2]int      `yaml:"indexes,flow"`
	Values   [][2]uint64 `yaml:"values,flow"`
	Overflow bool        `yaml:"overflow,omitempty"`
}

// mergePairs merges the pairs of two entries of one (ABI, nr): the union,
// or nil (unknown) when one of them has none or they pair other arguments.
func mergePairs(a, b *ArgPairs) *ArgPairs {
	if a == nil || b == nil || a.Indexes != b.Indexes {
		return nil
	}
	out := &ArgPairs{Indexes: a.Indexes, Overflow: a.Overflow || b.Overflow,
		Values: append(append([][2]uint64{}, a.Values...), b.Values...)}
	canonPairs(out)
	return out
}

// canonPairs sorts p's values and drops duplicates.
func canonPairs(p *ArgPairs) {
	if p == nil {
		return
	}
	v := p.Values
	sort.Slice(v, func(i, j int) bool {
		if v[i][0] != v[j][0] {
			return v[i][0] < v[j][0]
		}
		return v[i][1] < v[j][1]
	})
	out := v[:0]
	for j, x := range v {
		if j == 0 || x != v[j-1] {
			out = append(out, x)
		}
	}
	if out == nil {
		out = [][2]uint64{}
	}
	p.Values = out
}

// mergeArgs merges the argument values of two entries of one (ABI, nr). An
// index that one of them lacks is unknown in the merge (dropped).
func mergeArgs(a, b []ArgValues) []ArgValues {
	var out []ArgValues
	for _, x := range a {
		for _, y := range b {
			if x.Index != y.Index {
				continue
			}
			vals := append(append([]uint64{}, x.Values...), y.Values...)
			out = append(out, ArgValues{Index: x.Index, Values: vals, Overflow: x.Overflow || y.Overflow})
		}
	}
	canonArgs(out)
	return out
}

// canonArgs sorts args by index and their values, dropping duplicates.
func canonArgs(args []ArgValues) {
	sort.Slice(args, func(i, j int) bool { return args[i].Index < args[j].Index })
	for i := range args {
		v := args[i].Values
		sort.Slice(v, func(a, b int) bool { return v[a] < v[b] })
		out := v[:0]
		for j, x := range v {
			if j == 0 || x != v[j-1] {
				out = append(out, x)
			}
		}
		args[i].Values = out
	}
}

// Duration is a time.Duration written as Go duration text ("0.41s").
type Duration time.Duration

// MarshalYAML writes the duration in seconds with millisecond precision.
func (d Duration) MarshalYAML() (any, error) {
	return d.text(), nil
}

// text is the duration in seconds with millisecond precision: "0.410s".
func (d Duration) text() string {
	return fmt.Sprintf("%.3fs", time.Duration(d).Seconds())
}

// UnmarshalYAML reads any Go duration text.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: not a duration such as 0.410s or 2m3s", s)
	}
	if v < 0 {
		return fmt.Errorf("duration %q: negative", s)
	}
	*d = Duration(v)
	return nil
}

// KnownArches are the arch names a trace may carry.
var KnownArches = abi.Names()

// IsKnownArch reports whether name is an arch name trace files use.
func IsKnownArch(name string) bool { return abi.Known(name) }

// AddCount returns a+b saturated at MaxCount, and whether it saturated (the
// true sum is larger than the result, or an operand was above MaxCount).
// Counts are summed with it everywhere, so that a sum never wraps.
func AddCount(a, b uint64) (uint64, bool) {
	if a > MaxCount || b > MaxCount || a+b > MaxCount {
		return MaxCount, true
	}
	return a + b, false
}

// Canonicalize sorts syscalls by (arch, nr) and merges duplicate entries
// (their counts saturate at MaxCount).
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
			out[n-1].Count, _ = AddCount(out[n-1].Count, s.Count)
			out[n-1].Args = mergeArgs(out[n-1].Args, s.Args)
			out[n-1].Pairs = mergePairs(out[n-1].Pairs, s.Pairs)
			if out[n-1].Name == "" {
				out[n-1].Name = s.Name
			}
			continue
		}
		canonArgs(s.Args)
		canonPairs(s.Pairs)
		out = append(out, s)
	}
	f.Syscalls = out
	f.canonicalizeExecutables()
}

// Complete reports whether nothing was lost while recording.
func (f *File) Complete() bool { return f.Lost == 0 }

// Unsealed reports whether f was read from a version 1 file, which has no
// closing summary: it may have been cut at a line boundary, and nothing
// can tell. Commands warn about such traces.
func (f *File) Unsealed() bool { return f.Version == Version1 }

// Summary is the closing summary of a version 2 file.
type Summary struct {
	Entries int    `yaml:"entries"`
	Total   uint64 `yaml:"total"`
}

// Summarize returns the closing summary of f: its number of entries and the
// sum of their counts, saturated at MaxCount.
func (f *File) Summarize() Summary {
	s := Summary{Entries: len(f.Syscalls)}
	for _, sc := range f.Syscalls {
		s.Total, _ = AddCount(s.Total, sc.Count)
	}
	return s
}

// Validate checks the semantic rules a reader enforces.
func (f *File) Validate() error {
	if f.Version != Version && f.Version != Version1 {
		if f.Version == 0 {
			return fmt.Errorf("%w: no version (want %d)", ErrFormat, Version)
		}
		return fmt.Errorf("%w: unsupported version %d (this seccomp-gen reads %d and %d)", ErrFormat, f.Version, Version1, Version)
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
	if len(f.Target.Unseen) > 0 && (len(f.Target.Command) > 0 || f.Target.Container != nil) {
		return fmt.Errorf("%w: target unseen is for a pid or cgroup target (a container's is target.container.unseen)", ErrFormat)
	}
	if f.Lost > MaxCount {
		return fmt.Errorf("%w: lost %d is above 2^63-1", ErrFormat, f.Lost)
	}
	if f.Processes > MaxCount {
		return &FieldError{Field: "processes", Msg: fmt.Sprintf("%d is above 2^63-1", f.Processes)}
	}
	if a := f.Host.Arch; a != "" && !IsKnownArch(a) {
		return &FieldError{Field: "host.arch", Msg: fmt.Sprintf("unknown arch %q (known: %s)", a, strings.Join(KnownArches, ", "))}
	}
	if c := f.ExitCode; c != nil && (*c < MinExitCode || *c > MaxExitCode) {
		return &FieldError{Field: "exit_code", Msg: fmt.Sprintf("%d is out of range %d..%d (the command's exit status; 128+N when signal N killed it)", *c, MinExitCode, MaxExitCode)}
	}
	if f.ExecutablesOmitted > MaxCount {
		return fmt.Errorf("%w: executables_omitted %d is above 2^63-1", ErrFormat, f.ExecutablesOmitted)
	}
	if len(f.Syscalls) > MaxEntries {
		return fmt.Errorf("%w: %d syscall entries, more than the %d a trace may hold", ErrTooLarge, len(f.Syscalls), MaxEntries)
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
	values := 0
	for i, s := range f.Syscalls {
		idx := map[int]bool{}
		for _, a := range s.Args {
			values += len(a.Values)
			if a.Index < 0 || a.Index > 5 {
				return fmt.Errorf("%w: syscalls[%d] (%s %d): argument index %d out of range 0..5", ErrFormat, i, s.Arch, s.Nr, a.Index)
			}
			if idx[a.Index] {
				return fmt.Errorf("%w: syscalls[%d] (%s %d): argument %d listed twice", ErrFormat, i, s.Arch, s.Nr, a.Index)
			}
			idx[a.Index] = true
		}
		if p := s.Pairs; p != nil {
			values += 2 * len(p.Values)
			if p.Indexes[0] < 0 || p.Indexes[1] > 5 || p.Indexes[0] >= p.Indexes[1] {
				return fmt.Errorf("%w: syscalls[%d] (%s %d): pair indexes %d, %d: want two argument indexes in 0..5, the lower first", ErrFormat, i, s.Arch, s.Nr, p.Indexes[0], p.Indexes[1])
			}
			for _, v := range p.Values {
				if v[0] > 0xffffffff || v[1] > 0xffffffff {
					return fmt.Errorf("%w: syscalls[%d] (%s %d): pair [%d, %d]: values are 32 bits", ErrFormat, i, s.Arch, s.Nr, v[0], v[1])
				}
			}
		}
		if values > MaxArgValues {
			return fmt.Errorf("%w: more than %d argument values", ErrTooLarge, MaxArgValues)
		}
		if !IsKnownArch(s.Arch) {
			return fmt.Errorf("%w: syscalls[%d]: unknown arch %q (known: %s)", ErrFormat, i, s.Arch, strings.Join(KnownArches, ", "))
		}
		if s.Nr < MinNr {
			return fmt.Errorf("%w: syscalls[%d]: syscall number %d is below %d, the smallest a syscall number can be (libseccomp's and the kernel's are 32-bit)", ErrFormat, i, s.Nr, MinNr)
		}
		if s.Nr > MaxNr {
			return fmt.Errorf("%w: syscalls[%d]: syscall number %d is above %d, the largest a syscall number can be (libseccomp's and the kernel's are 32-bit)", ErrFormat, i, s.Nr, MaxNr)
		}
		if s.Count == 0 {
			return fmt.Errorf("%w: syscalls[%d] (%s %d): count 0", ErrFormat, i, s.Arch, s.Nr)
		}
		if s.Count > MaxCount {
			return fmt.Errorf("%w: syscalls[%d] (%s %d): count %d is above 2^63-1", ErrFormat, i, s.Arch, s.Nr, s.Count)
		}
		k := key{s.Arch, s.Nr}
		if seen[k] {
			return fmt.Errorf("%w: syscalls[%d]: %s %d listed twice", ErrFormat, i, s.Arch, s.Nr)
		}
		seen[k] = true
	}
	return f.validateExecutables()
}

// Encode writes f as a version 2 trace, whatever f.Version says, with its
// closing summary. f is canonicalized first; a file that Decode would
// refuse (Validate) is an error, so nothing written here is unreadable.
func Encode(w io.Writer, f *File) error {
	f.Canonicalize()
	v := *f
	v.Version = Version
	if err := v.Validate(); err != nil {
		return fmt.Errorf("encode trace: %w", err)
	}
	data, ok := appendText(make([]byte, 0, 4096), &v)
	if !ok {
		var err error
		if data, err = encodeTree(&v); err != nil {
			return err
		}
	}
	_, err := w.Write(data)
	return err
}

// encodeTree is Encode through a yaml.v3 node tree (encodable): what
// Encode did before appendText, which writes the same bytes (the tests
// compare them), and what it falls back to for a file that appendText
// does not cover.
func encodeTree(f *File) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(encodeHeader)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	doc, err := encodable(f)
	if err != nil {
		return nil, err
	}
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode trace: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode trace: %w", err)
	}
	return buf.Bytes(), nil
}

// syscallNode is the flow-style YAML node of s, the node that yaml.Node's
// Encode makes of it (field order, omitempty, quoting), built directly:
// Node.Encode marshals to text and parses it back, ~15 µs an entry, which
// made encoding a trace ~0.7 ms of every traced command's end (issue 13).
// TestSyscallNodeMatchesEncode compares the two.
func syscallNode(s Syscall) *yaml.Node { return strNodes{}.syscallNode(s) }

// syscallNode is syscallNode with the string nodes memoized in c.
func (c strNodes) syscallNode(s Syscall) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle, Tag: "!!map"}
	add := func(key string, v *yaml.Node) {
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
	}
	add("arch", c.node(s.Arch))
	add("nr", intNode(strconv.Itoa(s.Nr)))
	if s.Name != "" {
		add("name", c.node(s.Name))
	}
	add("count", intNode(strconv.FormatUint(s.Count, 10)))
	if s.First != "" {
		add("first", c.node(s.First))
	}
	if len(s.Args) > 0 {
		args := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Tag: "!!seq"}
		for _, a := range s.Args {
			m := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle, Tag: "!!map"}
			vals := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Tag: "!!seq"}
			for _, v := range a.Values {
				vals.Content = append(vals.Content, intNode(strconv.FormatUint(v, 10)))
			}
			m.Content = append(m.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "index"}, intNode(strconv.Itoa(a.Index)),
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "values"}, vals)
			if a.Overflow {
				m.Content = append(m.Content,
					&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "overflow"},
					&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
			}
			args.Content = append(args.Content, m)
		}
		add("args", args)
	}
	if p := s.Pairs; p != nil {
		key := func(k string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k} }
		flowSeq := func() *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Tag: "!!seq"} }
		idx := flowSeq()
		idx.Content = append(idx.Content, intNode(strconv.Itoa(p.Indexes[0])), intNode(strconv.Itoa(p.Indexes[1])))
		vals := flowSeq()
		for _, v := range p.Values {
			pair := flowSeq()
			pair.Content = append(pair.Content, intNode(strconv.FormatUint(v[0], 10)), intNode(strconv.FormatUint(v[1], 10)))
			vals.Content = append(vals.Content, pair)
		}
		m := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle, Tag: "!!map"}
		m.Content = append(m.Content, key("indexes"), idx, key("values"), vals)
		if p.Overflow {
			m.Content = append(m.Content, key("overflow"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
		}
		add("pairs", m)
	}
	return n
}

func intNode(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: v}
}

// strNode is the node of a string value: plain when it is a word that YAML
// reads as a string only (syscall and ABI names, most program names), else
// as Node.Encode makes it (quoted when it would read as something else).
func strNode(v string) *yaml.Node {
	if plainWord(v) {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
	}
	if strings.ContainsAny(v, "\n\r\u0085\u2028\u2029") {
		// Not Node.Encode: yaml.v3 (v3.0.1) makes a literal block of a
		// string with a line break whose node value has lost its
		// leading breaks, so a comm "\nlead" (prctl PR_SET_NAME takes
		// any bytes) came back as "lead". Double quotes escape every
		// break.
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Style: yaml.DoubleQuotedStyle}
	}
	var n yaml.Node
	_ = n.Encode(v)
	return &n
}

// strNodes memoizes strNode for one encoding: most entries of a trace
// share their first program, and one that YAML must quote (the comm "true"
// of /bin/true, "python3.11", "ld-linux") costs a Node.Encode, ~15 µs, each
// time: ~0.45 ms of trace -- /bin/true's end (issue 13).
type strNodes map[string]yaml.Node

// node is strNode(v): a node of its own, made once per value.
func (c strNodes) node(v string) *yaml.Node {
	n, ok := c[v]
	if !ok {
		n = *strNode(v)
		c[v] = n
	}
	return &n
}

// plainWord reports whether v is [a-z_][a-z0-9_]* and no word that YAML
// 1.1 or 1.2 reads as a boolean or null.
func plainWord(v string) bool {
	if v == "" || v[0] >= '0' && v[0] <= '9' {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	switch v {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
		return false
	}
	return true
}

// encodable builds a YAML node tree so that each syscall is written on one
// flow-style line, which keeps traces readable and diffable, and the
// closing summary last.
func encodable(f *File) (*yaml.Node, error) {
	doc, err := encodeNode(struct {
		Version   int       `yaml:"version"`
		Target    Target    `yaml:"target"`
		Host      Host      `yaml:"host"`
		Started   time.Time `yaml:"started"`
		Duration  Duration  `yaml:"duration"`
		ExitCode  *int      `yaml:"exit_code,omitempty"`
		Lost      uint64    `yaml:"lost"`
		Processes uint64    `yaml:"processes"`
		Omitted   uint64    `yaml:"executables_omitted,omitempty"`
	}{f.Version, f.Target, f.Host, f.Started.UTC(), f.Duration, f.ExitCode, f.Lost, f.Processes, f.ExecutablesOmitted})
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if k := doc.Content[i]; k.Value == "target" || k.Value == "host" {
			doc.Content[i+1].Style = yaml.FlowStyle
		}
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	strs := strNodes{}
	for _, s := range f.Syscalls {
		seq.Content = append(seq.Content, strs.syscallNode(s))
	}
	end, err := encodeNode(f.Summarize())
	if err != nil {
		return nil, err
	}
	end.Style = yaml.FlowStyle
	doc.Content = append(doc.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Value: "syscalls"}, seq)
	if len(f.Executables) > 0 {
		exes, err := encodeExecutables(f.Executables)
		if err != nil {
			return nil, err
		}
		doc.Content = append(doc.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Value: "executables"}, exes)
	}
	doc.Content = append(doc.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Value: endKey}, end)
	return doc, nil
}

// endKey is the key of the closing summary.
const endKey = "end"

// fileDoc is what Decode reads: a File and, in version 2, its summary.
type fileDoc struct {
	File `yaml:",inline"`
	End  *Summary `yaml:"end"`
}

// Decode reads one trace strictly: unknown keys, a missing version, a
// truncated file and semantic errors are reported, never ignored. It reads
// at most MaxFileSize bytes of r.
func Decode(r io.Reader) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, tooLarge()
	}
	if n := bytes.Count(data, []byte(",")) + bytes.Count(data, []byte("\n")); n > MaxItems {
		return nil, fmt.Errorf("%w: %d list items and lines, more than the %d a trace file may have", ErrTooLarge, n, MaxItems)
	}
	f, err := decode(data)
	var other *otherFileError
	if err != nil && len(data) > 0 && data[len(data)-1] != '\n' && !errors.Is(err, ErrTruncated) && !errors.As(err, &other) {
		// Every writer of trace files ends them with a newline.
		return nil, fmt.Errorf("%w (the file ends inside a line: cut short?)", err)
	}
	return f, err
}

func tooLarge() error {
	return fmt.Errorf("%w: larger than %d MiB, the most a trace file may be (a real trace is below 1 MB)", ErrTooLarge, MaxFileSize>>20)
}

func decode(data []byte) (*File, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%w: empty file", ErrFormat)
	}
	if what := binaryData(data); what != "" {
		return nil, &otherFileError{what: what}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var d fileDoc
	if err := dec.Decode(&d); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: the file holds only comments, no trace", ErrTruncated)
		}
		if what := notATrace(data); what != "" {
			return nil, &otherFileError{what: what}
		}
		return nil, fmt.Errorf("%w: %s", ErrFormat, yamlerr.Line(err))
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: more than one YAML document", ErrFormat)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrFormat, yamlerr.Line(err))
	}
	if err := yamlerr.Whole(&root, &d); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	f := &d.File
	switch f.Version {
	case Version1:
		if d.End != nil {
			return nil, fmt.Errorf("%w: key %q is version %d's closing summary, not part of version %d", ErrFormat, endKey, Version, Version1)
		}
		if data[len(data)-1] != '\n' {
			return nil, fmt.Errorf("%w: version %d file does not end with a newline: cut inside a line", ErrTruncated, Version1)
		}
	case Version:
		if err := checkEnd(data, &d, &root); err != nil {
			return nil, err
		}
	}
	if err := entryKeys(&root); err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			fe.Line = keyLine(&root, strings.Split(fe.Field, ".")...)
		}
		return nil, err
	}
	f.rehomeNativeProbes()
	f.Canonicalize()
	return f, nil
}

// rehomeNativeProbes moves to x86_64 the x32 entries whose number
// libseccomp's filters test against x86_64's rules (abi.IsX32Nr): a
// program's syscall(-1), which builds between 1a6bac3 and 4c28bb9 wrote as
// {arch: x32, nr: -1}. seccomp sees that call as x86_64's (AUDIT_ARCH_X86_64,
// number 0xffffffff) whatever the recorder called it, so the entry means
// the x86_64 one: read at face value, check failed the run ("ABI x32 not
// covered") and generate said runtimes kill it, while they answer it with
// the profile's default. An x86_64 entry of the same number is merged with
// it (Canonicalize).
func (f *File) rehomeNativeProbes() {
	for i := range f.Syscalls {
		s := &f.Syscalls[i]
		if nr := uint32(int32(s.Nr)); s.Arch == ArchX32 && nr&abi.X32SyscallBit != 0 && !abi.IsX32Nr(nr) {
			s.Arch = ArchX86_64
		}
	}
}

// entryKeys checks that every syscalls entry names its arch, nr and count:
// decoded, a missing nr would be 0 (read on x86_64) and go unnoticed.
func entryKeys(root *yaml.Node) error {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != "syscalls" || n.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		for j, e := range n.Content[i+1].Content {
			if e.Kind != yaml.MappingNode {
				continue // the decoder has said what is wrong with it
			}
			for _, want := range []string{"arch", "nr", "count"} {
				found := false
				for k := 0; k+1 < len(e.Content); k += 2 {
					found = found || e.Content[k].Value == want
				}
				if !found {
					return fmt.Errorf("%w: line %d: syscalls[%d] has no %s", ErrFormat, e.Line, j, want)
				}
			}
		}
	}
	return nil
}

// keyLine is the line of the key at path (top-level key, then keys of
// the mappings below it) in the document root, 0 when it is not there.
func keyLine(root *yaml.Node, path ...string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	line := 0
	for _, k := range path {
		if n.Kind != yaml.MappingNode {
			return 0
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				line, next = n.Content[i].Line, n.Content[i+1]
			}
		}
		if next == nil {
			return 0
		}
		n = next
	}
	return line
}

// otherFileError says that the file is another file seccomp-gen reads,
// not a trace (notATrace). It is an ErrFormat.
type otherFileError struct{ what string }

func (e *otherFileError) Error() string {
	return fmt.Sprintf("%v: %s, not a trace (traces are what seccomp-gen trace writes)", ErrFormat, e.what)
}

func (e *otherFileError) Unwrap() error { return ErrFormat }

// binaryData names what data is when it is not text ("" when it is): a
// compressed trace, a program, or other binary data (a compiled filter).
// The YAML parser would say "control characters are not allowed", and
// Decode add "cut short?".
func binaryData(data []byte) string {
	for _, m := range []struct{ magic, what string }{
		{"\x1f\x8b", "gzip-compressed data (decompress it first)"},
		{"\x28\xb5\x2f\xfd", "zstd-compressed data (decompress it first)"},
		{"\xfd7zXZ\x00", "xz-compressed data (decompress it first)"},
		{"\x7fELF", "a program (ELF)"},
	} {
		if bytes.HasPrefix(data, []byte(m.magic)) {
			return m.what
		}
	}
	if bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data) {
		return "binary data"
	}
	return ""
}

// notATrace names what data is when it is another file seccomp-gen reads
// (a profile in any of its formats, an OCI runtime config, a baseline),
// "" otherwise: a mapping with that format's telltale keys.
func notATrace(data []byte) string {
	var top map[string]any
	if yaml.Unmarshal(data, &top) != nil {
		return ""
	}
	has := func(k string) bool { _, ok := top[k]; return ok }
	switch {
	case has("defaultAction"):
		return "a seccomp profile (Docker or OCI JSON)"
	case top["kind"] == "SeccompProfile":
		return "a seccomp profile (Kubernetes SeccompProfile)"
	case has("ociVersion"):
		return "an OCI runtime config"
	case has("name") && has("syscalls") && !has("version"):
		return "a baseline (generate takes one with --baseline FILE)"
	}
	return ""
}

// checkEnd verifies the closing summary of a version 2 file: present, the
// last key, and in agreement with the entries.
func checkEnd(data []byte, d *fileDoc, root *yaml.Node) error {
	if d.End == nil {
		return fmt.Errorf("%w: no closing %q summary after the syscalls (a complete version %d trace ends with \"end: {entries: N, total: T}\")", ErrTruncated, endKey, Version)
	}
	if len(d.Syscalls) > MaxEntries {
		return fmt.Errorf("%w: %d syscall entries, more than the %d a trace may hold", ErrTooLarge, len(d.Syscalls), MaxEntries)
	}
	if m := root.Content; len(m) == 1 && m[0].Kind == yaml.MappingNode {
		keys := m[0].Content
		if n := len(keys); n < 2 || keys[n-2].Value != endKey {
			return fmt.Errorf("%w: %q must be the last key (line %d), so that a cut removes it", ErrFormat, endKey, endLine(keys))
		}
	}
	got := d.File.Summarize()
	if d.End.Entries != got.Entries {
		return fmt.Errorf("%w: the closing summary says %d syscall entries, the file holds %d (cut short or edited)", ErrTruncated, d.End.Entries, got.Entries)
	}
	for _, s := range d.Syscalls {
		if s.Count > MaxCount {
			return nil // Validate says which count is out of range
		}
	}
	if d.End.Total != got.Total {
		return fmt.Errorf("%w: the closing summary says the counts add up to %d, they add up to %d (cut short or edited)", ErrTruncated, d.End.Total, got.Total)
	}
	return nil
}

func endLine(keys []*yaml.Node) int {
	for i := 0; i < len(keys); i += 2 {
		if keys[i].Value == endKey {
			return keys[i].Line
		}
	}
	return 0
}

// ReadFile reads and validates a trace file; "-" reads standard input
// (named "<stdin>" in errors, as emit names it).
// A regular file over MaxFileSize is refused before it is read. Errors
// name the file.
func ReadFile(path string) (*File, error) {
	var r io.Reader
	if path == "-" {
		r, path = os.Stdin, "<stdin>"
	} else {
		fh, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, bareErr(err))
		}
		defer fh.Close()
		st, err := fh.Stat()
		if err == nil && st.IsDir() {
			return nil, fmt.Errorf("%s: is a directory, not a trace file", path)
		}
		if err == nil && st.Mode().IsRegular() && st.Size() > MaxFileSize {
			return nil, fmt.Errorf("%s: %w (it has %d bytes)", path, tooLarge(), st.Size())
		}
		r = fh
	}
	f, err := Decode(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, bareErr(err))
	}
	return f, nil
}

// bareErr drops an *fs.PathError's operation and path, which the message
// names already ("t.yaml: no such file or directory", not "t.yaml: open
// t.yaml: ..."). The errno still matches errors.Is(err, fs.ErrNotExist).
func bareErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
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

// Tables is the one door to syscall tables, per ABI (a trace arch name):
// every package that names or numbers syscalls (the recorder, the trace
// reader, the reducer, the verdicts) takes one. scmp.Tables implements it
// with libseccomp's tables; tests use small fakes.
type Tables interface {
	// Name returns the name of syscall nr (x32 numbers carry the x32
	// bit), false when the table has none.
	Name(arch string, nr int) (string, bool)
	// Number returns the number of name (*scmp.UnknownSyscallError, or
	// another error, when arch has no such syscall).
	Number(arch, name string) (int, error)
	// Has reports whether name is a syscall on arch.
	Has(arch, name string) bool
	// Names lists every syscall name of arch.
	Names(arch string) ([]string, error)
}

// NameError says that an entry's name and number disagree: the number is
// another syscall (Want), or no syscall, of the ABI while the name is one.
// It matches ErrFormat.
type NameError struct {
	Arch string
	Nr   int
	Name string // what the trace says
	Want string // the table's name for Nr; "" when it has none
}

func (e *NameError) Error() string {
	switch e.Want {
	case "":
		return fmt.Sprintf("%s syscall number %d has no name in libseccomp's table, but the trace names it %s, which is another number there", e.Arch, e.Nr, e.Name)
	default:
		return fmt.Sprintf("%s syscall number %d is %s, but the trace names it %s", e.Arch, e.Nr, e.Want, e.Name)
	}
}

func (e *NameError) Is(target error) bool { return target == ErrFormat }

// ResolveName is the one rule by which every reader of traces (generate,
// check) names an entry and checks that its name and number agree:
//
//   - the table names s.Nr: that is the name; s.Name must be empty or the
//     same (a *NameError otherwise: "brk" with number 101, ptrace's);
//   - the table cannot name s.Nr (a syscall newer than the installed
//     libseccomp, a gap in the table, a number a program probed): the
//     entry has no name here (""), and s.Name must not be a name the table
//     knows under another number (a *NameError). A name the table does
//     not know at all (written by a newer libseccomp) is dropped.
func ResolveName(t Tables, s Syscall) (string, error) {
	want, ok := t.Name(s.Arch, s.Nr)
	if ok {
		if s.Name != "" && s.Name != want {
			return "", &NameError{Arch: s.Arch, Nr: s.Nr, Name: s.Name, Want: want}
		}
		return want, nil
	}
	if s.Name != "" && t.Has(s.Arch, s.Name) {
		return "", &NameError{Arch: s.Arch, Nr: s.Nr, Name: s.Name}
	}
	return "", nil
}

// ResolveNames names every entry of f with t (ResolveName) and returns the
// entries t cannot name, which keep an empty name. An entry whose name and
// number disagree is a *NameError (its ABI and number say which line).
func (f *File) ResolveNames(t Tables) (unnamed []Syscall, err error) {
	for i := range f.Syscalls {
		s := &f.Syscalls[i]
		name, err := ResolveName(t, *s)
		if err != nil {
			return nil, err
		}
		s.Name = name
		if name == "" {
			unnamed = append(unnamed, *s)
		}
	}
	return unnamed, nil
}
