package emit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// ErrInvalidProfile is wrapped by every error about the content of a
// profile that Read or Parse refuses.
var ErrInvalidProfile = errors.New("invalid profile")

// Flags lists the seccomp filter flags profiles may carry (OCI runtime-spec).
var Flags = []string{
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
}

// MaxErrno is the largest errno a seccomp filter can return (MAX_ERRNO).
const MaxErrno = 4095

// Ops lists the argument comparison operators.
var Ops = []policy.Op{policy.OpNotEqual, policy.OpLessThan, policy.OpLessEqual, policy.OpEqualTo,
	policy.OpGreaterEqual, policy.OpGreaterThan, policy.OpMaskedEqual}

// Read reads a profile file in any format the writers produce ("-" reads
// standard input). Errors name the file.
func Read(path string) (*policy.Policy, Format, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, "", fmt.Errorf("profile: %w", err)
	}
	if path == "-" {
		path = "<stdin>"
	}
	return Parse(path, data)
}

// Parse reads a profile from data; name is used in errors. It detects the
// format: an SPO SeccompProfile (apiVersion/kind), a whole OCI config.json
// (ociVersion, linux, process or root keys) or a Docker/OCI seccomp object.
// The policy comes back canonicalised.
func Parse(name string, data []byte) (*policy.Policy, Format, error) {
	p, f, err := parse(data)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", name, err)
	}
	return p, f, nil
}

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidProfile, fmt.Sprintf(format, a...))
}

func parse(data []byte) (*policy.Policy, Format, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, "", invalid("empty file")
	}
	var root yaml.Node
	if err := yaml.Unmarshal(trimmed, &root); err != nil {
		return nil, "", invalid("neither JSON nor YAML: %s", oneLine(err))
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, "", invalid("not a profile: the top level must be an object")
	}
	keys := map[string]bool{}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		keys[m.Content[i].Value] = true
	}
	switch {
	case keys["apiVersion"] || keys["kind"]:
		p, err := parseSPO(trimmed)
		return p, FormatSPO, err
	case keys["ociVersion"] || keys["linux"] || keys["process"] || keys["root"]:
		p, err := parseOCIConfig(trimmed)
		return p, FormatOCIConfig, err
	}
	if trimmed[0] != '{' {
		return nil, "", invalid("not JSON: Docker and OCI profiles are JSON objects (YAML is read only for SPO SeccompProfile objects)")
	}
	if err := checkKeys(m, "", profileKeys); err != nil {
		return nil, "", err
	}
	var j profileJSON
	if err := strictJSON(trimmed, &j); err != nil {
		return nil, "", err
	}
	p, docker, err := fromJSON(&j)
	if err != nil {
		return nil, "", err
	}
	if docker {
		return p, FormatDocker, nil
	}
	return p, FormatOCI, nil
}

func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return invalid("%s", jsonError(data, err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid("trailing data after the JSON object")
	}
	return nil
}

// jsonError makes encoding/json's messages say where and what.
func jsonError(data []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		return fmt.Sprintf("line %d: %v", line, se)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s: got JSON %s, want %s", te.Field, te.Value, te.Type)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "truncated JSON"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func oneLine(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	return strings.ReplaceAll(s, "\n", "; ")
}

func parseOCIConfig(data []byte) (*policy.Policy, error) {
	var cfg struct {
		Linux *struct {
			Seccomp json.RawMessage `json:"seccomp"`
		} `json:"linux"`
	}
	if data[0] != '{' {
		return nil, invalid("OCI config.json: not JSON")
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, invalid("OCI config.json: %s", jsonError(data, err))
	}
	if cfg.Linux == nil || len(cfg.Linux.Seccomp) == 0 || string(cfg.Linux.Seccomp) == "null" {
		return nil, invalid("OCI config.json has no linux.seccomp: the container would run without seccomp")
	}
	var node yaml.Node
	if err := yaml.Unmarshal(cfg.Linux.Seccomp, &node); err == nil && len(node.Content) == 1 {
		if err := checkKeys(node.Content[0], "linux.seccomp.", profileKeys); err != nil {
			return nil, err
		}
	}
	var j profileJSON
	if err := strictJSON(cfg.Linux.Seccomp, &j); err != nil {
		return nil, fmt.Errorf("linux.seccomp: %w", err)
	}
	p, _, err := fromJSON(&j)
	if err != nil {
		return nil, fmt.Errorf("linux.seccomp: %w", err)
	}
	return p, nil
}

