package bpf

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"sort"
	"strconv"
)

// sources are the files the committed objects are compiled from (bpf2go's
// input and the headers it includes).
//
//go:embed recorder.c headers/*.h
var sources embed.FS

// SourceHash identifies the eBPF source the embedded objects were generated
// from: "sha256:" and the hex SHA-256 of each source file's path, a NUL, its
// length, a NUL and its content, in path order. `make check-generate`
// guarantees that the committed objects match that source, so the hash
// names the objects too; `seccomp-gen version` prints it.
func SourceHash() string {
	var paths []string
	_ = fs.WalkDir(sources, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, p)
		}
		return nil
	})
	sort.Strings(paths)
	h := sha256.New()
	for _, p := range paths {
		data, _ := sources.ReadFile(p)
		h.Write([]byte(p))
		h.Write([]byte{0})
		h.Write([]byte(strconv.Itoa(len(data))))
		h.Write([]byte{0})
		h.Write(data)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
