package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/internal/atomicfile"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

type disasmOptions struct {
	profileReadFlags
	file   string
	output string
	arch   string
}

func newDisasmCmd() *cobra.Command {
	o := &disasmOptions{}
	cmd := &cobra.Command{
		Use:     "disasm [flags] FILE",
		Aliases: []string{"inspect"},
		Short:   "Print a compiled seccomp BPF filter (or a profile's filter) readably",
		Long: `disasm prints a classic-BPF seccomp filter one instruction per line: index,
mnemonic (ld, jeq, jgt, jset, ja, ret...), absolute jump targets, and comments
that name the seccomp_data field loaded, AUDIT_ARCH constants, the syscall
behind each compared number (from libseccomp's table of the ABI checked on
that path) and the action of each return.

FILE is a raw filter: struct sock_filter entries, 8 bytes each, native byte
order, as 'seccomp-gen generate --format bpf' writes them ('-' reads standard
input). FILE may also be a profile in any format seccomp-gen reads (Docker or
OCI JSON, an OCI config.json, an SPO SeccompProfile); it is then compiled with
libseccomp exactly as 'generate --format bpf' would, for --arch.

Exit status: 0 on success, 1 when the listing cannot be written (a full
disk), 2 for bad flags or a file that is neither a valid filter nor a
profile.`,
		Example: `  seccomp-gen generate --format bpf -o app.bpf app.trace.yaml
  seccomp-gen disasm app.bpf
  seccomp-gen inspect app.json              # compile the profile, then print it
  seccomp-gen disasm --arch x86_64 -o app.txt app.json`,
		Args: argsUsage(exactly(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.file = args[0]
			if o.output == "" {
				return usageErrf("disasm: -o: empty file name (use '-' for stdout)")
			}
			if o.arch != "" {
				if _, err := scmp.Canonical(o.arch); err != nil {
					return usageErrf("disasm: --arch: %v", err)
				}
			}
			if err := checkOutputs("disasm", []string{o.file}, "-o", o.output); err != nil {
				return err
			}
			return o.run()
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "-", "write the listing to `FILE` ('-' is standard output)")
	o.addProfileReadFlags(cmd)
	cmd.Flags().StringVar(&o.arch, "arch", "", "when FILE is a profile: compile for this `ARCH` (x86_64, x86, x32, aarch64, arm; default: native)")
	refuseEmpty(cmd.Flags(), "arch")
	singleValued(cmd.Flags())
	return cmd
}

func (o *disasmOptions) run() error {
	var data []byte
	var err error
	if o.file == "-" {
		data, err = disasmRead(os.Stdin)
	} else if st, serr := os.Stat(o.file); serr == nil && st.IsDir() {
		return usageErrf("disasm: %s: is a directory, not a filter or profile", o.file)
	} else {
		var f *os.File
		if f, err = os.Open(o.file); err == nil {
			data, err = disasmRead(f)
			f.Close()
		}
	}
	if err != nil {
		return usageErrf("disasm: %s: %v", o.file, unwrapPath(err))
	}
	prog, err := o.program(data)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := cbpf.Disassemble(&buf, prog); err != nil {
		return err
	}
	if err := atomicfile.Write(o.output, buf.Bytes(), 0o644); err != nil {
		return exitWith(exitFailure, fmt.Errorf("disasm: %w", err))
	}
	return nil
}

// program reads data as a raw filter, or as a profile compiled for o.arch.
func (o *disasmOptions) program(data []byte) (cbpf.Program, error) {
	name := inputName(o.file)
	// A raw filter is binary: each instruction's 16-bit code is below
	// 0x100, so every one holds a NUL byte, which no JSON or YAML profile
	// does (whatever it starts with: '---', a comment, blank lines, a
	// byte-order mark).
	if cbpf.Binary(data) {
		if o.arch != "" {
			return nil, usageErrf("disasm: --arch applies to profiles only; %s is a raw filter", name)
		}
		prog, err := cbpf.ParseRaw(data)
		if err != nil {
			return nil, usageErrf("disasm: %s: binary data, but not a raw seccomp filter: %v", name, err)
		}
		return prog, nil
	}
	p, _, err := o.parseProfile(name, data)
	if err != nil {
		return nil, usageErrf("disasm: %v", err)
	}
	prog, err := cbpf.Compile(p, cbpf.Options{Arch: o.arch})
	if err != nil {
		// A profile that does not compile (unknown syscall, arch not
		// covered) is bad input.
		if errors.Is(err, cbpf.ErrArchNotCovered) && o.arch == "" && len(p.Arches) > 0 {
			// A profile for another machine: say how to print it.
			return nil, usageErrf("disasm: %s: %v; print it for its machine with --arch %s", name, err, p.Arches[0])
		}
		return nil, usageErrf("disasm: %s: %v", name, err)
	}
	return prog, nil
}

// disasmRead reads at most emit.MaxProfileSize bytes (far more than a raw
// filter of cbpf.MaxInstructions): a larger file, or a device that never
// ends (/dev/zero), is refused rather than read into memory.
func disasmRead(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, emit.MaxProfileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > emit.MaxProfileSize {
		return nil, fmt.Errorf("larger than %d MiB: neither a profile nor a raw seccomp filter (at most %d instructions); not read", emit.MaxProfileSize>>20, cbpf.MaxInstructions)
	}
	return data, nil
}
