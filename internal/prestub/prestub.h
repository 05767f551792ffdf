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

// The early start (early.c; see early_linux.go).
#define EARLY_ENV "SECCOMP_GEN_EARLY"
#define EARLY_HINT_PREFIX "e-" // trace/recorder's earlyHint
#define EARLY_MAX_LINKS 4
enum { EARLY_LAUNCH, EARLY_CLAIMED, EARLY_ATTACHED, EARLY_GATE, EARLY_NPHASES };
extern int early_started;    // 1: the command runs
extern int early_pid;        // its PID (this process's child)
extern int early_ready;      // the read end of its ready pipe
extern int early_links[EARLY_MAX_LINKS];
extern int early_nlinks;
extern int early_cmd;        // argv[early_cmd] is the command
extern int early_noargs;     // --no-args
extern int early_stdout;     // -o -: the command's stdout is stderr
#define EARLY_PATH_MAX 4096
extern char early_claimed[EARLY_PATH_MAX]; // the prepared recorder's directory, claimed
extern char early_path[EARLY_PATH_MAX];    // the program run
extern int64_t early_ns[EARLY_NPHASES]; // CLOCK_REALTIME at each step
extern const char *early_why; // why it was not started (NULL: it was)
extern int early_refused;    // a held signal came first: the gate was not opened
extern int early_gate_err;   // the errno of the gate's send that failed (0: none)
extern int early_holding;    // the Ctrl-C policy's signals are held (early.c)
extern int early_ignored;    // the Ctrl-C policy's signals ignored at the start (bit s-1)

// early_start starts starting the command (1: on a thread of its own,
// early_wait says how it went) or changes nothing (0); the constructor
// (prestub.c) calls it first.
int early_start(int argc, char **argv);
// early_wait waits for that thread and returns early_started (1: the
// command runs, or was refused its gate: early_refused).
int early_wait(void);
// early_release puts in the handlers the Go runtime asked for of the held
// signals and returns those noted meanwhile (bit s-1), to raise again;
// early_go_held counts the held signals the runtime set a handler for.
uint64_t early_release(void);
int early_go_held(void);

#endif
