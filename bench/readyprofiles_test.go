package main

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// The committed ready profile passes its test runs, and the same profile
// without a syscall sqlite3 needs for WAL and VACUUM (ftruncate) fails
// check-profiles naming it: what a toolchain update that needs a new
// syscall looks like in CI.
func TestCheckProfilesNamesSyscall(t *testing.T) {
	testutil.RequireTool(t, "sqlite3", "go")
	bin := filepath.Join(t.TempDir(), "seccomp-gen")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/seccomp-gen").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	o := options{bin: bin, programs: []string{"sqlite3"}}
	if err := checkProfiles(o, "../profiles/commands", io.Discard); err != nil {
		t.Fatalf("the committed profile: %v", err)
	}
	raw, err := os.ReadFile("../profiles/commands/sqlite3.json")
	if err != nil {
		t.Fatal(err)
	}
	var prof map[string]any
	if err := json.Unmarshal(raw, &prof); err != nil {
		t.Fatal(err)
	}
	removed := false
	for _, r := range prof["syscalls"].([]any) {
		rule := r.(map[string]any)
		if rule["action"] != "SCMP_ACT_ALLOW" {
			continue
		}
		var names []any
		for _, n := range rule["names"].([]any) {
			if n == "ftruncate" {
				removed = true
				continue
			}
			names = append(names, n)
		}
		rule["names"] = names
	}
	if !removed {
		t.Fatal("the committed sqlite3 profile does not allow ftruncate")
	}
	dir := t.TempDir()
	out, _ := json.Marshal(prof)
	if err := os.WriteFile(filepath.Join(dir, "sqlite3.json"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	err = checkProfiles(o, dir, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "denied: ") || !strings.Contains(err.Error(), "ftruncate (") {
		t.Fatalf("without ftruncate: %v, want a failure naming ftruncate", err)
	}
}
