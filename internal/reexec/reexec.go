// Package reexec lets a binary re-execute itself as a small helper: the
// recorder's stub, which waits at a gate and then execs the traced command
// (trace/recorder), and enforce's shim, which loads a seccomp filter and
// then execs the command (enforce). It works as moby's pkg/reexec does.
//
// A helper is a function registered under a name, once, by the program's
// main (and by the TestMain of a test binary whose tests start helpers):
//
//	func main() {
//		reexec.Register(recorder.StubName, recorder.Stub)
//		if status, ok := reexec.Init(); ok {
//			os.Exit(status)
//		}
//		...
//	}
//
// Command(name, args...) starts the running binary (/proc/self/exe) with
// argv[0] set to name; Init, called first thing in main, sees that name in
// os.Args[0] and runs the helper instead of the program. Packages that
// start helpers check Registered first, so that a binary that forgot to
// register one fails with an error instead of running itself.
//
// Nothing happens in init functions: a binary that does not call Init is
// never a helper, and a library never exits a process behind its caller.
package reexec

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
)

var (
	mu      sync.Mutex
	helpers = map[string]func() int{}
)

// Register makes main, under name, a helper that Init runs. The helper
// reads its arguments from os.Args[1:] and returns the process's exit
// status. Registering a name twice is a programming error and panics.
func Register(name string, main func() int) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := helpers[name]; dup {
		panic(fmt.Sprintf("reexec: helper %q registered twice", name))
	}
	helpers[name] = main
}

// Registered reports whether a helper is registered under name.
func Registered(name string) bool {
	mu.Lock()
	defer mu.Unlock()
	_, ok := helpers[name]
	return ok
}

// Init runs the helper that os.Args[0] names, if one is registered, and
// returns its exit status and true; the caller exits with that status.
// Otherwise it returns false and the program goes on.
func Init() (status int, ok bool) {
	if len(os.Args) == 0 {
		return 0, false
	}
	mu.Lock()
	main, ok := helpers[os.Args[0]]
	mu.Unlock()
	if !ok {
		return 0, false
	}
	return main(), true
}

// Command returns a command that runs the helper registered under name,
// with args as its os.Args[1:], in a re-execution of the running binary.
func Command(name string, args ...string) *exec.Cmd {
	return &exec.Cmd{
		Path: Self(),
		Args: append([]string{name}, args...),
	}
}

// Self is the path of the running binary: /proc/self/exe on Linux (which
// stays valid when the file is renamed or replaced), os.Executable
// elsewhere.
func Self() string {
	if runtime.GOOS == "linux" {
		return "/proc/self/exe"
	}
	if p, err := os.Executable(); err == nil {
		return p
	}
	return os.Args[0]
}
