package profiles

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/seccomp-gen/seccomp-gen/abi"
	"github.com/seccomp-gen/seccomp-gen/internal/yamlerr"
)

//go:embed baselines/*.yaml ceiling.yaml
var data embed.FS

// ErrUnknownBaseline is wrapped when a baseline name is not shipped.
var ErrUnknownBaseline = errors.New("unknown baseline")

// None is the --baseline value that selects no baseline at all.
const None = "none"

// DefaultBaselines are used when the user names none: a profile made from a
// trace of a command must run that command under runc and crun, in both
// noNewPrivileges modes.
var DefaultBaselines = []string{"runc", "crun"}

// Baseline is a set of syscalls added to every profile that selects it.
type Baseline struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Include names other baselines whose syscalls this one adds too.
	Include []string `yaml:"include,omitempty,flow"`
	// Syscalls maps a trace arch name (x86_64, aarch64, ...) to syscall
	// names. An arch without a list gets the list of Measured (the arch the
	// baseline was measured on) mapped to its equivalents by the reducer.
	Syscalls map[string][]string `yaml:"syscalls"`
	// Measured is the arch the lists come from.
	Measured string `yaml:"measured"`
	// Args are values the runtime passes to recorded arguments
	// (reduce.ArgSpecs) of its syscalls: syscall name -> argument index
	// -> values. A syscall with values here keeps its argument rule in a
	// profile that includes the baseline, with these values allowed too;
	// one without gets no argument rule (the runtime's values are unknown).
	Args map[string]map[int][]uint64 `yaml:"args,omitempty"`
	// Source is where the baseline came from: "embedded" or a file path.
	Source string `yaml:"-"`
	// OwnCalls marks a baseline of calls the traced programs may make
	// themselves (generate --widen), not a runtime's: reports say so.
	OwnCalls bool `yaml:"-"`
}

// MergedArgs merges the baselines' argument values (Args): syscall name ->
// argument index -> values. A syscall keeps values only when every baseline
// that lists it gives values for it; one listed without values makes them
// unknown (absent). generate's argument rules and the --baseline
// requirement of check and replay read the same merge.
func MergedArgs(baselines []*Baseline) map[string]map[int][]uint64 {
	out := map[string]map[int][]uint64{}
	unknown := map[string]bool{}
	for _, b := range baselines {
		for _, name := range b.Syscalls[b.Measured] {
			vals, ok := b.Args[name]
			if !ok {
				unknown[name] = true
				continue
			}
			m := out[name]
			if m == nil {
				m = map[int][]uint64{}
				out[name] = m
			}
			for i, v := range vals {
				m[i] = append(m[i], v...)
			}
		}
	}
	for name := range unknown {
		delete(out, name)
	}
	return out
}

// Arches returns the arch names the baseline has lists for, sorted.
func (b *Baseline) Arches() []string {
	out := make([]string, 0, len(b.Syscalls))
	for a := range b.Syscalls {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// ParseBaseline reads a baseline file strictly (unknown keys are errors).
// source names it in errors.
func ParseBaseline(raw []byte, source string) (*Baseline, error) {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var b Baseline
	if err := dec.Decode(&b); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("baseline %s: empty file", source)
		}
		if what := notABaseline(raw); what != "" {
			return nil, fmt.Errorf("baseline %s: %s", source, what)
		}
		return nil, fmt.Errorf("baseline %s: %s", source, yamlerr.Line(err))
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("baseline %s: more than one YAML document", source)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("baseline %s: %s", source, yamlerr.Line(err))
	}
	if err := yamlerr.Whole(&root, &b); err != nil {
		return nil, fmt.Errorf("baseline %s: %w", source, err)
	}
	if b.Name == "" {
		return nil, fmt.Errorf("baseline %s: no name", source)
	}
	if len(b.Syscalls) == 0 {
		return nil, fmt.Errorf("baseline %s: no syscalls", source)
	}
	if b.Measured == "" {
		if len(b.Syscalls) != 1 {
			return nil, fmt.Errorf("baseline %s: several arches but no 'measured' arch", source)
		}
		b.Measured = b.Arches()[0]
	}
	if len(b.Syscalls[b.Measured]) == 0 {
		return nil, fmt.Errorf("baseline %s: measured arch %q has no syscall list", source, b.Measured)
	}
	for arch, names := range b.Syscalls {
		if !knownArch(arch) {
			return nil, fmt.Errorf("baseline %s: unknown arch %q (known: %s)", source, arch, strings.Join(knownArches, ", "))
		}
		for _, n := range names {
			if n == "" || strings.ContainsAny(n, " \t,") {
				return nil, fmt.Errorf("baseline %s: %s: bad syscall name %q", source, arch, n)
			}
		}
	}
	for name, idx := range b.Args {
		if !slices.Contains(b.Syscalls[b.Measured], name) {
			return nil, fmt.Errorf("baseline %s: args: %s is not in the %s syscall list", source, name, b.Measured)
		}
		for i, vals := range idx {
			if i < 0 || i > 5 || len(vals) == 0 {
				return nil, fmt.Errorf("baseline %s: args: %s: argument %d: want an index 0..5 and at least one value", source, name, i)
			}
		}
	}
	b.Source = source
	return &b, nil
}

// knownArches are the trace arch names, from the one ABI table.
var knownArches = abi.Names()

