package doctor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/internal/ia32"
	"github.com/seccomp-gen/seccomp-gen/internal/limits"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/internal/userns"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// TestHost runs every probe against this machine: CI's machine (root,
// BTF, raw tracepoints) must be one where trace works, and doctor must say
// so line by line.
func TestHost(t *testing.T) {
	testutil.RequireRoot(t)
	if _, err := os.Stat(BTFPath); err != nil {
		testutil.SkipOrFail(t, "no kernel BTF at "+BTFPath)
	}
	r := Run(context.Background(), Host{})
	var out bytes.Buffer
	if err := r.Write(&out); err != nil {
		t.Fatal(err)
	}
	t.Logf("doctor on this machine:\n%s", out.String())
	if !r.TraceWorks() {
		t.Fatalf("doctor says trace cannot work here, but the tests run it:\n%s", out.String())
	}
	for _, name := range []string{CheckBTF, CheckCaps, CheckRawTP, CheckActions, CheckNotify, CheckLibseccomp, CheckTrial} {
		c, ok := r.Find(name)
		if !ok {
			t.Errorf("no %q check", name)
			continue
		}
		if c.Status != OK {
			t.Errorf("%s: %s %s (fix: %s), want ok as root on a BTF kernel", name, c.Status, c.Detail, c.Fix)
		}
	}
	// The trial trace says how the recorder follows new tasks here.
	if c, _ := r.Find(CheckTrial); !strings.Contains(c.Detail, "; new tasks of traced ones marked at ") {
		t.Errorf("trial trace detail %q does not say how new tasks are marked", c.Detail)
	}
	for _, name := range append([]string{CheckKernelTable, CheckCgroup, CheckTypesCache, CheckLockdown}, Runtimes...) {
		if _, ok := r.Find(name); !ok {
			t.Errorf("no %q check", name)
		}
	}
	// Every line that is not ok says what to do.
	for _, c := range r.Checks {
		if c.Status != OK && c.Fix == "" {
			t.Errorf("%s: %s without a fix", c.Name, c.Status)
		}
	}
	// runc and crun are installed by make deps: their versions are shown.
	for _, rt := range []string{"runc", "crun"} {
		c, _ := r.Find(rt)
		if c.Status != OK || !strings.Contains(c.Detail, "version") {
			t.Errorf("%s: %s %q, want its version", rt, c.Status, c.Detail)
		}
	}
	// The machine's cgroup layout, asked independently.
	var st unix.Statfs_t
	if err := unix.Statfs(CgroupRoot, &st); err == nil {
		c, _ := r.Find(CheckCgroup)
		want := "v1"
		switch {
		case st.Type == unix.CGROUP2_SUPER_MAGIC:
			want = "v2"
		case unix.Statfs(CgroupUnified, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC:
			want = "hybrid"
		}
		if !strings.HasPrefix(c.Detail, want) {
			t.Errorf("cgroup layout: %q, want %s", c.Detail, want)
		}
	}
	lib, _ := r.Find(CheckLibseccomp)
	if !strings.Contains(lib.Detail, Host{}.Libseccomp().Version()) {
		t.Errorf("libseccomp line %q lacks the version", lib.Detail)
	}
}

// fakeSys is the real machine with some answers replaced.
type fakeSys struct {
	Host
	files    map[string]string // content of a file
	missing  map[string]bool   // files that do not exist
	fstype   map[string]int64
	noTools  map[string]bool
	badTools map[string]bool
	rawTP    error
	notify   error
	x32      error
	ia32     error
	trial    error
	trialRan *bool
	nofile   *limits.Limit
	open     uint64 // descriptors open, with nofile
	cache    error  // TypesCache's answer
	// Pool's answer
	poolDir   string
	poolReady int
	poolErr   error
	nproc     *limits.Limit
	threads   uint64
}

func (f fakeSys) Tasks() (limits.Limit, uint64, bool) {
	if f.nproc == nil {
		return limits.Limit{}, 0, false
	}
	return *f.nproc, f.threads, true
}

func (f fakeSys) Pool() (string, int, error) { return f.poolDir, f.poolReady, f.poolErr }

func (f fakeSys) TypesCache() error {
	if f.missing[TypesCachePath] {
		return &fs.PathError{Op: "open", Path: TypesCachePath, Err: unix.ENOENT}
	}
	return f.cache
}

func (f fakeSys) OpenFiles() (limits.Limit, uint64, error) {
	if f.nofile != nil {
		return *f.nofile, f.open, nil
	}
	return limits.Limit{Cur: 1 << 20, Max: 1 << 20}, 5, nil
}

func (f fakeSys) ReadFile(name string) ([]byte, error) {
	if f.missing[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: unix.ENOENT}
	}
	if c, ok := f.files[name]; ok {
		return []byte(c), nil
	}
	return f.Host.ReadFile(name)
}

