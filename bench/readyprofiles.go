package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/atomicfile"
)

// profileRounds is how many times make profiles records each run.
const profileRounds = 3

// readyPrograms are the programs marked ready, narrowed by -programs.
func readyPrograms(o options) ([]genProgram, error) {
	all, err := loadGenSpec()
	if err != nil {
		return nil, err
	}
	var ready []genProgram
	for _, p := range all {
		if p.Ready {
			ready = append(ready, p)
		}
	}
	return selectPrograms(ready, o.programs)
}

func binAndDir(o options) (string, string, error) {
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		return "", "", err
	}
	if _, err := os.Stat(bin); err != nil {
		return "", "", fmt.Errorf("seccomp-gen binary: %w (run make build)", err)
	}
	dir, err := os.MkdirTemp("", "seccomp-gen-profiles-")
	return bin, dir, err
}

// makeProfiles records the ready profiles into out: per program, the
// training runs are traced and merged by generate (with o.profileFlags,
// --widen from make profiles), the profile is checked by replaying the
// different test runs under it (a failure refuses it), and a companion
// NAME.md says how it was recorded.
func makeProfiles(o options, out string, log io.Writer) error {
	if os.Geteuid() != 0 {
		return errors.New("needs root (eBPF recorder, seccomp-gen trace)")
	}
	progs, err := readyPrograms(o)
	if err != nil {
		return err
	}
	bin, dir, err := binAndDir(o)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	dockerAllowed, err := dockerDefaultAllowed()
	if err != nil {
		return err
	}
	extra := strings.Fields(o.profileFlags)
	libc := firstLine("ldd", "--version")
	rev := firstLine("git", "rev-parse", "--short", "HEAD")
	for _, p := range progs {
		fmt.Fprintf(log, "make profiles: %s\n", p.Name)
		e, err := prepare(dir, p, log)
		if err != nil {
			return fmt.Errorf("%s: %w", p.Name, err)
		}
		// The training runs, profileRounds times: some syscalls come and go
		// with timing (xz's poll on a pipe). The test runs are not recorded:
		// the profile must hold for them (with --widen, the default
		// PROFILE_FLAGS), which is what check-profiles then keeps checking.
		var traces []string
		for round := 0; round < profileRounds; round++ {
			for i, r := range p.Train {
				f := filepath.Join(e.dir, fmt.Sprintf("round%d-run%d.yaml", round+1, i+1))
				if res := e.trace(bin, f, r); !res.ok {
					e.close()
					return fmt.Errorf("%s: run %d: %s", p.Name, i+1, res.why)
				}
				traces = append(traces, f)
			}
		}
		file, allowed, report, err := genProfile(bin, e.dir, p.Name, extra, traces)
		if err != nil {
			e.close()
			return fmt.Errorf("%s: %w", p.Name, err)
		}
		for i, r := range p.Test {
			if res := e.replay(bin, file, r); !res.ok {
				e.close()
				return fmt.Errorf("%s: the new profile fails test run %d: %s (denied: %s)", p.Name, i+1, res.why, strings.Join(res.denied, ", "))
			}
		}
		version := programVersion(p, e.env)
		e.close()
		raw, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		if err := atomicfile.Write(filepath.Join(out, p.Name+".json"), raw, 0o644); err != nil {
			return err
		}
		flags := strings.Join(append([]string{"seccomp-gen generate"}, extra...), " ")
		fb := fallbackLines(report)
		if len(fb) == 0 {
			fb = []string{"none"}
		}
		md := fmt.Sprintf(`# Ready profile: %s

Recorded by `+"`make profiles`"+` (`+"`go run ./bench -make-profiles profiles/commands`"+`); do not edit
by hand. It is made from the training runs of %s in
[bench/generalization/programs.yaml](../../bench/generalization/programs.yaml);
`+"`make check-profiles`"+` replays that program's different test runs under
%s.json with `+"`seccomp-gen replay --enforce`"+`.

| | |
|---|---|
| program | %s |
| libc | %s |
| kernel | %s |
| architecture | x86_64 |
| recorded | %s |
| seccomp-gen | %s |
| generated with | %s (baselines runc and crun, fallback table) |
| runs merged | %d (%d training runs, %d times each; %d test runs replayed, not recorded) |
| size | %d x86_64 syscalls allowed, %.0f%% of Docker's default (%d) |
| answered ENOSYS by the fallback table | %s |

Use: `+"`docker run --security-opt seccomp=profiles/commands/%s.json IMAGE %s ...`"+`
(or `+"`podman run --security-opt seccomp=...`"+`, or the JSON in a Kubernetes
`+"`localhost/`"+` profile). The profile allows what these runs did on this libc and
kernel; a run that does something else may need more. Check one with
`+"`seccomp-gen replay --enforce -p profiles/commands/%s.json -- %s ...`"+`
(it names each syscall the profile denies), or record your own runs with
`+"`seccomp-gen trace`"+` and make a profile of them with `+"`seccomp-gen generate`"+`
(the training traces are not shipped; `+"`make profiles`"+` records them again).
`, p.Name, "`"+p.Name+"`", p.Name, version, libc, strings.TrimPrefix(kernelRelease(), "kernel "), time.Now().UTC().Format("2006-01-02"), rev, flags,
			len(traces), len(p.Train), profileRounds, len(p.Test), allowed, 100*float64(allowed)/float64(dockerAllowed), dockerAllowed,
			strings.Join(fb, ", "), p.Name, strings.SplitN(p.Name, "-", 2)[0], p.Name, strings.SplitN(p.Name, "-", 2)[0])
		if err := atomicfile.Write(filepath.Join(out, p.Name+".md"), []byte(md), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(log, "make profiles: wrote %s.json (%d syscalls, %.0f%% of Docker's default)\n", filepath.Join(out, p.Name), allowed, 100*float64(allowed)/float64(dockerAllowed))
	}
	return nil
}

// checkProfiles replays the test runs of the ready programs under the
// profiles in dir and fails naming every syscall a failing run was denied.
func checkProfiles(o options, dir string, log io.Writer) error {
	progs, err := readyPrograms(o)
	if err != nil {
		return err
	}
	bin, tmp, err := binAndDir(o)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var failed []string
	runs := 0
	start := time.Now()
	for _, p := range progs {
		file, err := filepath.Abs(filepath.Join(dir, p.Name+".json"))
		if err != nil {
			return err
		}
		if _, err := os.Stat(file); err != nil {
			failed = append(failed, fmt.Sprintf("%s: no profile (%v); run make profiles", p.Name, err))
			continue
		}
		e, err := prepare(tmp, p, log)
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", p.Name, err))
			continue
		}
		for i, r := range p.Test {
			runs++
			res := e.replay(bin, file, r)
			if res.ok {
				continue
			}
			sort.Strings(res.denied)
			msg := fmt.Sprintf("%s: test run %d fails under %s: %s", p.Name, i+1, filepath.Join(dir, p.Name+".json"), res.why)
			if len(res.denied) > 0 {
				msg += "; denied: " + strings.Join(res.denied, ", ") + " (a new syscall? run make profiles and review the diff)"
			}
			failed = append(failed, msg)
		}
		e.close()
		fmt.Fprintf(log, "check-profiles: %s: %d test runs\n", p.Name, len(p.Test))
	}
	if len(failed) > 0 {
		return fmt.Errorf("check-profiles: %d failure(s):\n  %s", len(failed), strings.Join(failed, "\n  "))
	}
	fmt.Fprintf(log, "check-profiles: %d programs, %d runs pass under their profiles (%s)\n", len(progs), runs, time.Since(start).Round(time.Second))
	return nil
}

func firstLine(argv ...string) string {
	out, _ := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	l, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return l
}
