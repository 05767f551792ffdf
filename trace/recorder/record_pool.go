package recorder

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/bpf"
	"github.com/seccomp-gen/seccomp-gen/internal/kver"
	"github.com/seccomp-gen/seccomp-gen/internal/reexec"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// Prepared recorders (issue 13: the start).
//
// Most of a trace's start was the recorder's load: the ELF read, the maps'
// creation and above all the verifier's walk of sys_enter, all on the path
// from the launch to the command's first instruction, and all after the Go
// runtime's own start. None of it depends on the command: a recorder for a
// command (not --pid, not --cgroup) is the same object every time on one
// machine, for one binary, in one PID namespace.
//
// So a trace of a command leaves one ready for the next: once its own
// recorder is detached it starts a helper (PrepareName, in a session of its
// own, scheduled SCHED_IDLE) that loads a fresh set of the programs and maps,
// attaches nothing, and pins them in a bpf file system (PoolDir). The next
// trace with the same key (poolKey: the binary, the PID namespace, the
// CPUs, --no-args) claims that set by renaming its directory, opens the
// pins and removes them: the set is its own from then on, as if it had
// loaded it, and it starts a helper that prepares the next one. A set is
// never attached before it is claimed and is claimed once (rename is
// atomic), so its maps are as empty as freshly created ones; .bss, where
// the argument mask is written, is written by the claimer as after a load.
//
// Where no set is ready (the first trace of a binary after a boot, traces
// started faster than the helper prepares, --pid, --cgroup, a kernel where
// the tp_btf fork program is refused, SECCOMP_GEN_POOL=off) the recorder is
// loaded as before. A prepared set costs nothing at any syscall (nothing is
// attached) and some kernel memory: 0.35 MiB on 2 CPUs by the memlock
// figures of its maps and programs (counts takes 30 KiB more per CPU).
//
// The pool is a bpf file system of seccomp-gen's own, mounted by the helper
// at /run/seccomp-gen/bpf when that is not one yet (as bpftool mounts one
// to pin): `umount /run/seccomp-gen/bpf` removes every set.

// PrepareName is the helper that prepares a recorder for the next trace
// (Prepare). Binaries that call Record register it next to StubName:
//
//	reexec.Register(recorder.PrepareName, recorder.Prepare)
//
// Without it traces still start, each loading its own recorder.
const PrepareName = "seccomp-gen-prepare-recorder"

// PoolEnv names the environment variable that moves the pool (an absolute
// directory, a bpf file system or a directory to mount one on) or turns it
// off ("off").
const PoolEnv = "SECCOMP_GEN_POOL"

// DefaultPoolDir is where prepared recorders are pinned unless PoolEnv says
// otherwise.
const DefaultPoolDir = "/run/seccomp-gen/bpf"

// poolReady is how many prepared sets a key keeps: one, the next trace's.
const poolReady = 1

// poolKeys is how many keys' directories the pool keeps (the most recently
// prepared): binaries replaced by newer builds leave theirs behind.
const poolKeys = 4

// Set directory names in a key's directory: t- while the helper pins (its
// PID), r- when ready, c- once claimed (the claimer's PID) and until it has
// removed the pins.
const (
	poolTemp    = "t-"
	poolReadyP  = "r-"
	poolClaimed = "c-"
)

// PoolDir returns the pool's directory, or "" when the pool is off.
func PoolDir() string {
	switch v := os.Getenv(PoolEnv); {
	case v == "":
		return DefaultPoolDir
	case v == "off" || !filepath.IsAbs(v):
		return ""
	default:
		return filepath.Clean(v)
	}
}

// PoolReady says how many recorders the pool (PoolDir; "" when it is off)
// holds prepared for a trace of a command by this binary, as it would run
// here (without --no-args); seccomp-gen doctor reports it.
func PoolReady() (dir string, ready int, err error) {
	dir = PoolDir()
	if dir == "" {
		return "", 0, nil
	}
	key, err := poolKey(false)
	if err != nil {
		return dir, 0, err
	}
	return dir, readySets(filepath.Join(dir, key)), nil
}

