package recorder

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/bpf"
	"github.com/seccomp-gen/seccomp-gen/internal/atomicfile"
)

// The kernel types the recorder's programs relocate against, cached per
// boot.
//
// All four programs are raw tracepoints, so the only thing user space needs
// the kernel's BTF for is CO-RE: the offsets and sizes of a few struct
// fields, which cilium/ebpf writes into 37 instructions (relocation
// fixups). It would decode all of /sys/kernel/btf/vmlinux for that on every
// start (~16 ms of CPU here). kernelTypes does that once per boot and
// program object: it computes the fixups against the kernel's BTF with
// cilium/ebpf (btf.CORERelocate, as a load would) and caches the
// instructions they give (coreFixups), which later starts write into the
// programs themselves (coreFixups.apply) before cilium/ebpf sees them, so
// that it has nothing left to relocate. The cache is under btfCacheDir:
// /run is usually a tmpfs emptied at every boot (not on every machine: on
// some VMs it is a directory of the root file system), and the key holds
// the kernel release and the size and modification time of the kernel's
// BTF (sysfs sets that at boot), so the cache cannot describe another
// kernel. One file holds the fixups of up to fixupsKeep objects
// (objectKey: two installed versions, or the bench's -baseline, do not
// take turns rebuilding it), each fixup with the instruction before it.
// TestKernelTypesMatchKernel checks that every program comes out of a cold
// and of a warm cache exactly as cilium/ebpf relocates it against the whole
// kernel BTF.
//
// Format v8 cached a small BTF of the structs instead, which every start
// decoded: ~0.5-0.9 ms of CPU and ~350 KB of garbage on a side goroutine,
// competing with map creation and verification on a 2-core machine; this
// cache is read in ~0.06-0.1 ms and applied in ~0.02 (cilium/ebpf's own
// relocation, ~0.03 ms, is gone). Against the v8 binary, 301 paired
// rounds of trace -- /bin/true on a loaded machine (load average 10-14):
// main to gate -0.43 ms median, -0.49 trimmed mean (se 0.07), of it map
// creation -0.12 and the load -0.12 (issue 13).
//
// The cache also holds the two vmlinux BTF IDs that sys_enter's read of
// task->bpf_storage through bpf_rdonly_cast needs (bpf.KernelIDs, on a line
// of their own after the key): they are the kernel's own numbering.
// bpf.UseKernelIDs patches them into the program, so that cilium/ebpf does
// not decode all of the kernel's BTF to resolve that kfunc call either.
// When the kernel's verifier refused that call, the same line notes it
// (kfuncRefusal), and later starts of the same binary on the same kernel
// load the trusted read at once. Format v10 adds a third ID, of the
// sched_process_fork tracepoint's BTF type, which sched_process_fork_btf
// attaches to (record_forkbtf.go). A refusal of that program is noted on
// the same line as a refusal of that ID alone (noteForkRefused), and
// later starts load the raw_tp fork program at once instead of sys_enter
// twice.
//
// The cache is read only from a directory and a file that belong to the
// effective user and that no one else can write to (secureCacheDir): only
// root could have written it. The first line also holds the sha256 of the
// rest, so that a file damaged on disk (a bit flipped in a BTF ID or an
// offset, which the verifier might accept, or a truncated one) is rebuilt
// rather than used.

// btfCacheDir holds the cache (a variable for tests).
var btfCacheDir = defaultBTFCacheDir

const defaultBTFCacheDir = "/run/seccomp-gen"

// KernelTypesCache is the cache file (seccomp-gen doctor reports it).
const KernelTypesCache = "/run/seccomp-gen/" + btfCacheFile

const (
	// btfCacheVersion is the cache's format. It is in the file's name, so
	// that binaries that write another format do not take turns rebuilding
	// one file.
	btfCacheVersion = 10
	btfCacheFile    = "kernel-types-v10"
	btfCacheMagic   = "seccomp-gen kernel types v10"
	// fixupsKeep is how many objects' fixups one cache file keeps (the
	// newest first).
	fixupsKeep = 4
	// maxCacheSize bounds what is read of a cache file (~4 KB per object).
	maxCacheSize  = 1 << 20
	kernelBTFPath = "/sys/kernel/btf/vmlinux"
)

// kernelInfo is what kernelTypes finds.
type kernelInfo struct {
	fixups    coreFixups
	ids       bpf.KernelIDs
	refused   kfuncRefusal // noted by an earlier start (record_kfunc.go)
	fromCache bool
}

