package container

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseAnnotation(t *testing.T) {
	for _, c := range []struct {
		v, out, in, err string
	}{
		{v: "of:/tmp/a.json", out: "/tmp/a.json"},
		{v: "if:/b.json;of:/tmp/a.json", out: "/tmp/a.json", in: "/b.json"},
		{v: " of: /x/../a.json ; if:/b.json", out: "/a.json", in: "/b.json"},
		{v: "if:/b.json", in: "/b.json"},
		{v: "of:a.json", err: "not absolute"},
		{v: "of:/a;if:/b;of:/c", err: "more than one ';'"},
		{v: "of:/a;of:/b", err: "of: given twice"},
		{v: "out:/a", err: "each part must start with \"of:PATH\" or \"if:PATH\""},
		// The annotation set without a value: neither (--output-dir's path).
		{v: ""},
		{v: " "},
		{v: ";", err: "each part must start"},
	} {
		out, in, err := ParseAnnotation(c.v)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !errors.Is(err, ErrAnnotation) {
				t.Errorf("%q: error %v, want %q", c.v, err, c.err)
			}
			continue
		}
		if err != nil || out != c.out || in != c.in {
			t.Errorf("%q: %q %q %v, want %q %q", c.v, out, in, err, c.out, c.in)
		}
	}
}

