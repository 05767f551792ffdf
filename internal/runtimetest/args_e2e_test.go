package runtimetest_test

import (
	"context"
	"encoding/json"
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seccomp-gen/seccomp-gen/internal/runtimetest"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// Issue 10, under runc and crun: profiles generated from traces with
// recorded argument values run their workload, while clone(CLONE_NEWUSER),
// unshare(CLONE_NEWUSER), socket(AF_VSOCK) and personality(0x0040000) get
// EPERM, as under Docker's default profile; an AF_UNIX-only workload's
// profile answers socket(AF_INET) EPERM; a profile traced with
// socket(AF_UNIX, SOCK_STREAM) and socket(AF_INET, SOCK_DGRAM) answers
// socket(AF_UNIX, SOCK_DGRAM) and socket(AF_INET, SOCK_STREAM) EPERM (the
// recorder keeps which values went together); a threaded program still starts
// threads (clone3 gets ENOSYS, glibc falls back to clone); mmap and
// mprotect with PROT_WRITE|PROT_EXEC get EPERM when the workload mapped no
// W+X memory.

// dockerDefaultOCI is moby/profiles v0.2.4's default profile resolved for
// Docker's default capabilities, as the OCI object Docker hands runc.
func dockerDefaultOCI(t *testing.T) json.RawMessage {
	t.Helper()
	caps := []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
		"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
		"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"}
	ls, err := mobyseccomp.GetDefaultProfile(&specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{
		Bounding: caps, Effective: caps, Permitted: caps}}})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(ls)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// kv parses argprobe's "name=errno" lines.
func kv(out string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			m[k] = v
		}
	}
	return m
}

var risky = []string{"clone_newuser", "unshare_newuser", "socket_vsock", "personality_0x40000"}

