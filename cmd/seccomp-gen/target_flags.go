package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"
)

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

// checkFlags refuses an empty --cgroup, --container, --runtime or --root
// (--cgroup "$DIR" with DIR unset would otherwise read as no --cgroup, and
// trace the command instead, or nothing), and --runtime and --root without
// --container. Call it before counting the targets.
func (t *targetFlags) checkFlags() error {
	if strings.TrimSpace(t.cgroup) == "" && t.flags != nil && t.flags.Changed("cgroup") {
		return usageErrf("--cgroup: the path is empty")
	}
	return t.checkContainer()
}

// checkCgroup refuses a --cgroup path that is not there or not a
// directory before anything starts: the target named on the command line
// is missing (a usage error), not something this machine lacks.
func (t *targetFlags) checkCgroup() error {
	if t.cgroup == "" {
		return nil
	}
	st, err := os.Stat(t.cgroup)
	switch {
	case err != nil:
		return usageErrf("--cgroup %s: %v", t.cgroup, unwrapPath(err))
	case !st.IsDir():
		return usageErrf("--cgroup %s: not a directory (give a cgroup v2 directory)", t.cgroup)
	}
	return nil
}

// singleValued makes every flag of fs that takes one value refuse a second
// one: pflag keeps the last silently, so `--pid 1 --pid 2` would trace 2
// without a word. Booleans and repeatable (slice, array) flags are left
// alone. Call it once the flags are defined; calling it again is harmless.
func singleValued(fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if _, ok := f.Value.(pflag.SliceValue); ok {
			return
		}
		switch f.Value.(type) {
		case *onceValue:
			return
		}
		switch f.Value.Type() {
		case "bool", "count":
			return
		}
		f.Value = &onceValue{Value: f.Value}
	})
}

// onceValue is a flag value that can be set once.
type onceValue struct {
	pflag.Value
	set bool
}

func (v *onceValue) Set(s string) error {
	if v.set {
		return fmt.Errorf("given twice (first %s); it takes one value", v.Value.String())
	}
	v.set = true
	return v.Value.Set(s)
}

// refuseEmpty makes the named flags of fs refuse an empty value: an unset
// shell variable (--arch=$ARCH) would otherwise be taken silently as the
// flag's default. For a comma list, a value with no item (--arch=,) is
// empty too. Call it before singleValued.
func refuseEmpty(fs *pflag.FlagSet, names ...string) {
	for _, name := range names {
		f := fs.Lookup(name)
		if f == nil {
			panic("refuseEmpty: no flag --" + name)
		}
		if sv, ok := f.Value.(sliceFlag); ok {
			f.Value = &nonEmptySlice{sliceFlag: sv}
			if f.DefValue == "[]" {
				// pflag omits "(default [])" only for its own slice
				// types; for this wrapper the help said it.
				f.DefValue = ""
			}
			continue
		}
		f.Value = &nonEmptyValue{Value: f.Value}
	}
}

var errEmptyValue = errors.New("empty; leave the flag out for its default")

type nonEmptyValue struct{ pflag.Value }

func (v *nonEmptyValue) Set(s string) error {
	if strings.TrimSpace(s) == "" {
		return errEmptyValue
	}
	return v.Value.Set(s)
}

type sliceFlag interface {
	pflag.Value
	pflag.SliceValue
}

// nonEmptySlice stays a pflag.SliceValue, so singleValued leaves it
// repeatable.
type nonEmptySlice struct{ sliceFlag }

func (v *nonEmptySlice) Set(s string) error {
	if strings.Trim(s, ", \t") == "" {
		return errEmptyValue
	}
	return v.sliceFlag.Set(s)
}
