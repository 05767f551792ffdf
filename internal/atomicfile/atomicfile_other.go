//go:build !linux

package atomicfile

import (
	"os"
	"path/filepath"
)

// Resolve is Linux's only: elsewhere path is used as given.
func Resolve(path string) (string, error) { return filepath.Abs(path) }

// CheckInPlace: elsewhere every file that is not a regular one is refused.
func CheckInPlace(target string) error { return ErrNotRegular }

func writeInPlace(name, target string, data []byte) error { return ErrNotRegular }

// replace writes a named temporary file and renames it over target.
func replace(target string, data []byte, perm os.FileMode, own *owner) error {
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), target)
}

// umask is not read here: files get the mode Write is given.
func umask() os.FileMode { return 0 }

func openNoLinks(target string) (*os.File, error) { return os.Open(target) }

func checkReadable(f *os.File, target string) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return ErrNotRegular
	}
	return nil
}

// Creatable says why no file can be created in directory dir: elsewhere
// by creating and removing a named one.
func Creatable(dir string) error {
	f, err := os.CreateTemp(dir, ".seccomp-gen-probe-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}
