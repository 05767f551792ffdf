package profiles_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/profiles"
)

func TestShipped(t *testing.T) {
	names := profiles.BaselineNames()
	for _, want := range []string{"crun", "process", "runc"} {
		if !slices.Contains(names, want) {
			t.Errorf("baseline %s not shipped (have %v)", want, names)
		}
	}
	for _, n := range names {
		b, err := profiles.LoadBaseline(n)
		if err != nil {
			t.Fatal(err)
		}
		if b.Description == "" || b.Measured == "" || b.Source != "embedded:"+n {
			t.Errorf("%s: %+v", n, b)
		}
	}
	for _, n := range []string{"runc", "crun"} {
		b, _ := profiles.LoadBaseline(n)
		if !slices.Contains(b.Include, "process") || !slices.Contains(b.Syscalls["x86_64"], "execve") {
			t.Errorf("%s must include process and execve: %+v", n, b)
		}
	}
}

func TestParseBaselineStrict(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"", "empty file"},
		{"name: x\nsyscalls: {x86_64: [read]}\ncolour: red\n", "line 3: unknown field colour"},
		{"syscalls: {x86_64: [read]}\n", "no name"},
		{"name: x\n", "no syscalls"},
		{"name: x\nsyscalls: {x86_64: [read], aarch64: [read]}\n", "no 'measured' arch"},
		{"name: x\nmeasured: arm\nsyscalls: {x86_64: [read]}\n", `measured arch "arm" has no syscall list`},
		{"name: x\nsyscalls: {x86_64: [\"read write\"]}\n", "bad syscall name"},
		{"name: [\n", "b.yaml"},
		{"name: x\nsyscalls: {mips: [read]}\n", `unknown arch "mips"`},
		{"name: x\nsyscalls: {x86_64: []}\n", "has no syscall list"},
	} {
		_, err := profiles.ParseBaseline([]byte(c.body), "b.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "b.yaml") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: err %v, want one line naming b.yaml and %q", c.body, err, c.want)
		}
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mine.yaml")
	os.WriteFile(file, []byte("name: mine\ninclude: [crun]\nsyscalls: {x86_64: [uname]}\n"), 0o644)
	bl, err := profiles.Resolve([]string{"runc", file}, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range bl {
		got = append(got, b.Name)
	}
	if want := []string{"process", "runc", "crun", "mine"}; !slices.Equal(got, want) {
		t.Errorf("resolved %v, want %v (includes first, each once)", got, want)
	}
	if bl[3].Source != file {
		t.Errorf("source %q", bl[3].Source)
	}
	if _, err := profiles.Resolve([]string{filepath.Join(dir, "missing.yaml")}, os.ReadFile); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := profiles.Resolve([]string{"runc2"}, os.ReadFile); !errors.Is(err, profiles.ErrUnknownBaseline) {
		t.Errorf("unknown name: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "loop.yaml"), []byte("name: loop\ninclude: ["+filepath.Join(dir, "loop2.yaml")+"]\nsyscalls: {x86_64: [read]}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "loop2.yaml"), []byte("name: loop2\ninclude: ["+filepath.Join(dir, "loop.yaml")+"]\nsyscalls: {x86_64: [read]}\n"), 0o644)
	if _, err := profiles.Resolve([]string{filepath.Join(dir, "loop.yaml")}, os.ReadFile); err != nil {
		// A cycle ends at the second visit of a name: not an error, but it
		// must terminate.
		t.Logf("include cycle: %v", err)
	}
}

func TestCeiling(t *testing.T) {
	c := profiles.Ceiling()
	seen := map[string]bool{}
	for _, e := range c {
		if seen[e.Name] {
			t.Errorf("%s listed twice", e.Name)
		}
		seen[e.Name] = true
	}
	for _, must := range []string{"init_module", "finit_module", "kexec_load", "bpf", "perf_event_open", "io_uring_setup", "ptrace", "mount", "umount2", "pivot_root", "swapon", "reboot", "open_by_handle_at"} {
		if !seen[must] {
			t.Errorf("ceiling lacks %s", must)
		}
	}
}