// fromJSON converts a decoded Docker/OCI object; docker reports whether it
// used Docker-only fields.
func fromJSON(j *profileJSON) (*policy.Policy, bool, error) {
	docker := len(j.ArchMap) > 0
	p := &policy.Policy{DefaultAction: j.DefaultAction, DefaultErrno: j.DefaultErrnoRet, Flags: j.Flags}
	if err := checkHead(j.DefaultAction, j.DefaultErrnoRet, j.ListenerPath, j.ListenerMetadata); err != nil {
		return nil, false, err
	}
	if len(j.Architectures) > 0 && len(j.ArchMap) > 0 {
		return nil, false, invalid("both architectures and archMap are set (Docker refuses that too)")
	}
	arches, err := readArches(j.Architectures, "architectures")
	if err != nil {
		return nil, false, err
	}
	if len(j.ArchMap) > 0 {
		arches, err = readArchMap(j.ArchMap)
		if err != nil {
			return nil, false, err
		}
	}
	p.Arches = arches
	for i, s := range j.Syscalls {
		where := fmt.Sprintf("syscalls[%d]", i)
		if s.Name != "" || s.Comment != "" || s.Includes != nil || s.Excludes != nil {
			docker = true
		}
		if !s.Includes.empty() || !s.Excludes.empty() {
			return nil, false, invalid("%s: conditional entries (includes/excludes) depend on the host; resolve them first (for example with 'docker' itself) and keep only plain entries", where)
		}
		names := s.Names
		if s.Name != "" {
			if len(s.Names) > 0 {
				return nil, false, invalid("%s: both name and names are set (Docker refuses that too)", where)
			}
			names = []string{s.Name}
		}
		r, err := readRule(where, names, s.Action, s.ErrnoRet, s.Args)
		if err != nil {
			return nil, false, err
		}
		r.Comment = s.Comment
		p.Rules = append(p.Rules, r)
	}
	if err := finish(p); err != nil {
		return nil, false, err
	}
	return p, docker, nil
}

func checkHead(def policy.Action, errno *uint, listenerPath, listenerMeta string) error {
	if def == "" {
		return invalid("no defaultAction (an empty profile would mean no seccomp at all)")
	}
	if !def.Valid() {
		return invalid("defaultAction %q: unknown action (known: %s)", def, actionNames())
	}
	if errno != nil && def != policy.ActErrno && def != policy.ActTrace {
		return invalid("defaultErrnoRet is set but defaultAction %s returns no errno", def)
	}
	if errno != nil && *errno > MaxErrno {
		return invalid("defaultErrnoRet %d: out of range 0..%d", *errno, MaxErrno)
	}
	if listenerPath != "" || listenerMeta != "" {
		return invalid("listenerPath/listenerMetadata: seccomp notify agents are not supported")
	}
	return nil
}

func readRule(where string, names []string, action policy.Action, errno *uint, args []policy.Arg) (policy.Rule, error) {
	if len(names) == 0 {
		return policy.Rule{}, invalid("%s: no syscall names", where)
	}
	for _, n := range names {
		if n == "" || strings.ContainsAny(n, " \t\n") {
			return policy.Rule{}, invalid("%s: bad syscall name %q", where, n)
		}
	}
	if action == "" {
		return policy.Rule{}, invalid("%s (%s): no action", where, names[0])
	}
	if !action.Valid() {
		return policy.Rule{}, invalid("%s (%s): unknown action %q (known: %s)", where, names[0], action, actionNames())
	}
	if errno != nil && action != policy.ActErrno && action != policy.ActTrace {
		return policy.Rule{}, invalid("%s (%s): errnoRet is set but action %s returns no errno", where, names[0], action)
	}
	if errno != nil && *errno > MaxErrno {
		return policy.Rule{}, invalid("%s (%s): errnoRet %d: out of range 0..%d", where, names[0], *errno, MaxErrno)
	}
	for k, a := range args {
		if a.Index > 5 {
			return policy.Rule{}, invalid("%s (%s): args[%d]: index %d out of range 0..5", where, names[0], k, a.Index)
		}
		if !validOp(a.Op) {
			return policy.Rule{}, invalid("%s (%s): args[%d]: unknown op %q (known: %s)", where, names[0], k, a.Op, opNames())
		}
	}
	return policy.Rule{Names: append([]string(nil), names...), Action: action, Errno: errno, Args: args}, nil
}