func TestReadState(t *testing.T) {
	s, err := ReadState(strings.NewReader(`{"ociVersion":"1.0.2","id":"c1","status":"created","pid":42,"bundle":"/b","annotations":{"a":"b"}}`))
	if err != nil || s.ID != "c1" || s.Pid != 42 || s.Annotations["a"] != "b" {
		t.Fatalf("%+v %v", s, err)
	}
	for in, want := range map[string]string{
		`{"id":"c1","pid":0}`: "pid 0",
		// Not a recorder of the whole host.
		`{"id":"c1","pid":1}`: "pid 1 is the init of the runtime's PID namespace",
		`{"pid":3}`:           "no id",
		`garbage`:             "not the OCI state JSON",
	} {
		if _, err := ReadState(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}

// Bad state on stdin gets one line in JSON's terms: no Go types, no
// "unexpected end of JSON input" for what was cut by the size bound.
func TestReadStateErrors(t *testing.T) {
	huge := `{"id":"c1","pid":42,"annotations":{"a":"` + strings.Repeat("b", 2<<20) + `"}}`
	for in, want := range map[string]string{
		"":                       "container state: nothing on stdin (the runtime passes the OCI state JSON there)",
		" \n":                    "container state: nothing on stdin (the runtime passes the OCI state JSON there)",
		huge:                     "container state: more than 1 MiB on stdin, not the OCI state JSON; not read",
		`{"id":"c1","pid":"42"}`: "container state: not the OCI state JSON on stdin: pid: a JSON string, want a whole number",
		`{"id":"c1","pid":1e99}`: "container state: not the OCI state JSON on stdin: pid: a JSON number 1e99, want a whole number",
		`{"id":"c1",`:            "container state: not the OCI state JSON on stdin: the JSON ends too early (cut short?)",
		"{\n\"id\": NaN}":        "container state: not the OCI state JSON on stdin: line 2: invalid character 'N' looking for beginning of value",
	} {
		_, err := ReadState(strings.NewReader(in))
		if err == nil || err.Error() != want {
			t.Errorf("%.30q: %v, want %q", in, err, want)
		}
	}
}

func TestPlanJob(t *testing.T) {
	dir := t.TempDir()
	s := &State{ID: "abc", Pid: 1}
	if _, err := PlanJob(s, HookOptions{}); err == nil || !strings.Contains(err.Error(), "no output") {
		t.Errorf("no of: and no --output-dir: %v", err)
	}
	j, err := PlanJob(s, HookOptions{OutputDir: filepath.Join(dir, "new"), Trace: true, Runtime: "crun"})
	if err != nil || j.Profile != filepath.Join(dir, "new", "abc.json") || j.Trace != filepath.Join(dir, "new", "abc.trace.yaml") || j.Runtime != "crun" {
		t.Errorf("--output-dir: %+v %v", j, err)
	}
	s.Annotations = map[string]string{Annotation: "of:" + filepath.Join(dir, "p.json") + ";if:" + filepath.Join(dir, "missing.json")}
	if _, err := PlanJob(s, HookOptions{AllowPaths: []string{dir}}); err == nil || !strings.Contains(err.Error(), "if:") {
		t.Errorf("missing if: %v", err)
	}
	s.Annotations = map[string]string{Annotation: "of:" + dir}
	if _, err := PlanJob(s, HookOptions{AllowPaths: []string{filepath.Dir(dir)}}); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("of: a directory: %v", err)
	}
	s = &State{ID: "../x", Pid: 1}
	if _, err := PlanJob(s, HookOptions{OutputDir: dir}); err == nil {
		t.Errorf("an ID with a slash names a file outside --output-dir")
	}
}

func TestWrapperArgs(t *testing.T) {
	o, rest, err := ParseWrapperArgs([]string{"--output-dir", "/d", "--runc=/usr/sbin/runc", "--no-trace", "--root", "/r", "create", "--bundle", "/b", "id"})
	if err != nil || o.OutputDir != "/d" || o.Runc != "/usr/sbin/runc" || !o.NoTrace {
		t.Fatalf("%+v %v", o, err)
	}
	if !reflect.DeepEqual(rest, []string{"--root", "/r", "create", "--bundle", "/b", "id"}) {
		t.Fatalf("runc args %q", rest)
	}
	cmd, i := RuncCommand(rest)
	if cmd != "create" || CreateBundle(rest[i:]) != "/b" {
		t.Errorf("command %q bundle %q", cmd, CreateBundle(rest[i:]))
	}
	cmd, i = RuncCommand([]string{"--log", "create", "--debug", "state", "x"})
	if cmd != "state" || i != 4 {
		t.Errorf("--log takes a value: %q %d", cmd, i)
	}
	if b := CreateBundle([]string{"-b=/x", "id"}); b != "/x" {
		t.Errorf("-b=: %q", b)
	}
	if b := CreateBundle([]string{"id"}); b != "." {
		t.Errorf("default bundle: %q", b)
	}
	if _, _, err := ParseWrapperArgs([]string{"--output-dir"}); err == nil {
		t.Errorf("--output-dir without a value")
	}
	if _, _, err := ParseWrapperArgs([]string{"--allow-path", "rel", "create"}); err == nil || !strings.Contains(err.Error(), `--allow-path "rel": not an absolute path`) {
		t.Errorf("a relative --allow-path: %v", err)
	}
}

// The wrapper hands its --allow-path directories to the hook it adds.
func TestWrapAllowPaths(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"ociVersion":"1.0.2"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	o, rest, err := ParseWrapperArgs([]string{"--allow-path", "/a", "--allow-path=/b", "--runc", "/bin/true", "create", "--bundle", dir, "id"})
	if err != nil || !reflect.DeepEqual(o.AllowPaths, []string{"/a", "/b"}) {
		t.Fatalf("%+v %v", o, err)
	}
	o.Hook = "/sg"
	if _, _, err := Wrap(o, rest); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if !strings.Contains(string(data), `"args":["seccomp-gen","hook","--output-dir","`+DefaultOutputDir+`","--trace","--allow-path","/a","--allow-path","/b"]`) {
		t.Errorf("hook args: %s", data)
	}
}

// The wrapper's --allow-unknown-syscalls reaches the hook it adds.
func TestWrapAllowUnknownSyscalls(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"ociVersion":"1.0.2"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	o, rest, err := ParseWrapperArgs([]string{"--allow-unknown-syscalls", "--runc", "/bin/true", "create", "--bundle", dir, "id"})
	if err != nil || !o.AllowUnknownSyscalls || !reflect.DeepEqual(rest, []string{"create", "--bundle", dir, "id"}) {
		t.Fatalf("%+v %q %v", o, rest, err)
	}
	o.Hook = "/sg"
	if _, _, err := Wrap(o, rest); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if !strings.Contains(string(data), `"args":["seccomp-gen","hook","--output-dir","`+DefaultOutputDir+`","--trace","--allow-unknown-syscalls"]`) {
		t.Errorf("hook args: %s", data)
	}
}

// --runc NAME is looked up in PATH (exec(2) alone would say "no such file
// or directory" for --runc crun); a name not there is said so.
func TestWrapRuncName(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"ociVersion":"1.0.2"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true in PATH")
	}
	runc, argv, err := Wrap(WrapperOptions{Runc: "true", Hook: "/sg"}, []string{"state", "id"})
	if err != nil || runc != want || argv[0] != "runc" {
		t.Errorf("--runc true: %q %q %v, want %s", runc, argv, err, want)
	}
	if _, _, err := Wrap(WrapperOptions{Runc: "no-such-runc-sg", Hook: "/sg"}, []string{"state", "id"}); err == nil || err.Error() != "runtime: --runc no-such-runc-sg: not found in PATH" {
		t.Errorf("--runc no-such-runc-sg: %v", err)
	}
}

