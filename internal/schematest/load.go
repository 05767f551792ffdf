package schematest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// Schema validates JSON documents.
type Schema struct{ s *jsonschema.Schema }

// LoadSeccomp compiles the runtime-spec's linux.seccomp schema from dir
// (testdata/schema): what runc and crun read from config.json, and
// containerd from the kubelet's localhost/ profile.
func LoadSeccomp(t testing.TB, dir string) *Schema {
	t.Helper()
	s, err := loadSeccomp(filepath.Join(dir, "runtime-spec"))
	if err != nil {
		t.Fatalf("schematest: %v", err)
	}
	return s
}

func loadSeccomp(dir string) (*Schema, error) {
	const base = "file:///runtime-spec/"
	docs := map[string]any{}
	for _, f := range []string{"config-linux.json", "defs-linux.json", "defs.json"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return nil, err
		}
		if docs[base+f], err = jsonschema.UnmarshalJSON(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
	}
	s, err := compile(source{docs: docs, root: base + "config-linux.json#/linux/properties/seccomp", dialect: jsonSchema})
	if err != nil {
		return nil, err
	}
	return &Schema{s}, nil
}

// Validate returns what is wrong with the JSON document doc, one line per
// problem; none if it is valid.
func (s *Schema) Validate(t testing.TB, doc []byte) []string {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("schematest: not JSON: %v", err)
	}
	return problems(s.s.Validate(v))
}

// CRD validates manifests of a CustomResourceDefinition's kind as an API
// server admits them: apiVersion a served version of the CRD's group, kind
// the CRD's, metadata what a manifest may set (ObjectMeta as the server
// validates it), the rest the version's openAPIV3Schema with nothing
// pruned.
type CRD struct {
	group    string
	versions map[string]*jsonschema.Schema // served ones
}

// LoadCRD compiles the SeccompProfile CRD in dir (testdata/schema).
func LoadCRD(t testing.TB, dir string) *CRD {
	t.Helper()
	c, err := loadCRD(filepath.Join(dir, "spo-seccompprofile-crd.yaml"))
	if err != nil {
		t.Fatalf("schematest: %v", err)
	}
	return c
}

func loadCRD(path string) (*CRD, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Spec struct {
			Group    string
			Scope    string
			Names    struct{ Kind string }
			Versions []struct {
				Name   string
				Served bool
				Schema struct {
					OpenAPIV3Schema map[string]any `yaml:"openAPIV3Schema"`
				}
			}
		}
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	spec := doc.Spec
	c := &CRD{group: spec.Group, versions: map[string]*jsonschema.Schema{}}
	for _, v := range spec.Versions {
		if !v.Served {
			continue
		}
		u := "file:///crd/" + v.Name + ".json"
		sch, err := jsonValue(v.Schema.OpenAPIV3Schema)
		if err != nil {
			return nil, err
		}
		apiVersion := spec.Group + "/" + v.Name
		s, err := compile(source{
			docs:    map[string]any{u: sch},
			root:    u,
			dialect: openAPI,
			patch: func(docs map[string]any) error {
				return serverFields(docs[u], apiVersion, spec.Names.Kind, spec.Scope)
			},
		})
		if err != nil {
			return nil, fmt.Errorf("%s (%s): %w", path, v.Name, err)
		}
		c.versions[v.Name] = s
	}
	if c.group == "" || spec.Names.Kind == "" || len(c.versions) == 0 {
		return nil, fmt.Errorf("%s: a CRD without group, kind or a served version", path)
	}
	return c, nil
}

// serverFields makes root (a version's schema) say what the API server
// requires outside it: apiVersion and kind this version's, metadata
// ObjectMeta.
func serverFields(root any, apiVersion, kind, scope string) error {
	m, _ := root.(map[string]any)
	props, ok := m["properties"].(map[string]any)
	if !ok {
		return errors.New("openAPIV3Schema: no properties")
	}
	props["apiVersion"] = map[string]any{"type": "string", "enum": []any{apiVersion}}
	props["kind"] = map[string]any{"type": "string", "enum": []any{kind}}
	props["metadata"] = objectMeta(scope)
	req, _ := m["required"].([]any)
	for _, f := range []any{"apiVersion", "kind", "metadata"} {
		if !slices.Contains(req, f) {
			req = append(req, f)
		}
	}
	m["required"] = req
	return nil
}

// DNS-1123 names, as apimachinery's validation.IsDNS1123Subdomain and
// IsDNS1123Label check them (a custom resource's name and namespace).
const (
	dns1123Label     = `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
	dns1123Subdomain = `^` + dns1123Label + `(\.` + dns1123Label + `)*$`
)

// objectMeta is the part of ObjectMeta a manifest sets, with the API
// server's rules for name and namespace. Every other field is the
// server's to set (or it prunes it).
func objectMeta(scope string) map[string]any {
	stringMap := map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}}
	props := map[string]any{
		"name":        map[string]any{"type": "string", "maxLength": 253, "pattern": dns1123Subdomain},
		"labels":      stringMap,
		"annotations": stringMap,
	}
	if scope != "Cluster" {
		props["namespace"] = map[string]any{"type": "string", "maxLength": 63, "pattern": "^" + dns1123Label + "$"}
	}
	return map[string]any{
		"type":                 "object",
		"required":             []any{"name"},
		"properties":           props,
		"additionalProperties": false,
	}
}

// Validate returns what is wrong with the manifest (one YAML or JSON
// document), one line per problem; none if the API server admits it as
// it is.
func (c *CRD) Validate(t testing.TB, manifest []byte) []string {
	t.Helper()
	doc, err := decodeYAML(manifest)
	if err != nil {
		t.Fatalf("schematest: %v", err)
	}
	m, _ := doc.(map[string]any)
	apiVersion, _ := m["apiVersion"].(string)
	group, version, _ := strings.Cut(apiVersion, "/")
	s, ok := c.versions[version]
	if !ok || group != c.group {
		var served []string
		for v := range c.versions {
			served = append(served, c.group+"/"+v)
		}
		sort.Strings(served)
		return []string{fmt.Sprintf("/apiVersion: %q is not a served version (%s)", apiVersion, strings.Join(served, ", "))}
	}
	return problems(s.Validate(doc))
}

// decodeYAML decodes one YAML document as the API server does: into JSON.
func decodeYAML(data []byte) (any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, fmt.Errorf("not YAML: %w", err)
	}
	var extra any
	if err := dec.Decode(&extra); err == nil {
		return nil, errors.New("more than one YAML document")
	}
	return jsonValue(x)
}

// jsonValue is x as the library reads JSON (numbers exact).
func jsonValue(x any) (any, error) {
	j, err := json.Marshal(x)
	if err != nil {
		return nil, fmt.Errorf("YAML that has no JSON form: %w", err)
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(j))
}

// WithoutComments returns the Docker JSON doc less its rules' comments:
// what of it the runtime-spec schema checks (containerd, which reads the
// kubelet's localhost/ profile as linux.seccomp, drops them; they only
// explain). Numbers stay exact.
func WithoutComments(t testing.TB, doc []byte) []byte {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("schematest: not JSON: %v", err)
	}
	m, _ := v.(map[string]any)
	rules, _ := m["syscalls"].([]any)
	for _, r := range rules {
		if r, ok := r.(map[string]any); ok {
			delete(r, "comment")
		}
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
