package main

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seccomp-gen/seccomp-gen/abi"
	"github.com/seccomp-gen/seccomp-gen/bpf"
	"github.com/seccomp-gen/seccomp-gen/internal/hugeheap"
	"github.com/seccomp-gen/seccomp-gen/internal/prefault"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// version is set by `make release` (-ldflags -X main.version=...); a plain
// go build or go install falls back to the build info.
var version = ""

// toolVersion returns the version this binary was built as: the release
// version, the module version of a `go install ...@vX`, or "devel" with the
// VCS revision when Go recorded one.
func toolVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "-dirty"
	}
	return "devel-" + rev
}

// versionInfo is what `seccomp-gen version` reports.
type versionInfo struct {
	Version    string         `json:"version"`
	Go         string         `json:"go"`
	Platform   string         `json:"platform"`
	Linking    string         `json:"linking"` // "static" or "dynamic"
	Libseccomp string         `json:"libseccomp"`
	MaxSyscall map[string]int `json:"max_syscall"` // highest number libseccomp knows, per trace ABI
	ABIs       []string       `json:"-"`
	EBPFSource string         `json:"ebpf_source"`
	// Heap says how this process's Go heap is paged (internal/hugeheap):
	// 2 MiB pages where the kernel gives them, else 4 KiB and why.
	Heap string `json:"heap"`
	// Prefault says whether this process's code was mapped at its start
	// (internal/prefault): where a page fault costs enough, and why.
	Prefault string `json:"prefault"`
}

func collectVersion() versionInfo {
	v := versionInfo{
		Version:    toolVersion(),
		Go:         runtime.Version(),
		Platform:   runtime.GOOS + "/" + runtime.GOARCH,
		Linking:    linking(),
		Libseccomp: scmp.LibraryVersion(),
		MaxSyscall: map[string]int{},
		EBPFSource: bpf.SourceHash(),
		Prefault:   prefault.Current().Describe(),
	}
	if st, err := hugeheap.Heap(); err != nil {
		v.Heap = "unknown (" + err.Error() + ")"
	} else {
		v.Heap = st.Describe()
	}
	for _, a := range scmp.ArchNames() {
		if n, err := scmp.MaxNr(a); err == nil {
			v.MaxSyscall[a] = n
			v.ABIs = append(v.ABIs, a)
		}
	}
	return v
}

// linking says whether the running binary is statically linked (no
// program interpreter), as `make release` builds it.
func linking() string {
	exe, err := os.Executable()
	if err != nil {
		return "unknown"
	}
	f, err := elf.Open(exe)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return "dynamic"
		}
	}
	return "static"
}

func (v versionInfo) write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "seccomp-gen %s\n", v.Version)
	fmt.Fprintf(&b, "go:          %s %s, %s binary\n", v.Go, v.Platform, v.Linking)
	var abis []string
	for _, a := range v.ABIs {
		n := v.MaxSyscall[a]
		if a == "x32" {
			abis = append(abis, fmt.Sprintf("x32 %#x+%d", scmpX32Bit, n&^scmpX32Bit))
			continue
		}
		abis = append(abis, fmt.Sprintf("%s %d", a, n))
	}
	fmt.Fprintf(&b, "libseccomp:  %s (highest syscall: %s)\n", v.Libseccomp, strings.Join(abis, ", "))
	fmt.Fprintf(&b, "eBPF source: %s\n", v.EBPFSource)
	fmt.Fprintf(&b, "heap:        %s\n", v.Heap)
	fmt.Fprintf(&b, "prefault:    %s\n", v.Prefault)
	_, err := io.WriteString(w, b.String())
	return err
}

// scmpX32Bit is the bit x32 syscall numbers carry.
const scmpX32Bit = int(abi.X32SyscallBit)

func newVersionCmd() *cobra.Command {
	var short, asJSON bool
	cmd := &cobra.Command{
		Use:   "version [--short | --json]",
		Short: "Print the versions of seccomp-gen, Go, libseccomp and the eBPF recorder",
		Long: `version prints seccomp-gen's version (set by 'make release', else from the
build info: a module version or the git revision), the Go version and platform
it was built with and whether it is statically linked, the libseccomp version
it uses with the highest syscall number libseccomp knows on each ABI (a newer
syscall is recorded by number and cannot be named in a profile), and the
SHA-256 of the eBPF recorder's source (bpf/recorder.c and its headers) that
the embedded objects were compiled from, and how its Go heap is paged: in
2 MiB pages where the kernel gives them (transparent huge pages, mode
madvise or always), so that a trace's start takes a page fault per 2 MiB of
heap instead of one per 4 KiB; not on a machine whose host takes free memory
back (a virtio balloon with free page reporting), where a huge page's first
touch can cost milliseconds. SECCOMP_GEN_HUGEHEAP=on or =off overrides that
choice; GODEBUG=disablethp=1 turns huge pages off too. And whether its code
and read-only data were mapped at its start (MADV_POPULATE_READ), in one
system call instead of a page fault per 64 KiB as the code runs: only where
a page fault costs enough (the start measures one; ~12 us in a guest with
shadow page tables against ~1.4 us with hardware nested paging) to pay for
mapping some 10 MiB. SECCOMP_GEN_PREFAULT=on or =off overrides that choice.`,
		Args: argsUsage(noArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if short && asJSON {
				return usageErrf("version: --short and --json exclude each other")
			}
			if err := needStdout("version"); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if short {
				_, err := fmt.Fprintln(out, toolVersion())
				return err
			}
			v := collectVersion()
			if asJSON {
				data, err := json.MarshalIndent(v, "", "  ")
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(out, "%s\n", data)
				return err
			}
			return v.write(out)
		},
	}
	cmd.Flags().BoolVar(&short, "short", false, "print only seccomp-gen's version")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print everything as JSON")
	return cmd
}
