package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/internal/atomicfile"
	"github.com/seccomp-gen/seccomp-gen/internal/startstate"
)

// checkOutputs is what every command runs on its output paths before it
// reads or starts anything: each output (flag/path pairs: "-o", o.output,
// "--save-trace", o.saveTrace, ...; empty paths and "-" are skipped) must be
// writable where it is, must not be one of the command's inputs, and no two
// outputs may be the same file. Files are compared by identity (device and
// inode, after following symlinks), so ./t.yaml, /abs/t.yaml, a symlink to
// it and a hard link of it are all t.yaml; only regular files can conflict
// (two names of /dev/null or of a terminal are harmless). Errors are usage
// errors naming the command and the flag.
//
// Standard input ("-") may be named as one input only: a second read of it
// finds it empty.
//
// An output that is also an input of its own flag (generate --oci-config
// edits the bundle in place) is not listed as an input.
// stdinName is how messages and reports name standard input ('-').
const stdinName = "<stdin>"

// sameStream returns the first inputs that name one pipe, FIFO or socket
// ('-' and /dev/stdin, /dev/stdin and /dev/fd/0 on a pipe): the second
// read would find it empty and blame the file ("empty file"). nil when
// there are none.
func sameStream(inputs []string) []string {
	seen := map[fileID][]string{}
	var order []fileID
	for _, in := range inputs {
		var st os.FileInfo
		var err error
		if in == "-" {
			st, err = os.Stdin.Stat()
		} else {
			st, err = os.Stat(in)
		}
		if err != nil || st.Mode()&(os.ModeNamedPipe|os.ModeSocket) == 0 {
			continue
		}
		sys, ok := st.Sys().(*syscall.Stat_t)
		if !ok {
			continue
		}
		id := fileID{uint64(sys.Dev), sys.Ino}
		if seen[id] == nil {
			order = append(order, id)
		}
		seen[id] = append(seen[id], inputName(in))
	}
	for _, id := range order {
		if len(seen[id]) > 1 {
			return seen[id]
		}
	}
	return nil
}

// inputName is how messages and reports name the input path.
func inputName(path string) string {
	if path == "-" {
		return stdinName
	}
	return path
}

func checkOutputs(cmd string, inputs []string, outputs ...string) error {
	stdin := 0
	for _, in := range inputs {
		if in == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return usageErrf("%s: standard input ('-') is named %d times as an input; it can be read only once", cmd, stdin)
	}
	if names := sameStream(inputs); names != nil {
		return usageErrf("%s: %s name the same pipe; it can be read only once", cmd, strings.Join(names, " and "))
	}
	for _, in := range inputs {
		if err := stdinReadable(in); err != nil {
			return usageErrf("%s: %s: %v; name a file instead", cmd, inputName(in), err)
		}
	}
	type out struct{ flag, path string }
	var outs []out
	var stdout []string // the outputs that write to standard output
	for i := 0; i+1 < len(outputs); i += 2 {
		if p := outputs[i+1]; p != "" && isStdout(p) {
			stdout = append(stdout, outputs[i]+" "+p)
		}
	}
	if len(stdout) > 1 {
		// replay --save-trace - with the report on stdout (-o -, the
		// default): the two documents interleaved, exit 0.
		return usageErrf("%s: %s both write to standard output, where they would mix; write one of them to a file", cmd, strings.Join(stdout, " and "))
	}
	for i := 0; i+1 < len(outputs); i += 2 {
		if p := outputs[i+1]; p != "" && isStdout(p) && startstate.Closed(1) {
			return usageErrf("%s: %s %s: standard output is closed; write to a file instead (%s FILE)", cmd, outputs[i], p, outputs[i])
		}
		if p := outputs[i+1]; p != "" && p != "-" {
			outs = append(outs, out{outputs[i], p})
		}
	}
	for i, o := range outs {
		if err := writable(o.path); err != nil {
			return usageErrf("%s: %s %s: %v", cmd, o.flag, o.path, err)
		}
		for _, in := range inputs {
			file := in
			if in == "-" {
				file = "/proc/self/fd/0" // the file standard input reads, if one
			}
			if sameFile(o.path, file) {
				what := "the input " + inputName(in)
				if in != o.path {
					what += " (the same file)"
				}
				return usageErrf("%s: %s %s is %s: refusing to overwrite an input; write the output elsewhere", cmd, o.flag, o.path, what)
			}
		}
		if exe, err := os.Executable(); err == nil && sameFile(o.path, exe) {
			return usageErrf("%s: %s %s is seccomp-gen's own program: refusing to overwrite it; write the output elsewhere", cmd, o.flag, o.path)
		}
		for _, p := range outs[:i] {
			if sameFile(o.path, p.path) || samePlace(o.path, p.path) {
				return usageErrf("%s: %s %s and %s %s are the same file: one output would overwrite the other", cmd, p.flag, p.path, o.flag, o.path)
			}
		}
	}
	return nil
}

