package schematest

import (
	"strings"
	"testing"
)

const dir = "../../testdata/schema"

type reject struct{ doc, want string }

// want says where the problem is and what it is: "pointer: message".
func checkRejects(t *testing.T, what string, validate func([]byte) []string, cases []reject) {
	t.Helper()
	for _, tc := range cases {
		errs := validate([]byte(tc.doc))
		if !strings.Contains(strings.Join(errs, "\n"), tc.want) {
			t.Errorf("%s: want a problem containing %q, got %q for\n%s", what, tc.want, errs, tc.doc)
		}
	}
}

// The CRD validator is not vacuous: each broken manifest fails, with the
// place and the problem named.
func TestCRDRejects(t *testing.T) {
	c := LoadCRD(t, dir)
	validate := func(doc []byte) []string { return c.Validate(t, doc) }
	const head = "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata:\n  name: app\n"
	good := head + "spec:\n  defaultAction: SCMP_ACT_ERRNO\n  architectures: [SCMP_ARCH_X86_64]\n  syscalls:\n    - names: [read]\n      action: SCMP_ACT_ALLOW\n      args: [{index: 0, value: 1, op: SCMP_CMP_EQ}]\n    - names: [write]\n      action: SCMP_ACT_ERRNO\n      errnoRet: 38\n"
	condition := "{type: Ready, status: \"True\", reason: Installed, message: m, lastTransitionTime: \"2026-11-30T20:00:00Z\"}"
	for _, doc := range []string{
		good,
		strings.Replace(good, "v1beta1", "v1", 1),
		good + "status: {status: Installed, conditions: [" + condition + "]}\n",
		strings.Replace(good, "name: app", "name: app\n  labels: {a: b}\n  annotations: {c: d}", 1),
	} {
		if errs := validate([]byte(doc)); len(errs) > 0 {
			t.Fatalf("a valid SeccompProfile is refused: %v\n%s", errs, doc)
		}
	}
	checkRejects(t, "CRD", validate, []reject{
		{strings.Replace(good, "v1beta1", "v1alpha1", 1), `/apiVersion: "security-profiles-operator.x-k8s.io/v1alpha1" is not a served version`},
		{strings.Replace(good, "security-profiles-operator.x-k8s.io/", "example.com/", 1), `/apiVersion: "example.com/v1beta1" is not a served version`},
		{strings.Replace(good, "kind: SeccompProfile", "kind: SeccompProfiles", 1), "/kind: value must be 'SeccompProfile'"},
		{strings.Replace(good, "kind: SeccompProfile\n", "", 1), "/: missing property 'kind'"},
		{strings.Replace(good, "metadata:\n  name: app\n", "", 1), "/: missing property 'metadata'"},
		{strings.Replace(good, "name: app", "labels: {a: b}", 1), "/metadata: missing property 'name'"},
		{strings.Replace(good, "name: app", "name: App", 1), "/metadata/name: 'App' does not match pattern"},
		{strings.Replace(good, "name: app", "name: a..b", 1), "/metadata/name: 'a..b' does not match pattern"},
		{strings.Replace(good, "name: app", "name: a.-b", 1), "/metadata/name: 'a.-b' does not match pattern"},
		{strings.Replace(good, "name: app", "name: "+strings.Repeat("a", 254), 1), "/metadata/name: maxLength: got 254, want 253"},
		{strings.Replace(good, "name: app", "name: 123", 1), "/metadata/name: got number, want string"},
		{strings.Replace(good, "name: app", "name: app\n  labels: {a: 1}", 1), "/metadata/labels/a: got number, want string"},
		// cluster-scoped: namespace is not a field of it
		{strings.Replace(good, "name: app", "name: app\n  namespace: default", 1), "/metadata: additional properties 'namespace' not allowed"},
		{strings.Replace(good, "name: app", "name: app\n  uid: x", 1), "/metadata: additional properties 'uid' not allowed"},
		{strings.Replace(good, "SCMP_ACT_ERRNO\n  arch", "SCMP_ACT_DENY\n  arch", 1), "/spec/defaultAction: value must be one of"},
		{strings.Replace(good, "defaultAction: SCMP_ACT_ERRNO", "defaultErrnoRet: 38", 1), "/spec: missing property 'defaultAction'"},
		{strings.Replace(good, "  architectures:", "  defaultErrnoRet: 38\n  architectures:", 1), "/spec: additional properties 'defaultErrnoRet' not allowed"},
		{strings.Replace(good, "action: SCMP_ACT_ALLOW\n", "action: SCMP_ACT_ALLOW\n      comment: x\n", 1), "/spec/syscalls/0: additional properties 'comment' not allowed"},
		{strings.Replace(good, "[SCMP_ARCH_X86_64]", "[SCMP_ARCH_X86_64, SCMP_ARCH_X86_64]", 1), "/spec/architectures: items 0 and 1 are equal in a list-type=set"},
		{strings.Replace(good, "[SCMP_ARCH_X86_64]", "[SCMP_ARCH_LOONGARCH64]", 1), "/spec/architectures/0: value must be one of"},
		{strings.Replace(good, "names: [read]", "names: []", 1), "/spec/syscalls/0/names: minItems: got 0, want 1"},
		{strings.Replace(good, "names: [read]", "names: [read, read]", 1), "/spec/syscalls/0/names: items 0 and 1 are equal in a list-type=set"},
		{strings.Replace(good, "value: 1,", "value: 18446744073709551615,", 1), "/spec/syscalls/0/args/0/value: 18446744073709551615 is not valid int64"},
		{strings.Replace(good, "value: 1,", "value: -1,", 1), "/spec/syscalls/0/args/0/value: minimum: got -1, want 0"},
		{strings.Replace(good, "errnoRet: 38", "errnoRet: \"38\"", 1), "/spec/syscalls/1/errnoRet: got string, want integer"},
		{strings.Replace(good, "errnoRet: 38", "errnoRet: 4294967296", 1), "/spec/syscalls/1/errnoRet: 4294967296 is not valid int32"},
		{strings.Replace(good, "errnoRet: 38", "errnoRet: 1.5", 1), "/spec/syscalls/1/errnoRet: got number, want integer"},
		{strings.Replace(good, "{index: 0, value: 1, op: SCMP_CMP_EQ}", "{value: 1, op: SCMP_CMP_EQ}", 1), "/spec/syscalls/0/args/0: missing property 'index'"},
		{strings.Replace(good, "args: [", "args: [{index: 1, op: SCMP_CMP_EQ}, {index: 1, op: SCMP_CMP_EQ}, {index: 1, op: SCMP_CMP_EQ}, {index: 1, op: SCMP_CMP_EQ}, {index: 1, op: SCMP_CMP_EQ}, {index: 1, op: SCMP_CMP_EQ}, ", 1), "/spec/syscalls/0/args: maxItems: got 7, want 6"},
		{strings.Replace(good, "errnoRet: 38", "errnoRet: null", 1), "/spec/syscalls/1/errnoRet: got null, want integer"},
		{good + "  listenerPath: /tmp/agent.sock\n", "/spec/listenerPath: '/tmp/agent.sock' does not match pattern"},
		{good + "status: {path: 1}\n", "/status/path: got number, want string"},
		{good + "status: {conditions: [" + strings.Replace(condition, "\"2026-11-30T20:00:00Z\"", "yesterday", 1) + "]}\n", "/status/conditions/0/lastTransitionTime: 'yesterday' is not valid date-time"},
		{good + "status: {conditions: [" + condition + ", " + condition + "]}\n", "/status/conditions: items 0 and 1 have the same type in a list-type=map"},
		// container/k8s_test.go's case
		{"apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec:\n  defaultAction: SCMP_ACT_DENY\n", "/spec/defaultAction: value must be one of"},
	})
}

