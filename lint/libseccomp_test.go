package lint

import (
	"fmt"
	"io"
	"os"
	"testing"

	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

type libRule struct {
	act  seccomp.ScmpAction
	cond []seccomp.ScmpCondition
}

// libAnswer builds a filter with libseccomp (default ERRNO(ENOSYS)) from
// rules for uname added in order, as runc and crun add a profile's rules,
// and runs it in the interpreter for uname with args.
func libAnswer(t *testing.T, rules []libRule, args [6]uint64) (string, []error) {
	t.Helper()
	f, err := seccomp.NewFilter(seccomp.ActErrno.SetReturnCode(38))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release()
	nr, _ := seccomp.GetSyscallFromName("uname")
	var errs []error
	for _, r := range rules {
		if len(r.cond) == 0 {
			err = f.AddRule(nr, r.act)
		} else {
			err = f.AddRuleConditional(nr, r.act, r.cond)
		}
		errs = append(errs, err)
	}
	fd, err := unix.MemfdCreate("lint-test", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	file := os.NewFile(uintptr(fd), "lint-test")
	defer file.Close()
	if err := f.ExportBPF(file); err != nil {
		t.Fatal(err)
	}
	file.Seek(0, io.SeekStart)
	b, _ := io.ReadAll(file)
	p, err := cbpf.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(cbpf.Data{Nr: int32(nr), Arch: 0xc000003e, Args: args})
	if err != nil {
		t.Fatal(err)
	}
	return res.String(), errs
}

// TestLibseccompPrecedence checks the libseccomp behaviour the findings'
// messages rely on (the runtimes add rules with libseccomp in file order).
func TestLibseccompPrecedence(t *testing.T) {
	if _, err := scmpNative(); err != nil {
		t.Skip(err) // not x86_64: the arch constant below is x86_64's
	}
	eperm := seccomp.ActErrno.SetReturnCode(1)
	eq1, _ := seccomp.MakeCondition(0, seccomp.CompareEqual, 1)
	eq2, _ := seccomp.MakeCondition(0, seccomp.CompareEqual, 2)
	for _, tc := range []struct {
		name  string
		rules []libRule
		args  [6]uint64
		want  string
	}{
		{"first unconditional wins (errno, allow)", []libRule{{act: eperm}, {act: seccomp.ActAllow}}, [6]uint64{}, "SCMP_ACT_ERRNO(1)"},
		{"first unconditional wins (allow, errno)", []libRule{{act: seccomp.ActAllow}, {act: eperm}}, [6]uint64{}, "SCMP_ACT_ALLOW"},
		{"unconditional overrides a later conditional", []libRule{{act: seccomp.ActAllow}, {act: eperm, cond: []seccomp.ScmpCondition{eq1}}}, [6]uint64{1}, "SCMP_ACT_ALLOW"},
		{"unconditional overrides an earlier conditional", []libRule{{act: eperm, cond: []seccomp.ScmpCondition{eq1}}, {act: seccomp.ActAllow}}, [6]uint64{1}, "SCMP_ACT_ALLOW"},
		{"separate conditional rules are OR (1)", []libRule{{act: seccomp.ActAllow, cond: []seccomp.ScmpCondition{eq1}}, {act: seccomp.ActAllow, cond: []seccomp.ScmpCondition{eq2}}}, [6]uint64{1}, "SCMP_ACT_ALLOW"},
		{"separate conditional rules are OR (2)", []libRule{{act: seccomp.ActAllow, cond: []seccomp.ScmpCondition{eq1}}, {act: seccomp.ActAllow, cond: []seccomp.ScmpCondition{eq2}}}, [6]uint64{2}, "SCMP_ACT_ALLOW"},
	} {
		got, errs := libAnswer(t, tc.rules, tc.args)
		for i, err := range errs {
			if err != nil {
				t.Errorf("%s: rule %d: %v", tc.name, i, err)
			}
		}
		if got != tc.want {
			t.Errorf("%s: libseccomp answers %s, the findings assume %s", tc.name, got, tc.want)
		}
	}
	// one rule with two conditions on one argument is refused by
	// libseccomp itself: the runtimes split it into one rule per condition
	_, errs := libAnswer(t, []libRule{{act: seccomp.ActAllow, cond: []seccomp.ScmpCondition{eq1, eq2}}}, [6]uint64{1})
	if errs[0] == nil {
		t.Errorf("libseccomp accepted two conditions on one argument in one rule")
	}
	// a rule whose action is the filter's default is refused too
	_, errs = libAnswer(t, []libRule{{act: seccomp.ActErrno.SetReturnCode(38)}}, [6]uint64{})
	if errs[0] == nil {
		t.Errorf("libseccomp accepted a rule equal to the default action")
	}
}

func scmpNative() (string, error) {
	n, err := scmp.Native()
	if err == nil && n != "x86_64" {
		return "", fmt.Errorf("native ABI %s", n)
	}
	return n, err
}
