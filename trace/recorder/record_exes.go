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
// identified through that process while it runs (exeScanner, during the
// recording, and at its end when it was cut short: running), and after it
// is gone a plain absolute name is read from the host; any other stays
// listed by path alone (a relative one is tried in the command's start
// directory when the target shares the recorder's root: hostRoot). A
// relative name is resolved through /proc/TGID/exe while that process
// lives.
//
// Whichever way a file is found, it is identified only if it has the
// device and inode number that the kernel noted at the execve (sameFile):
// a chroot's process gone before the first scan leaves its /bin/sh
// unidentified, never identified as the host's. That check, not hostRoot,
// is what makes a host name safe to read: a scan that finds a process
// under another root says where it runs now, not where it exec'd its
// file (`busybox chroot DIR sh`: the host's busybox, seen between its
// chroot and its execve, turned the host lookup off for the whole trace
// and left busybox unidentified, 1 in 10 runs of
// TestExecutablesChrootGoneQuickly on a loaded machine). A name exec'd as two
// different files (exe_info.mixed) is listed by path alone.
//
// Tasks marked from user space (--pid, --cgroup) get their executable
// from /proc/TID/exe (userExe); tasks the eBPF side marks on its own (a task
// entering a traced cgroup) count in the trace's syscalls but under no
// executable until their next execve.
//
// It also returns how many executables ran that exe_paths could not hold
// (omitted) and how many listed ones have no syscall list because
// exe_syscalls' indexes ran out (unsplit). A name that fills exe_paths'
// key (255 bytes) may have been cut there (bpf_probe_read_kernel_str
// stops at the key's size): it is left out and counted in omitted and in
// cut, rather than listed under a name that is no file, with the syscalls
// of every program whose path starts with those bytes and the ID of
// whatever file has that name.
func (r *recorder) executables(running bool) (out []trace.Executable, omitted uint64, unsplit, cut int) {
	var (
		key  [256]byte
		info bpf.RecorderExeInfo
	)
	if running {
		r.stopExeScan(exeRescan)
	} else {
		r.stopExeScan(exeFinish)
	}
	it := r.objs.ExePaths.Iterate()
	for it.Next(&key, &info) {
		path := string(key[:bytes.IndexByte(append(key[:], 0), 0)])
		if path == "" {
			continue
		}
		if len(path) >= len(key)-1 {
			cut++
			continue
		}
		e := trace.Executable{Path: path}
		if id, ok := r.exeIDs[path]; ok && info.Mixed == 0 {
			if id.path != "" {
				e.Path = id.path
			}
			e.BuildID, e.SHA256 = id.BuildID, id.SHA256
		} else if !procName(path) && info.Mixed == 0 {
			if id, ok := identifyOnHost(path, exeFile(info)); ok {
				e.BuildID, e.SHA256 = id.BuildID, id.SHA256
			}
		} else if r.hostRoot && !filepath.IsAbs(path) && info.Mixed == 0 && len(r.opts.Command) > 0 {
			// Gone before it was seen: a relative name is tried in the
			// directory the command started in (a child that did not
			// change directory), and kept only if it names the file.
			if name, id, ok := r.inStartDir(path, exeFile(info)); ok {
				e.Path, e.BuildID, e.SHA256 = name, id.BuildID, id.SHA256
			}
		}
		if info.Exe > 0 {
			var bits bpf.RecorderExeBits
			if err := r.objs.ExeSyscalls.Lookup(info.Exe-1, &bits); err == nil {
				e.Syscalls = exeSyscalls(bits)
			}
		} else {
			unsplit++
		}
		out = append(out, e)
	}
	var over uint64
	_ = r.vars.exeOverflow.Get(&over)
	r.exes.mu.Lock()
	over += r.exes.overflow
	r.exes.mu.Unlock()
	return out, exesOmitted(len(out)+cut, int(r.objs.ExePaths.MaxEntries()), over, unsplit) + uint64(cut), unsplit, cut
}

// exesOmitted is how many executables exe_paths could not hold: exe_overflow
// counts those and the names listed without an exe_syscalls index (unsplit),
// and only a full exe_paths refuses a name.
func exesOmitted(listed, capacity int, overflow uint64, unsplit int) uint64 {
	if listed < capacity || overflow <= uint64(unsplit) {
		return 0
	}
	return overflow - uint64(unsplit)
}