func (f fakeSys) Stat(name string) (fs.FileInfo, error) {
	if f.missing[name] {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: unix.ENOENT}
	}
	return f.Host.Stat(name)
}

func (f fakeSys) FSType(path string) (int64, error) {
	if t, ok := f.fstype[path]; ok {
		return t, nil
	}
	return f.Host.FSType(path)
}

func (f fakeSys) LookPath(name string) (string, error) {
	if f.noTools[name] {
		return "", errors.New("executable file not found in $PATH")
	}
	if f.badTools[name] {
		return "/usr/bin/" + name, nil
	}
	return f.Host.LookPath(name)
}

func (f fakeSys) Version(path string) (string, error) {
	for n := range f.badTools {
		if strings.HasSuffix(path, "/"+n) {
			return "", errors.New("exit status 1")
		}
	}
	return f.Host.Version(path)
}

func (f fakeSys) RawTracepoint(string) error { return f.rawTP }
func (f fakeSys) SeccompNotify() error       { return f.notify }
func (f fakeSys) X32() error                 { return f.x32 }
func (f fakeSys) IA32() error                { return f.ia32 }
func (f fakeSys) TrialTrace(context.Context) (string, error) {
	if f.trialRan != nil {
		*f.trialRan = true
	}
	if f.trial != nil {
		return "", f.trial
	}
	return "at the fork", nil
}

// smallBTF is a valid BTF blob with one type, for a fake's BTFPath.
var smallBTF = func() string {
	b, err := btf.NewBuilder(nil, nil)
	if err != nil {
		panic(err)
	}
	if _, err := b.Add(&btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}); err != nil {
		panic(err)
	}
	data, err := b.Marshal(nil, nil)
	if err != nil {
		panic(err)
	}
	return string(data)
}()

// healthy is a fake on which everything works, whatever this machine is.
func healthy() fakeSys {
	return fakeSys{
		files: map[string]string{
			StatusPath:     "Name:\tx\nCapEff:\t000001ffffffffff\n",
			userns.MapPath: "         0          0 4294967295\n",
			ActionsPath:    "kill_process kill_thread trap errno user_notif trace log allow\n",
			LockdownPath:   "[none] integrity confidentiality\n",
			KallsymsPath:   "ffffffff81000010 T __x64_sys_read\nffffffff81000020 T __ia32_sys_read\nffffffff81000030 T __x64_sys_ni_syscall\n",
			CmdlinePath:    "root=/dev/vda1\n",
			BTFPath:        smallBTF,
		},
		missing: map[string]bool{},
		fstype:  map[string]int64{CgroupRoot: unix.CGROUP2_SUPER_MAGIC},
		x32:     unix.ENOSYS,
	}
}

func TestFakedFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		modify func(*fakeSys)
		check  string
		status Status
		blocks bool
		detail string // in Detail
		fix    string // in Fix
	}{
		{"no BTF", func(f *fakeSys) { f.missing[BTFPath] = true }, CheckBTF, Fail, true,
			"no such file", "CONFIG_DEBUG_INFO_BTF=y"},
		{"empty BTF", func(f *fakeSys) { f.files[BTFPath] = "" }, CheckBTF, Fail, true,
			"cannot be read as BTF", "is intact"},
		{"truncated BTF", func(f *fakeSys) { f.files[BTFPath] = smallBTF[:len(smallBTF)-3] }, CheckBTF, Fail, true,
			"cannot be read as BTF", "CONFIG_DEBUG_INFO_BTF=y"},
		{"no capabilities", func(f *fakeSys) { f.files[StatusPath] = "CapEff:\t0000000000000000\n" }, CheckCaps, Fail, true,
			"missing CAP_BPF and CAP_PERFMON", "setcap cap_bpf,cap_perfmon+ep"},
		{"CAP_BPF only", func(f *fakeSys) { f.files[StatusPath] = "CapEff:\t0000008000000000\n" }, CheckCaps, Fail, true,
			"missing CAP_PERFMON", "run as root"},
		{"in a user namespace", func(f *fakeSys) { f.files[userns.MapPath] = "         0     100000      65536\n" }, CheckCaps, Fail, true,
			"in a user namespace (uid_map 0 100000 65536)", "outside the user namespace"},
		{"root in a container without the capabilities", func(f *fakeSys) {
			f.files[StatusPath] = "CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\n"
		}, CheckCaps, Fail, true,
			"not in the bounding set either", "--cap-add BPF --cap-add PERFMON"},
		{"CAP_SYS_ADMIN covers both", func(f *fakeSys) { f.files[StatusPath] = "CapEff:\t0000000000200000\n" }, CheckCaps, OK, false,
			"CAP_SYS_ADMIN", ""},
		{"open files too few", func(f *fakeSys) { f.nofile, f.open = &limits.Limit{Cur: 16, Max: 16}, 3 }, CheckOpenFiles, Fail, true,
			"ulimit -n 16, 3 open: 13 free (trace needs 80)", "ulimit -n 1024"},
		{"open files at the old need", func(f *fakeSys) { f.nofile, f.open = &limits.Limit{Cur: 65, Max: 65}, 3 }, CheckOpenFiles, Fail, true,
			"ulimit -n 65, 3 open: 62 free (trace needs 80)", "ulimit -n 1024"},
		{"open files taken by inherited descriptors", func(f *fakeSys) { f.nofile, f.open = &limits.Limit{Cur: 100, Max: 100}, 43 }, CheckOpenFiles, Fail, true,
			"ulimit -n 100, 43 open: 57 free (trace needs 80)", "ulimit -n 1024 (or LimitNOFILE= in a systemd unit, nofile in /etc/security/limits.conf), or start seccomp-gen with fewer descriptors open"},
		{"open files enough", func(f *fakeSys) { f.nofile, f.open = &limits.Limit{Cur: 1024, Max: 4096}, 40 }, CheckOpenFiles, OK, false,
			"ulimit -n 1024, 40 open: 984 free", ""},
		{"process limit too low", func(f *fakeSys) { f.nproc, f.threads = &limits.Limit{Cur: 20, Max: 20}, 10 }, CheckProcesses, Fail, true,
			"ulimit -u 20, this user runs 10 threads (trace needs 16 more)", "ulimit -u 4096"},
		{"process limit enough", func(f *fakeSys) { f.nproc, f.threads = &limits.Limit{Cur: 200, Max: 200}, 10 }, CheckProcesses, OK, false,
			"ulimit -u 200", ""},
		{"no process limit", func(f *fakeSys) {}, CheckProcesses, OK, false, "no process limit applies", ""},
		{"raw tracepoint refused", func(f *fakeSys) { f.rawTP = unix.EPERM }, CheckRawTP, Fail, true,
			"operation not permitted", "unprivileged_bpf_disabled"},
		{"raw tracepoint missing", func(f *fakeSys) { f.rawTP = unix.ENOENT }, CheckRawTP, Fail, true,
			"no such file", "CONFIG_BPF_EVENTS"},
		{"raw tracepoint denied by a seccomp filter", func(f *fakeSys) { f.rawTP = unix.EPERM; f.files[StatusPath] += "Seccomp:\t2\nSeccomp_filters:\t1\n" }, CheckRawTP, Fail, true,
			"operation not permitted", "runs under 1 seccomp filter (Seccomp_filters: 1 in /proc/self/status), the likely cause: one that denies bpf(2)"},
		{"raw tracepoint ENOSYS from a seccomp filter", func(f *fakeSys) { f.rawTP = unix.ENOSYS; f.files[StatusPath] += "Seccomp:\t2\nSeccomp_filters:\t2\n" }, CheckRawTP, Fail, true,
			"function not implemented", "runs under 2 seccomp filters"},
		{"raw tracepoint ENOSYS without a filter", func(f *fakeSys) { f.rawTP = unix.ENOSYS }, CheckRawTP, Fail, true,
			"function not implemented", "CONFIG_BPF_SYSCALL=y"},
		{"lockdown confidentiality", func(f *fakeSys) { f.files[LockdownPath] = "none integrity [confidentiality]\n" }, CheckLockdown, Warn, false,
			"confidentiality", "lockdown=integrity"},
		{"lockdown integrity", func(f *fakeSys) { f.files[LockdownPath] = "none [integrity] confidentiality\n" }, CheckLockdown, Warn, false,
			"raw tracepoint trace uses is allowed", "Secure Boot"},
		{"no seccomp filter", func(f *fakeSys) { f.missing[ActionsPath] = true }, CheckActions, Fail, false,
			"no such file", "CONFIG_SECCOMP_FILTER"},
		{"old seccomp actions", func(f *fakeSys) { f.files[ActionsPath] = "kill_thread trap errno trace allow\n" }, CheckActions, Warn, false,
			"missing: kill_process user_notif log", "kernel >= 5.0"},
		{"no user notification", func(f *fakeSys) { f.notify = unix.EINVAL }, CheckNotify, Fail, false,
			"invalid argument", "replay --enforce"},
		{"user notification denied by a seccomp filter", func(f *fakeSys) { f.notify = unix.EPERM; f.files[StatusPath] += "Seccomp:\t2\nSeccomp_filters:\t1\n" }, CheckNotify, Fail, false,
			"operation not permitted", "the likely cause: one that denies seccomp(2)"},
		{"user notification listener taken", func(f *fakeSys) {
			f.notify = fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER) with a listener: %w", unix.EBUSY)
			f.files[StatusPath] += "Seccomp:\t2\nSeccomp_filters:\t1\n"
		}, CheckNotify, Fail, false, "already has a user notification listener (EBUSY)", "run replay --enforce outside it"},
		{"kernel syscalls libseccomp cannot name", func(f *fakeSys) {
			f.files[KallsymsPath] += "ffffffff81000040 T __x64_sys_frobnicate\nffffffff81000030 T __x64_sys_rtas\n"
		}, CheckKernelTable, Warn, false, "cannot name: frobnicate", "records them by number"},
		{"kallsyms unreadable", func(f *fakeSys) { f.missing[KallsymsPath] = true }, CheckKernelTable, Warn, false,
			"cannot compare", "run as root"},
		{"ia32 off by command line", func(f *fakeSys) { f.files[CmdlinePath] = "ia32_emulation=0 quiet\n" }, CheckIA32, OK, false,
			"off (ia32_emulation=0", ""},
		{"ia32 not built", func(f *fakeSys) { f.files[KallsymsPath] = "ffffffff81000010 T __x64_sys_read\n" }, CheckIA32, OK, false,
			"without CONFIG_IA32_EMULATION", ""},
		{"ia32 refused by the kernel", func(f *fakeSys) { f.ia32 = ia32.ErrOff }, CheckIA32, OK, false,
			"off: the kernel refuses to execute 32-bit x86 programs", ""},
		{"ia32 int 0x80 refused", func(f *fakeSys) { f.ia32 = fmt.Errorf("%w (segmentation fault)", ia32.ErrInt80) }, CheckIA32, OK, false,
			"off: a 32-bit program runs, but its int 0x80 is refused", ""},
		{"ia32 probe cannot run", func(f *fakeSys) { f.ia32 = errors.New("the 32-bit probe: permission denied") }, CheckIA32, Warn, false,
			"unknown: the 32-bit probe: permission denied", "could not be run"},
		{"x32 on", func(f *fakeSys) { f.x32 = nil }, CheckX32, OK, false, "on: x32 programs run", ""},
		{"cgroup v1", func(f *fakeSys) {
			f.fstype[CgroupRoot] = unix.TMPFS_MAGIC
			f.fstype[CgroupUnified] = unix.TMPFS_MAGIC
		}, CheckCgroup, Warn, false, "v1", "systemd.unified_cgroup_hierarchy=1"},
		{"cgroup hybrid", func(f *fakeSys) {
			f.fstype[CgroupRoot] = unix.TMPFS_MAGIC
			f.fstype[CgroupUnified] = unix.CGROUP2_SUPER_MAGIC
		}, CheckCgroup, Warn, false, "hybrid", "crun refuses hybrid"},
		{"cgroup v2", func(f *fakeSys) {}, CheckCgroup, OK, false, "v2", ""},
		{"no crun", func(f *fakeSys) { f.noTools["crun"] = true }, "crun", Warn, false,
			"not found", "apt-get install crun"},
		{"broken podman", func(f *fakeSys) { f.badTools["podman"] = true }, "podman", Warn, false,
			"exit status 1", "podman --version failed"},
		{"no types cache", func(f *fakeSys) { f.missing[TypesCachePath] = true }, CheckTypesCache, OK, false,
			"the next trace builds it", ""},
		{"types cache of another user", func(f *fakeSys) {
			f.cache = fmt.Errorf("/run/seccomp-gen: %w", recorder.ErrTypesCacheDir)
		}, CheckTypesCache, Warn, false, "not a private directory of this user", "rm -r /run/seccomp-gen"},
		{"types cache damaged", func(f *fakeSys) { f.cache = errors.New("kernel types cache: damaged (checksum)") }, CheckTypesCache, OK, false,
			"not used (kernel types cache: damaged (checksum)): the next trace rebuilds it", ""},
		{"types cache usable", func(f *fakeSys) {}, CheckTypesCache, OK, false, TypesCachePath, ""},
		{"pool off", func(f *fakeSys) {}, CheckPool, OK, false, "off (SECCOMP_GEN_POOL=off)", ""},
		{"pool empty", func(f *fakeSys) { f.poolDir = "/run/seccomp-gen/bpf" }, CheckPool, OK, false,
			"/run/seccomp-gen/bpf: none ready for this binary: the next trace of a command loads its own", ""},
		{"pool ready", func(f *fakeSys) { f.poolDir, f.poolReady = "/run/seccomp-gen/bpf", 1 }, CheckPool, OK, false,
			"/run/seccomp-gen/bpf: 1 ready for this binary: the next trace of a command claims it", ""},
		{"pool unreadable", func(f *fakeSys) { f.poolDir, f.poolErr = "/p", errors.New("stat /proc/self/exe: denied") }, CheckPool, OK, false,
			"/p: stat /proc/self/exe: denied: every trace of a command loads its own recorder", ""},
		{"trial trace fails", func(f *fakeSys) { f.trial = errors.New("load eBPF recorder: kernel not supported") }, CheckTrial, Fail, true,
			"kernel not supported", "report this"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := healthy()
			f.noTools, f.badTools = map[string]bool{}, map[string]bool{}
			tc.modify(&f)
			r := Run(context.Background(), f)
			c, ok := r.Find(tc.check)
			if !ok {
				t.Fatalf("no %q check", tc.check)
			}
			var out bytes.Buffer
			_ = r.Write(&out)
			if c.Status != tc.status || c.Blocks != tc.blocks {
				t.Errorf("%s: status %s blocks %v, want %s blocks %v\n%s", tc.check, c.Status, c.Blocks, tc.status, tc.blocks, out.String())
			}
			if !strings.Contains(c.Detail, tc.detail) {
				t.Errorf("%s: detail %q lacks %q", tc.check, c.Detail, tc.detail)
			}
			if !strings.Contains(c.Fix, tc.fix) {
				t.Errorf("%s: fix %q lacks %q", tc.check, c.Fix, tc.fix)
			}
			if tc.status != OK && !strings.Contains(out.String(), "fix: "+c.Fix) {
				t.Errorf("the report does not print the fix:\n%s", out.String())
			}
			if r.TraceWorks() == tc.blocks {
				t.Errorf("TraceWorks() = %v with %s blocking = %v", r.TraceWorks(), tc.check, tc.blocks)
			}
			verdict := "trace works here."
			if tc.blocks {
				verdict = "trace cannot work here: "
			}
			if !strings.Contains(out.String(), verdict) {
				t.Errorf("report lacks %q:\n%s", verdict, out.String())
			}
		})
	}
}

