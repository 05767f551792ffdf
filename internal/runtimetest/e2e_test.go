package runtimetest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/internal/runtimetest"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// The end-to-end proof of issue 3: a workload traced on the host with the
// real recorder, reduced by `seccomp-gen generate --format oci` with the
// default baselines, runs under runc and crun in both noNewPrivileges modes
// with the same output as without a profile; the same profile minus one
// syscall the workload needs makes it fail.

func requireRuntimes(t *testing.T) {
	t.Helper()
	runtimetest.Require(t, "gcc")
}

// buildSG builds the seccomp-gen binary once per test binary.
func buildSG(t *testing.T) string { return runtimetest.Binary(t) }

func TestMain(m *testing.M) {
	// Prepared recorders (trace/recorder/record_pool.go) go to a pool of
	// this run's own, not /run/seccomp-gen/bpf.
	code := testutil.MainWithPrivatePool(m)
	runtimetest.RemoveBinary()
	os.Exit(code)
}

type workload struct {
	name string
	// args run inside the container (PATH=/bin there) and, with the
	// rootfs' bin directory first in PATH, on the host for the trace.
	args []string
	// hostArgs, when set, is what the host traces instead (absolute paths
	// into the rootfs).
	hostArgs func(rootfs string) []string
	// remove is a syscall the workload needs: the profile without it must
	// make the workload fail.
	remove string
}

var workloads = []workload{
	{name: "ls", args: []string{"ls", "/"}, remove: "getdents64"},
	{name: "uname", args: []string{"uname", "-s"}, remove: "uname"},
	{name: "sh-pipe", args: []string{"sh", "-c", "echo hi | wc -c"}, remove: "pipe2"},
	{name: "static-c", args: []string{"/workload"}, remove: "getrandom",
		hostArgs: func(rootfs string) []string { return []string{filepath.Join(rootfs, "workload")} }},
}

// traceOnHost records args with `seccomp-gen trace`, with the rootfs' busybox
// applets first in PATH so that the host runs the same binaries.
func traceOnHost(t *testing.T, sg, rootfs, out string, args []string) {
	t.Helper()
	cmd := exec.Command(sg, append([]string{"trace", "-o", out, "--"}, args...)...)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Join(rootfs, "bin"))
	cmd.Dir = rootfs
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("trace %v: %v\n%s", args, err, b)
	}
}

