package atomicfile

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// maxLinks is how many symbolic links Resolve follows (the kernel's
// limit, MAXSYMLINKS).
const maxLinks = 40

// Resolve returns the file that path names, as an absolute path with every
// symbolic link followed, one at a time, as the kernel would. The last
// component need not exist, but a link to nothing is an error.
//
// A link in a directory that every user can write to is followed only if
// that directory is sticky (/tmp) and the link belongs to the effective
// user or to the directory's owner; any other is refused (ErrUnsafeLink).
// That is the kernel's fs.protected_symlinks rule, applied whether or not
// the system turned it on: a link another user planted at /tmp/out.yaml
// would otherwise have root replace the file it points to.
//
// A link in /proc named last (/dev/stdout ends at /proc/self/fd/1, which
// may be a pipe, named by no path) is returned as it is: opening it reaches
// the file. One in the middle of a path (/proc/PID/root/...) is refused;
// only /proc/self and /proc/thread-self are followed.
func Resolve(path string) (string, error) {
	if path == "" {
		return "", &os.PathError{Op: "open", Path: path, Err: unix.ENOENT}
	}
	if strings.HasSuffix(path, "/") {
		return "", &os.PathError{Op: "open", Path: path, Err: unix.EISDIR}
	}
	full := path
	if !filepath.IsAbs(path) {
		wd, err := unix.Getwd()
		if err != nil {
			return "", &os.PathError{Op: "getwd", Path: ".", Err: err}
		}
		full = wd + "/" + path
	}
	cur := "/"
	rest := strings.Split(full, "/")
	links := 0
	lastIsLink := false // what is left came from the text of the path's last link
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, c)
		last := len(rest) == 0
		st, err := os.Lstat(next)
		if errors.Is(err, os.ErrNotExist) {
			if lastIsLink {
				return "", fmt.Errorf("%s: a symlink to nowhere (%s does not exist)", path, next)
			}
			// Nothing below it exists either: no more links. Writing there
			// says what is missing. The kernel goes through no ".." below
			// a missing directory: cleaning one away would name an
			// existing file Resolve never checked (/tmp/none/../link).
			if slices.Contains(rest, "..") {
				return "", &os.PathError{Op: "open", Path: path, Err: unix.ENOENT}
			}
			return filepath.Join(append([]string{next}, rest...)...), nil
		}
		if err != nil {
			return "", err
		}
		if st.Mode().Type() != os.ModeSymlink {
			cur = next
			continue
		}
		if err := mayFollow(next, cur, st); err != nil {
			return "", err
		}
		if cur != "/proc" && onProc(cur) {
			if !last {
				// /proc/PID/root/etc/x: the link's text ("/") is not
				// where the kernel goes (the process's root).
				return "", fmt.Errorf("%s: goes through %s, a link in /proc whose text is not where it leads; name the file another way", path, next)
			}
			return next, nil
		}
		if links++; links > maxLinks {
			return "", &os.PathError{Op: "open", Path: path, Err: unix.ELOOP}
		}
		text, err := os.Readlink(next)
		if err != nil {
			return "", err
		}
		if filepath.IsAbs(text) {
			cur = "/"
		}
		lastIsLink = lastIsLink || last
		rest = append(strings.Split(text, "/"), rest...)
	}
	return cur, nil
}

// linkError is a link Resolve does not follow.
type linkError struct {
	link, dir string
	uid       uint32
}

func (e *linkError) Error() string {
	return fmt.Sprintf("%s is a symbolic link owned by uid %d in %s, a directory every user can write to: not following it (another user could have planted it); name the file it points to instead", e.link, e.uid, e.dir)
}

func (e *linkError) Is(target error) bool { return target == ErrUnsafeLink }

