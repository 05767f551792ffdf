package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/verdict"
)

// The JUnit reports are checked against the JUnit XML schema Jenkins reads
// (xunit plugin's junit-10.xsd, ../testdata/schema/junit): a small reader
// of the XSD subset it uses (global elements with a complex type made of a
// sequence or choice of element references, attributes with use and a
// simple type restricted by a pattern, mixed content), then a check of each
// report's element tree against it. A construct the reader does not
// implement fails the test instead of passing unchecked.

type xsdAttr struct {
	required bool
	pattern  *regexp.Regexp // nil: any string
}

type xsdElem struct {
	text    bool           // character data allowed (mixed, or a simple type)
	content *regexp.Regexp // the children allowed, in order: "<name>" per child
	attrs   map[string]xsdAttr
}

// particle turns an XSD content particle (an element reference, a sequence
// or a choice, with minOccurs and maxOccurs) into a regular expression
// over the children's names, each written "<name>".
// A local element declaration must have type xs:string; it is passed to
// local, which keeps it with the global ones (a name declared twice must
// be declared alike).
func particle(t *testing.T, owner string, n *xnode, local func(name string)) string {
	t.Helper()
	var body string
	switch n.name {
	case "element":
		ref, ok := attr(n, "ref")
		if !ok {
			name, _ := attr(n, "name")
			if typ, _ := attr(n, "type"); typ != "xs:string" || len(n.kids) > 0 {
				t.Fatalf("element %s: local element %s of type %s: only xs:string is implemented", owner, name, typ)
			}
			local(name)
			ref = name
		}
		body = "<" + regexp.QuoteMeta(ref) + ">"
	case "sequence", "choice":
		var parts []string
		for _, k := range n.kids {
			parts = append(parts, particle(t, owner, k, local))
		}
		sep := ""
		if n.name == "choice" {
			sep = "|"
		}
		body = strings.Join(parts, sep)
	default:
		t.Fatalf("element %s: %s is not implemented", owner, n.name)
	}
	lo, hi := "1", "1"
	if v, ok := attr(n, "minOccurs"); ok {
		lo = v
	}
	if v, ok := attr(n, "maxOccurs"); ok {
		hi = v
	}
	if hi == "unbounded" {
		hi = ""
	}
	return "(?:" + body + "){" + lo + "," + hi + "}"
}

// xnode is a generic XML element.
type xnode struct {
	name  string
	attrs []xml.Attr
	kids  []*xnode
	text  string
}

// parseXML reads a document whose elements are all in namespace ns.
func parseXML(r io.Reader, ns string) (*xnode, error) {
	dec := xml.NewDecoder(r)
	var stack []*xnode
	var root *xnode
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xnode{name: t.Name.Local, attrs: t.Attr}
			if t.Name.Space != ns {
				return nil, fmt.Errorf("element %s in namespace %q", t.Name.Local, t.Name.Space)
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			} else if root != nil {
				return nil, fmt.Errorf("a second root element %s", n.name)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, fmt.Errorf("text outside the root element")
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no root element")
	}
	return root, nil
}

