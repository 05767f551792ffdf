//go:build !linux

package atomicfile

import "os"

// writeUnnamed needs O_TMPFILE (Linux): elsewhere Write uses a named
// temporary file.
func writeUnnamed(string, []byte, os.FileMode) error { return errNoTmpfile }

// umask is not read here: files get the mode Write is given.
func umask() os.FileMode { return 0 }
