#ifndef SECCOMP_GEN_PRESTUB_H
#define SECCOMP_GEN_PRESTUB_H

#include <stdint.h>

// What the constructor did (prestub.c).
extern int prestub_pid;   // the child's PID; 0: none was forked
extern int prestub_ctl;   // the tracer's end of the control socket, or -1
extern int prestub_errno; // why none was forked when one was wanted (0: not wanted)

// The header of the spec the tracer sends (see doc.go), with the
// command's descriptors attached (SCM_RIGHTS).
#define PRESTUB_MAGIC 0x53475053u // "SGPS"
#define PRESTUB_MASKS 1u          // ignored and blocked are set
struct prestub_hdr {
	uint32_t magic;
	uint32_t nfds;  // descriptors attached: the command's 0 .. nfds-1
	uint32_t len;   // bytes of strings after the header
	uint32_t nargv; // strings: path, dir, nargv argv, nenv env
	uint32_t nenv;
	uint32_t flags;
	uint64_t ignored; // as the stub's IGNORED and BLOCKED (internal/startstate)
	uint64_t blocked;
};

// The most descriptors one spec carries (the kernel's SCM_MAX_FD).
#define PRESTUB_MAX_FDS 253

// The stub's last steps, shared with the stub of cmd/seccomp-gen
// (stub_fast.go): say it is up on ready, wait at the gate, restore the
// start's signal state and execve path; on failure report the errno on
// ready (or on stderr) and exit 126 or 127. Never returns.
void prestub_gate_exec(int gate, int ready, int masks, uint64_t ignored, uint64_t blocked,
	const char *path, char *const argv[], char *const envp[]) __attribute__((noreturn));

#endif