// exeID is an executable identified through the process that exec'd it;
// path is the name it resolved to when the exec'd name was relative.
type exeID struct {
	widen.Identity
	path string
}

// fileID is the file an exe_paths name was exec'd as: its device (the
// kernel's dev_t, MAJOR << 20 | MINOR) and inode number.
type fileID struct {
	dev uint32
	ino uint64
}

func exeFile(info bpf.RecorderExeInfo) fileID {
	return fileID{dev: info.Dev, ino: info.Ino}
}

// kernelDev turns a stat device number into the kernel's dev_t.
func kernelDev(dev uint64) uint32 {
	return unix.Major(dev)<<20 | unix.Minor(dev)&0xfffff
}

// sameFile reports whether the open file fd is want. The device stat
// reports is not the superblock's on some filesystems (btrfs subvolumes,
// overlayfs over several filesystems): then the one of fd's mount in
// mountinfo (a /proc/PID/mountinfo listing that mount) is compared.
func sameFile(fd int, want fileID, mountinfo string) bool {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Ino != want.ino || want.ino == 0 {
		return false
	}
	if kernelDev(st.Dev) == want.dev {
		return true
	}
	var stx unix.Statx_t
	if err := unix.Statx(fd, "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID, &stx); err != nil || stx.Mask&unix.STATX_MNT_ID == 0 {
		return false
	}
	dev, ok := mountDev(mountinfo, stx.Mnt_id)
	return ok && dev == want.dev
}

// mountDev returns the device (MAJOR << 20 | MINOR) of mount id in the
// mountinfo file.
func mountDev(mountinfo string, id uint64) (uint32, bool) {
	data, err := os.ReadFile(mountinfo)
	if err != nil {
		return 0, false
	}
	want := strconv.FormatUint(id, 10)
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != want {
			continue
		}
		maj, min, ok := strings.Cut(f[2], ":")
		ma, err1 := strconv.ParseUint(maj, 10, 32)
		mi, err2 := strconv.ParseUint(min, 10, 32)
		if !ok || err1 != nil || err2 != nil || ma >= 1<<12 || mi >= 1<<20 {
			return 0, false
		}
		return uint32(ma<<20 | mi), true
	}
	return 0, false
}

// identifyFD identifies the open file fd.
func identifyFD(fd int) (widen.Identity, error) {
	return widen.Identify("/proc/self/fd/" + strconv.Itoa(fd))
}

// identifyOnHost identifies the file path names to the recorder, if it is
// want.
func identifyOnHost(path string, want fileID) (widen.Identity, bool) {
	onHost := func(name string) (int, error) {
		return widen.OpenRegular(func(flags int) (int, error) { return unix.Open(name, flags, 0) })
	}
	fd, err := onHost(path)
	if err != nil {
		return widen.Identity{}, false
	}
	defer unix.Close(fd)
	if !sameFile(fd, want, "/proc/self/mountinfo") && !scriptOf(fd, want, "/proc/self/mountinfo", onHost) {
		return widen.Identity{}, false
	}
	id, err := identifyFD(fd)
	return id, err == nil
}

// exeScanInterval is how often the recording looks for new executables.
const exeScanInterval = 100 * time.Millisecond

// exeHashHook, when set (by tests), runs before each file is identified.
var exeHashHook func(path string)

// exeScanner identifies executables off the wait loop, whose other cases
// (the end of the target, --duration, Ctrl-C, progress) a large file
// without a build ID would hold up while it is hashed. One goroutine does
// it, one file at a time: each pass opens the files of new exe_paths
// entries through their processes (pinExes: quick, and an open file can
// still be read once its process is gone), then it hashes one pinned file
// and passes again. It alone touches exeIDs, hostRoot and pinned until
// stopExeScan returns.
type exeScanner struct {
	stop chan exeStop
	done chan struct{}
}

type exeStop int

const (
	exeDiscard exeStop = iota // close the pinned files unread (an error path)
	exeFinish                 // identify every pinned file
	exeRescan                 // pass once more (the target still runs), then finish
)

// pinnedExe is an exe_paths entry's file, open, not identified yet.
type pinnedExe struct {
	key  string // the name as exec'd
	path string // what a relative name resolved to
	fd   int
}

