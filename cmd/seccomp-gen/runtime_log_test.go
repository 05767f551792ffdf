package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRuntimeErrorInRuncLog: containerd's shim reads why `runc create`
// failed from runc's --log file (the last "error" entry of log.json), not
// from stderr. A wrapper that fails before runc runs (no such --runc, bad
// wrapper flags) must leave its one line there, or Docker says only
// "unable to retrieve OCI runtime error (open .../log.json: no such file
// or directory)".
func TestRuntimeErrorInRuncLog(t *testing.T) {
	dir := t.TempDir()
	bundle := filepath.Join(dir, "bundle")
	if err := os.Mkdir(bundle, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), []byte(`{"ociVersion":"1.0.2"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		wrapper []string
		format  string
		code    int
		want    string
	}{
		{[]string{"--runc", "/nonexistent/runc"}, "json", exitFailure, "seccomp-gen: runtime: exec /nonexistent/runc: no such file or directory"},
		{[]string{"--allow-path", "rel", "--runc", "/nonexistent/runc"}, "json", exitUsage, `seccomp-gen: runtime: --allow-path "rel": not an absolute path`},
		// A flag last in runtimeArgs takes no value from the engine's
		// command line.
		{[]string{"--runc", "/nonexistent/runc", "--output-dir"}, "json", exitUsage, "seccomp-gen: runtime: --output-dir needs a value"},
		{[]string{"--runc", "/nonexistent/runc"}, "text", exitFailure, "seccomp-gen: runtime: exec /nonexistent/runc: no such file or directory"},
	} {
		log := filepath.Join(dir, "log"+string(rune('0'+i))+".json")
		runc := []string{"--root", filepath.Join(dir, "root"), "--log", log}
		if tc.format == "json" {
			runc = append(runc, "--log-format", "json")
		}
		args := append(append(append([]string{"runtime"}, tc.wrapper...), runc...), "create", "--bundle", bundle, "c1")
		_, stderr, code := sg(t, dir, args...)
		if code != tc.code || stderr != tc.want+"\n" {
			t.Errorf("%v: exit %d, stderr %q; want exit %d, %q", tc.wrapper, code, stderr, tc.code, tc.want)
		}
		data, err := os.ReadFile(log)
		if err != nil {
			t.Errorf("%v: runc's log: %v", tc.wrapper, err)
			continue
		}
		if tc.format == "text" {
			if want := `level=error msg="` + tc.want + `"`; !strings.Contains(string(data), want) {
				t.Errorf("%v: runc's text log %q lacks %q", tc.wrapper, data, want)
			}
			continue
		}
		// As containerd's shim reads it.
		var last string
		dec := json.NewDecoder(strings.NewReader(string(data)))
		for {
			var e struct {
				Level string `json:"level"`
				Msg   string `json:"msg"`
			}
			if err := dec.Decode(&e); err != nil {
				break
			}
			if e.Level == "error" {
				last = e.Msg
			}
		}
		if last != tc.want {
			t.Errorf("%v: runc's log says %q; want %q", tc.wrapper, last, tc.want)
		}
	}
}
