package lookpath

import (
	"errors"
	"os"
	"strings"
)

// DefaultPath is where a command is looked up when PATH is not set at all
// (dash's default; execvp(3) uses /bin:/usr/bin).
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Shell exit statuses for a command that could not be started.
const (
	StatusNotExec  = 126 // found, but a directory or without execute permission
	StatusNotFound = 127
)

// Why there is no command to run: ErrNotFound (StatusNotFound), or a name
// with a slash that is a directory or not executable (StatusNotExec).
var (
	ErrNotFound   = errors.New("command not found")
	ErrIsDir      = errors.New("is a directory")
	ErrPermission = errors.New("permission denied")
)

// Find returns the file name runs as a command: name itself when it holds
// a slash, else the first executable regular file name in the directories
// of PATH (an empty entry is the working directory; relative entries stay
// relative), PATH taken from env, or from the process's environment when
// env is nil; DefaultPath when PATH is not set. When there is none, it
// returns the status a shell exits with and why: StatusNotFound with
// ErrNotFound, or StatusNotExec with ErrIsDir or ErrPermission.
func Find(name string, env []string) (path string, status int, err error) {
	if strings.Contains(name, "/") {
		st, err := os.Stat(name)
		switch {
		case err != nil:
			return "", StatusNotFound, ErrNotFound
		case st.IsDir():
			return "", StatusNotExec, ErrIsDir
		case st.Mode()&0o111 == 0:
			return "", StatusNotExec, ErrPermission
		}
		return name, 0, nil
	}
	dirs, set := os.LookupEnv("PATH")
	if env != nil {
		dirs, set = "", false
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, "PATH="); ok {
				dirs, set = v, true
			}
		}
	}
	if !set {
		// As a shell does without PATH; an empty element would mean the
		// current directory, which a missing PATH must not.
		dirs = DefaultPath
	}
	for _, dir := range strings.Split(dirs, ":") {
		if dir == "" {
			dir = "."
		}
		p := dir + "/" + name
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, 0, nil
		}
	}
	return "", StatusNotFound, ErrNotFound
}