// kfuncRefusal is the kernel's refusal of sys_enter's bpf_rdonly_cast call
// as a start noted it in the cache: the IDs that were refused, and the
// object they were patched into (bpf.ObjectHash). The zero value: none.
type kfuncRefusal struct {
	ids  bpf.KernelIDs
	prog string
}

// covers reports whether the kernel refused ids in this binary's object.
func (k kfuncRefusal) covers(ids bpf.KernelIDs) bool {
	return k.prog != "" && k.ids == ids && k.prog == bpf.ObjectHash()
}

// forkRefused reports whether the kernel refused sched_process_fork_btf
// attached to the type forkTP in this binary's object. The note is a
// refusal of IDs with the tracepoint's alone (noteForkRefused): a kfunc
// refusal is only ever noted with both of the kfunc's IDs, so the two
// cannot be confused, and the line's format is the same.
func (k kfuncRefusal) forkRefused(forkTP btf.TypeID) bool {
	return forkTP != 0 && k.covers(bpf.KernelIDs{ForkTP: forkTP})
}

// kernelTypes returns the CO-RE fixups of this binary's programs for the
// running kernel, the kernel's BTF IDs of bpf.KernelIDs (zero if it lacks
// bpf_rdonly_cast) and the refusal noted with them, from the cache if it is
// valid and holds this object's fixups, else from the kernel's BTF (and
// then caches them). A cache it cannot use is rebuilt, never an error.
func kernelTypes() (kernelInfo, error) {
	key, err := kernelTypesKey()
	if err != nil {
		return kernelInfo{}, err
	}
	path := filepath.Join(btfCacheDir, btfCacheFile)
	obj := objectKey()
	c, cerr := readCacheFile(path, key)
	if cerr == nil {
		if fixups, ok := c.objects[obj]; ok {
			return kernelInfo{fixups: fixups, ids: c.ids, refused: c.refused, fromCache: true}, nil
		}
	}
	fixups, ids, err := buildKernelTypes()
	if err != nil {
		return kernelInfo{}, err
	}
	if cerr != nil || c.ids != ids {
		// Keep the other objects' fixups only from a cache of this
		// kernel (the same key, and its IDs).
		c = typesCache{}
	}
	c.ids = ids
	c.add(obj, fixups)
	writeKernelTypes(path, key, c)
	removeOlderKernelTypes(filepath.Dir(path))
	return kernelInfo{fixups: fixups, ids: ids, refused: c.refused}, nil
}

// noteKfuncRefused notes in the cache, best effort, that the kernel
// refused ids in this binary's object, so that later starts on this
// kernel go straight to the trusted read. The cache's key names the
// kernel's BTF, so a note cannot outlive the kernel it is about; one about
// another binary's object is not used (covers).
func noteKfuncRefused(ids bpf.KernelIDs) { noteRefusal(ids, false) }

// noteForkRefused notes in the cache, best effort, that the kernel refused
// sched_process_fork_btf attached to forkTP in this binary's object, so
// that later starts on this kernel load the raw_tp fork program at once
// instead of sys_enter twice (record_kfunc.go). A kfunc refusal already
// noted stays: it zeroes every ID, the tracepoint's too, so those starts
// do not try the tp_btf program either.
func noteForkRefused(forkTP btf.TypeID) { noteRefusal(bpf.KernelIDs{ForkTP: forkTP}, true) }

// noteRefusal writes the refusal of ids in this binary's object into the
// cache, unless keepKfunc and the cache notes a refusal of its kfunc IDs.
func noteRefusal(ids bpf.KernelIDs, keepKfunc bool) {
	key, err := kernelTypesKey()
	if err != nil {
		return
	}
	path := filepath.Join(btfCacheDir, btfCacheFile)
	c, err := readCacheFile(path, key)
	if err != nil || (keepKfunc && c.refused.covers(c.ids)) {
		return
	}
	c.refused = kfuncRefusal{ids: ids, prog: bpf.ObjectHash()}
	writeKernelTypes(path, key, c)
}

// removeOlderKernelTypes removes the cache files of older formats from dir,
// best effort: no binary of this version or a later one reads them, and
// where /run is not a tmpfs they would stay for good. Files of later formats
// stay, so that two installed versions never remove each other's cache.
func removeOlderKernelTypes(dir string) {
	if secureCacheDir(dir) != nil {
		return
	}
	names, err := filepath.Glob(filepath.Join(dir, "kernel-types*"))
	if err != nil {
		return
	}
	for _, name := range names {
		if v, ok := kernelTypesVersion(filepath.Base(name)); ok && v < btfCacheVersion {
			_ = os.Remove(name)
		}
	}
}

