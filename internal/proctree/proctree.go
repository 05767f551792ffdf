// Package proctree finds and kills the process tree under a process, from
// /proc: trace and replay use it to include a --pid target's descendants
// and to kill a workload's whole tree (replay --timeout, a second Ctrl-C).
//
// A process tree is what /proc/PID/task/TID/children says (Linux 3.5+,
// CONFIG_PROC_CHILDREN): a daemon that double-forked away has left it.
package proctree

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Children returns the child processes of every thread of pid, in /proc
// order, without duplicates. A process that is gone has none.
func Children(pid int) []int {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return nil
	}
	seen := map[int]bool{}
	var out []int
	for _, t := range tasks {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, t.Name()))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(data)) {
			c, err := strconv.Atoi(f)
			if err == nil && !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// Descendants returns every process below pid (children, their children,
// ...), parents before their children. pid itself is not included.
func Descendants(pid int) []int {
	seen := map[int]bool{pid: true}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range Children(p) {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
				queue = append(queue, c)
			}
		}
	}
	return out
}

// Running counts the processes of pids that still run: not gone, and not
// zombies (an orphan that exited and that the subreaper it was reparented
// to has not reaped).
func Running(pids []int) int {
	n := 0
	for _, p := range pids {
		switch state(fmt.Sprintf("/proc/%d/stat", p)) {
		case 'Z', 'X', 0:
		default:
			n++
		}
	}
	return n
}

// ErrUnsupported is returned by Kill when /proc has no children files.
var ErrUnsupported = errors.New("proctree: /proc/PID/task/TID/children is missing (CONFIG_PROC_CHILDREN)")

// Kill kills pid and every process below it with SIGKILL and returns how
// many live processes (not zombies) it killed. It stops the tree top-down first (SIGSTOP),
// until every process found is stopped and none has a child not found yet,
// then kills them all: killing a parent first would hand its children to
// init before they were found, and a running process could fork behind the
// walk. Processes that exit meanwhile are skipped. settle bounds the time
// spent waiting for the tree to stop (a process in uninterruptible sleep);
// after it, whatever was found is killed.
func Kill(pid int, settle time.Duration) (int, error) {
	if _, err := os.Stat(fmt.Sprintf("/proc/%d/task", pid)); err != nil {
		return 0, fmt.Errorf("proctree: pid %d: %w", pid, err)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid)); err != nil {
		return 0, ErrUnsupported
	}
	return killRoots([]int{pid}, settle), nil
}

// killRoots stops the trees below roots (roots included) top-down until
// nothing new turns up and all of them are stopped, then kills them all.
func killRoots(roots []int, settle time.Duration) int {
	found := append([]int(nil), roots...)
	seen := map[int]bool{}
	for _, p := range roots {
		seen[p] = true
		_ = syscall.Kill(p, syscall.SIGSTOP)
	}
	deadline := time.Now().Add(settle)
	for {
		fresh := false
		for i := 0; i < len(found); i++ { // found grows while walking
			for _, c := range Children(found[i]) {
				if !seen[c] {
					seen[c] = true
					found = append(found, c)
					_ = syscall.Kill(c, syscall.SIGSTOP)
					fresh = true
				}
			}
		}
		if !fresh && allStopped(found) || time.Now().After(deadline) {
			break
		}
		if !fresh {
			time.Sleep(time.Millisecond)
		}
	}
	n := 0
	for _, p := range found {
		dead := state(fmt.Sprintf("/proc/%d/stat", p)) == 'Z'
		if syscall.Kill(p, syscall.SIGKILL) == nil && !dead {
			n++
		}
	}
	return n
}

// allStopped reports whether every thread of every process in pids is
// stopped, a zombie or gone: none of them can fork any more.
func allStopped(pids []int) bool {
	for _, p := range pids {
		tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", p))
		if err != nil {
			continue // gone
		}
		for _, t := range tasks {
			switch state(fmt.Sprintf("/proc/%d/task/%s/stat", p, t.Name())) {
			case 'T', 't', 'Z', 'X', 0:
			default:
				return false
			}
		}
	}
	return true
}

// state is the state letter of a /proc stat file, 0 when it is gone.
func state(path string) byte {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	// "PID (COMM) S ...": COMM may contain spaces and parentheses.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 || i+2 >= len(data) {
		return 0
	}
	return data[i+2]
}

// Subreaper makes the calling process a child subreaper
// (PR_SET_CHILD_SUBREAPER): a process below it whose parent dies (a
// double-forking daemon) is reparented to it instead of to init, so it
// stays in the tree that KillChildren walks. restore puts the previous
// setting back. Zombies of such orphans are this process's to reap (see
// ReapZombies); they are reaped by init once it exits.
func Subreaper() (restore func(), err error) {
	var prev int32
	if err := unix.Prctl(unix.PR_GET_CHILD_SUBREAPER, uintptr(unsafe.Pointer(&prev)), 0, 0, 0); err != nil {
		return func() {}, fmt.Errorf("proctree: PR_GET_CHILD_SUBREAPER: %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return func() {}, fmt.Errorf("proctree: PR_SET_CHILD_SUBREAPER: %w", err)
	}
	return func() { _ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, uintptr(prev), 0, 0, 0) }, nil
}

// KillChildren kills every process below the calling one (its children,
// adopted orphans included, and everything below them) but the children
// in keep and their descendants, as Kill does, and returns how many it
// signalled. Use it only in a process whose other children all belong to
// the workload.
func KillChildren(settle time.Duration, keep ...int) int {
	roots := slices.DeleteFunc(Children(os.Getpid()), func(c int) bool { return slices.Contains(keep, c) })
	if len(roots) == 0 {
		return 0
	}
	return killRoots(roots, settle)
}

// ReapZombies reaps the zombie children of the calling process except
// those in keep (children that an os/exec.Cmd will wait for).
func ReapZombies(keep ...int) {
	for _, c := range Children(os.Getpid()) {
		if slices.Contains(keep, c) {
			continue
		}
		if state(fmt.Sprintf("/proc/%d/stat", c)) == 'Z' {
			var ws unix.WaitStatus
			_, _ = unix.Wait4(c, &ws, unix.WNOHANG, nil)
		}
	}
}

// SeccompFiltered returns the first of pids that runs under a seccomp
// filter (Seccomp: 2 in /proc/PID/status), 0 when none does (or none is
// there). A filter runs before the recorder's sys_enter tracepoint: what
// it denies is never counted. Filters are inherited and never removed, so
// such a process's descendants run under it too.
func SeccompFiltered(pids []int) int {
	for _, pid := range pids {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "Seccomp:"); ok && strings.TrimSpace(v) == "2" {
				return pid
			}
		}
	}
	return 0
}

// CgroupProcs returns the processes in a cgroup v2 directory now.
func CgroupProcs(dir string) []int {
	data, err := os.ReadFile(dir + "/cgroup.procs")
	if err != nil {
		return nil
	}
	var out []int
	for _, f := range strings.Fields(string(data)) {
		if p, err := strconv.Atoi(f); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// StatusField returns the value of the line "key value" (key with its
// colon: "Seccomp_filters:") in status, a /proc/PID/status text, trimmed.
func StatusField(status, key string) (string, bool) {
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, key); ok {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}
