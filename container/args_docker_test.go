package container_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/runtimetest"
)

// Issue 10 in real Docker: profiles generated with argument rules (from
// host traces with recorded argument values) run their workloads under
// `docker run --security-opt seccomp=...`, and clone(CLONE_NEWUSER),
// unshare(CLONE_NEWUSER), socket(AF_VSOCK) and personality(0x0040000) get
// EPERM, as under Docker's own default profile; the AF_UNIX-only
// workload's profile answers socket(AF_INET) EPERM.
func TestDockerArgumentRules(t *testing.T) {
	requireRuntimes(t, "dockerd", "docker", "tar", "gcc")
	sg := buildSG(t)
	b, err := runtimetest.NewBundle(filepath.Join(t.TempDir(), "img"))
	if err != nil {
		t.Fatal(err)
	}
	probe := filepath.Join(b.Rootfs, "argprobe")
	src := filepath.Join("..", "internal", "runtimetest", "testdata", "argprobe.c")
	if out, err := exec.Command("gcc", "-static", "-O2", "-pthread", "-o", probe, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	tarPath := filepath.Join(t.TempDir(), "img.tar")
	if out, err := exec.Command("tar", "-C", b.Rootfs, "-cf", tarPath, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	dir := t.TempDir()
	traceGen := func(name string, args ...string) string {
		t.Helper()
		tr := filepath.Join(dir, name+".trace.yaml")
		cmd := exec.Command(sg, append([]string{"trace", "-o", tr, "--"}, args...)...)
		cmd.Env = append(os.Environ(), "PATH="+filepath.Join(b.Rootfs, "bin"))
		cmd.Dir = b.Rootfs
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("trace %v: %v\n%s", args, err, out)
		}
		prof := filepath.Join(dir, name+".json")
		if out, err := exec.Command(sg, "generate", "-o", prof, tr).CombinedOutput(); err != nil {
			t.Fatalf("generate: %v\n%s", err, out)
		} else {
			t.Logf("generate %s:\n%s", name, out)
		}
		return prof
	}
	busybox := "echo hi | wc -c; ls / >/dev/null"
	profB := traceGen("busybox", "sh", "-c", busybox)
	profW := traceGen("argprobe", probe, "workload")
	profP := traceGen("pairs", probe, "pairs") // socket(AF_UNIX, SOCK_STREAM), socket(AF_INET, SOCK_DGRAM)

	out := t.TempDir()
	env := startDockerd(t, sg, out, filepath.Join(out, "hook.log"))
	if _, err := runOut(t, env, "docker", "import", "-c", "ENV PATH=/bin", tarPath, "sg-argprobe"); err != nil {
		t.Fatal(err)
	}
	run := func(prof string, args ...string) string {
		t.Helper()
		opts := []string{"run", "--rm", "--network", "none"}
		if prof != "" {
			opts = append(opts, "--security-opt", "seccomp="+prof)
		}
		got, err := runOut(t, env, "docker", append(append(opts, "sg-argprobe"), args...)...)
		if err != nil {
			t.Errorf("docker run %v under %s: %v", args, prof, err)
		}
		return got
	}
	if got := run(profB, "sh", "-c", busybox); got != "3\n" {
		t.Errorf("busybox workload under its profile: %q", got)
	}
	if got := run(profW, "/argprobe", "workload"); got != "workload ok\n" {
		t.Errorf("argprobe workload (fork, thread, AF_UNIX) under its profile: %q", got)
	}
	if got := kvOut(run(profW, "/argprobe", "inet")); got["inet"] != "1" {
		t.Errorf("socket(AF_INET) under the AF_UNIX-only profile: %v, want errno 1", got)
	}
	// The socket pairs as Docker loads the profile: those observed
	// together pass, the other combinations of the same domains and types
	// get EPERM (the rules with a condition on each argument, which
	// dockerd compiles itself); Docker's default allows all four.
	if got := kvOut(run(profP, "/argprobe", "pairs-all")); got["unix_stream"] != "0" || got["inet_dgram"] != "0" || got["unix_dgram"] != "1" || got["inet_stream"] != "1" {
		t.Errorf("socket pairs under the pairs profile: %v, want unix_stream=0 inet_dgram=0 unix_dgram=1 inet_stream=1", got)
	}
	unconfined := kvOut(run("unconfined", "/argprobe", "probe"))
	if unconfined["personality_0x40000"] != "0" {
		t.Fatalf("unconfined, personality(0x40000) fails: the probe cannot tell: %v", unconfined)
	}
	t.Logf("unconfined: %v", unconfined)
	// The reference: moby/profiles v0.2.4's default.json (the daemon
	// resolves its capability conditions); dockerd 20.10's built-in
	// default is older and allows AF_VSOCK.
	mod, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/moby/profiles/seccomp").Output()
	if err != nil {
		t.Fatal(err)
	}
	dockerDefault := filepath.Join(strings.TrimSpace(string(mod)), "default.json")
	for name, prof := range map[string]string{"busybox": profB, "argprobe": profW, "moby/profiles v0.2.4 default": dockerDefault} {
		got := kvOut(run(prof, "/argprobe", "probe"))
		for _, k := range []string{"clone_newuser", "unshare_newuser", "socket_vsock", "personality_0x40000"} {
			if got[k] != "1" {
				t.Errorf("%s profile: %s=%s, want EPERM (1)", name, k, got[k])
			}
		}
		t.Logf("%s profile: %v", name, got)
	}
}

func kvOut(out string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			m[k] = v
		}
	}
	return m
}
