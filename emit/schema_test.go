package emit_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"gopkg.in/yaml.v3"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/profiles"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// A validator for the subset of OpenAPI v3 (a Kubernetes CRD's structural
// schema) and JSON Schema (the runtime-spec's) that the schemas in
// ../testdata/schema use. It is strict where the reading tools are silent:
// a field the schema does not list is an error, because a Kubernetes API
// server prunes it without a word and runc's encoding/json ignores it. A
// keyword or format it does not implement is an error too, so that a newer
// schema cannot pass by being half read.

// schemaDir holds the published schemas (see its README.md).
const schemaDir = "../testdata/schema"

// keywords the validator implements; descriptive ones are ignored.
var keywords = map[string]bool{
	"type": true, "properties": true, "required": true, "enum": true, "items": true,
	"minItems": true, "maxItems": true, "minimum": true, "maximum": true,
	"minLength": true, "maxLength": true, "pattern": true, "format": true,
	"additionalProperties": true, "nullable": true, "$ref": true,
	"x-kubernetes-list-type": true, "x-kubernetes-list-map-keys": true,
	"x-kubernetes-preserve-unknown-fields": true,
	// no effect on validation
	"description": true, "default": true, "definitions": true, "$schema": true, "id": true,
}

var formats = map[string]bool{"int32": true, "int64": true, "date-time": true}

type validator struct {
	docs map[string]any // file name -> parsed schema document, for $ref
}

// node is a schema object together with the file it lives in (for $ref).
type node struct {
	s    map[string]any
	file string
}

// resolve follows $ref ("file.json#/a/b" or "#/a/b") to the schema it names.
func (v *validator) resolve(n node) (node, error) {
	for {
		ref, ok := n.s["$ref"].(string)
		if !ok {
			return n, nil
		}
		file, ptr, _ := strings.Cut(ref, "#")
		if file == "" {
			file = n.file
		}
		doc, ok := v.docs[file]
		if !ok {
			return n, fmt.Errorf("$ref %q: no schema file %s", ref, file)
		}
		cur := doc
		for _, part := range strings.Split(strings.Trim(ptr, "/"), "/") {
			if part == "" {
				continue
			}
			m, ok := cur.(map[string]any)
			if !ok {
				return n, fmt.Errorf("$ref %q: %s is not an object", ref, part)
			}
			if cur, ok = m[part]; !ok {
				return n, fmt.Errorf("$ref %q: no %s", ref, part)
			}
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return n, fmt.Errorf("$ref %q: not a schema", ref)
		}
		if len(n.s) > 1 {
			return n, fmt.Errorf("$ref %q with sibling keywords: not implemented", ref)
		}
		n = node{m, file}
	}
}

// children returns the subschemas of n, by the path they apply to.
func children(n node) map[string]node {
	out := map[string]node{}
	if props, ok := n.s["properties"].(map[string]any); ok {
		for k, p := range props {
			if m, ok := p.(map[string]any); ok {
				out["."+k] = node{m, n.file}
			}
		}
	}
	if m, ok := n.s["items"].(map[string]any); ok {
		out["[]"] = node{m, n.file}
	}
	if m, ok := n.s["additionalProperties"].(map[string]any); ok {
		out["{}"] = node{m, n.file}
	}
	return out
}

// implemented checks every schema reachable from root for keywords and
// formats the validator does not implement.
func (v *validator) implemented(root node) []string {
	var errs []string
	seen := map[uintptr]bool{}
	var walk func(n node, where string)
	walk = func(n node, where string) {
		r, err := v.resolve(n)
		if err != nil {
			errs = append(errs, where+": "+err.Error())
			return
		}
		id := reflect.ValueOf(r.s).Pointer()
		if seen[id] {
			return
		}
		seen[id] = true
		for k := range r.s {
			if !keywords[k] {
				errs = append(errs, fmt.Sprintf("%s: keyword %q: not implemented by this validator", where, k))
			}
		}
		if f, ok := r.s["format"].(string); ok && !formats[f] {
			errs = append(errs, fmt.Sprintf("%s: format %q: not implemented by this validator", where, f))
		}
		if _, ok := r.s["type"]; ok {
			if _, ok := r.s["type"].(string); !ok {
				errs = append(errs, fmt.Sprintf("%s: type %v: only a single type is implemented", where, r.s["type"]))
			}
		}
		if ap, ok := r.s["additionalProperties"]; ok {
			if _, isBool := ap.(bool); !isBool {
				if _, isMap := ap.(map[string]any); !isMap {
					errs = append(errs, fmt.Sprintf("%s: additionalProperties %v: not a schema", where, ap))
				}
			}
		}
		keys := make([]string, 0)
		kids := children(r)
		for k := range kids {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walk(kids[k], where+k)
		}
	}
	walk(root, "$")
	return errs
}

