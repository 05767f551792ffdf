package releasetest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/bpf"
	"github.com/seccomp-gen/seccomp-gen/internal/hugeheap"
	"github.com/seccomp-gen/seccomp-gen/internal/runtimetest"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// repo is the repository's top directory.
var repo, _ = filepath.Abs(filepath.Join("..", ".."))

// binary returns dist/seccomp-gen-linux-ARCH, skipping (or failing in CI)
// when make release has not run.
func binary(t *testing.T, arch string) string {
	t.Helper()
	p := filepath.Join(repo, "dist", "seccomp-gen-linux-"+arch)
	if _, err := os.Stat(p); err != nil {
		testutil.SkipOrFail(t, p+" is missing: run make release (make test does)")
	}
	return p
}

// run runs a release binary (through qemu for arm64) and returns stdout,
// stderr and the exit status.
func run(t *testing.T, arch string, args ...string) (string, string, int) {
	t.Helper()
	bin := binary(t, arch)
	argv := append([]string{bin}, args...)
	if arch == "arm64" {
		testutil.RequireTool(t, "qemu-aarch64-static")
		// Called explicitly: binfmt_misc may not be registered.
		argv = append([]string{"qemu-aarch64-static"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = t.TempDir()
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("%s: %v", strings.Join(argv, " "), err)
	}
	return o.String(), e.String(), code
}

func TestChecksums(t *testing.T) {
	amd, arm := binary(t, "amd64"), binary(t, "arm64")
	f, err := os.Open(filepath.Join(repo, "dist", "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS: bad line %q", sc.Text())
		}
		data, err := os.ReadFile(filepath.Join(repo, "dist", name))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(data)
		if got := hex.EncodeToString(h[:]); got != sum {
			t.Errorf("%s: sha256 %s, SHA256SUMS says %s", name, got, sum)
		}
		seen[name] = true
	}
	for _, p := range []string{amd, arm} {
		if !seen[filepath.Base(p)] {
			t.Errorf("SHA256SUMS lacks %s", filepath.Base(p))
		}
	}
}

// TestStatic: both binaries have no program interpreter and no needed
// libraries; ldd says so for the amd64 one; the binaries match the
// sources they are tested with (same eBPF source hash).
func TestStatic(t *testing.T) {
	for arch, machine := range map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64} {
		f, err := elf.Open(binary(t, arch))
		if err != nil {
			t.Fatal(err)
		}
		if f.Machine != machine {
			t.Errorf("%s: ELF machine %s", arch, f.Machine)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s: has a program interpreter: dynamically linked", arch)
			}
		}
		if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
			t.Errorf("%s: needs %v", arch, libs)
		}
		f.Close()
	}
	testutil.RequireTool(t, "ldd")
	out, _ := exec.Command("ldd", binary(t, "amd64")).CombinedOutput()
	if !strings.Contains(string(out), "not a dynamic executable") {
		t.Errorf("ldd %s: %s", binary(t, "amd64"), out)
	}
	for _, arch := range []string{"amd64", "arm64"} {
		out, stderr, code := run(t, arch, "version")
		if code != 0 {
			t.Fatalf("%s version: exit %d: %s", arch, code, stderr)
		}
		for _, want := range []string{"linux/" + arch + ", static binary", "libseccomp:  2.", "eBPF source: " + bpf.SourceHash()} {
			if !strings.Contains(out, want) {
				t.Errorf("%s version lacks %q (a stale dist/? run make release):\n%s", arch, want, out)
			}
		}
		// The release links internal/hugeheap: its Go heap is in huge
		// pages where the kernel has them (not checked under qemu-user,
		// whose process is qemu's).
		if mode := hugeheap.THPMode(); arch == "amd64" && mode != "" && mode != "never" {
			want := "heap:        2 MiB pages (MADV_HUGEPAGE; the kernel's THP mode: " + mode + ")"
			if st, err := hugeheap.Heap(); err == nil && st.Off != "" {
				// Off by choice here (a host that takes free memory
				// back, or SECCOMP_GEN_HUGEHEAP=off), as for this
				// test process.
				want = "heap:        " + st.Describe()
			}
			if !strings.Contains(out, want) {
				t.Errorf("%s version lacks %q:\n%s", arch, want, out)
			}
		}
	}
}

