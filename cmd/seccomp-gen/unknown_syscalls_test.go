package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// misspelled is an allow-by-default profile whose one deny rule names a
// syscall that does not exist: runtimes drop the name and the profile
// denies nothing but getppid.
const misspelled = `{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
 {"names":["getppid"],"action":"SCMP_ACT_ERRNO","errnoRet":1},
 {"names":["ptarce"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}`

const unknownMsg = `syscalls[1] "ptarce": a syscall name that libseccomp 2.5.4 knows on none of the profile's ABIs (x86_64); runc and crun drop such names silently`

// TestUnknownSyscallsEveryCommand: every command that reads a profile
// refuses a name libseccomp cannot resolve with the same message (exit 2);
// --allow-unknown-syscalls turns it into a warning and drops the name.
func TestUnknownSyscallsEveryCommand(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "typo.json")
	os.WriteFile(prof, []byte(misspelled), 0o644)
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(strings.Replace(misspelled, "ptarce", "ptrace", 1)), 0o644)
	tr := filepath.Join(dir, "t.yaml")
	os.WriteFile(tr, []byte(traceYAML("  - {arch: x86_64, nr: 0, name: read, count: 1}", "  - {arch: x86_64, nr: 101, name: ptrace, count: 1}")), 0o644)
	cmds := map[string][]string{
		"check":          {"check", "-p", prof, tr},
		"replay":         {"replay", "-p", prof, "--", "true"},
		"replay enforce": {"replay", "--enforce", "-p", prof, "--", "true"},
		"diff A":         {"diff", prof, good},
		"diff B":         {"diff", good, prof},
		"disasm":         {"disasm", prof},
		"inspect":        {"inspect", prof},
	}
	for name, args := range cmds {
		t.Run(name, func(t *testing.T) {
			_, stderr, code := sg(t, dir, args...)
			if code != exitUsage || !strings.Contains(stderr, prof+": "+unknownMsg) || !strings.Contains(stderr, "--allow-unknown-syscalls") {
				t.Errorf("exit %d, stderr %s\nwant exit 2 and %s", code, stderr, unknownMsg)
			}
			oneLine(t, stderr)
		})
	}
	// downgraded: a warning with the same message, and the command goes on
	allowed := map[string]struct {
		args []string
		code int
		root bool
	}{
		"check":          {[]string{"check", "--allow-unknown-syscalls", "-p", prof, tr}, 0, false},
		"diff":           {[]string{"diff", "--allow-unknown-syscalls", prof, good}, exitNotCovered, false},
		"disasm":         {[]string{"disasm", "--allow-unknown-syscalls", prof}, 0, false},
		"replay":         {[]string{"replay", "--allow-unknown-syscalls", "-p", prof, "--", "true"}, 0, true},
		"replay enforce": {[]string{"replay", "--enforce", "--allow-unknown-syscalls", "-p", prof, "--", "true"}, 0, false},
	}
	for name, c := range allowed {
		t.Run(name+" allowed", func(t *testing.T) {
			if c.root {
				testutil.RequireRoot(t)
			}
			out, stderr, code := sg(t, dir, c.args...)
			if code != c.code || !strings.Contains(stderr, "warning: "+prof+": "+unknownMsg) {
				t.Errorf("exit %d (want %d), stderr %s\nstdout %s", code, c.code, stderr, out)
			}
			if name == "diff" && !strings.Contains(out, "ptrace") {
				// the dropped name is what the runtime loads: ptrace allowed
				// in A, denied in B
				t.Errorf("diff does not show ptrace:\n%s", out)
			}
			if name == "disasm" && strings.Contains(out, "ptrace") {
				t.Errorf("the filter compares ptrace:\n%s", out)
			}
		})
	}
}
