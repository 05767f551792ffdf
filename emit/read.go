package emit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/seccomp-gen/seccomp-gen/abi"
	"github.com/seccomp-gen/seccomp-gen/internal/yamlerr"
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

// Bounds on what the reader accepts. Real profiles are far below them:
// moby's default.json is about 20 KiB with some 60 rules and 400 names, and
// a reducer-style profile lists every syscall libseccomp knows (about 500
// names). Inputs beyond them are refused before they cost time or memory.
const (
	// MaxProfileSize is the largest profile file, in bytes (4 MiB). For a
	// whole config.json it bounds the whole file.
	MaxProfileSize = 4 << 20
	// MaxRules is the largest number of syscall rules (entries of
	// "syscalls").
	MaxRules = 4096
	// MaxNames is the largest number of syscall names over all rules.
	MaxNames = 32768
	// MaxArgs is the largest number of argument conditions in one rule.
	MaxArgs = 64
	// MaxConditions bounds the argument conditions of a whole profile,
	// each counted once per syscall name of its rule: libseccomp's compile
	// time grows faster than linearly with them (8192 take about a second,
	// 32768 almost a minute), and a filter with that many would not fit
	// the kernel's 4096 instructions anyway.
	MaxConditions = 8192
	// MaxDepth is the deepest nesting of objects and arrays (JSON or YAML).
	MaxDepth = 64
	// maxYAMLNodes bounds the YAML nodes of an SPO document counted with
	// every alias expanded (an alias bomb is a few lines that expand to
	// billions of nodes).
	maxYAMLNodes = 1 << 20
)

// Ops lists the argument comparison operators.
var Ops = []policy.Op{policy.OpNotEqual, policy.OpLessThan, policy.OpLessEqual, policy.OpEqualTo,
	policy.OpGreaterEqual, policy.OpGreaterThan, policy.OpMaskedEqual}

// ReadOptions change what ReadWith and ParseWith accept.
type ReadOptions struct {
	// AllowUnknownSyscalls turns syscall names that libseccomp knows on
	// none of the profile's ABIs from an error into a warning (for
	// profiles written for a newer libseccomp). The names are dropped, as
	// runc and crun drop them, and a rule left without names goes too.
	AllowUnknownSyscalls bool
	// Warn receives warnings, such as the *UnknownSyscallsError of dropped
	// names, prefixed with the file name. Nil discards them.
	Warn func(error)
	// Host resolves the conditional entries (includes/excludes) of a
	// Docker or containers-common profile. Nil: Docker's default
	// capabilities and this machine's kernel.
	Host *Host
}

// Read reads a profile file in any format the writers produce ("-" reads
// standard input). Errors name the file. Names libseccomp cannot resolve are
// errors (see ReadWith).
func Read(path string) (*policy.Policy, Format, error) {
	return ReadWith(path, ReadOptions{})
}

// ReadWith is Read with options.
func ReadWith(path string, o ReadOptions) (*policy.Policy, Format, error) {
	name, data, err := readFile(path)
	if err != nil {
		return nil, "", err
	}
	return ParseWith(name, data, o)
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

// readFile reads at most MaxProfileSize bytes of path ("-": standard
// input) and returns the name errors should use.
func readFile(path string) (string, []byte, error) {
	var r io.Reader
	name := path
	if path == "-" {
		r, name = os.Stdin, "<stdin>"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", path, bareErr(err))
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return "", nil, fmt.Errorf("%s: is a directory, not a profile", path)
		}
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxProfileSize+1))
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", name, bareErr(err))
	}
	if len(data) > MaxProfileSize {
		return "", nil, fmt.Errorf("%s: %w", name, errTooLarge())
	}
	return name, data, nil
}

func errTooLarge() error {
	return invalid("larger than %d MiB, the most a profile may have (moby's default.json is about 20 KiB); not read", MaxProfileSize>>20)
}

// Parse reads a profile from data; name is used in errors. It detects the
// format: an SPO SeccompProfile (apiVersion/kind), a whole OCI config.json
// (ociVersion, linux, process or root keys) or a Docker/OCI seccomp object.
// The policy comes back canonicalised and validated (policy.Validate, as
// the file is written and as canonicalised). Names libseccomp cannot
// resolve are errors (see ParseWith).
func Parse(name string, data []byte) (*policy.Policy, Format, error) {
	return ParseWith(name, data, ReadOptions{})
}

// ParseWith is Parse with options.
func ParseWith(name string, data []byte, o ReadOptions) (*policy.Policy, Format, error) {
	raw, err := ParseRawWith(name, data, o)
	if err != nil {
		return nil, "", err
	}
	p := raw.Policy
	var unknown []UnknownName
	for _, u := range raw.Unknown {
		if !u.OtherArch {
			unknown = append(unknown, u)
		}
	}
	if len(unknown) > 0 {
		uerr := fmt.Errorf("%s: %w", name, &UnknownSyscallsError{Names: unknown, Arches: p.Arches})
		if !o.AllowUnknownSyscalls {
			return nil, "", uerr
		}
		if o.Warn != nil {
			o.Warn(uerr)
		}
	}
	where := raw.Where
	if len(raw.Unknown) > 0 {
		p, where = dropUnknown(p, raw.Unknown, where)
	}
	if err := finish(p, where); err != nil {
		return nil, "", fmt.Errorf("%s: %w", name, err)
	}
	return p, raw.Format, nil
}

