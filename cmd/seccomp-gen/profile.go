package main

import (
	"fmt"
	"io"
	"os"

	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

// readAnswerer reads a profile in any format generate writes: a raw
// filter ('generate --format bpf', judged by running it in the interpreter
// as the kernel would) or a profile that readProfile reads.
//
// A regular file is a raw filter when it is binary (it holds a NUL byte); it
// must then be a valid filter of at most cbpf.MaxInstructions instructions
// (cbpf.ParseRaw). Every instruction of a valid filter holds a NUL byte and
// no JSON or YAML profile does, so no profile, whatever its first
// characters, is taken for a filter. Standard input ("-") and other
// non-regular files (pipes, which cannot be read twice) are read as
// profiles only.
func (f *profileReadFlags) readAnswerer(path string) (verdict.Answerer, error) {
	if prog, ok, err := readRawFilter(path); err != nil {
		return nil, err
	} else if ok {
		f, err := cbpf.NewFilter(prog)
		if err != nil {
			return nil, usageErr(fmt.Errorf("%s: %w", path, err))
		}
		if len(f.Arches()) == 0 {
			return nil, usageErrf("%s: the filter kills every syscall on every ABI: not a profile", path)
		}
		return f, nil
	}
	p, err := f.readProfile(path)
	if err != nil {
		return nil, err
	}
	return verdict.NewPolicyAnswerer(p, scmp.Tables{}), nil
}

// readRawFilter returns the program when path holds binary data; ok is
// false for text (a profile) and for standard input.
func readRawFilter(path string) (prog cbpf.Program, ok bool, err error) {
	if path == "-" {
		return nil, false, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, false, nil // readProfile says what is wrong
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, false, nil
	}
	const limit = cbpf.MaxInstructions * cbpf.InstructionSize
	head, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil || !cbpf.Binary(head) {
		return nil, false, nil
	}
	if len(head) > limit {
		return nil, false, usageErrf("%s: binary data of more than %d bytes: neither a profile nor a raw seccomp filter (at most %d instructions)", path, limit, cbpf.MaxInstructions)
	}
	prog, err = cbpf.ParseRaw(head)
	if err != nil {
		return nil, false, usageErrf("%s: binary data, but not a raw seccomp filter: %v", path, err)
	}
	return prog, true, nil
}
