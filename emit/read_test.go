package emit

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/policy"
)

// pairFn writes one "key": value pair of an object at key path path; the
// variants below replace it with what a runtime could read differently.
type pairFn func(path, k, v string) string

func plainPair(_, k, v string) string { return fmt.Sprintf("%q:%s", k, v) }

// seccompJSON builds a valid seccomp object whose every key goes through m;
// prefix is its own key path ("" or "linux.seccomp.").
func seccompJSON(m pairFn, prefix string) string {
	obj := func(pairs ...string) string { return "{" + strings.Join(pairs, ",") + "}" }
	ap := prefix + "syscalls[0].args[0]."
	arg := obj(m(ap+"index", "index", "0"), m(ap+"value", "value", "1"), m(ap+"op", "op", `"SCMP_CMP_EQ"`))
	rp := prefix + "syscalls[0]."
	rule := obj(m(rp+"names", "names", `["read"]`), m(rp+"action", "action", `"SCMP_ACT_ALLOW"`), m(rp+"args", "args", "["+arg+"]"))
	rule2 := obj(m(prefix+"syscalls[1].names", "names", `["write"]`), m(prefix+"syscalls[1].action", "action", `"SCMP_ACT_ERRNO"`), m(prefix+"syscalls[1].errnoRet", "errnoRet", "1"))
	return obj(m(prefix+"defaultAction", "defaultAction", `"SCMP_ACT_ERRNO"`),
		m(prefix+"architectures", "architectures", `["SCMP_ARCH_X86_64"]`),
		m(prefix+"syscalls", "syscalls", "["+rule+","+rule2+"]"))
}

func configJSON(m pairFn) string {
	linux := "{" + m("linux.namespaces", "namespaces", `[{"type":"pid"}]`) + "," + m("linux.seccomp", "seccomp", seccompJSON(m, "linux.seccomp.")) + "}"
	return "{" + m("ociVersion", "ociVersion", `"1.0.2"`) + "," + m("process", "process", `{"args":["sh"]}`) + "," + m("linux", "linux", linux) + "}"
}

// escapeFirst writes k with its first character as a \u escape: the same
// key once decoded.
func escapeFirst(k string) string { return fmt.Sprintf(`\u%04x%s`, k[0], k[1:]) }

// keyVariants are spellings of a key that runc and crun could read
// differently, or a second occurrence of it; each must be refused.
var keyVariants = []struct {
	name string
	pair func(k, v string) (string, bool)
}{
	{"upper first", func(k, v string) (string, bool) {
		return fmt.Sprintf("%q:%s", strings.ToUpper(k[:1])+k[1:], v), true
	}},
	{"all upper", func(k, v string) (string, bool) { return fmt.Sprintf("%q:%s", strings.ToUpper(k), v), true }},
	{"escaped upper", func(k, v string) (string, bool) {
		u := strings.ToUpper(k[:1]) + k[1:]
		return fmt.Sprintf(`"%s":%s`, escapeFirst(u), v), true
	}},
	{"long s fold", func(k, v string) (string, bool) {
		// Go's encoding/json folds U+017F to s
		return fmt.Sprintf("%q:%s", strings.Replace(k, "s", "\u017f", 1), v), strings.Contains(k, "s")
	}},
	{"kelvin fold", func(k, v string) (string, bool) {
		return fmt.Sprintf("%q:%s", strings.Replace(k, "k", "\u212a", 1), v), strings.Contains(k, "k")
	}},
	{"NUL suffix", func(k, v string) (string, bool) { return fmt.Sprintf(`"%s\u0000x":%s`, k, v), true }},
	{"duplicate", func(k, v string) (string, bool) { return fmt.Sprintf("%q:%s,%q:%s", k, v, k, v), true }},
	{"duplicate escaped", func(k, v string) (string, bool) {
		return fmt.Sprintf(`%q:%s,"%s":%s`, k, v, escapeFirst(k), v), true
	}},
	{"case variant after", func(k, v string) (string, bool) {
		return fmt.Sprintf("%q:%s,%q:%s", k, v, strings.ToUpper(k), v), true
	}},
	{"case variant before", func(k, v string) (string, bool) {
		return fmt.Sprintf("%q:%s,%q:%s", strings.ToUpper(k[:1])+k[1:], v, k, v), true
	}},
}

