package emit_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"gopkg.in/yaml.v3"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/internal/schematest"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/profiles"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// schemaDir holds the published schemas (see its README.md); package
// schematest validates against them.
const schemaDir = "../testdata/schema"

// schemaPolicies are policies of every shape the writers can be handed:
// reducer outputs for each generate option that changes the rules' shape,
// and hand-made ones for actions and arguments generate does not make.
func schemaPolicies(t *testing.T) map[string]*policy.Policy {
	t.Helper()
	native, err := scmp.Native()
	if err != nil {
		t.Fatal(err)
	}
	bl, err := profiles.Resolve(profiles.DefaultBaselines, nil)
	if err != nil {
		t.Fatal(err)
	}
	read := func(names ...string) []reduce.Input {
		var in []reduce.Input
		for _, n := range names {
			p := filepath.Join("..", "testdata", "traces", n)
			f, err := trace.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			in = append(in, reduce.Input{Path: p, File: f})
		}
		return in
	}
	out := map[string]*policy.Policy{}
	for name, tc := range map[string]struct {
		traces []string
		o      reduce.Options
	}{
		"default":        {[]string{"workload.yaml"}, reduce.Options{}},
		"min-runs":       {[]string{"busybox-ls.yaml", "busybox-ls-l.yaml"}, reduce.Options{MinRuns: 2}},
		"no-arg-rules":   {[]string{"workload.yaml"}, reduce.Options{NoArgRules: true}},
		"no-fallbacks":   {[]string{"workload.yaml"}, reduce.Options{NoFallbacks: true}},
		"x86_64,x86,x32": {[]string{"workload.yaml"}, reduce.Options{Arches: []string{"x86_64", "x86", "x32"}}},
		"aarch64,arm":    {[]string{"workload.yaml"}, reduce.Options{Arches: []string{"aarch64", "arm"}}},
		"default-kill":   {[]string{"busybox-sh-pipe.yaml"}, reduce.Options{DefaultAction: "kill"}},
		"default-log":    {[]string{"workload.yaml"}, reduce.Options{DefaultAction: "log"}},
		"default-trap":   {[]string{"workload.yaml"}, reduce.Options{DefaultAction: "trap"}},
		"no-baseline":    {[]string{"busybox-sh-pipe.yaml"}, reduce.Options{Baselines: []*profiles.Baseline{}}},
	} {
		o := tc.o
		o.Native = native
		if o.Baselines == nil {
			o.Baselines = bl
		}
		res, err := reduce.Reduce(read(tc.traces...), o, scmp.Tables{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out["generate "+name] = res.Policy
	}
	out["actions"] = &policy.Policy{
		DefaultAction: policy.ActKillProcess,
		Arches:        []string{"x86_64"},
		Rules: []policy.Rule{
			{Names: []string{"read", "write"}, Action: policy.ActAllow},
			{Names: []string{"getpid"}, Action: policy.ActLog},
			{Names: []string{"getppid"}, Action: policy.ActTrap},
			{Names: []string{"getuid"}, Action: policy.ActTrace, Errno: policy.Errno(7)},
			{Names: []string{"getgid"}, Action: policy.ActKillThread},
			{Names: []string{"geteuid"}, Action: policy.ActKill},
			{Names: []string{"uname"}, Action: policy.ActErrno, Errno: policy.Errno(4094)},
			{Names: []string{"getegid"}, Action: policy.ActErrno, Errno: policy.Errno(0)},
			{Names: []string{"getpgrp"}, Action: policy.ActErrno},
			{Names: []string{"getsid"}, Action: policy.ActNotify},
		},
	}
	out["arguments"] = &policy.Policy{
		DefaultAction: policy.ActErrno,
		DefaultErrno:  policy.Errno(policy.ENOSYS),
		Arches:        []string{"x86_64"},
		Rules: []policy.Rule{
			{Names: []string{"exit_group"}, Action: policy.ActAllow},
			{Names: []string{"clone"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 0x7E020000, ValueTwo: 0, Op: policy.OpMaskedEqual}}},
			{Names: []string{"personality"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 0, Op: policy.OpEqualTo}}},
			{Names: []string{"socket"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 1, Op: policy.OpEqualTo}, {Index: 1, Value: 0x80001, ValueTwo: 1, Op: policy.OpMaskedEqual}}},
			{Names: []string{"mmap"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 2, Value: 6, ValueTwo: 6, Op: policy.OpMaskedEqual}}},
			{Names: []string{"kill"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 1, Value: 0x7fffffffffffffff, Op: policy.OpLessThan}}},
			{Names: []string{"ioctl"}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM), Args: []policy.Arg{
				{Index: 0, Value: 1, Op: policy.OpNotEqual}, {Index: 1, Value: 2, Op: policy.OpLessEqual}, {Index: 2, Value: 3, Op: policy.OpGreaterEqual},
				{Index: 3, Value: 4, Op: policy.OpGreaterThan}, {Index: 4, Value: 5, Op: policy.OpEqualTo}, {Index: 5, Value: 6, Op: policy.OpEqualTo}}},
		},
	}
	// What the CRD's int64 cannot hold, and the JSON formats can.
	out[beyondInt64] = &policy.Policy{
		DefaultAction: policy.ActErrno,
		Arches:        []string{"x86_64"},
		Rules: []policy.Rule{
			{Names: []string{"tgkill"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 0xffffffffffffffff, Op: policy.OpEqualTo}}},
			{Names: []string{"mmap"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 3, Value: 0xfffffffffffffff0, ValueTwo: 0x8000000000000001, Op: policy.OpMaskedEqual}}},
		},
	}
	return out
}

