package testutil

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Created runs f and returns the names of the files that were created in,
// or moved into, directory dir meanwhile (inotify: also a file created and
// removed again, which a later look at the directory would miss).
func Created(t testing.TB, dir string, f func()) []string {
	t.Helper()
	in, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(in)
	if _, err := unix.InotifyAddWatch(in, dir, unix.IN_CREATE|unix.IN_MOVED_TO); err != nil {
		t.Fatal(err)
	}
	f()
	var names []string
	var buf [4096]byte
	for {
		n, err := unix.Read(in, buf[:])
		if errors.Is(err, unix.EAGAIN) {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			l := int(binary.NativeEndian.Uint32(buf[off+12:]))
			names = append(names, strings.TrimRight(string(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+l]), "\x00"))
			off += unix.SizeofInotifyEvent + l
		}
	}
}
