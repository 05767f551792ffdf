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
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

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
	char b = 0;
	ssize_t n;

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
	// Tell the tracer that our own execve is over, then wait to be armed.
	b = 1;
	while (write(ready, &b, 1) < 0 && errno == EINTR)
		;
	// ready stays open, close-on-exec: a failed execve is said there.
	fcntl(ready, F_SETFD, FD_CLOEXEC);
	do
		n = read(gate, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1) {
		// The tracer died before it was ready: never run the command untraced.
		fprintf(stderr, "seccomp-gen: the tracer went away before tracing started; not running %s\n", argv[3]);
		_exit(125);
	}
	close(gate);
	// Signals ignored when seccomp-gen started: its Go runtime's handlers
	// reached us as defaults, execve keeps SIG_IGN.
	for (int s = 1; s <= 64; s++) {
		if (ignored & ((uint64_t)1 << (s - 1)) && s != SIGKILL && s != SIGSTOP) {
			struct sigaction sa = {0};
			sa.sa_handler = SIG_IGN;
			sigaction(s, &sa, NULL);
		}
	}
	// And its signal mask, which the Go runtime had changed for the fork.
	if (masks)
		syscall(SYS_rt_sigprocmask, SIG_SETMASK, &blocked, NULL, sizeof blocked);
	execve(argv[2], argv + 3, envp);
	int err = errno;
	int status = err == ENOENT ? 127 : 126;
	// The errno, for the tracer to report (recorder.ExecError); said
	// here only when it cannot be.
	if (err > 0 && err < 256) {
		unsigned char e = (unsigned char)err;
		// A tracer that has gone: EPIPE, not death by SIGPIPE.
		signal(SIGPIPE, SIG_IGN);
		do
			n = write(ready, &e, 1);
		while (n < 0 && errno == EINTR);
		if (n == 1)
			_exit(status);
	}
	// As Go's syscall.Errno says it: strerror with a lowercase first letter.
	char msg[256];
	snprintf(msg, sizeof msg, "%s", strerror(err));
	if (msg[0] >= 'A' && msg[0] <= 'Z')
		msg[0] += 'a' - 'A';
	// ENOEXEC: the hint the Go stub gives (trace/recorder: noExecHint).
	fprintf(stderr, "seccomp-gen: %s: %s%s\n", argv[3], msg,
		err == ENOEXEC ? " (a script needs a #! line; else the file is no program for this machine)" : "");
	_exit(status);
}
*/
import "C"