// needStdout is the first check of a command that prints only to standard
// output (version, doctor, completion): with stdout closed (>&-) it is
// refused as -o - is (checkOutputs), where the write would fail with "bad
// file descriptor" after the work was done.
func needStdout(cmd string) error {
	if startstate.Closed(1) {
		return usageErrf("%s: %s", cmd, stdoutClosed)
	}
	return nil
}

// stdoutClosed is what a command that prints to standard output says when
// it was started with it closed (needStdout; help and --version too).
const stdoutClosed = "standard output is closed; redirect it to a file instead (> FILE)"

// isStdout reports whether output path names standard output: "-", or a
// name of descriptor 1 (/dev/stdout, /dev/fd/1, /proc/self/fd/1).
func isStdout(path string) bool {
	return path == "-" || namesFD(path, 1)
}

// namesFD reports whether path is a name of this process's descriptor fd
// (/dev/stdin, /dev/fd/0, /proc/self/fd/0 for 0).
func namesFD(path string, fd int) bool {
	// Resolve ends them at /proc/PID/fd/N or /proc/PID/task/TID/fd/N.
	target, err := atomicfile.Resolve(path)
	return err == nil && strings.HasPrefix(target, "/proc/"+strconv.Itoa(os.Getpid())+"/") && strings.HasSuffix(target, "/fd/"+strconv.Itoa(fd))
}

// stdinReadable says why input path, when it names standard input, cannot
// be read: stdin was closed (<&-; sealClosed made reads of it fail), or
// "-" is open for writing only (0>FILE). A name such as /dev/stdin opens
// the file anew, for reading.
func stdinReadable(path string) error {
	if path != "-" {
		// Resolved only when it matters (generate may read thousands).
		if path != "" && startstate.Closed(0) && namesFD(path, 0) {
			return errors.New("standard input is closed")
		}
		return nil
	}
	if startstate.Closed(0) {
		return errors.New("standard input is closed")
	}
	if fl, err := unix.FcntlInt(0, unix.F_GETFL, 0); err == nil && fl&unix.O_ACCMODE == unix.O_WRONLY {
		return errors.New("standard input is open for writing only")
	}
	return nil
}

// commandFile is the program command runs, as an input for checkOutputs
// (looked up in PATH when it has no slash; nothing when it is not found).
func commandFile(command []string) []string {
	if len(command) == 0 {
		return nil
	}
	if p, err := exec.LookPath(command[0]); err == nil || errors.Is(err, exec.ErrDot) {
		return []string{p}
	}
	return nil
}

// writable says why path cannot be written by internal/atomicfile, which
// writes a temporary file next to it and renames it over path (a path that
// is not a regular file, such as /dev/null, is written in place). It
// creates nothing that stays.
func writable(path string) error {
	// Links are followed as atomicfile follows them (refusing one another
	// user could have planted in /tmp).
	target, err := atomicfile.Resolve(path)
	if err != nil {
		return unwrapPath(err)
	}
	if lst, err := os.Lstat(target); err == nil && lst.Mode().Type() == os.ModeSymlink {
		// A link in /proc that Resolve keeps (/dev/stdout, /dev/fd/5):
		// atomicfile.Write writes through it in place, a regular file
		// too (truncated, as the shell's >).
		return atomicfile.CheckInPlace(target)
	}
	st, err := os.Stat(target)
	switch {
	case err == nil && st.IsDir():
		return errors.New("is a directory")
	case err == nil && !st.Mode().IsRegular():
		// Written in place: a FIFO, /dev/null, a terminal, /dev/stdout;
		// not opened here (closing a FIFO would end its reader's input).
		return atomicfile.CheckInPlace(target)
	case err == nil:
		if err := replaceable(target, st); err != nil {
			return err
		}
	case err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
		return unwrapPath(err)
	}
	dir := filepath.Dir(target)
	if dir == "/proc" || strings.HasPrefix(dir, "/proc/") {
		// /proc/self/fd/5, /dev/fd/5 with descriptor 5 not open: no
		// file can be created there.
		if fd := filepath.Base(target); filepath.Base(dir) == "fd" && strings.HasPrefix(target, "/proc/"+strconv.Itoa(os.Getpid())+"/") {
			return fmt.Errorf("descriptor %s is not open (a shell opens it with %s>FILE)", fd, fd)
		}
		return errors.New("no such file; nothing can be created under /proc")
	}
	if dir == "/dev" || strings.HasPrefix(dir, "/dev/") {
		// A device that is not there (a typo: /dev/stdot) would become
		// a regular file in /dev, as root.
		return errors.New("no such device; seccomp-gen creates no files under /dev (name a regular file, or '-' for standard output)")
	}
	dst, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("directory %s does not exist", dir)
	case errors.Is(err, syscall.ENOTDIR) || err == nil && !dst.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	case err != nil:
		return unwrapPath(err)
	}
	// Root passes every permission check but not a read-only mount: try.
	if err := atomicfile.Creatable(dir); err != nil {
		return fmt.Errorf("directory %s is not writable: %w", dir, err)
	}
	// Root creates files in an append-only directory too, but renames
	// nothing into it (and removes nothing from it): the temporary file
	// would stay, the output never appear.
	if fl, ok := inodeFlags(dir); ok && fl&fsAppendFL != 0 {
		return fmt.Errorf("directory %s is append-only (chattr +a): a file written there cannot be renamed into place; write elsewhere, or chattr -a it", dir)
	}
	return nil
}