// TestKeyVariantsRefused: every key on the path to the profile (linux,
// linux.seccomp) and every key inside it, at every depth, in a config.json
// and in a bare profile, spelled any way a runtime could read differently or
// given twice, is refused with the key path.
func TestKeyVariantsRefused(t *testing.T) {
	if _, _, err := Parse("config.json", []byte(configJSON(plainPair))); err != nil {
		t.Fatalf("the plain config is refused: %v", err)
	}
	if _, _, err := Parse("p.json", []byte(seccompJSON(plainPair, ""))); err != nil {
		t.Fatalf("the plain profile is refused: %v", err)
	}
	var paths []string
	collect := func(path, k, v string) string { paths = append(paths, path); return plainPair(path, k, v) }
	configJSON(collect)
	n := 0
	for _, target := range paths {
		if target == "ociVersion" || target == "process" || target == "linux.namespaces" {
			continue // not on the path to the profile
		}
		for _, kv := range keyVariants {
			for _, bare := range []bool{false, true} {
				var ok bool
				m := func(path, k, v string) string {
					if path == target || bare && "linux.seccomp."+path == target {
						var s string
						s, ok = kv.pair(k, v)
						return s
					}
					return plainPair(path, k, v)
				}
				data, name := configJSON(m), "config.json"
				if bare {
					if !strings.HasPrefix(target, "linux.seccomp.") {
						continue
					}
					data, name = seccompJSON(m, ""), "p.json"
				}
				if !ok {
					continue
				}
				n++
				parent := target[:strings.LastIndexAny(target, ".")+1]
				if bare {
					parent = strings.TrimPrefix(parent, "linux.seccomp.")
				}
				p, _, err := Parse(name, []byte(data))
				var ke *KeyError
				if err == nil {
					t.Errorf("%s %s (%s): accepted %s: %+v", name, target, kv.name, data, p)
					continue
				}
				if !errors.As(err, &ke) || !errors.Is(err, ErrInvalidProfile) || !strings.HasPrefix(err.Error(), name+": "+parent) || !strings.HasPrefix(ke.Path, parent) {
					t.Errorf("%s %s (%s): error %q: want a KeyError at %s...", name, target, kv.name, err, parent)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("multi-line error %q", err)
				}
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d variants tried", n)
	}
}

func TestConfigKeyMessages(t *testing.T) {
	sec := `{"defaultAction":"SCMP_ACT_ERRNO"}`
	for _, tc := range []struct{ data, want string }{
		{`{"ociVersion":"1","linux":{"Seccomp":` + sec + `}}`, `config.json: linux.Seccomp: key differs from "seccomp" only in case`},
		{`{"ociVersion":"1","Linux":{"seccomp":` + sec + `}}`, `config.json: Linux: key differs from "linux" only in case`},
		{`{"ociVersion":"1","linux":{"seccomp":` + sec + `,"seccomp":` + sec + `}}`, `config.json: linux.seccomp: duplicate key: runc reads the last one, crun the first`},
		{`{"ociVersion":"1","linux":{"seccomp":` + sec + `},"linux":{}}`, `config.json: linux: duplicate key`},
		{`{"ociVersion":"1","linux":{"seccomp":` + sec + `,"Seccomp":` + sec + `}}`, `config.json: linux.Seccomp: key differs`},
		{`{"ociVersion":"1","linux":{"se\u0063comp":` + sec + `,"seccomp":` + sec + `}}`, `config.json: linux.seccomp: duplicate key`},
		{`{"ociVersion":"1","linux":{"seccomp\u0000":` + sec + `}}`, `config.json: linux."seccomp\x00": key with a NUL character: crun reads it as "seccomp"`},
		{`{"ociVersion":"1","linux":{"ſeccomp":` + sec + `}}`, `config.json: linux.ſeccomp: key differs`},
		{`{"ociVersion":"1","linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"Op":"SCMP_CMP_EQ"}]}]}}}`, `config.json: linux.seccomp.syscalls[0].args[0].Op: unknown key (did you mean "op"?`},
		{`{"ociVersion":"1","linux":{"Seccomp":` + sec + `}}`, `runc (Go's JSON) reads it as seccomp, crun ignores it`},
	} {
		_, _, err := Parse("config.json", []byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant %s", tc.data, err, tc.want)
		}
	}
	// escapes that decode to the exact key are the key: both runtimes decode them
	p, f, err := Parse("config.json", []byte(`{"ociVersion":"1","\u006cinux":{"se\u0063comp":{"defaultAction":"SCMP_ACT_ERRNO","\u0073yscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}}}`))
	if err != nil || f != FormatOCIConfig || !p.Allows("read") {
		t.Errorf("escaped exact keys: %v %v %+v", f, err, p)
	}
}

// TestTypeErrorMessages: a value of the wrong type is named in JSON's or
// YAML's words, never by the Go type it is decoded into.
func TestTypeErrorMessages(t *testing.T) {
	spo := "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec:\n"
	for _, tc := range []struct{ data, want string }{
		{`{"defaultAction":5}`, "p: invalid profile: defaultAction: got JSON number, want a string"},
		{`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":{"a":1}}`, "p: invalid profile: syscalls: got JSON object, want an array"},
		{`{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":-1}`, "p: invalid profile: defaultErrnoRet: got JSON number -1, want a whole number of 0 or more"},
		{`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":"read","action":"SCMP_ACT_ALLOW"}]}`, "p: invalid profile: syscalls.names: got JSON string, want an array"},
		{spo + "  defaultAction: [1]\n", "p: invalid profile: SeccompProfile: line 5: a list is not allowed here"},
		{spo + "  defaultAction: SCMP_ACT_ERRNO\n  syscalls: 3\n", "p: invalid profile: SeccompProfile: line 6: 3 is not a list"},
	} {
		_, _, err := Parse("p", []byte(tc.data))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got %v\nwant %s", tc.data, err, tc.want)
		}
	}
}

// TestSetOCISeccompRefusesAmbiguousKeys: generate --oci-config must not
// silently keep one of two linux keys, nor write linux.seccomp next to a
// Linux or Seccomp that runc would read instead.
func TestSetOCISeccompRefusesAmbiguousKeys(t *testing.T) {
	for _, tc := range []struct{ config, want string }{
		{`{"ociVersion":"1","linux":{"namespaces":[]},"linux":{"maskedPaths":[]}}`, "linux: duplicate key"},
		{`{"ociVersion":"1","ociVersion":"1.0.2"}`, "ociVersion: duplicate key"},
		{`{"ociVersion":"1","Linux":{"seccomp":{}}}`, `Linux: key differs from "linux" only in case`},
		{`{"ociVersion":"1","linux":{"Seccomp":{"defaultAction":"SCMP_ACT_ALLOW"}}}`, `linux.Seccomp: key differs`},
		{`{"ociVersion":"1","linux":{"namespaces":[],"namespaces":[{"type":"pid"}]}}`, "linux.namespaces: duplicate key"},
		{`{"ociVersion":"1","linux":{"seccomp":{},"seccomp":{}}}`, "linux.seccomp: duplicate key"},
		{`{"ociVersion":"1","linux":{"seccomp\u0000":{}}}`, "NUL"},
		{`{"ociVersion":"1","linux":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, "nested deeper"},
		// The whole value of the wrong type: named once ("linux: : got"
		// before).
		{`{"ociVersion":"1","linux":[]}`, "OCI config: linux: got JSON array, want an object"},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, "config.json")
		os.WriteFile(path, []byte(tc.config), 0o644)
		err := SetOCIConfig(path, fixture())
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: got %v, want %q and the path", tc.config, err, tc.want)
		}
		if got, _ := os.ReadFile(path); string(got) != tc.config {
			t.Errorf("%s: file changed to %s", tc.config, got)
		}
	}
	// other keys at deeper levels are not ours to judge; escaped exact keys are fine
	out, err := SetOCISeccomp([]byte(`{"ociVersion":"1","\u006cinux":{"namespaces":[]},"process":{"env":["A=1"]}}`), fixture())
	if err != nil || !bytes.Contains(out, []byte(`"seccomp"`)) {
		t.Errorf("escaped linux: %v\n%s", err, out)
	}
}

func allowPtarce(arches string) string {
	return `{"defaultAction":"SCMP_ACT_ALLOW","architectures":[` + arches + `],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},{"names":["getpid","ptarce"],"action":"SCMP_ACT_ERRNO"},{"names":["ptarce"],"action":"SCMP_ACT_KILL"}]}`
}

// TestUnknownSyscalls: a name libseccomp knows on none of the listed ABIs
// is an error naming the file, the rule, the name and the ABIs; with
// AllowUnknownSyscalls it is a warning and the name is dropped, as runtimes
// drop it.
func TestUnknownSyscalls(t *testing.T) {
	for _, tc := range []struct {
		name, data, want string
	}{
		{"docker", allowPtarce(`"SCMP_ARCH_X86_64","SCMP_ARCH_X86"`), `p.json: syscalls[1] "ptarce", syscalls[2] "ptarce": syscall names that libseccomp 2.5.4 knows on none of the profile's ABIs (x86_64, x86); runc and crun drop such names silently`},
		{"only misspelled", `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ptarce"],"action":"SCMP_ACT_ERRNO"}]}`, `p.json: syscalls[0] "ptarce": a syscall name that libseccomp`},
		{"config", `{"ociVersion":"1","linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","no_such"],"action":"SCMP_ACT_ALLOW"}]}}}`, `p.json: linux.seccomp.syscalls[0] "no_such": a syscall name`},
		{"spo", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec:\n  defaultAction: SCMP_ACT_ALLOW\n  architectures: [SCMP_ARCH_X86_64]\n  syscalls:\n  - names: [ptrace]\n    action: SCMP_ACT_ERRNO\n  - names: [bpff]\n    action: SCMP_ACT_ERRNO\n", `p.json: spec.syscalls[1] "bpff"`},
		// open exists on x86_64 only, arm_fadvise64_64 on arm only: fine on a list with both
		{"aarch64 only", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_AARCH64"],"syscalls":[{"names":["open","read"],"action":"SCMP_ACT_ALLOW"}]}`, `syscalls[0] "open": a syscall name that libseccomp 2.5.4 knows on none of the profile's ABIs (aarch64)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Parse("p.json", []byte(tc.data))
			var ue *UnknownSyscallsError
			if err == nil || !errors.As(err, &ue) || !errors.Is(err, ErrInvalidProfile) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v\nwant %s", err, tc.want)
			}
			var warned []error
			p, _, err := ParseWith("p.json", []byte(tc.data), ReadOptions{AllowUnknownSyscalls: true, Warn: func(e error) { warned = append(warned, e) }})
			if tc.name == "only misspelled" {
				// dropped, the profile allows everything: still refused
				if err == nil || !strings.Contains(err.Error(), "allows every syscall") || len(warned) != 1 {
					t.Errorf("allow-all after dropping: %v %v", err, warned)
				}
				return
			}
			if err != nil {
				t.Fatalf("with AllowUnknownSyscalls: %v", err)
			}
			if len(warned) != 1 || !strings.Contains(warned[0].Error(), tc.want) {
				t.Errorf("warnings %v, want one with %s", warned, tc.want)
			}
			for _, r := range p.Rules {
				for _, n := range r.Names {
					if n == "ptarce" || n == "no_such" || n == "bpff" || n == "open" && tc.name == "aarch64 only" {
						t.Errorf("unknown name %s kept: %+v", n, p.Rules)
					}
				}
			}
		})
	}
	// names known on one of several listed ABIs are fine
	if _, _, err := Parse("p.json", []byte(`{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_AARCH64","SCMP_ARCH_X86_64"],"syscalls":[{"names":["open"],"action":"SCMP_ACT_ALLOW"}]}`)); err != nil {
		t.Errorf("open on aarch64+x86_64: %v", err)
	}
	// the dropped policy is what runtimes load: getpid denied, ptrace allowed
	p, _, err := ParseWith("p.json", []byte(allowPtarce(`"SCMP_ARCH_X86_64"`)), ReadOptions{AllowUnknownSyscalls: true})
	if err != nil || p.Allows("getpid") || !p.Allows("ptrace") || len(p.Rules) != 2 {
		t.Errorf("dropped policy: %v %+v", err, p)
	}
}