const beyondInt64 = "arguments beyond int64"

// ociConfigFixture is a minimal bundle config.json to set linux.seccomp in.
const ociConfigFixture = `{"ociVersion": "1.2.1", "process": {"args": ["sh"], "cwd": "/"}, "root": {"path": "rootfs"}, "linux": {"namespaces": [{"type": "pid"}]}}`

// strictRoundTrip decodes data into v refusing unknown fields, encodes v
// again and compares: a field v's type lacks, spells differently or types
// differently (so that its reader would drop or change it) is an error.
func strictRoundTrip(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	again, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var a, b any
	for _, d := range []struct {
		data []byte
		v    *any
	}{{data, &a}, {again, &b}} {
		dec := json.NewDecoder(bytes.NewReader(d.data))
		dec.UseNumber()
		if err := dec.Decode(d.v); err != nil {
			return err
		}
	}
	if d := firstDiff(a, b, "$"); d != "" {
		return fmt.Errorf("what it reads differs from the file: %s", d)
	}
	return nil
}

// firstDiff names the first place where decoded JSON values a and b differ.
func firstDiff(a, b any, where string) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return where + ": not an object when read"
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				return fmt.Sprintf("%s.%s: not in the file, %v when read", where, k, y[k])
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if _, ok := y[k]; !ok {
				return fmt.Sprintf("%s.%s: dropped when read", where, k)
			}
			if d := firstDiff(x[k], y[k], where+"."+k); d != "" {
				return d
			}
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return where + ": a different list when read"
		}
		for i := range x {
			if d := firstDiff(x[i], y[i], fmt.Sprintf("%s[%d]", where, i)); d != "" {
				return d
			}
		}
	default:
		if !reflect.DeepEqual(a, b) {
			return fmt.Sprintf("%s: %v in the file, %v when read", where, a, b)
		}
	}
	return ""
}

