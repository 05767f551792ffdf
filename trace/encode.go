package trace

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// encodeHeader is the comment line every trace file starts with.
const encodeHeader = "# seccomp-gen trace: syscalls counted in the kernel per (arch, nr)\n"

// appendText appends f (canonical, valid) as YAML text: the bytes that
// yaml.v3 writes for encodeTree(f) (an Encoder with indent 2), built
// without it. Every value of a trace is a scalar or a flow collection
// below a top-level block mapping, and the syscall and executable lists
// are block sequences of flow mappings, so the text is a fixed layout;
// only a string that is not a plain word or path is handed to yaml.v3,
// once per distinct value (flowScalar). ok is false when f holds what the
// layout does not cover (a start time outside the years 0-9999, a string
// with a line break or bytes that are not UTF-8: layoutBreaking); Encode
// then uses encodeTree.
//
// yaml.v3 (v3.0.1) keeps every event of a document in a queue that it
// never shortens: encoding the trace of `trace -- /bin/true` (17 entries)
// grew it to ~100 KB and touched ~110 fresh pages (perf record -e
// page-faults, 20 runs), and Node.Encode marshals and parses back each
// executable and the header. On the 2-core PVM machine of issue 13, where
// a page fault costs ~10 µs, encoding was 1.5-2.5 ms of that command's
// end; TestEncodeTextMatchesTree holds the two encodings equal.
func appendText(b []byte, f *File) ([]byte, bool) {
	if y := f.Started.UTC().Year(); y < 0 || y > 9999 {
		return b, false
	}
	s := scalars{memo: map[string]string{}}
	b = append(b, encodeHeader...)
	b = append(b, "version: "...)
	b = strconv.AppendInt(b, int64(f.Version), 10)
	b = append(b, "\ntarget: {"...)
	t := f.Target
	sep := ""
	if len(t.Command) > 0 {
		b = append(b, "command: "...)
		b = s.appendList(b, t.Command)
		sep = ", "
	}
	if t.PID != 0 {
		b = append(b, sep+"pid: "...)
		b = strconv.AppendInt(b, int64(t.PID), 10)
		sep = ", "
	}
	if t.Cgroup != "" {
		b = append(b, sep+"cgroup: "...)
		b = s.append(b, t.Cgroup)
		sep = ", "
	}
	if len(t.Unseen) > 0 {
		b = append(b, sep+"unseen: "...)
		b = s.appendList(b, t.Unseen)
		sep = ", "
	}
	if c := t.Container; c != nil {
		b = append(b, sep+"container: {id: "...)
		b = s.append(b, c.ID)
		if c.Runtime != "" {
			b = append(b, ", runtime: "...)
			b = s.append(b, c.Runtime)
		}
		b = append(b, ", mode: "...)
		b = s.append(b, c.Mode)
		if len(c.Unseen) > 0 {
			b = append(b, ", unseen: "...)
			b = s.appendList(b, c.Unseen)
		}
		b = append(b, '}')
	}
	b = append(b, "}\nhost: {kernel: "...)
	b = s.append(b, f.Host.Kernel)
	b = append(b, ", arch: "...)
	b = s.append(b, f.Host.Arch)
	b = append(b, "}\nstarted: "...)
	b = f.Started.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, "\nduration: "...)
	b = s.append(b, f.Duration.text())
	if f.ExitCode != nil {
		b = append(b, "\nexit_code: "...)
		b = strconv.AppendInt(b, int64(*f.ExitCode), 10)
	}
	b = append(b, "\nlost: "...)
	b = strconv.AppendUint(b, f.Lost, 10)
	b = append(b, "\nprocesses: "...)
	b = strconv.AppendUint(b, f.Processes, 10)
	if f.ExecutablesOmitted > 0 {
		b = append(b, "\nexecutables_omitted: "...)
		b = strconv.AppendUint(b, f.ExecutablesOmitted, 10)
	}
	b = append(b, "\nsyscalls:"...)
	if len(f.Syscalls) == 0 {
		b = append(b, " []"...)
	}
	b = append(b, '\n')
	for _, c := range f.Syscalls {
		b = append(b, "  - {arch: "...)
		b = s.append(b, c.Arch)
		b = append(b, ", nr: "...)
		b = strconv.AppendInt(b, int64(c.Nr), 10)
		if c.Name != "" {
			b = append(b, ", name: "...)
			b = s.append(b, c.Name)
		}
		b = append(b, ", count: "...)
		b = strconv.AppendUint(b, c.Count, 10)
		if c.First != "" {
			b = append(b, ", first: "...)
			b = s.append(b, c.First)
		}
		if len(c.Args) > 0 {
			b = append(b, ", args: ["...)
			for i, a := range c.Args {
				if i > 0 {
					b = append(b, ", "...)
				}
				b = append(b, "{index: "...)
				b = strconv.AppendInt(b, int64(a.Index), 10)
				b = append(b, ", values: ["...)
				for j, v := range a.Values {
					if j > 0 {
						b = append(b, ", "...)
					}
					b = strconv.AppendUint(b, v, 10)
				}
				b = append(b, ']')
				if a.Overflow {
					b = append(b, ", overflow: true"...)
				}
				b = append(b, '}')
			}
			b = append(b, ']')
		}
		if p := c.Pairs; p != nil {
			b = append(b, ", pairs: {indexes: ["...)
			b = strconv.AppendInt(b, int64(p.Indexes[0]), 10)
			b = append(b, ", "...)
			b = strconv.AppendInt(b, int64(p.Indexes[1]), 10)
			b = append(b, "], values: ["...)
			for j, v := range p.Values {
				if j > 0 {
					b = append(b, ", "...)
				}
				b = append(b, '[')
				b = strconv.AppendUint(b, v[0], 10)
				b = append(b, ", "...)
				b = strconv.AppendUint(b, v[1], 10)
				b = append(b, ']')
			}
			b = append(b, ']')
			if p.Overflow {
				b = append(b, ", overflow: true"...)
			}
			b = append(b, '}')
		}
		b = append(b, "}\n"...)
	}
	if len(f.Executables) > 0 {
		b = append(b, "executables:\n"...)
		for _, e := range f.Executables {
			b = append(b, "  - {path: "...)
			b = s.append(b, e.Path)
			if e.BuildID != "" {
				b = append(b, ", build_id: "...)
				b = s.append(b, e.BuildID)
			}
			if e.SHA256 != "" {
				b = append(b, ", sha256: "...)
				b = s.append(b, e.SHA256)
			}
			if len(e.Syscalls) > 0 {
				b = append(b, ", syscalls: ["...)
				for i, x := range e.Syscalls {
					if i > 0 {
						b = append(b, ", "...)
					}
					b = append(b, "{arch: "...)
					b = s.append(b, x.Arch)
					b = append(b, ", nrs: ["...)
					for j, nr := range x.Nrs {
						if j > 0 {
							b = append(b, ", "...)
						}
						b = strconv.AppendInt(b, int64(nr), 10)
					}
					b = append(b, "]}"...)
				}
				b = append(b, ']')
			}
			b = append(b, "}\n"...)
		}
	}
	sum := f.Summarize()
	b = append(b, endKey+": {entries: "...)
	b = strconv.AppendInt(b, int64(sum.Entries), 10)
	b = append(b, ", total: "...)
	b = strconv.AppendUint(b, sum.Total, 10)
	b = append(b, "}\n"...)
	return b, !s.bad
}