// startExeScan starts the scanner.
func (r *recorder) startExeScan() {
	s := &exeScanner{stop: make(chan exeStop, 1), done: make(chan struct{})}
	r.exeScan = s
	go func() {
		defer close(s.done)
		tick := time.NewTicker(exeScanInterval)
		defer tick.Stop()
		// A pass reads exe_paths through the bpf syscall, entry by
		// entry: only when exe_next (in .bss, read from memory) moved
		// since the tick before the last one (the programs take the
		// index before they add the entry), or a file could not be
		// opened. The idle tracer's cost to the machine (issue 13).
		var last uint32
		moved, retry := true, false
		for {
			next, err := r.exeNext()
			if err != nil || moved || next != last || retry {
				retry = r.pinExes()
			}
			moved, last = err != nil || next != last, next
			for len(r.pinned) > 0 {
				select {
				case how := <-s.stop:
					r.finishExes(how)
					return
				default:
				}
				r.identifyPinned(1)
				retry = r.pinExes()
			}
			select {
			case how := <-s.stop:
				r.finishExes(how)
				return
			case <-tick.C:
			}
		}
	}()
}

// stopExeScan stops the scanner and waits for it: with exeFinish or
// exeRescan every file it pinned is identified first.
func (r *recorder) stopExeScan(how exeStop) {
	if r.exeScan == nil {
		return
	}
	r.exeScan.stop <- how
	<-r.exeScan.done
	r.exeScan = nil
}

func (r *recorder) finishExes(how exeStop) {
	if how == exeDiscard {
		for _, p := range r.pinned {
			unix.Close(p.fd)
		}
		r.pinned = nil
		return
	}
	if how == exeRescan {
		r.pinExes()
	}
	r.identifyPinned(len(r.pinned))
}

// identifyPinned identifies the first n pinned files.
func (r *recorder) identifyPinned(n int) {
	for ; n > 0 && len(r.pinned) > 0; n-- {
		p := r.pinned[0]
		r.pinned = r.pinned[1:]
		if exeHashHook != nil {
			exeHashHook(p.key)
		}
		id, err := identifyFD(p.fd)
		unix.Close(p.fd)
		if err != nil {
			continue // tried again at the next pass, while the process runs
		}
		if r.exeIDs == nil {
			r.exeIDs = map[string]exeID{}
		}
		r.exeIDs[p.key] = exeID{Identity: id, path: p.path}
	}
}

