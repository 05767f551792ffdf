package limits

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

func TestNeedOpenFiles(t *testing.T) {
	l, err := OpenFiles()
	if err != nil {
		t.Skipf("no RLIMIT_NOFILE here: %v", err)
	}
	if l.Cur == math.MaxUint64 {
		return // unlimited
	}
	// Fewer than the limit: this binary has some open (stdin, stdout,
	// stderr, the Go runtime's).
	if err := NeedOpenFiles(l.Cur - 64); err != nil {
		t.Errorf("NeedOpenFiles(%d) with few open: %v", l.Cur-64, err)
	}
	err = NeedOpenFiles(l.Cur + 1)
	if !errors.Is(err, ErrTooFewFiles) || !strings.Contains(err.Error(), "ulimit -n") {
		t.Errorf("NeedOpenFiles(%d) over the limit: %v", l.Cur+1, err)
	}
}

// The need is for files that can still be opened: the limit less those
// open already (a shell's, a parent's), not the limit alone.
func TestNeedOpenFilesCountsOpen(t *testing.T) {
	for _, tc := range []struct {
		l          Limit
		open, need uint64
		want       string // "" for enough
	}{
		{Limit{Cur: 100, Max: 100}, 3, 80, ""},
		{Limit{Cur: 83, Max: 83}, 3, 80, ""},
		{Limit{Cur: 100, Max: 100}, 43, 80, "too few open files: ulimit -n is 100 and 43 are open already, at least 80 more are needed: raise it (ulimit -n 1024)"},
		{Limit{Cur: 65, Max: 65}, 3, 80, "ulimit -n is 65 and 3 are open already"},
		{Limit{Cur: 900, Max: 900}, 800, 120, "raise it (ulimit -n 2048)"},
		{Limit{Cur: 7, Max: 7}, 0, 13, "ulimit -n is 7, at least 13 are needed"},
	} {
		err := needOpenFiles(tc.l, tc.open, tc.need)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("ulimit -n %d, %d open, need %d: %v", tc.l.Cur, tc.open, tc.need, err)
		case tc.want != "" && (!errors.Is(err, ErrTooFewFiles) || !strings.Contains(fmt.Sprint(err), tc.want)):
			t.Errorf("ulimit -n %d, %d open, need %d: %v, want %q", tc.l.Cur, tc.open, tc.need, err, tc.want)
		}
	}
}

func TestOpenDescriptors(t *testing.T) {
	before, err := OpenDescriptors()
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	var files []*os.File
	for range 10 {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	after, err := OpenDescriptors()
	for _, f := range files {
		f.Close()
	}
	// Other goroutines of the test binary may open or close one meanwhile.
	if err != nil || after < before+10 || after > before+12 {
		t.Errorf("open descriptors: %d, then %d with 10 more open (%v)", before, after, err)
	}
}
