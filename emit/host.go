package emit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// Host is what the conditional entries of a Docker or containers-common
// profile ("includes"/"excludes") are resolved against, as docker (moby's
// profiles/seccomp) and podman (containers/common pkg/seccomp) resolve them
// when they start a container: an entry is kept when its conditions hold
// for the container's bounding capabilities, this machine's native
// architecture and, for minKernel, the kernel.
type Host struct {
	// Caps is the container's bounding capability set ("CAP_CHOWN", ...).
	// Nil means DockerCaps.
	Caps []string
	// CapsName names the set in messages ("Docker's default capabilities").
	CapsName string
	// Kernel is a kernel release ("6.1.0-18-amd64"); "" means this
	// machine's (uname -r), which is what docker compares minKernel with.
	// podman ignores minKernel: both agree whenever the kernel is at least
	// the minKernel named.
	Kernel string
}

// DockerCaps is Docker's default capability set (moby oci/caps/defaults.go).
var DockerCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// PodmanCaps is podman's default capability set (containers.conf
// default_capabilities of containers-common 0.50): Docker's without
// CAP_AUDIT_WRITE, CAP_MKNOD and CAP_NET_RAW.
var PodmanCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE",
	"CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT",
}

// Capabilities lists every capability name the kernel defines
// (linux/capability.h, CAP_LAST_CAP 40).
var Capabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
	"CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
	"CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

// ParseCaps reads a capability set: "docker" (DockerCaps), "podman"
// (PodmanCaps), "none", or a comma-separated list of names, with or without
// the CAP_ prefix, in any case ("sys_admin,CAP_NET_RAW").
func ParseCaps(s string) (*Host, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "docker":
		return &Host{Caps: DockerCaps, CapsName: "Docker's default capabilities"}, nil
	case "podman":
		return &Host{Caps: PodmanCaps, CapsName: "podman's default capabilities"}, nil
	case "none":
		return &Host{Caps: []string{}, CapsName: "no capabilities"}, nil
	}
	var caps []string
	for _, c := range strings.Split(s, ",") {
		c = strings.ToUpper(strings.TrimSpace(c))
		if c == "" {
			continue // a,,b or a trailing comma
		}
		if !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		if !slices.Contains(Capabilities, c) {
			return nil, fmt.Errorf("capability %q: unknown (want docker, podman, none or names such as CAP_SYS_ADMIN)", c)
		}
		if !slices.Contains(caps, c) {
			caps = append(caps, c)
		}
	}
	if len(caps) == 0 {
		return nil, fmt.Errorf("no capability named (want docker, podman, none or names such as CAP_SYS_ADMIN)")
	}
	return &Host{Caps: caps, CapsName: "capabilities " + strings.Join(caps, ",")}, nil
}

func (h *Host) caps() []string {
	if h == nil || h.Caps == nil {
		return DockerCaps
	}
	return h.Caps
}

func (h *Host) capsName() string {
	if h == nil || h.Caps == nil {
		return "Docker's default capabilities"
	}
	if h.CapsName == "" {
		return "capabilities " + strings.Join(h.Caps, ",")
	}
	return h.CapsName
}

var unameRelease = sync.OnceValues(func() (string, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", fmt.Errorf("uname: %w", err)
	}
	return unix.ByteSliceToString(u.Release[:]), nil
})

// kernel returns the kernel version entries are compared with.
func (h *Host) kernel() (kernelVersion, string, error) {
	rel := ""
	if h != nil {
		rel = h.Kernel
	}
	if rel == "" {
		var err error
		if rel, err = unameRelease(); err != nil {
			return kernelVersion{}, "", err
		}
	}
	var v kernelVersion
	if _, err := fmt.Sscanf(rel, "%d.%d", &v.major, &v.minor); err != nil {
		return kernelVersion{}, "", fmt.Errorf("kernel release %q: not MAJOR.MINOR", rel)
	}
	return v, rel, nil
}

type kernelVersion struct{ major, minor uint64 }

func (v kernelVersion) atLeast(w kernelVersion) bool {
	return v.major > w.major || (v.major == w.major && v.minor >= w.minor)
}

// parseMinKernel reads minKernel as docker does: "MAJOR.MINOR", both
// numbers 0..255, not 0.0.
func parseMinKernel(s string) (kernelVersion, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 2 {
		return kernelVersion{}, fmt.Errorf("minKernel %q: want \"MAJOR.MINOR\" such as \"4.8\" (docker refuses the profile otherwise)", s)
	}
	var v kernelVersion
	var err1, err2 error
	v.major, err1 = strconv.ParseUint(parts[0], 10, 8)
	v.minor, err2 = strconv.ParseUint(parts[1], 10, 8)
	if err1 != nil || err2 != nil || (v.major == 0 && v.minor == 0) {
		return kernelVersion{}, fmt.Errorf("minKernel %q: want \"MAJOR.MINOR\" such as \"4.8\" (docker refuses the profile otherwise)", s)
	}
	return v, nil
}

