package trace

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// encodeNode is the node that Node.Encode makes of v (a struct of the
// trace's header, an executable), except that each string holding a line
// break is written as strNode writes it (double-quoted). Node.Encode
// marshals v to text and parses that back, and yaml.v3 (v3.0.1) writes
// such a string as a literal block that its own parser reads wrongly
// ("\nlead" comes back as "lead") or refuses ("\tnew\nline": a tab where
// it wants indentation; Node.Encode then fails and leaves the node
// empty). An executable's path is whatever file name the workload exec'd,
// so a workload could make a trace unwritable that way. Such strings go
// through Node.Encode as placeholders (plain words) and are put back as
// their own nodes.
func encodeNode(v any) (*yaml.Node, error) {
	m := masker{}
	m.collect(reflect.ValueOf(v))
	masked := m.mask(reflect.ValueOf(v))
	var n yaml.Node
	if err := n.Encode(masked.Interface()); err != nil {
		return nil, fmt.Errorf("encode trace: %w", err)
	}
	if len(m.orig) > 0 {
		m.restore(&n)
	}
	return &n, nil
}

// masker replaces the strings that Node.Encode cannot carry with
// placeholders: prefix (a word that no string of the value starts with)
// and a number.
type masker struct {
	all    []string
	prefix string
	orig   map[string]string // placeholder -> string
}

// collect notes every string of v, so that the prefix is chosen to match
// none of them.
func (m *masker) collect(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			m.collect(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				m.collect(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			m.collect(v.Index(i))
		}
	case reflect.String:
		m.all = append(m.all, v.String())
	}
}

// placeholder returns the placeholder of s, a new one each call.
func (m *masker) placeholder(s string) string {
	if m.orig == nil {
		m.orig = map[string]string{}
		for k := 0; ; k++ {
			p := "seccomp_gen_masked" + strconv.Itoa(k) + "_"
			clash := false
			for _, w := range m.all {
				if strings.HasPrefix(w, p) {
					clash = true
					break
				}
			}
			if !clash {
				m.prefix = p
				break
			}
		}
	}
	p := m.prefix + strconv.Itoa(len(m.orig))
	m.orig[p] = s
	return p
}

// mask returns a copy of v (not sharing any slice or pointer with it)
// whose strings with a line break are placeholders.
func (m *masker) mask(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		c := reflect.New(v.Type().Elem())
		c.Elem().Set(m.mask(v.Elem()))
		return c
	case reflect.Struct:
		c := reflect.New(v.Type()).Elem()
		c.Set(v)
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				c.Field(i).Set(m.mask(v.Field(i)))
			}
		}
		return c
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			c.Index(i).Set(m.mask(v.Index(i)))
		}
		return c
	case reflect.String:
		if strings.ContainsAny(v.String(), "\n\r\u0085\u2028\u2029") {
			c := reflect.New(v.Type()).Elem()
			c.SetString(m.placeholder(v.String()))
			return c
		}
	}
	return v
}

// restore puts each placeholder's string back, as strNode's node.
func (m *masker) restore(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode {
		if s, ok := m.orig[n.Value]; ok {
			*n = *strNode(s)
		}
		return
	}
	for _, c := range n.Content {
		m.restore(c)
	}
}