// A config.json that AddHook cannot read gets one line in JSON's terms, as
// bad state on stdin does (TestReadStateErrors): no Go types such as
// "map[string]json.RawMessage", which said nothing to whoever wrote the
// bundle.
func TestAddHookErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	for in, want := range map[string]string{
		`{"hooks":"str"}`:                       "hooks: a JSON string, want an object",
		`{"hooks":{"createRuntime":{}}}`:        "hooks.createRuntime: a JSON object, want an array",
		`{"hooks":{"createRuntime":"/sg"}}`:     "hooks.createRuntime: a JSON string, want an array",
		`["not", "a", "config"]`:                "a JSON array, want an object",
		`{"hooks":{"createRuntime":[`:           "the JSON ends too early (cut short?)",
		"{\n\"hooks\": {\"createRuntime\": x}}": "line 2: invalid character 'x' looking for beginning of value",
	} {
		if err := os.WriteFile(path, []byte(in), 0o600); err != nil {
			t.Fatal(err)
		}
		err := AddHook(dir, []string{"/sg", "hook"})
		if err == nil || err.Error() != "bundle: "+path+": "+want {
			t.Errorf("%s: %v, want %q", in, err, "bundle: "+path+": "+want)
		}
	}
}

func TestAddHookKeepsConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := `{"ociVersion":"1.0.2","process":{"args":["sh"]},"hooks":{"prestart":[{"path":"/other"}],"createRuntime":[{"path":"/first"}]},"x-unknown":{"kept":true}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // twice: a bundle created again gets it once
		if err := AddHook(dir, []string{"/usr/local/bin/seccomp-gen", "hook", "--output-dir", "/d"}); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	var got struct {
		Hooks map[string][]struct {
			Path string   `json:"path"`
			Args []string `json:"args"`
		} `json:"hooks"`
		Unknown map[string]bool `json:"x-unknown"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	cr := got.Hooks["createRuntime"]
	if len(cr) != 2 || cr[0].Path != "/first" || cr[1].Path != "/usr/local/bin/seccomp-gen" ||
		!reflect.DeepEqual(cr[1].Args, []string{"seccomp-gen", "hook", "--output-dir", "/d"}) {
		t.Errorf("createRuntime: %+v", cr)
	}
	if len(got.Hooks["prestart"]) != 1 || !got.Unknown["kept"] {
		t.Errorf("other fields lost: %s", data)
	}
	if st, _ := os.Stat(filepath.Join(dir, "config.json")); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
}

// The hook the wrapper adds carries its options: --trace unless
// --no-trace, --log when given. It is added on runc create and runc run;
// other runc commands (state, start, delete) leave config.json as it is.
func TestWrapHookArgs(t *testing.T) {
	hookArgs := "seccomp-gen,hook,--output-dir," + DefaultOutputDir
	// Only named in the hook's arguments: the fake runc runs no hook.
	logPath := filepath.Join(t.TempDir(), "sg.log")
	for _, c := range []struct {
		name string
		opts WrapperOptions
		cmd  string
		want string // the hook's args, joined by ","; "" for no hook
	}{
		{"create", WrapperOptions{}, "create", hookArgs + ",--trace"},
		{"run", WrapperOptions{}, "run", hookArgs + ",--trace"},
		{"no trace", WrapperOptions{NoTrace: true}, "create", hookArgs},
		{"log", WrapperOptions{Log: logPath}, "create", hookArgs + ",--trace,--log," + logPath},
		{"state", WrapperOptions{}, "state", ""},
		{"start", WrapperOptions{}, "start", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, "config.json")
			if err := os.WriteFile(cfg, []byte(`{"ociVersion":"1.0.2"}`), 0o644); err != nil {
				t.Fatal(err)
			}
			c.opts.Runc, c.opts.Hook = "/bin/true", "/sg"
			if _, _, err := Wrap(c.opts, []string{"--root", "/r", c.cmd, "--bundle", dir, "id"}); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(cfg)
			var got struct {
				Hooks map[string][]struct {
					Args []string `json:"args"`
				} `json:"hooks"`
			}
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatal(err)
			}
			args := ""
			if cr := got.Hooks["createRuntime"]; len(cr) == 1 {
				args = strings.Join(cr[0].Args, ",")
			} else if len(cr) > 1 {
				t.Fatalf("%d hooks added: %s", len(cr), data)
			}
			if args != c.want {
				t.Errorf("runc %s: hook args %q, want %q", c.cmd, args, c.want)
			}
		})
	}
}

// runc takes the last of a repeated global flag: the wrapper's error goes
// to the log runc would write.
func TestRuncGlobalLast(t *testing.T) {
	args := []string{"--log=/a.json", "--root", "/r", "--log", "/b.json", "create", "--log", "/c.json"}
	if got := runcGlobal(args, "--log"); got != "/b.json" {
		t.Errorf("runcGlobal(--log) = %q, want /b.json", got)
	}
}
