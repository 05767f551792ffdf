package widen

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
)

// The files read here are named by traces and by the executables
// themselves (DT_NEEDED, DT_RUNPATH, "#!" lines), often those of a
// container: their names are untrusted. A FIFO there would make an open
// wait for a writer forever, a device would be read (/dev/zero without
// end), and a malformed ELF file must not stop seccomp-gen.

// errNotRegular is a file that is not read because it is not a regular
// file.
var errNotRegular = errors.New("not a regular file: not read")

// maxHashed is the largest file Identify hashes (one without a build ID).
// No executable comes near it; a larger one (a sparse file a container
// put at an exec'd path) would hold up the end of a trace for minutes.
var maxHashed int64 = 4 << 30

// elfFile is an ELF file openELF opened.
type elfFile struct {
	*elf.File
	fh *os.File
}

func (f *elfFile) Close() error {
	f.File.Close()
	return f.fh.Close()
}

// openELF is elf.Open for a file from openRegular. A panic in debug/elf on
// a malformed file is an error.
func openELF(path string) (f *elfFile, err error) {
	fh, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			fh.Close()
			f, err = nil, fmt.Errorf("%s: malformed ELF file", path)
		}
	}()
	ef, err := elf.NewFile(fh)
	if err != nil {
		fh.Close()
		return nil, err
	}
	return &elfFile{File: ef, fh: fh}, nil
}

// safely runs read on an ELF file, turning a panic of debug/elf on a
// malformed one into an error.
func safely(path string, read func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: malformed ELF file", path)
		}
	}()
	read()
	return nil
}
