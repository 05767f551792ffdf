//go:build !linux

package atomicfile

import "os"

// writeUnnamed needs O_TMPFILE (Linux): elsewhere Write uses a named
// temporary file.
func writeUnnamed(string, []byte, os.FileMode) error { return errNoTmpfile }