func TestArgumentRulesUnderRuncAndCrun(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	b := newBundle(t)
	probe := filepath.Join(b.Rootfs, "argprobe")
	if out, err := exec.Command("gcc", "-static", "-O2", "-pthread", "-o", probe, filepath.Join("testdata", "argprobe.c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	dir := t.TempDir()
	// The argprobe workload: a fork, a thread, an AF_UNIX socket,
	// unshare(CLONE_FILES), personality(query).
	trW := filepath.Join(dir, "argprobe.trace.yaml")
	traceOnHost(t, sg, b.Rootfs, trW, []string{probe, "workload"})
	profW := generate(t, sg, trW)
	// A busybox workload that never touches namespaces (the issue's
	// scenario).
	trB := filepath.Join(dir, "busybox.trace.yaml")
	traceOnHost(t, sg, b.Rootfs, trB, []string{"sh", "-c", "echo hi | wc -c; ls / >/dev/null"})
	profB := generate(t, sg, trB)
	// Sockets of two domains and two types, each domain with one type:
	// the profile allows the pairs observed together only.
	trP := filepath.Join(dir, "pairs.trace.yaml")
	traceOnHost(t, sg, b.Rootfs, trP, []string{probe, "pairs"})
	profP := generate(t, sg, trP)
	docker := dockerDefaultOCI(t)
	for _, p := range []json.RawMessage{profW, profB} {
		if !strings.Contains(string(p), `"value":2114060288`) && !strings.Contains(string(p), `"value": 2114060288`) {
			t.Fatalf("no clone namespace rule in the generated profile:\n%.600s", p)
		}
	}
	ctx := context.Background()
	run := func(rt string, prof json.RawMessage, args ...string) runtimetest.Result {
		t.Helper()
		b.SetSeccomp(prof)
		b.SetArgs(args...)
		res, err := b.Run(ctx, rt)
		if err != nil {
			t.Fatalf("%s %v: %v %v", rt, args, res, err)
		}
		return res
	}
	// Without a profile the probe can tell: personality(0x40000) works.
	if got := kv(run("runc", nil, "/argprobe", "probe").Stdout); got["personality_0x40000"] != "0" {
		t.Fatalf("without a profile personality(0x40000) fails: %v", got)
	} else {
		t.Logf("without a profile: %v", got)
	}
	for _, rt := range runtimetest.Runtimes {
		for _, nnp := range []bool{true, false} {
			b.SetNoNewPrivileges(nnp)
			// The traced workloads still run.
			if res := run(rt, profW, "/argprobe", "workload"); res.ExitCode != 0 || res.Stdout != "workload ok\n" {
				t.Errorf("%s nnp=%v: argprobe workload under its profile: %v", rt, nnp, res)
			}
			if res := run(rt, profB, "sh", "-c", "echo hi | wc -c; ls / >/dev/null"); res.ExitCode != 0 || res.Stdout != "3\n" {
				t.Errorf("%s nnp=%v: busybox workload under its profile: %v", rt, nnp, res)
			}
			// AF_INET: EPERM under the AF_UNIX-only profile.
			if got := kv(run(rt, profW, "/argprobe", "inet").Stdout); got["inet"] != "1" {
				t.Errorf("%s nnp=%v: socket(AF_INET) under the AF_UNIX-only profile: %v, want errno 1", rt, nnp, got)
			}
			// Socket type and option, restricted with the domain and
			// level: the workload's pair passes with other flag bits,
			// other types and options get EPERM; Docker's default
			// allows them all.
			for name, prof := range map[string]json.RawMessage{"argprobe": profW, "docker default": docker} {
				got := kv(run(rt, prof, "/argprobe", "types").Stdout)
				want := map[string]string{"stream_nonblock": "0", "passcred": "0", "sndbuf": "1", "dgram": "1", "seqpacket": "1"}
				if name == "docker default" {
					want = map[string]string{"stream_nonblock": "0", "passcred": "0", "sndbuf": "0", "dgram": "0", "seqpacket": "0"}
				}
				for k, v := range want {
					if got[k] != v {
						t.Errorf("%s nnp=%v %s profile: %s=%s, want %s (%v)", rt, nnp, name, k, got[k], v, got)
					}
				}
			}
			// The socket pairs: those the workload made pass, the
			// other combinations of the same domains and types get
			// EPERM (they were allowed when the recorder kept each
			// argument's values only); Docker's default allows all.
			for name, prof := range map[string]json.RawMessage{"pairs": profP, "docker default": docker} {
				got := kv(run(rt, prof, "/argprobe", "pairs-all").Stdout)
				want := map[string]string{"unix_stream": "0", "inet_dgram": "0", "unix_dgram": "1", "inet_stream": "1"}
				if name == "docker default" {
					want = map[string]string{"unix_stream": "0", "inet_dgram": "0", "unix_dgram": "0", "inet_stream": "0"}
				}
				for k, v := range want {
					if got[k] != v {
						t.Errorf("%s nnp=%v %s profile: %s=%s, want %s (%v)", rt, nnp, name, k, got[k], v, got)
					}
				}
			}
			// W+X memory: EPERM under the generated profile (the
			// workload mapped none), allowed under Docker's default.
			for name, prof := range map[string]json.RawMessage{"argprobe": profW, "docker default": docker} {
				want := map[string]string{"argprobe": "1", "docker default": "0"}[name]
				if got := kv(run(rt, prof, "/argprobe", "wx").Stdout); got["mmap_wx"] != want || got["mprotect_wx"] != want {
					t.Errorf("%s nnp=%v %s profile: W+X %v, want errno %s", rt, nnp, name, got, want)
				}
			}
			for name, prof := range map[string]json.RawMessage{"argprobe": profW, "busybox": profB, "docker default": docker} {
				got := kv(run(rt, prof, "/argprobe", "probe").Stdout)
				for _, k := range risky {
					if got[k] != "1" {
						t.Errorf("%s nnp=%v %s profile: %s=%s, want EPERM (1)", rt, nnp, name, k, got[k])
					}
				}
				if name != "busybox" && got["clone_plain"] != "0" {
					t.Errorf("%s nnp=%v %s profile: clone(SIGCHLD) = %s, want 0", rt, nnp, name, got["clone_plain"])
				}
				t.Logf("%s nnp=%v %s profile: %v", rt, nnp, name, got)
			}
		}
	}
}

// TestArgumentRulesI386: a profile generated from an i386 program's trace
// covers x86, where glibc makes sockets through socketcall and libseccomp
// copies socket rules onto it (policy.MuxCall). The profile loads under
// runc and crun (EPERM rules there once made libseccomp refuse it), the
// traced workload runs, the namespace and personality values are denied as
// under Docker's default, and a socket domain through socketcall gets the
// same answer as under Docker's default (which allows socketcall too: its
// arguments are in memory). glibc's mmap and fcntl are mmap2 and fcntl64
// there: their prot and cmd are recorded, and mmap2(PROT_WRITE|PROT_EXEC)
// and an fcntl64 cmd the workload did not use get EPERM, while a profile
// from a run that used them allows them.
func TestArgumentRulesI386(t *testing.T) {
	requireRuntimes(t)
	testutil.RequireIA32(t)
	sg := buildSG(t)
	b := newBundle(t)
	probe := filepath.Join(b.Rootfs, "argprobe32")
	if out, err := exec.Command("gcc", "-m32", "-static", "-O2", "-pthread", "-o", probe, filepath.Join("testdata", "argprobe.c")).CombinedOutput(); err != nil {
		testutil.SkipOrFail(t, "gcc -m32 -static does not build (gcc-multilib missing?): "+firstLine(string(out)))
	}
	dir := t.TempDir()
	tr := filepath.Join(dir, "argprobe32.trace.yaml")
	traceOnHost(t, sg, b.Rootfs, tr, []string{probe, "workload"})
	prof := generate(t, sg, tr)
	if !strings.Contains(string(prof), "SCMP_ARCH_X86\"") {
		t.Fatalf("the profile does not cover x86:\n%.400s", prof)
	}
	// Runs that map W+X memory and use F_GETFL: recorded on mmap2 and
	// fcntl64, and allowed by their profiles.
	trWX, trFcntl := filepath.Join(dir, "wx.trace.yaml"), filepath.Join(dir, "fcntl.trace.yaml")
	traceOnHost(t, sg, b.Rootfs, trWX, []string{probe, "wx"})
	traceOnHost(t, sg, b.Rootfs, trFcntl, []string{probe, "fcntl"})
	for _, c := range []struct {
		file, name string
		idx        int
		want       uint64
	}{{trWX, "mmap2", 2, 6}, {trFcntl, "fcntl64", 1, 3}, {tr, "fcntl64", 1, 1}} {
		if vals := recorded(t, c.file, "x86", c.name, c.idx); !slices.Contains(vals, c.want) {
			t.Errorf("%s: x86 %s argument %d values %v, want %#x among them", filepath.Base(c.file), c.name, c.idx, vals, c.want)
		}
	}
	profWX, profFcntl := generate(t, sg, trWX), generate(t, sg, trFcntl)
	docker := dockerDefaultOCI(t)
	ctx := context.Background()
	for _, rt := range runtimetest.Runtimes {
		run := func(p json.RawMessage, mode string) runtimetest.Result {
			b.SetSeccomp(p)
			b.SetArgs("/argprobe32", mode)
			res, err := b.Run(ctx, rt)
			if err != nil {
				t.Fatalf("%s %s: %v %v", rt, mode, res, err)
			}
			return res
		}
		if res := run(prof, "workload"); res.ExitCode != 0 || res.Stdout != "workload ok\n" {
			t.Errorf("%s: the i386 workload under its profile: %v", rt, res)
		}
		got, ref := kv(run(prof, "probe").Stdout), kv(run(docker, "probe").Stdout)
		for _, k := range []string{"clone_newuser", "unshare_newuser", "personality_0x40000"} {
			if got[k] != "1" {
				t.Errorf("%s: %s=%s under the generated profile, want EPERM (1)", rt, k, got[k])
			}
		}
		if got["socket_vsock"] != ref["socket_vsock"] {
			t.Errorf("%s: socket(AF_VSOCK) through socketcall: %s, Docker's default %s", rt, got["socket_vsock"], ref["socket_vsock"])
		}
		t.Logf("%s: generated %v, Docker's default %v", rt, got, ref)
		// mmap2 and fcntl64: EPERM for what the workload did not do,
		// allowed under the profiles of runs that did it and under
		// Docker's default (the probe can tell).
		for _, c := range []struct {
			what string
			prof json.RawMessage
			mode string
			want map[string]string
		}{
			{"workload", prof, "wx", map[string]string{"mmap_wx": "1", "mprotect_wx": "1"}},
			{"wx", profWX, "wx", map[string]string{"mmap_wx": "0", "mprotect_wx": "0"}},
			{"docker default", docker, "wx", map[string]string{"mmap_wx": "0", "mprotect_wx": "0"}},
			{"workload", prof, "fcntl", map[string]string{"fcntl_getfd": "0", "fcntl_getfl": "1"}},
			{"fcntl", profFcntl, "fcntl", map[string]string{"fcntl_getfd": "0", "fcntl_getfl": "0"}},
			{"docker default", docker, "fcntl", map[string]string{"fcntl_getfd": "0", "fcntl_getfl": "0"}},
		} {
			res := run(c.prof, c.mode)
			got := kv(res.Stdout)
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("%s: i386 %s under the %s profile: %s=%q, want %s (%v)", rt, c.mode, c.what, k, got[k], v, res)
				}
			}
		}
	}
}