// Raw is a profile as written: its rules in file order, not canonicalised,
// with names libseccomp cannot resolve kept and listed. Linters read it;
// everything else wants Parse.
type Raw struct {
	Format Format
	// Policy has the rules in file order, one per entry of "syscalls".
	// Arches are as listed, plus this machine's native ABI, which runc
	// and crun always filter, when the profile lists none or another ABI
	// this machine runs (see finishRaw).
	Policy *policy.Policy
	// Where[i] is the key path of Policy.Rules[i] in the file, such as
	// "syscalls[3]" or "linux.seccomp.syscalls[0]".
	Where []string
	// NativeAdded is this machine's native ABI when the profile lists
	// other ABIs of this machine but not it: the runtimes filter it anyway
	// and Policy.Arches has it (see finishRaw).
	NativeAdded string
	// ArchMap is true when the ABIs came from Docker's archMap (the
	// native entry plus its sub-architectures), not from "architectures".
	ArchMap bool
	// ArchMapNoEntry: the archMap has no entry for this machine's
	// architecture, so docker and podman list no ABI and the runtime
	// filters the native one alone (Policy.Arches is that ABI).
	ArchMapNoEntry bool
	// Unknown lists the names libseccomp knows on none of Policy.Arches.
	Unknown []UnknownName
	// Left lists the conditional entries (includes/excludes) of a Docker
	// or containers-common profile that docker and podman would leave out
	// for the Host it was read with; Policy has only the entries kept.
	Left []LeftOut
	// Caps names the capability set conditional entries were resolved
	// for, "" when the profile has none.
	Caps string
}

// LeftOut is a conditional entry left out of the policy.
type LeftOut struct {
	Where  string   // key path of the entry, "syscalls[3]"
	Names  []string // its syscall names
	Reason string   // the condition that decided
}

// UnknownName is a syscall name libseccomp cannot resolve on any ABI of the
// profile.
type UnknownName struct {
	Rule  int    // index into Raw.Policy.Rules (file order)
	Where string // key path of the rule, "syscalls[3]"
	Name  string
	// OtherArch: the profile has an archMap (it is written for several
	// machines) and libseccomp knows the name on another architecture
	// (pciconfig_read, swapcontext): not a typo, and runtimes here drop
	// it. Parse drops such names without an error or a warning.
	OtherArch bool
}

// UnknownSyscallsError lists the syscall names of a profile that libseccomp
// knows on none of its ABIs. runc and crun drop such names without a word,
// so a rule meant to deny "ptarce" denies nothing.
type UnknownSyscallsError struct {
	Names  []UnknownName
	Arches []string
}

func (e *UnknownSyscallsError) Error() string {
	var s []string
	for _, u := range e.Names {
		s = append(s, fmt.Sprintf("%s %q", u.Where, u.Name))
	}
	what := "a syscall name"
	if len(e.Names) > 1 {
		what = "syscall names"
	}
	return fmt.Sprintf("%s: %s that libseccomp %s knows on none of the profile's ABIs (%s); runc and crun drop such names silently",
		strings.Join(s, ", "), what, scmp.LibraryVersion(), strings.Join(e.Arches, ", "))
}

// Unwrap makes the error an ErrInvalidProfile.
func (e *UnknownSyscallsError) Unwrap() error { return ErrInvalidProfile }

// KeyError is a key a runtime could read differently from seccomp-gen: a
// duplicate (runc's Go parser keeps the last, crun's the first), a case or
// Unicode-fold variant of a known key (Go's encoding/json matches it, crun
// does not), or one with a NUL (crun's C strings end there).
type KeyError struct {
	Path   string // "linux.Seccomp", "syscalls[2].names"
	Reason string
}

func (e *KeyError) Error() string { return e.Path + ": " + e.Reason }

// Unwrap makes the error an ErrInvalidProfile.
func (e *KeyError) Unwrap() error { return ErrInvalidProfile }

// ParseRaw reads a profile as written (see Raw). It refuses what Parse
// refuses, except names libseccomp cannot resolve (listed in Unknown) and
// profiles whose rules deny nothing under an allowing default (a linter's
// findings, Parse's errors).
func ParseRaw(name string, data []byte) (*Raw, error) {
	return ParseRawWith(name, data, ReadOptions{})
}

// ParseRawWith is ParseRaw with options; only o.Host matters to it.
func ParseRawWith(name string, data []byte, o ReadOptions) (*Raw, error) {
	if len(data) > MaxProfileSize {
		return nil, fmt.Errorf("%s: %w", name, errTooLarge())
	}
	raw, err := parse(data, o.Host)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return raw, nil
}

// ReadRaw reads a profile file as written (see ParseRaw).
func ReadRaw(path string) (*Raw, error) {
	return ReadRawWith(path, ReadOptions{})
}

