// Package schematest checks what seccomp-gen writes against the published
// schemas of the tools that read it (testdata/schema): the Security
// Profiles Operator's SeccompProfile CRD (OpenAPI v3, as a Kubernetes API
// server applies it) and the runtime-spec's linux.seccomp (JSON Schema).
//
// github.com/santhosh-tekuri/jsonschema validates, with draft-04 semantics
// (the runtime-spec's draft; the closest one to OpenAPI 3.0). The schemas
// are rewritten before compiling, so that the check is stricter than the
// readers are:
//   - a field a schema does not list is an error, since an API server
//     prunes it and runc's encoding/json ignores it, without a word: every
//     object schema gets additionalProperties: false unless it has its own
//     or x-kubernetes-preserve-unknown-fields: true;
//   - OpenAPI's nullable, format int32/int64 and x-kubernetes-list-type
//     set/map (with x-kubernetes-list-map-keys) are checked;
//   - a keyword, format or list type this package does not know, anywhere
//     the validated schema reaches, fails the load, so that a newer schema
//     cannot pass half read.
package schematest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// dialect is what a schema document is written in.
type dialect struct {
	name     string
	keywords map[string]bool // what this package understands
	openAPI  bool            // nullable; every schema has a type (structural)
}

// keywords both dialects share, with the same meaning in OpenAPI 3.0 and
// JSON Schema draft-04. $ref is handled apart (alone in its object).
var shared = []string{
	// annotations
	"description", "title", "default",
	// assertions the library implements
	"type", "enum", "required", "format",
	"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
	"minLength", "maxLength", "pattern",
	"minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
	// subschemas the audit follows
	"properties", "items", "additionalProperties",
}

var (
	openAPI    = newDialect("OpenAPI v3", true, "nullable", "example", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-list-type", "x-kubernetes-list-map-keys")
	jsonSchema = newDialect("JSON Schema", false, "$schema", "id", "definitions")
)

func newDialect(name string, oa bool, extra ...string) *dialect {
	d := &dialect{name: name, keywords: map[string]bool{}, openAPI: oa}
	for _, k := range append(append([]string{}, shared...), extra...) {
		d.keywords[k] = true
	}
	return d
}

// formats this package checks (int32 and int64 registered below,
// date-time the library's RFC 3339).
var formats = map[string]bool{"int32": true, "int64": true, "date-time": true}

// source is a schema to compile: documents by URL and the schema's URL.
type source struct {
	docs    map[string]any
	root    string
	dialect *dialect
	// patch changes the rewritten documents before the second compile
	// (the API server's own rules).
	patch func(docs map[string]any) error
}

// newCompiler returns a compiler that loads nothing from disk or network.
func newCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.UseLoader(jsonschema.SchemeURLLoader{})
	return c
}

// compile compiles src twice: as published, to learn which schemas the
// root reaches and check that each uses only what this package
// understands; then rewritten (see the package comment).
func compile(src source) (*jsonschema.Schema, error) {
	c := newCompiler()
	for u, doc := range src.docs {
		if err := c.AddResource(u, doc); err != nil {
			return nil, err
		}
	}
	published, err := c.Compile(src.root)
	if err != nil {
		return nil, err
	}
	locs, bad := audit(published, src.docs, src.dialect)
	if len(bad) > 0 {
		return nil, fmt.Errorf("%s uses what this validator does not understand:\n%s", src.root, strings.Join(bad, "\n"))
	}
	copied, err := jsonValue(src.docs)
	if err != nil {
		return nil, err
	}
	docs := copied.(map[string]any)
	for _, loc := range locs {
		m, err := lookup(docs, loc)
		if err != nil {
			return nil, err
		}
		rewrite(m, src.dialect)
	}
	if src.patch != nil {
		if err := src.patch(docs); err != nil {
			return nil, err
		}
	}
	c = newCompiler()
	c.AssertFormat()
	c.RegisterFormat(intFormat("int32", 32))
	c.RegisterFormat(intFormat("int64", 64))
	c.RegisterVocabulary(listTypes)
	for u, doc := range docs {
		if err := c.AddResource(u, doc); err != nil {
			return nil, err
		}
	}
	return c.Compile(src.root)
}