// FuzzParseBaseline: any bytes give a baseline or a one-line error naming
// the source, never a panic.
func FuzzParseBaseline(f *testing.F) {
	for _, n := range profiles.BaselineNames() {
		b, _ := profiles.LoadBaseline(n)
		f.Add([]byte("name: " + b.Name + "\nsyscalls: {x86_64: [read]}\n"))
	}
	f.Add([]byte("name: x\ninclude: [a, b]\nmeasured: x86_64\nsyscalls: {x86_64: [read, write], aarch64: []}\n"))
	f.Add([]byte("{{{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := profiles.ParseBaseline(data, "fuzz.yaml")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Errorf("error does not name the source: %v", err)
			}
			for _, jargon := range []string{"into profiles.", "into map[", "into []", "unmarshal", "\n"} {
				if strings.Contains(err.Error(), jargon) {
					t.Errorf("error speaks Go (%q): %v", jargon, err)
				}
			}
			return
		}
		if b.Name == "" || len(b.Syscalls[b.Measured]) == 0 {
			t.Errorf("accepted %+v", b)
		}
	})
}

// A baseline file is read up to MaxBaselineSize: a huge file (here a
// sparse 200 MB one) or a device that never ends is refused without being
// read into memory, with one line that names it.
func TestReadFileBounded(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(200 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	endless := "/dev/zero" // only read, never written
	for _, path := range []string{big, endless} {
		_, err := profiles.Resolve([]string{path}, profiles.ReadFile)
		if err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") || !strings.HasPrefix(err.Error(), "baseline "+path+": ") {
			t.Errorf("%s: %v", path, err)
		}
	}
	_, err = profiles.Resolve([]string{dir + "/"}, profiles.ReadFile)
	if err == nil || err.Error() != "baseline "+dir+"/: is a directory, not a baseline file" {
		t.Errorf("directory: %v", err)
	}
	_, err = profiles.Resolve([]string{filepath.Join(dir, "missing.yaml")}, profiles.ReadFile)
	if err == nil || strings.Count(err.Error(), "missing.yaml") != 1 || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
}

// Decoding errors speak of the file, not of Go types, and a second YAML
// document is not ignored.
func TestParseBaselineErrorsPlain(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"name: x\nversion: 2\nsyscalls: {x86_64: [read]}\n", "line 2: unknown field version"},
		{"name: x\nsyscalls: [read]\n", "line 2: a list is not a mapping (key: value)"},
		{"name: x\nsyscalls: {x86_64: [read]}\nargs: {read: {0: [-1]}}\n", "line 3: -1 is not a whole number of 0 or more"},
		{"name: x\nsyscalls: {x86_64: [read]}\n---\nname: y\n", "more than one YAML document"},
		// yaml.v3 would read 0.7 as argument 0 and 1.5 as 1.
		{"name: x\nsyscalls: {x86_64: [read]}\nargs: {read: {0.7: [1]}}\n", "line 3: 0.7 is not a whole number (write it in digits)"},
		{"name: x\nsyscalls: {x86_64: [read]}\nargs: {read: {0: [1.5]}}\n", "line 3: 1.5 is not a whole number (write it in digits)"},
		// Other files seccomp-gen reads say what they are.
		{"version: 2\nsyscalls:\n  - {arch: x86_64, nr: 0, name: read, count: 1}\n", "a trace, not a baseline (give it to generate as a TRACE argument)"},
		{"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": []}\n", "a seccomp profile, not a baseline"},
	} {
		_, err := profiles.ParseBaseline([]byte(c.body), "b.yaml")
		if err == nil || err.Error() != "baseline b.yaml: "+c.want {
			t.Errorf("%q: err %v, want %q", c.body, err, c.want)
		}
	}
}
