package scmp

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"

	seccomp "github.com/seccomp/libseccomp-golang"

	"github.com/seccomp-gen/seccomp-gen/abi"
)

// ErrUnknownArch is wrapped by errors about an architecture name that
// seccomp-gen does not know.
var ErrUnknownArch = errors.New("unknown architecture")

// UnknownSyscallError says that a syscall name does not exist on an arch.
type UnknownSyscallError struct {
	Name string
	Arch string
}

func (e *UnknownSyscallError) Error() string {
	return fmt.Sprintf("unknown syscall %q on %s", e.Name, e.Arch)
}

// archInfo is an ABI of the one table (package abi) with libseccomp's
// constant for it.
type archInfo struct {
	abi.ABI
	lib seccomp.ScmpArch
}

// libArches maps the ABI table to libseccomp's constants.
var libArches = map[string]seccomp.ScmpArch{
	abi.X86_64:  seccomp.ArchAMD64,
	abi.X86:     seccomp.ArchX86,
	abi.X32:     seccomp.ArchX32,
	abi.AArch64: seccomp.ArchARM64,
	abi.ARM:     seccomp.ArchARM,
}

var arches = func() []archInfo {
	var out []archInfo
	for _, a := range abi.All() {
		out = append(out, archInfo{ABI: a, lib: libArches[a.Name]})
	}
	return out
}()

// extra lists the starts of further number ranges (ARM's private syscalls).
func (a *archInfo) extra() []int {
	if a.Private == 0 {
		return nil
	}
	return []int{int(a.Private)}
}

// maxScan bounds the table scan; every arch seccomp-gen knows numbers its
// syscalls below base+maxScan.
const maxScan = 1024

func lookup(name string) (*archInfo, error) {
	if x, ok := abi.Lookup(name); ok {
		for i := range arches {
			if arches[i].Name == x.Name {
				return &arches[i], nil
			}
		}
	}
	return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownArch, name, strings.Join(ArchNames(), ", "))
}

// ArchNames lists the trace arch names seccomp-gen knows.
func ArchNames() []string {
	return abi.Names()
}

// Canonical returns the trace arch name for a trace name or a SCMP_ARCH_* name.
func Canonical(name string) (string, error) {
	a, err := lookup(name)
	if err != nil {
		return "", err
	}
	return a.Name, nil
}

// SCMPName returns the Docker/OCI name (SCMP_ARCH_X86_64) of an arch.
func SCMPName(arch string) (string, error) {
	a, err := lookup(arch)
	if err != nil {
		return "", err
	}
	return a.SCMP, nil
}

// LibArch returns libseccomp's ScmpArch for an arch name.
func LibArch(arch string) (seccomp.ScmpArch, error) {
	a, err := lookup(arch)
	if err != nil {
		return seccomp.ArchInvalid, err
	}
	return a.lib, nil
}

// Native returns the trace arch name of the machine libseccomp runs on.
func Native() (string, error) {
	lib, err := seccomp.GetNativeArch()
	if err != nil {
		return "", fmt.Errorf("native arch: %w", err)
	}
	for _, a := range arches {
		if a.lib == lib {
			return a.Name, nil
		}
	}
	return "", fmt.Errorf("%w: libseccomp native arch %s", ErrUnknownArch, lib)
}

// Name returns the syscall name of nr on arch, or false when the installed
// libseccomp does not know that number.
func Name(arch string, nr int) (string, bool) {
	a, err := lookup(arch)
	if err != nil || nr < 0 || nr > math.MaxInt32 {
		// libseccomp's numbers are int32: a larger nr would wrap onto
		// another syscall's (2^32 onto read).
		return "", false
	}
	if a.Base != 0 && nr < int(a.Base) {
		return "", false
	}
	n, err := seccomp.ScmpSyscall(nr).GetNameByArch(a.lib)
	if err != nil || n == "" {
		return "", false
	}
	return n, true
}

