package container

import (
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadState: any bytes on a hook's stdin give a state with an id and a
// pid, or one line led by "container state" with no Go wording.
func FuzzReadState(f *testing.F) {
	f.Add([]byte(`{"ociVersion":"1.0.2","id":"c1","status":"created","pid":42,"bundle":"/b","annotations":{"io.containers.trace-syscall":"of:/tmp/x.json"}}`))
	f.Add([]byte(`{"id":"c1","pid":"42"}`))
	f.Add([]byte(`{"id":"c1","pid":1e99,"annotations":[]}`))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ReadState(strings.NewReader(string(data)))
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "container state") || strings.Contains(msg, "\n") {
				t.Fatalf("not one line led by 'container state': %q", msg)
			}
			for _, jargon := range []string{"Go struct", "Go value", "json: ", "unexpected end of JSON input"} {
				if strings.Contains(msg, jargon) {
					t.Fatalf("Go wording %q: %s", jargon, msg)
				}
			}
			return
		}
		if s.ID == "" || s.Pid <= 0 {
			t.Fatalf("accepted %+v", s)
		}
	})
}

// FuzzParseAnnotation: a value gives clean absolute paths or an
// ErrAnnotation, never a panic.
func FuzzParseAnnotation(f *testing.F) {
	for _, v := range []string{"of:/a/b.json", "of:/a.json;if:/b.json", " if:/b.json ; of:/a.json ", "of:", "of:rel;if:/x", ";", "of:/a;of:/b"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		out, in, err := ParseAnnotation(v)
		if err != nil {
			return
		}
		for _, p := range []string{out, in} {
			if p != "" && (!filepath.IsAbs(p) || filepath.Clean(p) != p) {
				t.Fatalf("%q: path %q not absolute and clean", v, p)
			}
		}
		if out == "" && in == "" {
			t.Fatalf("%q: accepted with neither of: nor if:", v)
		}
	})
}
