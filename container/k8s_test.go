package container_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/internal/schematest"
	"github.com/seccomp-gen/seccomp-gen/profiles"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// The README's Kubernetes recipe without a cluster: traces of several
// replicas merged with --min-runs, written as an SPO SeccompProfile and as
// the kubelet's localhost/ JSON, each valid under its schema (the CRD's
// openAPIV3Schema for the apiVersion written; the runtime-spec's
// linux.seccomp), and the README's pod valid in the fields the kubelet reads.

// toJSONValue turns decoded YAML or JSON bytes into what the validator takes.
func toJSONValue(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func yamlValue(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return toJSONValue(t, v)
}

func mergedReplicas(t *testing.T) *reduce.Result {
	t.Helper()
	var inputs []reduce.Input
	for _, name := range []string{"busybox-ls.yaml", "busybox-ls-l.yaml"} {
		path := filepath.Join("..", "testdata", "traces", name)
		f, err := trace.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, reduce.Input{Path: path, File: f})
	}
	bl, err := profiles.Resolve(profiles.DefaultBaselines, nil)
	if err != nil {
		t.Fatal(err)
	}
	native, err := scmp.Native()
	if err != nil {
		t.Fatal(err)
	}
	res, err := reduce.Reduce(inputs, reduce.Options{Native: native, Baselines: bl, MinRuns: 2}, scmp.Tables{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestKubernetesOutputsMatchSchemas(t *testing.T) {
	res := mergedReplicas(t)
	dir := filepath.Join("..", "testdata", "schema")

	spo, err := emit.SPO(res.Policy, "app")
	if err != nil {
		t.Fatal(err)
	}
	if errs := schematest.LoadCRD(t, dir).Validate(t, spo); len(errs) > 0 {
		t.Errorf("SeccompProfile against the CRD:\n%s\n%s", strings.Join(errs, "\n"), spo)
	}

	kubelet, err := emit.Kubelet(res.Policy)
	if err != nil {
		t.Fatal(err)
	}
	if errs := schematest.LoadSeccomp(t, dir).Validate(t, schematest.WithoutComments(t, kubelet)); len(errs) > 0 {
		t.Errorf("kubelet JSON less comments against the runtime-spec seccomp schema:\n%s", strings.Join(errs, "\n"))
	}
}

// podSeccompSchema is the part of the Pod API the kubelet reads for a
// localhost profile (core/v1 SeccompProfile: type is RuntimeDefault,
// Unconfined or Localhost; Localhost needs localhostProfile, a path
// relative to the kubelet's seccomp directory).
const podSeccompSchema = `{
  "type": "object",
  "required": ["apiVersion", "kind", "spec"],
  "properties": {
    "apiVersion": {"const": "v1"},
    "kind": {"const": "Pod"},
    "spec": {
      "type": "object",
      "required": ["securityContext", "containers"],
      "properties": {
        "securityContext": {
          "type": "object",
          "required": ["seccompProfile"],
          "properties": {"seccompProfile": {"$ref": "#/$defs/seccompProfile"}}
        },
        "containers": {"type": "array", "minItems": 1,
          "items": {"type": "object", "required": ["name", "image"]}}
      }
    }
  },
  "$defs": {
    "seccompProfile": {
      "type": "object",
      "additionalProperties": false,
      "required": ["type"],
      "properties": {
        "type": {"enum": ["RuntimeDefault", "Unconfined", "Localhost"]},
        "localhostProfile": {"type": "string", "pattern": "^[^/]"}
      },
      "if": {"properties": {"type": {"const": "Localhost"}}},
      "then": {"required": ["localhostProfile"]}
    }
  }
}`

func TestReadmePodUsesLocalhostProfile(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var pod string
	for _, block := range strings.Split(string(readme), "```yaml\n")[1:] {
		body, _, _ := strings.Cut(block, "```")
		if strings.Contains(body, "kind: Pod") {
			pod = body
		}
	}
	if pod == "" {
		t.Fatal("README has no Pod example")
	}
	// The block is indented in a list item.
	lines := strings.Split(pod, "\n")
	indent := len(lines[0]) - len(strings.TrimLeft(lines[0], " "))
	for i, l := range lines {
		if len(l) >= indent {
			lines[i] = l[indent:]
		}
	}
	c := jsonschema.NewCompiler()
	sch, err := jsonschema.UnmarshalJSON(strings.NewReader(podSeccompSchema))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("file:///pod.json", sch); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("file:///pod.json")
	if err != nil {
		t.Fatal(err)
	}
	v := yamlValue(t, []byte(strings.Join(lines, "\n")))
	if err := s.Validate(v); err != nil {
		t.Errorf("README pod: %v\n%s", err, pod)
	}
	sp := v.(map[string]any)["spec"].(map[string]any)["securityContext"].(map[string]any)["seccompProfile"].(map[string]any)
	if sp["localhostProfile"] != "profiles/app.json" || !strings.Contains(string(readme), "/var/lib/kubelet/seccomp/profiles/app.json") {
		t.Errorf("the pod's localhostProfile %v is not where the README copies app.json", sp["localhostProfile"])
	}
}