// Every file the writers make is valid under the schema of the tool that
// reads it, with nothing dropped: the SPO SeccompProfile under the CRD's
// openAPIV3Schema (and the API server's ObjectMeta rules), the OCI object
// and the linux.seccomp set into a config.json under the runtime-spec's
// schema and runc's Go types, the Docker JSON (the kubelet's localhost/
// JSON) under moby's Go types and, less its comments, the runtime-spec's
// schema (containerd reads the kubelet's file as the OCI object).
func TestOutputsMatchPublishedSchemas(t *testing.T) {
	c := schematest.LoadCRD(t, schemaDir)
	seccomp := schematest.LoadSeccomp(t, schemaDir)
	for name, p := range schemaPolicies(t) {
		t.Run(name, func(t *testing.T) {
			spo, err := emit.Write(p, emit.FormatSPO, emit.Options{Name: "app"})
			if name == beyondInt64 {
				if err == nil {
					t.Errorf("k8s: written, but the CRD's int64 cannot hold the values:\n%s", spo)
				}
			} else if err != nil {
				t.Fatalf("k8s: %v", err)
			} else if errs := c.Validate(t, spo); len(errs) > 0 {
				t.Errorf("k8s against the SeccompProfile CRD:\n%s", strings.Join(errs, "\n"))
			}

			oci, err := emit.Write(p, emit.FormatOCI, emit.Options{})
			if err != nil {
				t.Fatalf("oci: %v", err)
			}
			if errs := seccomp.Validate(t, oci); len(errs) > 0 {
				t.Errorf("oci against the runtime-spec schema:\n%s", strings.Join(errs, "\n"))
			}
			if err := strictRoundTrip(oci, &specs.LinuxSeccomp{}); err != nil {
				t.Errorf("oci as runc reads it (specs.LinuxSeccomp): %v", err)
			}

			cfg, err := emit.SetOCISeccomp([]byte(ociConfigFixture), p)
			if err != nil {
				t.Fatalf("oci-config: %v", err)
			}
			var whole struct {
				Linux struct {
					Seccomp json.RawMessage `json:"seccomp"`
				} `json:"linux"`
			}
			if err := json.Unmarshal(cfg, &whole); err != nil {
				t.Fatal(err)
			}
			if errs := seccomp.Validate(t, whole.Linux.Seccomp); len(errs) > 0 {
				t.Errorf("config.json linux.seccomp against the runtime-spec schema:\n%s", strings.Join(errs, "\n"))
			}
			if err := strictRoundTrip(whole.Linux.Seccomp, &specs.LinuxSeccomp{}); err != nil {
				t.Errorf("config.json linux.seccomp as runc reads it (specs.LinuxSeccomp): %v", err)
			}

			docker, err := emit.Write(p, emit.FormatDocker, emit.Options{})
			if err != nil {
				t.Fatalf("docker: %v", err)
			}
			if err := strictRoundTrip(docker, &mobyseccomp.Seccomp{}); err != nil {
				t.Errorf("docker as moby reads it (seccomp.Seccomp): %v", err)
			}
			if errs := seccomp.Validate(t, schematest.WithoutComments(t, docker)); len(errs) > 0 {
				t.Errorf("docker (kubelet localhost/ JSON) less comments against the runtime-spec schema:\n%s", strings.Join(errs, "\n"))
			}
		})
	}
}

// yaml11Special matches plain scalars that YAML 1.1 (go-yaml v2, which
// kubectl's sigs.k8s.io/yaml uses) reads as something other than a string.
var yaml11Special = regexp.MustCompile(`^(?i:y|n|yes|no|on|off|true|false|null|~)$|^[-+]?(0b[01_]+|0[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(:[0-5]?[0-9])*)$|^[-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)?$|^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}`)