// The runtime-spec validator is not vacuous either.
func TestSeccompRejects(t *testing.T) {
	s := LoadSeccomp(t, dir)
	validate := func(doc []byte) []string { return s.Validate(t, doc) }
	okOCI := `{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 18446744073709551615, "op": "SCMP_CMP_EQ"}]}]}`
	if errs := validate([]byte(okOCI)); len(errs) > 0 {
		t.Fatalf("a valid linux.seccomp is refused: %v", errs)
	}
	checkRejects(t, "linux.seccomp", validate, []reject{
		{strings.Replace(okOCI, `"SCMP_ACT_ALLOW"`, `"ALLOW"`, 1), "/syscalls/0/action: value must be one of"},
		{strings.Replace(okOCI, `"action": "SCMP_ACT_ALLOW", `, `"action": "SCMP_ACT_ALLOW", "comment": "x", `, 1), "/syscalls/0: additional properties 'comment' not allowed"},
		{strings.Replace(okOCI, `"defaultErrnoRet": 38`, `"defaultErrnoRet": -1`, 1), "/defaultErrnoRet: minimum: got -1, want 0"},
		{strings.Replace(okOCI, `"value": 18446744073709551615, `, ``, 1), "/syscalls/0/args/0: missing property 'value'"},
		{strings.Replace(okOCI, `18446744073709551615`, `18446744073709551616`, 1), "/syscalls/0/args/0/value: maximum: got 18446744073709551616, want 18446744073709551615"},
		{strings.Replace(okOCI, `["read"]`, `[]`, 1), "/syscalls/0/names: minItems: got 0, want 1"},
		{strings.Replace(okOCI, `"SCMP_ARCH_X86_64"`, `"x86_64"`, 1), "/architectures/0: value must be one of"},
		{strings.Replace(okOCI, `"defaultAction": "SCMP_ACT_ERRNO", `, ``, 1), "/: missing property 'defaultAction'"},
		{strings.Replace(okOCI, `"syscalls"`, `"archMap"`, 1), "/: additional properties 'archMap' not allowed"},
		{strings.Replace(okOCI, `"defaultErrnoRet": 38`, `"defaultErrnoRet": null`, 1), "/defaultErrnoRet: got null, want integer"},
		// container/k8s_test.go's case
		{`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "ALLOW"}]}`, "/syscalls/0/action: value must be one of"},
	})
}