// validate checks x (a value as decodeJSON returns it) against n.
func (v *validator) validate(n node, x any, where string) []string {
	n, err := v.resolve(n)
	if err != nil {
		return []string{where + ": " + err.Error()}
	}
	s := n.s
	if x == nil {
		if s["nullable"] == true {
			return nil
		}
		return []string{where + ": null"}
	}
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, where+": "+fmt.Sprintf(format, a...)) }
	if e, ok := s["enum"].([]any); ok {
		found := false
		for _, want := range e {
			if sameValue(x, want) {
				found = true
				break
			}
		}
		if !found {
			bad("%v is not one of %v", x, e)
		}
	}
	typ, _ := s["type"].(string)
	switch typ {
	case "object":
		m, ok := x.(map[string]any)
		if !ok {
			bad("%T, want an object", x)
			return errs
		}
		errs = append(errs, v.object(n, m, where)...)
	case "array":
		a, ok := x.([]any)
		if !ok {
			bad("%T, want an array", x)
			return errs
		}
		errs = append(errs, v.array(n, a, where)...)
	case "string":
		str, ok := x.(string)
		if !ok {
			bad("%v (%T), want a string", x, x)
			return errs
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
			bad("%q does not match %s", str, p)
		}
		if l, ok := number(s["minLength"]); ok && big.NewInt(int64(utf8.RuneCountInString(str))).Cmp(l) < 0 {
			bad("%q shorter than %v", str, l)
		}
		if l, ok := number(s["maxLength"]); ok && big.NewInt(int64(utf8.RuneCountInString(str))).Cmp(l) > 0 {
			bad("%q longer than %v", str, l)
		}
		if s["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339, str); err != nil {
				bad("%q: not a date-time", str)
			}
		}
	case "integer":
		i, ok := integer(x)
		if !ok {
			bad("%v (%T), want an integer", x, x)
			return errs
		}
		if lo, ok := number(s["minimum"]); ok && i.Cmp(lo) < 0 {
			bad("%v below the minimum %v", i, lo)
		}
		if hi, ok := number(s["maximum"]); ok && i.Cmp(hi) > 0 {
			bad("%v above the maximum %v", i, hi)
		}
		switch s["format"] {
		case "int32":
			if !i.IsInt64() || i.Int64() < -1<<31 || i.Int64() > 1<<31-1 {
				bad("%v does not fit int32", i)
			}
		case "int64":
			if !i.IsInt64() {
				bad("%v does not fit int64", i)
			}
		}
	case "boolean":
		if _, ok := x.(bool); !ok {
			bad("%v (%T), want a boolean", x, x)
		}
	case "":
	default:
		bad("type %q: not implemented by this validator", typ)
	}
	return errs
}

