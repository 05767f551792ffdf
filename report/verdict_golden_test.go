package report

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

// TestGoldenReplay: replay verdicts in every format: a passing enforce run
// (no syscall listed, still one JUnit test case), one denial (singular
// wording), and a command that needs shell quoting, timed out.
func TestGoldenReplay(t *testing.T) {
	argv := []string{"sh", "-c", "echo 'hi there'; exit 0", ""}
	code := 0
	pass := FromCoverage("replay --enforce", "p.json", argv, nil, &verdict.Coverage{})
	pass.ExitCode = &code
	p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64"}}
	one := FromCoverage("replay --enforce", "p.json", argv, p, &verdict.Coverage{Entries: []verdict.Entry{
		{Arch: "x86_64", Nr: 140, Name: "getpriority", Count: 1, First: "sh", Reason: verdict.ReasonEnforced, Action: policy.ActErrno, Errno: policy.EPERM},
	}})
	killed := 137
	one.ExitCode = &killed
	one.TimedOut = true
	one.Notes = append(one.Notes, "timed out after 1s: killed the command's process tree (2 processes); the verdict covers the run up to then")
	traced := FromCoverage("replay", "p.json", []string{"./app", "--flag=a b"}, p, &verdict.Coverage{Lost: 1, Entries: []verdict.Entry{
		{Arch: "x86_64", Nr: 0, Name: "read", Count: 3, First: "app", Covered: true},
	}})
	for name, v := range map[string]*Verdict{"enforce-pass": pass, "enforce-one-timeout": one, "replay-one": traced} {
		for _, f := range Formats {
			var buf bytes.Buffer
			if err := Write(&buf, f, v); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name+"."+string(f), buf.Bytes())
		}
	}
	// What the goldens show, checked so that -update cannot bless a
	// regression silently.
	var buf bytes.Buffer
	_ = Write(&buf, JUnit, pass)
	var j struct {
		Tests int `xml:"tests,attr"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &j); err != nil || j.Tests != 1 {
		t.Errorf("passing enforce run: tests=%d (%v), want 1", j.Tests, err)
	}
	buf.Reset()
	_ = Write(&buf, Human, one)
	if !strings.Contains(buf.String(), "denied 1 syscall (ABI, name)") ||
		!strings.Contains(buf.String(), "the run of `sh -c 'echo '\\''hi there'\\''; exit 0' ''`") {
		t.Errorf("human report:\n%s", buf.String())
	}
	buf.Reset()
	_ = Write(&buf, Human, traced)
	if !strings.Contains(buf.String(), "covers the 1 syscall (ABI, name) of the run of `./app '--flag=a b'`") ||
		!strings.Contains(buf.String(), "lost 1 event:") {
		t.Errorf("human report:\n%s", buf.String())
	}
}

func TestShellQuote(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{
		{[]string{"ls", "-l", "/"}, "ls -l /"},
		{[]string{"sh", "-c", "echo hi"}, "sh -c 'echo hi'"},
		{[]string{"a b", "", "it's"}, `'a b' '' 'it'\''s'`},
		{[]string{"$HOME", "*", "a;b", "x=1", "ü"}, `'$HOME' '*' 'a;b' x=1 'ü'`},
		// Control characters and bytes that are not UTF-8 never reach the
		// terminal as they are.
		{[]string{"a\x1b[31mb", "it's\t\\", "\xff\xfeü"}, `$'a\x1b[31mb' $'it\'s\x09\\' $'\xff\xfeü'`},
	} {
		if got := ShellQuote(c.in); got != c.want {
			t.Errorf("ShellQuote(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}