// openAPISchema compiles one OpenAPI schema given in YAML.
func openAPISchema(schema string) (*Schema, error) {
	v, err := decodeYAML([]byte(schema))
	if err != nil {
		return nil, err
	}
	s, err := compile(source{docs: map[string]any{"file:///s.json": v}, root: "file:///s.json", dialect: openAPI})
	if err != nil {
		return nil, err
	}
	return &Schema{s}, nil
}

// OpenAPI's own keywords mean what a Kubernetes API server makes of them.
func TestOpenAPIKeywords(t *testing.T) {
	s, err := openAPISchema(`
type: object
properties:
  n: {type: string, nullable: true, enum: [a]}
  s: {type: string}
  i32: {type: integer, format: int32}
  i64: {type: integer, format: int64}
  empty: {type: object}
  free:
    type: object
    x-kubernetes-preserve-unknown-fields: true
    properties:
      a: {type: string}
  m:
    type: array
    x-kubernetes-list-type: map
    x-kubernetes-list-map-keys: [k, l]
    items:
      type: object
      properties:
        k: {type: string}
        l: {type: integer}
`)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{
		`{"n": null, "s": "x"}`,
		`{"n": "a"}`,
		`{"i32": -2147483648}`, `{"i32": 2147483647}`,
		`{"i64": -9223372036854775808}`, `{"i64": 9223372036854775807}`,
		`{"empty": {}}`,
		`{"free": {"a": "x", "other": 1}}`,
		`{"m": [{"k": "a", "l": 1}, {"k": "a", "l": 2}, {"k": "b", "l": 1}]}`,
	} {
		if errs := s.Validate(t, []byte(doc)); len(errs) > 0 {
			t.Errorf("%s is refused: %v", doc, errs)
		}
	}
	checkRejects(t, "OpenAPI", func(doc []byte) []string { return s.Validate(t, doc) }, []reject{
		{`{"s": null}`, "/s: got null, want string"},
		{`{"n": "b"}`, "/n: value must be one of 'a', <nil>"},
		{`{"i32": -2147483649}`, "/i32: -2147483649 is not valid int32"},
		{`{"i32": 2147483648}`, "/i32: 2147483648 is not valid int32"},
		{`{"i64": -9223372036854775809}`, "/i64: -9223372036854775809 is not valid int64"},
		{`{"i64": 9223372036854775808}`, "/i64: 9223372036854775808 is not valid int64"},
		{`{"empty": {"x": 1}}`, "/empty: additional properties 'x' not allowed"},
		{`{"free": {"a": 1}}`, "/free/a: got number, want string"},
		{`{"m": [{"k": "a", "l": 1}, {"k": "b", "l": 1}, {"l": 1, "k": "a"}]}`, "/m: items 0 and 2 have the same k, l in a list-type=map"},
		{`{"x": 1}`, "/: additional properties 'x' not allowed"},
	})
}