// scalars renders string values as they stand in a flow collection,
// memoized for one encoding. bad: yaml.v3 could not render one.
type scalars struct {
	memo map[string]string
	bad  bool
}

// append appends v's rendering to b.
func (s *scalars) append(b []byte, v string) []byte {
	if plainWord(v) || plainPath(v) || plainSeconds(v) {
		return append(b, v...)
	}
	r, ok := s.memo[v]
	if !ok {
		if r, ok = flowScalar(v); !ok {
			s.bad = true
		}
		s.memo[v] = r
	}
	return append(b, r...)
}

// layoutBreaking reports whether yaml.v3 may write v differently in
// different places of encodeTree's output: a line break (it may write a
// quoted one over lines indented to where it stands; a leading newline
// was even lost through strNode's Node.Encode), or bytes that are not
// UTF-8. Such a file is left to encodeTree.
func layoutBreaking(v string) bool {
	return !utf8.ValidString(v) || strings.ContainsAny(v, "\n\r\u0085\u2028\u2029")
}

// appendList appends a flow sequence of strings.
func (s *scalars) appendList(b []byte, list []string) []byte {
	b = append(b, '[')
	for i, v := range list {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = s.append(b, v)
	}
	return append(b, ']')
}

// flowScalar is how yaml.v3 writes the string v inside a flow collection
// in encodeTree: the node strNode makes of it (its style chosen as a
// top-level value), written as the item of a flow sequence. The style
// that the flow context then imposes does not depend on the position
// (sequence item or mapping value), and with no line width nothing is
// folded.
func flowScalar(v string) (string, bool) {
	if layoutBreaking(v) {
		return "", false
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{strNode(v)}}
	out, err := yaml.Marshal(seq)
	r := strings.TrimSuffix(string(out), "\n")
	if err != nil || len(r) < 2 || r[0] != '[' || r[len(r)-1] != ']' || strings.Contains(r, "\n") {
		return "", false
	}
	return r[1 : len(r)-1], true
}

// plainSeconds reports whether v is [0-9]+.[0-9]+s, as Duration writes
// itself: no number, boolean or time in YAML, so yaml.v3 writes it plain.
func plainSeconds(v string) bool {
	digits := func(s string) bool {
		if s == "" {
			return false
		}
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	num, ok := strings.CutSuffix(v, "s")
	whole, frac, dot := strings.Cut(num, ".")
	return ok && dot && digits(whole) && digits(frac)
}

// plainPath reports whether v is an absolute path of [A-Za-z0-9_./+-]
// only: YAML reads such a word as a string (nothing resolves from a
// leading '/'), and it holds no indicator, so yaml.v3 writes it plain.
func plainPath(v string) bool {
	if len(v) < 1 || v[0] != '/' {
		return false
	}
	for i := 1; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '/' || c == '+' || c == '-') {
			return false
		}
	}
	return true
}
