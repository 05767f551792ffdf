package doctor

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/abi"
	ia32probe "github.com/seccomp-gen/seccomp-gen/internal/ia32"
	"github.com/seccomp-gen/seccomp-gen/internal/limits"
	"github.com/seccomp-gen/seccomp-gen/internal/proctree"
	"github.com/seccomp-gen/seccomp-gen/internal/text"
	"github.com/seccomp-gen/seccomp-gen/internal/userns"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// Status grades a Check.
type Status int

const (
	OK   Status = iota // works
	Warn               // works, with a limit worth knowing
	Fail               // does not work
)

func (s Status) String() string {
	switch s {
	case OK:
		return "ok"
	case Warn:
		return "warn"
	default:
		return "FAIL"
	}
}

// Check is one line of the doctor's report.
type Check struct {
	Name   string
	Status Status
	Detail string // what was found
	Fix    string // what to do about it (set when Status is not OK)
	// Blocks says that `seccomp-gen trace` (and traced replay) cannot work
	// here until this is fixed.
	Blocks bool
}

// Report is every check, in order.
type Report struct {
	Kernel  string // "6.18.44 x86_64"
	Checks  []Check
	Elapsed time.Duration
}

// TraceWorks reports whether no check blocks `trace`.
func (r *Report) TraceWorks() bool {
	for _, c := range r.Checks {
		if c.Blocks {
			return false
		}
	}
	return true
}