func (v *validator) object(n node, m map[string]any, where string) []string {
	s := n.s
	var errs []string
	props, _ := s["properties"].(map[string]any)
	req, _ := s["required"].([]any)
	for _, r := range req {
		if _, ok := m[r.(string)]; !ok {
			errs = append(errs, fmt.Sprintf("%s: required field %q missing", where, r))
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if p, ok := props[k].(map[string]any); ok {
			errs = append(errs, v.validate(node{p, n.file}, m[k], where+"."+k)...)
			continue
		}
		switch ap := s["additionalProperties"].(type) {
		case map[string]any:
			errs = append(errs, v.validate(node{ap, n.file}, m[k], where+"."+k)...)
			continue
		case bool:
			if ap {
				continue
			}
		}
		if s["x-kubernetes-preserve-unknown-fields"] == true {
			continue
		}
		errs = append(errs, fmt.Sprintf("%s: unknown field %q (the schema does not list it: pruned or ignored)", where, k))
	}
	return errs
}

func (v *validator) array(n node, a []any, where string) []string {
	s := n.s
	var errs []string
	if lo, ok := number(s["minItems"]); ok && big.NewInt(int64(len(a))).Cmp(lo) < 0 {
		errs = append(errs, fmt.Sprintf("%s: %d items, fewer than %v", where, len(a), lo))
	}
	if hi, ok := number(s["maxItems"]); ok && big.NewInt(int64(len(a))).Cmp(hi) > 0 {
		errs = append(errs, fmt.Sprintf("%s: %d items, more than %v", where, len(a), hi))
	}
	if it, ok := s["items"].(map[string]any); ok {
		for i, x := range a {
			errs = append(errs, v.validate(node{it, n.file}, x, fmt.Sprintf("%s[%d]", where, i))...)
		}
	}
	switch s["x-kubernetes-list-type"] {
	case "set":
		for i := range a {
			for j := 0; j < i; j++ {
				if sameValue(a[i], a[j]) {
					errs = append(errs, fmt.Sprintf("%s[%d]: duplicate of [%d] in a list-type=set", where, i, j))
				}
			}
		}
	case "map":
		keys, _ := s["x-kubernetes-list-map-keys"].([]any)
		seen := map[string]int{}
		for i, x := range a {
			m, _ := x.(map[string]any)
			var id []any
			for _, k := range keys {
				id = append(id, m[k.(string)])
			}
			b, _ := json.Marshal(id)
			if j, ok := seen[string(b)]; ok {
				errs = append(errs, fmt.Sprintf("%s[%d]: same map keys %s as [%d] in a list-type=map", where, i, b, j))
			}
			seen[string(b)] = i
		}
	case nil, "atomic":
	default:
		errs = append(errs, fmt.Sprintf("%s: x-kubernetes-list-type %v: not implemented by this validator", where, s["x-kubernetes-list-type"]))
	}
	return errs
}

// decodeJSON decodes JSON keeping numbers exact (json.Number).
func decodeJSON(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if _, err := dec.Token(); err == nil {
		t.Fatalf("trailing data after the JSON value")
	}
	return x
}

// decodeYAML decodes one YAML document as decodeJSON would decode the same
// document written as JSON (the API server converts YAML to JSON).
func decodeYAML(t *testing.T, data []byte) any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var x any
	if err := dec.Decode(&x); err != nil {
		t.Fatalf("not YAML: %v", err)
	}
	var extra any
	if err := dec.Decode(&extra); err == nil {
		t.Fatalf("more than one YAML document")
	}
	j, err := json.Marshal(x)
	if err != nil {
		t.Fatalf("YAML that has no JSON form: %v", err)
	}
	return decodeJSON(t, j)
}

func integer(x any) (*big.Int, bool) {
	n, ok := x.(json.Number)
	if !ok {
		return nil, false
	}
	return new(big.Int).SetString(n.String(), 10)
}

// number reads a schema's numeric keyword (YAML and JSON schemas decode
// numbers differently).
func number(x any) (*big.Int, bool) {
	switch n := x.(type) {
	case json.Number:
		return new(big.Int).SetString(n.String(), 10)
	case int:
		return big.NewInt(int64(n)), true
	case float64:
		f := new(big.Float).SetFloat64(n)
		i, acc := f.Int(nil)
		return i, acc == big.Exact
	}
	return nil, false
}

func sameValue(a, b any) bool {
	if ia, ok := number(a); ok {
		ib, ok := number(b)
		return ok && ia.Cmp(ib) == 0
	}
	return reflect.DeepEqual(a, b)
}

// The CRD, with what the API server checks outside the openAPIV3Schema.
type crd struct {
	group, kind, scope string
	versions           map[string]map[string]any // served versions' openAPIV3Schema
}

func loadCRD(t *testing.T) *crd {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(schemaDir, "spo-seccompprofile-crd.yaml"))
	if err != nil {
		t.Fatal(err)
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
		t.Fatal(err)
	}
	c := &crd{group: doc.Spec.Group, kind: doc.Spec.Names.Kind, scope: doc.Spec.Scope, versions: map[string]map[string]any{}}
	for _, v := range doc.Spec.Versions {
		if v.Served {
			c.versions[v.Name] = v.Schema.OpenAPIV3Schema
		}
	}
	if c.group == "" || c.kind == "" || len(c.versions) == 0 {
		t.Fatalf("CRD without group, kind or a served version")
	}
	return c
}

// dns1123Subdomain is what the API server requires of a custom resource's
// metadata.name (apimachinery validation.IsDNS1123Subdomain).
var (
	dns1123Subdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	dns1123Label     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
)

