package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestDocumentedCommandLines: every seccomp-gen command line that the
// README (code blocks and inline code), the commands' Examples and the
// shipped hooks.d file show names a command that exists, with flags it
// has and as many arguments as it takes, so that a line copied from the
// docs is not refused for a renamed or missing flag.
func TestDocumentedCommandLines(t *testing.T) {
	// name: a command named in prose (`seccomp-gen lint`), whose
	// arguments are not checked.
	type line struct {
		where, text string
		name        bool
	}
	var lines []line
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	fence := "" // the language of the code block the line is in
	inline := regexp.MustCompile("`((?:bin/)?seccomp-gen [^`]*)`")
	argsArray := regexp.MustCompile(`"args": (\["seccomp-gen",[^]]*\])`) // a hook's argv in JSON
	for i, l := range strings.Split(string(readme), "\n") {
		where := "README.md:" + strconv.Itoa(i+1)
		if lang, ok := strings.CutPrefix(strings.TrimSpace(l), "```"); ok {
			if fence == "" {
				fence = "text"
				if lang != "" {
					fence = lang
				}
			} else {
				fence = ""
			}
			continue
		}
		if m := argsArray.FindStringSubmatch(l); m != nil {
			var argv []string
			if err := json.Unmarshal([]byte(m[1]), &argv); err != nil {
				t.Errorf("%s: %v", where, err)
			}
			lines = append(lines, line{where: where, text: shellQuote(argv)})
			continue
		}
		switch {
		case fence == "console" || fence == "text": // "# " is the prompt
			lines = append(lines, line{where: where, text: l})
		case fence != "": // "#" starts a comment
			if !strings.HasPrefix(strings.TrimSpace(l), "#") {
				lines = append(lines, line{where: where, text: l})
			}
		default:
			for _, m := range inline.FindAllStringSubmatch(l, -1) {
				lines = append(lines, line{where: where, text: m[1], name: len(strings.Fields(m[1])) == 2})
			}
		}
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, l := range strings.Split(c.Example, "\n") {
			lines = append(lines, line{where: "seccomp-gen " + c.Name() + " --help", text: l})
		}
		for _, l := range strings.Split(c.Long, "\n") { // the root's "Typical loop"
			if strings.HasPrefix(strings.TrimSpace(l), "seccomp-gen ") && strings.HasPrefix(l, " ") {
				lines = append(lines, line{where: "seccomp-gen " + c.Name() + " --help", text: l})
			}
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(newRootCmd())
	var hook struct {
		Hook struct{ Args []string } `json:"hook"`
	}
	data, err := os.ReadFile("../../contrib/hooks.d/seccomp-gen.json")
	if err != nil || json.Unmarshal(data, &hook) != nil {
		t.Fatalf("hooks.d: %v", err)
	}
	lines = append(lines, line{where: "contrib/hooks.d/seccomp-gen.json", text: shellQuote(hook.Hook.Args)})

	checked := 0
	for _, l := range lines {
		for _, args := range seccompGenCalls(l.text) {
			checked++
			if err := parseCommandLine(args, l.name); err != nil {
				t.Errorf("%s: seccomp-gen %s: %v", l.where, strings.Join(args, " "), err)
			}
		}
	}
	if checked < 60 {
		t.Errorf("only %d command lines found in the docs: is the extraction broken?", checked)
	}
}

// parseCommandLine parses args as seccomp-gen would, up to running the
// command: the command, its flags and the number of its arguments (with
// nameOnly, only the command).
func parseCommandLine(args []string, nameOnly bool) error {
	root := newRootCmd()
	c, rest, err := root.Find(args)
	if err != nil {
		return err
	}
	if c == root {
		// The root's own flags: seccomp-gen --version, --help (which
		// pflag answers with ErrHelp).
		err := root.ParseFlags(rest)
		if errors.Is(err, pflag.ErrHelp) && root.Flags().NArg() == 0 {
			return nil
		}
		if err != nil {
			return err
		}
		if v, _ := root.Flags().GetBool("version"); v && root.Flags().NArg() == 0 {
			return nil
		}
		return errors.New("no command")
	}
	if nameOnly || c.DisableFlagParsing { // runtime: its own flags, then runc's
		return nil
	}
	if err := c.ParseFlags(rest); err != nil {
		return err
	}
	if c.Args != nil {
		return c.Args(c, c.Flags().Args())
	}
	return nil
}

// seccompGenCalls returns the argument lists of the seccomp-gen calls in
// one shell line of the docs (after a prompt, sudo, in a pipeline, after
// &&), up to a redirection or a comment. Quotes are removed.
func seccompGenCalls(s string) [][]string {
	s = strings.TrimSpace(s)
	for _, p := range []string{"# ", "$ "} {
		s = strings.TrimPrefix(s, p)
	}
	var calls [][]string
	var cur []string
	in := false
	words := shellWords(s)
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w.op && (w.s == "|" || w.s == "&&" || w.s == ";" || w.s == "||"):
			if in {
				calls = append(calls, cur)
			}
			cur, in = nil, false
			continue
		case w.op: // a redirection or a comment ends the arguments
			if in {
				calls = append(calls, cur)
			}
			cur, in = nil, false
			for i+1 < len(words) && !(words[i+1].op && (words[i+1].s == "|" || words[i+1].s == "&&" || words[i+1].s == ";")) {
				i++
			}
			continue
		}
		if !in {
			if w.s == "sudo" {
				continue
			}
			if w.s == "seccomp-gen" || w.s == "bin/seccomp-gen" {
				in = true
				continue
			}
			// Another program: skip to the next | or &&.
			for i+1 < len(words) && !(words[i+1].op && (words[i+1].s == "|" || words[i+1].s == "&&" || words[i+1].s == ";")) {
				i++
			}
			continue
		}
		cur = append(cur, w.s)
	}
	if in {
		calls = append(calls, cur)
	}
	return calls
}

