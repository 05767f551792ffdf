// startfloor: the start of a minimal eBPF syscall recorder (bench/run.go,
// attach section): create a one-counter array map, load a raw_tp/sys_enter
// program that adds 1 to it, attach it, then fork and exec argv[1..] and
// wait for it. Nothing else: no ELF, no BTF, no CO-RE, no per-task
// filtering. What launch to the command's main costs with it is what any
// recorder on raw_tp/sys_enter pays for its start on this machine (the
// kernel's map creation, verification, JIT and attach, and a fork and an
// exec), next to which seccomp-gen's start is judged.
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long bpf(int cmd, union bpf_attr *attr) {
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

#define INS(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

int main(int argc, char **argv) {
	if (argc < 2) {
		fprintf(stderr, "usage: startfloor COMMAND [ARG...]\n");
		return 2;
	}
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1;
	int map = bpf(BPF_MAP_CREATE, &a);
	if (map < 0) {
		perror("startfloor: BPF_MAP_CREATE");
		return 1;
	}
	struct bpf_insn prog[] = {
		INS(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -4, 0), // key = 0
		INS(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
		INS(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4),
		INS(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map),
		INS(0, 0, 0, 0, 0),
		INS(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		INS(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 2, 0),
		INS(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, 1),
		INS(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_0, BPF_REG_1, 0, BPF_ADD),
		INS(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0),
		INS(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	a.insns = (uintptr_t)prog;
	a.insn_cnt = sizeof prog / sizeof prog[0];
	a.license = (uintptr_t) "GPL";
	int fd = bpf(BPF_PROG_LOAD, &a);
	if (fd < 0) {
		perror("startfloor: BPF_PROG_LOAD");
		return 1;
	}
	memset(&a, 0, sizeof a);
	a.raw_tracepoint.name = (uintptr_t) "sys_enter";
	a.raw_tracepoint.prog_fd = fd;
	if (bpf(BPF_RAW_TRACEPOINT_OPEN, &a) < 0) {
		perror("startfloor: BPF_RAW_TRACEPOINT_OPEN");
		return 1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("startfloor: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		fprintf(stderr, "startfloor: %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("startfloor: waitpid");
			return 1;
		}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
