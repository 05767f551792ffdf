package trace

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestContainerTargetRoundTrip(t *testing.T) {
	f := &File{
		Version:  Version,
		Target:   Target{Cgroup: "/sys/fs/cgroup/c1", Container: &Container{ID: "c1", Runtime: "docker", Mode: "cgroup", Unseen: []string{"start-up before attaching"}}},
		Host:     Host{Kernel: "6.1", Arch: ArchX86_64},
		Syscalls: []Syscall{{Arch: ArchX86_64, Nr: 0, Name: "read", Count: 1}},
	}
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "container: {id: c1, runtime: docker, mode: cgroup, unseen: [start-up before attaching]}") {
		t.Errorf("encoded target:\n%s", buf.String())
	}
	g, err := Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g.Target, f.Target) {
		t.Errorf("round trip: %+v, want %+v", g.Target, f.Target)
	}
	for _, bad := range []string{
		"target: {pid: 3, container: {mode: hook}}",
		"target: {pid: 3, container: {id: x, mode: sideways}}",
		"target: {container: {id: x, mode: hook}}",
	} {
		doc := "version: 1\n" + bad + "\nhost: {kernel: k, arch: x86_64}\nstarted: 2026-01-01T00:00:00Z\nduration: 1s\nlost: 0\nprocesses: 1\nsyscalls: []\n"
		if _, err := Decode(strings.NewReader(doc)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v, want ErrFormat", bad, err)
		}
	}
}

// target.unseen: a --pid or --cgroup target that ran under a seccomp
// filter (Filtered), round trip; not for a command or a container (whose
// own unseen says it).
func TestTargetUnseenRoundTrip(t *testing.T) {
	f := &File{
		Version:  Version,
		Target:   Target{PID: 42, Unseen: []string{UnseenFiltered}},
		Host:     Host{Kernel: "6.1", Arch: ArchX86_64},
		Syscalls: []Syscall{{Arch: ArchX86_64, Nr: 0, Name: "read", Count: 1}},
	}
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "target: {pid: 42, unseen: [syscalls its seccomp filter denied]}") {
		t.Errorf("encoded target:\n%s", buf.String())
	}
	g, err := Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g.Target, f.Target) || !g.Filtered() {
		t.Errorf("round trip: %+v, want %+v (filtered)", g.Target, f.Target)
	}
	for _, bad := range []string{
		"target: {command: [x], unseen: [syscalls its seccomp filter denied]}",
		"target: {pid: 3, unseen: [x], container: {id: x, mode: pid}}",
	} {
		doc := "version: 2\n" + bad + "\nhost: {kernel: k, arch: x86_64}\nstarted: 2026-01-01T00:00:00Z\nduration: 1s\nlost: 0\nprocesses: 1\nsyscalls: []\n"
		if _, err := Decode(strings.NewReader(doc)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v, want ErrFormat", bad, err)
		}
	}
}
