package releasetest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// depsFakes is a PATH directory for `make deps` that holds the few real
// tools the Makefile needs and fakes of go, id, dpkg-query, dpkg and
// apt-get that log their calls to log. Nothing else is on PATH, so the
// real apt-get and dpkg can never run.
func depsFakes(t *testing.T, log string) string {
	t.Helper()
	testutil.RequireTool(t, "make")
	dir := filepath.Join(t.TempDir(), "bin")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"make", "bash", "sh", "grep", "sed", "sort", "tr", "uname", "cat"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
		if err := os.Symlink(p, filepath.Join(dir, tool)); err != nil {
			t.Fatal(err)
		}
	}
	fakes := map[string]string{
		"go": `exit 0`,
		"id": `[ "$1" = -u ] && echo "${FAKE_UID:-0}"`,
		// Installed unless named in FAKE_MISSING.
		"dpkg-query": `for a; do case " $FAKE_MISSING " in *" $a "*) exit 1 ;; esac; done; printf 'install ok installed'`,
		"dpkg": `case "$1" in
--print-foreign-architectures) exit 0 ;;
esac
echo "dpkg $*" >> ` + log + `
[ -z "$FAKE_DPKG_FAIL" ]`,
		"apt-get": `echo "apt-get $*" >> ` + log + `
case "$*" in *install*) [ -z "$FAKE_INSTALL_FAIL" ] ;; esac`,
	}
	for name, body := range fakes {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestDeps runs `make deps` with fakes of dpkg, apt-get and friends: it
// installs exactly what is missing (after adding the foreign architecture
// an arm64 package needs), says so, and stops with one clear line, having
// changed nothing, where it cannot install.
func TestDeps(t *testing.T) {
	// The arm64 packages are listed on x86_64 hosts only.
	arm := runtime.GOARCH == "amd64"
	missing := "sqlite3"
	if arm {
		missing += " libseccomp-dev:arm64"
	}
	for _, tc := range []struct {
		name   string
		env    []string
		remove []string // fakes taken off PATH
		fail   bool
		calls  []string
		stdout string
		stderr string
	}{
		{name: "all present", stdout: "Debian packages present"},
		{name: "missing", env: []string{"FAKE_MISSING=" + missing},
			calls: append(func() []string {
				if arm {
					return []string{"dpkg --add-architecture arm64"}
				}
				return nil
			}(), "apt-get update -qq", "apt-get install -y -qq --no-install-recommends "+missing),
			stdout: "make deps: installed: " + missing},
		{name: "not root", env: []string{"FAKE_MISSING=sqlite3", "FAKE_UID=1000"}, fail: true,
			stderr: "make deps: need root to apt-get install: sqlite3"},
		{name: "no apt-get", env: []string{"FAKE_MISSING=" + missing}, remove: []string{"apt-get"}, fail: true,
			stderr: "make deps: apt-get not found: install by hand: " + missing},
		{name: "no dpkg-query", remove: []string{"dpkg-query"}, fail: true,
			stderr: "make deps: dpkg-query not found: make deps installs Debian packages"},
		{name: "no go", remove: []string{"go"}, fail: true,
			stderr: "make deps: Go is not installed (need Go " + goModVersion(t) + " or later"},
		{name: "install fails", env: []string{"FAKE_MISSING=sqlite3", "FAKE_INSTALL_FAIL=1"}, fail: true,
			calls:  []string{"apt-get update -qq", "apt-get install -y -qq --no-install-recommends sqlite3"},
			stderr: "make deps: apt-get install failed: sqlite3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := filepath.Join(t.TempDir(), "calls")
			bin := depsFakes(t, log)
			for _, r := range tc.remove {
				if err := os.Remove(filepath.Join(bin, r)); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(filepath.Join(bin, "make"), "--no-print-directory", "-C", repo, "deps")
			cmd.Env = append([]string{"PATH=" + bin, "HOME=" + t.TempDir()}, tc.env...)
			var o, e bytes.Buffer
			cmd.Stdout, cmd.Stderr = &o, &e
			err := cmd.Run()
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Fatal(err)
			}
			if (err != nil) != tc.fail {
				t.Errorf("make deps: %v, want failure %v\nstdout:\n%s\nstderr:\n%s", err, tc.fail, o.String(), e.String())
			}
			data, _ := os.ReadFile(log)
			if got, want := strings.TrimSpace(string(data)), strings.Join(tc.calls, "\n"); got != want {
				t.Errorf("calls:\n%s\nwant:\n%s", got, want)
			}
			if !strings.Contains(o.String(), tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, o.String())
			}
			if !strings.Contains(e.String(), tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, e.String())
			}
			if strings.Contains(e.String(), "command not found") {
				t.Errorf("a missing tool is the shell's message, not make deps':\n%s", e.String())
			}
		})
	}
}