// poolable says whether this recording's recorder may come from the pool
// and be prepared for the next one: a command's, loaded as the helper
// loads it (no test hook in play).
func (r *recorder) poolable() bool {
	return len(r.opts.Command) > 0 && r.opts.PID == 0 && r.opts.Cgroup == "" && r.cgroupFD == 0 &&
		procsEntriesHook == 0 && kernelIDsHook == nil && loadHook == nil && forkBTFHook == nil &&
		noteFirstOverride == nil && pidNamespaceHook == "" && btfCacheDir == defaultBTFCacheDir &&
		PoolDir() != ""
}

// poolKey names the recorders that are interchangeable with the one this
// process would load: the same binary (file identity: a rebuilt or
// reinstalled one is another), PID namespace, possible CPUs, per-CPU note
// choice, argument recording and map allocation.
func poolKey(noArgs bool) (string, error) {
	return poolKeyFor(reexec.Self(), noArgs)
}

// poolKeyFor is poolKey for the binary exe run from this process.
func poolKeyFor(exe string, noArgs bool) (string, error) {
	var bin, ns unix.Stat_t
	if err := unix.Stat(exe, &bin); err != nil {
		return "", err
	}
	if err := unix.Stat("/proc/self/ns/pid", &ns); err != nil {
		return "", err
	}
	ncpu, err := ebpf.PossibleCPU()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "seccomp-gen recorder pool 1\nexe %d %d %d %d.%d\npidns %d\ncpus %d\nnote-first %v\nno-args %v\nno-prealloc %v\narch %s\n",
		bin.Dev, bin.Ino, bin.Size, bin.Mtim.Sec, bin.Mtim.Nsec, ns.Ino, ncpu, noteFirst(), noArgs, kver.AtLeast(6, 1), runtime.GOARCH)
	return hex.EncodeToString(h.Sum(nil)[:12]), nil
}

// pooledObjects lists the pins of a set: every map and program of the
// recorder by its name in recorder.c, and .bss (as "bss"). TestPoolNames
// checks it against the programs' ELF.
func pooledObjects(o *bpf.RecorderObjects, bss **ebpf.Map) (maps map[string]**ebpf.Map, progs map[string]**ebpf.Program) {
	maps = map[string]**ebpf.Map{
		bpf.RecorderMapArgstate:     &o.Argstate,
		bpf.RecorderMapArgvals:      &o.Argvals,
		bpf.RecorderMapArmed:        &o.Armed,
		bpf.RecorderMapBeyond:       &o.Beyond,
		bpf.RecorderMapCounts:       &o.Counts,
		bpf.RecorderMapExePaths:     &o.ExePaths,
		bpf.RecorderMapExeSyscalls:  &o.ExeSyscalls,
		bpf.RecorderMapFirst:        &o.First,
		bpf.RecorderMapPending:      &o.Pending,
		bpf.RecorderMapProcs:        &o.Procs,
		bpf.RecorderMapTargetCgroup: &o.TargetCgroup,
		bpf.RecorderMapTasks:        &o.Tasks,
		"bss":                       bss,
	}
	progs = map[string]**ebpf.Program{
		bpf.RecorderProgSchedProcessExec:    &o.SchedProcessExec,
		bpf.RecorderProgSchedProcessExit:    &o.SchedProcessExit,
		bpf.RecorderProgSchedProcessFork:    &o.SchedProcessFork,
		bpf.RecorderProgSchedProcessForkBtf: &o.SchedProcessForkBtf,
		bpf.RecorderProgSysEnter:            &o.SysEnter,
	}
	return maps, progs
}

