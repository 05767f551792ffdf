package recorder

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/trace"
)

// cfg_argmask cached (issue 13: the start). argMask names every slot
// through libseccomp, ~0.5-1 ms of CPU at every start; on a busy 2-core
// machine that work, although on another goroutine, delayed the critical
// path (a start without it reached the gate 0.56 ms sooner, median of 151
// paired rounds). Its answer depends only on the executable (libseccomp
// is linked in, trace.RecordedArgs compiled in) and on the namer, so it is
// kept next to the kernel types (btfCacheDir, same rules: a private
// directory and file of the effective user, a checksum in the first line),
// keyed by the executable's device, inode, size and modification time and
// by the namer's CacheKey, one file per key (so that two executables
// started in turn, as the bench's -baseline does, do not rewrite one file
// at each start), the newest argMaskKeep kept. A namer without a CacheKey
// (tests' fakes) is asked every time.

// CacheableNamer is a trace.Tables whose answers depend only on the
// executable and on CacheKey (scmp.Tables: libseccomp's tables).
type CacheableNamer interface {
	trace.Tables
	CacheKey() string
}

const (
	argMaskCachePrefix = "argmask-v1-"
	argMaskCacheMagic  = "seccomp-gen argmask v1"
	argMaskKeep        = 4
)

// argMaskDir, when set (by tests), holds the cache instead of btfCacheDir.
var argMaskDir string

// argMaskPath is the cache file of key.
func argMaskPath(key string) string {
	dir := btfCacheDir
	if argMaskDir != "" {
		dir = argMaskDir
	}
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(dir, argMaskCachePrefix+hex.EncodeToString(sum[:8]))
}

// argMaskCached returns argMask(namer), from the cache when it holds it
// for this executable and namer, else computed and cached (best effort).
func argMaskCached(namer trace.Tables) [nrABIs * nrSlots]uint8 {
	cn, ok := namer.(CacheableNamer)
	if !ok {
		return argMask(namer)
	}
	key, err := argMaskKey(cn)
	if err != nil {
		return argMask(namer)
	}
	path := argMaskPath(key)
	if m, err := readArgMask(path, key); err == nil {
		return m
	}
	m := argMask(namer)
	writeArgMaskCache(path, key, m)
	return m
}

// argMaskKey names the executable and the namer's tables.
func argMaskKey(namer CacheableNamer) (string, error) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/exe", &st); err != nil {
		return "", err
	}
	return fmt.Sprintf("exe=%d:%d size=%d mtime=%d.%09d slots=%d namer=%q",
		st.Dev, st.Ino, st.Size, st.Mtim.Sec, st.Mtim.Nsec, nrABIs*nrSlots, namer.CacheKey()), nil
}

func argMaskHeader(key string, mask []byte) string {
	sum := sha256.Sum256(mask)
	return argMaskCacheMagic + " " + key + " sha256=" + hex.EncodeToString(sum[:])
}

// readArgMask reads a cache file written for key.
func readArgMask(path, key string) ([nrABIs * nrSlots]uint8, error) {
	var m [nrABIs * nrSlots]uint8
	if err := privateDir(filepath.Dir(path)); err != nil {
		return m, err
	}
	header, rest, err := readPrivateCache(path, "argument mask cache")
	if err != nil {
		return m, err
	}
	if len(rest) != len(m) || string(header) != argMaskHeader(key, rest) {
		return m, errors.New("argument mask cache: another executable, or damaged")
	}
	copy(m[:], rest)
	return m, nil
}

func writeArgMaskCache(path, key string, m [nrABIs * nrSlots]uint8) {
	data := append([]byte(argMaskHeader(key, m[:])+"\n"), m[:]...)
	if writePrivateCache(path, data) != nil {
		return
	}
	// Keep the newest argMaskKeep (other executables': earlier builds,
	// test binaries).
	names, _ := filepath.Glob(filepath.Join(filepath.Dir(path), argMaskCachePrefix+"*"))
	type file struct {
		name  string
		mtime int64
	}
	var files []file
	for _, n := range names {
		if st, err := os.Lstat(n); err == nil && n != path {
			files = append(files, file{n, st.ModTime().UnixNano()})
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].mtime > files[j].mtime })
	for i := argMaskKeep - 1; i < len(files); i++ {
		os.Remove(files[i].name)
	}
}