// TestBounds: oversized or overdeep inputs are refused fast, with a clear
// message, before they cost seconds or gigabytes.
const argEq1 = `"args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]`

func TestBounds(t *testing.T) {
	big := `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","comment":"` + strings.Repeat("x", MaxProfileSize) + `"}]}`
	many := func(n int, rule string) string {
		return `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[` + strings.TrimSuffix(strings.Repeat(rule+",", n), ",") + `]}`
	}
	names := `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":[` + strings.TrimSuffix(strings.Repeat(`"read",`, MaxNames+1), ",") + `],"action":"SCMP_ACT_ALLOW"}]}`
	args := `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[` + strings.TrimSuffix(strings.Repeat(`{"index":0,"value":1,"op":"SCMP_CMP_EQ"},`, MaxArgs+1), ",") + `]}]}`
	spoHead := "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\n"
	bomb := spoHead + "status:\n  a: &a [x,x,x,x,x,x,x,x,x,x]\n  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\nspec: {defaultAction: SCMP_ACT_ERRNO}\n"
	deepYAML := spoHead + "status: " + strings.Repeat("[", 200) + strings.Repeat("]", 200) + "\nspec: {defaultAction: SCMP_ACT_ERRNO}\n"
	deepBlock := spoHead + "status:\n"
	for i := 1; i < 100; i++ {
		deepBlock += strings.Repeat(" ", i) + "k:\n"
	}
	for _, tc := range []struct{ name, data, want string }{
		{"size", big, "larger than 4 MiB"},
		{"rules", many(MaxRules+1, `{"names":["read"],"action":"SCMP_ACT_ALLOW"}`), "4097 rules, more than the 4096"},
		{"names", names, "more than the 32768"},
		{"args", args, "syscalls[0]: 65 argument conditions"},
		{"conditions", many(1025, `{"names":["read","write","openat","close","fstat","mmap","brk","getpid"],"action":"SCMP_ACT_ALLOW",`+argEq1+`}`), "8200 argument conditions (each counted once per syscall its rule names), more than the 8192"},
		{"json depth", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`, "nested deeper than 64"},
		{"json depth small", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`, "nested deeper than 64"},
		{"config depth", `{"ociVersion":"1","annotations":` + strings.Repeat(`{"a":`, 70) + "1" + strings.Repeat("}", 70) + `,"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO"}}}`, "nested deeper than 64"},
		{"alias bomb", bomb, "aliases"},
		{"yaml flow depth", deepYAML, "nested deeper than 64"},
		{"yaml block depth", deepBlock, "nested deeper than 64"},
		{"spo rules", spoHead + "spec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n" + strings.Repeat("  - {names: [read], action: SCMP_ACT_ALLOW}\n", MaxRules+1), "spec.syscalls: 4097 rules"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := []byte(tc.data)
			var err error
			used := allocated(func() { _, _, err = Parse("p.json", data) })
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "p.json: ") {
				t.Errorf("got %.300v, want %q", err, tc.want)
			}
			if used > maxBoundsAlloc {
				t.Errorf("refusing it allocated %d MiB (at most %d)", used>>20, maxBoundsAlloc>>20)
			}
		})
	}
	// Read stops at the bound instead of reading a huge file
	path := filepath.Join(t.TempDir(), "huge.json")
	f, _ := os.Create(path)
	f.Truncate(50 << 20)
	f.Close()
	if _, _, err := Read(path); err == nil || !strings.Contains(err.Error(), "huge.json: invalid profile: larger than 4 MiB") {
		t.Errorf("50 MB file: %v", err)
	}
	// a profile just under the bounds, with the most rules and names, is
	// read (its speed: BenchmarkParseAtBounds)
	var err error
	if used := allocated(func() { _, _, err = Parse("p.json", atBounds()) }); err != nil || used > maxBoundsAlloc {
		t.Errorf("a profile at the bounds: %v, %d MiB allocated (at most %d)", err, used>>20, maxBoundsAlloc>>20)
	}
}

