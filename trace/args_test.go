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

// TestArgPairsRoundTrip: pairs are written in flow style next to args,
// sorted and without duplicates, overflow included, and read back; the
// text writer and the node tree agree; bad pairs are refused; an entry
// without pairs reads back without them (unknown, not empty).
func TestArgPairsRoundTrip(t *testing.T) {
	f := &File{Version: Version, Target: Target{Command: []string{"x"}}, Host: Host{Arch: "x86_64"}, Started: time.Unix(0, 0).UTC(),
		Syscalls: []Syscall{
			{Arch: "x86_64", Nr: 41, Name: "socket", Count: 3,
				Args:  []ArgValues{{Index: 0, Values: []uint64{1, 2}}, {Index: 1, Values: []uint64{1, 2}}},
				Pairs: &ArgPairs{Indexes: [2]int{0, 1}, Values: [][2]uint64{{2, 2}, {1, 1}, {2, 2}}}},
			{Arch: "x86_64", Nr: 54, Name: "setsockopt", Count: 40,
				Args:  []ArgValues{{Index: 1, Values: []uint64{1}}, {Index: 2, Values: []uint64{2, 9}, Overflow: true}},
				Pairs: &ArgPairs{Indexes: [2]int{1, 2}, Values: [][2]uint64{{1, 9}, {1, 2}}, Overflow: true}},
			{Arch: "x86_64", Nr: 55, Name: "getsockopt", Count: 1,
				Args: []ArgValues{{Index: 1, Values: []uint64{1}}, {Index: 2, Values: []uint64{4}}}},
		}}
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"args: [{index: 0, values: [1, 2]}, {index: 1, values: [1, 2]}], pairs: {indexes: [0, 1], values: [[1, 1], [2, 2]]}}\n",
		"pairs: {indexes: [1, 2], values: [[1, 2], [1, 9]], overflow: true}}\n",
		"args: [{index: 1, values: [1]}, {index: 2, values: [4]}]}\n",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("encoded trace lacks %q:\n%s", want, buf.String())
		}
	}
	tree, err := encodeTree(f)
	if err != nil {
		t.Fatal(err)
	}
	if string(tree) != buf.String() {
		t.Errorf("text and tree differ:\n%s\n%s", buf.String(), tree)
	}
	g, err := Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g.Syscalls, f.Syscalls) {
		t.Errorf("round trip:\n got %+v\nwant %+v", g.Syscalls, f.Syscalls)
	}
	if g.Syscalls[2].Pairs != nil {
		t.Errorf("an entry without pairs read back with %+v", g.Syscalls[2].Pairs)
	}
	for _, bad := range []string{
		"{indexes: [1, 0], values: [[1, 1]]}",          // not the lower first
		"{indexes: [0, 6], values: [[1, 1]]}",          // out of range
		"{indexes: [0, 0], values: [[1, 1]]}",          // one argument
		"{indexes: [0, 1], values: [[1, 1, 1]]}",       // not a pair
		"{indexes: [0, 1, 2], values: [[1, 1]]}",       // three indexes
		"{indexes: [0, 1], values: [[4294967296, 1]]}", // above 32 bits
		"{indexes: [0, 1], values: [[1, 1]], other: 1}",
	} {
		text := strings.Replace(buf.String(), "{indexes: [0, 1], values: [[1, 1], [2, 2]]}", bad, 1)
		if _, err := Decode(strings.NewReader(text)); !errors.Is(err, ErrFormat) {
			t.Errorf("pairs %s: %v, want ErrFormat", bad, err)
		}
	}
}

// TestMergePairs: duplicate entries merge their pairs (the union,
// overflowed when either is); when one of them has none, which values went
// together is unknown (nil), as an index one of them lacks is for Args.
func TestMergePairs(t *testing.T) {
	socket := func(p *ArgPairs) Syscall {
		return Syscall{Arch: "x86_64", Nr: 41, Count: 1, Args: []ArgValues{{Index: 0, Values: []uint64{1}}, {Index: 1, Values: []uint64{1}}}, Pairs: p}
	}
	for _, c := range []struct {
		name string
		a, b *ArgPairs
		want *ArgPairs
	}{
		{"union", &ArgPairs{Indexes: [2]int{0, 1}, Values: [][2]uint64{{2, 2}}}, &ArgPairs{Indexes: [2]int{0, 1}, Values: [][2]uint64{{1, 1}, {2, 2}}},
			&ArgPairs{Indexes: [2]int{0, 1}, Values: [][2]uint64{{1, 1}, {2, 2}}}},
		{"overflow", &ArgPairs{Indexes: [2]int{0, 1}, Values: [][2]uint64{{1, 1}}, Overflow: true}, &ArgPairs{Indexes: [2]int{0, 1}, Values: [][2]uint64{{1, 2}}},
			&ArgPairs{Indexes: [2]int{0, 1}, Values: [][2]uint64{{1, 1}, {1, 2}}, Overflow: true}},
		{"overflow in the second", &ArgPairs{Indexes: [2]int{0, 1}, Values: [][2]uint64{{1, 2}}}, &ArgPairs{Indexes: [2]int{0, 1}, Values: [][2]uint64{{1, 1}}, Overflow: true},
			&ArgPairs{Indexes: [2]int{0, 1}, Values: [][2]uint64{{1, 1}, {1, 2}}, Overflow: true}},
		{"first lacks them", nil, &ArgPairs{Indexes: [2]int{0, 1}, Values: [][2]uint64{{1, 1}}}, nil},
		{"second lacks them", &ArgPairs{Indexes: [2]int{0, 1}, Values: [][2]uint64{{1, 1}}}, nil, nil},
		{"other arguments", &ArgPairs{Indexes: [2]int{0, 1}, Values: [][2]uint64{{1, 1}}}, &ArgPairs{Indexes: [2]int{1, 2}, Values: [][2]uint64{{1, 1}}}, nil},
	} {
		f := &File{Syscalls: []Syscall{socket(c.a), socket(c.b)}}
		f.Canonicalize()
		if len(f.Syscalls) != 1 || !reflect.DeepEqual(f.Syscalls[0].Pairs, c.want) {
			t.Errorf("%s: merged %+v, want %+v", c.name, f.Syscalls[0].Pairs, c.want)
		}
	}
}