// audit walks every schema s reaches and returns their locations, and
// what in the published documents this package does not understand.
func audit(s *jsonschema.Schema, docs map[string]any, d *dialect) (locs []string, bad []string) {
	seen := map[string]bool{}
	var walk func(s *jsonschema.Schema)
	walk = func(s *jsonschema.Schema) {
		if s == nil || seen[s.Location] {
			return
		}
		seen[s.Location] = true
		raw, err := lookup(docs, s.Location)
		if err != nil {
			bad = append(bad, err.Error())
			return
		}
		locs = append(locs, s.Location)
		bad = append(bad, check(raw, d, s.Location)...)
		walk(s.Ref)
		names := make([]string, 0, len(s.Properties))
		for n := range s.Properties {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			walk(s.Properties[n])
		}
		if it, ok := s.Items.(*jsonschema.Schema); ok {
			walk(it)
		}
		if ap, ok := s.AdditionalProperties.(*jsonschema.Schema); ok {
			walk(ap)
		}
	}
	walk(s)
	return locs, bad
}

// check returns what in the schema object m (at loc) this package does
// not understand.
func check(m map[string]any, d *dialect, loc string) []string {
	var bad []string
	say := func(format string, a ...any) { bad = append(bad, loc+": "+fmt.Sprintf(format, a...)) }
	if _, ok := m["$ref"]; ok {
		if len(m) > 1 {
			say("$ref with sibling keywords (draft-04 ignores them): not understood")
		}
		return bad
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !d.keywords[k] {
			say("keyword %q: not understood (%s)", k, d.name)
		}
	}
	if t, ok := m["type"]; ok {
		if _, ok := t.(string); !ok {
			say("type %v: only a single type is understood", t)
		}
	} else if d.openAPI {
		say("no type: not a structural schema")
	}
	if f, ok := m["format"]; ok {
		if s, _ := f.(string); !formats[s] {
			say("format %v: not understood", f)
		}
	}
	if it, ok := m["items"]; ok {
		if _, ok := it.(map[string]any); !ok {
			say("items %v: only a single schema is understood", it)
		}
	}
	for _, k := range []string{"nullable", "x-kubernetes-preserve-unknown-fields"} {
		if v, ok := m[k]; ok {
			if _, ok := v.(bool); !ok {
				say("%s %v: not a boolean", k, v)
			}
		}
	}
	if _, err := listTypes.Compile(nil, m); err != nil {
		say("%v", err)
	}
	return bad
}

// rewrite turns the (checked) schema object m into what the library
// checks as the API server and runc read: nullable as a type of its own,
// no field the schema does not list.
func rewrite(m map[string]any, d *dialect) {
	if _, ok := m["$ref"]; ok {
		return
	}
	object := m["type"] == "object"
	if d.openAPI && m["nullable"] == true {
		m["type"] = []any{m["type"], "null"}
		if e, ok := m["enum"].([]any); ok {
			m["enum"] = append(e, nil)
		}
	}
	delete(m, "nullable")
	_, props := m["properties"]
	_, own := m["additionalProperties"]
	if (props || object) && !own && m["x-kubernetes-preserve-unknown-fields"] != true {
		m["additionalProperties"] = false
	}
}

// lookup returns the schema object at loc (URL#JSON pointer) in docs.
func lookup(docs map[string]any, loc string) (map[string]any, error) {
	u, frag, _ := strings.Cut(loc, "#")
	v, ok := docs[u]
	if !ok {
		return nil, fmt.Errorf("%s: no such document", loc)
	}
	ptr, err := url.PathUnescape(frag)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", loc, err)
	}
	if ptr != "" {
		for _, tok := range strings.Split(ptr, "/")[1:] {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			m, _ := v.(map[string]any)
			if v, ok = m[tok]; !ok {
				return nil, fmt.Errorf("%s: no %q", loc, tok)
			}
		}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: not a schema object", loc)
	}
	return m, nil
}