func generate(t *testing.T, sg string, extra ...string) json.RawMessage {
	t.Helper()
	cmd := exec.Command(sg, append([]string{"generate", "--format", "oci"}, extra...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("generate %v: %v\n%s", extra, err, stderr.String())
	}
	return out
}

// withoutSyscall returns the OCI seccomp object with name removed from
// every allow rule (so that it falls to the EPERM rule's neighbours: the
// default action), and checks it was allowed before.
func withoutSyscall(t *testing.T, obj json.RawMessage, name string) json.RawMessage {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(obj, &m); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range m["syscalls"].([]any) {
		rule := r.(map[string]any)
		if rule["action"] != "SCMP_ACT_ALLOW" {
			continue
		}
		var keep []any
		for _, n := range rule["names"].([]any) {
			if n == name {
				found = true
				continue
			}
			keep = append(keep, n)
		}
		rule["names"] = keep
	}
	if !found {
		t.Fatalf("%s is not allowed by the generated profile", name)
	}
	// Give it EPERM explicitly, as an unobserved syscall would get.
	m["syscalls"] = append(m["syscalls"].([]any), map[string]any{"names": []string{name}, "action": "SCMP_ACT_ERRNO", "errnoRet": 1})
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func newBundle(t *testing.T) *runtimetest.Bundle {
	t.Helper()
	b, err := runtimetest.NewBundle(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b.SetReadonly(false)
	src := filepath.Join("testdata", "workload.c")
	if out, err := exec.Command("gcc", "-static", "-O2", "-o", filepath.Join(b.Rootfs, "workload"), src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return b
}

func TestGeneratedProfileRunsUnderRuncAndCrun(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	b := newBundle(t)
	ctx := context.Background()
	for _, w := range workloads {
		t.Run(w.name, func(t *testing.T) {
			tr := filepath.Join(t.TempDir(), w.name+".trace.yaml")
			host := w.args
			if w.hostArgs != nil {
				host = w.hostArgs(b.Rootfs)
			}
			traceOnHost(t, sg, b.Rootfs, tr, host)
			prof := generate(t, sg, tr)
			broken := withoutSyscall(t, prof, w.remove)
			b.SetArgs(w.args...)
			for _, rt := range runtimetest.Runtimes {
				for _, nnp := range []bool{true, false} {
					b.SetNoNewPrivileges(nnp)
					b.SetSeccomp(nil)
					want, err := b.Run(ctx, rt)
					if err != nil || want.ExitCode != 0 || want.Stdout == "" {
						t.Fatalf("%s nnp=%v without a profile: %v %v", rt, nnp, want, err)
					}
					b.SetSeccomp(prof)
					got, err := b.Run(ctx, rt)
					if err != nil {
						t.Fatal(err)
					}
					if got.ExitCode != 0 || got.Stdout != want.Stdout {
						t.Errorf("%s nnp=%v with the generated profile: %v; without: %v", rt, nnp, got, want)
					}
					b.SetSeccomp(broken)
					bad, err := b.Run(ctx, rt)
					if err != nil {
						t.Fatal(err)
					}
					if bad.ExitCode == 0 && bad.Stdout == want.Stdout {
						t.Errorf("%s nnp=%v: profile without %s still runs the workload: %v", rt, nnp, w.remove, bad)
					}
					t.Logf("%s nnp=%v: ok; without %s: exit %d %q %q", rt, nnp, w.remove, bad.ExitCode, firstLine(bad.Stdout), firstLine(bad.Stderr))
				}
			}
		})
	}
}

// TestBaselinesAreNeeded shows that the runtime baselines are not padding:
// the trace alone (--baseline none) does not start the container under
// runc with noNewPrivileges false, while the default baselines do (see the
// test above).
func TestBaselinesAreNeeded(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	b := newBundle(t)
	tr := filepath.Join(t.TempDir(), "uname.trace.yaml")
	traceOnHost(t, sg, b.Rootfs, tr, []string{"uname", "-s"})
	b.SetArgs("uname", "-s")
	b.SetNoNewPrivileges(false)
	b.SetSeccomp(generate(t, sg, "--baseline", "none", tr))
	res, err := b.Run(context.Background(), "runc")
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode == 0 {
		t.Errorf("runc ran the container with a profile made without baselines: %v", res)
	}
	// The runc baseline alone is enough for runc.
	b.SetSeccomp(generate(t, sg, "--baseline", "runc", tr))
	res, err = b.Run(context.Background(), "runc")
	if err != nil || res.ExitCode != 0 || !slices.Contains(strings.Fields(res.Stdout), "Linux") {
		t.Errorf("runc with --baseline runc: %v %v", res, err)
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

// TestRuntimeBaselinesSuffice checks the measured baselines against the
// runtimes on this host: an entrypoint that only exits, traced on the host,
// runs under runc and crun in both modes with the default baselines; and
// each runtime's own baseline is needed (runc's alone does not start crun
// with noNewPrivileges false, nor crun's runc), and so is the
// noNewPrivileges false part (runc-nnp, crun-nnp).
func TestRuntimeBaselinesSuffice(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	b := newBundle(t)
	src := filepath.Join(t.TempDir(), "exit.c")
	os.WriteFile(src, []byte(`void _start(void){ __asm__ volatile("mov $231,%eax\n mov $7,%edi\n syscall"); }`), 0o644)
	if out, err := exec.Command("gcc", "-static", "-nostdlib", "-O2", "-o", filepath.Join(b.Rootfs, "exit7"), src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	tr := filepath.Join(t.TempDir(), "exit.trace.yaml")
	cmd := exec.Command(sg, "trace", "-o", tr, "--", filepath.Join(b.Rootfs, "exit7"))
	if out, err := cmd.CombinedOutput(); err != nil {
		if ee := (*exec.ExitError)(nil); !errors.As(err, &ee) || ee.ExitCode() != 7 {
			t.Fatalf("trace: %v\n%s", err, out)
		}
	}
	b.SetArgs("/exit7")
	ctx := context.Background()
	def := generate(t, sg, tr)
	onlyRunc := generate(t, sg, "--baseline", "runc", tr)
	onlyCrun := generate(t, sg, "--baseline", "crun", tr)
	for _, rt := range runtimetest.Runtimes {
		for _, nnp := range []bool{true, false} {
			b.SetNoNewPrivileges(nnp)
			b.SetSeccomp(def)
			res, err := b.Run(ctx, rt)
			if err != nil || res.ExitCode != 7 {
				t.Errorf("%s nnp=%v with the default baselines: %v %v (want exit 7)", rt, nnp, res, err)
			}
		}
	}
	b.SetNoNewPrivileges(false)
	for _, c := range []struct {
		rt   string
		prof json.RawMessage
	}{{"runc", onlyCrun}, {"crun", onlyRunc}} {
		b.SetSeccomp(c.prof)
		res, err := b.Run(ctx, c.rt)
		if err != nil {
			t.Fatal(err)
		}
		if res.ExitCode == 7 {
			t.Errorf("%s nnp=false started with the other runtime's baseline only: the baselines are not measured per runtime", c.rt)
		}
		t.Logf("%s with the other runtime's baseline: exit %d %q", c.rt, res.ExitCode, firstLine(res.Stderr))
	}
	// The tighter noNewPrivileges-only baselines start their runtime with
	// noNewPrivileges true, and not with it false.
	for _, rt := range runtimetest.Runtimes {
		b.SetSeccomp(generate(t, sg, "--baseline", rt+"-nnp", tr))
		b.SetNoNewPrivileges(true)
		res, err := b.Run(ctx, rt)
		if err != nil || res.ExitCode != 7 {
			t.Errorf("%s nnp=true with --baseline %s-nnp: %v %v (want exit 7)", rt, rt, res, err)
		}
		b.SetNoNewPrivileges(false)
		res, err = b.Run(ctx, rt)
		if err != nil {
			t.Fatal(err)
		}
		if res.ExitCode == 7 {
			t.Errorf("%s nnp=false started with --baseline %s-nnp: the mode makes no difference?", rt, rt)
		}
	}
}

// TestRuntimeBaselinesSufficeCreateStart: engines (podman, CRI-O,
// containerd, Docker) run a container by create then start, and between the
// two the container's init waits for start with the filter already
// installed when noNewPrivileges is false (crun in select, runc on its exec
// FIFO). A profile generated with the default baselines, and with the
// runtime's own baseline alone, must start it that way too.
func TestRuntimeBaselinesSufficeCreateStart(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	b := newBundle(t)
	tr := filepath.Join(t.TempDir(), "uname.trace.yaml")
	traceOnHost(t, sg, b.Rootfs, tr, []string{"uname", "-s"})
	b.SetArgs("uname", "-s")
	ctx := context.Background()
	for _, rt := range runtimetest.Runtimes {
		for _, base := range []string{"default", rt} {
			prof := generate(t, sg, tr)
			if base != "default" {
				prof = generate(t, sg, "--baseline", base, tr)
			}
			for _, nnp := range []bool{true, false} {
				b.SetNoNewPrivileges(nnp)
				b.SetSeccomp(prof)
				res, err := b.CreateStart(ctx, rt)
				if err != nil || res.ExitCode != 0 || strings.TrimSpace(res.Stdout) != "Linux" {
					t.Errorf("%s create+start, nnp=%v, baseline %s: %v %v (want stdout Linux)", rt, nnp, base, res, err)
				}
			}
		}
	}
}

// TestProfileAnswersUnderRuncAndCrun checks that a generated profile gives
// the same answers under runc (which may add an ENOSYS stub) and crun
// (which does not), in both modes: a traced syscall runs, a known but
// unobserved one gets EPERM, numbers without a name (a gap in the table,
// just above it, far above it) get ENOSYS, and an i386 syscall through
// int 0x80 (an ABI the profile does not cover) kills the process.
func TestProfileAnswersUnderRuncAndCrun(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	b := newBundle(t)
	_, tr := traceProbe(t, sg, b)
	prof := generate(t, sg, tr)
	max, err := scmp.MaxNr("x86_64")
	if err != nil {
		t.Fatal(err)
	}
	above := strconv.Itoa(max + 1)
	// 1 write (traced), 140 getpriority (known, not traced), 400 (a gap in
	// the x86_64 table), max+1 and 1000 (beyond the table).
	b.SetArgs("/probe", "1", "140", "400", above, "1000")
	want := "1: ok\n140: EPERM\n400: ENOSYS\n" + above + ": ENOSYS\n1000: ENOSYS\n"
	ctx := context.Background()
	for _, rt := range runtimetest.Runtimes {
		for _, nnp := range []bool{true, false} {
			b.SetNoNewPrivileges(nnp)
			b.SetSeccomp(prof)
			b.SetArgs("/probe", "1", "140", "400", above, "1000")
			res, err := b.Run(ctx, rt)
			if err != nil || res.ExitCode != 0 || res.Stdout != want {
				t.Errorf("%s nnp=%v: %v %v\nwant stdout %q", rt, nnp, res, err, want)
			}
			t.Run(fmt.Sprintf("%s/nnp=%v/int80", rt, nnp), func(t *testing.T) {
				testutil.RequireIA32(t)
				b.SetArgs("/probe", "int80")
				res, err := b.Run(ctx, rt)
				if err != nil {
					t.Fatal(err)
				}
				if res.ExitCode == 0 || strings.Contains(res.Stdout, "returned") {
					t.Errorf("%s nnp=%v: i386 syscall not denied: %v", rt, nnp, res)
				}
				t.Logf("%s nnp=%v: int 0x80: exit %d", rt, nnp, res.ExitCode)
			})
		}
	}
	// Without a profile the probe gets real answers: the test can tell.
	b.SetSeccomp(nil)
	b.SetArgs("/probe", "140")
	if res, err := b.Run(ctx, "runc"); err != nil || res.Stdout != "140: ok\n" {
		t.Errorf("without a profile: %v %v", res, err)
	}
	t.Run("int80 without a profile", func(t *testing.T) {
		testutil.RequireIA32(t)
		b.SetArgs("/probe", "int80")
		if res, err := b.Run(ctx, "runc"); err != nil || !strings.Contains(res.Stdout, "int80: returned") {
			t.Errorf("without a profile: %v %v", res, err)
		}
	})
}

// TestK8sProfileAnswersUnderRuncAndCrun: the SPO format has no
// defaultErrnoRet, so its default is EPERM; generate leaves out the EPERM
// rules for argument values that then equal it, but keeps the rule naming
// every known syscall no trace made, whose names place runc's ENOSYS stub.
// Under runc the profile answers as the docker one but for the gaps of the
// table (EPERM, the default); under crun, which has no stub, numbers beyond
// the table get EPERM too. prctl(0) is a value the profile does not allow.
func TestK8sProfileAnswersUnderRuncAndCrun(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	b := newBundle(t)
	_, tr := traceProbe(t, sg, b)
	k8s := filepath.Join(t.TempDir(), "probe.yaml")
	if out, err := exec.Command(sg, "generate", "--format", "k8s", "-o", k8s, tr).CombinedOutput(); err != nil {
		t.Fatalf("generate --format k8s: %v\n%s", err, out)
	}
	data, err := os.ReadFile(k8s)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := emit.Parse(k8s, data)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Rules {
		if len(r.Args) > 0 && p.EqualsDefault(r) {
			t.Errorf("the k8s profile still holds a rule equal to its default: %+v", r)
			break
		}
	}
	prof, err := emit.OCI(p) // the SeccompProfile's spec, as the kubelet hands it on
	if err != nil {
		t.Fatal(err)
	}
	max, err := scmp.MaxNr("x86_64")
	if err != nil {
		t.Fatal(err)
	}
	above := strconv.Itoa(max + 1)
	args := []string{"/probe", "1", "140", "157", "400", above, "1000"}
	want := map[string]string{
		"runc": "1: ok\n140: EPERM\n157: EPERM\n400: EPERM\n" + above + ": ENOSYS\n1000: ENOSYS\n",
		"crun": "1: ok\n140: EPERM\n157: EPERM\n400: EPERM\n" + above + ": EPERM\n1000: EPERM\n",
	}
	for _, rt := range runtimetest.Runtimes {
		for _, nnp := range []bool{true, false} {
			b.SetNoNewPrivileges(nnp)
			b.SetSeccomp(prof)
			b.SetArgs(args...)
			res, err := b.Run(context.Background(), rt)
			if err != nil || res.ExitCode != 0 || res.Stdout != want[rt] {
				t.Errorf("%s nnp=%v: %v %v\nwant stdout %q", rt, nnp, res, err, want[rt])
			}
		}
	}
}

// TestI386WorkloadUnderRuncAndCrun: a 32-bit static program traced on the
// host makes a profile that covers x86_64 (the runtime) and x86 (the
// workload); it runs under runc and crun in both modes. generate refuses the
// same trace with --arch x86_64 alone (exit 2): the profile it would make,
// which --drop-arch x86 makes on purpose, is one under which the i386
// program dies.
func TestI386WorkloadUnderRuncAndCrun(t *testing.T) {
	requireRuntimes(t)
	testutil.RequireIA32(t)
	sg := buildSG(t)
	b := newBundle(t)
	bin := filepath.Join(b.Rootfs, "workload32")
	if out, err := exec.Command("gcc", "-m32", "-static", "-O2", "-o", bin, filepath.Join("testdata", "workload.c")).CombinedOutput(); err != nil {
		testutil.SkipOrFail(t, "gcc -m32 -static does not build (gcc-multilib missing?): "+firstLine(string(out)))
	}
	tr := filepath.Join(t.TempDir(), "workload32.trace.yaml")
	traceOnHost(t, sg, b.Rootfs, tr, []string{bin})
	data, _ := os.ReadFile(tr)
	if !strings.Contains(string(data), "arch: x86,") {
		t.Fatalf("the trace has no i386 syscalls:\n%s", data)
	}
	prof := generate(t, sg, tr)
	if !strings.Contains(string(prof), "SCMP_ARCH_X86\"") || !strings.Contains(string(prof), "SCMP_ARCH_X86_64") {
		t.Fatalf("profile does not cover x86_64 and x86:\n%.400s", prof)
	}
	refused := exec.Command(sg, "generate", "--format", "oci", "--arch", "x86_64", tr)
	out, err := refused.CombinedOutput()
	if code := refused.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), "--drop-arch x86") {
		t.Errorf("generate --arch x86_64 of an i386 trace: exit %d (%v), want 2 naming --drop-arch:\n%s", code, err, out)
	}
	only64 := generate(t, sg, "--arch", "x86_64", "--drop-arch", "x86", tr)
	b.SetArgs("/workload32")
	ctx := context.Background()
	for _, rt := range runtimetest.Runtimes {
		for _, nnp := range []bool{true, false} {
			b.SetNoNewPrivileges(nnp)
			b.SetSeccomp(nil)
			want, err := b.Run(ctx, rt)
			if err != nil || want.ExitCode != 0 || !strings.Contains(want.Stdout, "system: Linux") {
				t.Fatalf("%s nnp=%v without a profile: %v %v", rt, nnp, want, err)
			}
			b.SetSeccomp(prof)
			got, err := b.Run(ctx, rt)
			if err != nil || got.ExitCode != 0 || got.Stdout != want.Stdout {
				t.Errorf("%s nnp=%v with the x86_64+x86 profile: %v %v; want %v", rt, nnp, got, err, want)
			}
			b.SetSeccomp(only64)
			bad, err := b.Run(ctx, rt)
			if err != nil {
				t.Fatal(err)
			}
			if bad.ExitCode == 0 {
				t.Errorf("%s nnp=%v: the i386 program ran under an x86_64-only profile: %v", rt, nnp, bad)
			}
		}
	}
}

// TestOCIConfigInPlace: `generate --oci-config` edits a real bundle's
// config.json so that runc and crun run it under the profile, every other
// field unchanged.
func TestOCIConfigInPlace(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	b := newBundle(t)
	tr := filepath.Join(t.TempDir(), "workload.trace.yaml")
	traceOnHost(t, sg, b.Rootfs, tr, []string{filepath.Join(b.Rootfs, "workload")})
	b.SetArgs("/workload")
	b.SetNoNewPrivileges(false)
	if err := b.Write(); err != nil {
		t.Fatal(err)
	}
	before := b.Config
	cfg := filepath.Join(b.Dir, "config.json")
	if out, err := exec.Command(sg, "generate", "--oci-config", cfg, tr).CombinedOutput(); err != nil {
		t.Fatalf("generate --oci-config: %v\n%s", err, out)
	}
	if err := b.Reload(); err != nil {
		t.Fatal(err)
	}
	linux := b.Config["linux"].(map[string]any)
	sc, ok := linux["seccomp"].(map[string]any)
	if !ok || sc["defaultAction"] != "SCMP_ACT_ERRNO" {
		t.Fatalf("linux.seccomp after --oci-config: %v", linux["seccomp"])
	}
	for _, k := range []string{"process", "root", "mounts", "hostname"} {
		a, _ := json.Marshal(before[k])
		c, _ := json.Marshal(b.Config[k])
		if string(a) != string(c) {
			t.Errorf("%s changed:\n%s\n%s", k, a, c)
		}
	}
	for _, rt := range runtimetest.Runtimes {
		res, err := b.Run(context.Background(), rt)
		if err != nil || res.ExitCode != 0 || !strings.Contains(res.Stdout, "random: 8 bytes") {
			t.Errorf("%s: %v %v", rt, res, err)
		}
	}
}

// TestUnlistedNativeABIUnderRuncAndCrun: runc and crun never remove
// libseccomp's native ABI from the filter, so a profile listing only x86
// still filters x86_64 calls on this machine, with its rules by name and the
// default for the rest (nothing is killed). seccomp-gen must read it so:
// replay --enforce gives the probe the answers the runtimes give.
func TestUnlistedNativeABIUnderRuncAndCrun(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	b := newBundle(t)
	probe, tr := traceProbe(t, sg, b)
	prof := generate(t, sg, "--arch", "x86", tr)
	if strings.Contains(string(prof), "SCMP_ARCH_X86_64") || !strings.Contains(string(prof), "SCMP_ARCH_X86\"") {
		t.Fatalf("the profile should list x86 only:\n%.300s", prof)
	}
	args := []string{"1", "140", "400", "1000"}
	ctx := context.Background()
	var got []string
	for _, rt := range runtimetest.Runtimes {
		b.SetSeccomp(prof)
		b.SetArgs(append([]string{"/probe"}, args...)...)
		res, err := b.Run(ctx, rt)
		if err != nil || res.ExitCode != 0 {
			t.Fatalf("%s: %v %v", rt, res, err)
		}
		got = append(got, res.Stdout)
	}
	want := "1: ok\n140: EPERM\n400: ENOSYS\n1000: ENOSYS\n"
	if got[0] != want || got[1] != want {
		t.Fatalf("runtimes: runc %q, crun %q; want %q (x86_64 filtered by the x86 rules' names)", got[0], got[1], want)
	}
	pf := filepath.Join(t.TempDir(), "x86.json")
	if err := os.WriteFile(pf, prof, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sg, append([]string{"replay", "--enforce", "--report", "json", "-o", filepath.Join(t.TempDir(), "r.json"), "-p", pf, "--", probe}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, _ := cmd.Output()
	if string(out) != want {
		t.Errorf("replay --enforce: probe says %q, the runtimes %q\n%s", out, want, stderr.String())
	}
}

// traceProbe builds testdata/probe.c statically into b's rootfs and traces
// it on the host; it returns the probe's path and the trace's.
func traceProbe(t *testing.T, sg string, b *runtimetest.Bundle) (probe, tr string) {
	t.Helper()
	probe = filepath.Join(b.Rootfs, "probe")
	if out, err := exec.Command("gcc", "-static", "-O2", "-o", probe, filepath.Join("testdata", "probe.c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	tr = filepath.Join(t.TempDir(), "probe.trace.yaml")
	traceOnHost(t, sg, b.Rootfs, tr, []string{probe})
	return probe, tr
}