// Find returns the first check called name.
func (r *Report) Find(name string) (Check, bool) {
	for _, c := range r.Checks {
		if c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}

// Names of the checks, in the order Run makes them.
const (
	CheckBTF         = "kernel BTF"
	CheckCaps        = "capabilities"
	CheckOpenFiles   = "open files"
	CheckProcesses   = "processes"
	CheckRawTP       = "raw tracepoint"
	CheckLockdown    = "lockdown"
	CheckActions     = "seccomp actions"
	CheckNotify      = "user notification"
	CheckLibseccomp  = "libseccomp"
	CheckKernelTable = "syscall table"
	CheckIA32        = "ia32 emulation"
	CheckX32         = "x32 ABI"
	CheckCompatARM   = "arm32 compat"
	CheckCgroup      = "cgroup layout"
	CheckTypesCache  = "kernel types cache"
	CheckPool        = "prepared recorder"
	CheckTrial       = "trial trace"
)

// Runtimes are the container tools doctor looks for.
var Runtimes = []string{"runc", "crun", "docker", "podman"}

// Paths doctor reads.
const (
	BTFPath         = "/sys/kernel/btf/vmlinux"
	LockdownPath    = "/sys/kernel/security/lockdown"
	ActionsPath     = "/proc/sys/kernel/seccomp/actions_avail"
	KallsymsPath    = "/proc/kallsyms"
	CmdlinePath     = "/proc/cmdline"
	StatusPath      = "/proc/self/status"
	CgroupRoot      = "/sys/fs/cgroup"
	CgroupUnified   = "/sys/fs/cgroup/unified"
	TypesCachePath  = recorder.KernelTypesCache
	cgroup2Magic    = unix.CGROUP2_SUPER_MAGIC
	tmpfsMagic      = unix.TMPFS_MAGIC
	cgroup1Magic    = unix.CGROUP_SUPER_MAGIC
	capSysAdmin     = 21
	capPerfmon      = 38
	capBPF          = 39
	rootTraceHint   = "run as root (sudo seccomp-gen ...), or grant the capabilities: setcap cap_bpf,cap_perfmon+ep $(command -v seccomp-gen)"
	wantSeccompActs = "kill_process kill_thread trap errno user_notif trace log allow"
)

// Run asks sys every question and returns the report. It never fails: a
// question that cannot be answered is a check that says so.
func Run(ctx context.Context, sys System) *Report {
	start := time.Now()
	r := &Report{}
	release, machine, err := sys.Uname()
	if err != nil {
		r.Kernel = "unknown kernel"
	} else {
		r.Kernel = release + " " + machine
	}
	add := func(c Check) { r.Checks = append(r.Checks, c) }

	add(checkBTF(sys))
	caps := checkCaps(sys)
	add(caps)
	add(checkOpenFiles(sys))
	add(checkProcesses(sys))
	filters := seccompFilters(sys)
	add(checkRawTP(sys, caps, filters))
	add(checkLockdown(sys))
	add(checkActions(sys))
	add(checkNotify(sys, filters))
	kallsyms, kerr := sys.ReadFile(KallsymsPath)
	if kerr != nil {
		kallsyms = nil
	}
	lib := sys.Libseccomp()
	add(checkLibseccomp(lib, machine))
	add(checkKernelTable(lib, machine, kallsyms, kerr))
	for _, c := range checkCompat(sys, machine, kallsyms) {
		add(c)
	}
	add(checkCgroup(sys))
	for _, name := range Runtimes {
		add(checkRuntime(sys, name))
	}
	add(checkTypesCache(sys))
	add(checkPool(sys))
	add(checkTrial(ctx, sys, r))
	r.Elapsed = time.Since(start)
	return r
}

func checkBTF(sys System) Check {
	c := Check{Name: CheckBTF}
	st, err := sys.Stat(BTFPath)
	if err != nil {
		c.Status, c.Blocks = Fail, true
		c.Detail = fmt.Sprintf("%s: %v", BTFPath, errText(err))
		c.Fix = "boot a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian, Ubuntu, Fedora and RHEL kernels are); the recorder relocates against it (CO-RE)"
		return c
	}
	// An empty or damaged file (a bind mount over it, a broken kernel
	// build) stats fine but cannot be relocated against.
	data, err := sys.ReadFile(BTFPath)
	if err == nil {
		_, err = btf.LoadSpecFromReader(bytes.NewReader(data))
	}
	if err != nil {
		c.Status, c.Blocks = Fail, true
		c.Detail = fmt.Sprintf("%s (%d bytes) cannot be read as BTF: %v", BTFPath, st.Size(), errText(err))
		c.Fix = "boot a kernel built with CONFIG_DEBUG_INFO_BTF=y whose " + BTFPath + " is intact (nothing mounted over it); the recorder relocates against it (CO-RE)"
		return c
	}
	c.Detail = fmt.Sprintf("%s (%.1f MB)", BTFPath, float64(len(data))/1e6)
	return c
}

func checkCaps(sys System) Check {
	c := Check{Name: CheckCaps}
	data, err := sys.ReadFile(StatusPath)
	if err != nil {
		c.Status = Warn
		c.Detail = fmt.Sprintf("cannot read %s: %v", StatusPath, errText(err))
		c.Fix = "mount /proc; the kernel decides when trace loads its programs"
		return c
	}
	var eff uint64
	found := false
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			eff, err = strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			found = err == nil
		}
	}
	if !found {
		c.Status = Warn
		c.Detail = "no CapEff line in " + StatusPath
		c.Fix = "the kernel decides when trace loads its programs"
		return c
	}
	has := func(n uint) bool { return eff&(1<<n) != 0 }
	var missing []string
	if !has(capBPF) {
		missing = append(missing, "CAP_BPF")
	}
	if !has(capPerfmon) {
		missing = append(missing, "CAP_PERFMON")
	}
	if m, err := sys.ReadFile(userns.MapPath); err == nil && !userns.Initial(string(m)) {
		// Capabilities of a user namespace's root: the kernel asks the
		// initial namespace's for BPF.
		c.Status, c.Blocks = Fail, true
		c.Detail = "in a user namespace (uid_map " + userns.Describe(string(m)) + "): its capabilities do not reach bpf(2), which asks for CAP_BPF and CAP_PERFMON in the initial one"
		c.Fix = "run seccomp-gen as root of the host, outside the user namespace (rootful podman, Docker without userns-remap, a container in the host's user namespace given CAP_BPF and CAP_PERFMON)"
		return c
	}
	switch {
	case len(missing) == 0:
		c.Detail = "CAP_BPF and CAP_PERFMON effective"
	case has(capSysAdmin):
		c.Detail = "CAP_SYS_ADMIN effective (it covers " + strings.Join(missing, " and ") + ")"
	default:
		c.Status, c.Blocks = Fail, true
		c.Detail = "missing " + strings.Join(missing, " and ") + " (and CAP_SYS_ADMIN)"
		c.Fix = rootTraceHint + "; replay --enforce, generate, check and diff need no privileges"
		if bnd, ok := capLine(string(data), "CapBnd:"); ok && (bnd&(1<<capBPF) == 0 || bnd&(1<<capPerfmon) == 0) {
			// Not even root, nor a file capability, gets past the
			// bounding set: a container's or a session's.
			c.Detail += "; not in the bounding set either (CapBnd)"
			c.Fix = "give the container or session CAP_BPF and CAP_PERFMON (docker run --cap-add BPF --cap-add PERFMON, or the capabilities of its runtime config); neither root nor setcap gets past the bounding set; replay --enforce, generate, check and diff need no privileges"
		}
	}
	return c
}