// kernelTypesVersion is the format of a cache file by its name:
// kernel-types.btf was the first (1), kernel-types-vN.btf is N up to 8
// (BTF), kernel-types-vN is N from 9 on.
func kernelTypesVersion(name string) (int, bool) {
	if name == "kernel-types.btf" {
		return 1, true
	}
	var v int
	for _, format := range []string{"kernel-types-v%d.btf", "kernel-types-v%d"} {
		if n, err := fmt.Sscanf(name, format, &v); n == 1 && err == nil && fmt.Sprintf(format, v) == name {
			return v, true
		}
	}
	return 0, false
}

// idsLine is the cache's second line: the kernel's IDs, then what it
// refused, if it did.
func idsLine(ids bpf.KernelIDs, refused kfuncRefusal) string {
	line := fmt.Sprintf("bpf_rdonly_cast=%d task_struct=%d fork_tp=%d", ids.RdonlyCast, ids.TaskStruct, ids.ForkTP)
	if refused.prog != "" {
		line += fmt.Sprintf(" refused=%d,%d,%d prog=%s", refused.ids.RdonlyCast, refused.ids.TaskStruct, refused.ids.ForkTP, refused.prog)
	}
	return line
}

func parseIDsLine(line string) (bpf.KernelIDs, kfuncRefusal, error) {
	var (
		ids     bpf.KernelIDs
		refused kfuncRefusal
		n       int
		err     error
	)
	if strings.Contains(line, " refused=") {
		n, err = fmt.Sscanf(line, "bpf_rdonly_cast=%d task_struct=%d fork_tp=%d refused=%d,%d,%d prog=%s",
			&ids.RdonlyCast, &ids.TaskStruct, &ids.ForkTP, &refused.ids.RdonlyCast, &refused.ids.TaskStruct, &refused.ids.ForkTP, &refused.prog)
		n -= 4
	} else {
		n, err = fmt.Sscanf(line, "bpf_rdonly_cast=%d task_struct=%d fork_tp=%d", &ids.RdonlyCast, &ids.TaskStruct, &ids.ForkTP)
	}
	if n != 3 || err != nil || idsLine(ids, refused) != line {
		return bpf.KernelIDs{}, kfuncRefusal{}, errors.New("kernel types cache: bad BTF IDs line")
	}
	return ids, refused, nil
}

// writeKernelTypes writes c, best effort. What is in the way at path
// (a link, a directory) is removed first: atomicfile.Write would write
// through a link.
func writeKernelTypes(path, key string, c typesCache) {
	rest := c.marshal()
	_ = writePrivateCache(path, append([]byte(cacheHeader(key, rest)+"\n"), rest...))
}

// writePrivateCache writes data to path, a cache file of ours: in a
// private directory of the effective user (created if missing), mode 0600,
// atomically; anything but a regular file there is removed first.
func writePrivateCache(path string, data []byte) error {
	if err := secureCacheDir(filepath.Dir(path)); err != nil {
		return err
	}
	if st, err := os.Lstat(path); err == nil && !st.Mode().IsRegular() {
		if err := os.Remove(path); err != nil {
			return err
		}
	}
	return atomicfile.Write(path, data, 0o600)
}

// readPrivateCache reads path, a cache file of ours (a regular file of the
// effective user that no one else may read or write, not a link, at most
// maxCacheSize bytes), and returns its first line and the rest. what names
// the cache in errors.
func readPrivateCache(path, what string) (header, rest []byte, err error) {
	// O_NONBLOCK: a FIFO in the file's place (only root could put one
	// there) would block the open until a writer came, and every start
	// with it; it is refused below like anything but a regular file.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !st.Mode().IsRegular() || !ok || int(sys.Uid) != os.Geteuid() || st.Mode().Perm()&0o077 != 0 {
		return nil, nil, errors.New(what + ": not a private regular file")
	}
	if st.Size() > maxCacheSize {
		return nil, nil, errors.New(what + ": too large")
	}
	data := make([]byte, st.Size())
	if _, err := f.ReadAt(data, 0); err != nil {
		return nil, nil, err
	}
	header, rest, ok = bytes.Cut(data, []byte("\n"))
	if !ok {
		return nil, nil, errors.New(what + ": truncated")
	}
	return header, rest, nil
}

// cacheHeader is the cache's first line: its format, the kernel's key and
// the sha256 of the rest of the file.
func cacheHeader(key string, rest []byte) string {
	sum := sha256.Sum256(rest)
	return btfCacheMagic + " " + key + " sha256=" + hex.EncodeToString(sum[:])
}

