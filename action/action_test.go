package action

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

var (
	repo, _ = filepath.Abs("..")
	script  = filepath.Join(repo, "action", "seccomp-gen-action.sh")
)

// result is one run of the script.
type result struct {
	stdout, stderr string
	code           int
	outputs        map[string]string // GITHUB_OUTPUT
	path           string            // GITHUB_PATH
}

// runScript runs the script with env (plus GITHUB_OUTPUT and GITHUB_PATH
// files) in dir, with fakes (a directory) first on PATH.
func runScript(t *testing.T, dir, fakes string, env map[string]string, args ...string) result {
	t.Helper()
	ghOut, ghPath := filepath.Join(dir, "gh-output"), filepath.Join(dir, "gh-path")
	for _, f := range []string{ghOut, ghPath} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("bash", append([]string{script}, args...)...)
	cmd.Dir = dir
	path := os.Getenv("PATH")
	if fakes != "" {
		path = fakes + ":" + path
	}
	// TMPDIR too: whatever the script leaves behind stays in the test's
	// directory (env may name another one).
	cmd.Env = []string{"PATH=" + path, "HOME=" + dir, "TMPDIR=" + dir, "GITHUB_OUTPUT=" + ghOut, "GITHUB_PATH=" + ghPath, "RUNNER_TEMP=" + dir}
	if gp := os.Getenv("GOPATH"); gp != "" {
		cmd.Env = append(cmd.Env, "GOPATH="+gp)
	}
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOFLAGS", "GOPROXY"} {
		if v, err := exec.Command("go", "env", k).Output(); err == nil {
			cmd.Env = append(cmd.Env, k+"="+strings.TrimSpace(string(v)))
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	r := result{stdout: o.String(), stderr: e.String(), outputs: map[string]string{}}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatal(err)
	}
	data, _ := os.ReadFile(ghOut)
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			r.outputs[k] = v
		}
	}
	p, _ := os.ReadFile(ghPath)
	r.path = strings.TrimSpace(string(p))
	return r
}