// finish checks the whole policy, fills in the native architecture when
// none is listed, and canonicalises.
func finish(p *policy.Policy) error {
	if err := checkFlags(p.Flags); err != nil {
		return invalid("%s", err)
	}
	if len(p.Arches) == 0 {
		native, err := scmp.Native()
		if err != nil {
			return err
		}
		p.Arches = []string{native}
	}
	permissive := func(a policy.Action) bool { return a == policy.ActAllow || a == policy.ActLog }
	if permissive(p.DefaultAction) {
		denies := false
		for _, r := range p.Rules {
			denies = denies || !permissive(r.Action)
		}
		if len(p.Rules) == 0 {
			return invalid("no syscall rules and defaultAction %s: the profile allows every syscall", p.DefaultAction)
		}
		if !denies {
			return invalid("defaultAction %s and no rule that denies anything: the profile allows every syscall", p.DefaultAction)
		}
	}
	p.Canonicalize()
	if err := p.Validate(); err != nil {
		return invalid("%s", err)
	}
	return nil
}

func readArches(in []string, field string) ([]string, error) {
	var out []string
	for i, a := range in {
		if a == "SCMP_ARCH_NATIVE" {
			n, err := scmp.Native()
			if err != nil {
				return nil, err
			}
			out = append(out, n)
			continue
		}
		c, err := scmp.Canonical(a)
		if err != nil || a == "" {
			return nil, invalid("%s[%d] %q: unknown architecture (known: %s)", field, i, a, archNames())
		}
		out = append(out, c)
	}
	return dedup(out), nil
}

// readArchMap picks the entry of the native architecture, as Docker does.
func readArchMap(m []archMapJSON) ([]string, error) {
	native, err := scmp.Native()
	if err != nil {
		return nil, err
	}
	for i, e := range m {
		arch, err := readArches([]string{e.Architecture}, fmt.Sprintf("archMap[%d].architecture", i))
		if err != nil {
			return nil, err
		}
		sub, err := readArches(e.SubArchitectures, fmt.Sprintf("archMap[%d].subArchitectures", i))
		if err != nil {
			return nil, err
		}
		if arch[0] == native {
			return dedup(append(arch, sub...)), nil
		}
	}
	return nil, invalid("archMap has no entry for this machine's architecture %s", native)
}

func checkFlags(flags []string) error {
	for _, f := range flags {
		ok := false
		for _, k := range Flags {
			ok = ok || f == k
		}
		if !ok {
			return fmt.Errorf("flag %q: unknown (known: %s)", f, strings.Join(Flags, ", "))
		}
	}
	return nil
}

func validOp(op policy.Op) bool {
	for _, k := range Ops {
		if op == k {
			return true
		}
	}
	return false
}

