package trace

import (
	"bytes"
	"slices"
	"testing"
	"time"
)

// Strings with line breaks survive a trace file's round trip exactly: the
// command's arguments and an executable's path are whatever the traced
// program passed, and a newline at either end of one is as real as any
// other byte. yaml.v3's Node.Encode writes "\nlead" as a literal block
// whose leading line break a reader drops ("lead").
func TestEncodeLineBreaksRoundTrip(t *testing.T) {
	for _, v := range []string{"\nlead", "trail\n", "mid\ndle", "\n", "two\n\n", " \nspace", "\u2028sep", "tab\there\n", "\r\nwin"} {
		f := &File{
			Version:     Version,
			Target:      Target{Command: []string{"/bin/echo", v}},
			Started:     time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
			Syscalls:    []Syscall{{Arch: "x86_64", Nr: 39, Name: "getpid", Count: 1, First: v}},
			Executables: []Executable{{Path: v, SHA256: "0000000000000000000000000000000000000000000000000000000000000000"}},
		}
		var buf bytes.Buffer
		if err := Encode(&buf, f); err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		g, err := Decode(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("%q: decode: %v\n%s", v, err, buf.Bytes())
		}
		if !slices.Equal(g.Target.Command, f.Target.Command) {
			t.Errorf("command %q came back as %q:\n%s", f.Target.Command, g.Target.Command, buf.Bytes())
		}
		if len(g.Syscalls) != 1 || g.Syscalls[0].First != v {
			t.Errorf("first %q came back as %+v:\n%s", v, g.Syscalls, buf.Bytes())
		}
		if len(g.Executables) != 1 || g.Executables[0].Path != v {
			t.Errorf("executable %q came back as %+v:\n%s", v, g.Executables, buf.Bytes())
		}
	}
}