func knownArch(a string) bool { return abi.Known(a) }

func oneLine(err error) string {
	return strings.ReplaceAll(strings.TrimPrefix(err.Error(), "yaml: "), "\n", "; ")
}

// MaxBaselineSize is the largest baseline file ReadFile reads, in bytes
// (1 MiB); the shipped baselines are below 4 KiB.
const MaxBaselineSize = 1 << 20

// ReadFile reads a baseline file for Resolve: at most MaxBaselineSize
// bytes, so that a huge file or a device such as /dev/zero is refused
// rather than read into memory. Errors do not repeat the path, which
// Resolve adds.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, bareErr(err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, errors.New("is a directory, not a baseline file")
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxBaselineSize+1))
	if err != nil {
		return nil, bareErr(err)
	}
	if len(data) > MaxBaselineSize {
		return nil, fmt.Errorf("larger than %d MiB, the most a baseline file may have (the shipped ones are below 4 KiB); not read", MaxBaselineSize>>20)
	}
	return data, nil
}

// bareErr drops an *fs.PathError's operation and path, which the message
// names already; the errno still matches errors.Is.
func bareErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// BaselineNames lists the embedded baselines, sorted.
func BaselineNames() []string {
	ents, _ := data.ReadDir("baselines")
	var out []string
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(out)
	return out
}

// notABaseline names what raw is when it is another file seccomp-gen
// reads, given as a baseline ("" otherwise): a trace (whose syscalls a
// baseline would list by name) or a profile.
func notABaseline(raw []byte) string {
	var top map[string]any
	if yaml.Unmarshal(raw, &top) != nil {
		return ""
	}
	has := func(k string) bool { _, ok := top[k]; return ok }
	switch {
	case has("version") && has("syscalls") && !has("name"):
		return "a trace, not a baseline (give it to generate as a TRACE argument)"
	case has("defaultAction") || has("apiVersion") || has("ociVersion"):
		return "a seccomp profile, not a baseline"
	}
	return ""
}

// LoadBaseline returns the embedded baseline name.
func LoadBaseline(name string) (*Baseline, error) {
	raw, err := data.ReadFile(path.Join("baselines", name+".yaml"))
	if err != nil || strings.ContainsAny(name, "/.") {
		hint := ""
		if strings.Contains(name, ",") {
			hint = "; for several, repeat the flag: --baseline runc --baseline crun"
		}
		return nil, fmt.Errorf("%w %q (shipped: %s, or a file path%s)", ErrUnknownBaseline, name, strings.Join(BaselineNames(), ", "), hint)
	}
	b, err := ParseBaseline(raw, "embedded:"+name)
	if err != nil {
		return nil, err
	}
	if b.Name != name {
		return nil, fmt.Errorf("baseline embedded:%s: file names itself %q", name, b.Name)
	}
	return b, nil
}

// Resolve returns the baselines named (and, recursively, those they
// include), each once, in a stable order. Names that are not shipped are
// read as files with readFile (nil: only shipped names are accepted). "none"
// must be the only name if it is given.
func Resolve(names []string, readFile func(string) ([]byte, error)) ([]*Baseline, error) {
	for _, n := range names {
		if n == None && len(names) > 1 {
			return nil, fmt.Errorf("baseline: %q cannot be combined with other baselines", None)
		}
	}
	if len(names) == 1 && names[0] == None {
		return nil, nil
	}
	var out []*Baseline
	seen := map[string]bool{}
	var add func(n string, depth int) error
	add = func(n string, depth int) error {
		if depth > 8 {
			return fmt.Errorf("baseline %s: include loop", n)
		}
		var b *Baseline
		var err error
		if isShipped(n) {
			b, err = LoadBaseline(n)
		} else if readFile != nil && (strings.ContainsAny(n, "/.")) {
			var raw []byte
			raw, err = readFile(n)
			if err != nil {
				return fmt.Errorf("baseline %s: %w", n, err)
			}
			b, err = ParseBaseline(raw, n)
		} else {
			_, err = LoadBaseline(n)
		}
		if err != nil {
			return err
		}
		if seen[b.Name] {
			return nil
		}
		seen[b.Name] = true
		for _, inc := range b.Include {
			if err := add(inc, depth+1); err != nil {
				return err
			}
		}
		out = append(out, b)
		return nil
	}
	for _, n := range names {
		if err := add(n, 0); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func isShipped(name string) bool {
	for _, n := range BaselineNames() {
		if n == name {
			return true
		}
	}
	return false
}

// CeilingEntry is one syscall of the deny ceiling and why it is there.
type CeilingEntry struct {
	Name   string `yaml:"name"`
	Reason string `yaml:"reason"`
}

// Ceiling returns the embedded deny ceiling, sorted by name.
func Ceiling() []CeilingEntry {
	raw, err := data.ReadFile("ceiling.yaml")
	if err != nil {
		panic("profiles: ceiling.yaml not embedded: " + err.Error())
	}
	var doc struct {
		Deny []CeilingEntry `yaml:"deny"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		panic("profiles: ceiling.yaml: " + err.Error()) // tested; cannot happen in a built binary
	}
	sort.Slice(doc.Deny, func(i, j int) bool { return doc.Deny[i].Name < doc.Deny[j].Name })
	return doc.Deny
}
