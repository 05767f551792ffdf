package recorder

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/widen"
)

// executables reads the exe_paths map (what the traced tasks exec'd, see
// bpf/recorder.c) and identifies each file: its build ID, else its
// sha256. A relative name is resolved through /proc/TGID/exe while that
// process lives; a file that is gone is listed by path alone.
func (r *recorder) executables() []trace.Executable {
	var (
		key  [256]byte
		tgid uint32
		out  []trace.Executable
	)
	it := r.objs.ExePaths.Iterate()
	for it.Next(&key, &tgid) {
		path := string(key[:bytes.IndexByte(append(key[:], 0), 0)])
		if path == "" {
			continue
		}
		if !filepath.IsAbs(path) {
			if p, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", tgid)); err == nil && filepath.Base(p) == filepath.Base(path) {
				path = p
			}
		}
		e := trace.Executable{Path: path}
		if id, err := widen.Identify(path); err == nil {
			e.BuildID, e.SHA256 = id.BuildID, id.SHA256
		}
		out = append(out, e)
	}
	return out
}
