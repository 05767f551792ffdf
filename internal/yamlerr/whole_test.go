package yamlerr

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

type inner struct {
	N    int      `yaml:"n"`
	Vals []uint64 `yaml:"vals,flow"`
}

type outer struct {
	inner   `yaml:",inline"`
	Name    string                 `yaml:"name"`
	Ptr     *int                   `yaml:"ptr"`
	Args    map[int][]uint64       `yaml:"args"`
	Items   []inner                `yaml:"items"`
	Started time.Time              `yaml:"started"`
	Dur     dur                    `yaml:"dur"`
	Other   map[string]interface{} `yaml:"other"`
}

type dur int

func (d *dur) UnmarshalYAML(n *yaml.Node) error { return nil }

// yaml.v3 decodes 2.5 into an int as 2; Whole finds every such place.
func TestWhole(t *testing.T) {
	for in, want := range map[string]string{
		"n: 3\nname: 2.5\nstarted: 2026-01-01T00:00:00Z\ndur: 1.5\nother: {a: 1.5}\n": "",
		"n: 2.5\n":                           "line 1: 2.5 is not a whole number (write it in digits)",
		"name: x\nvals: [1, 2, 1e3]\n":       "line 2: 1e3 is not a whole number",
		"ptr: -0.5\n":                        "line 1: -0.5 is not a whole number",
		"args: {0.7: [1]}\n":                 "line 1: 0.7 is not a whole number",
		"args: {0: [1, 2.0]}\n":              "line 1: 2.0 is not a whole number",
		"items:\n  - {n: 1}\n  - {n: 1.9}\n": "line 3: 1.9 is not a whole number",
		"a: &a 4.5\nn: *a\n":                 "line 1: 4.5 is not a whole number",
	} {
		var root yaml.Node
		if err := yaml.Unmarshal([]byte(in), &root); err != nil {
			t.Fatal(err)
		}
		err := Whole(&root, &outer{})
		if (want == "") != (err == nil) || (err != nil && !strings.HasPrefix(err.Error(), want)) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}

// Line names no Go type, whatever the tag or the value.
func TestLine(t *testing.T) {
	for in, want := range map[string]string{
		"vals: [-1]\n":    "line 1: -1 is not a whole number of 0 or more",
		"n: [1]\n":        "line 1: a list is not a whole number",
		"!0":              `line 1: a value tagged "!0" is not valid here`,
		"\"0\r\r0\"":      `line 1: "0\n0" is not valid here`,
		"n: !x 5\n":       `line 1: "5" tagged "!x" is not a whole number`,
		"!0%09":           `line 1: a value tagged "!0\t" is not valid here`,
		"name: [a]\n":     "line 1: a list is not text",
		"items: {a: 1}\n": "line 1: a mapping is not a list",
		// yaml.v3's parser errors, numbered from 0 by yaml.v3: the line
		// of the list or mapping being parsed, from 1.
		"name: a\nitems:\n  - [a, b}\n":        "line 3: did not find expected ',' or ']'",
		"name: a\nitems:\n  - {a: 1 b: 2}\n":   "line 3: did not find expected ',' or '}'",
		"name: a\nitems:\n  - a\n  - b\n x\n":  "line 5: did not find expected key",
		"name: a\nitems:\n  - [a]\n  - [b]]\n": "line 3: did not find expected '-' indicator",
		// A scanner error's line was right already.
		"name: a\nitems: [\t\n@x]\n": "line 3: found character that cannot start any token",
	} {
		var v outer
		err := yaml.Unmarshal([]byte(in), &v)
		if err == nil {
			t.Fatalf("%q: accepted", in)
		}
		got := Line(err)
		if got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
