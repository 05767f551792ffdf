package emit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// Format names a profile format.
type Format string

// The formats seccomp-gen writes and reads.
const (
	FormatDocker    Format = "docker"     // Docker/moby profile JSON (also the kubelet's localhost/ JSON)
	FormatOCI       Format = "oci"        // OCI runtime-spec linux.seccomp object
	FormatOCIConfig Format = "oci-config" // a whole OCI config.json (read only; see SetOCIConfig)
	FormatSPO       Format = "k8s"        // Security Profiles Operator SeccompProfile YAML
	FormatBPF       Format = "bpf"        // compiled classic BPF (package emit/cbpf)
)

// WriteFormats lists the formats Write produces, for --help and validation.
var WriteFormats = []Format{FormatDocker, FormatOCI, FormatSPO}

// Options tunes Write.
type Options struct {
	// Name is metadata.name of an SPO SeccompProfile (default "seccomp-gen").
	Name string
}

// ErrUnknownFormat is wrapped by errors about a format name Write does not know.
var ErrUnknownFormat = errors.New("unknown format")

// Write renders p in format f.
func Write(p *policy.Policy, f Format, o Options) ([]byte, error) {
	switch f {
	case FormatDocker:
		return Docker(p)
	case FormatOCI:
		return OCI(p)
	case FormatSPO:
		return SPO(p, o.Name)
	}
	return nil, fmt.Errorf("%w %q (known: docker, oci, k8s; bpf is written by package cbpf)", ErrUnknownFormat, f)
}

// Losses says what format f cannot carry of p, one sentence each (empty
// when nothing is lost), so that commands can tell the user.
func Losses(p *policy.Policy, f Format) []string {
	var out []string
	if f == FormatSPO && p.DefaultErrno != nil && *p.DefaultErrno != policy.EPERM {
		out = append(out, fmt.Sprintf("the SeccompProfile CRD has no defaultErrnoRet: syscalls newer than the profile get EPERM instead of errno %d unless the runtime adds an ENOSYS stub (runc does, crun does not); the kubelet JSON (--format docker) keeps it", *p.DefaultErrno))
	}
	if f == FormatOCI || f == FormatOCIConfig || f == FormatSPO {
		for _, r := range p.Rules {
			if r.Comment != "" {
				out = append(out, fmt.Sprintf("the %s format has no rule comments; they are left out", f))
				break
			}
		}
	}
	return out
}

// Carried returns p as format f carries it: what reading the written file
// back gives (Losses says what is lost on the way).
func Carried(p *policy.Policy, f Format) *policy.Policy {
	c := clone(p)
	if f != FormatDocker {
		for i := range c.Rules {
			c.Rules[i].Comment = ""
		}
	}
	if f == FormatSPO {
		c = withoutDefaultErrno(c)
	}
	c.Canonicalize()
	return c
}

// withoutDefaultErrno is p as a format without defaultErrnoRet (the SPO
// CRD) carries it: the default errno is the runtimes' EPERM, and rules that
// then equal the default are left out where another rule names all their
// syscalls. runc and crun add no filter rule for them, and runc's ENOSYS
// stub (policy.HighestNamed) stays where it was, so the profile means the
// same; the reducer's EPERM rules for argument values it does not allow
// (there for a default of ENOSYS) would otherwise fill the file, each one
// a rule-equals-default finding of lint.
func withoutDefaultErrno(p *policy.Policy) *policy.Policy {
	c := clone(p)
	c.DefaultErrno = nil
	keepMuxDenials(c, p.DefaultErrno)
	named := map[string]bool{}
	for _, r := range c.Rules {
		if !c.EqualsDefault(r) {
			for _, n := range r.Names {
				named[n] = true
			}
		}
	}
	kept := c.Rules[:0]
	for _, r := range c.Rules {
		if c.EqualsDefault(r) && !slices.ContainsFunc(r.Names, func(n string) bool { return !named[n] }) {
			continue
		}
		kept = append(kept, r)
	}
	c.Rules = kept
	return c
}