// shellQuote joins argv into a line shellWords splits back.
func shellQuote(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = "'" + a + "'"
	}
	return strings.Join(q, " ")
}

type shellWord struct {
	s  string
	op bool // an operator, redirection or comment, not an argument
}

// shellWords splits a line as a shell would, roughly: quotes, and the
// operators and redirections the docs use (|, &&, ;, >, 2>, <, >&-, #).
func shellWords(s string) []shellWord {
	var ws []shellWord
	var b strings.Builder
	have := false
	flush := func() {
		if have {
			ws = append(ws, shellWord{s: b.String()})
		}
		b.Reset()
		have = false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' || c == '"':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				j = len(s) - i - 1
			}
			b.WriteString(s[i+1 : i+1+j])
			have = true
			i += j + 1
		case c == ' ' || c == '\t':
			flush()
		case c == '#' && !have:
			flush()
			return append(ws, shellWord{s: "#", op: true})
		case c == '|' || c == ';' || c == '&' && i+1 < len(s) && s[i+1] == '&':
			flush()
			op := string(c)
			if c != ';' && i+1 < len(s) && s[i+1] == c {
				op += op
				i++
			}
			ws = append(ws, shellWord{s: op, op: true})
		case c == '>' && have && strings.HasPrefix(b.String(), "<"):
			b.WriteByte(c) // the end of a placeholder such as <ID>
		case c == '>' || c == '<' && !(i+1 < len(s) && isAlnum(s[i+1])):
			// 2> and friends: a number just before belongs to it.
			if have && strings.Trim(b.String(), "0123456789") == "" {
				b.Reset()
				have = false
			}
			flush()
			ws = append(ws, shellWord{s: string(c), op: true})
		default:
			b.WriteByte(c)
			have = true
		}
	}
	flush()
	return ws
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// TestSeccompGenCalls: the extraction TestDocumentedCommandLines relies on,
// and that a line with a flag the command lacks is refused.
func TestSeccompGenCalls(t *testing.T) {
	for in, want := range map[string]string{
		"# seccomp-gen lint app.json other.yaml":                                        "lint app.json other.yaml",
		"bin/seccomp-gen replay -p ls.json -- ls -l /usr      # exit 0: covered":        "replay -p ls.json -- ls -l /usr",
		"seccomp-gen completion bash | sudo tee /etc/bash_completion.d/x >/dev/null":    "completion bash",
		`seccomp-gen completion zsh > "${fpath[1]}/_seccomp-gen"`:                       "completion zsh",
		"seccomp-gen generate --format bpf -o a.bpf t.yaml && seccomp-gen disasm a.bpf": "generate --format bpf -o a.bpf t.yaml|disasm a.bpf",
		"sudo seccomp-gen doctor 2>&1":                                                  "doctor",
		"seccomp-gen trace --container <ID> --runtime runc":                             "trace --container <ID> --runtime runc",
		`'seccomp-gen' 'hook' '--allow-path' '/var/lib/seccomp-gen'`:                    "hook --allow-path /var/lib/seccomp-gen",
		"docker run --security-opt seccomp=ls.json alpine":                              "",
	} {
		var got []string
		for _, c := range seccompGenCalls(in) {
			got = append(got, strings.Join(c, " "))
		}
		if strings.Join(got, "|") != want {
			t.Errorf("%s: got %q, want %q", in, got, want)
		}
	}
	for _, bad := range [][]string{{"trace", "--no-such-flag", "--", "ls"}, {"diff", "a.json"}, {"lint"}, {"nosuchcommand"}, {"generate", "--widen=kinds", "--format"}} {
		if parseCommandLine(bad, false) == nil {
			t.Errorf("%q parses", bad)
		}
	}
}