func attr(n *xnode, name string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

// loadJUnitXSD reads the XSD into element declarations.
func loadJUnitXSD(t *testing.T) map[string]*xsdElem {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "schema", "junit", "junit-10.xsd"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	root, err := parseXML(f, "http://www.w3.org/2001/XMLSchema")
	if err != nil {
		t.Fatal(err)
	}
	if root.name != "schema" {
		t.Fatalf("not an XSD: root %s", root.name)
	}
	types := map[string]*regexp.Regexp{"xs:string": nil}
	complexTypes := map[string]*xnode{}
	for _, n := range root.kids {
		name, _ := attr(n, "name")
		switch n.name {
		case "simpleType":
			r := n.kids
			if len(r) != 1 || r[0].name != "restriction" || len(r[0].kids) != 1 || r[0].kids[0].name != "pattern" {
				t.Fatalf("simpleType %s: only a restriction by one pattern is implemented", name)
			}
			if base, _ := attr(r[0], "base"); base != "xs:string" {
				t.Fatalf("simpleType %s: base %s not implemented", name, base)
			}
			p, _ := attr(r[0].kids[0], "value")
			types[name] = regexp.MustCompile("^(?:" + p + ")$")
		case "complexType":
			complexTypes[name] = n
		}
	}
	elems := map[string]*xsdElem{}
	locals := map[string]bool{} // local xs:string elements
	complexType := func(name string, ct *xnode) *xsdElem {
		e := &xsdElem{content: regexp.MustCompile("^$"), attrs: map[string]xsdAttr{}}
		e.text, _ = strconv.ParseBool(func() string { s, _ := attr(ct, "mixed"); return s }())
		for _, k := range ct.kids {
			switch k.name {
			case "sequence", "choice":
				e.content = regexp.MustCompile("^" + particle(t, name, k, func(n string) { locals[n] = true }) + "$")
			case "attribute":
				an, _ := attr(k, "name")
				use, _ := attr(k, "use")
				typ, _ := attr(k, "type")
				p, ok := types[typ]
				if !ok {
					t.Fatalf("attribute %s of %s: type %s not implemented", an, name, typ)
				}
				e.attrs[an] = xsdAttr{required: use == "required", pattern: p}
			default:
				t.Fatalf("element %s: %s is not implemented", name, k.name)
			}
		}
		return e
	}
	for _, n := range root.kids {
		if n.name != "element" {
			continue
		}
		name, _ := attr(n, "name")
		if typ, ok := attr(n, "type"); ok {
			if ct, ok := complexTypes[typ]; ok {
				elems[name] = complexType(name, ct)
			} else if _, ok := types[typ]; ok && typ == "xs:string" {
				elems[name] = &xsdElem{text: true, content: regexp.MustCompile("^$"), attrs: map[string]xsdAttr{}}
			} else {
				t.Fatalf("element %s: type %s not implemented", name, typ)
			}
			continue
		}
		if len(n.kids) != 1 || n.kids[0].name != "complexType" {
			t.Fatalf("element %s: only a complexType is implemented", name)
		}
		elems[name] = complexType(name, n.kids[0])
	}
	for name := range locals {
		if e, ok := elems[name]; ok && (!e.text || len(e.attrs) > 0 || e.content.String() != "^$") {
			t.Fatalf("element %s: declared locally as xs:string and globally otherwise: not implemented", name)
		}
		elems[name] = &xsdElem{text: true, content: regexp.MustCompile("^$"), attrs: map[string]xsdAttr{}}
	}
	for _, want := range []string{"testsuites", "testsuite", "testcase", "failure", "properties", "property"} {
		if elems[want] == nil {
			t.Fatalf("the XSD declares no element %s", want)
		}
	}
	return elems
}

// checkJUnit validates a report against the XSD and the counts a JUnit
// reader relies on.
func checkJUnit(xsd map[string]*xsdElem, data []byte) []string {
	root, err := parseXML(bytes.NewReader(data), "")
	if err != nil {
		return []string{"not XML: " + err.Error()}
	}
	var errs []string
	var walk func(n *xnode, where string)
	walk = func(n *xnode, where string) {
		e := xsd[n.name]
		if e == nil {
			errs = append(errs, where+": element not declared by the schema")
			return
		}
		if !e.text && strings.TrimSpace(n.text) != "" {
			errs = append(errs, where+": text content where the schema allows none")
		}
		seen := map[string]bool{}
		for _, a := range n.attrs {
			d, ok := e.attrs[a.Name.Local]
			if !ok || a.Name.Space != "" {
				errs = append(errs, fmt.Sprintf("%s: attribute %s not declared by the schema", where, a.Name.Local))
				continue
			}
			seen[a.Name.Local] = true
			if d.pattern != nil && !d.pattern.MatchString(a.Value) {
				errs = append(errs, fmt.Sprintf("%s: attribute %s=%q does not match %s", where, a.Name.Local, a.Value, d.pattern))
			}
		}
		names := make([]string, 0, len(e.attrs))
		for a := range e.attrs {
			names = append(names, a)
		}
		sort.Strings(names)
		for _, a := range names {
			if e.attrs[a].required && !seen[a] {
				errs = append(errs, fmt.Sprintf("%s: required attribute %s missing", where, a))
			}
		}
		var seq strings.Builder
		for _, k := range n.kids {
			seq.WriteString("<" + k.name + ">")
		}
		if !e.content.MatchString(seq.String()) {
			errs = append(errs, fmt.Sprintf("%s: children %s not allowed by the schema (%s)", where, seq.String(), e.content))
		}
		for i, k := range n.kids {
			walk(k, fmt.Sprintf("%s/%s[%d]", where, k.name, i))
		}
	}
	walk(root, "/"+root.name)
	if root.name != "testsuites" {
		return append(errs, "root element "+root.name+", want testsuites")
	}
	// Counts: what the attributes say is what the elements are.
	allTests, allFailures := 0, 0
	for _, s := range root.kids {
		tests, failures := 0, 0
		for _, c := range s.kids {
			if c.name != "testcase" {
				continue
			}
			tests++
			for _, f := range c.kids {
				if f.name == "failure" {
					failures++
					break
				}
			}
		}
		if tests == 0 {
			errs = append(errs, "a testsuite without test cases (Jenkins reports no test results at all)")
		}
		for k, want := range map[string]int{"tests": tests, "failures": failures} {
			if got, _ := attr(s, k); got != strconv.Itoa(want) {
				errs = append(errs, fmt.Sprintf("testsuite %s=%q, but it holds %d", k, got, want))
			}
		}
		allTests += tests
		allFailures += failures
	}
	for k, want := range map[string]int{"tests": allTests, "failures": allFailures} {
		if got, ok := attr(root, k); ok && got != strconv.Itoa(want) {
			errs = append(errs, fmt.Sprintf("testsuites %s=%q, but its suites hold %d", k, got, want))
		}
	}
	return errs
}

// hostile is text from the workload or the user (paths, command lines,
// process names) with what XML cannot carry or must escape.
const hostile = "./a\x00b\x1b[2J\tc\xff&<>\"']]>\u2028\U0001F600"

// junitReports are the JUnit reports check, replay and diff write, in
// every state.
func junitReports(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	add := func(name string, v *Verdict) {
		var b bytes.Buffer
		if err := Write(&b, JUnit, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = b.Bytes()
	}
	add("check covered", sampleVerdict(t, false))
	add("check missing", sampleVerdict(t, true))

	v := sampleVerdict(t, true)
	v.Tool = "replay"
	code := 2
	v.ExitCode = &code
	v.Passed = false
	v.RunError = "the command exited with status 2"
	v.TimedOut = true
	add("replay failed run", v)

	v = sampleVerdict(t, false)
	v.Tool = "replay"
	code0 := 0
	v.ExitCode = &code0
	v.Passed = true
	add("replay passed", v)

	add("replay not run", &Verdict{Tool: "replay", Profile: "app.json", Inputs: []string{"nosuchcmd"}, NotRun: true,
		RunError: "nosuchcmd: command not found", Missing: []Syscall{}, Syscalls: []Syscall{}})
	add("replay --enforce passed", &Verdict{Tool: "replay --enforce", Profile: "app.json", Inputs: []string{"prog"}, OK: true, Passed: true,
		Missing: []Syscall{}, Syscalls: []Syscall{}})

	v = sampleVerdict(t, true)
	v.Profile = hostile
	v.Inputs = []string{hostile, "x y"}
	for i := range v.Syscalls {
		v.Syscalls[i].First = hostile
		v.Syscalls[i].Traces = []string{hostile}
		v.Syscalls[i].Detail = hostile
	}
	add("hostile text", v)

	addDiff := func(name string, d *Diff) {
		var b bytes.Buffer
		if err := WriteDiff(&b, JUnit, d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = b.Bytes()
	}
	entry := func(name string, args []uint64) verdict.DiffEntry {
		return verdict.DiffEntry{Arch: "x86_64", Name: name, Nr: 1, Args: args, A: "SCMP_ACT_ALLOW", B: "SCMP_ACT_ERRNO(1)"}
	}
	differ := &verdict.ProfileDiff{OnlyA: []verdict.DiffEntry{entry("write", nil)}, OnlyB: []verdict.DiffEntry{entry("socket", []uint64{2, 1, 0, 0, 0, 0})},
		Answer: []verdict.DiffEntry{entry("mount", nil)}, ArchesOnlyA: []string{"x86"}}
	addDiff("diff differ", FromProfileDiff("a.json", "b.json", false, false, differ))
	addDiff("diff --superset broken", FromProfileDiff("a.json", "b.json", true, false, differ))
	addDiff("diff same", FromProfileDiff("a.json", "b.json", false, false, &verdict.ProfileDiff{}))
	addDiff("diff --superset holds, rest hidden", FromProfileDiff("a.json", "b.json", true, false,
		&verdict.ProfileDiff{OnlyA: []verdict.DiffEntry{entry("write", nil)}}))
	addDiff("diff hostile names", FromProfileDiff(hostile, hostile, false, false, differ))
	return out
}

func TestJUnitMatchesSchema(t *testing.T) {
	xsd := loadJUnitXSD(t)
	for name, data := range junitReports(t) {
		if errs := checkJUnit(xsd, data); len(errs) > 0 {
			t.Errorf("%s:\n%s\n%s", name, strings.Join(errs, "\n"), data)
		}
	}
}

// The checker is not vacuous: each broken report fails, with the problem
// named.
func TestJUnitCheckerRejects(t *testing.T) {
	xsd := loadJUnitXSD(t)
	good := `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="x" tests="2" failures="1">
  <testsuite name="s" tests="2" failures="1" errors="0">
    <properties><property name="a" value="b"></property></properties>
    <testcase name="c1" classname="k"><failure message="m" type="t">text</failure></testcase>
    <testcase name="c2" classname="k"></testcase>
  </testsuite>
</testsuites>`
	if errs := checkJUnit(xsd, []byte(good)); len(errs) > 0 {
		t.Fatalf("a valid report is refused: %v", errs)
	}
	for _, tc := range []struct{ from, to, want string }{
		{` errors="0"`, ``, "required attribute errors"},
		{`<testcase name="c2" classname="k">`, `<testcase classname="k">`, "required attribute name"},
		{`classname="k"></testcase>`, `classname="k" owner="x"></testcase>`, "attribute owner not declared"},
		{`<testcase name="c2" classname="k"></testcase>`, `<testcase name="c2" classname="k"><note/></testcase>`, "element not declared"},
		{`<testcase name="c2" classname="k"></testcase>`, `<testcase name="c2" classname="k"><property name="a" value="b"/></testcase>`, "not allowed by the schema"},
		{`<testsuites name="x" tests="2" failures="1">`, `<testsuites name="x" tests="2" failures="1"><properties/>`, "not allowed by the schema"},
		{`<properties>`, `<properties>x`, "text content"},
		{`<property name="a" value="b">`, `<property name="a">`, "required attribute value"},
		{`<testsuite name="s"`, `<testsuite time="1s" name="s"`, "does not match"},
		{`<testsuite name="s" tests="2"`, `<testsuite name="s" tests="3"`, "testsuite tests"},
		{`<testsuites name="x" tests="2"`, `<testsuites name="x" tests="1"`, "testsuites tests"},
		{`<testsuite name="s" tests="2" failures="1"`, `<testsuite name="s" tests="2" failures="0"`, "testsuite failures"},
		{`<failure message="m" type="t">text</failure>`, `<failure message="m" type="t">a` + "\x00" + `b</failure>`, "not XML"},
	} {
		bad := strings.Replace(good, tc.from, tc.to, 1)
		if bad == good {
			t.Fatalf("case %q: the replacement did not apply", tc.want)
		}
		if errs := checkJUnit(xsd, []byte(bad)); !strings.Contains(strings.Join(errs, "\n"), tc.want) {
			t.Errorf("want an error containing %q, got %v for\n%s", tc.want, errs, bad)
		}
	}
	empty := `<testsuites name="x" tests="0" failures="0"><testsuite name="s" tests="0" failures="0" errors="0"></testsuite></testsuites>`
	if errs := checkJUnit(xsd, []byte(empty)); !strings.Contains(strings.Join(errs, "\n"), "without test cases") {
		t.Errorf("an empty suite passes: %v", errs)
	}
}