// keepMuxDenials keeps x86's multiplexers (socketcall, ipc) denied where
// p, without its default errno, would let libseccomp's copies of other
// rules decide them: libseccomp adds a rule for socket, setsockopt, ... to
// socketcall too, as "socketcall if a0 == call", its other conditions on
// socketcall's arguments (pointers), and only an unconditional rule for
// socketcall the runtimes add overrides those copies. The reducer's
// explicit EPERM for a multiplexer no trace used equals the SPO default,
// so runc and crun skipped it: under the k8s profile of a trace that
// allowed socket(AF_UNIX, ...) on x86, socketcall(SYS_SOCKET) ran for any
// domain while the Docker profile denied it. Such a multiplexer gets a rule
// of its own with the errno p's default had, or ENOSYS where that was
// EPERM or none (the runtimes would skip an EPERM rule again), which the
// runtimes do add.
func keepMuxDenials(c *policy.Policy, defaultErrno *uint) {
	if !slices.ContainsFunc(c.Arches, policy.IsX86) {
		return
	}
	errno := uint(policy.ENOSYS)
	if defaultErrno != nil && *defaultErrno != policy.EPERM {
		errno = *defaultErrno
	}
	muxes := map[string]bool{}
	for _, r := range c.Rules {
		if c.EqualsDefault(r) {
			continue
		}
		for _, n := range r.Names {
			if mux, _, ok := policy.MuxCall(n); ok {
				muxes[mux] = true
			}
		}
	}
	for _, mux := range []string{"socketcall", "ipc"} {
		if !muxes[mux] || slices.ContainsFunc(c.Rules, func(r policy.Rule) bool { return !c.EqualsDefault(r) && slices.Contains(r.Names, mux) }) {
			continue // no copies to override, or a rule of its own decides it
		}
		denied := false
		for i, r := range c.Rules {
			if c.EqualsDefault(r) && len(r.Args) == 0 && slices.Contains(r.Names, mux) {
				c.Rules[i].Names = slices.DeleteFunc(slices.Clone(r.Names), func(n string) bool { return n == mux })
				denied = true
			}
		}
		if denied {
			c.Rules = append(c.Rules, policy.Rule{Names: []string{mux}, Action: policy.ActErrno, Errno: policy.Errno(errno)})
		}
	}
	c.Rules = slices.DeleteFunc(c.Rules, func(r policy.Rule) bool { return len(r.Names) == 0 })
}

