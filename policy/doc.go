// Package policy is the in-memory seccomp profile model that every emitter
// writes and every reader produces: a default action, the architectures the
// profile covers, and rules that map syscall names to actions, with argument
// conditions. It is pure Go with no kernel or cgo dependency.
//
// Pipeline: trace -> reduce -> policy.Policy -> emit (Docker, OCI, SPO, BPF).
//
// # What a profile means
//
// A profile means what runc 1.1.5 and crun 1.8.1 (Debian 12, both through
// libseccomp 2.5.4) enforce, and this package is the one place that says
// what that is: Eval, EvalArch, Lookup and Runtimes answer it, Check (run by
// Validate) refuses what the two runtimes read differently, and emit/cbpf's
// Compile adds the rules to libseccomp the same way. The table below was
// measured in real containers by internal/runtimetest's
// TestRuleSemanticsUnderRuncAndCrun (testdata/calls.c issues the syscalls);
// the argument-condition rows are also fuzzed against libseccomp fed in
// runc's order (emit/cbpf's FuzzSemantics and TestSemanticsRandom).
//
//	profile (default ERRNO(EPERM) unless said)        runc 1.1.5           crun 1.8.1           model
//	ERRNO(13) getuid; ALLOW getuid                     errno 13             errno 13             first unconditional rule decides
//	ALLOW getuid; ERRNO(13) getuid                     ok                   ok                   (file order, not action order)
//	ALLOW getgid; ERRNO(13) getgid if a0==1            ok, ok               ok, ok               later rules ignored
//	ERRNO(13) getgid if a0==1; ALLOW getgid            ok, ok               ok, ok               earlier conditional rules dropped
//	ALLOW getgid if a0==1; ERRNO(13) getgid            13, 13               13, 13               (the unconditional rule replaces them)
//	ALLOW if a0==1; ALLOW if a0==2 (a0=1,2,3)          ok ok EPERM          ok ok EPERM          same action: OR
//	ALLOW if a0==1; ERRNO(13) if a0==2 (both orders)   ok 13 EPERM          ok 13 EPERM          disjoint conditions: the one that holds
//	ALLOW if a0==1, a0==2 (one rule)                   ok ok EPERM          ok ok EPERM          two conditions on one index: OR,
//	ALLOW if a1==1, a1==2, a2==7                       a2==7 alone: ok      a2==7 alone: ok      each condition a rule of its own
//	ALLOW if a1==1, a2==2                              only both: ok        only both: ok        different indexes: AND
//	ERRNO (no errnoRet) x; ALLOW x                     ok                   ok                   a rule equal to the default is
//	ERRNO(1) x; ERRNO(13) x                            errno 13             errno 13             skipped (EPERM = ERRNO without
//	default KILL: KILL_THREAD x; ERRNO(13) x           errno 13             errno 13             errnoRet; KILL = KILL_THREAD)
//	ERRNO(13) [no_such_syscall, getuid]                getuid: errno 13     getuid: errno 13     unknown names skipped, silently
//	ERRNO(13) x if a0&0==1; ALLOW x                    errno 13             errno 13             a mask of 0 is no condition
//	ALLOW x if a0&0xf0==0x30 (0x3f, 0x4f, 0x130)       ok EPERM ok          ok EPERM ok          masked: v&m == value&m
//	KILL_PROCESS, KILL, TRAP, LOG                      SIGSYS x3, ok        SIGSYS x3, ok
//	x86 (i386): ALLOW getuid if a0==0x100000005 (5,6)  ok EPERM             ok EPERM             32-bit ABIs: low words only
//	x86: ERRNO(13) getgid if a0&1<<32==0; ALLOW getgid 13 13                13 13                (the mask is no condition there)
//	TRACE (no tracer); default ERRNO(38): ERRNO x      ENOSYS; errno 1      ENOSYS; errno 1
//	syscall above the highest one the profile names    ENOSYS (stub)        default (EPERM)      Runtimes: the two differ
//	number no kernel knows (1000)                      ENOSYS (stub)        default (EPERM)      (not refused: SPO has no
//	default ALLOW / LOG / TRACE: either of those       default              default               defaultErrnoRet)
//
// Refused by Check (Validate), each with an *AmbiguousError naming the
// rules and the reason:
//
//	profile                                            runc 1.1.5           crun 1.8.1
//	flags: [SECCOMP_FILTER_FLAG_LOG]                   refuses to start     applies it
//	errnoRet on SCMP_ACT_ALLOW (or KILL, LOG, ...)     ignores it           refuses to start
//	7 conditions, indexes 0..5 and 0 again             7 rules, OR          first 6, AND
//	errnoRet 4095 (or more)                            refuses (EINVAL)     refuses (EINVAL)
//	ALLOW if a0==1; ERRNO(13) if a0==1                 refuses (EEXIST)     refuses (EEXIST)
//	ERRNO(13) if a0==1,a1==2; ALLOW if a0==1           refuses (EEXIST)     refuses (EEXIST)
//	ALLOW if a0==1; ERRNO(13) if a0==1,a1==2           ok for a1==2 (rule 2 dropped, not first-match)
//	ERRNO(13) if a1==1; ERRNO(14) if a0==1             a0==a1==1: 13            13
//	ERRNO(14) if a0==1; ERRNO(13) if a1==1             a0==a1==1: 13            13 (libseccomp's order, not the file's)
//	ALLOW if a2<=X; ALLOW if a2<1<<63 (a2=X+1)         EPERM                EPERM (the rules say allow)
//	some sets of overlapping range rules (see the      hangs at start       hangs at start
//	oracle's libseccomp-never-returns)                 (libseccomp loops in seccomp_rule_add)
//
// The wrong-word row (and the hang) are libseccomp 2.5.4 bugs; the first: when a syscall
// has several conditional rules, the BPF it builds may move from one rule
// to the next without reloading the argument word it compares (found by
// the fuzz target, on x86_64 and x86). Check therefore accepts several
// conditional rules for one syscall only when each has a single condition
// and, on 64-bit ABIs, each argument has at most one range comparison
// (<, <=, >, >=) among them (Docker's socket and personality rules are of
// that shape); conditional rules with different actions must also have
// provably disjoint conditions. One more class is accepted after a check:
// rules of at most two equality (or masked equality) tests with 32-bit
// operands on at most two arguments, such as the reducer's socket
// domain-and-type rules. libseccomp compiles most such rule sets right and
// some wrong, with no shape rule found to tell them apart, so
// FilterVerifier (emit/cbpf.VerifyFilter, installed by the commands)
// compiles the policy as runc and crun do and compares the filter with
// Eval on every class of argument values the tests tell apart; without a
// verifier Check refuses the class. So does a second one: rules of one
// comparison each (==, !=, <, <=, >, >=) all on one argument, which the
// shape rule refused for two range comparisons (moby's default socket
// rules since "Block AF_ALG": a0 < 38, a0 == 39, a0 > 40); the verifier
// tries each condition value's word and its neighbours in every word. Everything else gets a refusal rather than
// an answer the runtimes do not enforce. An unconditional rule for the
// syscall lifts all of this (libseccomp then drops the conditions), except
// that rules before it must still not conflict (EEXIST happens while
// adding them).
//
// On 32-bit ABIs (x86, x32, arm) libseccomp compares only the low 32 bits
// of an argument and of the rule's value (EvalArch, LookupArch). On x86 it
// also adds the rules of the socket and ipc calls to their multiplexers,
// socketcall and ipc, with argument 0 replaced by "== call number" and the
// other conditions kept, now on the multiplexer's arguments (socketcall's
// argument 1 is a pointer): EvalArch on x86 reads them so (MuxCall;
// libseccomp src/syscalls.c abi_rule_add), and the runtime oracle measures
// it (x86-socket-* cases). So a rule for socket(AF_UNIX) allows
// socketcall(SYS_SOCKET) for every domain, a rule on socket's type lets
// socketcall(SYS_SOCKET) through only when its pointer happens to match, and
// an EPERM rule for an unobserved bind denies socketcall(SYS_BIND).
//
// libseccomp 2.5.4 also builds wrong filters now and then in ways no shape
// rule here foresees (a call that exists on x86 only through a multiplexer,
// such as semop or send, first in the filter: the syscall number is never
// loaded and every call gets the default action). The commands therefore
// check the filter libseccomp builds against this model before they accept
// a profile (FilterVerifier).
//
// # The native ABI
//
// runc and crun build the filter from libseccomp's native ABI and add the
// listed ones; neither removes the native one. A profile listing only x86
// (or x32) therefore filters x86_64 calls on an x86_64 machine with its
// rules by name and the default for the rest (measured by
// internal/runtimetest's TestUnlistedNativeABIUnderRuncAndCrun). The
// reader (emit) adds the native ABI to Arches of such profiles, and
// emit/cbpf's Compile keeps the target machine's native ABI likewise.
//
// # The ENOSYS stub
//
// runc 1.1.5 prepends a stub to libseccomp's filter unless the default
// action lets syscalls run (allow, log, trace; RuncStub): on each ABI it
// answers ERRNO(ENOSYS) for every number above the highest syscall the
// profile names there (HighestNamed; every rule counts, also skipped ones,
// but not x86's socket and ipc calls, which libseccomp's name lookup gives
// runc as negative pseudo numbers), named by libseccomp or not. (runc means to leave the stub out when
// defaultErrnoRet is ENOSYS but compares the value with a whole action
// word, so it never does; the answers are the same.) crun 1.8.1 has no
// stub: such numbers get the default action. Runtimes returns both
// answers; emit/cbpf's Compile adds its own stub above the highest number
// libseccomp knows, so its filter gives runc's answer beyond the table and
// crun's (libseccomp's) below it.
package policy