// mayFollow applies Resolve's rule to the link at path (st) in directory
// dir.
func mayFollow(path, dir string, st os.FileInfo) error {
	var dst unix.Stat_t
	if err := unix.Stat(dir, &dst); err != nil {
		return &os.PathError{Op: "stat", Path: dir, Err: err}
	}
	if dst.Mode&0o002 == 0 {
		return nil
	}
	var lst unix.Stat_t
	if err := unix.Lstat(path, &lst); err != nil {
		return &os.PathError{Op: "lstat", Path: path, Err: err}
	}
	if dst.Mode&unix.S_ISVTX != 0 && (int(lst.Uid) == os.Geteuid() || lst.Uid == dst.Uid) {
		return nil
	}
	return &linkError{link: path, dir: dir, uid: lst.Uid}
}

// onProc reports whether dir is on procfs, whose links may name files no
// path reaches (pipe:[N]).
func onProc(dir string) bool {
	var fs unix.Statfs_t
	return unix.Statfs(dir, &fs) == nil && fs.Type == unix.PROC_SUPER_MAGIC
}

// CheckInPlace says why Write would refuse to write target, an existing
// file that is not a regular file, in place (ErrNotRegular), without
// opening it: opening a device may act on it, and closing a FIFO would end
// its reader's input. A FIFO that has no reader is found only by Write.
func CheckInPlace(target string) error {
	_, err := inPlaceStat(target)
	return err
}

// inPlaceStat returns what is at target (through it, for a link in /proc),
// if Write may write it in place.
func inPlaceStat(target string) (unix.Stat_t, error) {
	var st unix.Stat_t
	if err := unix.Stat(target, &st); err != nil {
		return st, &os.PathError{Op: "stat", Path: target, Err: err}
	}
	what := ""
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFIFO:
		return st, nil
	case unix.S_IFREG:
		return st, nil // through a link in /proc, as /dev/stdout
	case unix.S_IFCHR:
		if writableDevice(&st) {
			return st, nil
		}
		what = fmt.Sprintf("a character device (%d:%d)", unix.Major(st.Rdev), unix.Minor(st.Rdev))
	case unix.S_IFBLK:
		what = fmt.Sprintf("a block device (%d:%d)", unix.Major(st.Rdev), unix.Minor(st.Rdev))
	case unix.S_IFSOCK:
		what = "a socket"
	case unix.S_IFDIR:
		what = "a directory"
	default:
		what = "a special file"
	}
	return st, fmt.Errorf("is %s: %w; refusing to write into it (name a regular file, or '-' for standard output)", what, ErrNotRegular)
}

// writableDevice reports whether the character device st is one that an
// output may name: /dev/null, a terminal, or seccomp-gen's standard output
// or error by another name.
func writableDevice(st *unix.Stat_t) bool {
	major, minor := unix.Major(st.Rdev), unix.Minor(st.Rdev)
	switch {
	case major == 1 && minor == 3: // /dev/null
		return true
	case major == 5 && minor == 0: // /dev/tty
		return true
	case major == 4 || major >= 136 && major <= 143: // ttyN, ttySN, /dev/pts/N
		return true
	}
	for _, fd := range []int{1, 2} {
		var s unix.Stat_t
		if unix.Fstat(fd, &s) == nil && s.Dev == st.Dev && s.Ino == st.Ino {
			return true
		}
	}
	return false
}

// fifoReaderWait is how long Write waits for a FIFO's reader to open it (a
// variable for tests).
var fifoReaderWait = 10 * time.Second