// kernelTypesKey names the running kernel's BTF.
func kernelTypesKey() (string, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", err
	}
	var st unix.Stat_t
	if err := unix.Stat(kernelBTFPath, &st); err != nil {
		return "", fmt.Errorf("%s: %w", kernelBTFPath, err)
	}
	release := strings.ReplaceAll(unix.ByteSliceToString(u.Release[:]), " ", "_")
	return fmt.Sprintf("release=%s size=%d mtime=%d.%09d",
		release, st.Size, st.Mtim.Sec, st.Mtim.Nsec), nil
}

// readKernelTypes reads the fixups of this binary's object from a cache
// file written for key.
func readKernelTypes(path, key string) (kernelInfo, error) {
	c, err := readCacheFile(path, key)
	if err != nil {
		return kernelInfo{}, err
	}
	fixups, ok := c.objects[objectKey()]
	if !ok {
		return kernelInfo{}, errors.New("kernel types cache: no fixups for this binary's programs yet")
	}
	return kernelInfo{fixups: fixups, ids: c.ids, refused: c.refused}, nil
}

// readCacheFile reads a cache file written for key.
func readCacheFile(path, key string) (typesCache, error) {
	if err := secureCacheDir(filepath.Dir(path)); err != nil {
		return typesCache{}, err
	}
	header, rest, err := readPrivateCache(path, "kernel types cache")
	if err != nil {
		return typesCache{}, err
	}
	if !strings.HasPrefix(string(header), btfCacheMagic+" "+key+" sha256=") {
		return typesCache{}, errors.New("kernel types cache: another kernel or format")
	}
	if string(header) != cacheHeader(key, rest) {
		return typesCache{}, errors.New("kernel types cache: damaged (checksum)")
	}
	return parseTypesCache(rest)
}

// buildKernelTypes decodes the kernel's BTF and returns the CO-RE fixups of
// this binary's programs against it and the kernel's IDs of
// bpf.KernelIDs.
func buildKernelTypes() (coreFixups, bpf.KernelIDs, error) {
	var none bpf.KernelIDs
	kernel, err := btf.LoadKernelSpec()
	if err != nil {
		return nil, none, &unreadableBTF{err}
	}
	ids, err := bpf.FindKernelIDs(kernel)
	if err != nil {
		return nil, none, fmt.Errorf("kernel BTF: %w", err)
	}
	fixups, err := relocate(kernel)
	if err != nil {
		return nil, none, err
	}
	return fixups, ids, nil
}

// unreadableBTF: the kernel's BTF could not be decoded (an empty or
// damaged file). Record stops there: cilium/ebpf would fail on the same
// file, in words about the first program it relocates.
type unreadableBTF struct{ err error }

func (e *unreadableBTF) Error() string {
	return fmt.Sprintf("%v: kernel BTF %s cannot be read (%v): the recorder needs the BTF of the running kernel (CONFIG_DEBUG_INFO_BTF=y)",
		ErrUnsupported, kernelBTFPath, e.err)
}

func (e *unreadableBTF) Unwrap() []error { return []error{ErrUnsupported, e.err} }

// secureCacheDir makes sure dir exists, is a directory (not a link), is
// owned by us and is private, creating it if it does not exist.
func secureCacheDir(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return privateDir(dir)
}

// ErrTypesCacheDir: the kernel types cache's directory is not one the
// recorder reads or writes (another user's, or others may write to it).
var ErrTypesCacheDir = errors.New("not a private directory of this user (mode 0700)")

// privateDir checks that dir is a directory (not a link) owned by us and
// private.
func privateDir(dir string) error {
	st, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !st.IsDir() || !ok || int(sys.Uid) != os.Geteuid() || st.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s: %w", dir, ErrTypesCacheDir)
	}
	return nil
}

// CheckKernelTypesCache says whether the next Record will read its kernel
// types from the cache (KernelTypesCache): nil if so; an error matching
// fs.ErrNotExist if there is none yet (Record builds it); one matching
// ErrTypesCacheDir if Record can neither read nor write one there; else
// why the file there is not used (damaged, another kernel's: Record
// rebuilds it). It creates nothing.
func CheckKernelTypesCache() error {
	if err := privateDir(btfCacheDir); err != nil {
		return err
	}
	key, err := kernelTypesKey()
	if err != nil {
		return err
	}
	_, err = readKernelTypes(filepath.Join(btfCacheDir, btfCacheFile), key)
	return err
}