// ReadRawWith is ReadRaw with options; only o.Host matters to it.
func ReadRawWith(path string, o ReadOptions) (*Raw, error) {
	name, data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return ParseRawWith(name, data, o)
}

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidProfile, fmt.Sprintf(format, a...))
}

func keyErr(path, format string, a ...any) error {
	return &KeyError{Path: path, Reason: fmt.Sprintf(format, a...)}
}

// configKeys are the top-level keys that make a JSON object an OCI
// config.json.
var configKeys = []string{"ociVersion", "linux", "process", "root"}

func parse(data []byte, h *Host) (*Raw, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, invalid("empty file")
	}
	if rest, ok := bytes.CutPrefix(trimmed, []byte("\xef\xbb\xbf")); ok && len(bytes.TrimSpace(rest)) > 0 && bytes.TrimSpace(rest)[0] == '{' {
		// Go's JSON reader (docker's, runc's) refuses it: "invalid
		// character 'ï'".
		return nil, invalid("a JSON profile that starts with a byte-order mark (EF BB BF), which docker and runc refuse: save it without one")
	}
	if trimmed[0] == '{' {
		tree, jerr := parseJSONTree(trimmed)
		if jerr == nil {
			return parseJSON(trimmed, tree, h)
		}
		// Not JSON: it may still be a flow-style YAML SeccompProfile.
		if root, err := parseYAMLTree(trimmed); err == nil && isSPO(root) {
			return parseSPO(trimmed)
		}
		return nil, jerr
	}
	root, err := parseYAMLTree(trimmed)
	if err != nil {
		return nil, err
	}
	if !isSPO(root) {
		if what := notAProfile(root); what != "" {
			return nil, invalid("%s", what)
		}
		return nil, invalid("not JSON: Docker and OCI profiles are JSON objects (YAML is read only for SPO SeccompProfile objects)")
	}
	return parseSPO(trimmed)
}

// notAProfile names what a YAML top level that is not an SPO object is
// when it is another file seccomp-gen reads ("" otherwise): a trace given
// where a profile goes (check -p run.yaml app.json) or a baseline.
func notAProfile(m *yaml.Node) string {
	has := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		has[m.Content[i].Value] = true
	}
	switch {
	case has["version"] && has["syscalls"]:
		return "a trace, not a profile (seccomp-gen generate makes a profile from traces)"
	case has["name"] && has["syscalls"]:
		return "a baseline, not a profile (generate takes one with --baseline FILE)"
	}
	return ""
}

// isSPO reports whether a YAML top level has apiVersion or kind.
func isSPO(m *yaml.Node) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i].Value; k == "apiVersion" || k == "kind" {
			return true
		}
	}
	return false
}

func parseJSON(data []byte, tree *jnode, h *Host) (*Raw, error) {
	var spo, config bool
	for _, k := range tree.keys {
		spo = spo || k == "apiVersion" || k == "kind"
		for _, c := range configKeys {
			config = config || foldKey(k, c)
		}
	}
	switch {
	case spo:
		return parseSPO(data)
	case config:
		return parseOCIConfig(data, tree)
	}
	if err := checkKeys(tree, "", profileKeys); err != nil {
		return nil, err
	}
	raw, err := readProfileJSON(data, "", h)
	if err != nil {
		return nil, err
	}
	if raw.Format == "" {
		raw.Format = FormatOCI
	}
	return raw, nil
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
		if te.Field == "" { // the whole value (a caller names it)
			return fmt.Sprintf("got JSON %s, want %s", te.Value, jsonKind(te.Type))
		}
		return fmt.Sprintf("%s: got JSON %s, want %s", te.Field, te.Value, jsonKind(te.Type))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "truncated JSON"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// jsonKind names what a Go type reads from JSON, in JSON's words.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number of 0 or more"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "another type"
}

func oneLine(err error) string {
	return yamlerr.Line(err)
}