func opNames() string {
	s := make([]string, len(Ops))
	for i, o := range Ops {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}

func actionNames() string {
	s := make([]string, len(policy.Actions))
	for i, a := range policy.Actions {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

func archNames() string {
	var s []string
	for _, a := range scmp.ArchNames() {
		n, _ := scmp.SCMPName(a)
		s = append(s, n)
	}
	return strings.Join(append(s, "SCMP_ARCH_NATIVE"), ", ")
}

func parseSPO(data []byte) (*policy.Policy, error) {
	var doc spoYAML
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, invalid("SeccompProfile: %s", oneLine(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, invalid("SeccompProfile: more than one YAML document (give one profile per file)")
	}
	if !strings.HasPrefix(doc.APIVersion, "security-profiles-operator.x-k8s.io/") || doc.Kind != spoKind {
		return nil, invalid("apiVersion %q kind %q: not a Security Profiles Operator SeccompProfile (want %s, %s)", doc.APIVersion, doc.Kind, spoAPIVersion, spoKind)
	}
	s := doc.Spec
	if s.BaseProfileName != "" {
		return nil, invalid("spec.baseProfileName %q: base profiles are resolved by the operator in the cluster; not supported here", s.BaseProfileName)
	}
	if s.Disabled {
		return nil, invalid("spec.disabled is true: the operator does not deploy this profile")
	}
	if err := checkHead(s.DefaultAction, nil, s.ListenerPath, s.ListenerMetadata); err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	arches, err := readArches(s.Architectures, "spec.architectures")
	if err != nil {
		return nil, err
	}
	p := &policy.Policy{DefaultAction: s.DefaultAction, Arches: arches, Flags: s.Flags}
	for i, sc := range s.Syscalls {
		where := fmt.Sprintf("spec.syscalls[%d]", i)
		var errno *uint
		if sc.ErrnoRet != nil {
			errno = policy.Errno(uint(*sc.ErrnoRet))
		}
		var args []policy.Arg
		for _, a := range sc.Args {
			args = append(args, policy.Arg{Index: a.Index, Value: a.Value, ValueTwo: a.ValueTwo, Op: a.Op})
		}
		r, err := readRule(where, sc.Names, sc.Action, errno, args)
		if err != nil {
			return nil, err
		}
		p.Rules = append(p.Rules, r)
	}
	if err := finish(p); err != nil {
		return nil, err
	}
	return p, nil
}

// keySet lists the keys of one JSON object and the sets of its children.
type keySet struct {
	keys     map[string]*keySet // nil value: a leaf
	elements *keySet            // for arrays of objects
}

var (
	argKeys     = &keySet{keys: map[string]*keySet{"index": nil, "value": nil, "valueTwo": nil, "op": nil}}
	filterKeys  = &keySet{keys: map[string]*keySet{"caps": nil, "arches": nil, "minKernel": nil}}
	syscallKeys = &keySet{keys: map[string]*keySet{"names": nil, "name": nil, "action": nil, "errnoRet": nil,
		"args": {elements: argKeys}, "comment": nil, "includes": filterKeys, "excludes": filterKeys}}
	profileKeys = &keySet{keys: map[string]*keySet{"defaultAction": nil, "defaultErrnoRet": nil, "architectures": nil,
		"archMap": {elements: &keySet{keys: map[string]*keySet{"architecture": nil, "subArchitectures": nil}}},
		"flags":   nil, "listenerPath": nil, "listenerMetadata": nil, "syscalls": {elements: syscallKeys}}}
)

// checkKeys refuses keys that differ from the known ones only in case
// (encoding/json would accept them, crun's parser would not) and duplicate
// keys (parsers disagree on which one wins). Unknown keys are left to the
// decoder, which names them.
func checkKeys(n *yaml.Node, path string, ks *keySet) error {
	if n == nil || ks == nil {
		return nil
	}
	switch n.Kind {
	case yaml.SequenceNode:
		if ks.elements == nil {
			return nil
		}
		for i, c := range n.Content {
			if err := checkKeys(c, fmt.Sprintf("%s[%d].", strings.TrimSuffix(path, "."), i), ks.elements); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		if ks.keys == nil {
			return nil
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if seen[k] {
				return invalid("%s%s: duplicate key", path, k)
			}
			seen[k] = true
			child, known := ks.keys[k]
			if !known {
				for want := range ks.keys {
					if strings.EqualFold(want, k) {
						return invalid("%s%s: unknown key (did you mean %q? keys are case-sensitive)", path, k, want)
					}
				}
				continue
			}
			v := n.Content[i+1]
			if child != nil {
				if child.elements != nil && v.Kind != yaml.SequenceNode {
					continue // the decoder reports the wrong type
				}
				if err := checkKeys(v, path+k+".", child); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