// claimPooled takes a prepared set for this recording, if one is ready:
// false when none is (or the pool is off or not for this recording), and
// an error as well when a claimed set could not be opened (Record then
// loads its own).
func (r *recorder) claimPooled() (bool, error) {
	if !r.poolable() {
		return false, nil
	}
	key, err := poolKey(r.opts.NoArgs)
	if err != nil {
		return false, nil
	}
	r.poolKey = key
	kd := filepath.Join(PoolDir(), key)
	ents, err := os.ReadDir(kd)
	if err != nil {
		return false, nil
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, poolReadyP) {
			continue
		}
		mine := filepath.Join(kd, poolClaimed+strconv.Itoa(os.Getpid())+"-"+name[len(poolReadyP):])
		if os.Rename(filepath.Join(kd, name), mine) != nil {
			continue // another trace's now
		}
		if err := r.openPooled(mine); err != nil {
			removeSet(mine)
			return false, fmt.Errorf("prepared recorder %s: %w", mine, err)
		}
		// Its pins are removed once the command runs (startRefill), off
		// the start's path; trimPool removes them if this process dies
		// first.
		r.claimed = mine
		return true, nil
	}
	return false, nil
}

// openPooled makes the set pinned in dir this recording's recorder.
func (r *recorder) openPooled(dir string) error {
	var objs bpf.RecorderObjects
	var bss *ebpf.Map
	maps, progs := pooledObjects(&objs, &bss)
	ok := false
	defer func() {
		if !ok {
			objs.Close()
			if bss != nil {
				bss.Close()
			}
		}
	}()
	for name, m := range maps {
		fd, err := objGet(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		p, err := ebpf.NewMapFromFD(fd)
		if err != nil {
			return fmt.Errorf("pinned map %s: %w", name, err)
		}
		*m = p
	}
	for name, prog := range progs {
		fd, err := objGet(filepath.Join(dir, name))
		if errors.Is(err, os.ErrNotExist) && name == bpf.RecorderProgSchedProcessFork {
			continue // the tp_btf program does the whole fork (cfg_fork_void)
		}
		if err != nil {
			return err
		}
		p, err := ebpf.NewProgramFromFD(fd)
		if err != nil {
			return fmt.Errorf("pinned program %s: %w", name, err)
		}
		*prog = p
	}
	if objs.SchedProcessForkBtf == nil {
		return errors.New("no sched_process_fork_btf program")
	}
	vars, err := bssVars(bss)
	if err != nil {
		return err
	}
	var ns unix.Stat_t
	if err := unix.Stat("/proc/self/ns/pid", &ns); err != nil {
		return err
	}
	ok = true
	r.objs, r.bss, r.vars = objs, bss, vars
	r.pidns = ns.Ino != initPIDNamespace
	r.execNr = nativeExecNr()
	r.loaded = true
	r.pooled = true
	return nil
}

// objGet opens the object pinned at path (BPF_OBJ_GET; close-on-exec).
// cilium/ebpf's LoadPinnedMap and LoadPinnedProgram do that too, then
// readlink /proc/self/fd/N for the object's type, which openPooled knows
// (its names), and LoadPinnedProgram probes once whether the kernel takes
// object names, by creating a map: 0.15-0.2 ms of a claim's ~0.6 ms of
// opening 18 pins on the start's path (issue 13).
func objGet(path string) (int, error) {
	p, err := unix.BytePtrFromString(path)
	if err != nil {
		return -1, err
	}
	// union bpf_attr for BPF_OBJ_GET: pathname, bpf_fd, file_flags.
	attr := struct {
		pathname  uint64
		bpfFD     uint32
		fileFlags uint32
	}{pathname: uint64(uintptr(unsafe.Pointer(p)))}
	fd, _, errno := unix.Syscall(unix.SYS_BPF, bpfObjGet, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	runtime.KeepAlive(p)
	if errno != 0 {
		return -1, &os.PathError{Op: "bpf obj get", Path: path, Err: errno}
	}
	return int(fd), nil
}

// bpfObjGet is BPF_OBJ_GET (include/uapi/linux/bpf.h: enum bpf_cmd).
const bpfObjGet = 7

// removeSet unlinks a set's pins and its directory.
func removeSet(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		_ = os.Remove(filepath.Join(dir, e.Name()))
	}
	_ = os.Remove(dir)
}

// startRefill starts the helper that prepares the next trace's recorder,
// when this one may be pooled; refilled waits for its start (not its end).
func (r *recorder) startRefill() {
	if r.poolKey == "" {
		return
	}
	claimed := r.claimed
	r.claimed = ""
	done := make(chan struct{})
	r.refilled = done
	go func() {
		defer close(done)
		if claimed != "" {
			removeSet(claimed)
		}
		if !reexec.Registered(PrepareName) {
			return
		}
		noArgs := "0"
		if r.opts.NoArgs {
			noArgs = "1"
		}
		cmd := reexec.Command(PrepareName, r.poolKey, noArgs)
		// Its own session: a Ctrl-C at the terminal is not for it.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if cmd.Start() == nil {
			// Only on a CPU nothing else wants (SCHED_IDLE), from its
			// runtime's start on: the trace that started it is still
			// writing its result. Prepare says so again itself.
			idle(cmd.Process.Pid)
			go func() { _ = cmd.Wait() }()
		}
	}()
}

