// SPDX-License-Identifier: GPL-2.0
/*
 * A test-only cpuidle_ext_ops program for cpuidle_ext's BPF suite (bpf.sh; built by bpf.disks):
 * every op counts its calls, so the suite can tell which ops the governor calls and when.
 *   init     counts; returns -EINVAL when told to (probe_cfg.init_err), refusing the attach
 *   exit     counts
 *   enable   counts (per CPU device switched to ext while attached)
 *   disable  counts
 *   reflect  counts, and the last index reflected
 *   select   returns probe_cfg.state; first masks or unmasks probe_cfg.mask_index (through
 *            the cpuidle_ext_state_mask kfunc) when told to, keeping the kfunc's answer
 * The two maps are pinned by name (/sys/fs/bpf/probe_cfg, probe_counts): they outlive the
 * program, so the suite reads what exit did after detach and sets init_err before an attach.
 */
#include "../bpf/cpuidle_ext.bpf.h"

struct probe_cfg {
	__s32 state;		/* what select returns */
	__u32 mask_op;		/* 0: none, 1: mask mask_index, 2: unmask it */
	__u32 mask_index;
	__u32 init_err;		/* nonzero: init refuses the attach */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct probe_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} probe_cfg SEC(".maps");

enum { C_INIT, C_EXIT, C_ENABLE, C_DISABLE, C_REFLECT, C_SELECT, C_LAST_INDEX, C_MASK_RC, C_N };

/* One value of C_N u64 counters (C_MASK_RC: the kfunc's last answer, as s64). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[C_N]);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} probe_counts SEC(".maps");

static __u64 *counts(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&probe_counts, &zero);
}

static void bump(int i)
{
	__u64 *c = counts();

	if (c && i >= 0 && i < C_N)
		__sync_fetch_and_add(&c[i], 1);
}

SEC("struct_ops/init")
int BPF_PROG(probe_init)
{
	__u32 zero = 0;
	struct probe_cfg *cfg = bpf_map_lookup_elem(&probe_cfg, &zero);

	bump(C_INIT);
	return cfg && cfg->init_err ? -22 : 0;
}

SEC("struct_ops/exit")
void BPF_PROG(probe_exit)
{
	bump(C_EXIT);
}

SEC("struct_ops/enable")
int BPF_PROG(probe_enable, struct cpuidle_driver *drv, struct cpuidle_device *dev)
{
	bump(C_ENABLE);
	return 0;
}

SEC("struct_ops/disable")
void BPF_PROG(probe_disable, struct cpuidle_driver *drv, struct cpuidle_device *dev)
{
	bump(C_DISABLE);
}

SEC("struct_ops/reflect")
void BPF_PROG(probe_reflect, struct cpuidle_device *dev, int index)
{
	__u64 *c = counts();

	if (c) {
		__sync_fetch_and_add(&c[C_REFLECT], 1);
		c[C_LAST_INDEX] = index;
	}
}

SEC("struct_ops/select")
int BPF_PROG(probe_select, struct cpuidle_driver *drv, struct cpuidle_device *dev)
{
	__u32 zero = 0;
	struct probe_cfg *cfg = bpf_map_lookup_elem(&probe_cfg, &zero);
	__u64 *c = counts();

	if (!cfg)
		return 0;
	if (cfg->mask_op == 1 || cfg->mask_op == 2) {
		int rc = cpuidle_ext_state_mask(cfg->mask_index, cfg->mask_op == 1);

		if (c)
			c[C_MASK_RC] = (__u64)(__s64)rc;
	}
	if (c)
		__sync_fetch_and_add(&c[C_SELECT], 1);
	return cfg->state;
}

char _license[] SEC("license") = "GPL";

SEC(".struct_ops")
struct cpuidle_ext_ops probe = {
	.init = (void *)probe_init,
	.exit = (void *)probe_exit,
	.enable = (void *)probe_enable,
	.disable = (void *)probe_disable,
	.reflect = (void *)probe_reflect,
	.select = (void *)probe_select,
	.name = "probe",
};
