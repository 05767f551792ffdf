package emit

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/runtimetest"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// TestRuntimesReadConfigKeysDifferently runs `uname -s` under runc and crun
// with config.json spellings of linux.seccomp that the reader refuses, and
// shows why: the two runtimes load different profiles (or none) from the
// same file. A spelling both read the same way ("se\u0063comp") is accepted.
// Two more facts the reader and lint rely on are measured alongside: both
// runtimes drop a name libseccomp cannot resolve without a word, and both
// skip a rule whose action is the default, so it shadows no later rule.
func TestRuntimesReadConfigKeysDifferently(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "runc", "crun", "unshare")
	if _, err := os.Stat(runtimetest.BusyboxPath); err != nil {
		testutil.SkipOrFail(t, "busybox-static is not installed at "+runtimetest.BusyboxPath)
	}
	if testing.Short() {
		t.Skip("runs containers; skipped with -short")
	}
	// denyUname answers uname with EPERM; denyPtrace leaves uname alone.
	const denyUname = `{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["uname"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}`
	const denyPtrace = `{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}`
	b, err := runtimetest.NewBundle(filepath.Join(t.TempDir(), "bundle"))
	if err != nil {
		t.Fatal(err)
	}
	b.SetArgs("uname", "-s")
	linux, _ := b.Config["linux"].(map[string]any)
	delete(linux, "seccomp")
	rest, err := json.Marshal(linux)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// filtered reports whether uname was denied in the container.
	filtered := func(t *testing.T, rt, pairs string) bool {
		t.Helper()
		b.Config["linux"] = json.RawMessage("{" + pairs + "," + string(rest[1:]))
		res, err := b.Run(ctx, rt)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %v", pairs[:min(len(pairs), 24)], res)
		// busybox uname prints an empty line when uname(2) fails
		return strings.TrimSpace(res.Stdout) != "Linux"
	}
	for _, tc := range []struct {
		name          string
		pairs         string
		runc, crun    bool // uname denied?
		readerRefuses bool
	}{
		{"exact", `"seccomp":` + denyUname, true, true, false},
		{"escaped exact", `"se\u0063comp":` + denyUname, true, true, false},
		{"case variant", `"Seccomp":` + denyUname, true, false, true},
		{"Unicode fold", `"ſeccomp":` + denyUname, true, false, true},
		{"duplicate", `"seccomp":` + denyUname + `,"seccomp":` + denyPtrace, false, true, true},
		{"duplicate inside the profile", `"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["uname"],"action":"SCMP_ACT_ERRNO","errnoRet":1}],"syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_ERRNO"}]}`, false, true, true},
		{"case variant inside the profile", `"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_ERRNO"}],"Syscalls":[{"names":["uname"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}`, true, false, true},
		// not a key: a name libseccomp cannot resolve is dropped by both,
		// without a word; the rest of the rule applies
		{"unknown name dropped", `"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ptarce","uname"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}`, true, true, true},
		// not a key either: a rule whose action is the default is skipped by
		// both (libseccomp refuses it), so it does not shadow a later rule
		// (what lint's rule-equals-default finding says)
		{"rule equal to the default skipped", `"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["uname"],"action":"SCMP_ACT_ALLOW"},{"names":["uname"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}`, true, true, false},
		{"case variant after exact", `"seccomp":` + denyUname + `,"SECCOMP":` + denyPtrace, false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.Config["linux"] = json.RawMessage("{" + tc.pairs + "," + string(rest[1:]))
			cfgData, err := json.Marshal(b.Config)
			if err != nil {
				t.Fatal(err)
			}
			_, _, rerr := Parse("config.json", cfgData)
			if tc.readerRefuses != (rerr != nil) {
				t.Errorf("reader: %v (refuse: %v)", rerr, tc.readerRefuses)
			}
			if got := filtered(t, "runc", tc.pairs); got != tc.runc {
				t.Errorf("runc: uname denied %v, want %v", got, tc.runc)
			}
			if got := filtered(t, "crun", tc.pairs); got != tc.crun {
				t.Errorf("crun: uname denied %v, want %v", got, tc.crun)
			}
		})
	}
	// linux.seccomp in a second object spelled Linux: runc (Go) merges it
	// into linux, crun reads only "linux" and runs without seccomp
	t.Run("Linux", func(t *testing.T) {
		defer func() { delete(b.Config, "Linux"); b.Config["linux"] = linux }()
		b.Config["linux"] = json.RawMessage(rest)
		b.Config["Linux"] = json.RawMessage(`{"seccomp":` + denyUname + `}`)
		cfgData, _ := json.Marshal(b.Config)
		if _, _, err := Parse("config.json", cfgData); err == nil || !strings.Contains(err.Error(), "config.json: Linux: ") {
			t.Errorf("reader: %v", err)
		}
		for rt, want := range map[string]bool{"runc": true, "crun": false} {
			res, err := b.Run(ctx, rt)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(res.Stdout) != "Linux"; got != want {
				t.Errorf("%s: uname denied %v, want %v (%v)", rt, got, want, res)
			}
		}
	})
	// A key with a NUL: crun's C strings end there, runc's do not.
	nul := `"seccomp\u0000x":` + denyUname
	if filtered(t, "runc", nul) || !filtered(t, "crun", nul) {
		t.Errorf("NUL key: want crun to apply the profile and runc to ignore it")
	}
}
