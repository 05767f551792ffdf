package limits

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestNeedOpenFiles(t *testing.T) {
	l, err := OpenFiles()
	if err != nil {
		t.Skipf("no RLIMIT_NOFILE here: %v", err)
	}
	if err := NeedOpenFiles(l.Cur); err != nil {
		t.Errorf("NeedOpenFiles(%d) at the limit: %v", l.Cur, err)
	}
	if l.Cur == math.MaxUint64 {
		return // unlimited
	}
	err = NeedOpenFiles(l.Cur + 1)
	if !errors.Is(err, ErrTooFewFiles) || !strings.Contains(err.Error(), "ulimit -n") {
		t.Errorf("NeedOpenFiles(%d) over the limit: %v", l.Cur+1, err)
	}
}
