package main

// targetFlags is what trace and replay record: a command (after --), a
// running process (--pid) or a cgroup v2 directory (--cgroup). Exactly one.
type targetFlags struct {
	command        []string
	pid            int
	cgroup         string
	containerFlags // --container ID: resolved into cgroup or pid at run time
}

// given counts the targets named.
func (t *targetFlags) given() int {
	n := 0
	if len(t.command) > 0 {
		n++
	}
	if t.pid != 0 {
		n++
	}
	if t.cgroup != "" {
		n++
	}
	if t.container != "" {
		n++
	}
	return n
}
