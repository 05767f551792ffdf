package main

// The recorder's stub (trace/recorder: Stub, runStub) in C, run by the
// dynamic loader's constructors (libc's start-up in the static build that
// make build links), before the Go runtime starts: the stub's
// whole job is to say it is up, wait at its gate and exec the command, and
// the Go runtime and this binary's package initializers took ~3-4 ms of the
// traced start for it (launch to the command's main, BENCHMARKS.md), where
// this takes well under one. It does exactly what runStub does, with the
// same messages and exit statuses; the Go stub stays registered for
// binaries without this file (the recorder's tests) and is what runs if this
// one returns (a bad invocation).
//
// Its priority (101) runs it before any other constructor of the binary,
// internal/prefault's (102) among them, which would map the whole binary
// into a process that is only going to exec the command.
//
// argv: [recorder.StubName, "GATE,READY[,IGNORED,BLOCKED]", PROGRAM,
// ARGV...]; IGNORED (hex) has bit N-1 set for each signal N to ignore again
// before the execve, BLOCKED is the signal mask to set then
// (internal/startstate).

/*
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// internal/prestub's (prestub.h), declared here: an -I of that directory
// would put its absolute path in the binary's debug information, and two
// builds in different directories would differ (internal/releasetest).
void prestub_gate_exec(int gate, int ready, int masks, uint64_t ignored, uint64_t blocked,
	const char *path, char *const argv[], char *const envp[]) __attribute__((noreturn));

#define STUB_NAME "seccomp-gen-trace-stub"

static int stub_fd(const char *s, const char **end) {
	long v = 0;
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > 1 << 20)
			return -1;
	}
	*end = s;
	return (int)v;
}

__attribute__((constructor(101))) static void seccomp_gen_fast_stub(int argc, char **argv, char **envp) {
	const char *p;
	int gate, ready;

	if (argc < 4 || strcmp(argv[0], STUB_NAME) != 0)
		return;
	gate = stub_fd(argv[1], &p);
	if (gate < 0 || *p != ',')
		return; // the Go stub reports the bad invocation
	ready = stub_fd(p + 1, &p);
	if (ready < 0 || (*p != 0 && *p != ','))
		return;
	uint64_t ignored = 0, blocked = 0;
	int masks = *p == ',';
	if (masks) {
		char *e;
		errno = 0;
		ignored = strtoull(p + 1, &e, 16);
		if (errno != 0 || e == p + 1 || *e != ',')
			return;
		p = e;
		blocked = strtoull(p + 1, &e, 16);
		if (errno != 0 || e == p + 1 || *e != 0)
			return;
	}
	// Say it is up, wait at the gate, exec: as the child internal/prestub
	// forks does once it has its spec.
	prestub_gate_exec(gate, ready, masks, ignored, blocked, argv[2], argv + 3, envp);
}
*/
import "C"