// parseOCIConfig reads linux.seccomp of a whole config.json. Both keys on
// the way must be spelled exactly and appear once: runc (Go's
// encoding/json, case-insensitive, last duplicate wins) and crun (exact
// match, first duplicate wins) would otherwise load different profiles, or
// one of them none at all.
func parseOCIConfig(data []byte, tree *jnode) (*Raw, error) {
	linux, err := pathKey(tree, "", "linux")
	if err != nil {
		return nil, err
	}
	if linux == nil || linux.null {
		return nil, invalid("OCI config.json has no linux.seccomp: the container would run without seccomp")
	}
	if linux.kind != '{' {
		return nil, keyErr("linux", "not a JSON object")
	}
	sec, err := pathKey(linux, "linux.", "seccomp")
	if err != nil {
		return nil, err
	}
	if sec == nil || sec.null {
		return nil, invalid("OCI config.json has no linux.seccomp: the container would run without seccomp")
	}
	if sec.kind != '{' {
		return nil, keyErr("linux.seccomp", "not a JSON object")
	}
	if err := checkKeys(sec, "linux.seccomp.", profileKeys); err != nil {
		return nil, err
	}
	// The keys on the path are exact and unique now, so encoding/json's
	// case-insensitive matching finds exactly them.
	var cfg struct {
		Linux struct {
			Seccomp json.RawMessage `json:"seccomp"`
		} `json:"linux"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, invalid("OCI config.json: %s", jsonError(data, err))
	}
	raw, err := readProfileJSON(cfg.Linux.Seccomp, "linux.seccomp.", nil)
	if err != nil {
		return nil, err
	}
	raw.Format = FormatOCIConfig
	return raw, nil
}

// pathKey returns the value of key in the object n, refusing every other
// spelling a runtime could take for it and a second occurrence.
func pathKey(n *jnode, prefix, key string) (*jnode, error) {
	var found *jnode
	for i, k := range n.keys {
		if !foldKey(k, key) {
			continue
		}
		if err := exactKey(prefix, k, key); err != nil {
			return nil, err
		}
		if found != nil {
			return nil, keyErr(prefix+key, "duplicate key: runc reads the last one, crun the first")
		}
		found = n.vals[i]
	}
	return found, nil
}

// foldKey reports whether a runtime could take k for want: Go's
// encoding/json matches keys with Unicode simple case folding (so "ſeccomp"
// is "seccomp"), and crun's C strings end at the first NUL.
func foldKey(k, want string) bool {
	if i := strings.IndexByte(k, 0); i >= 0 {
		k = k[:i]
	}
	return strings.EqualFold(k, want)
}

// exactKey refuses k when it is a variant of want rather than want.
func exactKey(prefix, k, want string) error {
	if k == want {
		return nil
	}
	p := prefix + showKey(k)
	if strings.IndexByte(k, 0) >= 0 {
		return keyErr(p, "key with a NUL character: crun reads it as %q, runc does not", want)
	}
	return keyErr(p, "key differs from %q only in case: runc (Go's JSON) reads it as %s, crun ignores it; spell it %q", want, want, want)
}

// showKey prints a key in a key path, quoted when it has characters that
// would make the path ambiguous or unreadable.
func showKey(k string) string {
	for _, r := range k {
		if r == '.' || r == '[' || r == '"' || !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return strconv.Quote(k)
		}
	}
	if k == "" {
		return `""`
	}
	return k
}

// readProfileJSON decodes a Docker/OCI seccomp object whose keys checkKeys
// passed; prefix is its key path in the file ("" for a profile file of its
// own, which docker and podman read; conditional entries are resolved for
// h there).
func readProfileJSON(data []byte, prefix string, h *Host) (*Raw, error) {
	var j profileJSON
	if err := strictJSON(data, &j); err != nil {
		if prefix != "" {
			return nil, fmt.Errorf("%s: %w", strings.TrimSuffix(prefix, "."), err)
		}
		return nil, err
	}
	return fromJSON(&j, prefix, h)
}

// fromJSON converts a decoded Docker/OCI object.
func fromJSON(j *profileJSON, prefix string, h *Host) (*Raw, error) {
	// Only docker and podman read a profile file of its own; in a
	// config.json runc and crun ignore the fields they add.
	standalone := prefix == ""
	docker := len(j.ArchMap) > 0 || j.DefaultErrno != ""
	if j.DefaultErrno != "" && !standalone {
		return nil, invalid("%sdefaultErrno: runc and crun ignore it (only podman reads it); use defaultErrnoRet", prefix)
	}
	if len(j.ArchMap) > 0 && !standalone {
		// The runtime spec has no archMap: runc and crun filter the
		// native ABI alone and kill the calls of the others.
		return nil, invalid("%sarchMap: runc and crun ignore it (only docker and podman read it), filtering this machine's ABI alone; list the ABIs in architectures", prefix)
	}
	defErrno, err := podmanErrno("defaultErrno", j.DefaultErrno, j.DefaultErrnoRet)
	if err != nil {
		return nil, err
	}
	p := &policy.Policy{DefaultAction: j.DefaultAction, DefaultErrno: defErrno, Flags: j.Flags}
	if err := checkHead(j.DefaultAction, defErrno, j.ListenerPath, j.ListenerMetadata); err != nil {
		return nil, err
	}
	if len(j.Architectures) > 0 && len(j.ArchMap) > 0 {
		return nil, invalid("both architectures and archMap are set (Docker refuses that too)")
	}
	if err := checkCounts(prefix+"syscalls", len(j.Syscalls), func(i int) (int, int) {
		n := len(j.Syscalls[i].Names)
		if j.Syscalls[i].Name != "" {
			n++
		}
		return n, len(j.Syscalls[i].Args)
	}); err != nil {
		return nil, err
	}
	arches, err := readArches(j.Architectures, "architectures")
	if err != nil {
		return nil, err
	}
	matched := true
	if len(j.ArchMap) > 0 {
		arches, matched, err = readArchMap(j.ArchMap)
		if err != nil {
			return nil, err
		}
	}
	p.Arches = arches
	raw := &Raw{Policy: p, ArchMap: len(j.ArchMap) > 0, ArchMapNoEntry: !matched}
	for i, s := range j.Syscalls {
		where := fmt.Sprintf("%ssyscalls[%d]", prefix, i)
		if s.Name != "" || s.Comment != "" || s.Includes != nil || s.Excludes != nil || s.Errno != "" {
			docker = true
		}
		names := s.Names
		if s.Name != "" {
			if len(s.Names) > 0 {
				return nil, invalid("%s: both name and names are set (Docker refuses that too)", where)
			}
			names = []string{s.Name}
		}
		if !standalone {
			if s.Name != "" {
				return nil, invalid("%s.name: runc ignores the rule and crun refuses the config (the runtime spec has names only); use names", where)
			}
			if !s.Includes.empty() || !s.Excludes.empty() {
				return nil, invalid("%s: conditional entries (includes/excludes) are read by docker and podman only; runc and crun ignore them and would apply the rule everywhere", where)
			}
			if s.Errno != "" {
				return nil, invalid("%s.errno: runc and crun ignore it (only podman reads it); use errnoRet", where)
			}
		}
		if err := checkFilter(where, "includes", s.Includes); err != nil {
			return nil, err
		}
		if err := checkFilter(where, "excludes", s.Excludes); err != nil {
			return nil, err
		}
		errno, err := podmanErrno(where+".errno", s.Errno, s.ErrnoRet)
		if err != nil {
			return nil, err
		}
		if !s.Includes.empty() || !s.Excludes.empty() {
			raw.Caps = h.capsName()
			keep, why, err := h.keep(s.Includes, s.Excludes)
			if err != nil {
				return nil, err
			}
			if !keep {
				raw.Left = append(raw.Left, LeftOut{Where: where, Names: names, Reason: why})
				continue
			}
		}
		r, err := readRule(where, names, s.Action, errno, s.Args)
		if err != nil {
			return nil, err
		}
		r.Comment = s.Comment
		p.Rules = append(p.Rules, r)
		raw.Where = append(raw.Where, where)
	}
	if err := finishRaw(raw); err != nil {
		return nil, err
	}
	if docker {
		raw.Format = FormatDocker
	}
	return raw, nil
}

// checkCounts refuses more than MaxRules rules, MaxNames names in all or
// MaxArgs conditions in one rule; counts(i) gives rule i's names and args.
func checkCounts(field string, rules int, counts func(int) (names, args int)) error {
	if rules > MaxRules {
		return invalid("%s: %d rules, more than the %d a profile may have", field, rules, MaxRules)
	}
	total, conds := 0, 0
	for i := 0; i < rules; i++ {
		n, a := counts(i)
		total += n
		conds += n * a
		if a > MaxArgs {
			return invalid("%s[%d]: %d argument conditions, more than the %d a rule may have", field, i, a, MaxArgs)
		}
	}
	if total > MaxNames {
		return invalid("%s: %d syscall names in all, more than the %d a profile may have", field, total, MaxNames)
	}
	if conds > MaxConditions {
		return invalid("%s: %d argument conditions (each counted once per syscall its rule names), more than the %d a profile may have", field, conds, MaxConditions)
	}
	return nil
}

// finishRaw adds this machine's native architecture when the profile does
// not list it, checks the flags and lists the names libseccomp cannot
// resolve on any listed ABI.
//
// runc and crun start from libseccomp's filter for the native ABI and add
// the listed ones; neither removes the native one. So a profile listing
// only x86 still filters x86_64 calls on an x86_64 machine, with the same
// rules by name and the default for the rest: it does not kill them. A
// profile listing no ABI this machine runs (aarch64 only, read on x86_64)
// is for another machine and is left as listed.
func finishRaw(raw *Raw) error {
	p := raw.Policy
	if err := checkFlags(p.Flags); err != nil {
		return invalid("%s", err)
	}
	native, err := scmp.Native()
	if err != nil {
		return err
	}
	here := len(p.Arches) == 0
	for _, a := range abi.Family(native) {
		here = here || slices.Contains(p.Arches, a)
	}
	if here && !slices.Contains(p.Arches, native) {
		if len(p.Arches) > 0 {
			raw.NativeAdded = native
		}
		p.Arches = append(p.Arches, native)
	}
	for i, r := range p.Rules {
		for _, n := range r.Names {
			if !knownOnAny(p.Arches, n) {
				raw.Unknown = append(raw.Unknown, UnknownName{Rule: i, Where: raw.Where[i], Name: n,
					OtherArch: raw.ArchMap && scmp.KnownAnywhere(n)})
			}
		}
	}
	return nil
}

func knownOnAny(arches []string, name string) bool {
	for _, a := range arches {
		if scmp.Has(a, name) || policy.Multiplexed(a, name) {
			return true
		}
	}
	return false
}

// dropUnknown returns p without the unknown names, and without rules that
// named nothing else, as runtimes load it, and where (the file's name of
// each rule of p) for the rules kept.
func dropUnknown(p *policy.Policy, unknown []UnknownName, where []string) (*policy.Policy, []string) {
	drop := map[int]map[string]bool{}
	for _, u := range unknown {
		if drop[u.Rule] == nil {
			drop[u.Rule] = map[string]bool{}
		}
		drop[u.Rule][u.Name] = true
	}
	q := *p
	q.Rules = nil
	var kept []string
	for i, r := range p.Rules {
		if d := drop[i]; d != nil {
			var keep []string
			for _, n := range r.Names {
				if !d[n] {
					keep = append(keep, n)
				}
			}
			if len(keep) == 0 {
				continue
			}
			r.Names = keep
		}
		q.Rules = append(q.Rules, r)
		if i < len(where) {
			kept = append(kept, where[i])
		}
	}
	return &q, kept
}

// finish refuses profiles that allow everything, canonicalises and
// validates. where names p's rules as the file does (Raw.Where), for the
// errors.
func finish(p *policy.Policy, where []string) error {
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
	// The file as the runtimes load it (errors name its rules as the
	// file does), then the canonical policy the commands use and write.
	if err := p.Validate(); err != nil {
		var amb *policy.AmbiguousError
		if errors.As(err, &amb) && len(where) == len(p.Rules) && len(amb.Rules) > 0 {
			amb.Where = nil
			for _, i := range amb.Rules {
				if i < 0 || i >= len(where) {
					amb.Where = nil
					break
				}
				amb.Where = append(amb.Where, where[i])
			}
		}
		return invalid("%s", err)
	}
	p.Canonicalize()
	if err := p.Validate(); err != nil {
		return invalid("%s", err)
	}
	return nil
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
		return invalid("defaultErrnoRet %d: %s", *errno, policy.ErrnoRangeReason(*errno))
	}
	if def == policy.ActNotify {
		return invalid("defaultAction: %s", notifyRefused)
	}
	if listenerPath != "" || listenerMeta != "" {
		return invalid("listenerPath/listenerMetadata: seccomp notify agents are not supported")
	}
	return nil
}

// notifyRefused is why a profile with SCMP_ACT_NOTIFY is refused: what its
// calls get depends on the runtime (runc 1.1.5 refuses to start without a
// listenerPath, crun 1.8.1 starts and the calls fail with ENOSYS) or on an
// agent (with one).
const notifyRefused = "SCMP_ACT_NOTIFY: seccomp notify agents are not supported (what such a call gets depends on the agent; without a listenerPath runc refuses to start and crun answers ENOSYS)"

func readRule(where string, names []string, action policy.Action, errno *uint, args []policy.Arg) (policy.Rule, error) {
	if len(names) == 0 {
		return policy.Rule{}, invalid("%s: no syscall names", where)
	}
	for _, n := range names {
		if strings.Contains(n, "\x00") {
			// libseccomp takes the name as a C string: runc and crun
			// would resolve "read\x00x" as read.
			return policy.Rule{}, invalid("%s: bad syscall name %q: runc and crun read it only up to the NUL", where, n)
		}
		if n == "" || strings.IndexFunc(n, func(r rune) bool { return r == ' ' || unicode.IsControl(r) }) >= 0 {
			return policy.Rule{}, invalid("%s: bad syscall name %q", where, n)
		}
	}
	if action == "" {
		return policy.Rule{}, invalid("%s (%s): no action", where, names[0])
	}
	if !action.Valid() {
		return policy.Rule{}, invalid("%s (%s): unknown action %q (known: %s)", where, names[0], action, actionNames())
	}
	if action == policy.ActNotify {
		return policy.Rule{}, invalid("%s (%s): %s", where, names[0], notifyRefused)
	}
	if errno != nil && action != policy.ActErrno && action != policy.ActTrace {
		return policy.Rule{}, invalid("%s (%s): errnoRet is set but action %s returns no errno", where, names[0], action)
	}
	if errno != nil && *errno > MaxErrno {
		return policy.Rule{}, invalid("%s (%s): errnoRet %d: %s", where, names[0], *errno, policy.ErrnoRangeReason(*errno))
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
// readArchMap returns the ABIs docker and podman list for this machine: its
// archMap entry's architecture and subArchitectures. Without such an entry
// they list none, and runc and crun filter the native ABI alone (matched
// false).
func readArchMap(m []archMapJSON) (arches []string, matched bool, err error) {
	native, err := scmp.Native()
	if err != nil {
		return nil, false, err
	}
	nativeName, err := scmp.SCMPName(native)
	if err != nil {
		return nil, false, err
	}
	for i, e := range m {
		if e.Architecture != nativeName {
			// Another machine's entry (SCMP_ARCH_MIPS64 in Docker's
			// default): docker compares the name as written and moves
			// on (SCMP_ARCH_NATIVE is no match either).
			continue
		}
		arch, err := readArches([]string{e.Architecture}, fmt.Sprintf("archMap[%d].architecture", i))
		if err != nil {
			return nil, false, err
		}
		sub, err := readArches(e.SubArchitectures, fmt.Sprintf("archMap[%d].subArchitectures", i))
		if err != nil {
			return nil, false, err
		}
		if arch[0] == native {
			// Every such entry, as moby's setupSeccomp appends them.
			arches, matched = append(append(arches, arch...), sub...), true
		}
	}
	if !matched {
		return []string{native}, false, nil
	}
	return dedup(arches), true, nil
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

func parseSPO(data []byte) (*Raw, error) {
	var head struct {
		Kind  string    `yaml:"kind"`
		Items yaml.Node `yaml:"items"` // a node: no alias is expanded
	}
	if yaml.Unmarshal(data, &head) == nil && head.Kind == "List" {
		// kubectl get seccompprofiles -o yaml
		return nil, invalid("kind: List (%d item(s)), as kubectl get prints several objects: give one SeccompProfile a file (kubectl get seccompprofile NAME -o yaml)", len(head.Items.Content))
	}
	var doc spoYAML
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, invalid("SeccompProfile: %s", oneLine(err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, invalid("SeccompProfile: more than one YAML document (give one profile per file)")
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, invalid("SeccompProfile: %s", oneLine(err))
	}
	if err := yamlerr.Whole(&root, &doc); err != nil {
		return nil, invalid("SeccompProfile: %v", err)
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
	switch s.State {
	case "", "Enabled":
	case "Disabled":
		return nil, invalid("spec.state is Disabled: the operator does not deploy this profile")
	default:
		return nil, invalid("spec.state %q: unknown (known: Enabled, Disabled)", s.State)
	}
	if err := checkHead(s.DefaultAction, nil, s.ListenerPath, s.ListenerMetadata); err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	if err := checkCounts("spec.syscalls", len(s.Syscalls), func(i int) (int, int) {
		return len(s.Syscalls[i].Names), len(s.Syscalls[i].Args)
	}); err != nil {
		return nil, err
	}
	arches, err := readArches(s.Architectures, "spec.architectures")
	if err != nil {
		return nil, err
	}
	p := &policy.Policy{DefaultAction: s.DefaultAction, Arches: arches, Flags: s.Flags}
	raw := &Raw{Format: FormatSPO, Policy: p}
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
		raw.Where = append(raw.Where, where)
	}
	if err := finishRaw(raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// parseYAMLTree parses a YAML document into nodes and bounds it: at most
// MaxDepth levels, at most maxYAMLNodes nodes with aliases expanded. The
// top level must be a mapping.
func parseYAMLTree(data []byte) (*yaml.Node, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		if strings.Contains(err.Error(), "exceeded max depth") {
			// yaml.v3 stops at 10000 levels: deeper than ours too.
			return nil, invalid("nested deeper than %d levels", MaxDepth)
		}
		return nil, invalid("neither JSON nor YAML: %s", oneLine(err))
	}
	budget := maxYAMLNodes
	if err := boundYAML(&root, 0, &budget); err != nil {
		return nil, err
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, invalid("not a profile: the top level must be an object")
	}
	return root.Content[0], nil
}

func boundYAML(n *yaml.Node, depth int, budget *int) error {
	if depth > MaxDepth {
		return invalid("nested deeper than %d levels (line %d)", MaxDepth, n.Line)
	}
	*budget--
	if *budget < 0 {
		return invalid("more than %d YAML nodes once aliases are expanded (an alias bomb?)", maxYAMLNodes)
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return boundYAML(n.Alias, depth+1, budget)
	}
	for _, c := range n.Content {
		if err := boundYAML(c, depth+1, budget); err != nil {
			return err
		}
	}
	return nil
}

// jnode is a parsed JSON value that keeps what encoding/json's decoding
// into structs and maps hides: every key of an object, in order, duplicates
// included.
type jnode struct {
	kind byte // '{', '[' or 0 for a scalar
	null bool
	keys []string // objects: keys[i] names vals[i]
	vals []*jnode
}

// parseJSONTree parses one JSON value (and nothing after it), at most
// MaxDepth levels deep. Valid JSON is read by scanJNode; anything else by
// parseJSONTokens, for its errors (where and what).
func parseJSONTree(data []byte) (*jnode, error) {
	if json.Valid(data) {
		n, _, err := scanJNode(data, 0)
		if err != nil {
			return nil, invalid("nested deeper than %d levels", MaxDepth)
		}
		return n, nil
	}
	return parseJSONTokens(data)
}

// parseJSONTokens is parseJSONTree through encoding/json's Decoder.Token,
// which says where and what is wrong with a file that is not JSON. It was
// the only reader: on valid JSON it took ~1 ms of a 55 KB profile (a
// Token call per scalar builds a syntax error's message for the scanner's
// end of a top-level value, and drops it).
func parseJSONTokens(data []byte) (*jnode, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := readJNode(dec, 0)
	if err != nil {
		var de *depthError
		if errors.As(err, &de) {
			return nil, invalid("nested deeper than %d levels", MaxDepth)
		}
		return nil, invalid("%s", jsonError(data, err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid("trailing data after the JSON object")
	}
	return n, nil
}

// scanJNode reads the value data starts with (after white space), which
// json.Valid accepted: it returns the node readJNode would, and the rest of
// data. Object keys are decoded as Decoder.Token decodes them (escapes,
// invalid UTF-8 as U+FFFD); other strings and scalars are skipped.
func scanJNode(data []byte, depth int) (*jnode, []byte, error) {
	data = skipJSONSpace(data)
	switch c := data[0]; c {
	case '{', '[':
		if depth >= MaxDepth {
			return nil, nil, &depthError{}
		}
		n := &jnode{kind: c}
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		data = skipJSONSpace(data[1:])
		if data[0] == end {
			return n, data[1:], nil
		}
		for {
			if c == '{' {
				k, rest := scanJSONString(data)
				n.keys = append(n.keys, k)
				data = skipJSONSpace(rest)[1:] // the colon
			}
			v, rest, err := scanJNode(data, depth+1)
			if err != nil {
				return nil, nil, err
			}
			n.vals = append(n.vals, v)
			data = skipJSONSpace(rest)
			if data[0] != ',' {
				return n, data[1:], nil // the closing delimiter
			}
			data = skipJSONSpace(data[1:])
		}
	case '"':
		_, rest := jsonStringEnd(data)
		return &jnode{}, rest, nil
	default: // a number, true, false or null
		i := 0
		for i < len(data) && !strings.ContainsRune(" \t\r\n,]}", rune(data[i])) {
			i++
		}
		return &jnode{null: string(data[:i]) == "null"}, data[i:], nil
	}
}

func skipJSONSpace(data []byte) []byte {
	for len(data) > 0 && (data[0] == ' ' || data[0] == '\t' || data[0] == '\r' || data[0] == '\n') {
		data = data[1:]
	}
	return data
}

// jsonStringEnd returns the length of the string data starts with, quotes
// included, and what follows it.
func jsonStringEnd(data []byte) (int, []byte) {
	for i := 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1, data[i+1:]
		}
	}
	return len(data), nil // not reached on valid JSON
}

// scanJSONString decodes the string data starts with and returns it and
// what follows it.
func scanJSONString(data []byte) (string, []byte) {
	n, rest := jsonStringEnd(data)
	lit := data[:n]
	if bytes.IndexByte(lit, '\\') < 0 && utf8.Valid(lit) {
		return string(lit[1 : n-1]), rest
	}
	var s string
	_ = json.Unmarshal(lit, &s) // valid: json.Valid said so
	return s, rest
}

type depthError struct{}

func (*depthError) Error() string { return "too deep" }

func readJNode(dec *json.Decoder, depth int) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return &jnode{null: tok == nil}, nil
	}
	if depth >= MaxDepth {
		return nil, &depthError{}
	}
	n := &jnode{kind: byte(d)}
	for dec.More() {
		if d == '{' {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, _ := kt.(string)
			n.keys = append(n.keys, k)
		}
		c, err := readJNode(dec, depth+1)
		if err != nil {
			return nil, err
		}
		n.vals = append(n.vals, c)
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return nil, err
	}
	return n, nil
}

// keySet lists the keys of one JSON object and the sets of its children.
type keySet struct {
	keys     map[string]*keySet // nil value: a leaf
	elements *keySet            // for arrays of objects
}

var (
	argKeys     = &keySet{keys: map[string]*keySet{"index": nil, "value": nil, "valueTwo": nil, "op": nil}}
	filterKeys  = &keySet{keys: map[string]*keySet{"caps": nil, "arches": nil, "minKernel": nil}}
	syscallKeys = &keySet{keys: map[string]*keySet{"names": nil, "name": nil, "action": nil, "errnoRet": nil, "errno": nil,
		"args": {elements: argKeys}, "comment": nil, "includes": filterKeys, "excludes": filterKeys}}
	profileKeys = &keySet{keys: map[string]*keySet{"defaultAction": nil, "defaultErrnoRet": nil, "defaultErrno": nil, "architectures": nil,
		"archMap": {elements: &keySet{keys: map[string]*keySet{"architecture": nil, "subArchitectures": nil}}},
		"flags":   nil, "listenerPath": nil, "listenerMetadata": nil, "syscalls": {elements: syscallKeys}}}
)

// checkKeys checks every key of a seccomp object, at every depth: each must
// be a known key spelled exactly, at most once. Variants a runtime could
// read differently (case or Unicode-fold variants, keys with a NUL,
// duplicates) and unknown keys are errors naming the key path.
func checkKeys(n *jnode, path string, ks *keySet) error {
	if n == nil || ks == nil {
		return nil
	}
	switch n.kind {
	case '[':
		if ks.elements == nil {
			return nil
		}
		for i, c := range n.vals {
			if err := checkKeys(c, fmt.Sprintf("%s[%d].", strings.TrimSuffix(path, "."), i), ks.elements); err != nil {
				return err
			}
		}
	case '{':
		if ks.keys == nil {
			return nil
		}
		seen := map[string]bool{}
		for i, k := range n.keys {
			want := ""
			for w := range ks.keys {
				if foldKey(k, w) {
					want = w
				}
			}
			if want == "" {
				return keyErr(path+showKey(k), "unknown key (known: %s)", knownKeys(ks))
			}
			if k != want {
				if strings.IndexByte(k, 0) >= 0 {
					return keyErr(path+showKey(k), "key with a NUL character: crun reads it as %q, runc does not", want)
				}
				return keyErr(path+showKey(k), "unknown key (did you mean %q? keys are case-sensitive; runc would read it as %s, crun would ignore it)", want, want)
			}
			if seen[k] {
				return keyErr(path+k, "duplicate key: runc reads the last one, crun the first")
			}
			seen[k] = true
			child := ks.keys[k]
			v := n.vals[i]
			if child != nil {
				if child.elements != nil && v.kind != '[' {
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

func knownKeys(ks *keySet) string {
	var s []string
	for k := range ks.keys {
		s = append(s, k)
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}
