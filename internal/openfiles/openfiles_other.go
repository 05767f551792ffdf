//go:build !linux

package openfiles

import "errors"

func get() (Limit, error) { return Limit{}, errors.New("RLIMIT_NOFILE: not on this system") }