// objectMeta checks the metadata a client may write on a new object: the
// fields of ObjectMeta a manifest sets, name and namespace as the API server
// validates them. Every other field is an error (the server sets or prunes
// it).
func (c *crd) objectMeta(x any) []string {
	m, ok := x.(map[string]any)
	if !ok {
		return []string{"$.metadata: not an object"}
	}
	var errs []string
	name, _ := m["name"].(string)
	if name == "" {
		errs = append(errs, "$.metadata.name: missing")
	} else if len(name) > 253 || !dns1123Subdomain.MatchString(name) {
		errs = append(errs, fmt.Sprintf("$.metadata.name %q: not a DNS-1123 subdomain", name))
	}
	for k, val := range m {
		switch k {
		case "name":
			if _, ok := val.(string); !ok {
				errs = append(errs, fmt.Sprintf("$.metadata.name %v: not a string", val))
			}
		case "namespace":
			ns, _ := val.(string)
			if c.scope == "Cluster" {
				errs = append(errs, fmt.Sprintf("$.metadata.namespace %q: the resource is cluster-scoped", ns))
			} else if len(ns) > 63 || !dns1123Label.MatchString(ns) {
				errs = append(errs, fmt.Sprintf("$.metadata.namespace %q: not a DNS-1123 label", ns))
			}
		case "labels", "annotations":
			mm, ok := val.(map[string]any)
			if !ok {
				errs = append(errs, fmt.Sprintf("$.metadata.%s: not a map", k))
			}
			for kk, vv := range mm {
				if _, ok := vv.(string); !ok {
					errs = append(errs, fmt.Sprintf("$.metadata.%s.%s: not a string", k, kk))
				}
			}
		default:
			errs = append(errs, fmt.Sprintf("$.metadata.%s: not a field a manifest sets", k))
		}
	}
	return errs
}

// validate checks a manifest (YAML) as `kubectl apply` and the API server
// would: apiVersion names a served version of the CRD's group, kind is the
// CRD's, metadata is valid ObjectMeta, the rest matches the version's
// schema with nothing pruned.
func (c *crd) validate(t *testing.T, data []byte) []string {
	t.Helper()
	x := decodeYAML(t, data)
	m, ok := x.(map[string]any)
	if !ok {
		return []string{"$: not an object"}
	}
	var errs []string
	apiVersion, _ := m["apiVersion"].(string)
	group, version, _ := strings.Cut(apiVersion, "/")
	sch, served := c.versions[version]
	if group != c.group || !served {
		return []string{fmt.Sprintf("$.apiVersion %q: not a served version of %s", apiVersion, c.group)}
	}
	if m["kind"] != c.kind {
		errs = append(errs, fmt.Sprintf("$.kind %v: want %s", m["kind"], c.kind))
	}
	errs = append(errs, c.objectMeta(m["metadata"])...)
	// metadata is the API server's ObjectMeta, checked above; the schema
	// says only "type: object" for it.
	rest := map[string]any{}
	for k, val := range m {
		if k != "metadata" {
			rest[k] = val
		}
	}
	root := node{jsonRoundTrip(t, sch), "crd"}
	v := &validator{docs: map[string]any{"crd": root.s}}
	if bad := v.implemented(root); len(bad) > 0 {
		t.Fatalf("the CRD (%s) uses what the validator does not check:\n%s", version, strings.Join(bad, "\n"))
	}
	return append(errs, v.validate(root, rest, "$")...)
}

// jsonRoundTrip turns a YAML-decoded schema into the form decodeJSON gives.
func jsonRoundTrip(t *testing.T, x any) map[string]any {
	t.Helper()
	j, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := decodeJSON(t, j).(map[string]any)
	return m
}

// ociSeccomp returns a validator for the runtime-spec's linux.seccomp
// object and the root schema node.
func ociSeccomp(t *testing.T) (*validator, node) {
	t.Helper()
	v := &validator{docs: map[string]any{}}
	for _, f := range []string{"config-linux.json", "defs-linux.json", "defs.json"} {
		data, err := os.ReadFile(filepath.Join(schemaDir, "runtime-spec", f))
		if err != nil {
			t.Fatal(err)
		}
		v.docs[f] = decodeJSON(t, data)
	}
	root := v.docs["config-linux.json"].(map[string]any)
	sec := root["linux"].(map[string]any)["properties"].(map[string]any)["seccomp"].(map[string]any)
	n := node{sec, "config-linux.json"}
	if bad := v.implemented(n); len(bad) > 0 {
		t.Fatalf("the runtime-spec seccomp schema uses what the validator does not check:\n%s", strings.Join(bad, "\n"))
	}
	return v, n
}

