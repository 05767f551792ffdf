//go:build !linux

package limits

import "errors"

func openFiles() (Limit, error) {
	return Limit{}, errors.New("RLIMIT_NOFILE: not on this system")
}

func tasks() (Limit, uint64, bool) { return Limit{}, 0, false }

func openDescriptors() (uint64, error) {
	return 0, errors.New("open descriptors: not on this system")
}
