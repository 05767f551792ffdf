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
// the kernel's BTF for is CO-RE: the offsets of a few fields of the structs
// in coreStructs. cilium/ebpf would decode all of /sys/kernel/btf/vmlinux
// for that on every start (~16 ms of CPU here). kernelTypes decodes it once
// per boot with cilium/ebpf (btf.LoadKernelSpec), keeps what CO-RE looks at
// in those structs (btf.Copy, btf.Builder), and caches the result under
// btfCacheDir: /run is usually a tmpfs emptied at every boot (not on every
// machine: on some VMs it is a directory of the root file system), and the
// key holds the kernel release and the size and modification time of the
// kernel's BTF (sysfs sets that at boot), so the cache cannot describe
// another kernel. Later starts parse just
// that (ProgramOptions.KernelTypes). TestKernelTypesMatchKernel checks that
// every CO-RE relocation of every program gets the same fixup from it as
// from the whole kernel BTF.
//
// The cache also holds the two vmlinux BTF IDs that sys_enter's read of
// task->bpf_storage through bpf_rdonly_cast needs (bpf.KernelIDs, on a line
// of their own after the key): they are the kernel's own numbering, which
// the small BTF above does not keep. bpf.UseKernelIDs patches them into the
// program, so that cilium/ebpf does not decode all of the kernel's BTF to
// resolve that kfunc call either. When the kernel's verifier refused that
// call, the same line notes it (kfuncRefusal), and later starts of the same
// binary on the same kernel load the trusted read at once.
//
// The cache is read only from a directory and a file that belong to the
// effective user and that no one else can write to (secureCacheDir): only
// root could have written it. The first line also holds the sha256 of the
// rest, so that a file damaged on disk (a bit flipped in a BTF ID, which
// the verifier might accept for another struct, or a truncated one) is
// rebuilt rather than used.

// coreStructs are the kernel structs bpf/recorder.c reads through CO-RE
// (its preserve_access_index structs).
var coreStructs = []string{"task_struct", "pt_regs", "linux_binprm", "file", "inode", "super_block", "bpf_local_storage_map", "bpf_local_storage", "bpf_local_storage_data"}

// btfCacheDir holds the cache (a variable for tests).
var btfCacheDir = "/run/seccomp-gen"

// KernelTypesCache is the cache file (seccomp-gen doctor reports it).
const KernelTypesCache = "/run/seccomp-gen/" + btfCacheFile

const (
	// btfCacheVersion is the cache's format. It is in the file's name, so
	// that binaries that write another format do not take turns rebuilding
	// one file.
	btfCacheVersion = 8
	btfCacheFile    = "kernel-types-v8.btf"
	btfCacheMagic   = "seccomp-gen kernel types v8"
	// maxCacheSize bounds what is read of a cache file (~32 KB).
	maxCacheSize  = 1 << 20
	kernelBTFPath = "/sys/kernel/btf/vmlinux"
)

