package recorder

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/bpf"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/widen"
)

// executables reads the exe_paths map (what the traced tasks exec'd, see
// bpf/recorder.c) and exe_syscalls (which syscalls tasks running each one
// issued), and identifies each file: its build ID, else its sha256.
//
// A name means what it means to the process that exec'd it, not to the
// recorder: a container's /bin/sh is not the host's, and /proc/self/exe or
// /dev/fd/N opened here would be the recorder's own. So each file is
// identified through that process while it runs (identifyExes, during the
// recording, and at its end when it was cut short: running), and after it is gone only a plain absolute name of a
// target that shares the recorder's root is read from the host (hostRoot);
// any other stays listed by path alone. A relative name is resolved through
// /proc/TGID/exe while that process lives.
//
// Tasks marked from user space (--pid, --cgroup) get their executable
// from /proc/TID/exe (userExe); tasks the eBPF side marks on its own (a task
// entering a traced cgroup) count in the trace's syscalls but under no
// executable until their next execve.
func (r *recorder) executables(running bool) []trace.Executable {
	var (
		key  [256]byte
		info bpf.RecorderExeInfo
		out  []trace.Executable
	)
	if running {
		r.identifyExes()
	}
	it := r.objs.ExePaths.Iterate()
	for it.Next(&key, &info) {
		path := string(key[:bytes.IndexByte(append(key[:], 0), 0)])
		if path == "" {
			continue
		}
		e := trace.Executable{Path: path}
		if id, ok := r.exeIDs[path]; ok {
			if id.path != "" {
				e.Path = id.path
			}
			e.BuildID, e.SHA256 = id.BuildID, id.SHA256
		} else if r.hostRoot && !procName(path) {
			if id, err := widen.Identify(path); err == nil {
				e.BuildID, e.SHA256 = id.BuildID, id.SHA256
			}
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

// exeID is an executable identified through the process that exec'd it;
// path is the name it resolved to when the exec'd name was relative.
type exeID struct {
	widen.Identity
	path string
}

// exeScanInterval is how often the recording identifies new executables.
const exeScanInterval = 100 * time.Millisecond

// identifyExes identifies the exe_paths entries not identified yet whose
// first process still runs, through that process (identifyVia), and notes
// when one runs under another root than the recorder's.
func (r *recorder) identifyExes() {
	var (
		key  [256]byte
		info bpf.RecorderExeInfo
	)
	it := r.objs.ExePaths.Iterate()
	for it.Next(&key, &info) {
		path := string(key[:bytes.IndexByte(append(key[:], 0), 0)])
		if path == "" {
			continue
		}
		if _, ok := r.exeIDs[path]; ok {
			continue
		}
		same, err := sameRoot(int(info.Tgid))
		if err != nil {
			continue // gone
		}
		if !same {
			r.hostRoot = false
		}
		if id, ok := identifyVia(int(info.Tgid), path); ok {
			if r.exeIDs == nil {
				r.exeIDs = map[string]exeID{}
			}
			r.exeIDs[path] = id
		}
	}
}

// procName reports whether an exec'd name only means something to the
// process that exec'd it: relative, or below /proc or /dev/fd.
func procName(path string) bool {
	return !filepath.IsAbs(path) || strings.HasPrefix(path, "/proc/") || strings.HasPrefix(path, "/dev/fd/")
}

// identifyVia identifies the file that process tgid exec'd as path: an
// absolute name is opened under the process's root (absolute symlinks
// resolve there too), a procName through /proc/TGID/exe (a relative name
// only when the base names agree).
func identifyVia(tgid int, path string) (exeID, bool) {
	proc := "/proc/" + strconv.Itoa(tgid)
	if procName(path) {
		p, err := os.Readlink(proc + "/exe")
		if err != nil {
			return exeID{}, false
		}
		var id exeID
		if !filepath.IsAbs(path) {
			if filepath.Base(p) != filepath.Base(path) {
				return exeID{}, false
			}
			id.path = p
		}
		if id.Identity, err = widen.Identify(proc + "/exe"); err != nil {
			return exeID{}, false
		}
		return id, true
	}
	root, err := unix.Open(proc+"/root", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return exeID{}, false
	}
	defer unix.Close(root)
	fd, err := unix.Openat2(root, path, &unix.OpenHow{Flags: unix.O_RDONLY | unix.O_CLOEXEC, Resolve: unix.RESOLVE_IN_ROOT})
	if err != nil {
		return exeID{}, false
	}
	defer unix.Close(fd)
	id, err := widen.Identify("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil {
		return exeID{}, false
	}
	return exeID{Identity: id}, true
}

// sameRoot reports whether process pid has the recorder's root directory.
func sameRoot(pid int) (bool, error) {
	var theirs, ours unix.Stat_t
	if err := unix.Stat("/proc/"+strconv.Itoa(pid)+"/root", &theirs); err != nil {
		return false, err
	}
	if err := unix.Stat("/", &ours); err != nil {
		return false, err
	}
	return theirs.Dev == ours.Dev && theirs.Ino == ours.Ino, nil
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