// metadata.name is what the API server takes for a custom resource: a
// DNS-1123 subdomain, which every YAML reader reads back as that string.
// Other names are refused before anything is written.
func TestSPONames(t *testing.T) {
	c := schematest.LoadCRD(t, schemaDir)
	p := schemaPolicies(t)["actions"]
	for _, name := range []string{"app", "a", "a.b", "a-b.c-d", "0x1f", "017", "0b1", "1e3", "1.5", "2001-01-01", "y", "n", "on", "off", "yes", "no", "true", "null", "123",
		strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61)} {
		spo, err := emit.Write(p, emit.FormatSPO, emit.Options{Name: name})
		if err != nil {
			t.Errorf("--name %q: %v", name, err)
			continue
		}
		if errs := c.Validate(t, spo); len(errs) > 0 {
			t.Errorf("--name %q: %v", name, errs)
		}
		var meta struct {
			Metadata struct{ Name any } `yaml:"metadata"`
		}
		if err := yaml.Unmarshal(spo, &meta); err != nil || meta.Metadata.Name != name {
			t.Errorf("--name %q reads back as %v (%T), %v", name, meta.Metadata.Name, meta.Metadata.Name, err)
		}
		for _, line := range strings.Split(string(spo), "\n") {
			if v, ok := strings.CutPrefix(line, "  name: "); ok && yaml11Special.MatchString(v) {
				t.Errorf("--name %q written as %s: YAML 1.1 (kubectl) reads that plain scalar as a non-string", name, line)
			}
		}
	}
	for _, name := range []string{"App", "a_b", "-a", "a-", ".a", "a.", "a..b", "a.-b", "a-.b", "a/b", "a b", "ä", strings.Repeat("a", 254)} {
		if _, err := emit.Write(p, emit.FormatSPO, emit.Options{Name: name}); err == nil {
			t.Errorf("--name %q: written, but the API server refuses it (not a DNS-1123 subdomain)", name)
		} else if !strings.Contains(err.Error(), "name") {
			t.Errorf("--name %q: error %q does not say what is wrong", name, err)
		}
	}
}

// A SeccompProfile as the cluster returns it (kubectl get -o yaml: the
// server's metadata, spec.state defaulted to Enabled, a status) reads as
// the profile that was applied; spec.state Disabled is refused as
// spec.disabled is.
func TestSPOFromCluster(t *testing.T) {
	p := schemaPolicies(t)["arguments"]
	spo, err := emit.Write(p, emit.FormatSPO, emit.Options{Name: "app"})
	if err != nil {
		t.Fatal(err)
	}
	cluster := strings.Replace(string(spo), "metadata:\n  name: app\n",
		"metadata:\n  creationTimestamp: \"2026-11-30T20:00:00Z\"\n  finalizers:\n    - in-use-by-active-pods\n  generation: 1\n  labels:\n    spo.x-k8s.io/profile-id: SeccompProfile-app\n  name: app\n  resourceVersion: \"1234\"\n  uid: 0b1c2d3e-0000-4000-8000-000000000000\n", 1)
	cluster = strings.Replace(cluster, "spec:\n", "spec:\n  state: Enabled\n", 1)
	cluster += "status:\n  localhostProfile: operator/app.json\n  path: /var/lib/kubelet/seccomp/operator/app.json\n  status: Installed\n"
	if !strings.Contains(cluster, "uid: ") || !strings.Contains(cluster, "state: Enabled") {
		t.Fatal("the fixture did not take: the written layout changed")
	}
	// spec and status are the CRD's (metadata is the server's own here).
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(cluster), &doc); err != nil {
		t.Fatal(err)
	}
	doc["metadata"] = map[string]any{"name": "app"}
	again, _ := json.Marshal(doc)
	if errs := schematest.LoadCRD(t, schemaDir).Validate(t, again); len(errs) > 0 {
		t.Fatalf("the cluster fixture is not what the CRD allows: %v", errs)
	}
	got, _, err := emit.Parse("cluster.yaml", []byte(cluster))
	if err != nil {
		t.Fatalf("a SeccompProfile as the cluster returns it: %v", err)
	}
	want, _, err := emit.Parse("written.yaml", spo)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read from the cluster form:\n%+v\nwant\n%+v", got, want)
	}
	for state, msg := range map[string]string{"Disabled": "spec.state is Disabled", "Off": `spec.state "Off": unknown`} {
		_, _, err := emit.Parse("disabled.yaml", []byte(strings.Replace(cluster, "state: Enabled", "state: "+state, 1)))
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("state %s: error %v, want one containing %q", state, err, msg)
		}
	}
}
