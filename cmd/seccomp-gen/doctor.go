package main

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/seccomp-gen/seccomp-gen/internal/doctor"
)

// exitDoctor is doctor's status when trace cannot work here: the same "the
// answer is no" status as replay's and check's "not covered".
const exitDoctor = 3

func newDoctorCmd() *cobra.Command {
	return newDoctorCmdWith(nil)
}

// newDoctorCmdWith returns the doctor command asking sys (nil: this machine).
func newDoctorCmdWith(sys doctor.System) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check what this machine can do: BTF, capabilities, tracepoints, seccomp, cgroups, runtimes",
		Long: `doctor checks whether seccomp-gen can work on this machine and prints one line
per check, with a fix under every line that is not ok: kernel BTF, CAP_BPF and
CAP_PERFMON, the open files and process limits (ulimit -n, ulimit -u), the raw
tracepoint sys_enter, kernel lockdown, the seccomp actions and user
notification (replay --enforce), libseccomp's syscall tables against the
syscalls the kernel implements (names it cannot resolve), IA32 and x32
emulation (or 32-bit ARM), the cgroup layout (v1, v2, hybrid), runc, crun,
docker and podman with their versions, the kernel types cache in
/run/seccomp-gen, and finally a real trace of a short command.

It exits 0 when trace works here, 3 when it cannot (a line marked FAIL that
blocks it), 2 with standard output closed and 1 when its report cannot be
written there (a full disk). Run it as the user that will run trace.`,
		Example: `  sudo seccomp-gen doctor`,
		Args:    argsUsage(noArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needStdout("doctor"); err != nil {
				return err
			}
			s := sys
			if s == nil {
				h := doctor.Host{}
				if exe, err := os.Executable(); err == nil {
					h.TrialCommand = []string{exe, "version", "--short"}
				}
				s = h
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			r := doctor.Run(ctx, s)
			if err := r.Write(cmd.OutOrStdout()); err != nil {
				return exitWith(exitFailure, err)
			}
			if !r.TraceWorks() {
				return exitWith(exitDoctor, nil)
			}
			return nil
		},
	}
	return cmd
}