// nativeLibArch is libseccomp's name of this machine's architecture
// ("amd64"), the name docker and podman compare includes.arches with.
func nativeLibArch() (string, error) {
	a, err := seccomp.GetNativeArch()
	if err != nil {
		return "", fmt.Errorf("native arch: %w", err)
	}
	return a.String(), nil
}

// checkFilter refuses what docker or podman would never match (a misspelt
// capability or architecture) or would refuse (a bad minKernel).
func checkFilter(where, key string, f *filterJSON) error {
	if f == nil {
		return nil
	}
	for i, c := range f.Caps {
		if !slices.Contains(Capabilities, c) {
			return invalid("%s.%s.caps[%d] %q: unknown capability (docker and podman compare names exactly, so it would never match; known: CAP_CHOWN ... CAP_CHECKPOINT_RESTORE)", where, key, i, c)
		}
	}
	for i, a := range f.Arches {
		l, err := seccomp.GetArchFromString(a)
		if err != nil || l.String() != a {
			return invalid("%s.%s.arches[%d] %q: unknown architecture (docker and podman compare it with libseccomp's name of the machine's architecture, such as amd64, x32, x86, arm64, arm, s390x, ppc64le)", where, key, i, a)
		}
	}
	if f.MinKernel != "" {
		if _, err := parseMinKernel(f.MinKernel); err != nil {
			return invalid("%s.%s: %s", where, key, err)
		}
	}
	return nil
}

// keep resolves an entry's includes and excludes for h, in the order docker
// does; when the entry is left out, why says which condition decided.
func (h *Host) keep(inc, exc *filterJSON) (ok bool, why string, err error) {
	arch, err := nativeLibArch()
	if err != nil {
		return false, "", err
	}
	caps := h.caps()
	kernel := func(s string) (bool, string, error) {
		want, _ := parseMinKernel(s) // checked by checkFilter
		have, rel, err := h.kernel()
		if err != nil {
			return false, "", err
		}
		return have.atLeast(want), rel, nil
	}
	if exc != nil {
		if slices.Contains(exc.Arches, arch) {
			return false, fmt.Sprintf("excludes.arches names this machine's architecture %s", arch), nil
		}
		for _, c := range exc.Caps {
			if slices.Contains(caps, c) {
				return false, fmt.Sprintf("excludes.caps %s, which %s have", c, h.capsName()), nil
			}
		}
		if exc.MinKernel != "" {
			at, rel, err := kernel(exc.MinKernel)
			if err != nil {
				return false, "", err
			}
			if at {
				return false, fmt.Sprintf("excludes.minKernel %s and the kernel is %s (docker reads it so; podman ignores minKernel and keeps the entry)", exc.MinKernel, rel), nil
			}
		}
	}
	if inc != nil {
		if len(inc.Arches) > 0 && !slices.Contains(inc.Arches, arch) {
			return false, fmt.Sprintf("includes.arches does not name this machine's architecture %s", arch), nil
		}
		for _, c := range inc.Caps {
			if !slices.Contains(caps, c) {
				if len(caps) == 0 {
					return false, fmt.Sprintf("includes.caps %s, and the container has no capabilities", c), nil
				}
				return false, fmt.Sprintf("includes.caps %s, which %s lack", c, h.capsName()), nil
			}
		}
		if inc.MinKernel != "" {
			at, rel, err := kernel(inc.MinKernel)
			if err != nil {
				return false, "", err
			}
			if !at {
				return false, fmt.Sprintf("includes.minKernel %s and the kernel is %s (docker reads it so; podman ignores minKernel and keeps the entry)", inc.MinKernel, rel), nil
			}
		}
	}
	return true, "", nil
}

// errnoNumber reads containers-common's "errno"/"defaultErrno": an errno
// name of this machine ("EPERM") or a decimal number, as podman does.
func errnoNumber(s string) (uint, bool) {
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		return uint(n), true
	}
	for e := 1; e <= MaxErrno; e++ {
		if unix.ErrnoName(unix.Errno(e)) == s {
			return uint(e), true
		}
	}
	return 0, false
}

// podmanErrno merges containers-common's errno name with errnoRet: podman
// takes the name when it is set, docker reads only errnoRet (EPERM when it
// is absent). A name that would make them disagree is refused.
func podmanErrno(field, name string, ret *uint) (*uint, error) {
	if name == "" {
		return ret, nil
	}
	n, ok := errnoNumber(name)
	if !ok {
		return nil, invalid("%s %q: unknown errno name (podman refuses it; want a name such as EPERM or a number)", field, name)
	}
	retField := "errnoRet"
	if field == "defaultErrno" {
		retField = "defaultErrnoRet"
	}
	switch {
	case ret != nil && *ret != n:
		return nil, invalid("%s %q (%d) and %s %d disagree: podman returns %d, docker %d", field, name, n, retField, *ret, n, *ret)
	case ret == nil && n != 1:
		return nil, invalid("%s %q without %s: podman returns %d, docker ignores %s and returns EPERM; add \"%s\": %d", field, name, retField, n, field, retField, n)
	}
	v := n
	return &v, nil
}
