package lint

import (
	"os"
	"strings"
	"testing"

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
