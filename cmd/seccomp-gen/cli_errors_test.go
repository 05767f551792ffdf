package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestCLIErrorLines: every command's bad input gets one line, led once by
// "seccomp-gen: " and the command's name, in the user's words (no parser
// internals), with the documented exit status and nothing on stdout (but
// lint's report, which names a file it could not read).
func TestCLIErrorLines(t *testing.T) {
	dir := t.TempDir()
	ls := genTrace(t, "busybox-ls.yaml")
	if _, stderr, code := sg(t, dir, "generate", "-o", "p.json", ls); code != 0 {
		t.Fatalf("generate: exit %d\n%s", code, stderr)
	}
	if _, stderr, code := sg(t, dir, "generate", "--format", "bpf", "-o", "p.bpf", ls); code != 0 {
		t.Fatalf("generate --format bpf: exit %d\n%s", code, stderr)
	}
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A pid no process can have: without the checks, the hook fails to
	// attach instead of recording anything.
	state := filepath.Join(dir, "state.json")
	if err := os.WriteFile(state, []byte(`{"ociVersion":"1.0.2","id":"c","pid":999999999,"bundle":"/nonexistent"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string // stderr's exact start
	}{
		// Flag and argument errors: the program's name once, then the command.
		{[]string{"trace", "-q"}, exitUsage, "seccomp-gen: trace: unknown shorthand flag: 'q' in -q (see 'seccomp-gen trace --help')"},
		{[]string{"generate", "--nope", ls}, exitUsage, "seccomp-gen: generate: unknown flag: --nope (see 'seccomp-gen generate --help')"},
		{[]string{"--nope"}, exitUsage, "seccomp-gen: unknown flag: --nope (see 'seccomp-gen --help')"},
		{[]string{"bogus"}, exitUsage, `seccomp-gen: unknown command "bogus" (see 'seccomp-gen --help')` + "\n"},
		{[]string{"trcae"}, exitUsage, `seccomp-gen: unknown command "trcae" (did you mean "trace"?) (see 'seccomp-gen --help')` + "\n"},
		{[]string{"generate"}, exitUsage, "seccomp-gen: generate: missing TRACE... (at least one); usage: seccomp-gen generate [flags] TRACE..."},
		{[]string{"check", "-p", "p.json"}, exitUsage, "seccomp-gen: check: missing TRACE... (at least one); usage: seccomp-gen check --profile PROFILE TRACE..."},
		{[]string{"diff", "p.json"}, exitUsage, "seccomp-gen: diff: missing B; usage: seccomp-gen diff A B"},
		{[]string{"diff", "p.json", "p.json", "p.json"}, exitUsage, `seccomp-gen: diff: unexpected argument "p.json"; usage: seccomp-gen diff A B`},
		{[]string{"disasm"}, exitUsage, "seccomp-gen: disasm: missing FILE; usage: "},
		{[]string{"version", "x"}, exitUsage, `seccomp-gen: version: unexpected argument "x"; usage: `},
		{[]string{"replay", "--", "true"}, exitUsage, "seccomp-gen: replay: --profile is required"},
		// Flag values: no strconv or time package wording.
		{[]string{"generate", "--min-count", "x", ls}, exitUsage, `seccomp-gen: generate: --min-count "x": not a whole number`},
		{[]string{"generate", "--min-count", "99999999999999999999", ls}, exitUsage, `seccomp-gen: generate: --min-count "99999999999999999999": out of range`},
		{[]string{"replay", "--timeout", "soon", "-p", "p.json", "--", "true"}, exitUsage, `seccomp-gen: replay: --timeout "soon": not a duration`},
		{[]string{"replay", "--pid", "x", "-p", "p.json"}, exitUsage, `seccomp-gen: replay: --pid "x": not a whole number`},
		{[]string{"replay", "--enforce=maybe", "-p", "p.json", "--", "true"}, exitUsage, `seccomp-gen: replay: --enforce "maybe": not true or false`},
		{[]string{"check", "--profile", "p.json", "--profile", "p.json", ls}, exitUsage, `seccomp-gen: check: --profile "p.json": given twice`},
		{[]string{"generate", "--format", "k8s", "--name", "a..b", ls}, exitUsage, `seccomp-gen: generate: --name "a..b": not a Kubernetes object name`},
		{[]string{"generate", "--format", "k8s", "--name", "", ls}, exitUsage, "seccomp-gen: generate: --name: empty (leave it out for the default name, seccomp-gen)\n"},
		// help and completion fail on what they do not know.
		{[]string{"help", "bogus"}, exitUsage, `seccomp-gen: help: unknown help topic "bogus"`},
		{[]string{"completion", "bsah"}, exitUsage, `seccomp-gen: completion: unknown shell "bsah" (known: bash, fish, powershell, zsh)`},
		{[]string{"completion"}, exitUsage, "seccomp-gen: completion: name a shell: bash, fish, powershell or zsh"},
		// Files: named once, with the problem.
		{[]string{"generate", "nofile.yaml"}, exitUsage, "seccomp-gen: generate: nofile.yaml: no such file or directory\n"},
		{[]string{"generate", "adir"}, exitUsage, "seccomp-gen: generate: adir: is a directory, not a trace file\n"},
		{[]string{"check", "-p", "adir", ls}, exitUsage, "seccomp-gen: check: adir: is a directory, not a profile\n"},
		{[]string{"check", "-p", "nofile.json", ls}, exitUsage, "seccomp-gen: check: nofile.json: no such file or directory\n"},
		{[]string{"lint", "adir"}, exitUsage, "seccomp-gen: lint: adir: is a directory, not a profile\n"},
		{[]string{"diff", "p.json", "nofile.json"}, exitUsage, "seccomp-gen: diff: nofile.json: no such file or directory\n"},
		{[]string{"lint", "-o", "", "p.json"}, exitUsage, "seccomp-gen: lint: -o: empty file name (use '-' for stdout)\n"},
		{[]string{"check", "-o", "", "-p", "p.json", ls}, exitUsage, "seccomp-gen: check: -o: empty file name (use '-' for stdout)\n"},
		{[]string{"disasm", "adir"}, exitUsage, "seccomp-gen: disasm: adir: is a directory, not a filter or profile\n"},
		{[]string{"disasm", "nofile"}, exitUsage, "seccomp-gen: disasm: nofile: no such file or directory\n"},
		{[]string{"lint", "p.bpf"}, exitUsage, "seccomp-gen: lint: p.bpf: a raw seccomp filter, not a profile"},
		{[]string{"disasm", "--arch", "mips", "p.json"}, exitUsage, `seccomp-gen: disasm: --arch: unknown architecture "mips"`},
		{[]string{"generate", "--output=", ls}, exitUsage, "seccomp-gen: generate: -o: empty file name (use '-' for stdout)\n"},
		{[]string{"disasm", "--output=", "p.json"}, exitUsage, "seccomp-gen: disasm: -o: empty file name (use '-' for stdout)\n"},
		{[]string{"generate", "--oci-config=", ls}, exitUsage, "seccomp-gen: generate: --oci-config: empty file name\n"},
		{[]string{"generate", "--oci-config", "nofile.json", ls}, exitUsage, "seccomp-gen: generate: --oci-config nofile.json: no such file or directory (it sets linux.seccomp in an existing bundle config.json; for a new file use --format oci -o FILE)\n"},
		{[]string{"replay", "-p", "p.json", "--save-trace=", "--", "true"}, exitUsage, "seccomp-gen: replay: --save-trace: empty file name\n"},
		// Standard input cannot be read twice.
		{[]string{"generate", "-", "-"}, exitUsage, "seccomp-gen: generate: standard input ('-') is named 2 times as an input; it can be read only once\n"},
		{[]string{"check", "-p", "-", "-"}, exitUsage, "seccomp-gen: check: standard input ('-') is named 2 times"},
		{[]string{"diff", "-", "-"}, exitUsage, "seccomp-gen: diff: standard input ('-') is named 2 times"},
		{[]string{"lint", "p.json", "-", "-"}, exitUsage, "seccomp-gen: lint: standard input ('-') is named 2 times"},
		// Targets and flags that would otherwise be taken silently or late.
		{[]string{"replay", "-p", "p.json", "--cgroup", filepath.Join(dir, "nonexistent")}, exitUsage, "seccomp-gen: replay: --cgroup " + filepath.Join(dir, "nonexistent") + ": no such file or directory\n"},
		{[]string{"replay", "-p", "p.json", "--container", "x", "--pid", "1"}, exitUsage, "seccomp-gen: replay: give exactly one of -- CMD, --pid, --cgroup or --container"},
		{[]string{"trace", "-o", "t.yaml", "--container", "x", "--pid", "1"}, exitUsage, "seccomp-gen: trace: name only one of a command, --pid, --cgroup and --container\n"},
		{[]string{"trace", "-o", "t.yaml"}, exitUsage, "seccomp-gen: trace: name what to trace: -- CMD [ARGS...], --pid PID, --cgroup PATH or --container ID"},
		{[]string{"replay", "-p", "p.json", "--cgroup", "p.json"}, exitUsage, "seccomp-gen: replay: --cgroup p.json: not a directory"},
		{[]string{"hook", "--runtime", "rnuc", "--output-dir", "out"}, exitUsage, `seccomp-gen: hook: --runtime "rnuc": unknown (known: runc, crun`},
		{[]string{"hook", "--timeout", "0s", "--output-dir", "out"}, exitUsage, "seccomp-gen: hook: --timeout 0s: must be positive"},
		{[]string{"hook", "--allow-path", "rel/dir"}, exitUsage, `seccomp-gen: hook: --allow-path "rel/dir": not an absolute path`},
		{[]string{"hook", "--output-dir", "logout", "--log", filepath.Join(dir, "nonexistent", "hook.log")}, exitFailure, "seccomp-gen: hook: --log " + filepath.Join(dir, "nonexistent", "hook.log") + ": its directory does not exist (ENOENT)\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			stdout, stderr, code := sgStdin(t, dir, state, tc.args...)
			if code != tc.code || !strings.HasPrefix(stderr, tc.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d, stderr starting:\n%s", code, stderr, tc.code, tc.want)
			}
			oneLine(t, stderr)
			for _, bad := range []string{"seccomp-gen: seccomp-gen", "hook: hook:", "strconv", "Parse", "time: "} {
				if strings.Contains(stderr, bad) {
					t.Errorf("stderr says %q:\n%s", bad, stderr)
				}
			}
			// lint reports every file, one it could not read too.
			if stdout != "" && !(tc.args[0] == "lint" && strings.Contains(stdout, ": not linted: ")) {
				t.Errorf("stdout not empty:\n%s", stdout)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
		t.Errorf("hook created its --output-dir for flags it refuses")
	}
}

// sgStdin is sg with standard input read from the file stdin.
func sgStdin(t *testing.T, dir, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	f, err := os.Open(stdin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return sgWith(t, dir, f, args...)
}

// Duration flags whose zero means "none" show no "(default 0s)" in help;
// one with a real default (hook --timeout) still shows it.
func TestHelpZeroDurations(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []string{"trace", "replay"} {
		out, _, code := sg(t, dir, c, "--help")
		if code != 0 || !strings.Contains(out, "--duration") || strings.Contains(out, "(default 0s)") {
			t.Errorf("%s --help: exit %d, (default 0s) shown:\n%s", c, code, out)
		}
	}
	if out, _, _ := sg(t, dir, "hook", "--help"); !strings.Contains(out, "(default 30s)") {
		t.Errorf("hook --help lost its --timeout default:\n%s", out)
	}
}

// List flags with no default show no "(default [])" in any command's help
// (generate's --allow, --arch and --drop-arch did: refuseEmpty wraps them
// in a type pflag does not know as a slice).
func TestHelpEmptyListDefaults(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, l := range strings.Split(c.Flags().FlagUsages(), "\n") {
			if strings.Contains(l, "(default [])") {
				t.Errorf("%s --help: %s", c.CommandPath(), strings.TrimSpace(l))
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd())
	out, _, _ := sg(t, t.TempDir(), "generate", "--help")
	if strings.Contains(out, "(default [])") || !strings.Contains(out, "--drop-arch ABI") {
		t.Errorf("generate --help:\n%s", out)
	}
}

// One pipe named twice, as '-' and /dev/stdin or as /dev/stdin and
// /dev/fd/0, is refused as '-' '-' is: the second read found the pipe empty
// and blamed the file ("malformed trace: empty file").
func TestSamePipeTwice(t *testing.T) {
	dir := t.TempDir()
	ls := genTrace(t, "busybox-ls.yaml")
	data, err := os.ReadFile(ls)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"generate", "-", "/dev/stdin"},
		{"check", "-p", "/dev/stdin", "/dev/fd/0"},
	} {
		_, stderr, code := sgWith(t, dir, strings.NewReader(string(data)), args...)
		want := "name the same pipe; it can be read only once\n"
		if code != exitUsage || !strings.HasSuffix(stderr, want) {
			t.Errorf("%q on a pipe: exit %d, stderr %q; want %d and %q", args, code, stderr, exitUsage, want)
		}
	}
	// The same file twice through a redirect is one file, read once and
	// counted once (its start is to the second only: as two files it
	// would be two runs, TestReplicasStartedInOneSecond).
	for _, args := range [][]string{{"-", "/dev/stdin"}, {ls, "-"}} {
		want := "generate: warning: " + inputName(args[1]) + " is the same file as " + inputName(args[0]) + "; counted as one run\n"
		if _, stderr, code := sgStdin(t, dir, ls, append([]string{"generate", "-o", filepath.Join(dir, "p.json")}, args...)...); code != 0 || !strings.Contains(stderr, want) {
			t.Errorf("generate %s < %s: exit %d, want 0 and %q:\n%s", strings.Join(args, " "), ls, code, want, stderr)
		}
	}
}
