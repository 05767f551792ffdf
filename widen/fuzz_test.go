package widen

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// FuzzAnalyze: whatever bytes are at an executable's path (a trace's
// workload chose them), Analyze and Identify return (notes, an error),
// never panic. Seeds: the start of /bin/true and a few broken headers.
func FuzzAnalyze(f *testing.F) {
	if p, err := exec.LookPath("true"); err == nil {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
			f.Add(data[:len(data)/2])
		}
	}
	f.Add([]byte("\x7fELF\x02\x01\x01"))
	f.Add([]byte("#!/bin/sh\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "exe")
		if err := os.WriteFile(p, data, 0o755); err != nil {
			t.Fatal(err)
		}
		Analyze([]string{p}, Options{LibDirs: []string{}})
		_, _ = Identify(p)
	})
}