// recorded returns the values a trace file recorded for argument idx of
// arch's name.
func recorded(t *testing.T, path, arch, name string, idx int) []uint64 {
	t.Helper()
	f, err := trace.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []uint64
	for _, s := range f.Syscalls {
		if s.Arch != arch || s.Name != name {
			continue
		}
		for _, a := range s.Args {
			if a.Index == idx {
				out = append(out, a.Values...)
			}
		}
	}
	return out
}

// TestSignExtendedArgsUnderRuncAndCrun: an _IOR ioctl request held in an
// int (FS_IOC_GETFLAGS, 0x80086601) reaches the kernel sign-extended on
// x86_64 (as musl's ioctl(int, int) passes every such request). The trace
// records it, generate writes a rule the SPO CRD can carry (--format k8s
// succeeds), and under runc and crun the traced call and the same request
// zero-extended (glibc's constant) pass while another request gets EPERM;
// the same for the i386 build, whose registers are 32 bits wide.
func TestSignExtendedArgsUnderRuncAndCrun(t *testing.T) {
	requireRuntimes(t)
	testutil.RequireIA32(t)
	sg := buildSG(t)
	b := newBundle(t)
	dir := t.TempDir()
	docker := dockerDefaultOCI(t)
	ctx := context.Background()
	for _, build := range []struct{ name, arch string }{{"argprobe", "x86_64"}, {"argprobe32", "x86"}} {
		probe := filepath.Join(b.Rootfs, build.name)
		args := []string{"-static", "-O2", "-pthread", "-o", probe, filepath.Join("testdata", "argprobe.c")}
		if build.arch == "x86" {
			args = append([]string{"-m32"}, args...)
		}
		if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
			testutil.SkipOrFail(t, "gcc "+strings.Join(args, " ")+": "+firstLine(string(out)))
		}
		tr := filepath.Join(dir, build.name+".trace.yaml")
		traceOnHost(t, sg, b.Rootfs, tr, []string{probe, "ioctl-int"})
		want := uint64(0xffffffff80086601)
		if build.arch == "x86" {
			want = 0x80086601
		}
		if vals := recorded(t, tr, build.arch, "ioctl", 1); !slices.Contains(vals, want) {
			t.Errorf("%s: ioctl requests %#x recorded, want %#x among them", build.name, vals, want)
		}
		prof := generate(t, sg, tr)
		k8s := exec.Command(sg, "generate", "--format", "k8s", "-o", filepath.Join(dir, build.name+".k8s.yaml"), tr)
		if out, err := k8s.CombinedOutput(); err != nil {
			t.Errorf("%s: generate --format k8s: %v\n%s", build.name, err, out)
		}
		for _, rt := range runtimetest.Runtimes {
			for name, c := range map[string]struct {
				prof json.RawMessage
				want map[string]string
			}{
				"generated":      {prof, map[string]string{"ioctl_int": "25", "ioctl_uint": "25", "ioctl_other": "1"}},
				"docker default": {docker, map[string]string{"ioctl_int": "25", "ioctl_uint": "25", "ioctl_other": "25"}},
			} {
				b.SetSeccomp(c.prof)
				b.SetArgs("/"+build.name, "ioctl")
				res, err := b.Run(ctx, rt)
				if err != nil {
					t.Fatalf("%s %s: %v %v", rt, build.name, res, err)
				}
				if got := kv(res.Stdout); !maps.Equal(got, c.want) {
					t.Errorf("%s: %s ioctl under the %s profile: %v, want %v (%v)", rt, build.name, name, got, c.want, res)
				}
			}
		}
	}
}

