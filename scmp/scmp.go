package scmp

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	seccomp "github.com/seccomp/libseccomp-golang"
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

// archInfo ties the names one architecture goes by together.
type archInfo struct {
	name  string // trace name: x86_64, x86, x32, aarch64, arm
	scmp  string // Docker/OCI name: SCMP_ARCH_X86_64
	lib   seccomp.ScmpArch
	base  int // first syscall number (x32 numbers carry bit 30)
	extra []int
}

// x32 numbers carry __X32_SYSCALL_BIT; ARM has private syscalls at 0xf0000.
const x32Bit = 0x40000000

var arches = []archInfo{
	{name: "x86_64", scmp: "SCMP_ARCH_X86_64", lib: seccomp.ArchAMD64},
	{name: "x86", scmp: "SCMP_ARCH_X86", lib: seccomp.ArchX86},
	{name: "x32", scmp: "SCMP_ARCH_X32", lib: seccomp.ArchX32, base: x32Bit},
	{name: "aarch64", scmp: "SCMP_ARCH_AARCH64", lib: seccomp.ArchARM64},
	{name: "arm", scmp: "SCMP_ARCH_ARM", lib: seccomp.ArchARM, extra: []int{0xf0000}},
}

// maxScan bounds the table scan; every arch seccomp-gen knows numbers its
// syscalls below base+maxScan.
const maxScan = 1024

func lookup(name string) (*archInfo, error) {
	for i := range arches {
		a := &arches[i]
		if a.name == name || strings.EqualFold(a.scmp, name) {
			return a, nil
		}
	}
	return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownArch, name, strings.Join(ArchNames(), ", "))
}

// ArchNames lists the trace arch names seccomp-gen knows.
func ArchNames() []string {
	out := make([]string, len(arches))
	for i, a := range arches {
		out[i] = a.name
	}
	return out
}

// Canonical returns the trace arch name for a trace name or a SCMP_ARCH_* name.
func Canonical(name string) (string, error) {
	a, err := lookup(name)
	if err != nil {
		return "", err
	}
	return a.name, nil
}

// SCMPName returns the Docker/OCI name (SCMP_ARCH_X86_64) of an arch.
func SCMPName(arch string) (string, error) {
	a, err := lookup(arch)
	if err != nil {
		return "", err
	}
	return a.scmp, nil
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
			return a.name, nil
		}
	}
	return "", fmt.Errorf("%w: libseccomp native arch %s", ErrUnknownArch, lib)
}

// Name returns the syscall name of nr on arch, or false when the installed
// libseccomp does not know that number.
func Name(arch string, nr int) (string, bool) {
	a, err := lookup(arch)
	if err != nil || nr < 0 {
		return "", false
	}
	if a.base != 0 && nr < a.base {
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
	nr, err := seccomp.GetSyscallFromNameByArch(name, a.lib)
	if err == nil && nr >= 0 {
		return int(nr), nil
	}
	// libseccomp answers names missing on an arch with a negative pseudo
	// number instead of an error, and does the same for syscalls that x86
	// also reaches through socketcall/ipc (accept4 is 364 there, but is
	// resolved to its multiplexed pseudo number). The number-to-name table
	// knows the direct number.
	if t, err := tableFor(a.name); err == nil {
		if n, ok := t.byName[name]; ok {
			return n, nil
		}
	}
	return 0, &UnknownSyscallError{Name: name, Arch: a.name}
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
	if t, ok := tables[a.name]; ok {
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
	scan(a.base, a.base+maxScan)
	for _, e := range a.extra {
		scan(e, e+64)
	}
	sort.Strings(t.names)
	tables[a.name] = t
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
