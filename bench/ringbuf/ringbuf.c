//go:build ignore

// The comparison peer of the benchmarks (not the product's recorder, which
// lives in bpf/ and counts in the kernel): one ring-buffer event per syscall
// of the target process, counted in user space, the way event-streaming
// tracers work. Events that do not fit in the ring are counted in `lost`.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct event {
	__u32 tgid;
	__u32 tid;
	__u64 nr;
	__u64 ts;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

// target[0] is the traced thread group id (0: trace nothing).
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

SEC("raw_tp/sys_enter")
int on_sys_enter(struct bpf_raw_tracepoint_args *ctx) {
	__u32 zero = 0;
	__u32 *tgid = bpf_map_lookup_elem(&target, &zero);
	__u64 id = bpf_get_current_pid_tgid();
	if (!tgid || *tgid == 0 || (__u32)(id >> 32) != *tgid)
		return 0;
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__u64 *l = bpf_map_lookup_elem(&lost, &zero);
		if (l)
			*l += 1;
		return 0;
	}
	e->tgid = id >> 32;
	e->tid = (__u32)id;
	e->nr = ctx->args[1];
	e->ts = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, 0);
	return 0;
}

// The floor: an empty program on the same hook. Every process on the machine
// pays at least this much per syscall while any sys_enter program is attached.
SEC("raw_tp/sys_enter")
int empty_sys_enter(struct bpf_raw_tracepoint_args *ctx) {
	return 0;
}