// TestManyArgValuesUnderRuncAndCrun: a run at the recorder's cap (32
// scattered values of each recorded int argument) would make a filter
// longer than the kernel loads. generate drops the argument rules with the
// most values until it fits and names each on standard error; the profile
// then loads under runc and crun (runc adds its own ENOSYS stub) in both
// noNewPrivileges modes, and the run gets no EPERM or ENOSYS. (Only the
// x86_64 build: with an i386 run merged in, generate spends about three
// minutes in libseccomp's seccomp_export_bpf; checked by hand, it loads
// too.)
func TestManyArgValuesUnderRuncAndCrun(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	b := newBundle(t)
	dir := t.TempDir()
	probe := filepath.Join(b.Rootfs, "argprobe")
	if out, err := exec.Command("gcc", "-static", "-O2", "-pthread", "-o", probe, filepath.Join("testdata", "argprobe.c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	tr := filepath.Join(dir, "many.trace.yaml")
	traceOnHost(t, sg, b.Rootfs, tr, []string{probe, "many"})
	cmd := exec.Command(sg, "generate", "--format", "oci", tr)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	prof, err := cmd.Output()
	if err != nil {
		t.Fatalf("generate: %v\n%s", err, stderr.String())
	}
	dropped := strings.Count(stderr.String(), "made the filter longer than the 4096 instructions the kernel loads")
	if dropped == 0 {
		t.Errorf("generate: no argument rule reported dropped to fit:\n%s", stderr.String())
	}
	t.Logf("generate: %d argument rules dropped to fit", dropped)
	ctx := context.Background()
	for _, rt := range runtimetest.Runtimes {
		for _, nnp := range []bool{true, false} {
			b.SetNoNewPrivileges(nnp)
			b.SetSeccomp(prof)
			b.SetArgs("/argprobe", "many")
			res, err := b.Run(ctx, rt)
			if err != nil {
				t.Fatalf("%s: %v %v", rt, res, err)
			}
			if res.ExitCode != 0 || res.Stdout != "denied=0\n" {
				t.Errorf("%s nnp=%v: argprobe many under its profile: %v", rt, nnp, res)
			}
		}
	}
}