// TestDepsAddArchitectureFails: when dpkg cannot add arm64, make deps stops
// there instead of asking apt-get for packages of an unknown architecture.
func TestDepsAddArchitectureFails(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the arm64 packages are listed on x86_64 hosts only (not a privilege skip)")
	}
	log := filepath.Join(t.TempDir(), "calls")
	bin := depsFakes(t, log)
	cmd := exec.Command(filepath.Join(bin, "make"), "--no-print-directory", "-C", repo, "deps")
	cmd.Env = []string{"PATH=" + bin, "HOME=" + t.TempDir(), "FAKE_MISSING=libseccomp-dev:arm64", "FAKE_DPKG_FAIL=1"}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "make deps: dpkg --add-architecture arm64 failed") {
		t.Errorf("make deps: %v\n%s", err, out)
	}
	if data, _ := os.ReadFile(log); strings.Contains(string(data), "apt-get") {
		t.Errorf("apt-get ran after dpkg failed:\n%s", data)
	}
}

// TestDepsPackagesExist: apt knows every package make deps would install
// on this machine (gcc-multilib, say, exists for amd64, not for arm64).
// Packages of an architecture dpkg does not have yet are left out: make
// deps adds it first.
func TestDepsPackagesExist(t *testing.T) {
	testutil.RequireTool(t, "make", "apt-cache", "dpkg")
	cmd := exec.Command("make", "--no-print-directory", "-s", "-C", repo, "-f", "Makefile", "-f", "-", "print-deb-packages")
	cmd.Stdin = strings.NewReader("print-deb-packages:\n\t@echo $(DEB_PACKAGES)\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("make: %v", err)
	}
	foreign, err := exec.Command("dpkg", "--print-foreign-architectures").Output()
	if err != nil {
		t.Fatal(err)
	}
	pkgs := strings.Fields(string(out))
	if len(pkgs) < 10 {
		t.Fatalf("DEB_PACKAGES: %q", pkgs)
	}
	var ask []string
	for _, p := range pkgs {
		if _, arch, ok := strings.Cut(p, ":"); !ok || slices.Contains(strings.Fields(string(foreign)), arch) {
			ask = append(ask, p)
		}
	}
	// One call (each takes most of a second): a block per known package,
	// "NAME:" then indented fields; nothing for an unknown one.
	policy, err := exec.Command("apt-cache", append([]string{"policy"}, ask...)...).Output()
	if err != nil {
		t.Fatalf("apt-cache policy: %v", err)
	}
	candidate := map[string]string{}
	var cur string
	for _, l := range strings.Split(string(policy), "\n") {
		if name, ok := strings.CutSuffix(l, ":"); ok && !strings.HasPrefix(l, " ") {
			cur = name
		} else if c, ok := strings.CutPrefix(strings.TrimSpace(l), "Candidate: "); ok {
			candidate[cur] = c
		}
	}
	for _, p := range ask {
		if c, ok := candidate[p]; !ok || c == "(none)" {
			t.Errorf("make deps would install %s, which apt does not have here (candidate %q)", p, c)
		}
	}
}

// goModVersion is the go directive of go.mod.
func goModVersion(t *testing.T) string {
	data, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "go "); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatal("go.mod has no go directive")
	return ""
}

// TestMan runs `make man` into a fresh directory (with a page of a command
// that no longer exists in it): a page per command, each marked with the
// VERSION the release binaries carry, and no stale page left.
func TestMan(t *testing.T) {
	testutil.RequireTool(t, "make", "go", "git")
	dir := filepath.Join(t.TempDir(), "man")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "seccomp-gen-gone.1")
	if err := os.WriteFile(stale, []byte(".TH old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.1")
	if err := os.WriteFile(other, []byte(".TH other\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const version = "v9.8.7-test"
	out, err := exec.Command("make", "--no-print-directory", "-C", repo, "man", "VERSION="+version, "MAN_DIR="+dir).CombinedOutput()
	if err != nil {
		t.Fatalf("make man: %v\n%s", err, out)
	}
	for _, page := range []string{"seccomp-gen.1", "seccomp-gen-trace.1", "seccomp-gen-generate.1", "seccomp-gen-replay.1", "seccomp-gen-version.1"} {
		data, err := os.ReadFile(filepath.Join(dir, page))
		if err != nil {
			t.Error(err)
			continue
		}
		if !strings.Contains(string(data), `"seccomp-gen `+version+`"`) {
			th, _, _ := strings.Cut(string(data[strings.Index(string(data), ".TH"):]), "\n")
			t.Errorf("%s is not marked %s: %s", page, version, th)
		}
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("make man left the page of a command that is gone")
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("make man removed a page that is not seccomp-gen's: %v", err)
	}
}

// TestBuildStampsVersion: `make build` stamps the version as `make release`
// does, in the static and the dynamic build (where GOFLAGS has
// -buildvcs=false, as on this project's machines, nothing else would).
// A dry run (make -n) shows the go build command without building.
func TestBuildStampsVersion(t *testing.T) {
	testutil.RequireTool(t, "make")
	for _, static := range []string{"0", "1"} {
		out, err := exec.Command("make", "-C", repo, "-n", "build", "STATIC="+static, "VERSION=v9.8.7-test").CombinedOutput()
		if err != nil {
			t.Fatalf("make -n build STATIC=%s: %v\n%s", static, err, out)
		}
		if !strings.Contains(string(out), "-X main.version=v9.8.7-test") {
			t.Errorf("make build STATIC=%s does not stamp the version:\n%s", static, out)
		}
	}
}