// kernelInfo is what kernelTypes finds.
type kernelInfo struct {
	spec      *btf.Spec
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

// kernelTypes returns coreStructs as the running kernel defines them, the
// kernel's BTF IDs of bpf.KernelIDs (zero if it lacks bpf_rdonly_cast)
// and the refusal noted with them, from the cache if it is valid, else
// from the kernel's BTF (and then caches them). A cache it cannot use is
// rebuilt, never an error.
func kernelTypes() (kernelInfo, error) {
	key, err := kernelTypesKey()
	if err != nil {
		return kernelInfo{}, err
	}
	path := filepath.Join(btfCacheDir, btfCacheFile)
	if info, err := readKernelTypes(path, key); err == nil {
		info.fromCache = true
		return info, nil
	}
	blob, ids, err := buildKernelTypes()
	if err != nil {
		return kernelInfo{}, err
	}
	spec, err := parseKernelTypes(blob)
	if err != nil {
		return kernelInfo{}, err
	}
	writeKernelTypes(path, key, idsLine(ids, kfuncRefusal{}), blob)
	removeOlderKernelTypes(filepath.Dir(path))
	return kernelInfo{spec: spec, ids: ids}, nil
}

// noteKfuncRefused notes in the cache, best effort, that the kernel
// refused ids in this binary's object, so that later starts on this
// kernel go straight to the trusted read. The cache's key names the
// kernel's BTF, so a note cannot outlive the kernel it is about; one about
// another binary's object is not used (covers).
func noteKfuncRefused(ids bpf.KernelIDs) {
	key, err := kernelTypesKey()
	if err != nil {
		return
	}
	path := filepath.Join(btfCacheDir, btfCacheFile)
	line, blob, err := readCacheFile(path, key)
	if err != nil {
		return
	}
	cached, _, err := parseIDsLine(line)
	if err != nil {
		return
	}
	writeKernelTypes(path, key, idsLine(cached, kfuncRefusal{ids: ids, prog: bpf.ObjectHash()}), blob)
}

// removeOlderKernelTypes removes the cache files of older formats from dir,
// best effort: no binary of this version or a later one reads them, and
// where /run is not a tmpfs they would stay for good. Files of later formats
// stay, so that two installed versions never remove each other's cache.
func removeOlderKernelTypes(dir string) {
	if secureCacheDir(dir) != nil {
		return
	}
	names, err := filepath.Glob(filepath.Join(dir, "kernel-types*.btf"))
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
// kernel-types.btf was the first (1), kernel-types-vN.btf is N.
func kernelTypesVersion(name string) (int, bool) {
	if name == "kernel-types.btf" {
		return 1, true
	}
	var v int
	if n, err := fmt.Sscanf(name, "kernel-types-v%d.btf", &v); n != 1 || err != nil || fmt.Sprintf("kernel-types-v%d.btf", v) != name {
		return 0, false
	}
	return v, true
}

// idsLine is the cache's second line: the kernel's IDs, then what it
// refused, if it did.
func idsLine(ids bpf.KernelIDs, refused kfuncRefusal) string {
	line := fmt.Sprintf("bpf_rdonly_cast=%d task_struct=%d", ids.RdonlyCast, ids.TaskStruct)
	if refused.prog != "" {
		line += fmt.Sprintf(" refused=%d,%d prog=%s", refused.ids.RdonlyCast, refused.ids.TaskStruct, refused.prog)
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
		n, err = fmt.Sscanf(line, "bpf_rdonly_cast=%d task_struct=%d refused=%d,%d prog=%s",
			&ids.RdonlyCast, &ids.TaskStruct, &refused.ids.RdonlyCast, &refused.ids.TaskStruct, &refused.prog)
		n -= 3
	} else {
		n, err = fmt.Sscanf(line, "bpf_rdonly_cast=%d task_struct=%d", &ids.RdonlyCast, &ids.TaskStruct)
	}
	if n != 2 || err != nil || idsLine(ids, refused) != line {
		return bpf.KernelIDs{}, kfuncRefusal{}, errors.New("kernel types cache: bad BTF IDs line")
	}
	return ids, refused, nil
}

// writeKernelTypes caches blob, best effort. What is in the way at path
// (a link, a directory) is removed first: atomicfile.Write would write
// through a link.
func writeKernelTypes(path, key, idsLine string, blob []byte) {
	rest := append([]byte(idsLine+"\n"), blob...)
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
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
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

// kernelTypesKey names the running kernel's BTF and what is kept of it.
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
	return fmt.Sprintf("release=%s size=%d mtime=%d.%09d structs=%s",
		release, st.Size, st.Mtim.Sec, st.Mtim.Nsec, strings.Join(coreStructs, ",")), nil
}

// readKernelTypes reads a cache file written for key.
func readKernelTypes(path, key string) (kernelInfo, error) {
	line, blob, err := readCacheFile(path, key)
	if err != nil {
		return kernelInfo{}, err
	}
	ids, refused, err := parseIDsLine(line)
	if err != nil {
		return kernelInfo{}, err
	}
	spec, err := parseKernelTypes(blob)
	if err != nil {
		return kernelInfo{}, err
	}
	return kernelInfo{spec: spec, ids: ids, refused: refused}, nil
}

// readCacheFile returns the IDs line and the BTF of a cache file written
// for key.
func readCacheFile(path, key string) (string, []byte, error) {
	if err := secureCacheDir(filepath.Dir(path)); err != nil {
		return "", nil, err
	}
	header, rest, err := readPrivateCache(path, "kernel types cache")
	if err != nil {
		return "", nil, err
	}
	if !strings.HasPrefix(string(header), btfCacheMagic+" "+key+" sha256=") {
		return "", nil, errors.New("kernel types cache: another kernel or format")
	}
	if string(header) != cacheHeader(key, rest) {
		return "", nil, errors.New("kernel types cache: damaged (checksum)")
	}
	line, blob, ok := bytes.Cut(rest, []byte("\n"))
	if !ok {
		return "", nil, errors.New("kernel types cache: truncated")
	}
	return string(line), blob, nil
}

// parseKernelTypes decodes blob and checks that it has every struct.
func parseKernelTypes(blob []byte) (*btf.Spec, error) {
	spec, err := btf.LoadSpecFromReader(bytes.NewReader(blob))
	if err != nil {
		return nil, fmt.Errorf("kernel types: %w", err)
	}
	for _, name := range coreStructs {
		var s *btf.Struct
		if err := spec.TypeByName(name, &s); err != nil {
			return nil, fmt.Errorf("kernel types: %s: %w", name, err)
		}
	}
	return spec, nil
}

// buildKernelTypes decodes the kernel's BTF and returns coreStructs, as
// raw BTF: their members, and the members of what they hold by value, with
// every pointer made a pointer to void. CO-RE walks into members by value
// only (a read through a pointer is a relocation of its own, and a pointer
// member matches by kind), and the whole closure of task_struct is ~420 KB
// that takes ~4 ms to parse against ~0.2 ms for this (~16 KB). It also
// returns the kernel's IDs of bpf.KernelIDs.
func buildKernelTypes() ([]byte, bpf.KernelIDs, error) {
	var none bpf.KernelIDs
	kernel, err := btf.LoadKernelSpec()
	if err != nil {
		return nil, none, &unreadableBTF{err}
	}
	ids, err := bpf.FindKernelIDs(kernel)
	if err != nil {
		return nil, none, fmt.Errorf("kernel BTF: %w", err)
	}
	b, err := btf.NewBuilder(nil, nil)
	if err != nil {
		return nil, none, err
	}
	for _, name := range coreStructs {
		var s *btf.Struct
		if err := kernel.TypeByName(name, &s); err != nil {
			return nil, none, fmt.Errorf("kernel BTF: %s: %w", name, err)
		}
		if _, err := b.Add(pointersToVoid(btf.Copy(s), map[btf.Type]bool{})); err != nil {
			return nil, none, fmt.Errorf("kernel BTF: %s: %w", name, err)
		}
	}
	blob, err := b.Marshal(nil, nil)
	return blob, ids, err
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

// pointersToVoid makes every pointer that t holds by value a pointer to
// void, in place (t is a copy).
func pointersToVoid(t btf.Type, seen map[btf.Type]bool) btf.Type {
	if _, ok := t.(*btf.Pointer); ok {
		return &btf.Pointer{Target: &btf.Void{}}
	}
	if seen[t] {
		return t
	}
	seen[t] = true
	switch v := t.(type) {
	case *btf.Struct:
		for i := range v.Members {
			v.Members[i].Type = pointersToVoid(v.Members[i].Type, seen)
		}
	case *btf.Union:
		for i := range v.Members {
			v.Members[i].Type = pointersToVoid(v.Members[i].Type, seen)
		}
	case *btf.Array:
		v.Type = pointersToVoid(v.Type, seen)
	case *btf.Typedef:
		v.Type = pointersToVoid(v.Type, seen)
	case *btf.Const:
		v.Type = pointersToVoid(v.Type, seen)
	case *btf.Volatile:
		v.Type = pointersToVoid(v.Type, seen)
	case *btf.Restrict:
		v.Type = pointersToVoid(v.Type, seen)
	case *btf.TypeTag:
		v.Type = pointersToVoid(v.Type, seen)
	}
	return t
}

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
