package text

import "testing"

func TestCount(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{Count(0, "process", "processes"), "0 processes"},
		{Count(1, "process", "processes"), "1 process"},
		{Count(uint64(2), "event", "events"), "2 events"},
		{Word(1, "was", "were"), "was"},
		{Word(3, "was", "were"), "were"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
}