// writeInPlace writes data into target, an existing file that is not a
// regular file (or a link in /proc), which name names.
func writeInPlace(name, target string, data []byte) error {
	before, err := inPlaceStat(target)
	if err != nil {
		return err
	}
	flags := unix.O_WRONLY | unix.O_NONBLOCK | unix.O_NOCTTY | unix.O_CLOEXEC
	var lst unix.Stat_t
	if unix.Lstat(target, &lst) == nil && lst.Mode&unix.S_IFMT != unix.S_IFLNK {
		flags |= unix.O_NOFOLLOW
	}
	fd, err := unix.Open(target, flags, 0)
	if before.Mode&unix.S_IFMT == unix.S_IFIFO {
		// Its reader may be starting (seccomp-gen -o fifo & reader <fifo).
		for wait := time.Duration(0); errors.Is(err, unix.ENXIO) && wait < fifoReaderWait; wait += 10 * time.Millisecond {
			time.Sleep(10 * time.Millisecond)
			fd, err = unix.Open(target, flags, 0)
		}
		if errors.Is(err, unix.ENXIO) {
			return fmt.Errorf("is a FIFO that nothing read within %v: not waiting for a reader any longer; start its reader first", fifoReaderWait)
		}
	}
	if err != nil {
		return &os.PathError{Op: "open", Path: name, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Dev != before.Dev || st.Ino != before.Ino || st.Rdev != before.Rdev {
		unix.Close(fd)
		return errors.New("changed while it was opened; not writing it")
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return &os.PathError{Op: "fcntl", Path: name, Err: err}
	}
	f := os.NewFile(uintptr(fd), name)
	if st.Mode&unix.S_IFMT == unix.S_IFREG {
		if err := f.Truncate(0); err != nil {
			f.Close()
			return err
		}
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// replace writes data to a new file in target's directory, then renames it
// over target. The directory is opened once, refusing any symbolic link
// (Resolve followed them all), so that one swapped in since cannot send
// the file elsewhere.
func replace(target string, data []byte, perm os.FileMode, own *owner) error {
	dir, base := filepath.Dir(target), filepath.Base(target)
	dfd, err := unix.Openat2(unix.AT_FDCWD, dir, &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_NO_SYMLINKS,
	})
	if errors.Is(err, unix.ENOSYS) {
		dfd, err = unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	}
	if errors.Is(err, unix.ELOOP) {
		return fmt.Errorf("%s: a directory in it was replaced by a symbolic link while writing; not writing it", target)
	}
	if err != nil {
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(dfd)
	if err := writeUnnamed(dfd, dir, base, data, perm, own); !errors.Is(err, errNoTmpfile) {
		return err
	}
	return writeNamed(dfd, dir, base, data, perm, own)
}

// tmpName is a temporary name for base.
func tmpName(base string) string {
	return fmt.Sprintf(".%s.tmp-%d", base, rand.Uint32())
}

// writeUnnamed writes data to an unnamed file in directory dfd (O_TMPFILE),
// syncs it, then links it under a temporary name and renames that over
// base. A writer killed (SIGKILL) while writing or syncing leaves nothing
// behind; only the two system calls between the link and the rename can
// leave a temporary file.
func writeUnnamed(dfd int, dir, base string, data []byte, perm os.FileMode, own *owner) error {
	fd, err := unix.Openat(dfd, ".", unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, uint32(perm.Perm()))
	if err != nil {
		if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EINVAL) {
			return errNoTmpfile
		}
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	f := os.NewFile(uintptr(fd), filepath.Join(dir, base))
	defer f.Close()
	if err := writeSync(f, data, perm, own); err != nil {
		return err
	}
	proc := "/proc/self/fd/" + strconv.Itoa(fd)
	for try := 0; ; try++ {
		tmp := tmpName(base)
		err := unix.Linkat(unix.AT_FDCWD, proc, dfd, tmp, unix.AT_SYMLINK_FOLLOW)
		switch {
		case err == nil:
			if err := unix.Renameat(dfd, tmp, dfd, base); err != nil {
				_ = unix.Unlinkat(dfd, tmp, 0)
				return &os.LinkError{Op: "rename", Old: filepath.Join(dir, tmp), New: filepath.Join(dir, base), Err: err}
			}
			return nil
		case errors.Is(err, unix.EEXIST) && try < 100:
			continue
		case errors.Is(err, unix.ENOENT):
			if _, serr := os.Stat(proc); serr != nil {
				return errNoTmpfile // no /proc
			}
		}
		return &os.LinkError{Op: "link", Old: proc, New: filepath.Join(dir, tmp), Err: err}
	}
}

// writeNamed is writeUnnamed with a named temporary file, created with
// O_EXCL (never an existing file or link).
func writeNamed(dfd int, dir, base string, data []byte, perm os.FileMode, own *owner) error {
	var (
		fd  int
		tmp string
		err error
	)
	for try := 0; ; try++ {
		tmp = tmpName(base)
		fd, err = unix.Openat(dfd, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EEXIST) || try >= 100 {
			return &os.PathError{Op: "open", Path: filepath.Join(dir, tmp), Err: err}
		}
	}
	renamed := false
	defer func() {
		if !renamed {
			_ = unix.Unlinkat(dfd, tmp, 0)
		}
	}()
	f := os.NewFile(uintptr(fd), filepath.Join(dir, tmp))
	if err := writeSync(f, data, perm, own); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := unix.Renameat(dfd, tmp, dfd, base); err != nil {
		return &os.LinkError{Op: "rename", Old: filepath.Join(dir, tmp), New: filepath.Join(dir, base), Err: err}
	}
	renamed = true
	return nil
}

// writeSync writes data to f, gives it the owner of the file it replaces
// (own, best effort: ownerOf), sets its mode and syncs it.
func writeSync(f *os.File, data []byte, perm os.FileMode, own *owner) error {
	if _, err := f.Write(data); err != nil {
		return err
	}
	if own != nil {
		// Before the chmod: a chown clears the set-ID bits.
		if err := f.Chown(own.uid, own.gid); err != nil && !errors.Is(err, unix.EPERM) {
			return err
		}
	}
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if testHookWritten != nil {
		testHookWritten()
	}
	return nil
}

// umask returns the process's file mode creation mask, read from
// /proc/self/status (setting it to read it back would race with other
// goroutines creating files); 0 when it cannot be read.
func umask() os.FileMode {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "Umask:"); ok {
			if m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
				return os.FileMode(m) & os.ModePerm
			}
		}
	}
	return 0
}

// openNoLinks opens target, which Resolve returned, for reading without
// following any symbolic link on the way (openat2 RESOLVE_NO_SYMLINKS; on
// kernels without openat2, O_NOFOLLOW on the last component only), and
// without blocking on a FIFO.
func openNoLinks(target string) (*os.File, error) {
	flags := unix.O_RDONLY | unix.O_NONBLOCK | unix.O_NOCTTY | unix.O_CLOEXEC
	fd, err := unix.Openat2(unix.AT_FDCWD, target, &unix.OpenHow{
		Flags:   uint64(flags),
		Resolve: unix.RESOLVE_NO_SYMLINKS,
	})
	if errors.Is(err, unix.ENOSYS) {
		fd, err = unix.Open(target, flags|unix.O_NOFOLLOW, 0)
	}
	if errors.Is(err, unix.ELOOP) {
		return nil, errors.New("a symbolic link was put on the way after it was checked; not reading it")
	}
	if err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), target), nil
}

