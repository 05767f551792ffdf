package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/seccomp-gen/seccomp-gen/report"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

type diffOptions struct {
	profileReadFlags
	a, b     string
	superset bool
	verbose  bool
	reportFlags
}

func newDiffCmd() *cobra.Command {
	o := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff A B",
		Short: "Show what one profile allows that the other does not, per ABI",
		Long: `diff compares what two profiles answer, not their text: it asks both, for
every ABI either covers (an ABI a profile does not cover answers "killed"),
about every syscall number libseccomp knows there and about numbers it does
not know (gaps in its table and numbers beyond it, where ENOSYS and EPERM
tell a libc different things), with all arguments zero and, where a profile
has argument conditions, with the values both profiles' conditions name and
their neighbours. The profiles may be in any format generate writes: Docker
JSON, an OCI linux.seccomp object or config.json, an SPO CRD, or a raw
filter ('generate --format bpf', run in an interpreter as the kernel would).
A or B may be '-', read from standard input.
` + conditionalHelp + `

It lists the calls only A lets run, those only B lets run, and those both
deny with different answers (EPERM vs ENOSYS, errno vs kill), each with its
ABI, syscall (or number), the argument values that tell the answers apart
(ARGS; '-' when no answer depends on arguments) and both answers. A number
libseccomp cannot name gets the profile's default action.

--superset asks one question only: does A allow everything B allows? Use it
in CI to check that a new profile (A) still runs what the old one (B) ran.
It lists only what breaks that (calls B lets run and A does not); -v lists
every difference.

Exit status:
  0  the profiles give the same answers (with --superset: A allows all B allows)
  1  runtime error
  2  usage error: bad flags, a file that is not a profile
  3  they differ (with --superset: B allows something A does not)`,
		Example: `  seccomp-gen diff old.json new.json
  seccomp-gen diff --superset new-config.json profiles/app.json`,
		Args: argsUsage(exactly(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.a, o.b = args[0], args[1]
			if err := o.validateReport(); err != nil {
				return err
			}
			if err := checkOutputs("diff", []string{o.a, o.b}, "-o", o.output); err != nil {
				return err
			}
			return o.run()
		},
	}
	cmd.Flags().BoolVar(&o.superset, "superset", false, "exit 3 unless A allows everything B allows; other differences do not fail and are only counted (-v lists them)")
	cmd.Flags().BoolVarP(&o.verbose, "verbose", "v", false, "with --superset: list every difference, not only those that break the superset")
	o.addReportFlags(cmd, reportFormats()...)
	o.addProfileReadFlags(cmd)
	singleValued(cmd.Flags())
	return cmd
}

func (o *diffOptions) run() error {
	a, err := o.readAnswerer(o.a)
	if err != nil {
		return err
	}
	b, err := o.readAnswerer(o.b)
	if err != nil {
		return err
	}
	d, err := verdict.DiffProfiles(a, b, scmp.Tables{})
	if err != nil {
		return usageErr(err)
	}
	r := report.FromProfileDiff(inputName(o.a), inputName(o.b), o.superset, o.verbose, d)
	return o.writeReport(func(w io.Writer) error { return report.WriteDiff(w, report.Format(o.report), r) }, !r.OK)
}