func checkOpenFiles(sys System) Check {
	c := Check{Name: CheckOpenFiles}
	l, open, err := sys.OpenFiles()
	need := uint64(recorder.MinOpenFiles)
	if err != nil {
		c.Status = Warn
		c.Detail = "cannot read RLIMIT_NOFILE: " + errText(err)
		c.Fix = fmt.Sprintf("trace needs %d files it can open", need)
		return c
	}
	// The descriptors open here (inherited from the shell or the parent,
	// and the Go runtime's) are open in trace too: what trace can open is
	// the limit less them.
	free := limits.Free(l, open)
	c.Detail = fmt.Sprintf("ulimit -n %d, %d open: %d free (trace needs %d)", l.Cur, open, free, need)
	if free < need {
		c.Status, c.Blocks = Fail, true
		c.Fix = fmt.Sprintf("raise the limit: ulimit -n %d (or LimitNOFILE= in a systemd unit, nofile in /etc/security/limits.conf)", limits.Suggest(open+need))
		if open > 16 {
			c.Fix += ", or start seccomp-gen with fewer descriptors open (a shell's: ls -l /proc/$$/fd)"
		}
	}
	return c
}

func checkProcesses(sys System) Check {
	c := Check{Name: CheckProcesses}
	l, used, ok := sys.Tasks()
	if !ok {
		c.Detail = "no process limit applies (ulimit -u unlimited, or root)"
		return c
	}
	c.Detail = fmt.Sprintf("ulimit -u %d, this user runs %d threads (trace needs %d more)", l.Cur, used, recorder.MinTasks)
	if l.Cur < used+recorder.MinTasks {
		c.Status, c.Blocks = Fail, true
		c.Fix = "raise the limit: ulimit -u 4096 (or LimitNPROC= in a systemd unit, nproc in /etc/security/limits.conf), or run as root"
	}
	return c
}

// seccompFilters is the Seccomp_filters count of StatusPath: how many
// seccomp filters doctor (and so a trace started as it was) runs under.
func seccompFilters(sys System) int {
	data, err := sys.ReadFile(StatusPath)
	if err != nil {
		return 0
	}
	v, _ := proctree.StatusField(string(data), "Seccomp_filters:")
	n, _ := strconv.Atoi(v)
	return n
}

// underFilters names the seccomp filters this process runs under as the
// likely reason a syscall (what) was refused, and what to do.
func underFilters(filters int, what string) string {
	return fmt.Sprintf("this process runs under %s (Seccomp_filters: %d in %s), the likely cause: one that denies %s "+
		"(a replay --enforce profile, a container's default profile); run seccomp-gen outside it, or give the container a profile "+
		"that allows bpf, perf_event_open and seccomp (docker run --security-opt seccomp=unconfined, or a profile generated for seccomp-gen)",
		text.Count(filters, "seccomp filter", "seccomp filters"), filters, StatusPath, what)
}

func checkRawTP(sys System, caps Check, filters int) Check {
	c := Check{Name: CheckRawTP}
	if err := sys.RawTracepoint("sys_enter"); err != nil {
		c.Status, c.Blocks = Fail, true
		c.Detail = "sys_enter: " + errText(err)
		refused := errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.ENOSYS)
		switch {
		case caps.Status == Fail:
			c.Fix = "fix the capabilities line first (its fix above)"
		case refused && filters > 0:
			c.Fix = underFilters(filters, "bpf(2)")
		case errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES):
			c.Fix = "the kernel refused BPF: check kernel.unprivileged_bpf_disabled, lockdown and any LSM policy on bpf(2); " + rootTraceHint
		default:
			c.Fix = "use a kernel with CONFIG_BPF_SYSCALL=y and CONFIG_BPF_EVENTS=y (any distribution kernel since 5.8)"
		}
		return c
	}
	c.Detail = "a program attached to sys_enter and detached"
	return c
}

