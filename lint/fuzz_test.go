package lint

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit"
)

// FuzzLint: what lint reads (any profile format, conditional entries
// resolved for several capability sets) never panics the reader, the
// linter or the reports, and every finding names a check and says what
// it found.
func FuzzLint(f *testing.F) {
	for _, g := range []string{"profiles/moby-default-v0.2.4.json", "profiles/containers-common-0.50.1.json",
		"golden/docker.json", "golden/oci.json", "golden/oci-config.json", "golden/k8s.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", g))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0))
	}
	f.Add([]byte(prof(rule(`"ptrace"`, "SCMP_ACT_ALLOW", argEq))), uint8(1))
	f.Add([]byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ptrace"],"action":"SCMP_ACT_ERRNO","includes":{"caps":["CAP_SYS_PTRACE"],"minKernel":"4.8"},"excludes":{"arches":["s390x"]}}]}`), uint8(2))
	hosts := []*emit.Host{nil, {Caps: []string{}}, {Caps: emit.PodmanCaps}, {Caps: emit.Capabilities, Kernel: "4.4.0"}}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		raw, err := emit.ParseRawWith("fuzz", data, emit.ReadOptions{Host: hosts[int(mode)%len(hosts)]})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz: ") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("not one line naming the file: %q", err)
			}
			return
		}
		fs := Lint(raw, Options{AllowUnknownSyscalls: mode&4 != 0})
		for _, x := range fs {
			if x.Check == "" || x.Message == "" {
				t.Fatalf("finding without a check or a message: %+v", x)
			}
		}
		rs := []Result{{File: "fuzz", Findings: fs}}
		var buf bytes.Buffer
		if err := WriteHuman(&buf, rs); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(&buf, rs); err != nil {
			t.Fatal(err)
		}
	})
}