// waitRefill waits until the helper startRefill started has been started.
func (r *recorder) waitRefill() {
	if r.refilled != nil {
		<-r.refilled
		r.refilled = nil
	}
}

// Prepare is the PrepareName helper: `PrepareName KEY NOARGS` loads a
// recorder for a command, as Record would for a trace with that key, and
// pins it in the pool for the next trace; it attaches nothing. It does
// nothing when the pool holds a ready set for KEY already, when this
// process's key is not KEY (the binary was replaced) or where the recorder
// would not be loaded in its usual form (then every trace loads its own).
// SECCOMP_GEN_POOL_DEBUG=1 says on stderr why it prepared nothing.
func Prepare() int {
	// Behind whatever the machine runs meanwhile, the trace that started
	// it included: it is only for the next trace.
	idle(0)
	if len(os.Args) != 3 {
		return 2
	}
	err := prepare(os.Args[1], os.Args[2] == "1")
	if err != nil {
		if os.Getenv("SECCOMP_GEN_POOL_DEBUG") == "1" {
			fmt.Fprintln(os.Stderr, "seccomp-gen: prepare recorder:", err)
		}
		return 1
	}
	return 0
}

func prepare(key string, noArgs bool) error {
	dir := PoolDir()
	if dir == "" {
		return errors.New("the pool is off (" + PoolEnv + ")")
	}
	r := &recorder{opts: Options{Command: []string{"true"}, NoArgs: noArgs}, preparing: true}
	if !r.poolable() {
		return errors.New("not poolable")
	}
	if k, err := poolKey(noArgs); err != nil || k != key {
		if err != nil {
			return fmt.Errorf("key %s: %w", key, err)
		}
		return fmt.Errorf("key %s is not this binary's (%s)", key, k)
	}
	if err := mountPool(dir); err != nil {
		return err
	}
	kd := filepath.Join(dir, key)
	if err := os.Mkdir(kd, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	now := time.Now()
	_ = os.Chtimes(kd, now, now)
	trimPool(dir, key)
	if readySets(kd) >= poolReady {
		return nil
	}
	defer r.close()
	if err := r.loadOwn(); err != nil {
		return err
	}
	if r.objs.SchedProcessForkBtf == nil {
		return errors.New("the tp_btf fork program is not loaded here: " + r.children())
	}
	// The argument mask, written now: a trace started early runs its
	// command before it could be (record_early.go). A claimer writes it
	// again, the same.
	early := noArgs
	if !noArgs && PrepareNamer != nil {
		r.opts.Namer = PrepareNamer
		r.startArgMask()
		if err := r.writeArgMask(); err != nil {
			return err
		}
		early = true
	}
	tmp := filepath.Join(kd, poolTemp+strconv.Itoa(os.Getpid()))
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return err
	}
	bss := r.bss
	maps, progs := pooledObjects(&r.objs, &bss)
	for name, m := range maps {
		if err := (*m).Pin(filepath.Join(tmp, name)); err != nil {
			removeSet(tmp)
			return err
		}
	}
	for name, p := range progs {
		if *p == nil {
			continue
		}
		if err := (*p).Pin(filepath.Join(tmp, name)); err != nil {
			removeSet(tmp)
			return err
		}
	}
	ready := filepath.Join(kd, poolReadyP+strconv.Itoa(os.Getpid())+"-"+strconv.FormatInt(now.UnixNano(), 36))
	if err := os.Rename(tmp, ready); err != nil {
		removeSet(tmp)
		return err
	}
	if readySets(kd) > poolReady+1 {
		// Helpers raced: keep the pool small.
		removeSet(ready)
	}
	if early {
		return leaveHint(dir, key, noArgs)
	}
	return nil
}

