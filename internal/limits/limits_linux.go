package limits

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

func openFiles() (Limit, error) {
	var r unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &r); err != nil {
		return Limit{}, err
	}
	return Limit{Cur: r.Cur, Max: r.Max}, nil
}

func openDescriptors() (uint64, error) {
	fd, err := unix.Open("/proc/self/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	var buf [4096]byte
	var n uint64
	for {
		k, err := unix.Getdents(fd, buf[:])
		if err != nil {
			return 0, err
		}
		if k <= 0 {
			break
		}
		_, count, _ := unix.ParseDirent(buf[:k], -1, nil) // less . and ..
		n += uint64(count)
	}
	if n > 0 {
		n-- // fd itself
	}
	return n, nil
}

// Capability numbers from include/uapi/linux/capability.h.
const (
	capSysAdmin    = 21
	capSysResource = 24
)

// tasks returns RLIMIT_NPROC and how many threads the real user runs;
// ok is false when the limit does not apply or cannot be read.
func tasks() (l Limit, used uint64, ok bool) {
	var r unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NPROC, &r); err != nil || r.Cur == unix.RLIM_INFINITY {
		return Limit{}, 0, false
	}
	uid := strconv.Itoa(os.Getuid())
	if uid == "0" {
		return Limit{}, 0, false // root's processes are not counted against it
	}
	if eff, err := effectiveCaps(); err != nil || eff&(1<<capSysAdmin|1<<capSysResource) != 0 {
		return Limit{}, 0, false
	}
	names, err := filepath.Glob("/proc/[0-9]*/status")
	if err != nil || len(names) == 0 {
		return Limit{}, 0, false
	}
	for _, name := range names {
		real, threads := statusFields(name)
		if real == uid {
			used += threads
		}
	}
	return Limit{Cur: r.Cur, Max: r.Max}, used, true
}

// statusFields reads the real uid and the thread count of a
// /proc/PID/status file ("" and 0 if it is gone).
func statusFields(name string) (uid string, threads uint64) {
	f, err := os.Open(name)
	if err != nil {
		return "", 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "Uid:"); ok {
			if fs := strings.Fields(v); len(fs) > 0 {
				uid = fs[0]
			}
		} else if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			threads, _ = strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		}
	}
	return uid, threads
}

func effectiveCaps() (uint64, error) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	return 0, os.ErrNotExist
}