// TestEmptyContainer runs the amd64 binary under runc in a rootfs that
// holds only busybox and the binary: generate works there and prints what
// it prints on the host.
func TestEmptyContainer(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "runc", "busybox")
	bin := binary(t, "amd64")
	b, err := runtimetest.NewBundle(filepath.Join(t.TempDir(), "bundle"))
	if err != nil {
		t.Fatal(err)
	}
	if err := runtimetest.CopyFile(bin, filepath.Join(b.Rootfs, "bin", "seccomp-gen"), 0o755); err != nil {
		t.Fatal(err)
	}
	trace := filepath.Join(repo, "testdata", "traces", "busybox-sh-pipe.yaml")
	if err := runtimetest.CopyFile(trace, filepath.Join(b.Rootfs, "trace.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Nothing but busybox and seccomp-gen: no libseccomp, no libc.
	err = filepath.Walk(b.Rootfs, func(p string, info os.FileInfo, err error) error {
		if err != nil || !info.Mode().IsRegular() {
			return err
		}
		switch rel, _ := filepath.Rel(b.Rootfs, p); rel {
		case "bin/busybox", "bin/seccomp-gen", "trace.yaml":
		default:
			t.Errorf("unexpected file in the rootfs: %s", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b.SetArgs("/bin/sh", "-c", "ls /lib /usr/lib 2>&1; /bin/seccomp-gen generate /trace.yaml && /bin/seccomp-gen version")
	res, err := b.Run(context.Background(), "runc")
	if err != nil {
		t.Fatal(err)
	}
	want, stderr, code := run(t, "amd64", "generate", trace)
	if code != 0 {
		t.Fatalf("generate on the host: exit %d: %s", code, stderr)
	}
	if res.ExitCode != 0 {
		t.Fatalf("in the container: %s", res)
	}
	got := res.Stdout
	if !strings.HasPrefix(got, "ls: /lib: No such file or directory\nls: /usr/lib: No such file or directory\n") {
		t.Errorf("the rootfs has library directories:\n%s", got)
	}
	if !strings.Contains(got, "\n"+want) || !strings.Contains(got, "static binary") {
		t.Errorf("generate in the container differs from the host:\n%s\nwant:\n%s", got, want)
	}
}

// TestArm64UnderQemu runs every command that needs no eBPF with the arm64
// binary under qemu-aarch64-static and with the amd64 binary, on the same
// inputs, and wants the same bytes and exit status: libseccomp (linked
// statically for arm64) compiles the same filter on both.
func TestArm64UnderQemu(t *testing.T) {
	binary(t, "arm64")
	testutil.RequireTool(t, "qemu-aarch64-static")
	dir := t.TempDir()
	traces := filepath.Join(repo, "testdata", "traces")
	ls, pipe := filepath.Join(traces, "busybox-ls.yaml"), filepath.Join(traces, "busybox-sh-pipe.yaml")

	// The same runs as aarch64 traces (by name; what aarch64 lacks, such as
	// open, is left out), and profiles made by the amd64 binary, read by both.
	armLs, armPipe := toAarch64(t, ls, dir), toAarch64(t, pipe, dir)
	gen := func(name string, args ...string) string {
		out := filepath.Join(dir, name)
		if _, stderr, code := run(t, "amd64", append(append([]string{"generate", "-o", out}, args...), ls)...); code != 0 {
			t.Fatalf("generate %s: exit %d: %s", name, code, stderr)
		}
		return out
	}
	profile := gen("ls.json", "--arch", "aarch64")
	filter := gen("ls.bpf", "--arch", "aarch64", "--format", "bpf")
	x86Profile := gen("ls-x86_64.json")

	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"generate docker", []string{"generate", "--arch", "aarch64", ls, pipe}, 0},
		{"generate oci", []string{"generate", "--arch", "aarch64", "--format", "oci", pipe}, 0},
		{"generate k8s", []string{"generate", "--arch", "aarch64", "--format", "k8s", pipe}, 0},
		{"generate bpf", []string{"generate", "--arch", "aarch64", "--format", "bpf", ls, pipe}, 0},
		{"generate x86_64 bpf", []string{"generate", "--arch", "x86_64", "--format", "bpf", ls}, 0},
		{"generate from aarch64 traces", []string{"generate", "--arch", "aarch64", "--format", "bpf", armLs, armPipe}, 0},
		{"check covered", []string{"check", "-p", profile, armLs}, 0},
		{"check not covered", []string{"check", "-p", profile, armPipe}, 3},
		{"check junit", []string{"check", "--report", "junit", "-p", profile, armPipe}, 3},
		{"check raw filter", []string{"check", "-p", filter, armPipe}, 3},
		{"check x86_64", []string{"check", "--report", "json", "-p", x86Profile, pipe}, 3},
		{"diff", []string{"diff", profile, filter}, -1},
		{"disasm", []string{"disasm", filter}, 0},
		{"lint", []string{"lint", profile}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			amdOut, amdErr, amdCode := run(t, "amd64", tc.args...)
			armOut, armErr, armCode := run(t, "arm64", tc.args...)
			if tc.code >= 0 && amdCode != tc.code {
				t.Fatalf("amd64: exit %d, want %d: %s", amdCode, tc.code, amdErr)
			}
			if armCode != amdCode {
				t.Errorf("exit status: arm64 %d, amd64 %d\narm64 stderr: %s", armCode, amdCode, armErr)
			}
			if armOut != amdOut {
				t.Errorf("stdout differs:\narm64:\n%s\namd64:\n%s", armOut, amdOut)
			}
			if armErr != amdErr {
				t.Errorf("stderr differs:\narm64:\n%s\namd64:\n%s", armErr, amdErr)
			}
			if amdOut == "" {
				t.Errorf("no output")
			}
		})
	}
}

// toAarch64 rewrites an x86_64 trace as the same run on aarch64: every
// syscall aarch64 has, by name, with aarch64's number.
func toAarch64(t *testing.T, path, dir string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`^  - \{arch: x86_64, nr: \d+, name: (\w+),(.*)$`)
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.Replace(l, "arch: x86_64}", "arch: aarch64}", 1)
		if m := line.FindStringSubmatch(l); m != nil {
			nr, err := scmp.Number("aarch64", m[1])
			if err != nil {
				continue
			}
			l = fmt.Sprintf("  - {arch: aarch64, nr: %d, name: %s,%s", nr, m[1], m[2])
		}
		out = append(out, l)
	}
	p := filepath.Join(dir, "aarch64-"+filepath.Base(path))
	if err := os.WriteFile(p, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReproducible builds the amd64 release again from a copy of the
// sources in another directory, with the version dist/'s binary carries:
// the bytes must be the same (no path, time or build-ID drift).
func TestReproducible(t *testing.T) {
	testutil.RequireTool(t, "make", "git", "go")
	want, err := os.ReadFile(binary(t, "amd64"))
	if err != nil {
		t.Fatal(err)
	}
	version, stderr, code := run(t, "amd64", "version", "--short")
	if code != 0 {
		t.Fatalf("version --short: exit %d: %s", code, stderr)
	}
	files, err := exec.Command("git", "-C", repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Skipf("not a git checkout (not a privilege skip): %v", err)
	}
	src := filepath.Join(t.TempDir(), "other place", "seccomp-gen")
	for _, f := range strings.Split(strings.TrimRight(string(files), "\x00"), "\x00") {
		info, err := os.Lstat(filepath.Join(repo, f))
		if err != nil || !info.Mode().IsRegular() {
			continue // deleted in the work tree
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(src, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := runtimetest.CopyFile(filepath.Join(repo, f), filepath.Join(src, f), info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "dist")
	cmd := exec.Command("make", "--no-print-directory", "-C", src, "release", "RELEASE_ARCHES=amd64", "DIST="+out, "VERSION="+strings.TrimSpace(version))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make release: %v\n%s", err, b)
	}
	got, err := os.ReadFile(filepath.Join(out, "seccomp-gen-linux-amd64"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("a second build differs from dist/seccomp-gen-linux-amd64 (%d and %d bytes): not reproducible, or dist/ is stale (run make release)", len(got), len(want))
	}
}