// checkReadable refuses what ReadWithin does not read: anything but a
// regular file, and a hard link another user could have made.
func checkReadable(f *os.File, target string) error {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return ErrNotRegular
	}
	if st.Nlink <= 1 {
		return nil
	}
	var dst unix.Stat_t
	if err := unix.Stat(filepath.Dir(target), &dst); err != nil {
		return err
	}
	if dst.Mode&0o002 != 0 || st.Uid != dst.Uid {
		return fmt.Errorf("has %d hard links and sits in a directory another user could have linked it into (owned by uid %d, the file by uid %d): not reading it", st.Nlink, dst.Uid, st.Uid)
	}
	return nil
}

// Creatable says why no file can be created in directory dir. It creates
// one there with no name (O_TMPFILE, as atomicfile writes), which the
// kernel frees as its descriptor is closed, or as seccomp-gen dies: a named
// probe (os.CreateTemp, then os.Remove) stayed in the output's directory
// when a signal ended seccomp-gen between the two (a SIGTERM early in
// replay, found by an audit; the hook's check of its output did the same). Where the file system has no O_TMPFILE it
// asks faccessat(2), which names no file either and, for root too, fails
// with EROFS on a read-only mount and EPERM in an immutable directory.
func Creatable(dir string) error {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err == nil {
		return unix.Close(fd)
	}
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EINVAL) {
		// The kernel's faccessat, not x/sys's emulation of flags it
		// lacks (which passes root without asking the kernel).
		return unix.Faccessat(unix.AT_FDCWD, dir, unix.W_OK|unix.X_OK, 0)
	}
	return err
}