// TestBlockedSkipsTrial: when a blocking check fails, no trial trace is
// attempted and the trial line says which checks to fix.
func TestBlockedSkipsTrial(t *testing.T) {
	f := healthy()
	ran := false
	f.trialRan = &ran
	f.missing[BTFPath] = true
	f.rawTP = unix.EPERM
	r := Run(context.Background(), f)
	c, _ := r.Find(CheckTrial)
	if ran || c.Status != Fail || !strings.Contains(c.Detail, "not tried: kernel BTF, raw tracepoint failed") {
		t.Fatalf("trial ran=%v, %s %q", ran, c.Status, c.Detail)
	}
	var out bytes.Buffer
	_ = r.Write(&out)
	if !strings.Contains(out.String(), "trace cannot work here: kernel BTF, raw tracepoint, trial trace") {
		t.Errorf("verdict:\n%s", out.String())
	}
}

func TestUnnamedSyscalls(t *testing.T) {
	kallsyms := `ffffffff81000010 T __x64_sys_read
ffffffff81000020 T __x64_sys_ni_syscall
ffffffff81000020 W __x64_sys_rtas
ffffffff81000020 W __x64_sys_futurecall_off
ffffffff81000030 T __x64_sys_statmount
ffffffff81000031 t __x64_sys_statmount.cold
ffffffff81000040 T __x64_sys_chown16
ffffffff81000050 T __x64_sys_clock_gettime32
ffffffff81000060 T __x64_sys_newuname
ffffffff81000070 T __ia32_sys_listmount
ffffffff81000080 T __x64_sys_uretprobe
ffffffff81000090 T __arm64_sys_mseal
`
	known := func(n string) bool { return n == "read" || n == "rtas" }
	got := strings.Join(UnnamedSyscalls([]byte(kallsyms), "x86_64", known), " ")
	if want := "statmount uretprobe"; got != want {
		t.Errorf("x86_64: %q, want %q", got, want)
	}
	got = strings.Join(UnnamedSyscalls([]byte(kallsyms), "aarch64", known), " ")
	if want := "mseal"; got != want {
		t.Errorf("aarch64: %q, want %q", got, want)
	}
	// Without addresses (read unprivileged), stubs cannot be told apart.
	zero := regexp.MustCompile(`(?m)^[0-9a-f]+ `).ReplaceAllString(kallsyms, "0000000000000000 ")
	got = strings.Join(UnnamedSyscalls([]byte(zero), "x86_64", known), " ")
	if want := "futurecall_off statmount uretprobe"; got != want {
		t.Errorf("zeroed addresses: %q, want %q", got, want)
	}
}

