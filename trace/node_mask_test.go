package trace

import (
	"bytes"
	"reflect"
	"testing"
)

// TestEncodeLineBreaksEveryField: a string with a line break in any string
// field of a trace's header or executables is written and read back as it
// was. yaml.v3's Node.Encode made a literal block of such a string, which
// its parser refused when the string began with a tab or a space
// ("\tnew\nline", an executable path that a workload exec'd: Encode
// failed and `trace` wrote nothing) and read without its leading breaks
// ("\nlead" came back as "lead"). Found by an audit (helper-69).
func TestEncodeLineBreaksEveryField(t *testing.T) {
	values := []string{"\tnew\nline", " lead\nx", "\nlead", "\n\nlead", "trail\n", "a\nb", "cr\rx", "ls\u2028x", "nel\u0085x", "\t\n", "- a\n- b", "k: v\nk2: v2", "seccomp_gen_masked0_0"}
	sc := []Syscall{{Arch: "x86_64", Nr: 0, Count: 1}}
	for _, v := range values {
		for name, file := range map[string]*File{
			"command":         {Target: Target{Command: []string{"x", v, v}}, Host: Host{Arch: "x86_64"}},
			"executable path": {Target: Target{PID: 1}, Host: Host{Arch: "x86_64"}, Executables: []Executable{{Path: v}, {Path: "/bin/" + v}}},
			"cgroup":          {Target: Target{Cgroup: v}, Host: Host{Arch: "x86_64"}},
			"container":       {Target: Target{PID: 1, Container: &Container{ID: v, Runtime: v, Mode: "pid", Unseen: []string{v}}}, Host: Host{Arch: "x86_64"}},
			"host kernel":     {Target: Target{PID: 1}, Host: Host{Arch: "x86_64", Kernel: v}},
		} {
			file.Version = Version
			file.Syscalls = sc
			want := *file
			var buf bytes.Buffer
			if err := Encode(&buf, file); err != nil {
				t.Errorf("%s %q: %v", name, v, err)
				continue
			}
			got, err := Decode(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Errorf("%s %q: decode: %v\n%s", name, v, err, buf.Bytes())
				continue
			}
			if !reflect.DeepEqual(got.Target, want.Target) || got.Host != want.Host || !reflect.DeepEqual(got.Executables, want.Executables) {
				t.Errorf("%s %q: read back as\n%+v %+v %+v\nwant\n%+v %+v %+v\n%s", name, v, got.Target, got.Host, got.Executables, want.Target, want.Host, want.Executables, buf.Bytes())
			}
		}
	}
}

// TestEncodeNodeDoesNotTouchItsValue: the placeholders go into a copy.
func TestEncodeNodeDoesNotTouchItsValue(t *testing.T) {
	e := Executable{Path: "a\nb", Syscalls: []ExeSyscalls{{Arch: "x\ny", Nrs: []int{1}}}}
	tg := Target{Command: []string{"c\nd"}, Container: &Container{ID: "e\nf", Unseen: []string{"g\nh"}}}
	if _, err := encodeNode(e); err != nil {
		t.Fatal(err)
	}
	if _, err := encodeNode(tg); err != nil {
		t.Fatal(err)
	}
	if e.Path != "a\nb" || e.Syscalls[0].Arch != "x\ny" || tg.Command[0] != "c\nd" || tg.Container.ID != "e\nf" || tg.Container.Unseen[0] != "g\nh" {
		t.Errorf("encodeNode changed its value: %+v %+v %+v", e, tg, tg.Container)
	}
}
