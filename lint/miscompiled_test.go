package lint

import (
	"os"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/policy"
)

// TestMain checks profiles against libseccomp's filter as the commands do
// (policy.FilterVerifier).
func TestMain(m *testing.M) {
	cbpf.EnableFilterVerification()
	os.Exit(m.Run())
}

// TestMiscompiled: a profile whose rules libseccomp 2.5.4 compiles into a
// filter that answers otherwise (emit/cbpf's TestVerifyFilterRefusesWordBug
// holds the same rule set) is an error, naming the call and both answers;
// without the check installed there is no such finding.
func TestMiscompiled(t *testing.T) {
	data := `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"syscalls":[
{"names":["getpid"],"action":"SCMP_ACT_ALLOW","args":[{"index":1,"value":0,"op":"SCMP_CMP_EQ"}]},
{"names":["getpid"],"action":"SCMP_ACT_ALLOW","args":[{"index":1,"value":2,"op":"SCMP_CMP_EQ"},{"index":3,"value":1,"op":"SCMP_CMP_EQ"}]},
{"names":["getpid"],"action":"SCMP_ACT_ALLOW","args":[{"index":1,"value":1,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]},
{"names":["getpid"],"action":"SCMP_ACT_KILL_PROCESS","args":[{"index":1,"value":4294967295,"valueTwo":1,"op":"SCMP_CMP_MASKED_EQ"},{"index":3,"value":4294967295,"op":"SCMP_CMP_EQ"}]},
{"names":["getpid"],"action":"SCMP_ACT_ERRNO","errnoRet":13,"args":[{"index":1,"value":4294967295,"op":"SCMP_CMP_EQ"},{"index":3,"value":3,"op":"SCMP_CMP_EQ"}]},
{"names":["read","write","exit_group","rt_sigreturn"],"action":"SCMP_ACT_ALLOW"}]}`
	fs, err := Data("p.json", []byte(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []Finding
	for _, f := range fs {
		if f.Check == CheckMiscompiled {
			got = append(got, f)
		}
	}
	if len(got) != 1 || got[0].Severity != Error || got[0].Syscall != "getpid" || got[0].Rule != "syscalls[0]" ||
		!strings.Contains(got[0].Message, "answers getpid(0x0, 0x1, ") || !strings.Contains(got[0].Message, "SCMP_ACT_ALLOW where the rules say SCMP_ACT_ERRNO(1)") {
		t.Fatalf("findings %s", show(fs))
	}
	saved := policy.FilterVerifier
	policy.FilterVerifier = nil
	defer func() { policy.FilterVerifier = saved }()
	fs, err = Data("p.json", []byte(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Check == CheckMiscompiled {
			t.Errorf("without the check installed: %s", show(fs))
		}
	}
}

// TestAmbiguous: a profile that policy.Check refuses for a reason other
// than a miscompiled filter (check, replay, diff and disasm exit 2 on it)
// is an error finding naming its rules, not a clean profile: rules of
// several conditions next to other conditional rules (libseccomp 2.5.4's
// word bug shape), and conditional rules with different actions that may
// both hold. Several conditions on one argument (which the commands
// accept, reading them as the runtimes do) stay one same-argument error.
func TestAmbiguous(t *testing.T) {
	head := `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
{"names":["exit_group","rt_sigreturn","read"],"action":"SCMP_ACT_ALLOW"},`
	for _, tc := range []struct {
		name, rules, syscall, reason, with string
	}{
		{"word bug shape", `{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"},{"index":1,"value":1,"op":"SCMP_CMP_EQ"}]},
{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":2,"op":"SCMP_CMP_EQ"},{"index":1,"value":2,"op":"SCMP_CMP_EQ"}]},
{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":10,"op":"SCMP_CMP_EQ"},{"index":2,"value":0,"op":"SCMP_CMP_EQ"}]}`,
			"socket", "several conditions next to other conditional rules", "(with syscalls[2], syscalls[3])"},
		{"overlapping actions", `{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":8,"op":"SCMP_CMP_GT"}]},
{"names":["personality"],"action":"SCMP_ACT_LOG","args":[{"index":0,"value":20,"op":"SCMP_CMP_LT"}]}`,
			"personality", "may both hold", "(with syscalls[2])"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := head + tc.rules + "]}"
			p, _, err := emit.Parse("p.json", []byte(data))
			if err == nil {
				err = p.Validate()
			}
			if err == nil {
				t.Fatal("the profile passes policy.Validate: not a case for this test")
			}
			fs, err := Data("p.json", []byte(data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []Finding
			for _, f := range fs {
				if f.Check == CheckAmbiguous {
					got = append(got, f)
				}
			}
			if len(got) != 1 || got[0].Severity != Error || got[0].Syscall != tc.syscall || got[0].Rule != "syscalls[1]" ||
				!strings.Contains(got[0].Message, tc.reason) || !strings.Contains(got[0].Message, tc.with) {
				t.Errorf("findings:\n%s", show(fs))
			}
		})
	}
	same := head + `{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"},{"index":0,"value":20,"op":"SCMP_CMP_EQ"}]}]}`
	fs, err := Data("p.json", []byte(same), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if Count(fs, Error) != 1 {
		t.Errorf("same-argument reported once:\n%s", show(fs))
	}
}