// Number returns the syscall number of name on arch. A name that does not
// exist there gives an *UnknownSyscallError.
func Number(arch, name string) (int, error) {
	a, err := lookup(arch)
	if err != nil {
		return 0, err
	}
	key := [2]string{a.Name, name}
	if nr, ok := numbers.Load(key); ok {
		if nr.(int) < 0 {
			return 0, &UnknownSyscallError{Name: name, Arch: a.Name}
		}
		return nr.(int), nil
	}
	nr, err := number(a, name)
	if err != nil {
		numbers.Store(key, -1)
		return 0, err
	}
	numbers.Store(key, nr)
	return nr, nil
}

// numbers memoizes Number (libseccomp's table does not change while the
// process runs): diff and check ask for every name of a profile once per
// syscall number (policy.HighestNamed, for runc's stub), each a cgo call.
var numbers sync.Map // [2]string{arch, name} -> int, -1: unknown

func number(a *archInfo, name string) (int, error) {
	nr, err := seccomp.GetSyscallFromNameByArch(name, a.lib)
	if err == nil && nr >= 0 {
		return int(nr), nil
	}
	// libseccomp answers names missing on an arch with a negative pseudo
	// number instead of an error, and does the same for syscalls that x86
	// also reaches through socketcall/ipc (accept4 is 364 there, but is
	// resolved to its multiplexed pseudo number). The number-to-name table
	// knows the direct number.
	if t, err := tableFor(a.Name); err == nil {
		if n, ok := t.byName[name]; ok {
			return n, nil
		}
	}
	return 0, &UnknownSyscallError{Name: name, Arch: a.Name}
}

type table struct {
	names  []string       // sorted
	byName map[string]int // name -> nr
	max    int
}

var (
	tablesMu sync.Mutex
	tables   = map[string]*table{}
)

func tableFor(arch string) (*table, error) {
	a, err := lookup(arch)
	if err != nil {
		return nil, err
	}
	tablesMu.Lock()
	defer tablesMu.Unlock()
	if t, ok := tables[a.Name]; ok {
		return t, nil
	}
	t := &table{byName: map[string]int{}}
	scan := func(from, to int) {
		for nr := from; nr < to; nr++ {
			n, err := seccomp.ScmpSyscall(nr).GetNameByArch(a.lib)
			if err != nil || n == "" {
				continue
			}
			if _, dup := t.byName[n]; dup {
				continue
			}
			t.byName[n] = nr
			t.names = append(t.names, n)
			if nr > t.max {
				t.max = nr
			}
		}
	}
	scan(int(a.Base), int(a.Base)+maxScan)
	for _, e := range a.extra() {
		scan(e, e+64)
	}
	sort.Strings(t.names)
	tables[a.Name] = t
	return t, nil
}

// Names lists every syscall name libseccomp knows on arch, sorted.
func Names(arch string) ([]string, error) {
	t, err := tableFor(arch)
	if err != nil {
		return nil, err
	}
	return append([]string(nil), t.names...), nil
}

// MaxNr returns the highest syscall number libseccomp knows on arch.
func MaxNr(arch string) (int, error) {
	t, err := tableFor(arch)
	if err != nil {
		return 0, err
	}
	return t.max, nil
}

// Has reports whether name is a syscall on arch.
func Has(arch, name string) bool {
	t, err := tableFor(arch)
	if err != nil {
		return false
	}
	_, ok := t.byName[name]
	return ok
}

// LibraryVersion returns the libseccomp version as "2.5.4".
func LibraryVersion() string {
	ma, mi, mc := seccomp.GetLibraryVersion()
	return fmt.Sprintf("%d.%d.%d", ma, mi, mc)
}

// Tables implements the Resolver interfaces of the pure packages with
// libseccomp's tables.
type Tables struct{}

func (Tables) Has(arch, name string) bool              { return Has(arch, name) }
func (Tables) Name(arch string, nr int) (string, bool) { return Name(arch, nr) }
func (Tables) Number(arch, name string) (int, error)   { return Number(arch, name) }
func (Tables) Names(arch string) ([]string, error)     { return Names(arch) }

// CacheKey names the tables: libseccomp's version (the recorder caches
// what it derives from them per executable: recorder.CacheableNamer).
func (Tables) CacheKey() string { return "libseccomp " + LibraryVersion() }