// pinExes opens the files of the exe_paths entries not identified or
// pinned yet whose first process still runs, through that process
// (openVia), and notes when one runs under another root than the
// recorder's.
func (r *recorder) pinExes() (retry bool) {
	var (
		key  [256]byte
		info bpf.RecorderExeInfo
	)
	pinned := map[string]bool{}
	for _, p := range r.pinned {
		pinned[p.key] = true
	}
	it := r.objs.ExePaths.Iterate()
	for it.Next(&key, &info) {
		path := string(key[:bytes.IndexByte(append(key[:], 0), 0)])
		if path == "" || info.Mixed != 0 || pinned[path] {
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
		if fd, resolved, ok := openVia(int(info.Tgid), path, exeFile(info)); ok {
			r.pinned = append(r.pinned, pinnedExe{key: path, path: resolved, fd: fd})
			pinned[path] = true
		} else {
			retry = true
		}
	}
	return retry
}

// exeNext reads exe_next, the count of exe_paths indexes the programs
// have handed out.
func (r *recorder) exeNext() (uint32, error) {
	var n uint32
	err := r.vars.exeNext.Get(&n)
	return n, err
}

// procName reports whether an exec'd name only means something to the
// process that exec'd it: relative, or below /proc or /dev/fd.
func procName(path string) bool {
	return !filepath.IsAbs(path) || strings.HasPrefix(path, "/proc/") || strings.HasPrefix(path, "/dev/fd/")
}

// openVia opens the file want that process tgid exec'd as path: an
// absolute name under the process's root (absolute symlinks resolve there
// too), a procName through /proc/TGID/exe (a relative name when the base
// names agree; resolved is then what /proc/TGID/exe links to). A relative
// name whose base name is not the file's (a symlink ./link -> app, a
// script ./run.sh) is opened in the process's working directory, and
// resolved is that name made absolute there (replay --enforce names such
// a program so too). A script is opened when its interpreter is the file
// the kernel noted (scriptOf).
func openVia(tgid int, path string, want fileID) (fd int, resolved string, ok bool) {
	proc := "/proc/" + strconv.Itoa(tgid)
	if procName(path) {
		if !filepath.IsAbs(path) {
			if p, err := os.Readlink(proc + "/exe"); err == nil && filepath.Base(p) != filepath.Base(path) {
				return openInCwd(proc, path, want)
			}
		}
		fd, err := unix.Open(proc+"/exe", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1, "", false
		}
		if !filepath.IsAbs(path) {
			p, err := os.Readlink(proc + "/exe")
			if err != nil || filepath.Base(p) != filepath.Base(path) {
				unix.Close(fd)
				return -1, "", false
			}
			resolved = p
		}
		if !sameFile(fd, want, proc+"/mountinfo") {
			unix.Close(fd)
			return -1, "", false
		}
		return fd, resolved, true
	}
	root, err := unix.Open(proc+"/root", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, "", false
	}
	defer unix.Close(root)
	inRoot := func(name string) (int, error) {
		return widen.OpenRegular(func(flags int) (int, error) {
			return unix.Openat2(root, name, &unix.OpenHow{Flags: uint64(flags), Resolve: unix.RESOLVE_IN_ROOT})
		})
	}
	fd, err = inRoot(path)
	if err != nil {
		return -1, "", false
	}
	if !sameFile(fd, want, proc+"/mountinfo") && !scriptOf(fd, want, proc+"/mountinfo", inRoot) {
		unix.Close(fd)
		return -1, "", false
	}
	return fd, "", true
}

// inStartDir identifies the file want exec'd by the relative name path in
// the command's starting directory, and names it as openVia would have
// while its process ran: the file's path when the base names agree, else
// the name made absolute there.
func (r *recorder) inStartDir(path string, want fileID) (string, widen.Identity, bool) {
	dir, err := filepath.Abs(r.opts.Dir)
	if err != nil {
		return "", widen.Identity{}, false
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real // as /proc/PID/cwd reads
	}
	name := filepath.Join(dir, path)
	fd, err := unix.Open(name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", widen.Identity{}, false
	}
	defer unix.Close(fd)
	direct := sameFile(fd, want, "/proc/self/mountinfo")
	if !direct && !scriptOf(fd, want, "/proc/self/mountinfo", func(in string) (int, error) {
		return unix.Open(in, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	}) {
		return "", widen.Identity{}, false
	}
	id, err := identifyFD(fd)
	if err != nil {
		return "", widen.Identity{}, false
	}
	if real, err := filepath.EvalSymlinks(name); direct && err == nil && filepath.Base(real) == filepath.Base(path) {
		name = real
	}
	return name, id, true
}

// openInCwd opens the file want that the process proc (/proc/TGID)
// exec'd by the relative name path, in its working directory, and returns
// that name made absolute there. Only for a process with the recorder's
// root: the working directory's path is read from the recorder's view.
func openInCwd(proc, path string, want fileID) (fd int, resolved string, ok bool) {
	tgid, err := strconv.Atoi(strings.TrimPrefix(proc, "/proc/"))
	if err != nil {
		return -1, "", false
	}
	if same, err := sameRoot(tgid); err != nil || !same {
		return -1, "", false
	}
	cwd, err := os.Readlink(proc + "/cwd")
	if err != nil || !filepath.IsAbs(cwd) {
		return -1, "", false
	}
	dir, err := unix.Open(proc+"/cwd", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, "", false
	}
	defer unix.Close(dir)
	fd, err = unix.Openat(dir, path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, "", false
	}
	open := func(name string) (int, error) { return unix.Open(name, unix.O_RDONLY|unix.O_CLOEXEC, 0) }
	if !sameFile(fd, want, proc+"/mountinfo") && !scriptOf(fd, want, proc+"/mountinfo", open) {
		unix.Close(fd)
		return -1, "", false
	}
	return fd, filepath.Join(cwd, path), true
}

// maxInterpreters is how many "#!" lines the kernel follows from the
// exec'd file to the program it runs (a script may name a script as its
// interpreter): exec_binprm in fs/exec.c fails with ELOOP past depth 5,
// so a chain of 5 scripts still runs. (It was 4, from the name
// BINPRM_MAX_RECURSION: such a chain's script stayed unidentified.)
const maxInterpreters = 5

// scriptOf reports whether the open file fd is a "#!" script whose chain of
// interpreters, each opened by open (under the exec'ing process's root),
// ends at want: for a script the kernel notes the file it finally ran, the
// interpreter, not the script. A relative interpreter (resolved by the
// kernel against the process's working directory) is not followed.
func scriptOf(fd int, want fileID, mountinfo string, open func(string) (int, error)) bool {
	cur := fd
	defer func() {
		if cur != fd {
			unix.Close(cur)
		}
	}()
	for i := 0; i < maxInterpreters; i++ {
		in := shebang(cur)
		if !filepath.IsAbs(in) {
			return false
		}
		next, err := open(in)
		if err != nil {
			return false
		}
		if cur != fd {
			unix.Close(cur)
		}
		cur = next
		if sameFile(cur, want, mountinfo) {
			return true
		}
	}
	return false
}

// shebang returns the interpreter a "#!" line at the start of the open
// file fd names, or "".
func shebang(fd int) string {
	return widen.Interpreter(fdReader(fd))
}

// fdReader reads a file descriptor at offsets (pread), leaving it open.
type fdReader int

func (fd fdReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := unix.Pread(int(fd), p, off)
	if n < 0 {
		n = 0
	}
	return n, err
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

// SplitExecutables is how many executables the recorder tells the
// syscalls of apart (bpf/recorder.c's NR_EXES); see
// Recording.ExecutablesUnsplit. Of them, SplitExecutablesExec are files
// exec'd while traced; the rest are those of tasks already running when a
// --pid or --cgroup recording attached.
const (
	SplitExecutables     = exeIndexes
	SplitExecutablesExec = exeIndexesExec
)

// userExes are the executable indexes user space handed out.
type userExes struct {
	mu   sync.Mutex
	next uint32
	by   map[string]uint32
	// overflow counts, as exe_overflow does for exec'd files, the
	// executables noted without an index and those exe_paths refused.
	overflow uint64
}

// userExe returns the executable index (1 + exe_syscalls index; 0 when
// unknown or out of indexes) for the task tid, noting its executable in
// exe_paths as sched_process_exec would.
func (r *recorder) userExe(tid int) uint32 {
	path, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", tid))
	if err != nil || !filepath.IsAbs(path) {
		return 0
	}
	u := &r.exes
	u.mu.Lock()
	defer u.mu.Unlock()
	if e, ok := u.by[path]; ok {
		return e
	}
	// A name exe_paths cannot hold whole is noted cut to 255 bytes, as
	// bpf_probe_read_kernel_str cuts an exec'd one, so that executables
	// counts it as cut and omitted, and without an index (its syscalls
	// are never listed). It was dropped, and counted nowhere.
	var key bpf.RecorderExePath
	name := path
	cut := len(name) >= len(key.Path)-1
	if cut {
		name = name[:len(key.Path)-1]
	}
	for i := 0; i < len(name); i++ {
		key.Path[i] = int8(name[i])
	}
	if u.by == nil {
		u.by = map[string]uint32{}
	}
	var info bpf.RecorderExeInfo
	if err := r.objs.ExePaths.Lookup(&key, &info); err != nil {
		if u.next == 0 {
			u.next = exeIndexesExec
		}
		// Out of indexes, it is still listed, without its syscalls (Exe
		// 0), as sched_process_exec lists one: it was left out, and
		// counted nowhere.
		info = bpf.RecorderExeInfo{Tgid: uint32(tid)}
		if u.next < exeIndexes && !cut {
			info.Exe = u.next + 1
		}
		var st unix.Stat_t
		if err := unix.Stat(fmt.Sprintf("/proc/%d/exe", tid), &st); err == nil {
			info.Dev, info.Ino = kernelDev(st.Dev), st.Ino
		}
		if err := r.objs.ExePaths.Update(&key, &info, ebpf.UpdateNoExist); err != nil {
			if !errors.Is(err, ebpf.ErrKeyExist) || r.objs.ExePaths.Lookup(&key, &info) != nil {
				// exe_paths is full: counted as exe_overflow counts
				// the names sched_process_exec cannot note, once.
				u.overflow++
				u.by[path] = 0
				return 0
			}
		} else if info.Exe != 0 {
			u.next++
		} else if !cut {
			u.overflow++ // as exe_overflow counts an exec'd one
		}
	}
	u.by[path] = info.Exe
	return info.Exe
}
