package kver

import "testing"

func TestReleaseAtLeast(t *testing.T) {
	for _, c := range []struct {
		release      string
		major, minor int
		want         bool
	}{
		{"6.18.44-fc-v1045", 6, 1, true},
		{"6.18.44-fc-v1045", 6, 18, true},
		{"6.18.44-fc-v1045", 6, 19, false},
		{"6.18.44-fc-v1045", 7, 0, false},
		{"5.14.0-rc1", 5, 14, true},
		{"5.13.19", 5, 14, false},
		{"4.19.0-27-amd64", 5, 11, false},
		{"10.0", 6, 1, true},
		{"", 5, 14, false},
		{"6", 5, 14, false},
		{"x.y", 5, 14, false},
	} {
		if got := ReleaseAtLeast(c.release, c.major, c.minor); got != c.want {
			t.Errorf("ReleaseAtLeast(%q, %d, %d) = %v, want %v", c.release, c.major, c.minor, got, c.want)
		}
	}
}
