package recorder

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/seccomp-gen/seccomp-gen/bpf"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/widen"
)

// executables reads the exe_paths map (what the traced tasks exec'd, see
// bpf/recorder.c) and exe_syscalls (which syscalls tasks running each one
// issued), and identifies each file: its build ID, else its sha256. A
// relative name is resolved through /proc/TGID/exe while that process
// lives; a file that is gone is listed by path alone.
//
// Tasks whose executable the recorder did not see exec'd (--pid and
// --cgroup targets before their next execve) count in the trace's syscalls
// but under no executable.
func (r *recorder) executables() []trace.Executable {
	var (
		key  [256]byte
		info bpf.RecorderExeInfo
		out  []trace.Executable
	)
	it := r.objs.ExePaths.Iterate()
	for it.Next(&key, &info) {
		path := string(key[:bytes.IndexByte(append(key[:], 0), 0)])
		if path == "" {
			continue
		}
		if !filepath.IsAbs(path) {
			if p, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", info.Tgid)); err == nil && filepath.Base(p) == filepath.Base(path) {
				path = p
			}
		}
		e := trace.Executable{Path: path}
		if id, err := widen.Identify(path); err == nil {
			e.BuildID, e.SHA256 = id.BuildID, id.SHA256
		}
		if info.Exe > 0 {
			var bits bpf.RecorderExeBits
			if err := r.objs.ExeSyscalls.Lookup(info.Exe-1, &bits); err == nil {
				e.Syscalls = exeSyscalls(bits)
			}
		}
		out = append(out, e)
	}
	return out
}

// exeSyscalls turns a bitmap of counts slots into numbers per ABI.
func exeSyscalls(bits bpf.RecorderExeBits) []trace.ExeSyscalls {
	by := map[string][]int{}
	var arches []string
	for w, word := range bits.W {
		for b := 0; b < 64; b++ {
			if word&(1<<b) == 0 {
				continue
			}
			arch, nr := slotArch(uint32(w*64 + b))
			if by[arch] == nil {
				arches = append(arches, arch)
			}
			by[arch] = append(by[arch], nr)
		}
	}
	out := make([]trace.ExeSyscalls, 0, len(arches))
	for _, a := range arches {
		out = append(out, trace.ExeSyscalls{Arch: a, Nrs: by[a]})
	}
	return out
}
