package recorder

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/internal/prestub"
	"github.com/seccomp-gen/seccomp-gen/internal/reexec"
)

// The early start (internal/prestub/early_linux.go): a trace of a command
// whose recorder, claimed from the pool, was attached and whose command
// was started by this binary's C constructor, before the Go runtime. The
// constructor finds the prepared set through a hint that Prepare leaves in
// the pool (earlyHint: a link named after what it can stat, the binary and
// the PID namespace, and --no-args, to the key's directory); Prepare
// writes the argument mask into a set's .bss before it pins it, since the
// command runs before a claimer could. Record then takes everything over
// (adoptEarly) and goes on as after its own start.

// earlyHintPrefix starts the hints' names (EARLY_HINT_PREFIX in
// internal/prestub/prestub.h).
const earlyHintPrefix = "e-"

// earlyHint is the name of the hint to the key directory of this binary
// (exe), PID namespace and --no-args, as internal/prestub/early.c forms it
// from stat(2) of /proc/self/exe and /proc/self/ns/pid (no dot: bpffs
// refuses names with one). The key's other
// parts (the possible CPUs, the per-CPU note choice, the kernel, the
// architecture) are the same for every process of one binary in one boot,
// which is as long as the pool lasts.
func earlyHint(exe string, noArgs bool) (string, error) {
	var bin, ns unix.Stat_t
	if err := unix.Stat(exe, &bin); err != nil {
		return "", err
	}
	if err := unix.Stat("/proc/self/ns/pid", &ns); err != nil {
		return "", err
	}
	n := "0"
	if noArgs {
		n = "1"
	}
	return fmt.Sprintf("%s%d-%d-%d-%d_%d-%d-%s", earlyHintPrefix, bin.Dev, bin.Ino, bin.Size,
		bin.Mtim.Sec, bin.Mtim.Nsec, ns.Ino, n), nil
}

// leaveHint points this binary's hint in pool dir at key (a key directory
// that holds a ready set with its argument mask written).
func leaveHint(dir, key string, noArgs bool) error {
	name, err := earlyHint(reexec.Self(), noArgs)
	if err != nil {
		return err
	}
	p := filepath.Join(dir, name)
	if t, err := os.Readlink(p); err == nil && t == key {
		return nil
	}
	_ = os.Remove(p)
	return os.Symlink(key, p)
}

// adoptEarly makes the command the constructor started this recording's:
// the claimed set's maps and programs, the links it attached, the armed
// child and its ready pipe. A command that is not the one Record was asked
// to trace (a caller's mistake) is killed, and so is one whose recorder
// cannot be opened: it is never left running with nothing to read what it
// does.
func (r *recorder) adoptEarly(e *prestub.Early) error {
	o := &r.opts
	if !slices.Equal(o.Command, e.Argv) || o.NoArgs != e.NoArgs || len(o.Wrapper) > 0 || o.Env != nil ||
		o.Dir != "" || len(o.ExtraFiles) > 0 || r.path != e.Path {
		e.Kill()
		return fmt.Errorf("%w: the command started at seccomp-gen's start (%q, %s) is not the one to trace (%q, %s); it was killed",
			ErrOptions, e.Argv, e.Path, o.Command, r.path)
	}
	if err := r.openPooled(e.Claimed); err != nil {
		e.Kill()
		return fmt.Errorf("prepared recorder %s: %w (the command started with it was killed)", e.Claimed, err)
	}
	r.claimed, e.Claimed = e.Claimed, ""
	if key, err := poolKey(o.NoArgs); err == nil {
		r.poolKey = key
	}
	for i, fd := range e.Links {
		l, err := link.NewFromFD(fd)
		if err != nil {
			// The first i are r.links' (r.close closes them), this one
			// cilium/ebpf's: Kill closes the rest.
			e.Links = e.Links[i+1:]
			e.Kill()
			return fmt.Errorf("the links attached at seccomp-gen's start: %w (the command started with them was killed)", err)
		}
		r.links = append(r.links, l)
	}
	e.Links = nil
	r.tasksAttached = true
	e.Adopted = true
	r.cmd = &stubProc{Process: e.Process}
	r.ready, e.Ready = e.Ready, nil
	r.skip = 1
	r.armed = true
	r.started = e.Attach
	// The stub's byte that it was up (it was, before its gate opened).
	var b [1]byte
	n, _ := r.ready.Read(b[:])
	done := make(chan struct{})
	r.cmdDone = done
	r.exited = done
	go func() {
		_ = r.cmd.Wait()
		r.phase(PhaseExited)
		close(done)
	}()
	if n != 1 {
		// Killed before it was up: it said nothing, as a stub killed at
		// its gate (execFailure).
		<-done
		return r.execFailure()
	}
	// r.argMask is what Prepare wrote: computed again for the result's
	// decoding, off the command's path, and written only if .bss holds
	// another (it does not: the set's key has the binary and --no-args).
	r.startArgMask()
	if err := r.confirmArgMask(); err != nil {
		return err
	}
	r.phase(PhaseAdopted)
	return nil
}