// A BPF error is said in the kernel's words: cilium/ebpf's wrapping and
// its memlock advice are dropped.
func TestKernelAnswer(t *testing.T) {
	wrapped := fmt.Errorf("load program: %w", fmt.Errorf("load program: %w (MEMLOCK may be too low, consider rlimit.RemoveMemlock)", unix.EPERM))
	if got := kernelAnswer(wrapped); !errors.Is(got, unix.EPERM) || got.Error() != unix.EPERM.Error() {
		t.Errorf("kernelAnswer(%q) = %v, want EPERM", wrapped, got)
	}
	other := errors.New("no such tracepoint")
	if got := kernelAnswer(other); got.Error() != other.Error() {
		t.Errorf("kernelAnswer(%q) = %v", other, got)
	}
}

// TestHostVersionSaysWhy: a tool whose --version fails is reported with
// what it said on stderr, not only its exit status.
func TestHostVersionSaysWhy(t *testing.T) {
	tool := filepath.Join(t.TempDir(), "tool")
	script := "#!/bin/sh\necho 'stat /root/.config/tool.conf: permission denied' >&2\necho second line >&2\nexit 1\n"
	if err := os.WriteFile(tool, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Host{}.Version(tool)
	if err == nil || err.Error() != "exit status 1: stat /root/.config/tool.conf: permission denied" {
		t.Fatalf("Version of a failing tool: %v", err)
	}
}

// TestHostVersionStalls: a tool whose --version does not answer (a script
// whose sleep holds its output open) is given up at the timeout, and the
// line says so; one that prints nothing is not shown as a version (doctor
// review: a runc that is "sleep 30" stalled doctor 30 s).
func TestHostVersionStalls(t *testing.T) {
	dir := t.TempDir()
	stall := filepath.Join(dir, "stall")
	silent := filepath.Join(dir, "silent")
	if err := os.WriteFile(stall, []byte("#!/bin/sh\nsleep 30\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(silent, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	defer func(d time.Duration) { versionTimeout = d }(versionTimeout)
	versionTimeout = 300 * time.Millisecond
	start := time.Now()
	_, err := Host{}.Version(stall)
	if took := time.Since(start); err == nil || !strings.Contains(err.Error(), "no answer in 300ms") || took > 5*time.Second {
		t.Errorf("Version of a stalling tool: %v after %s, want no answer in 300ms within ~1.3 s", err, took)
	}
	if v, err := (Host{}).Version(silent); err == nil || v != "" {
		t.Errorf("Version of a silent tool: %q, %v, want an error", v, err)
	}
}