func checkLockdown(sys System) Check {
	c := Check{Name: CheckLockdown}
	data, err := sys.ReadFile(LockdownPath)
	if err != nil {
		c.Detail = "not reported (" + LockdownPath + " absent: no lockdown LSM or securityfs not mounted)"
		return c
	}
	mode := "unknown"
	for _, f := range strings.Fields(string(data)) {
		if strings.HasPrefix(f, "[") && strings.HasSuffix(f, "]") {
			mode = strings.Trim(f, "[]")
		}
	}
	c.Detail = mode
	switch mode {
	case "none":
	case "integrity":
		c.Status = Warn
		c.Detail = "integrity: fentry/kprobe-style attachments are refused; the raw tracepoint trace uses is allowed"
		c.Fix = "nothing to do for trace; lockdown is usually set by Secure Boot"
	case "confidentiality":
		c.Status = Warn
		c.Detail = "confidentiality: BPF programs may not read kernel memory"
		c.Fix = "if the trial trace below fails, boot with lockdown=integrity or none (Secure Boot sets it)"
	default:
		c.Status = Warn
		c.Fix = "unexpected content of " + LockdownPath
	}
	return c
}

func checkActions(sys System) Check {
	c := Check{Name: CheckActions}
	data, err := sys.ReadFile(ActionsPath)
	if err != nil {
		c.Status = Fail
		c.Detail = fmt.Sprintf("%s: %v", ActionsPath, errText(err))
		c.Fix = "use a kernel with CONFIG_SECCOMP_FILTER=y; without it no profile can be enforced (generate, check and diff still work)"
		return c
	}
	have := map[string]bool{}
	for _, a := range strings.Fields(string(data)) {
		have[a] = true
	}
	var missing []string
	for _, a := range strings.Fields(wantSeccompActs) {
		if !have[a] {
			missing = append(missing, a)
		}
	}
	c.Detail = strings.Join(strings.Fields(string(data)), " ")
	if len(missing) > 0 {
		c.Status = Warn
		c.Detail += " (missing: " + strings.Join(missing, " ") + ")"
		c.Fix = "profiles using the missing actions fail to load here; a kernel >= 5.0 has all of them"
	}
	return c
}

func checkNotify(sys System, filters int) Check {
	c := Check{Name: CheckNotify}
	if err := sys.SeccompNotify(); err != nil {
		c.Status = Fail
		c.Detail = errText(err)
		switch {
		case errors.Is(err, unix.EBUSY):
			c.Detail = "a seccomp filter this process runs under already has a user notification listener (EBUSY): replay --enforce cannot load its filter here"
			c.Fix = "the kernel allows one listener per process's filters, and one above already has it (a replay --enforce around this one, a container engine's or a sandbox's supervisor): run replay --enforce outside it; traced replay and check still work"
		case filters > 0:
			c.Fix = underFilters(filters, "seccomp(2)") + "; traced replay and check still work"
		default:
			c.Fix = "replay --enforce needs seccomp user notification (kernel >= 5.0; pidfd_getfd: >= 5.6); traced replay and check still work"
		}
		return c
	}
	c.Detail = "SECCOMP_RET_USER_NOTIF available (replay --enforce works)"
	return c
}

// abis lists the trace ABIs of a machine, native first.
func abis(machine string) []string {
	if machine != abi.X86_64 && machine != abi.AArch64 && machine != "arm64" {
		return nil // a 32-bit machine: seccomp-gen records 64-bit kernels
	}
	return abi.Family(machine)
}

func checkLibseccomp(lib Library, machine string) Check {
	c := Check{Name: CheckLibseccomp}
	var parts []string
	for _, a := range abis(machine) {
		if n, err := lib.MaxNr(a); err == nil {
			parts = append(parts, fmt.Sprintf("%s up to %d", a, n&^x32Bit))
		}
	}
	c.Detail = lib.Version()
	if len(parts) > 0 {
		c.Detail += ": syscalls " + strings.Join(parts, ", ")
	}
	return c
}

