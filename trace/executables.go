package trace

import (
	"fmt"
	"sort"

	"gopkg.in/yaml.v3"
)

// MaxExecutables is the most executables a trace may list.
const MaxExecutables = 4096

// MaxExecutableNrs is the most syscall numbers the executables list of a
// trace may hold, over all its executables. A recorder can note more (the
// syscalls of 256 executables, each up to every one of the trace's
// entries): FitExecutables drops lists to stay within it.
const MaxExecutableNrs = MaxEntries * 4

// Executable is one program file that a traced process executed. The
// executables list of a trace comes after its syscalls and before the
// closing summary, so a version 2 file cut inside it lacks the summary and
// is refused as truncated. Old traces have no list (nil).
//
//	executables:
//	  - {path: /usr/bin/xz, build_id: ba5303..., syscalls: [{arch: x86_64, nrs: [0, 1, 3]}]}
type Executable struct {
	// Path is the file name as exec'd (the bprm filename: relative names
	// and symlinks stay as the caller gave them), or /proc/PID/exe when
	// that was all the recorder saw.
	Path string `yaml:"path"`
	// BuildID is the hex GNU build ID (.note.gnu.build-id), or "go:" and
	// the Go build ID, when the file has one: it survives renames and
	// copies. SHA256 is the file's hex content hash, set when it has none.
	BuildID string `yaml:"build_id,omitempty"`
	SHA256  string `yaml:"sha256,omitempty"`
	// Syscalls are the syscalls processes running this executable issued,
	// per ABI, when the recorder counted them per executable (empty when
	// it did not).
	Syscalls []ExeSyscalls `yaml:"syscalls,omitempty"`
}

// ExeSyscalls are the syscall numbers of one ABI an executable issued.
type ExeSyscalls struct {
	Arch string `yaml:"arch"`
	Nrs  []int  `yaml:"nrs,flow"`
}

// canonicalizeExecutables sorts executables by path and identity and each
// one's numbers, merging duplicates.
func (f *File) canonicalizeExecutables() {
	if len(f.Executables) == 0 {
		return
	}
	sort.SliceStable(f.Executables, func(i, j int) bool {
		a, b := f.Executables[i], f.Executables[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.BuildID != b.BuildID {
			return a.BuildID < b.BuildID
		}
		return a.SHA256 < b.SHA256
	})
	out := f.Executables[:0]
	for _, e := range f.Executables {
		if n := len(out); n > 0 && out[n-1].Path == e.Path && out[n-1].BuildID == e.BuildID && out[n-1].SHA256 == e.SHA256 {
			out[n-1].Syscalls = append(out[n-1].Syscalls, e.Syscalls...)
			out[n-1].Syscalls = mergeExeSyscalls(out[n-1].Syscalls)
			continue
		}
		e.Syscalls = mergeExeSyscalls(e.Syscalls)
		out = append(out, e)
	}
	f.Executables = out
}

func mergeExeSyscalls(in []ExeSyscalls) []ExeSyscalls {
	if len(in) == 0 {
		return nil
	}
	by := map[string]map[int]bool{}
	for _, s := range in {
		if by[s.Arch] == nil {
			by[s.Arch] = map[int]bool{}
		}
		for _, n := range s.Nrs {
			by[s.Arch][n] = true
		}
	}
	out := make([]ExeSyscalls, 0, len(by))
	for a, set := range by {
		nrs := make([]int, 0, len(set))
		for n := range set {
			nrs = append(nrs, n)
		}
		sort.Ints(nrs)
		out = append(out, ExeSyscalls{Arch: a, Nrs: nrs})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Arch < out[j].Arch })
	return out
}

