package openfiles

import "golang.org/x/sys/unix"

func get() (Limit, error) {
	var r unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &r); err != nil {
		return Limit{}, err
	}
	return Limit{Cur: r.Cur, Max: r.Max}, nil
}
