package yamlerr

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// maxWalk bounds the nodes Whole visits, aliases expanded; the decoder has
// already refused documents that expand much further.
const maxWalk = 1 << 22

var unmarshaler = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()

// Whole returns an error for the first float (2.5, 1e3, -0.5) in root that
// decoding into v (a pointer) puts in an integer: yaml.v3 truncates it
// there without a word (2.5 becomes 2). Files seccomp-gen reads have no
// float fields, and their integers are written as digits.
func Whole(root *yaml.Node, v any) error {
	budget := maxWalk
	return whole(root, reflect.TypeOf(v), &budget)
}

func whole(n *yaml.Node, t reflect.Type, budget *int) error {
	*budget--
	if n == nil || t == nil || *budget < 0 {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return whole(n.Content[0], t, budget)
	case yaml.AliasNode:
		return whole(n.Alias, t, budget)
	}
	if reflect.PointerTo(t).Implements(unmarshaler) {
		return nil // a type that reads its own text (a duration)
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!float" {
			return fmt.Errorf("line %d: %s is not a whole number (write it in digits)", n.Line, n.Value)
		}
	case reflect.Slice, reflect.Array:
		if n.Kind == yaml.SequenceNode {
			for _, c := range n.Content {
				if err := whole(c, t.Elem(), budget); err != nil {
					return err
				}
			}
		}
	case reflect.Map:
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if err := whole(n.Content[i], t.Key(), budget); err != nil {
					return err
				}
				if err := whole(n.Content[i+1], t.Elem(), budget); err != nil {
					return err
				}
			}
		}
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return nil
		}
		fields := fieldsOf(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			if ft, ok := fields[n.Content[i].Value]; ok {
				if err := whole(n.Content[i+1], ft, budget); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

func fieldsOf(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	structFields(t, m)
	fieldCache.Store(t, m)
	return m
}

// structFields maps the YAML keys of struct t (inline fields flattened) to
// their types, as yaml.v3 names them.
func structFields(t reflect.Type, out map[string]reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",inline,") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				structFields(ft, out)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
}