// inodeFlags are path's inode flags (chattr's), false when they cannot be
// read (a file system without them, a FIFO, no permission).
func inodeFlags(path string) (uint32, bool) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	fl, err := unix.IoctlGetUint32(int(f.Fd()), unix.FS_IOC_GETFLAGS)
	return fl, err == nil
}

// The inode flags of chattr +i and +a (linux/fs.h).
const (
	fsImmutableFL = 0x10
	fsAppendFL    = 0x20
)

// replaceable says why the existing regular file target cannot be replaced
// by a rename over it, which fails with "operation not permitted" only
// once the work is done: it is immutable or append-only (chattr; root
// too), or another user's in a sticky directory such as /tmp (not root).
func replaceable(target string, st os.FileInfo) error {
	if fl, ok := inodeFlags(target); ok {
		switch {
		case fl&fsImmutableFL != 0:
			return errors.New("is immutable (chattr +i): it cannot be replaced; write elsewhere, or chattr -i it")
		case fl&fsAppendFL != 0:
			return errors.New("is append-only (chattr +a): it cannot be replaced; write elsewhere, or chattr -a it")
		}
	}
	euid := os.Geteuid()
	dst, err := os.Stat(filepath.Dir(target))
	if euid == 0 || err != nil || dst.Mode()&os.ModeSticky == 0 {
		return nil
	}
	fsys, ok1 := st.Sys().(*syscall.Stat_t)
	dsys, ok2 := dst.Sys().(*syscall.Stat_t)
	if ok1 && ok2 && int(fsys.Uid) != euid && int(dsys.Uid) != euid {
		return fmt.Errorf("is another user's (uid %d) in the sticky directory %s: it cannot be replaced; write elsewhere", fsys.Uid, filepath.Dir(target))
	}
	return nil
}

// unwrapPath drops the *os.PathError's op and path, which the message
// names already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// inputFiles says which inputs repeat an earlier one ("named twice", "the
// same file as X"), so that commands read such a file once. Each input is
// stat'ed once and its identity (device, inode) kept in a map: comparing
// each input with every earlier one cost n²/2 pairs of stats, 12.5 million
// for 5000 traces (15 s of generate's 20 s).
type inputFiles struct {
	first map[fileID]string // the first input naming each file
	// stat is os.Stat; tests count the calls.
	stat func(string) (os.FileInfo, error)
}

type fileID struct{ dev, ino uint64 }

// repeated says how path repeats an input seen before ("" when it does
// not: a new file, or a path that is not an existing regular file) and
// remembers it. "-" is the file standard input reads, when it is a
// regular one (< t.yaml): "- /dev/stdin" or "t.yaml -" name one file.
func (s *inputFiles) repeated(path string) string {
	if path == "" {
		return ""
	}
	stat := s.stat
	if stat == nil {
		stat = os.Stat
	}
	if path == "-" {
		stat = func(string) (os.FileInfo, error) { return os.Stdin.Stat() }
	}
	st, err := stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return ""
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	id := fileID{uint64(sys.Dev), sys.Ino}
	e, seen := s.first[id]
	if !seen {
		if s.first == nil {
			s.first = map[fileID]string{}
		}
		s.first[id] = path
		return ""
	}
	if e == path {
		return "named twice"
	}
	return "the same file as " + inputName(e)
}

// sameFile reports whether a and b name the same existing regular file.
func sameFile(a, b string) bool {
	if a == "-" || b == "-" || a == "" || b == "" {
		return false
	}
	sa, err := os.Stat(a)
	if err != nil || !sa.Mode().IsRegular() {
		return false
	}
	sb, err := os.Stat(b)
	if err != nil || !sb.Mode().IsRegular() {
		return false
	}
	return os.SameFile(sa, sb)
}

// samePlace reports whether a and b, neither of which exists yet, would be
// created as the same file (their directories resolved).
func samePlace(a, b string) bool {
	ra, rb := place(a), place(b)
	return ra != "" && ra == rb
}

func place(p string) string {
	if _, err := os.Lstat(p); err == nil {
		return "" // exists: sameFile decides
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return ""
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return ""
	}
	return filepath.Join(dir, filepath.Base(abs))
}

// fileArgs returns the values of a NAME|FILE flag (--baseline) that name
// files: those with a '/' or a '.', as profiles.Resolve reads them.
func fileArgs(values []string) []string {
	var out []string
	for _, v := range values {
		if strings.ContainsAny(v, "/.") {
			out = append(out, v)
		}
	}
	return out
}

// inputFiles are the files replay and check read besides traces: the
// profile and --baseline files.
func (o *verdictFlags) inputFiles() []string {
	return append([]string{o.profile}, fileArgs(o.baselines)...)
}