// A schema that uses what the validator does not understand fails to
// load, wherever the validated schema reaches it, so that a newer schema
// cannot pass half read.
func TestNotUnderstood(t *testing.T) {
	for _, tc := range []struct{ schema, want string }{
		{"type: object\nproperties:\n  a: {type: string, x-kubernetes-validations: []}", `#/properties/a: keyword "x-kubernetes-validations": not understood`},
		{"type: object\nproperties:\n  a: {type: array, items: {type: object, x-kubernetes-embedded-resource: true}}", `#/properties/a/items: keyword "x-kubernetes-embedded-resource": not understood`},
		{"type: object\nadditionalProperties: {type: object, x-kubernetes-map-type: atomic}", `#/additionalProperties: keyword "x-kubernetes-map-type": not understood`},
		{"type: object\nproperties:\n  a: {type: string, format: byte}", "format byte: not understood"},
		{"type: object\nproperties:\n  a: {type: array, items: {type: string}, x-kubernetes-list-type: granular}", "x-kubernetes-list-type granular: not understood"},
		{"type: object\nproperties:\n  a: {type: array, items: {type: object}, x-kubernetes-list-type: map}", "x-kubernetes-list-map-keys <nil>: not a list of field names"},
		{"type: object\nproperties:\n  a: {type: array, items: {type: string}, x-kubernetes-list-map-keys: [k]}", "x-kubernetes-list-map-keys without x-kubernetes-list-type map"},
		{"type: object\nproperties:\n  a: {type: [string, integer]}", "only a single type is understood"},
		{"type: object\nproperties:\n  a: {description: no type}", "#/properties/a: no type: not a structural schema"},
		{"type: object\nproperties:\n  a: {type: array, items: [{type: string}]}", "only a single schema is understood"},
		{"type: object\nproperties:\n  a: {type: object, allOf: [{properties: {b: {type: string}}}]}", `keyword "allOf": not understood`},
		{"type: object\nproperties:\n  a: {type: string, nullable: \"yes\"}", "nullable yes: not a boolean"},
		{"type: object\nproperties:\n  a: {$ref: '#/properties/b', description: x}\n  b: {type: string}", "$ref with sibling keywords"},
	} {
		_, err := openAPISchema(tc.schema)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("schema\n%s\nloads with error %v, want one containing %q", tc.schema, err, tc.want)
		}
	}

	// Through $ref into another document, in JSON Schema; what the
	// validated schema does not reach does not matter.
	docs := func(def string) map[string]any {
		root, _ := decodeYAML([]byte(`{"type": "object", "properties": {"a": {"$ref": "defs.json#/definitions/A"}}}`))
		defs, _ := decodeYAML([]byte(`{"definitions": {"A": ` + def + `, "Unused": {"type": "object", "allOf": [{}], "x-unknown": 1}}}`))
		return map[string]any{"file:///r/root.json": root, "file:///r/defs.json": defs}
	}
	if _, err := compile(source{docs: docs(`{"type": "string"}`), root: "file:///r/root.json", dialect: jsonSchema}); err != nil {
		t.Errorf("an unreached definition fails the load: %v", err)
	}
	for def, want := range map[string]string{
		`{"type": "object", "properties": {"b": {"type": "string", "x-unknown": 1}}}`: `defs.json#/definitions/A/properties/b: keyword "x-unknown": not understood`,
		`{"type": "object", "patternProperties": {"b": {"type": "string"}}}`:          `defs.json#/definitions/A: keyword "patternProperties": not understood`,
		`{"type": "string", "nullable": true}`:                                        `defs.json#/definitions/A: keyword "nullable": not understood (JSON Schema)`,
	} {
		_, err := compile(source{docs: docs(def), root: "file:///r/root.json", dialect: jsonSchema})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("definition %s loads with error %v, want one containing %q", def, err, want)
		}
	}
}
