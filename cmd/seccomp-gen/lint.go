package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/lint"
	"github.com/seccomp-gen/seccomp-gen/policy"
)

type lintOptions struct {
	profileReadFlags
	files []string
	reportFlags
}

func newLintCmd() *cobra.Command {
	o := &lintOptions{}
	cmd := &cobra.Command{
		Use:   "lint [flags] PROFILE...",
		Short: "Report what is weak, dead or surprising in seccomp profiles",
		Long: `lint reads each PROFILE (Docker or OCI JSON, an OCI config.json, an SPO
SeccompProfile; '-': standard input) the way runc and crun load it and reports findings, each with
a severity, the check that found it, the rule (its key path in the file) and
a reason:

  error    the profile does not do what it says, or breaks every program:
           names libseccomp cannot resolve (runtimes drop them), several
           conditions on one argument in one rule (runtimes read them as OR),
           exit_group or rt_sigreturn denied, a default that allows every
           syscall, rules libseccomp builds into a filter that answers
           otherwise than they say (miscompiled), and any other rules that
           check, replay, diff and disasm refuse the profile for (ambiguous:
           read differently by the runtimes, refused or miscompiled by
           libseccomp)
  warning  weak or dead parts: an allowing default (a deny list), compat
           ABIs open through archMap or an allowing default, the native ABI
           left out of a list of its machine's other ABIs, deny-ceiling
           syscalls allowed (profiles/ceiling.yaml: io_uring, ptrace, bpf,
           perf_event_open, mounts, modules, kexec, ...), rules whose action
           equals the default (runtimes skip them), rules that conflict (the
           first rule without conditions wins; one without conditions
           overrides every conditional rule), exit_group or rt_sigreturn
           allowed only for some arguments, clone or clone3 allowed without
           a namespace-flag mask while unshare/setns are denied,
           SCMP_ACT_ERRNO with errno 0 (a fake success)
  info     compat ABIs listed on purpose, rules that repeat an answer,
           conditional entries left out for this machine and --caps, names
           an archMap profile has for other architectures only

` + conditionalHelp + `

'seccomp-gen generate' runs the same checks on the file it writes.

A file that cannot be read as a profile does not stop the others: the
report lists their findings and names that file with its error ("FILE: not
linted: ..."; "error" in JSON), which also goes to standard error, and lint
exits 2.

Exit status:
  0  no findings of severity error (warnings and info may be listed)
  1  runtime error (the report could not be written)
  2  usage error: bad flags, a file that is not a profile (the other files
     are still linted and reported; 2 wins over 3)
  3  at least one finding of severity error`,
		Example: `  seccomp-gen lint app.json
  seccomp-gen lint --report json -o lint.json profiles/commands/*.json
  seccomp-gen lint --allow-unknown-syscalls newer-libseccomp.json`,
		Args: argsUsage(atLeast(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = args
			o.stderr = cmd.ErrOrStderr()
			if err := o.validateReport(); err != nil {
				return err
			}
			if err := checkOutputs("lint", o.files, "-o", o.output); err != nil {
				return err
			}
			defer surviveStderrPipe(o.output)()
			return o.run()
		},
	}
	o.addReportFlags(cmd, "human", "json")
	o.addProfileReadFlags(cmd)
	singleValued(cmd.Flags())
	return cmd
}

// run lints every file, also after one that cannot be read: the report
// holds the findings of the others and names each unread file with its
// error, which also goes to stderr as a usage error's line. A file not
// linted makes the exit status 2 (exitUsage), over 3 for findings: a
// script that sees 3 would take every file as checked.
func (o *lintOptions) run() error {
	var results []lint.Result
	unread := 0
	for _, path := range o.files {
		raw, err := o.read(path)
		if err != nil {
			unread++
			fmt.Fprintf(o.stderr, "seccomp-gen: lint: %s\n", strings.TrimPrefix(err.Error(), "lint: "))
			results = append(results, lint.Result{File: inputName(path), Error: withoutFile(err, path)})
			continue
		}
		results = append(results, lint.Result{File: inputName(path), Findings: lint.Lint(raw, lint.Options{AllowUnknownSyscalls: o.allowUnknownSyscalls})})
	}
	render := lint.WriteHuman
	if o.report == "json" {
		render = lint.WriteJSON
	}
	err := o.writeReport(func(w io.Writer) error { return render(w, results) }, lint.Summarize(results).Errors > 0)
	if code, _ := exitStatus(err); unread > 0 && (code == exitOK || code == exitFindings) {
		return exitWith(exitUsage, nil)
	}
	return err
}

// read reads the profile at path for lint; its error names path.
func (o *lintOptions) read(path string) (*emit.Raw, error) {
	if _, ok, err := readRawFilter(path); err != nil {
		return nil, err
	} else if ok {
		return nil, fmt.Errorf("%s: a raw seccomp filter, not a profile: lint the profile it was compiled from ('seccomp-gen disasm %s' prints the filter)", path, path)
	}
	return emit.ReadRawWith(path, o.readOptions())
}

// withoutFile is err's message without the leading "PATH: " (the report
// names the file already).
func withoutFile(err error, path string) string {
	msg := err.Error()
	for _, p := range []string{path, inputName(path)} {
		if rest, ok := strings.CutPrefix(msg, p+": "); ok {
			return rest
		}
	}
	return msg
}

// lintGenerated prints the lint findings of the profile generate writes,
// one line each, on w: for the JSON and k8s formats those of the file as
// written (data, format f), as 'seccomp-gen lint' reads it, after checking
// that it reads back as p less what f cannot carry; for a raw filter those
// of p. Info findings beyond a few are counted per check. Findings do not
// change generate's exit status; a file that does not read back as p is an
// error.
func lintGenerated(w io.Writer, p *policy.Policy, f emit.Format, data []byte) error {
	var fs []lint.Finding
	var err error
	if f == emit.FormatBPF {
		fs, err = lint.Policy(p, lint.Options{})
	} else {
		if err := emit.CheckReadBack(p, f, data); err != nil {
			return err
		}
		fs, err = lint.Data("written", data, lint.Options{})
	}
	if err != nil {
		return fmt.Errorf("lint: %w", err)
	}
	const maxInfo = 5
	info := map[string]int{}
	var checks []string
	for _, x := range fs {
		if x.Severity == lint.Info {
			if info[x.Check] == 0 {
				checks = append(checks, x.Check)
			}
			info[x.Check]++
		}
	}
	for _, x := range fs {
		if x.Severity != lint.Info || lint.Count(fs, lint.Info) <= maxInfo {
			fmt.Fprintf(w, "generate: lint: %s\n", x)
		}
	}
	if lint.Count(fs, lint.Info) > maxInfo {
		for _, c := range checks {
			fmt.Fprintf(w, "generate: lint: info: %d findings [%s] ('seccomp-gen lint' on the written file lists them)\n", info[c], c)
		}
	}
	return nil
}