// compatSyms are kernel syscall entry points that are compat or internal
// spellings, not names of a native table: the ni_syscall stub, and names
// libseccomp knows under their table name (newuname is uname, llseek is
// _llseek), and entry points compiled in for another table (gethostname,
// s390_ipc).
var compatSyms = map[string]bool{
	"ni_syscall": true, "mmap_pgoff": true, "llseek": true,
	"newuname": true, "newstat": true, "newlstat": true, "newfstat": true,
	"gethostname": true, "s390_ipc": true,
}

// UnnamedSyscalls lists the syscalls the running kernel implements (the
// __x64_sys_ or __arm64_sys_ symbols of /proc/kallsyms, less those that
// alias sys_ni_syscall, the stub of syscalls configured out) whose names
// known rejects, sorted. Compat spellings (…16, …32, old…, ia32_…) and
// compiler-split symbols (….cold) are left out. Without addresses (kallsyms
// read without CAP_SYSLOG shows zeros) configured-out syscalls cannot be
// told apart and are listed too.
func UnnamedSyscalls(kallsyms []byte, machine string, known func(string) bool) []string {
	var prefix string
	switch machine {
	case "x86_64":
		prefix = "__x64_sys_"
	case "aarch64", "arm64":
		prefix = "__arm64_sys_"
	default:
		return nil
	}
	addr := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(kallsyms))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 {
			continue
		}
		name, ok := strings.CutPrefix(f[2], prefix)
		if !ok || strings.Contains(name, ".") {
			continue
		}
		if _, dup := addr[name]; !dup {
			addr[name] = f[0]
		}
	}
	ni := addr["ni_syscall"]
	if strings.Trim(ni, "0") == "" {
		ni = ""
	}
	var out []string
	for name, a := range addr {
		switch {
		case compatSyms[name], ni != "" && a == ni,
			strings.HasSuffix(name, "16"), strings.HasSuffix(name, "32"),
			strings.HasPrefix(name, "old"), strings.HasPrefix(name, "ia32_"),
			known(name):
			continue
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

func checkKernelTable(lib Library, machine string, kallsyms []byte, kerr error) Check {
	c := Check{Name: CheckKernelTable}
	if kerr != nil {
		c.Status = Warn
		c.Detail = fmt.Sprintf("cannot compare: %s: %v", KallsymsPath, errText(kerr))
		c.Fix = "run as root to compare the kernel's syscalls with libseccomp's tables"
		return c
	}
	if abis(machine) == nil {
		c.Status = Warn
		c.Detail = "machine " + machine + " is not one seccomp-gen traces (x86_64, aarch64)"
		c.Fix = "generate, check, diff and lint work on any machine; trace needs x86_64 or aarch64"
		return c
	}
	unnamed := UnnamedSyscalls(kallsyms, machine, lib.Known)
	if len(unnamed) == 0 {
		c.Detail = "libseccomp " + lib.Version() + " names every syscall this kernel implements"
		return c
	}
	c.Status = Warn
	c.Detail = fmt.Sprintf("the kernel implements %d syscalls libseccomp %s cannot name: %s",
		len(unnamed), lib.Version(), strings.Join(unnamed, " "))
	c.Fix = "trace records them by number and reports them; a profile cannot name them (runtimes linked with the same libseccomp drop such names), so they get the profile's default action; a newer libseccomp names them"
	return c
}

func checkCompat(sys System, machine string, kallsyms []byte) []Check {
	switch machine {
	case "x86_64":
		ia32 := Check{Name: CheckIA32}
		cmdline, _ := sys.ReadFile(CmdlinePath)
		off := false
		for _, f := range strings.Fields(string(cmdline)) {
			if v, ok := strings.CutPrefix(f, "ia32_emulation="); ok {
				switch strings.ToLower(v) {
				case "0", "n", "no", "off", "false":
					off = true
				}
			}
		}
		switch {
		case kallsyms == nil:
			ia32.Status = Warn
			ia32.Detail = "unknown (" + KallsymsPath + " unreadable)"
			ia32.Fix = "run as root to find out"
		case !bytes.Contains(kallsyms, []byte(" __ia32_sys_")):
			ia32.Detail = "off (kernel built without CONFIG_IA32_EMULATION): 32-bit programs cannot run"
		case off:
			ia32.Detail = "off (ia32_emulation=0 on the kernel command line)"
		default:
			// Built in and not off on the command line, yet a kernel
			// may still refuse 32-bit programs (a PVM guest does):
			// run one.
			if err := sys.IA32(); ia32probe.Refused(err) {
				ia32.Detail = "off: " + errText(err)
			} else if err != nil {
				ia32.Status = Warn
				ia32.Detail = "unknown: " + errText(err)
				ia32.Fix = "the kernel is built with it; a 32-bit program could not be run to find out whether it runs them"
			} else {
				ia32.Detail = "on: 32-bit programs and int 0x80 run; trace records them as arch x86, and generated profiles deny x86 unless a trace used it"
			}
		}
		x32 := Check{Name: CheckX32}
		if err := sys.X32(); err != nil {
			x32.Detail = "off (the kernel refuses x32 syscalls: " + errText(err) + ")"
		} else {
			x32.Detail = "on: x32 programs run; trace records them as arch x32, and generated profiles deny x32 unless a trace used it"
		}
		return []Check{ia32, x32}
	case "aarch64", "arm64":
		arm := Check{Name: CheckCompatARM}
		switch {
		case kallsyms == nil:
			arm.Status = Warn
			arm.Detail = "unknown (" + KallsymsPath + " unreadable)"
			arm.Fix = "run as root to find out"
		case bytes.Contains(kallsyms, []byte(" __arm64_compat_sys_")):
			arm.Detail = "on: 32-bit ARM programs run; trace records them as arch arm"
		default:
			arm.Detail = "off (kernel built without CONFIG_COMPAT)"
		}
		return []Check{arm}
	}
	return nil
}

func checkCgroup(sys System) Check {
	c := Check{Name: CheckCgroup}
	t, err := sys.FSType(CgroupRoot)
	if err != nil {
		c.Status = Warn
		c.Detail = fmt.Sprintf("%s: %v", CgroupRoot, errText(err))
		c.Fix = "mount cgroup2 on /sys/fs/cgroup (trace --cgroup and containers need it); command and --pid traces work without"
		return c
	}
	switch t {
	case cgroup2Magic:
		c.Detail = "v2 (unified at " + CgroupRoot + ")"
	case tmpfsMagic:
		if u, err := sys.FSType(CgroupUnified); err == nil && u == cgroup2Magic {
			c.Status = Warn
			c.Detail = "hybrid (v1 controllers, v2 at " + CgroupUnified + ")"
			c.Fix = "trace --cgroup takes directories under " + CgroupUnified + "; crun refuses hybrid mode: boot with systemd.unified_cgroup_hierarchy=1 for v2"
		} else {
			c.Status = Warn
			c.Detail = "v1 (no cgroup2 mounted)"
			c.Fix = "trace --cgroup needs cgroup v2: boot with systemd.unified_cgroup_hierarchy=1 (or mount cgroup2 somewhere); command and --pid traces work"
		}
	case cgroup1Magic:
		c.Status = Warn
		c.Detail = "v1 (" + CgroupRoot + " is a cgroup v1 hierarchy)"
		c.Fix = "trace --cgroup needs cgroup v2: boot with systemd.unified_cgroup_hierarchy=1"
	default:
		c.Status = Warn
		c.Detail = fmt.Sprintf("%s is not a cgroup file system (type %#x)", CgroupRoot, t)
		c.Fix = "mount cgroup2 on /sys/fs/cgroup for trace --cgroup and containers"
	}
	return c
}

func checkRuntime(sys System, name string) Check {
	c := Check{Name: name}
	path, err := sys.LookPath(name)
	if err != nil {
		c.Status = Warn
		c.Detail = "not found on PATH"
		c.Fix = "install it to run containers under generated profiles (apt-get install " + name + "); seccomp-gen itself does not need it"
		if name == "docker" {
			c.Fix = "install Docker to use profiles with docker run --security-opt seccomp=FILE; seccomp-gen itself does not need it"
		}
		return c
	}
	v, err := sys.Version(path)
	if err != nil {
		c.Status = Warn
		c.Detail = fmt.Sprintf("%s: %s --version: %v", path, name, errText(err))
		c.Fix = name + " --version failed: run it to see why (as this user: its configuration or $HOME), or reinstall it; seccomp-gen itself does not need it"
		return c
	}
	c.Detail = fmt.Sprintf("%s (%s)", v, path)
	return c
}

func checkTypesCache(sys System) Check {
	c := Check{Name: CheckTypesCache}
	err := sys.TypesCache()
	switch {
	case err == nil:
		c.Detail = TypesCachePath
		if st, err := sys.Stat(TypesCachePath); err == nil {
			c.Detail = fmt.Sprintf("%s (%d bytes, %s)", TypesCachePath, st.Size(), st.ModTime().UTC().Format(time.RFC3339))
		}
	case errors.Is(err, recorder.ErrTypesCacheDir):
		c.Status = Warn
		c.Detail = fmt.Sprintf("%v: every trace by this user decodes the kernel's BTF (~15 ms more per start)", err)
		c.Fix = "trace keeps the cache only in a directory of its own user, mode 0700: traces as root recreate it once it is removed (rm -r " + filepath.Dir(TypesCachePath) + "); other users go without it"
	case errors.Is(err, fs.ErrNotExist):
		c.Detail = TypesCachePath + " absent: the next trace builds it (~15 ms, once per boot)"
	default:
		c.Detail = fmt.Sprintf("%s not used (%v): the next trace rebuilds it", TypesCachePath, errText(err))
	}
	return c
}

// checkPool says whether the next trace of a command claims a recorder
// prepared for it (trace/recorder/record_pool.go). Never a failure: without
// one a trace loads its own.
func checkPool(sys System) Check {
	c := Check{Name: CheckPool}
	dir, ready, err := sys.Pool()
	switch {
	case dir == "":
		c.Detail = "off (" + recorder.PoolEnv + "=off): every trace of a command loads its own recorder (~6 ms more of its start here)"
	case err != nil:
		c.Detail = fmt.Sprintf("%s: %v: every trace of a command loads its own recorder", dir, errText(err))
	case ready > 0:
		c.Detail = fmt.Sprintf("%s: %d ready for this binary: the next trace of a command claims it instead of loading its own", dir, ready)
	default:
		c.Detail = dir + ": none ready for this binary: the next trace of a command loads its own and leaves one prepared for the trace after it"
	}
	return c
}

func checkTrial(ctx context.Context, sys System, r *Report) Check {
	c := Check{Name: CheckTrial}
	var blocked []string
	for _, p := range r.Checks {
		if p.Blocks {
			blocked = append(blocked, p.Name)
		}
	}
	if len(blocked) > 0 {
		c.Status, c.Blocks = Fail, true
		c.Detail = "not tried: " + strings.Join(blocked, ", ") + " failed"
		c.Fix = "fix the lines marked FAIL above"
		return c
	}
	start := time.Now()
	children, err := sys.TrialTrace(ctx)
	if err != nil {
		c.Status, c.Blocks = Fail, true
		c.Detail = errText(err)
		c.Fix = "the checks above passed but the recorder did not: report this with the output of seccomp-gen doctor and seccomp-gen version"
		return c
	}
	c.Detail = fmt.Sprintf("recorded a short command (%s)", time.Since(start).Round(time.Millisecond))
	if children != "" {
		// How new tasks are followed (recorder.Started.Children): at the
		// fork costs the machine's untraced syscalls less.
		c.Detail += "; new tasks of traced ones marked " + children
	}
	return c
}

func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Write prints the report: one line per check, and an indented fix under
// every line that is not ok, then a verdict.
func (r *Report) Write(w io.Writer) error {
	width := 0
	for _, c := range r.Checks {
		width = max(width, len(c.Name))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "seccomp-gen doctor: kernel %s\n", r.Kernel)
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "%-4s  %-*s  %s\n", c.Status, width, c.Name, c.Detail)
		if c.Status != OK && c.Fix != "" {
			fmt.Fprintf(&b, "%-4s  %-*s  fix: %s\n", "", width, "", c.Fix)
		}
	}
	if r.TraceWorks() {
		b.WriteString("trace works here.\n")
	} else {
		var names []string
		for _, c := range r.Checks {
			if c.Blocks {
				names = append(names, c.Name)
			}
		}
		fmt.Fprintf(&b, "trace cannot work here: %s (see the fixes above).\n", strings.Join(names, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// capLine reads the capability set named by key ("CapBnd:") from a
// /proc/PID/status text.
func capLine(status, key string) (uint64, bool) {
	v, ok := proctree.StatusField(status, key)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 16, 64)
	return n, err == nil
}