// CheckReadBack reads data, a file the writer of format f made from p, as
// every command reads profiles, and returns an error unless it is p as f
// carries it (Carried): the file says what the policy says.
func CheckReadBack(p *policy.Policy, f Format, data []byte) error {
	back, _, err := Parse("written", data)
	if err != nil {
		return fmt.Errorf("the written %s file does not read back: %w", f, err)
	}
	raw, err := ParseRaw("written", data)
	if err != nil {
		return fmt.Errorf("the written %s file does not read back: %w", f, err)
	}
	if raw.NativeAdded != "" {
		// The reader adds the native ABI that runtimes filter anyway
		// (finishRaw); the file does not list it, nor does the policy.
		back.Arches = slices.DeleteFunc(back.Arches, func(a string) bool { return a == raw.NativeAdded })
	}
	want, err := Docker(Carried(p, f))
	if err != nil {
		return err
	}
	got, err := Docker(back)
	if err != nil {
		return fmt.Errorf("the written %s file reads back as a profile that cannot be rendered: %w", f, err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("the written %s file reads back as a different profile than the policy (less what the format cannot carry)", f)
	}
	return nil
}

// profileJSON is the Docker/moby profile; the OCI linux.seccomp object is
// the same without the Docker-only fields. Field order is output order.
type profileJSON struct {
	DefaultAction    policy.Action `json:"defaultAction"`
	DefaultErrnoRet  *uint         `json:"defaultErrnoRet,omitempty"`
	DefaultErrno     string        `json:"defaultErrno,omitempty"` // read only (containers-common): an errno name
	Architectures    []string      `json:"architectures,omitempty"`
	ArchMap          []archMapJSON `json:"archMap,omitempty"` // read only
	Flags            []string      `json:"flags,omitempty"`
	ListenerPath     string        `json:"listenerPath,omitempty"`     // read only: refused
	ListenerMetadata string        `json:"listenerMetadata,omitempty"` // read only: refused
	Syscalls         []syscallJSON `json:"syscalls"`
}

type archMapJSON struct {
	Architecture     string   `json:"architecture"`
	SubArchitectures []string `json:"subArchitectures"`
}

type syscallJSON struct {
	Names    []string      `json:"names,omitempty"`
	Name     string        `json:"name,omitempty"` // read only (old Docker profiles)
	Action   policy.Action `json:"action"`
	ErrnoRet *uint         `json:"errnoRet,omitempty"`
	Args     []policy.Arg  `json:"args,omitempty"`
	Errno    string        `json:"errno,omitempty"` // read only (containers-common): an errno name
	Comment  string        `json:"comment,omitempty"`
	Includes *filterJSON   `json:"includes,omitempty"` // read only: resolved (see Host)
	Excludes *filterJSON   `json:"excludes,omitempty"` // read only: resolved (see Host)
}

type filterJSON struct {
	Caps      []string `json:"caps,omitempty"`
	Arches    []string `json:"arches,omitempty"`
	MinKernel string   `json:"minKernel,omitempty"`
}

func (f *filterJSON) empty() bool {
	return f == nil || (len(f.Caps) == 0 && len(f.Arches) == 0 && f.MinKernel == "")
}

// prepare copies p, canonicalises and validates the copy and checks its
// syscall names against libseccomp's tables.
func prepare(p *policy.Policy, comments bool) (*policy.Policy, error) {
	if p == nil {
		return nil, errors.New("policy: nil")
	}
	c := clone(p)
	if !comments {
		// Formats without comments: rules that differ only in their
		// comment merge.
		for i := range c.Rules {
			c.Rules[i].Comment = ""
		}
	}
	c.Canonicalize()
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if _, err := SCMPArches(c.Arches); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if err := checkFlags(c.Flags); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if c.DefaultErrno != nil && *c.DefaultErrno > MaxErrno {
		return nil, fmt.Errorf("policy: default errno %d: out of range 0..%d", *c.DefaultErrno, MaxErrno)
	}
	for _, r := range c.Rules {
		if r.Errno != nil && *r.Errno > MaxErrno {
			return nil, fmt.Errorf("policy: rule %s: errno %d: out of range 0..%d", strings.Join(r.Names, ","), *r.Errno, MaxErrno)
		}
	}
	if err := CheckNames(c); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return c, nil
}

func clone(p *policy.Policy) *policy.Policy {
	c := *p
	c.Arches = dedup(p.Arches)
	c.Flags = append([]string(nil), p.Flags...)
	c.Rules = make([]policy.Rule, len(p.Rules))
	for i, r := range p.Rules {
		r.Names = append([]string(nil), r.Names...)
		r.Args = append([]policy.Arg(nil), r.Args...)
		if r.Errno != nil {
			r.Errno = policy.Errno(*r.Errno)
		}
		c.Rules[i] = r
	}
	if p.DefaultErrno != nil {
		c.DefaultErrno = policy.Errno(*p.DefaultErrno)
	}
	return &c
}

func dedup(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// SCMPArches maps trace arch names to SCMP_ARCH_* names, keeping order.
func SCMPArches(arches []string) ([]string, error) {
	out := make([]string, 0, len(arches))
	for _, a := range arches {
		s, err := scmp.SCMPName(a)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// CheckNames returns a *scmp.UnknownSyscallError for the first syscall name
// (in rule order) that libseccomp knows on none of p's architectures. A name
// that exists on only some of them is fine: runtimes apply each name on the
// architectures that have it.
func CheckNames(p *policy.Policy) error {
	for _, r := range p.Rules {
		for _, n := range r.Names {
			known := false
			for _, a := range p.Arches {
				if scmp.Has(a, n) || policy.Multiplexed(a, n) {
					known = true
					break
				}
			}
			if !known {
				arch := ""
				if len(p.Arches) > 0 {
					arch = strings.Join(p.Arches, ",")
				}
				return &scmp.UnknownSyscallError{Name: n, Arch: arch}
			}
		}
	}
	return nil
}

func toJSON(p *policy.Policy, comments bool) (*profileJSON, error) {
	arches, err := SCMPArches(p.Arches)
	if err != nil {
		return nil, err
	}
	out := &profileJSON{
		DefaultAction:   p.DefaultAction,
		DefaultErrnoRet: p.DefaultErrno,
		Architectures:   arches,
		Flags:           p.Flags,
		Syscalls:        []syscallJSON{},
	}
	for _, r := range p.Rules {
		s := syscallJSON{Names: r.Names, Action: r.Action, ErrnoRet: r.Errno, Args: r.Args}
		if comments {
			s.Comment = r.Comment
		}
		out.Syscalls = append(out.Syscalls, s)
	}
	return out, nil
}

func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Docker renders p as a Docker/moby seccomp profile (JSON, with comments).
// The kubelet's localhost/ profiles use the same format.
func Docker(p *policy.Policy) ([]byte, error) {
	c, err := prepare(p, true)
	if err != nil {
		return nil, err
	}
	j, err := toJSON(c, true)
	if err != nil {
		return nil, err
	}
	return marshal(j)
}

// Kubelet renders the JSON for the kubelet's localhost/ profile directory
// (/var/lib/kubelet/seccomp/...); it is the Docker format.
func Kubelet(p *policy.Policy) ([]byte, error) { return Docker(p) }

// ociSeccomp returns the linux.seccomp object for p.
func ociSeccomp(p *policy.Policy) (*profileJSON, error) {
	c, err := prepare(p, false)
	if err != nil {
		return nil, err
	}
	return toJSON(c, false)
}

// OCI renders p as the OCI runtime-spec linux.seccomp object (JSON).
func OCI(p *policy.Policy) ([]byte, error) {
	j, err := ociSeccomp(p)
	if err != nil {
		return nil, err
	}
	return marshal(j)
}

// SPO renders p as a Security Profiles Operator SeccompProfile (YAML) named
// name ("seccomp-gen" when empty). See the package doc for what the CRD
// cannot carry.
func SPO(p *policy.Policy, name string) ([]byte, error) {
	if name == "" {
		name = "seccomp-gen"
	}
	if err := CheckSPOName(name); err != nil {
		return nil, err
	}
	if p == nil {
		return nil, errors.New("policy: nil")
	}
	// The CRD has no defaultErrnoRet, and withoutDefaultErrno drops p's:
	// the default is checked first, as the other formats check it.
	head := &policy.Policy{DefaultAction: p.DefaultAction, DefaultErrno: p.DefaultErrno, Arches: p.Arches}
	if _, err := prepare(head, false); err != nil {
		return nil, err
	}
	c, err := prepare(withoutDefaultErrno(p), false)
	if err != nil {
		return nil, err
	}
	arches, err := SCMPArches(c.Arches)
	if err != nil {
		return nil, err
	}
	doc := spoYAML{
		APIVersion: spoAPIVersion,
		Kind:       spoKind,
		Metadata:   spoMeta{Name: name},
		Spec: spoSpec{
			DefaultAction: c.DefaultAction,
			Architectures: arches,
			Flags:         c.Flags,
		},
	}
	for _, r := range c.Rules {
		s := spoSyscall{Names: r.Names, Action: r.Action}
		if r.Errno != nil {
			e := spoErrno(*r.Errno)
			s.ErrnoRet = &e
		}
		for _, a := range r.Args {
			// The CRD types value and valueTwo as int64 with minimum 0:
			// the API server refuses anything above 2^63-1.
			if a.Value > math.MaxInt64 || a.ValueTwo > math.MaxInt64 {
				return nil, fmt.Errorf("syscalls[%d] (%s): argument %d value %#x or valueTwo %#x does not fit the SeccompProfile CRD (int64, at least 0); use --format docker (the kubelet's localhost/ JSON) instead", len(doc.Spec.Syscalls), r.Names[0], a.Index, a.Value, a.ValueTwo)
			}
			s.Args = append(s.Args, spoArg{Index: a.Index, Value: a.Value, ValueTwo: a.ValueTwo, Op: a.Op})
		}
		doc.Spec.Syscalls = append(doc.Spec.Syscalls, s)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

const (
	spoAPIVersion = "security-profiles-operator.x-k8s.io/v1beta1"
	spoKind       = "SeccompProfile"
)

type spoYAML struct {
	APIVersion string         `yaml:"apiVersion"`
	Kind       string         `yaml:"kind"`
	Metadata   spoMeta        `yaml:"metadata"`
	Spec       spoSpec        `yaml:"spec"`
	Status     map[string]any `yaml:"status,omitempty"` // read only, ignored
}

type spoMeta struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
	// Fields a cluster adds; read and ignored.
	Rest map[string]any `yaml:",inline"`
}

type spoSpec struct {
	BaseProfileName  string        `yaml:"baseProfileName,omitempty"` // read only: refused
	Disabled         bool          `yaml:"disabled,omitempty"`        // read only: refused (older SPO releases)
	State            string        `yaml:"state,omitempty"`           // read only: Enabled (the API server's default) or Disabled, refused
	DefaultAction    policy.Action `yaml:"defaultAction"`
	Architectures    []string      `yaml:"architectures,omitempty"`
	ListenerPath     string        `yaml:"listenerPath,omitempty"`     // read only: refused
	ListenerMetadata string        `yaml:"listenerMetadata,omitempty"` // read only: refused
	Syscalls         []spoSyscall  `yaml:"syscalls,omitempty"`
	Flags            []string      `yaml:"flags,omitempty"`
}

type spoSyscall struct {
	Names    []string      `yaml:"names"`
	Action   policy.Action `yaml:"action"`
	ErrnoRet *spoErrno     `yaml:"errnoRet,omitempty"`
	Args     []spoArg      `yaml:"args,omitempty"`
}

// spoErrno is errnoRet: an integer in the current CRD schema; a quoted
// number (as some older SPO releases typed it) is read too.
type spoErrno uint

func (e *spoErrno) UnmarshalYAML(n *yaml.Node) error {
	bad := fmt.Errorf("line %d: errnoRet %q: not a number 0..65535", n.Line, n.Value)
	if n.Kind != yaml.ScalarNode {
		return bad
	}
	var v uint64
	var err error
	if n.ShortTag() == "!!int" {
		// An integer as YAML reads the file's other integers (the
		// arguments' values): 0x1d, 0o17 and 017 too, as kubectl does.
		err = n.Decode(&v)
	} else {
		v, err = strconv.ParseUint(n.Value, 10, 64)
	}
	if err != nil || v > 65535 {
		return bad
	}
	*e = spoErrno(v)
	return nil
}

type spoArg struct {
	Index    uint      `yaml:"index"`
	Value    uint64    `yaml:"value,omitempty"`
	ValueTwo uint64    `yaml:"valueTwo,omitempty"`
	Op       policy.Op `yaml:"op"`
}

// CheckSPOName checks a SeccompProfile's metadata.name as the API server
// does for a custom resource (a DNS-1123 subdomain): at most 253 characters, labels
// separated by '.', each of lowercase letters, digits and '-', starting and
// ending alphanumeric.
func CheckSPOName(name string) error {
	if len(name) > 253 {
		return fmt.Errorf("name %q: longer than 253 characters", name)
	}
	for _, label := range strings.Split(name, ".") {
		ok := label != ""
		for i, r := range label {
			alnum := r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
			if !alnum && (r != '-' || i == 0 || i == len(label)-1) {
				ok = false
			}
		}
		if !ok {
			return fmt.Errorf("name %q: not a Kubernetes object name (lowercase letters, digits, '-' and '.'; each part between dots starting and ending with a letter or digit)", name)
		}
	}
	return nil
}
