package testutil

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Mapping is one mapping of a process, from /proc/PID/smaps: its size and
// resident size in KiB.
type Mapping struct {
	Size, Rss uint64
}

// SmapsOf returns the first mapping of pid whose file is path and whose
// permissions are perms ("r-xp": the code).
func SmapsOf(pid int, path, perms string) (Mapping, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return Mapping{}, err
	}
	var m Mapping
	in := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if !strings.HasSuffix(f[0], ":") { // a mapping's header line
			if in {
				return m, nil
			}
			in = len(f) >= 6 && f[1] == perms && f[5] == path
			continue
		}
		if in && len(f) >= 2 && (f[0] == "Size:" || f[0] == "Rss:") {
			v, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				return Mapping{}, fmt.Errorf("/proc/%d/smaps: %q: %w", pid, sc.Text(), err)
			}
			if f[0] == "Size:" {
				m.Size = v
			} else {
				m.Rss = v
			}
		}
	}
	if in {
		return m, nil
	}
	return Mapping{}, fmt.Errorf("/proc/%d/smaps: no %s mapping of %s", pid, perms, path)
}
