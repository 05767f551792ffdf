package trace

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestArgValuesRoundTrip: argument values are written sorted and without
// duplicates under their syscall, overflow included, and read back; bad
// indexes are refused; a file without args still reads.
func TestArgValuesRoundTrip(t *testing.T) {
	f := &File{Version: Version, Target: Target{Command: []string{"x"}}, Host: Host{Arch: "x86_64"}, Started: time.Unix(0, 0).UTC(),
		Syscalls: []Syscall{
			{Arch: "x86_64", Nr: 41, Name: "socket", Count: 3, Args: []ArgValues{{Index: 1, Values: []uint64{1}}, {Index: 0, Values: []uint64{10, 1, 10}}}},
			{Arch: "x86_64", Nr: 72, Name: "fcntl", Count: 40, Args: []ArgValues{{Index: 1, Values: []uint64{1, 2}, Overflow: true}}},
			{Arch: "x86_64", Nr: 0, Name: "read", Count: 1},
		}}
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"args: [{index: 0, values: [1, 10]}, {index: 1, values: [1]}]",
		"args: [{index: 1, values: [1, 2], overflow: true}]",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("encoded trace lacks %q:\n%s", want, buf.String())
		}
	}
	g, err := Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g.Syscalls, f.Syscalls) {
		t.Errorf("round trip:\n got %+v\nwant %+v", g.Syscalls, f.Syscalls)
	}
	for _, bad := range []string{"{index: 6, values: [1]}", "{index: 0, values: [1]}, {index: 0, values: [2]}"} {
		text := strings.Replace(buf.String(), "{index: 1, values: [1, 2], overflow: true}", bad, 1)
		if _, err := Decode(strings.NewReader(text)); !errors.Is(err, ErrFormat) {
			t.Errorf("args %s: %v, want ErrFormat", bad, err)
		}
	}
}

// TestMergeArgs: duplicate entries merge their values; an index one of
// them lacks becomes unknown.
func TestMergeArgs(t *testing.T) {
	f := &File{Syscalls: []Syscall{
		{Arch: "x86_64", Nr: 41, Count: 1, Args: []ArgValues{{Index: 0, Values: []uint64{2}}, {Index: 1, Values: []uint64{1}}}},
		{Arch: "x86_64", Nr: 41, Count: 1, Args: []ArgValues{{Index: 0, Values: []uint64{1}, Overflow: true}}},
	}}
	f.Canonicalize()
	want := []ArgValues{{Index: 0, Values: []uint64{1, 2}, Overflow: true}}
	if len(f.Syscalls) != 1 || !reflect.DeepEqual(f.Syscalls[0].Args, want) {
		t.Errorf("merged %+v, want %+v", f.Syscalls, want)
	}
}