// TestReadyProfilesInREADME: README's Ready profiles section names every
// profile in profiles/commands/ and the range of their sizes as their
// NAME.md files state them (make profiles rewrites those), so that a
// re-recording that changes them shows up here.
func TestReadyProfilesInREADME(t *testing.T) {
	section := readmeSection(t, "Ready profiles")
	mds, err := filepath.Glob("../../profiles/commands/*.md")
	if err != nil || len(mds) == 0 {
		t.Fatalf("no profiles/commands/*.md: %v", err)
	}
	size := regexp.MustCompile(`\| size \| (\d+) x86_64 syscalls allowed, (\d+)% of Docker's default`)
	minN, maxN, minP, maxP := 1<<30, 0, 100, 0
	for _, md := range mds {
		name := strings.TrimSuffix(filepath.Base(md), ".md")
		if !strings.Contains(section, strings.ReplaceAll(name, "-", "+")) {
			t.Errorf("README's Ready profiles section does not name %s", name)
		}
		data, err := os.ReadFile(md)
		if err != nil {
			t.Fatal(err)
		}
		m := size.FindStringSubmatch(string(data))
		if m == nil {
			t.Errorf("%s: no size row", md)
			continue
		}
		n, _ := strconv.Atoi(m[1])
		p, _ := strconv.Atoi(m[2])
		minN, maxN, minP, maxP = min(minN, n), max(maxN, n), min(minP, p), max(maxP, p)
	}
	want := fmt.Sprintf("They allow %d-%d syscalls (%d-%d%% of Docker's default", minN, maxN, minP, maxP)
	if !strings.Contains(section, want) {
		t.Errorf("README's Ready profiles section does not say %q (from profiles/commands/*.md)", want)
	}
}

// TestBenchmarksSummaryInREADME: README's Benchmarks section summarises the
// run BENCHMARKS.md holds: it names that run's revision, and the
// generalization paragraph its totals of passing test runs (default,
// --widen, --widen=kinds, Docker's default, --no-fallbacks). A new make
// bench fails this until the summary is brought up to date.
func TestBenchmarksSummaryInREADME(t *testing.T) {
	section := readmeSection(t, "Benchmarks")
	bench, err := os.ReadFile("../../BENCHMARKS.md")
	if err != nil {
		t.Fatal(err)
	}
	rev := regexp.MustCompile(`(?m)^\| seccomp-gen \| git ([0-9a-f]+) \|`).FindSubmatch(bench)
	if rev == nil {
		t.Fatal("BENCHMARKS.md names no seccomp-gen revision")
	}
	if want := "BENCHMARKS.md: seccomp-gen " + string(rev[1]); !strings.Contains(section, want) {
		t.Errorf("README's Benchmarks section does not say %q: it summarises another run", want)
	}
	total := regexp.MustCompile(`(?m)^\| \*\*total\*\* \|.*$`).Find(bench)
	if total == nil {
		t.Fatal("BENCHMARKS.md has no generalization total row")
	}
	cells := strings.Split(string(total), "|")
	// | **total** | | | | share | default | --widen | kinds | Docker | --no-fallbacks | |
	if len(cells) < 12 {
		t.Fatalf("total row: %s", total)
	}
	pass := regexp.MustCompile(`^ (\d+)/(\d+) `)
	got := map[string]string{}
	for i, what := range map[int]string{6: "default", 7: "--widen", 8: "--widen=kinds", 9: "docker", 10: "--no-fallbacks"} {
		m := pass.FindStringSubmatch(cells[i])
		if m == nil {
			t.Fatalf("total row cell %d: %q", i, cells[i])
		}
		got[what] = m[1] + " of " + m[2]
	}
	for what, want := range map[string]string{
		"default":        "pass " + got["default"] + " test runs",
		"--widen":        "pass " + got["--widen"] + " (",
		"--widen=kinds":  "pass " + got["--widen=kinds"] + " (",
		"docker":         "Docker's default passes " + got["docker"],
		"--no-fallbacks": "(`--no-fallbacks`) " + got["--no-fallbacks"] + " pass",
	} {
		if !strings.Contains(section, want) {
			t.Errorf("README's generalization paragraph does not say %q (%s, from BENCHMARKS.md's total row)", want, what)
		}
	}
}

// readmeSection is README.md's "## title" section, up to the next "## ",
// with its white space runs made single spaces.
func readmeSection(t *testing.T, title string) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## "+title+"\n")
	if !ok {
		t.Fatalf("README.md has no %q section", "## "+title)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	return strings.Join(strings.Fields(section), " ")
}