func writeExe(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestActionYAML: action.yml is a composite action whose shell steps only
// call the script, passes every input the script reads, and uploads the
// report and trace on failure.
func TestActionYAML(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repo, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Inputs map[string]struct {
			Required bool   `yaml:"required"`
			Default  string `yaml:"default"`
		} `yaml:"inputs"`
		Runs struct {
			Using string `yaml:"using"`
			Steps []struct {
				ID   string            `yaml:"id"`
				If   string            `yaml:"if"`
				Uses string            `yaml:"uses"`
				Run  string            `yaml:"run"`
				Env  map[string]string `yaml:"env"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatal(err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using %q", a.Runs.Using)
	}
	for _, in := range []string{"profile", "command", "report", "baseline", "version"} {
		if _, ok := a.Inputs[in]; !ok {
			t.Errorf("no input %q", in)
		}
	}
	if !a.Inputs["profile"].Required || !a.Inputs["command"].Required || a.Inputs["report"].Default != "junit" || a.Inputs["version"].Default != "" {
		t.Errorf("inputs: %+v", a.Inputs)
	}
	src, _ := os.ReadFile(script)
	used := map[string]bool{}
	uploaded, actionRef := false, false
	for _, s := range a.Runs.Steps {
		switch {
		case s.Run != "":
			sub := strings.TrimPrefix(s.Run, `"$GITHUB_ACTION_PATH/action/seccomp-gen-action.sh" `)
			if sub == s.Run || (sub != "install" && sub != "replay") {
				t.Errorf("a shell step does more than call the script: %q", s.Run)
			}
			for k, v := range s.Env {
				if !strings.Contains(string(src), "${"+k) {
					t.Errorf("step passes %s, the script never reads it", k)
				}
				if v == "${{ github.action_ref }}" && k == "SECCOMP_GEN_ACTION_REF" && sub == "install" {
					actionRef = true
					continue
				}
				name := strings.TrimSuffix(strings.TrimPrefix(v, "${{ inputs."), " }}")
				used[name] = true
				if strings.ReplaceAll(strings.ToUpper(name), "-", "_") != strings.TrimPrefix(k, "INPUT_") {
					t.Errorf("%s carries inputs.%s", k, name)
				}
			}
		case strings.HasPrefix(s.Uses, "actions/upload-artifact@"):
			uploaded = s.If == "failure()" && s.With["path"] == "${{ inputs.output-dir }}"
		}
	}
	for in := range a.Inputs {
		if !used[in] && in != "artifact-name" && in != "output-dir" {
			t.Errorf("input %q reaches no step", in)
		}
	}
	if !uploaded {
		t.Error("no upload of the output directory on failure()")
	}
	if !actionRef {
		t.Error("the install step is not given github.action_ref (the default version comes from it)")
	}
}

// fakeRelease makes a release directory (what a release page serves) with
// a fake seccomp-gen for this machine and its SHA256SUMS.
func fakeRelease(t *testing.T, dir string) (url, name string) {
	return fakeReleaseAt(t, filepath.Join(dir, "release"), "v9.9.9")
}

// fakeReleaseAt makes the release directory rel, whose binary says it is
// version.
func fakeReleaseAt(t *testing.T, rel, version string) (url, name string) {
	name = "seccomp-gen-linux-" + runtime.GOARCH
	bin := "#!/bin/sh\necho \"seccomp-gen " + version + " ($*)\"\n"
	writeExe(t, filepath.Join(rel, name), bin)
	sum := sha256.Sum256([]byte(bin))
	other := strings.Repeat("0", 64) + "  seccomp-gen-linux-other\n"
	if err := os.WriteFile(filepath.Join(rel, "SHA256SUMS"), []byte(other+hex.EncodeToString(sum[:])+"  "+name+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return "file://" + rel, name
}

func TestInstallRelease(t *testing.T) {
	testutil.RequireTool(t, "curl", "sha256sum")
	dir := t.TempDir()
	url, _ := fakeRelease(t, dir)
	dest := filepath.Join(dir, "bin")
	r := runScript(t, dir, "", map[string]string{"INPUT_VERSION": "v9.9.9", "SECCOMP_GEN_RELEASE_URL": url, "SECCOMP_GEN_INSTALL_DIR": dest}, "install")
	if r.code != 0 {
		t.Fatalf("install: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r.stdout != "seccomp-gen v9.9.9 (version)\n" || r.path != dest || r.outputs["path"] != filepath.Join(dest, "seccomp-gen") {
		t.Errorf("install: stdout %q, GITHUB_PATH %q, outputs %v", r.stdout, r.path, r.outputs)
	}
	if st, err := os.Stat(filepath.Join(dest, "seccomp-gen")); err != nil || st.Mode()&0o111 == 0 {
		t.Errorf("not installed executable: %v", err)
	}
}

// TestInstallDefaultVersion: with no version input, the action installs the
// release its own ref names (@v1.2.3: from its checkout path, or else from
// github.action_ref), and latest with a notice at any other ref; a version
// input always wins.
func TestInstallDefaultVersion(t *testing.T) {
	testutil.RequireTool(t, "curl", "sha256sum")
	dir := t.TempDir()
	fakeReleaseAt(t, filepath.Join(dir, "repo", "releases", "download", "v1.2.3"), "v1.2.3")
	fakeReleaseAt(t, filepath.Join(dir, "repo", "releases", "latest", "download"), "v2.0.0")
	notice := "::notice::seccomp-gen action: version: latest, because the action's ref"
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string // the version installed
		note bool   // a notice about latest
	}{
		{"release ref", map[string]string{"SECCOMP_GEN_ACTION_REF": "v1.2.3"}, "v1.2.3", false},
		{"release in the checkout path", map[string]string{"GITHUB_ACTION_PATH": "/home/runner/work/_actions/seccomp-gen/seccomp-gen/v1.2.3"}, "v1.2.3", false},
		{"checkout path first", map[string]string{"GITHUB_ACTION_PATH": "/home/runner/work/_actions/seccomp-gen/seccomp-gen/v1.2.3", "SECCOMP_GEN_ACTION_REF": "v7.0.0"}, "v1.2.3", false},
		{"local checkout", map[string]string{"GITHUB_ACTION_PATH": "/home/runner/work/app/app", "SECCOMP_GEN_ACTION_REF": "v1.2.3"}, "v1.2.3", false},
		{"major tag", map[string]string{"SECCOMP_GEN_ACTION_REF": "v1"}, "v2.0.0", true},
		{"branch", map[string]string{"SECCOMP_GEN_ACTION_REF": "main"}, "v2.0.0", true},
		{"commit", map[string]string{"SECCOMP_GEN_ACTION_REF": strings.Repeat("ab", 20)}, "v2.0.0", true},
		{"unknown ref", nil, "v2.0.0", true},
		{"input wins", map[string]string{"SECCOMP_GEN_ACTION_REF": "v1.2.3", "INPUT_VERSION": "latest"}, "v2.0.0", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := t.TempDir()
			env := map[string]string{"SECCOMP_GEN_REPO_URL": "file://" + filepath.Join(dir, "repo"), "SECCOMP_GEN_INSTALL_DIR": filepath.Join(run, "bin")}
			for k, v := range tc.env {
				env[k] = v
			}
			r := runScript(t, run, "", env, "install")
			if r.code != 0 || r.stdout != "seccomp-gen "+tc.want+" (version)\n" {
				t.Errorf("exit %d, stdout %q, want %s installed\n%s", r.code, r.stdout, tc.want, r.stderr)
			}
			if got := strings.Contains(r.stderr, notice); got != tc.note {
				t.Errorf("notice about latest: %v, want %v:\n%s", got, tc.note, r.stderr)
			}
		})
	}
}

func TestInstallRefuses(t *testing.T) {
	testutil.RequireTool(t, "curl", "sha256sum")
	for _, tc := range []struct {
		name    string
		version string
		corrupt func(rel, name string)
		want    string
	}{
		{"bad checksum", "latest", func(rel, name string) {
			os.WriteFile(filepath.Join(rel, name), []byte("#!/bin/sh\necho evil\n"), 0o755)
		}, "does not match its SHA256SUMS line: not installed"},
		{"no checksum line", "latest", func(rel, name string) {
			os.WriteFile(filepath.Join(rel, "SHA256SUMS"), []byte(strings.Repeat("0", 64)+"  other\n"), 0o644)
		}, "SHA256SUMS has no line for " + "seccomp-gen-linux-" + runtime.GOARCH},
		{"no binary", "latest", func(rel, name string) { os.Remove(filepath.Join(rel, name)) }, "download"},
		{"bad version", "1.0", func(string, string) {}, "version: '1.0': want latest, source or a release tag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			url, name := fakeRelease(t, dir)
			tc.corrupt(strings.TrimPrefix(url, "file://"), name)
			dest, tmp := filepath.Join(dir, "bin"), filepath.Join(dir, "tmp")
			if err := os.Mkdir(tmp, 0o755); err != nil {
				t.Fatal(err)
			}
			r := runScript(t, dir, "", map[string]string{"INPUT_VERSION": tc.version, "SECCOMP_GEN_RELEASE_URL": url, "SECCOMP_GEN_INSTALL_DIR": dest, "TMPDIR": tmp}, "install")
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "::error::") {
				t.Errorf("exit %d, want 2 and %q:\n%s", r.code, tc.want, r.stderr)
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("the download is left in %s: %v", tmp, left)
			}
			if _, err := os.Stat(filepath.Join(dest, "seccomp-gen")); err == nil {
				t.Error("installed anyway")
			}
		})
	}
}

// realBinary installs seccomp-gen as the action does with version: source
// (a build of this checkout; Go's build cache makes it quick) under dir.
func realBinary(t *testing.T, dir string) string {
	t.Helper()
	testutil.RequireTool(t, "go", "pkg-config")
	dest := filepath.Join(dir, "bin")
	r := runScript(t, dir, "", map[string]string{"INPUT_VERSION": "source", "GITHUB_ACTION_PATH": repo, "SECCOMP_GEN_INSTALL_DIR": dest}, "install")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "seccomp-gen ") || r.path != dest || r.outputs["path"] != filepath.Join(dest, "seccomp-gen") {
		t.Fatalf("install version: source: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	return filepath.Join(dest, "seccomp-gen")
}

func TestInstallSource(t *testing.T) {
	bin := realBinary(t, t.TempDir())
	out, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.Contains(string(out), "libseccomp:") {
		t.Fatalf("%s version: %v\n%s", bin, err, out)
	}
}

// fakeSeccompGen writes a seccomp-gen that logs its arguments (one per
// line, a blank line after each call) to log, writes the files -o and
// --save-trace name, and exits with $FAKE_STATUS.
func fakeSeccompGen(t *testing.T, fakes, log string) {
	writeExe(t, filepath.Join(fakes, "seccomp-gen"), `#!/bin/bash
for a in "$@"; do printf '%s\n' "$a"; done >> `+log+`
echo >> `+log+`
prev=
for a in "$@"; do
	case "$prev" in
	-o) echo "<testsuites/>" > "$a" ;;
	--save-trace) echo "version: 1" > "$a" ;;
	esac
	prev=$a
done
[ "$1" = check ] && echo "SYSCALL ABI: getpriority x86_64 missing"
exit ${FAKE_STATUS:-0}
`)
}

func TestReplay(t *testing.T) {
	for _, tc := range []struct {
		name   string
		env    map[string]string
		status string
		code   int
		args   []string // replay's arguments
		stderr []string
	}{
		{"covered", map[string]string{"INPUT_BASELINE": "runc, crun", "INPUT_ARGS": "--allow-incomplete"}, "0", 0,
			[]string{"replay", "-p", "app.json", "--report", "junit", "-o", "seccomp-replay/report.xml", "--save-trace", "seccomp-replay/replay.trace.yaml",
				"--baseline", "runc", "--baseline", "crun", "--allow-incomplete", "--", "sh", "-c", "go test ./... | tee log"},
			[]string{"the profile covers the run", "the command is run by sh -c"}},
		// --enforce saves no trace (replay refuses --save-trace with it:
		// every run exited 2 before), and says in the log what the
		// filter denied.
		{"enforce", map[string]string{"INPUT_ARGS": "--enforce", "INPUT_REPORT": "human"}, "3", 3,
			[]string{"replay", "-p", "app.json", "--report", "human", "-o", "seccomp-replay/report.txt", "--enforce", "--", "sh", "-c", "go test ./... | tee log"},
			[]string{"::error::seccomp-gen: the filter of app.json denied what the run of 'go test ./... | tee log' needed (report seccomp-replay/report.txt)", "<testsuites/>"}},
		// Several lines, or a shell builtin first, are the shell's: run
		// as plain words, the second line became the first's arguments
		// ("echo build false", exit 0) and exec was "not found".
		{"lines", map[string]string{"INPUT_COMMAND": "echo build\nfalse"}, "0", 0,
			[]string{"replay", "-p", "app.json", "--report", "junit", "-o", "seccomp-replay/report.xml", "--save-trace", "seccomp-replay/replay.trace.yaml",
				"--", "sh", "-c", "echo build\nfalse"},
			[]string{"the command is run by sh -c"}},
		{"builtin", map[string]string{"INPUT_COMMAND": "exec echo hi"}, "0", 0,
			[]string{"replay", "-p", "app.json", "--report", "junit", "-o", "seccomp-replay/report.xml", "--save-trace", "seccomp-replay/replay.trace.yaml",
				"--", "sh", "-c", "exec echo hi"},
			[]string{"the command is run by sh -c"}},
		// A YAML block scalar (command: |) ends in a line end: still a
		// plain command (it went to sh -c, and the job failed on sh's
		// own syscalls).
		{"block scalar", map[string]string{"INPUT_COMMAND": "  go test ./...\n"}, "0", 0,
			[]string{"replay", "-p", "app.json", "--report", "junit", "-o", "seccomp-replay/report.xml", "--save-trace", "seccomp-replay/replay.trace.yaml",
				"--", "go", "test", "./..."},
			nil},
		// --enforce in any spelling the flag parser takes saves no trace.
		{"enforce=1", map[string]string{"INPUT_ARGS": "--enforce=1"}, "0", 0,
			[]string{"replay", "-p", "app.json", "--report", "junit", "-o", "seccomp-replay/report.xml", "--enforce=1", "--", "sh", "-c", "go test ./... | tee log"},
			nil},
		// A plain list of words runs as it is, not under sh -c, whose
		// own syscalls a profile traced from the command lacks.
		{"words", map[string]string{"INPUT_COMMAND": "go test -count=1 -run=TestX ./..."}, "0", 0,
			[]string{"replay", "-p", "app.json", "--report", "junit", "-o", "seccomp-replay/report.xml", "--save-trace", "seccomp-replay/replay.trace.yaml",
				"--", "go", "test", "-count=1", "-run=TestX", "./..."},
			[]string{"seccomp-gen replay -p app.json --report junit -o seccomp-replay/report.xml --save-trace seccomp-replay/replay.trace.yaml -- go test -count=1 -run=TestX ./..."}},
		{"not covered", map[string]string{"INPUT_REPORT": "json", "INPUT_OUTPUT_DIR": "out"}, "3", 3,
			[]string{"replay", "-p", "app.json", "--report", "json", "-o", "out/report.json", "--save-trace", "out/replay.trace.yaml", "--", "sh", "-c", "go test ./... | tee log"},
			[]string{"::error::seccomp-gen: app.json does not cover the run of 'go test ./... | tee log' (report out/report.json, fresh trace out/replay.trace.yaml)", "getpriority x86_64 missing"}},
		{"command failed", nil, "4", 4, nil, []string{"::error::seccomp-gen: the profile covers the run, but 'go test ./... | tee log' itself failed"}},
		{"runtime error", nil, "1", 1, nil, []string{"::error::seccomp-gen replay exited 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fakes, log := filepath.Join(dir, "fakes"), filepath.Join(dir, "log")
			fakeSeccompGen(t, fakes, log)
			os.WriteFile(filepath.Join(dir, "app.json"), []byte("{}"), 0o644)
			env := map[string]string{"INPUT_PROFILE": "app.json", "INPUT_COMMAND": "go test ./... | tee log", "FAKE_STATUS": tc.status}
			for k, v := range tc.env {
				env[k] = v
			}
			r := runScript(t, dir, fakes, env, "replay")
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.code, r.stderr)
			}
			data, _ := os.ReadFile(log)
			calls := strings.Split(strings.TrimSuffix(string(data), "\n\n"), "\n\n")
			if tc.args != nil && calls[0] != strings.Join(tc.args, "\n") {
				t.Errorf("seccomp-gen called with\n%s\nwant\n%s", calls[0], strings.Join(tc.args, "\n"))
			}
			if tc.code == 3 && !strings.HasPrefix(tc.name, "enforce") && (len(calls) != 2 || !strings.HasPrefix(calls[1], "check\n-p\napp.json\nout/replay.trace.yaml")) {
				t.Errorf("no check of the fresh trace for the log: %q", calls)
			}
			for _, w := range tc.stderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			outDir := "seccomp-replay"
			if d := tc.env["INPUT_OUTPUT_DIR"]; d != "" {
				outDir = d
			}
			wantTrace := outDir + "/replay.trace.yaml"
			if strings.HasPrefix(tc.name, "enforce") {
				wantTrace = ""
			}
			if r.outputs["status"] != tc.status || r.outputs["trace"] != wantTrace || !strings.HasPrefix(r.outputs["report"], outDir+"/report.") {
				t.Errorf("outputs %v", r.outputs)
			}
			if tc.name == "words" && strings.Contains(r.stderr, "sh -c") {
				t.Errorf("a plain command said to run under sh -c:\n%s", r.stderr)
			}
			if _, err := os.Stat(filepath.Join(dir, r.outputs["report"])); err != nil {
				t.Errorf("report: %v", err)
			}
		})
	}
}

func TestReplayBadInputs(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no profile", map[string]string{"INPUT_COMMAND": "true"}, "input 'profile' is required"},
		{"no command", map[string]string{"INPUT_PROFILE": "app.json"}, "input 'command' is required"},
		{"missing profile", map[string]string{"INPUT_PROFILE": "nope.json", "INPUT_COMMAND": "true"}, "profile 'nope.json' does not exist"},
		{"bad report", map[string]string{"INPUT_PROFILE": "app.json", "INPUT_COMMAND": "true", "INPUT_REPORT": "xml"}, "report: 'xml': want junit, json or human"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fakes, log := filepath.Join(dir, "fakes"), filepath.Join(dir, "log")
			fakeSeccompGen(t, fakes, log)
			os.WriteFile(filepath.Join(dir, "app.json"), []byte("{}"), 0o644)
			r := runScript(t, dir, fakes, tc.env, "replay")
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, want 2 and %q:\n%s", r.code, tc.want, r.stderr)
			}
			if _, err := os.Stat(log); err == nil {
				t.Error("seccomp-gen ran anyway")
			}
		})
	}
}

// TestReplaySudo: a runner's user is not root; replay then runs under
// sudo (keeping PATH) and the files are given back to the user.
func TestReplaySudo(t *testing.T) {
	dir := t.TempDir()
	fakes, log, sudoLog := filepath.Join(dir, "fakes"), filepath.Join(dir, "log"), filepath.Join(dir, "sudo.log")
	fakeSeccompGen(t, fakes, log)
	writeExe(t, filepath.Join(fakes, "id"), "#!/bin/sh\ncase \"$1\" in -u) echo 1001 ;; -g) echo 1002 ;; esac\n")
	writeExe(t, filepath.Join(fakes, "sudo"), "#!/bin/sh\necho \"sudo $*\" >> "+sudoLog+"\n[ \"$1\" = -E ] && shift\nexec \"$@\"\n")
	writeExe(t, filepath.Join(fakes, "chown"), "#!/bin/sh\necho \"chown $*\" >> "+sudoLog+"\n")
	os.WriteFile(filepath.Join(dir, "app.json"), []byte("{}"), 0o644)
	r := runScript(t, dir, fakes, map[string]string{"INPUT_PROFILE": "app.json", "INPUT_COMMAND": "make check"}, "replay")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	data, _ := os.ReadFile(sudoLog)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "sudo -E env PATH="+fakes+":") ||
		!strings.Contains(lines[0], filepath.Join(fakes, "seccomp-gen")+" replay -p app.json") ||
		lines[1] != "sudo -E env "+strings.Fields(lines[0])[3]+" chown -R 1001:1002 seccomp-replay" ||
		lines[2] != "chown -R 1001:1002 seccomp-replay" {
		t.Errorf("sudo log:\n%s", data)
	}
}

// TestReplayReal runs the script with the real seccomp-gen (built as
// version: source does) on a command its profile does not cover: exit 3, a
// JUnit report naming the missing syscalls, the fresh trace, and the
// verdict in the log.
func TestReplayReal(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	bin := realBinary(t, t.TempDir())
	profile := filepath.Join(dir, "ls.json")
	trace := filepath.Join(repo, "testdata", "traces", "busybox-ls.yaml")
	if out, err := exec.Command(bin, "generate", "-o", profile, trace).CombinedOutput(); err != nil {
		t.Fatalf("generate: %v\n%s", err, out)
	}
	r := runScript(t, dir, filepath.Dir(bin), map[string]string{"INPUT_PROFILE": profile, "INPUT_COMMAND": "echo hi; cat /proc/self/status >/dev/null"}, "replay")
	if r.code != 3 {
		t.Fatalf("exit %d, want 3\n%s%s", r.code, r.stdout, r.stderr)
	}
	report, err := os.ReadFile(filepath.Join(dir, "seccomp-replay", "report.xml"))
	if err != nil || !strings.Contains(string(report), "<testsuite") || !strings.Contains(string(report), "<failure") {
		t.Errorf("report: %v\n%s", err, report)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "seccomp-replay", "replay.trace.yaml")); err != nil || !strings.Contains(string(data), "syscalls:") {
		t.Errorf("trace: %v\n%s", err, data)
	}
	if !strings.Contains(r.stderr, "does NOT cover") || !strings.Contains(r.stdout, "hi") {
		t.Errorf("log:\nstdout %s\nstderr %s", r.stdout, r.stderr)
	}
}

// TestReplayWords: paths with spaces stay one argument (profile, output
// directory, a baseline file), baselines are split at commas only, and
// neither baselines nor args are expanded as globs.
func TestReplayWords(t *testing.T) {
	dir := t.TempDir()
	fakes, log := filepath.Join(dir, "fakes"), filepath.Join(dir, "log")
	fakeSeccompGen(t, fakes, log)
	for _, f := range []string{"my profiles/app.json", "base lines/extra.yaml", "runc-glob-match"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{
		"INPUT_PROFILE":    "my profiles/app.json",
		"INPUT_COMMAND":    "true",
		"INPUT_OUTPUT_DIR": "out dir",
		"INPUT_BASELINE":   " runc ,base lines/extra.yaml,, runc* ",
		"INPUT_ARGS":       " --allow-incomplete  --label run*  ",
	}
	r := runScript(t, dir, fakes, env, "replay")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	data, _ := os.ReadFile(log)
	want := []string{"replay", "-p", "my profiles/app.json", "--report", "junit", "-o", "out dir/report.xml", "--save-trace", "out dir/replay.trace.yaml",
		"--baseline", "runc", "--baseline", "base lines/extra.yaml", "--baseline", "runc*", "--allow-incomplete", "--label", "run*", "--", "true"}
	if got := strings.TrimSuffix(string(data), "\n\n"); got != strings.Join(want, "\n") {
		t.Errorf("seccomp-gen called with\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
	if r.outputs["report"] != "out dir/report.xml" || r.outputs["trace"] != "out dir/replay.trace.yaml" {
		t.Errorf("outputs %v", r.outputs)
	}
	if _, err := os.Stat(filepath.Join(dir, "out dir", "report.xml")); err != nil {
		t.Errorf("report: %v", err)
	}
}

// TestReplayMultilineCommand: a command given as a YAML block (several
// lines) still makes one error annotation, with %, CR and LF escaped as
// GitHub's workflow commands want.
func TestReplayMultilineCommand(t *testing.T) {
	dir := t.TempDir()
	fakes, log := filepath.Join(dir, "fakes"), filepath.Join(dir, "log")
	fakeSeccompGen(t, fakes, log)
	os.WriteFile(filepath.Join(dir, "app.json"), []byte("{}"), 0o644)
	r := runScript(t, dir, fakes, map[string]string{"INPUT_PROFILE": "app.json", "INPUT_COMMAND": "make build\nprintf '100%%\\r\\n'\n", "FAKE_STATUS": "4"}, "replay")
	if r.code != 4 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	want := "::error::seccomp-gen: the profile covers the run, but 'make build%0Aprintf '100%25%25\\r\\n'%0A' itself failed\n"
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
	data, _ := os.ReadFile(log)
	if !strings.Contains(string(data), "\n-c\nmake build\nprintf '100%%\\r\\n'\n") {
		t.Errorf("the command did not reach sh -c unchanged:\n%s", data)
	}
}

// TestReplayGivesBackFiles: the command runs as root, so what it writes in
// the runner's workspace, home and temp directory (a build cache, say)
// would be root's; the script gives those files back to the runner's user
// and leaves files elsewhere, and root's files the command did not touch,
// alone.
func TestReplayGivesBackFiles(t *testing.T) {
	testutil.RequireRoot(t)
	dir, outside := t.TempDir(), t.TempDir()
	const uid, gid = 1001, 1002
	fakes := filepath.Join(dir, "fakes")
	writeExe(t, filepath.Join(fakes, "id"), "#!/bin/sh\ncase \"$1\" in -u) echo 1001 ;; -g) echo 1002 ;; esac\n")
	writeExe(t, filepath.Join(fakes, "sudo"), "#!/bin/sh\n[ \"$1\" = -E ] && shift\nexec \"$@\"\n")
	// A seccomp-gen that runs the command after --, as replay does.
	writeExe(t, filepath.Join(fakes, "seccomp-gen"), "#!/bin/sh\nwhile [ \"$1\" != -- ]; do shift; done\nshift\nexec \"$@\"\n")
	if err := os.WriteFile(filepath.Join(dir, "app.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "roots-before"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	command := "mkdir -p cache/go-build/ab && echo x > cache/go-build/ab/f && ln -s f cache/go-build/ab/link && echo y > " + filepath.Join(outside, "f")
	r := runScript(t, dir, fakes, map[string]string{"INPUT_PROFILE": "app.json", "INPUT_COMMAND": command}, "replay")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	owner := func(p string) (int, int) {
		st, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		s := st.Sys().(*syscall.Stat_t)
		return int(s.Uid), int(s.Gid)
	}
	for _, p := range []string{"cache", "cache/go-build", "cache/go-build/ab", "cache/go-build/ab/f", "cache/go-build/ab/link"} {
		if u, g := owner(filepath.Join(dir, p)); u != uid || g != gid {
			t.Errorf("%s: owned by %d:%d, want the runner's %d:%d", p, u, g, uid, gid)
		}
	}
	for _, p := range []string{filepath.Join(dir, "roots-before"), filepath.Join(outside, "f")} {
		if u, _ := owner(p); u != 0 {
			t.Errorf("%s: owned by %d, want root's still", p, u)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "seccomp-gen-run.*")); len(left) > 0 {
		t.Errorf("marker left: %v", left)
	}
}

// TestReplayMultilineInputs: baseline and args given as YAML blocks (one
// per line) are all passed, not only their first lines.
func TestReplayMultilineInputs(t *testing.T) {
	dir := t.TempDir()
	fakes, log := filepath.Join(dir, "fakes"), filepath.Join(dir, "log")
	fakeSeccompGen(t, fakes, log)
	if err := os.WriteFile(filepath.Join(dir, "app.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"INPUT_PROFILE":  "app.json",
		"INPUT_COMMAND":  "true",
		"INPUT_BASELINE": "runc,\ncrun\nbase lines/x.yaml\n",
		"INPUT_ARGS":     "--timeout\n10m\n--allow-incomplete\n",
	}
	r := runScript(t, dir, fakes, env, "replay")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	data, _ := os.ReadFile(log)
	want := strings.Join([]string{"--baseline", "runc", "--baseline", "crun", "--baseline", "base lines/x.yaml", "--timeout", "10m", "--allow-incomplete", "--", "true"}, "\n")
	if !strings.Contains(string(data), want) {
		t.Errorf("seccomp-gen called with\n%s\nwant it to hold\n%s", data, want)
	}
}

// TestReplayRealPlainCommand: a profile generated from 'seccomp-gen trace
// -- CMD' covers the action's replay of CMD: a plain command runs as it is.
// Under sh -c (as every command ran before) dash's own vfork, wait4,
// getuid, ... were missing and the job failed (exit 3) on its first run.
func TestReplayRealPlainCommand(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "ls")
	dir := t.TempDir()
	bin := realBinary(t, t.TempDir())
	tr, profile := filepath.Join(dir, "ls.trace.yaml"), filepath.Join(dir, "ls.json")
	if out, err := exec.Command(bin, "trace", "-o", tr, "--", "ls", "-l", dir).CombinedOutput(); err != nil {
		t.Fatalf("trace: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "generate", "-o", profile, tr).CombinedOutput(); err != nil {
		t.Fatalf("generate: %v\n%s", err, out)
	}
	r := runScript(t, dir, filepath.Dir(bin), map[string]string{"INPUT_PROFILE": profile, "INPUT_COMMAND": "ls -l " + dir, "INPUT_REPORT": "human"}, "replay")
	if r.code != 0 || r.outputs["status"] != "0" {
		t.Fatalf("exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
}