// intFormat checks that an integer fits a signed integer of that many bits
// (OpenAPI's int32 and int64).
func intFormat(name string, bits uint) *jsonschema.Format {
	hi := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), bits-1), big.NewInt(1))
	lo := new(big.Int).Neg(new(big.Int).Add(hi, big.NewInt(1)))
	return &jsonschema.Format{Name: name, Validate: func(v any) error {
		n, ok := v.(json.Number)
		if !ok {
			return nil
		}
		r, ok := new(big.Rat).SetString(string(n))
		if !ok || !r.IsInt() {
			return nil // not an integer: type says so
		}
		if i := r.Num(); i.Cmp(lo) < 0 || i.Cmp(hi) > 0 {
			return fmt.Errorf("outside %v..%v", lo, hi)
		}
		return nil
	}}
}

// listTypes checks x-kubernetes-list-type set and map: no two items equal,
// no two items with the same map keys.
var listTypes = &jsonschema.Vocabulary{
	URL: "urn:seccomp-gen:x-kubernetes-list-type",
	Compile: func(_ *jsonschema.CompilerContext, m map[string]any) (jsonschema.SchemaExt, error) {
		lt, keys := m["x-kubernetes-list-type"], m["x-kubernetes-list-map-keys"]
		switch {
		case lt == "map":
			a, _ := keys.([]any)
			l := &listType{}
			for _, k := range a {
				if s, ok := k.(string); ok && s != "" {
					l.keys = append(l.keys, s)
				}
			}
			if len(l.keys) == 0 || len(l.keys) != len(a) {
				return nil, fmt.Errorf("x-kubernetes-list-map-keys %v: not a list of field names", keys)
			}
			return l, nil
		case keys != nil:
			return nil, errors.New("x-kubernetes-list-map-keys without x-kubernetes-list-type map: not understood")
		case lt == "set":
			return &listType{}, nil
		case lt != nil && lt != "atomic":
			return nil, fmt.Errorf("x-kubernetes-list-type %v: not understood", lt)
		}
		return nil, nil
	},
}

type listType struct{ keys []string } // no keys: a set

func (l *listType) Validate(ctx *jsonschema.ValidatorContext, v any) {
	a, ok := v.([]any)
	if !ok {
		return
	}
	ids := a
	if l.keys != nil {
		ids = make([]any, len(a))
		for i, item := range a {
			m, _ := item.(map[string]any)
			id := make([]any, len(l.keys))
			for j, k := range l.keys {
				id[j] = m[k]
			}
			ids[i] = id
		}
	}
	i, j, err := ctx.Duplicates(ids)
	if err != nil {
		ctx.AddErr(err)
		return
	}
	if i >= 0 {
		ctx.AddError(&duplicate{keys: l.keys, i: i, j: j})
	}
}

// duplicate is the error of a list-type set or map with two equal items.
type duplicate struct {
	keys []string
	i, j int
}

func (*duplicate) KeywordPath() []string { return []string{"x-kubernetes-list-type"} }

func (d *duplicate) LocalizedString(*message.Printer) string {
	if d.keys == nil {
		return fmt.Sprintf("items %d and %d are equal in a list-type=set", d.i, d.j)
	}
	return fmt.Sprintf("items %d and %d have the same %s in a list-type=map", d.i, d.j, strings.Join(d.keys, ", "))
}

var printer = message.NewPrinter(language.English)

// problems turns a validation error into one line per failed keyword,
// "JSON pointer into the document: what is wrong", sorted.
func problems(err error) []string {
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []string{err.Error()}
	}
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			out = append(out, pointer(e.InstanceLocation)+": "+describe(e.ErrorKind))
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	sort.Strings(out)
	return out
}

func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteString("/" + strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// describe is the library's message, with exact bounds (it prints them as
// float64, which cannot tell 2^64-1 from 2^64).
func describe(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Minimum:
		return fmt.Sprintf("minimum: got %s, want %s", k.Got.RatString(), k.Want.RatString())
	case *kind.Maximum:
		return fmt.Sprintf("maximum: got %s, want %s", k.Got.RatString(), k.Want.RatString())
	}
	return k.LocalizedString(printer)
}
