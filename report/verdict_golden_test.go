package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"syscall"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

// TestGoldenReplay: replay verdicts in every format: a passing enforce run
// (no syscall listed, still a JUnit test case besides "run"), one denial
// (singular wording), and a command that needs shell quoting, timed out;
// a command that was not found.
func TestGoldenReplay(t *testing.T) {
	argv := []string{"sh", "-c", "echo 'hi there'; exit 0", ""}
	code := 0
	pass := FromCoverage("replay --enforce", "p.json", argv, nil, &verdict.Coverage{})
	pass.ExitCode = &code
	p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64"}}
	one := FromCoverage("replay --enforce", "p.json", argv, p, &verdict.Coverage{Entries: []verdict.Entry{
		{Arch: "x86_64", Nr: 140, Name: "getpriority", Count: 1, First: "sh", Reason: verdict.ReasonEnforced, Action: policy.ActErrno, Errno: policy.EPERM},
	}})
	one.SetExit(137, syscall.SIGKILL)
	one.TimedOut = true
	one.Notes = append(one.Notes, "timed out after 1s: killed the command's process tree (2 processes); the verdict covers the run up to then")
	one.FailRun("timed out after 1s: replay killed the command's process tree")
	traced := FromCoverage("replay", "p.json", []string{"./app", "--flag=a b"}, p, &verdict.Coverage{Lost: 1, Entries: []verdict.Entry{
		{Arch: "x86_64", Nr: 0, Name: "read", Count: 3, First: "app", Covered: true},
	}})
	notFound := NotStarted("replay", "p.json", []string{"nosuch", "-x"}, 127, "nosuch: command not found")
	for name, v := range map[string]*Verdict{"enforce-pass": pass, "enforce-one-timeout": one, "replay-one": traced, "replay-not-found": notFound} {
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
	if err := xml.Unmarshal(buf.Bytes(), &j); err != nil || j.Tests != 2 {
		t.Errorf("passing enforce run: tests=%d (%v), want 2 (the run, and that the filter denied nothing)", j.Tests, err)
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

// TestRunFailureIsRed: a replay whose command failed (exit status, timeout,
// not found) passes in no format, even when the profile covers the run: a
// CI system that reads only the JUnit or JSON report must not show a pass.
func TestRunFailureIsRed(t *testing.T) {
	p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64"}}
	covered := func() *Verdict {
		return FromCoverage("replay", "p.json", []string{"./app"}, p, &verdict.Coverage{Entries: []verdict.Entry{
			{Arch: "x86_64", Nr: 0, Name: "read", Count: 3, First: "app", Covered: true},
		}})
	}
	ok := covered()
	failed := covered()
	failed.FailRun("the command exited with status 5")
	notFound := NotStarted("replay --enforce", "p.json", []string{"nosuch"}, 127, "nosuch: command not found")
	for _, c := range []struct {
		name string
		v    *Verdict
		pass bool
	}{{"passing run", ok, true}, {"exit status 5", failed, false}, {"not found", notFound, false}} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, JUnit, c.v); err != nil {
				t.Fatal(err)
			}
			var j struct {
				Failures int `xml:"failures,attr"`
				Suite    struct {
					Cases []struct {
						Name    string    `xml:"name,attr"`
						Failure *struct{} `xml:"failure"`
					} `xml:"testcase"`
				} `xml:"testsuite"`
			}
			if err := xml.Unmarshal(buf.Bytes(), &j); err != nil {
				t.Fatal(err)
			}
			run := -1
			for i, tc := range j.Suite.Cases {
				if tc.Name == "run" {
					run = i
				}
			}
			if run < 0 || (j.Suite.Cases[run].Failure == nil) != c.pass || (j.Failures == 0) != c.pass {
				t.Errorf("junit: want the run test case to pass=%v, failures=%d:\n%s", c.pass, j.Failures, buf.String())
			}
			buf.Reset()
			if err := Write(&buf, JSON, c.v); err != nil {
				t.Fatal(err)
			}
			var got struct {
				Passed   *bool  `json:"passed"`
				RunError string `json:"run_error"`
			}
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.Passed == nil || *got.Passed != c.pass || (got.RunError == "") != c.pass {
				t.Errorf("json: want passed=%v with run_error only when failed:\n%s", c.pass, buf.String())
			}
		})
	}
}
