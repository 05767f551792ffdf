package main

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/abi"
	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/internal/atomicfile"
	"github.com/seccomp-gen/seccomp-gen/internal/text"
	"github.com/seccomp-gen/seccomp-gen/lint"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/profiles"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

type generateOptions struct {
	traces          []string
	format          string
	output          string
	ociConfig       string
	arches          []string
	dropArches      []string
	baselines       []string
	minCount        uint64
	minRuns         int
	allow           []string
	defaultAction   string
	allowIncomplete bool
	noFallbacks     bool
	noArgRules      bool
	name            string
	strict          bool
	widen           string // "" (off), widenImports or widenKinds
	perExecutable   bool

	stderr io.Writer
	// set by complete
	formatSet bool
	outputSet bool
	nameSet   bool
}

func newGenerateCmd() *cobra.Command {
	o := &generateOptions{stderr: os.Stderr}
	cmd := &cobra.Command{
		Use:   "generate [flags] TRACE...",
		Short: "Reduce traces into a least-privilege profile (Docker, OCI, Kubernetes or compiled BPF)",
		Long: `generate merges one or many trace files (from 'seccomp-gen trace': several runs,
machines or ABIs) into one least-privilege seccomp profile and writes it.
A TRACE of '-' is read from standard input.

What the profile says:
  - every syscall the traces contain is allowed, plus the selected baselines;
  - every other syscall libseccomp knows for the covered ABIs gets EPERM
    (or --default-action), through an explicit rule;
  - syscalls newer than the profile knows get ENOSYS (defaultErrnoRet), so a
    libc probing clone3 or faccessat2 falls back, under runc and crun alike;
  - fallback families: a known but unobserved syscall whose callers (glibc
    2.36, musl 1.2.3, Go's runtime and syscall package) fall back on ENOSYS
    to syscalls the profile allows gets ENOSYS instead of EPERM (faccessat2 when
    faccessat is allowed, statx when newfstatat is, ...); each is reported with
    the source file of the fallback (--no-fallbacks: off);
  - ABIs that are not covered (i386 and x32 on x86_64, unless traced or
    chosen with --arch) are denied.

Reduction, all explicit and reported on standard error:
  --min-count N   drop syscalls seen fewer than N times over all traces
  --min-runs K    drop syscalls seen in fewer than K of the traces
                  (across ABIs a syscall counts by its name and the
                  name doing its job there, access/faccessat, and out of
                  the traces whose ABIs have it; exit, exit_group,
                  rt_sigreturn, sigreturn and restart_syscall are never
                  dropped)
  --baseline B    add a baseline: a shipped name (` + strings.Join(profiles.BaselineNames(), ", ") + `),
                  a baseline YAML file, or 'none'. Default: ` + strings.Join(profiles.DefaultBaselines, " and ") + ` (what
                  those runtimes issue after installing the filter, measured
                  in both noNewPrivileges modes, plus 'process': signal
                  return, restart and vDSO clock fall-backs). exit_group
                  and rt_sigreturn are added, and said so, when no trace
                  or baseline has them: every program needs them.
  --arch A        cover exactly these ABIs (default: those in the traces
                  plus the host's). Names a target lacks are mapped to
                  their equivalent (open -> openat on aarch64; an i386
                  trace's mmap2 -> mmap, fcntl64 -> fcntl, socketcall ->
                  the socket calls it was recorded making) and reported.
                  For x86 or arm from a 64-bit trace, the 32-bit names
                  of the same calls are allowed too (fcntl -> also
                  fcntl64, lseek -> _llseek, getuid -> getuid32,
                  clock_gettime -> clock_gettime64, ...) and reported.
                  Leaving out an ABI the traces used while covering another
                  ABI of its machine (x86 next to x86_64) is an error: the
                  runtimes kill every syscall of an ABI the profile does
                  not list.
  --drop-arch A   leave out the syscalls the traces hold on ABI A, on
                  purpose (a 32-bit helper that does not run in
                  production); A is not covered, reported.

Numbers libseccomp cannot name (syscalls newer than the installed
libseccomp, a gap in its table, a number a program probed) cannot be allowed
by any profile: each is reported with its ABI, count and program, and the
profile answers it ENOSYS, as a kernel without that syscall would.
--strict makes them an error (exit 2) instead.

Widening (--widen): also allow what the traced executables (the trace's
executables list, or the traced command for older traces) and their
libraries link: the glibc functions they import (poll imported allows poll,
ftruncate64 allows ftruncate; tables built from glibc 2.36's x86_64 source)
and, for Go programs, the syscall-package and runtime functions in their
symbol table. Each added syscall is reported with the file and symbol
implying it; the deny ceiling still applies (--allow lifts it). An
executable whose build ID or hash no longer matches the trace is skipped
with a warning, and so is one the trace could not identify (a file gone
before it could be read where it ran); the libraries are the ones installed
where generate runs, so
with --widen the output also depends on them. See package widen for the
limits.
  --widen, --widen=imports  all of those syscalls (the most runs pass; an
                  interpreter or a program with many libraries links most
                  of Docker's default)
  --widen=kinds   only those of a kind of work the traces show the
                  executable doing (waiting on descriptors, memory
                  mappings, descriptor plumbing, file status, file data,
                  file attributes, directory entries, processes and
                  threads, signals, sleeping, POSIX timers, network
                  client, network server), judged per executable: what an
                  executable and its libraries link is added when that
                  executable's own processes did work of its kind. poll is
                  added when they waited with ppoll or epoll or made a
                  descriptor non-blocking (fcntl(F_SETFL) or pipe2 with
                  O_NONBLOCK: a read that would block returns EAGAIN, then
                  the program waits; argument values are kept per trace,
                  so that call counts for each executable that called
                  fcntl or pipe2, and the report says so when there are
                  several), mremap when they mapped memory,
                  ftruncate when they wrote files, but no socket for a
                  program never seen on the network, and no chmod for a
                  mkdir run next to one that changed modes; syscalls of no
                  kind (uname, credentials, xattrs, scheduling, ...) are
                  not widened, nor ioctl, except its descriptor-flag
                  requests (FIONBIO, FIOASYNC, FIOCLEX, FIONCLEX: what
                  fcntl F_SETFL and F_SETFD do) for an executable that
                  linked ioctl and did descriptor plumbing. The
                  program's own time (alarm, setitimer, getitimer, times,
                  getrusage) is added wherever it is linked: whether a run
                  times itself depends on how long it runs and where its
                  output goes (a progress display, a time limit), and
                  these act on the calling process alone. Smaller
                  profiles; runs that do a new kind of work fail.
  Both modes leave faccessat2 and statx to the fallback table (ENOSYS) when
  only glibc links them and their older syscall is allowed: glibc 2.36
  falls back completely. Go's profiling timers (timer_create, setitimer)
  count only in a Go program that links runtime.SetCPUProfileRate.

Argument rules (--no-arg-rules: off): where the trace recorded the values of
an argument that decides the risk, only those values are allowed and the
others get EPERM: clone's namespace flags (clone3 then gets ENOSYS, so that
libc falls back to clone), unshare, setns, socket's domain and type together,
socketpair, setsockopt/getsockopt's level and optname together, personality,
prctl, ioctl, fcntl (fcntl64), kill/tgkill/tkill signals, socketcall's call
and W+X memory (mmap, mmap2, mprotect, pkey_mprotect). Without recorded
values the argument gets Docker's default set where Docker has one. A
baseline syscall keeps its rule when the baseline lists the runtime's values
(runc's and crun's do for prctl, fcntl and tgkill); a syscall --widen adds
(traced or not) gets none but Docker's and the W+X rule: other inputs may
pass other values. A value Docker's default
would deny is reported as a weakening. Where a rule per recorded value would
make the filter longer than the kernel loads (4096 instructions), the
argument with the most values is left unrestricted (never one with a Docker
set), until it fits (with --format bpf: also the filter written, laid out
otherwise than the runtimes'); each is reported. On x86 libseccomp copies socket rules
onto socketcall: there other domains get ENOSYS and type and optname stay
unrestricted (reported). Before writing, the profile is compiled as runc and
crun compile it and the filter is compared with what the profile says;
libseccomp 2.5.4 builds some rule sets wrongly, and such a profile is not
written (exit 1): the call and both answers are named.

Deny ceiling: a trace containing a syscall that is never allowed silently
(kernel modules, kexec, bpf, perf_event_open, io_uring, ptrace, mount, ...)
makes generate fail; allow one on purpose with --allow NAME.

Formats (--format):
  docker  Docker/moby profile JSON (also the kubelet's localhost/ JSON)
  oci     the OCI runtime-spec linux.seccomp object; with --oci-config
          config.json it is set into an existing bundle in place (every
          other value, the owner and the mode kept; the file rewritten
          with its top-level and linux keys sorted, indented by two
          spaces)
  k8s     a Security Profiles Operator SeccompProfile (YAML), named --name
  bpf     the classic-BPF filter compiled by libseccomp, raw sock_filter
          bytes with an ENOSYS stub, for one machine: this one when the
          profile covers its native ABI, else the one that runs the
          covered ABIs (x86 alone: a 32-bit x86 kernel; x86 and x32:
          x86_64); ABIs of two machines (x86_64 and aarch64) are an error
          (exit 2): make one filter per machine. Print it with
          'seccomp-gen disasm'

The same traces and flags always give byte-identical output.

Exit status:
  0  the profile was written
  1  writing it failed, libseccomp would not build the profile as written, or
     the rendered file would not read back as the profile
  2  bad flags or bad input: malformed, truncated, empty or incomplete
     traces, names that are not their number's, unknown ABIs, a traced ABI
     that --arch leaves out, --format bpf for ABIs of two machines,
     deny-ceiling hits, with --strict numbers libseccomp cannot name; an output path that
     cannot be written (a directory, a missing or read-only directory, one
     of the inputs, a file that cannot be replaced: chattr +i or +a),
     checked before anything is read
Nothing is written on any error: the output appears whole or not at all.`,
		Example: `  seccomp-gen generate -o app.json app.trace.yaml
  seccomp-gen generate --min-runs 2 -o app.json run1.yaml run2.yaml run3.yaml
  seccomp-gen generate --format oci --oci-config bundle/config.json app.trace.yaml
  seccomp-gen generate --format k8s --name my-app -o app-profile.yaml app.trace.yaml
  seccomp-gen generate --arch aarch64 -o app-arm64.json app.trace.yaml
  seccomp-gen generate --format bpf -o app.bpf app.trace.yaml && seccomp-gen disasm app.bpf`,
		Args: argsUsage(atLeast(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.traces = args
			o.formatSet = cmd.Flags().Changed("format")
			o.outputSet = cmd.Flags().Changed("output")
			o.nameSet = cmd.Flags().Changed("name")
			if cmd.Flags().Changed("oci-config") && o.ociConfig == "" {
				// Taken as not given, the profile would go to stdout instead.
				return usageErrf("generate: --oci-config: empty file name")
			}
			if err := o.validate(); err != nil {
				return err
			}
			if err := checkOutputs("generate", append(fileArgs(o.baselines), o.traces...), "-o", o.output, "--oci-config", o.ociConfig); err != nil {
				return err
			}
			defer surviveStderrPipe(o.output, o.ociConfig)()
			if o.ociConfig != "" {
				// Edited in place: it must be there (checkOutputs
				// accepts a file it would create).
				if _, err := os.Stat(o.ociConfig); err != nil {
					return usageErrf("generate: --oci-config %s: %v (it sets linux.seccomp in an existing bundle config.json; for a new file use --format oci -o FILE)", o.ociConfig, unwrapPath(err))
				}
			}
			return o.run()
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "docker", "output `FORMAT`: docker, oci, k8s or bpf")
	f.StringVarP(&o.output, "output", "o", "-", "write the profile to `FILE` ('-' is standard output)")
	f.StringVar(&o.ociConfig, "oci-config", "", "set linux.seccomp in this bundle `config.json` in place (implies --format oci)")
	f.StringSliceVar(&o.arches, "arch", nil, "cover this `ABI` (x86_64, x86, x32, aarch64, arm); repeatable")
	f.StringSliceVar(&o.dropArches, "drop-arch", nil, "leave out the syscalls the traces hold on this `ABI` and do not cover it (a 32-bit helper you do not ship); repeatable")
	f.StringArrayVar(&o.baselines, "baseline", nil, "add baseline `NAME|FILE` ('none' for no baseline); repeatable")
	f.Uint64Var(&o.minCount, "min-count", 0, "drop syscalls seen fewer than `N` times in total")
	f.IntVar(&o.minRuns, "min-runs", 0, "drop syscalls seen in fewer than `K` of the traces")
	f.StringSliceVar(&o.allow, "allow", nil, "allow this deny-ceiling `SYSCALL` on purpose; repeatable")
	f.StringVar(&o.defaultAction, "default-action", "errno", "`ACTION` for known but unobserved syscalls: errno (EPERM), kill, log or trap")
	f.BoolVar(&o.allowIncomplete, "allow-incomplete", false, "accept traces whose recorder lost events (lost > 0)")
	f.BoolVar(&o.noFallbacks, "no-fallbacks", false, "answer unobserved newer syscalls (clone3, faccessat2, statx, ...) with the default action even when the profile allows what their libc falls back to on ENOSYS")
	f.BoolVar(&o.noArgRules, "no-arg-rules", false, "restrict no argument (clone flags, socket domain, personality, ...): weaker than Docker's default on those arguments")
	f.StringVar(&o.name, "name", "", "metadata.`NAME` of the k8s SeccompProfile (default seccomp-gen)")
	f.BoolVar(&o.strict, "strict", false, "fail (exit 2) when a trace holds syscall numbers libseccomp cannot name, instead of answering them ENOSYS")
	f.StringVar(&o.widen, "widen", "", "also allow the syscalls the traced executables and their libraries link (`MODE` imports, the default of a bare --widen: all of them; kinds: only those of a kind of work the traces show); each reported with the file that implies it, deny ceiling still applied")
	f.Lookup("widen").NoOptDefVal = widenImports
	f.BoolVar(&o.perExecutable, "per-executable", false, "report on standard error the syscalls each traced executable issued")
	refuseEmpty(f, "arch", "drop-arch", "allow", "default-action", "widen")
	singleValued(f)
	return cmd
}

func (o *generateOptions) validate() error {
	if o.ociConfig != "" {
		if o.formatSet && o.format != string(emit.FormatOCI) {
			return usageErrf("generate: --oci-config writes the oci format, not --format %s", o.format)
		}
		if o.outputSet {
			return usageErrf("generate: --oci-config and -o both name the output; use one")
		}
		o.format = string(emit.FormatOCI)
	}
	if o.output == "" {
		return usageErrf("generate: -o: empty file name (use '-' for stdout)")
	}
	switch emit.Format(o.format) {
	case emit.FormatDocker, emit.FormatOCI, emit.FormatSPO, emit.FormatBPF:
	default:
		return usageErrf("generate: --format %q: unknown (known: docker, oci, k8s, bpf)", o.format)
	}
	switch o.widen {
	case "", widenImports, widenKinds:
	default:
		return usageErrf("generate: --widen=%q: unknown mode (known: %s, %s)", o.widen, widenImports, widenKinds)
	}
	if o.nameSet && o.format != string(emit.FormatSPO) {
		return usageErrf("generate: --name is for --format k8s, not %s", o.format)
	}
	if o.nameSet && o.name == "" {
		// --name "$APP" with APP unset: every app's profile would be
		// named seccomp-gen, and replace the others in the cluster.
		return usageErrf("generate: --name: empty (leave it out for the default name, seccomp-gen)")
	}
	if o.name != "" {
		if err := emit.CheckSPOName(o.name); err != nil {
			return usageErrf("generate: --%v", err)
		}
	}
	o.arches, o.dropArches, o.allow = listItems(o.arches), listItems(o.dropArches), listItems(o.allow)
	for i, a := range o.arches {
		c, err := scmp.Canonical(a)
		if err != nil {
			return usageErrf("generate: --arch: %v", err)
		}
		o.arches[i] = c
	}
	for i, a := range o.dropArches {
		c, err := scmp.Canonical(a)
		if err != nil {
			return usageErrf("generate: --drop-arch: %v", err)
		}
		o.dropArches[i] = c
	}
	if o.format == string(emit.FormatBPF) && o.output == "-" && generateStdoutIsTerminal() {
		return usageErrf("generate: not writing a binary BPF filter to a terminal; use -o FILE")
	}
	return nil
}

// listItems is a comma-list flag's items without the spaces around them,
// empty items (a,,b or a trailing comma) left out.
func listItems(items []string) []string {
	out := items[:0]
	for _, it := range items {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

// runDigest is the SHA-256 of what a decoded (canonical) trace says,
// whatever its version or time zone: two files with the same digest hold
// the same run. JSON rather than the trace encoding: trace.Encode took
// half of generate's time for thousands of traces.
func runDigest(f *trace.File) ([sha256.Size]byte, bool) {
	v := *f
	v.Version = 0
	v.Started = v.Started.UTC()
	data, err := json.Marshal(&v)
	if err != nil {
		return [sha256.Size]byte{}, false
	}
	return sha256.Sum256(data), true
}

// runs tells which traces hold a run that an earlier trace held, by
// runDigest, so that a copy of a trace (a CI artifact downloaded twice)
// counts as one run.
type runs struct {
	first map[[sha256.Size]byte]string // runDigest -> the first trace's name
}

// seen returns the name of the earlier trace f is identical to ("" when
// none, and f is remembered under name), and whether the two are one run
// for sure. They are when f's start has a fraction of a second: the
// recorder keeps it to the nanosecond, so two runs do not share it. A
// trace written before it did (started: 2026-12-02T17:06:53Z) cannot tell
// a copy from a replica traced in parallel, started in the same second,
// with the same duration and counts: the same bytes. Such a pair is
// counted as two runs, as the command line names two files; the files
// that are one (a path named twice, a link) are caught before, by
// inputFiles.
func (r *runs) seen(name string, f *trace.File) (prev string, sure bool) {
	sum, ok := runDigest(f)
	if !ok {
		return "", false
	}
	if prev, ok := r.first[sum]; ok {
		return prev, f.Started.Nanosecond() != 0
	}
	if r.first == nil {
		r.first = map[[sha256.Size]byte]string{}
	}
	r.first[sum] = name
	return "", false
}

// The count of the alikeMsg warnings past maxWarnings.
const (
	alikeOne  = "trace identical to another one whose start is to the second only"
	alikeMany = "traces identical to another one whose start is to the second only"
	alikeWhat = "each counted as another run (leave copies out)"
)

// alikeMsg is the warning for a trace identical to an earlier one that
// may be another run (runs.seen: not sure), counted as one of its own.
func alikeMsg(name, prev string) string {
	return fmt.Sprintf("%s is identical to %s, whose start is to the second only (written before seccomp-gen kept fractions): a copy of it, or another run with the same start and counts (a replica traced in parallel); counted as another run (leave a copy out)", name, prev)
}

func (o *generateOptions) run() error {
	var inputs []reduce.Input
	var seen inputFiles
	var known runs
	var named, same, alike warnings
	for _, path := range o.traces {
		name := inputName(path)
		if what := seen.repeated(path); what != "" {
			// One file is one run: read twice it would count twice
			// towards --min-runs.
			named.add(o.stderr, "generate", fmt.Sprintf("%s is %s; counted as one run", name, what))
			continue
		}
		f, err := trace.ReadFile(path)
		if err != nil {
			if (path == widenImports || path == widenKinds) && o.widen == widenImports && errors.Is(err, fs.ErrNotExist) {
				// --widen kinds: the flag's value is optional, so it
				// must be joined to it.
				return usageErrf("generate: %v (--widen's mode is given as --widen=%s)", err, path)
			}
			return usageErr(fmt.Errorf("generate: %w", err))
		}
		// A copy of a trace (same run: same start time, same counts) is
		// one run too; where the start has no fraction of a second, a
		// replica cannot be told from a copy, and counts.
		prev, sure := known.seen(name, f)
		if prev != "" && sure {
			same.add(o.stderr, "generate", fmt.Sprintf("%s holds the same run as %s; counted as one run", name, prev))
			continue
		}
		if prev != "" {
			alike.add(o.stderr, "generate", alikeMsg(name, prev))
		}
		inputs = append(inputs, reduce.Input{Path: name, File: f})
	}
	named.more(o.stderr, "generate", "file named again", "files named again", "each counted as one run")
	same.more(o.stderr, "generate", "trace holds the same run as another one", "traces hold the same run as another one", "each counted as one run")
	alike.more(o.stderr, "generate", alikeOne, alikeMany, alikeWhat)
	names := o.baselines
	if len(names) == 0 {
		names = profiles.DefaultBaselines
	}
	bl, err := profiles.Resolve(names, profiles.ReadFile)
	if err != nil {
		return usageErr(fmt.Errorf("generate: %w", err))
	}
	native, err := scmp.Native()
	if err != nil {
		return exitWith(exitFailure, fmt.Errorf("generate: %w", err))
	}
	if o.perExecutable {
		reportPerExecutable(o.stderr, inputs)
	}
	if o.widen != "" {
		wb, err := widenBaseline(o.stderr, inputs, o.allow, o.widen, !o.noFallbacks, bl)
		if err != nil {
			return usageErr(fmt.Errorf("generate: --widen: %w", err))
		}
		bl = append(bl, wb)
	}
	// --format bpf: the filter written is seccomp-gen's own (binary
	// search, ENOSYS stub), which can be longer than what the runtimes
	// load: Reduce drops argument rules until it fits too.
	bpfArch := func(p *policy.Policy) string {
		if !p.Covers(native) {
			return p.Arches[0]
		}
		return ""
	}
	var fits func(*policy.Policy) error
	var fitted *policy.Policy
	var bpf cbpf.Program
	if o.format == string(emit.FormatBPF) {
		fits = func(p *policy.Policy) error {
			prog, err := cbpf.Compile(p, cbpf.Options{Arch: bpfArch(p), AllArches: true})
			if errors.Is(err, policy.ErrFilterTooLarge) {
				return err
			}
			fitted, bpf = p, prog // other errors: reported below
			return nil
		}
	}
	ropts := reduce.Options{
		Fits:            fits,
		Arches:          o.arches,
		DropArches:      o.dropArches,
		Native:          native,
		Baselines:       bl,
		MinCount:        o.minCount,
		MinRuns:         o.minRuns,
		Allow:           o.allow,
		DefaultAction:   o.defaultAction,
		AllowIncomplete: o.allowIncomplete,
		NoFallbacks:     o.noFallbacks,
		NoArgRules:      o.noArgRules,
	}
	res, err := reduce.Reduce(inputs, ropts, scmp.Tables{})
	if err != nil {
		return fmt.Errorf("generate: %w", err) // exitStatus: ErrInput is a usage error
	}
	// A profile without exit_group or rt_sigreturn breaks every program
	// (lint's exit-denied): with --baseline none, or baselines that lack
	// 'process', a trace of a program that handled no signal gives one.
	// They are added, and said so, rather than written as lint's error.
	added, err := essentialDenied(res.Policy)
	if err != nil {
		return exitWith(exitFailure, fmt.Errorf("generate: lint: %w", err))
	}
	if len(added) > 0 {
		ropts.Baselines = append(slices.Clone(ropts.Baselines), essentialBaseline(res.Policy.Arches, added))
		if res, err = reduce.Reduce(inputs, ropts, scmp.Tables{}); err != nil {
			return fmt.Errorf("generate: %w", err)
		}
	}
	var bpfErr error
	if o.format == string(emit.FormatBPF) && (fitted != res.Policy || bpf == nil) {
		// Compiled before the report so that a bad --arch for it is a
		// one-line usage error; other errors come after the report.
		bpf, bpfErr = cbpf.Compile(res.Policy, cbpf.Options{Arch: bpfArch(res.Policy), AllArches: true})
		if errors.Is(bpfErr, cbpf.ErrArchLeftOut) {
			return usageErrf("generate: --format bpf: %v: a raw filter is for one machine; write one per machine, each with the --arch ABIs it runs", bpfErr)
		}
	}
	{
		paths, files := make([]string, len(inputs)), make([]*trace.File, len(inputs))
		for i, in := range inputs {
			paths[i], files[i] = in.Path, in.File
		}
		warnUnsealed(o.stderr, "generate", paths, files)
		warnPartialRuns(o.stderr, paths, files)
	}
	if len(res.Unnamed) > 0 && o.strict {
		for _, u := range res.Unnamed {
			fmt.Fprintf(o.stderr, "generate: %s: libseccomp %s cannot name it\n", u, scmp.LibraryVersion())
		}
		return usageErrf("generate: --strict: %d syscall number(s) that libseccomp %s cannot name (listed above); without --strict the profile answers them ENOSYS",
			len(res.Unnamed), scmp.LibraryVersion())
	}
	res.WriteReport(o.stderr, "generate")
	if m := bpfArch(res.Policy); o.format == string(emit.FormatBPF) && m != "" && m != abi.X32 && abi.Primary(m) == native {
		// --arch x86 alone on x86_64: the filter is for a 32-bit x86
		// kernel (see --help), which the JSON lint lines below do not
		// describe: loaded here, it kills every x86_64 syscall. (x32
		// alone gives a filter for x86_64, which runs x32 under the
		// same audit arch: cbpf.Compile builds it so.)
		fmt.Fprintf(o.stderr, "generate: --format bpf: the filter is for a %s machine (the profile covers %s only); loaded on this %s machine it kills every %s syscall: add --arch %s for a filter that runs here\n",
			m, strings.Join(res.Policy.Arches, ", "), native, native, native)
	}
	for _, e := range lint.Essential {
		if slices.Contains(added, e.Name) {
			fmt.Fprintf(o.stderr, "generate: added %s, which no trace contains and no baseline adds: %s, and a profile that denies it breaks every program (lint's %s); --baseline process adds it with restart_syscall, exit and the vDSO clock fall-backs\n",
				e.Name, e.Why, lint.CheckExitMissing)
		}
	}
	if n := len(res.Unnamed); n > 0 {
		fmt.Fprintf(o.stderr, "generate: %d syscall number(s) that libseccomp %s cannot name (listed above); --strict makes that an error\n", n, scmp.LibraryVersion())
		if o.format == string(emit.FormatSPO) {
			fmt.Fprintf(o.stderr, "generate: note: the k8s format cannot carry defaultErrnoRet: there runc answers such numbers EPERM in a gap of the table and ENOSYS above it, crun EPERM; use --format docker (kubelet localhost/ JSON) for ENOSYS\n")
		}
	}
	format := emit.Format(o.format)
	if o.ociConfig != "" {
		format = emit.FormatOCIConfig
	}
	// Render first: lint reads what is written, as 'seccomp-gen lint'
	// would read the file, and the file must read back as the policy.
	var data []byte
	if o.format == string(emit.FormatBPF) {
		if bpfErr != nil {
			return exitWith(exitFailure, fmt.Errorf("generate: compile: %w", bpfErr))
		}
		data = bpf.Bytes()
	} else {
		data, err = emit.Write(res.Policy, emit.Format(o.format), emit.Options{Name: o.name})
		if err != nil {
			return exitWith(exitFailure, fmt.Errorf("generate: %w", err))
		}
	}
	if err := lintGenerated(o.stderr, res.Policy, emit.Format(o.format), data); err != nil {
		return exitWith(exitFailure, fmt.Errorf("generate: %w; nothing written", err))
	}
	for _, l := range emit.Losses(res.Policy, format) {
		fmt.Fprintf(o.stderr, "generate: note: %s\n", l)
	}

	if o.ociConfig != "" {
		if err := emit.SetOCIConfig(o.ociConfig, res.Policy); err != nil {
			return usageErr(fmt.Errorf("generate: %w", err))
		}
		fmt.Fprintf(o.stderr, "generate: set linux.seccomp in %s\n", o.ociConfig)
		return nil
	}
	if err := atomicfile.Write(o.output, data, 0o644); err != nil {
		return exitWith(exitFailure, fmt.Errorf("generate: write %s: %w", o.output, unwrapPath(err)))
	}
	if o.output != "-" {
		fmt.Fprintf(o.stderr, "generate: wrote %s profile to %s\n", o.format, o.output)
	}
	return nil
}

// essentialDenied lists the syscalls of lint.Essential that p does not
// allow, as lint finds them (exit-denied errors).
func essentialDenied(p *policy.Policy) ([]string, error) {
	fs, err := lint.Policy(p, lint.Options{})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range fs {
		if f.Check == lint.CheckExitMissing && f.Severity == lint.Error && !slices.Contains(out, f.Syscall) {
			out = append(out, f.Syscall)
		}
	}
	return out, nil
}

// essentialBaseline is the baseline that allows names on every ABI of
// arches (essentialDenied's).
func essentialBaseline(arches, names []string) *profiles.Baseline {
	b := &profiles.Baseline{
		Name:        "essential",
		Description: "exit_group and rt_sigreturn, which every program needs, where no trace or baseline had them (added by generate)",
		Syscalls:    map[string][]string{},
		Source:      "generate",
	}
	for _, a := range arches {
		b.Syscalls[a] = names
	}
	if len(arches) > 0 {
		b.Measured = arches[0]
	}
	return b
}

func generateStdoutIsTerminal() bool {
	_, err := unix.IoctlGetTermios(int(os.Stdout.Fd()), unix.TCGETS)
	return err == nil
}

// warnUnsealed warns that the version 1 traces among files cannot be
// checked for truncation (they have no closing summary): the first few by
// name, then how many more.
func warnUnsealed(w io.Writer, cmd string, paths []string, files []*trace.File) {
	var ws warnings
	for i, f := range files {
		if f.Unsealed() {
			ws.add(w, cmd, paths[i]+": version 1 trace: it has no closing summary, so a cut at a line boundary cannot be detected; re-record it to get a version 2 file")
		}
	}
	ws.more(w, cmd, "version 1 trace", "version 1 traces", "re-record them to get version 2 files")
}

// warnPartialRuns says which traces may not hold all a working run needs,
// and why: events the recorder lost (accepted with --allow-incomplete), a
// container whose seccomp filter denied calls the recorder never saw
// (check refuses such a trace; a profile from it lacks what that filter
// denied), a command that failed (a run that stopped early or took an
// error path may not make the calls a passing one makes; not one that
// Ctrl-C or SIGTERM ended). The profile is
// still written: each may be what the user meant.
func warnPartialRuns(w io.Writer, paths []string, files []*trace.File) {
	var lost, filtered, failed warnings
	for i, f := range files {
		if f.Lost > 0 {
			lost.add(w, "generate", fmt.Sprintf("%s: the recorder lost %s (--allow-incomplete): the profile may lack syscalls that run made", paths[i], text.Count(f.Lost, "event", "events")))
		}
		if f.Filtered() {
			how := "without one (--security-opt seccomp=unconfined)"
			if f.Target.Container == nil {
				how = "without it"
			}
			filtered.add(w, "generate", fmt.Sprintf("%s: its %s ran under a seccomp filter whose denials the recorder could not see (%s): the profile lacks what that filter denied; record it %s for a complete profile", paths[i], filteredWhat(f), filteredKey(f), how))
		}
		if c := f.ExitCode; c != nil && *c != 0 && *c != 128+int(syscall.SIGINT) && *c != 128+int(syscall.SIGTERM) {
			// (Ctrl-C and SIGTERM, which trace passes on to the
			// command, are how a server's trace is ended.)
			failed.add(w, "generate", fmt.Sprintf("%s: the command exited with status %d: a run that failed may not make every call a passing one makes", paths[i], *c))
		}
	}
	lost.more(w, "generate", "trace lost events", "traces lost events", "the profile may lack syscalls")
	filtered.more(w, "generate", "trace ran under a seccomp filter", "traces ran under a seccomp filter", "the profile lacks what those filters denied")
	failed.more(w, "generate", "trace is of a failed command", "traces are of failed commands", "the profile may lack what passing runs need")
}

// maxWarnings is how many warnings of one kind a command prints by name
// before it counts the rest: merging thousands of traces printed a line
// per trace.
const maxWarnings = 3

// warnings prints warnings of one kind, the first maxWarnings of them.
type warnings struct{ n int }

func (ws *warnings) add(w io.Writer, cmd, msg string) {
	if ws.n++; ws.n <= maxWarnings {
		fmt.Fprintf(w, "%s: warning: %s\n", cmd, msg)
	}
}

// more says how many were not printed ("and 57 more version 1 traces;
// re-record them ...").
func (ws *warnings) more(w io.Writer, cmd, one, many, what string) {
	if n := ws.n - maxWarnings; n > 0 {
		fmt.Fprintf(w, "%s: warning: and %s; %s\n", cmd, text.Count(n, "more "+one, "more "+many), what)
	}
}