func validateOCI(t *testing.T, data []byte) []string {
	t.Helper()
	v, n := ociSeccomp(t)
	return v.validate(n, decodeJSON(t, data), "$")
}

// The validators are not vacuous: each broken document fails, with the
// problem named.
func TestSchemaValidatorsReject(t *testing.T) {
	c := loadCRD(t)
	const head = "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata:\n  name: app\n"
	good := head + "spec:\n  defaultAction: SCMP_ACT_ERRNO\n  architectures: [SCMP_ARCH_X86_64]\n  syscalls:\n    - names: [read]\n      action: SCMP_ACT_ALLOW\n      args: [{index: 0, value: 1, op: SCMP_CMP_EQ}]\n    - names: [write]\n      action: SCMP_ACT_ERRNO\n      errnoRet: 38\n"
	if errs := c.validate(t, []byte(good)); len(errs) > 0 {
		t.Fatalf("a valid SeccompProfile is refused: %v", errs)
	}
	for _, tc := range []struct{ doc, want string }{
		{strings.Replace(good, "v1beta1", "v1alpha1", 1), "not a served version"},
		{strings.Replace(good, "kind: SeccompProfile", "kind: SeccompProfiles", 1), "$.kind"},
		{strings.Replace(good, "name: app", "name: App", 1), "DNS-1123"},
		{strings.Replace(good, "name: app", "name: a..b", 1), "DNS-1123"},
		{strings.Replace(good, "name: app", "name: a.-b", 1), "DNS-1123"},
		{strings.Replace(good, "name: app", "name: "+strings.Repeat("a", 254), 1), "DNS-1123"},
		{strings.Replace(good, "name: app", "name: app\n  namespace: default", 1), "cluster-scoped"},
		{strings.Replace(good, "name: app", "name: app\n  uid: x", 1), "metadata.uid"},
		{strings.Replace(good, "SCMP_ACT_ERRNO\n  arch", "SCMP_ACT_DENY\n  arch", 1), "is not one of"},
		{strings.Replace(good, "defaultAction: SCMP_ACT_ERRNO", "defaultErrnoRet: 38", 1), "required field \"defaultAction\""},
		{strings.Replace(good, "  architectures:", "  defaultErrnoRet: 38\n  architectures:", 1), "unknown field \"defaultErrnoRet\""},
		{strings.Replace(good, "action: SCMP_ACT_ALLOW\n", "action: SCMP_ACT_ALLOW\n      comment: x\n", 1), "unknown field \"comment\""},
		{strings.Replace(good, "[SCMP_ARCH_X86_64]", "[SCMP_ARCH_X86_64, SCMP_ARCH_X86_64]", 1), "list-type=set"},
		{strings.Replace(good, "[SCMP_ARCH_X86_64]", "[SCMP_ARCH_LOONGARCH64]", 1), "is not one of"},
		{strings.Replace(good, "names: [read]", "names: []", 1), "fewer than 1"},
		{strings.Replace(good, "names: [read]", "names: [read, read]", 1), "list-type=set"},
		{strings.Replace(good, "value: 1,", "value: 18446744073709551615,", 1), "does not fit int64"},
		{strings.Replace(good, "value: 1,", "value: -1,", 1), "below the minimum"},
		{strings.Replace(good, "errnoRet: 38", "errnoRet: \"38\"", 1), "want an integer"},
		{strings.Replace(good, "errnoRet: 38", "errnoRet: 4294967296", 1), "int32"},
		{strings.Replace(good, "{index: 0, value: 1, op: SCMP_CMP_EQ}", "{value: 1, op: SCMP_CMP_EQ}", 1), "required field \"index\""},
		{strings.Replace(good, "args: [", "args: [{index: 1, op: SCMP_CMP_EQ}, {index: 1, op: SCMP_CMP_EQ}, {index: 1, op: SCMP_CMP_EQ}, {index: 1, op: SCMP_CMP_EQ}, {index: 1, op: SCMP_CMP_EQ}, {index: 1, op: SCMP_CMP_EQ}, ", 1), "more than 6"},
		{good + "  listenerPath: /tmp/agent.sock\n", "does not match"},
		{good + "status: {path: 1}\n", "want a string"},
	} {
		errs := c.validate(t, []byte(tc.doc))
		if !strings.Contains(strings.Join(errs, "\n"), tc.want) {
			t.Errorf("CRD validator: want an error containing %q, got %v for\n%s", tc.want, errs, tc.doc)
		}
	}

	okOCI := `{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 18446744073709551615, "op": "SCMP_CMP_EQ"}]}]}`
	if errs := validateOCI(t, []byte(okOCI)); len(errs) > 0 {
		t.Fatalf("a valid linux.seccomp is refused: %v", errs)
	}
	for _, tc := range []struct{ doc, want string }{
		{strings.Replace(okOCI, `"SCMP_ACT_ALLOW"`, `"ALLOW"`, 1), "is not one of"},
		{strings.Replace(okOCI, `"action": "SCMP_ACT_ALLOW", `, `"action": "SCMP_ACT_ALLOW", "comment": "x", `, 1), "unknown field \"comment\""},
		{strings.Replace(okOCI, `"defaultErrnoRet": 38`, `"defaultErrnoRet": -1`, 1), "below the minimum"},
		{strings.Replace(okOCI, `"value": 18446744073709551615, `, ``, 1), "required field \"value\""},
		{strings.Replace(okOCI, `18446744073709551615`, `18446744073709551616`, 1), "above the maximum"},
		{strings.Replace(okOCI, `["read"]`, `[]`, 1), "fewer than 1"},
		{strings.Replace(okOCI, `"SCMP_ARCH_X86_64"`, `"x86_64"`, 1), "is not one of"},
		{strings.Replace(okOCI, `"defaultAction": "SCMP_ACT_ERRNO", `, ``, 1), "required field \"defaultAction\""},
		{strings.Replace(okOCI, `"syscalls"`, `"archMap"`, 1), "unknown field \"archMap\""},
	} {
		errs := validateOCI(t, []byte(tc.doc))
		if !strings.Contains(strings.Join(errs, "\n"), tc.want) {
			t.Errorf("OCI validator: want an error containing %q, got %v for\n%s", tc.want, errs, tc.doc)
		}
	}

	// A keyword the validator does not implement is an error, not a pass.
	v := &validator{docs: map[string]any{}}
	n := node{map[string]any{"type": "object", "properties": map[string]any{"a": map[string]any{"type": "string", "x-kubernetes-validations": []any{}}}}, "x"}
	if errs := v.implemented(n); len(errs) != 1 || !strings.Contains(errs[0], "x-kubernetes-validations") {
		t.Errorf("unimplemented keyword: %v", errs)
	}
}

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
	return out
}

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
	c := loadCRD(t)
	for name, p := range schemaPolicies(t) {
		t.Run(name, func(t *testing.T) {
			spo, err := emit.Write(p, emit.FormatSPO, emit.Options{Name: "app"})
			if err != nil {
				t.Fatalf("k8s: %v", err)
			}
			if errs := c.validate(t, spo); len(errs) > 0 {
				t.Errorf("k8s against the SeccompProfile CRD:\n%s", strings.Join(errs, "\n"))
			}

			oci, err := emit.Write(p, emit.FormatOCI, emit.Options{})
			if err != nil {
				t.Fatalf("oci: %v", err)
			}
			if errs := validateOCI(t, oci); len(errs) > 0 {
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
			if errs := validateOCI(t, whole.Linux.Seccomp); len(errs) > 0 {
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
			var noComments map[string]any
			if err := json.Unmarshal(docker, &noComments); err != nil {
				t.Fatal(err)
			}
			for _, s := range noComments["syscalls"].([]any) {
				delete(s.(map[string]any), "comment")
			}
			stripped, _ := json.Marshal(noComments)
			if errs := validateOCI(t, stripped); len(errs) > 0 {
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
	c := loadCRD(t)
	p := schemaPolicies(t)["actions"]
	for _, name := range []string{"app", "a", "a.b", "a-b.c-d", "0x1f", "017", "0b1", "1e3", "1.5", "2001-01-01", "y", "n", "on", "off", "yes", "no", "true", "null", "123",
		strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61)} {
		spo, err := emit.Write(p, emit.FormatSPO, emit.Options{Name: name})
		if err != nil {
			t.Errorf("--name %q: %v", name, err)
			continue
		}
		if errs := c.validate(t, spo); len(errs) > 0 {
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
	doc := decodeYAML(t, []byte(cluster)).(map[string]any)
	doc["metadata"] = map[string]any{"name": "app"}
	again, _ := json.Marshal(doc)
	if errs := loadCRD(t).validate(t, again); len(errs) > 0 {
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