// PrepareNamer is the Namer of the traces Prepare prepares for (the
// command line's: scmp.Tables), with which it writes a set's argument
// mask; nil leaves it to the claimer, and such a set is not one a trace
// can start early with (record_early.go).
var PrepareNamer trace.Tables

// mountPool makes dir a bpf file system: it is one, or it is mounted there
// (an empty or new directory).
func mountPool(dir string) error {
	if dir == DefaultPoolDir {
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return err
		}
	}
	// Only the last component: a pool its owner removed (a test's) is not
	// made again.
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return err
	}
	if st.Type == unix.BPF_FS_MAGIC {
		return nil
	}
	if ents, _ := os.ReadDir(dir); len(ents) > 0 {
		return fmt.Errorf("%s is neither a bpf file system nor empty", dir)
	}
	if err := unix.Mount("bpf", dir, "bpf", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=0700"); err != nil {
		return fmt.Errorf("mount a bpf file system on %s: %w", dir, err)
	}
	return nil
}

// readySets counts the ready sets in a key's directory.
func readySets(kd string) int {
	ents, _ := os.ReadDir(kd)
	n := 0
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), poolReadyP) {
			n++
		}
	}
	return n
}

// trimPool removes what no trace will claim: the sets of helpers and
// claimers that died before they were done, and the keys beyond the
// poolKeys most recently prepared (keep is the one being prepared).
func trimPool(dir, keep string) {
	keys, _ := os.ReadDir(dir)
	type aged struct {
		name string
		mod  time.Time
	}
	var old []aged
	for _, k := range keys {
		kd := filepath.Join(dir, k.Name())
		if strings.HasPrefix(k.Name(), earlyHintPrefix) {
			// A hint (record_early.go): gone with its key.
			if t, err := os.Readlink(kd); err != nil || !exists(filepath.Join(dir, t)) {
				_ = os.Remove(kd)
			}
			continue
		}
		sets, _ := os.ReadDir(kd)
		for _, s := range sets {
			name := s.Name()
			if p, ok := setOwner(name); ok && !alive(p) {
				removeSet(filepath.Join(kd, name))
			}
		}
		if k.Name() == keep {
			continue
		}
		if info, err := k.Info(); err == nil {
			old = append(old, aged{k.Name(), info.ModTime()})
		}
	}
	for len(old) > poolKeys-1 {
		oldest := 0
		for i := range old {
			if old[i].mod.Before(old[oldest].mod) {
				oldest = i
			}
		}
		kd := filepath.Join(dir, old[oldest].name)
		sets, _ := os.ReadDir(kd)
		for _, s := range sets {
			removeSet(filepath.Join(kd, s.Name()))
		}
		_ = os.Remove(kd)
		old = append(old[:oldest], old[oldest+1:]...)
	}
}

// setOwner returns the PID in a t- or c- set's name.
func setOwner(name string) (int, bool) {
	var rest string
	switch {
	case strings.HasPrefix(name, poolTemp):
		rest = name[len(poolTemp):]
	case strings.HasPrefix(name, poolClaimed):
		rest = name[len(poolClaimed):]
	default:
		return 0, false
	}
	pid, _, _ := strings.Cut(rest, "-")
	n, err := strconv.Atoi(pid)
	return n, err == nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func alive(pid int) bool {
	return unix.Kill(pid, 0) != unix.ESRCH
}

// idle gives process pid (0: this one) the SCHED_IDLE policy: it runs only
// where a CPU has nothing else to run. Where a busy machine starves it, the
// next trace finds no recorder prepared and loads its own.
func idle(pid int) {
	_ = unix.SchedSetAttr(pid, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_IDLE}, 0)
}

// nativeExecNr is the native execve's number (cfg_exec_nr).
func nativeExecNr() uint32 {
	if runtime.GOARCH == "arm64" {
		return 221
	}
	return 59 // x86_64
}