// FitExecutables empties the syscall lists of the executables with the
// longest ones until the executables list holds at most MaxExecutableNrs
// numbers, so that Encode does not refuse the trace; the executables stay
// listed. It returns how many lists it emptied. Call it on a canonical
// file (duplicates merged).
func (f *File) FitExecutables() int {
	total := 0
	size := make([]int, len(f.Executables))
	for i, e := range f.Executables {
		for _, s := range e.Syscalls {
			size[i] += len(s.Nrs)
		}
		total += size[i]
	}
	if total <= MaxExecutableNrs {
		return 0
	}
	order := make([]int, len(f.Executables))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return size[order[a]] > size[order[b]] })
	n := 0
	for _, i := range order {
		if total <= MaxExecutableNrs {
			break
		}
		total -= size[i]
		f.Executables[i].Syscalls = nil
		n++
	}
	return n
}

// validateExecutables checks the executables list.
func (f *File) validateExecutables() error {
	if len(f.Executables) > MaxExecutables {
		return fmt.Errorf("%w: %d executables, more than the %d a trace may list", ErrTooLarge, len(f.Executables), MaxExecutables)
	}
	type slot struct {
		arch string
		nr   int
	}
	traced := map[slot]bool{}
	for _, s := range f.Syscalls {
		traced[slot{s.Arch, s.Nr}] = true
	}
	nrs := 0
	for i, e := range f.Executables {
		if e.Path == "" {
			return fmt.Errorf("%w: executables[%d]: no path", ErrFormat, i)
		}
		if !isHex(e.SHA256) || (e.SHA256 != "" && len(e.SHA256) != 64) {
			return fmt.Errorf("%w: executables[%d] (%s): sha256 %q is not 64 hex digits", ErrFormat, i, e.Path, e.SHA256)
		}
		for _, s := range e.Syscalls {
			if !IsKnownArch(s.Arch) {
				return fmt.Errorf("%w: executables[%d] (%s): unknown arch %q", ErrFormat, i, e.Path, s.Arch)
			}
			for _, n := range s.Nrs {
				if n < 0 {
					return fmt.Errorf("%w: executables[%d] (%s): negative syscall number %d", ErrFormat, i, e.Path, n)
				}
				if !traced[slot{s.Arch, n}] {
					// The executables' lists say which of the counted
					// syscalls each one issued; --per-executable and
					// --widen would report one the profile never allows.
					return fmt.Errorf("%w: executables[%d] (%s): %s syscall %d is not among the trace's syscalls", ErrFormat, i, e.Path, s.Arch, n)
				}
			}
			nrs += len(s.Nrs)
		}
		if nrs > MaxExecutableNrs {
			return fmt.Errorf("%w: executables list more than %d syscall numbers", ErrTooLarge, MaxExecutableNrs)
		}
	}
	return nil
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// encodeExecutables is the YAML node of the executables list: one flow
// line per executable.
func encodeExecutables(list []Executable) (*yaml.Node, error) {
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, e := range list {
		n, err := encodeNode(e)
		if err != nil {
			return nil, err
		}
		n.Style = yaml.FlowStyle
		seq.Content = append(seq.Content, n)
	}
	return seq, nil
}

// ExecutableFor returns the executable whose path ends in the program
// name comm (the kernel's 15-byte task name), when exactly one does.
func (f *File) ExecutableFor(comm string) (string, bool) {
	if comm == "" {
		return "", false
	}
	found := ""
	for _, e := range f.Executables {
		base := e.Path
		for i := len(base) - 1; i >= 0; i-- {
			if base[i] == '/' {
				base = base[i+1:]
				break
			}
		}
		if len(base) > 15 {
			base = base[:15]
		}
		if base == comm {
			if found != "" && found != e.Path {
				return "", false
			}
			found = e.Path
		}
	}
	return found, found != ""
}

// FirstAsExecutable rewrites each syscall's First (a comm) to the path of
// the executable of that base name, when exactly one has it, so that
// reports name the program file. Traces keep the comm.
func (f *File) FirstAsExecutable() {
	for i, s := range f.Syscalls {
		if p, ok := f.ExecutableFor(s.First); ok {
			f.Syscalls[i].First = p
		}
	}
}
