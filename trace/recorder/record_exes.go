package recorder

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/cilium/ebpf"

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
// Tasks marked from user space (--pid, --cgroup) get their executable
// from /proc/TID/exe (userExe); tasks the eBPF side marks on its own (a task
// entering a traced cgroup) count in the trace's syscalls but under no
// executable until their next execve.
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

// Executable indexes: bpf/recorder.c hands out 1..exeIndexesExec to files
// exec'd while traced; user space hands out the rest (NR_EXES_EXEC+1 ..
// NR_EXES) to the executables of tasks it marks.
const (
	exeIndexesExec = 192
	exeIndexes     = 256
)

// userExes are the executable indexes user space handed out.
type userExes struct {
	mu   sync.Mutex
	next uint32
	by   map[string]uint32
}

// userExe returns the executable index (1 + exe_syscalls index; 0 when
// unknown or out of indexes) for the task tid, noting its executable in
// exe_paths as sched_process_exec would.
func (r *recorder) userExe(tid int) uint32 {
	path, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", tid))
	if err != nil || !filepath.IsAbs(path) || len(path) >= 256 {
		return 0
	}
	u := &r.exes
	u.mu.Lock()
	defer u.mu.Unlock()
	if e, ok := u.by[path]; ok {
		return e
	}
	var key bpf.RecorderExePath
	for i := 0; i < len(path); i++ {
		key.Path[i] = int8(path[i])
	}
	var info bpf.RecorderExeInfo
	if err := r.objs.ExePaths.Lookup(&key, &info); err != nil {
		if u.next == 0 {
			u.next = exeIndexesExec
		}
		if u.next >= exeIndexes {
			return 0
		}
		info = bpf.RecorderExeInfo{Tgid: uint32(tid), Exe: u.next + 1}
		if err := r.objs.ExePaths.Update(&key, &info, ebpf.UpdateNoExist); err != nil {
			if !errors.Is(err, ebpf.ErrKeyExist) || r.objs.ExePaths.Lookup(&key, &info) != nil {
				return 0
			}
		} else {
			u.next++
		}
	}
	if u.by == nil {
		u.by = map[string]uint32{}
	}
	u.by[path] = info.Exe
	return info.Exe
}