// maxBoundsAlloc is what reading or refusing any input may allocate: the
// bounds' inputs take 0-22 MiB to refuse and a profile at the bounds ~40
// MiB to read, where the decoders without the bounds would take gigabytes
// (an alias bomb expands to 10^7 nodes). Bytes, not seconds: the machines
// that run the tests are too noisy for a time limit, and a byte count is
// the same on all of them.
const maxBoundsAlloc = 128 << 20

// atBounds is a profile just under the bounds with the most rules and names.
func atBounds() []byte {
	var rules []string
	for i := 0; i < MaxRules; i++ {
		rules = append(rules, fmt.Sprintf(`{"names":["read","write","openat","close","fstat","mmap","brk"],"action":"SCMP_ACT_ERRNO","errnoRet":%d}`, i%4000))
	}
	return []byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[` + strings.Join(rules, ",") + `]}`)
}

// BenchmarkParseAtBounds: how long a profile at the bounds takes to read
// (what TestBounds once asserted as under 2 s).
func BenchmarkParseAtBounds(b *testing.B) {
	data := atBounds()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, err := Parse("p.json", data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseRaw: rules in file order with their key paths, unknown names
// listed, allow-all profiles readable for a linter.
func TestParseRaw(t *testing.T) {
	raw, err := ParseRaw("p.json", []byte(allowPtarce(`"SCMP_ARCH_X86_64"`)))
	if err != nil {
		t.Fatal(err)
	}
	if len(raw.Policy.Rules) != 3 || raw.Policy.Rules[0].Action != policy.ActAllow || raw.Where[2] != "syscalls[2]" || raw.Format != FormatOCI {
		t.Errorf("raw: %+v %v %v", raw.Policy.Rules, raw.Where, raw.Format)
	}
	if len(raw.Unknown) != 2 || raw.Unknown[0] != (UnknownName{Rule: 1, Where: "syscalls[1]", Name: "ptarce"}) {
		t.Errorf("unknown: %+v", raw.Unknown)
	}
	raw, err = ParseRaw("p.json", []byte(`{"defaultAction":"SCMP_ACT_ALLOW","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86"]}]}`))
	if err != nil || !raw.ArchMap || raw.Format != FormatDocker {
		t.Errorf("allow-all archMap: %v %+v", err, raw)
	}
}

// TestSPOErrnoRetAsYAMLInteger: errnoRet is read as the file's other
// integers are (an argument's value: 0755 is 493), so 010 is 8 and 0xd is
// 13, as kubectl reads them; it was read as decimal text (010 was 10, 0xd
// refused). A quoted number (older SPO releases) is still decimal.
func TestSPOErrnoRetAsYAMLInteger(t *testing.T) {
	head := "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec:\n  defaultAction: SCMP_ACT_ALLOW\n  architectures: [SCMP_ARCH_X86_64]\n  syscalls:\n  - names: [getsid]\n    action: SCMP_ACT_ERRNO\n    errnoRet: "
	for _, tc := range []struct {
		v    string
		want uint
	}{{"13", 13}, {"010", 8}, {"0o10", 8}, {"0xd", 13}, {`"13"`, 13}, {`"010"`, 10}, {"4094", 4094}} {
		p, _, err := Parse("p.yaml", []byte(head+tc.v+"\n"))
		if err != nil {
			t.Errorf("errnoRet %s: %v", tc.v, err)
			continue
		}
		if got := p.Lookup("getsid"); got.Action != policy.ActErrno || got.Errno != tc.want {
			t.Errorf("errnoRet %s: %+v, want ERRNO(%d)", tc.v, got, tc.want)
		}
	}
	for _, v := range []string{"65536", "-1", "1.5", "x", "[1]"} {
		if _, _, err := Parse("p.yaml", []byte(head+v+"\n")); err == nil || !strings.Contains(err.Error(), "not a number 0..65535") {
			t.Errorf("errnoRet %s: %v, want refused", v, err)
		}
	}
}

// TestNotifyRefused: SCMP_ACT_NOTIFY is refused as such, in a rule or as
// the default, in every format; it was refused only when the filter was
// compiled, "neither runtime would start", which crun (it starts, and the
// calls fail with ENOSYS) contradicts.
func TestNotifyRefused(t *testing.T) {
	spo := "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec:\n  defaultAction: SCMP_ACT_ALLOW\n  syscalls:\n  - names: [getpid]\n    action: SCMP_ACT_NOTIFY\n"
	for _, doc := range []string{
		`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getpid"],"action":"SCMP_ACT_NOTIFY"},{"names":["getuid"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}`,
		`{"defaultAction":"SCMP_ACT_NOTIFY","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`,
		`{"ociVersion":"1.0.2","linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getpid"],"action":"SCMP_ACT_NOTIFY"}]}}}`,
		spo,
	} {
		_, _, err := Parse("p", []byte(doc))
		if err == nil || !errors.Is(err, ErrInvalidProfile) || !strings.Contains(err.Error(), "SCMP_ACT_NOTIFY: seccomp notify agents are not supported") || strings.Contains(err.Error(), "neither runtime") {
			t.Errorf("%s:\n got %v", doc, err)
		}
	}
}

// TestSPOListNamed: kubectl get seccompprofiles -o yaml prints a List; it
// was refused as "SeccompProfile: unknown field items".
func TestSPOListNamed(t *testing.T) {
	list := "apiVersion: v1\nkind: List\nitems:\n- apiVersion: security-profiles-operator.x-k8s.io/v1beta1\n  kind: SeccompProfile\n  metadata: {name: x}\n  spec: {defaultAction: SCMP_ACT_ERRNO}\nmetadata: {resourceVersion: \"\"}\n"
	_, _, err := Parse("p.yaml", []byte(list))
	if err == nil || !errors.Is(err, ErrInvalidProfile) || !strings.Contains(err.Error(), "kind: List (1 item(s)), as kubectl get prints several objects: give one SeccompProfile a file") {
		t.Errorf("got %v", err)
	}
}

// allocated is how many bytes f allocates on the heap (the process's
// total: the package's tests run one at a time).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
