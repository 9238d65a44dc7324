/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a cpuidle_ext_ops program sees, for the programs built with clang's BPF target (the
 * shipped policy and the tests' probe): the kernel's cpuidle structs with only the fields
 * read, relocated by libbpf (CO-RE) against the running kernel's BTF; the struct_ops type and
 * the kfuncs, which cpuidle_ext's own BTF describes (bpf.c).
 */
#ifndef CPUIDLE_EXT_BPF_H
#define CPUIDLE_EXT_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define STATE_MAX 10	/* CPUIDLE_STATE_MAX */

struct cpuidle_state {
	__s64 exit_latency_ns;
	__s64 target_residency_ns;
} __attribute__((preserve_access_index));

struct cpuidle_driver {
	struct cpuidle_state states[STATE_MAX];
	int state_count;
} __attribute__((preserve_access_index));

struct cpuidle_state_usage {
	unsigned long long disable;
} __attribute__((preserve_access_index));

struct cpuidle_device {
	unsigned int cpu;
	struct cpuidle_state_usage states_usage[STATE_MAX];
} __attribute__((preserve_access_index));

#include "../ops.h"

extern __s64 cpuidle_ext_sleep_length(void) __ksym;
extern __s64 cpuidle_ext_delta_tick(void) __ksym;
extern __s64 cpuidle_ext_latency_req(__u32 cpu) __ksym;
extern int cpuidle_ext_state_mask(__u32 index, __u32 disable) __ksym;

#endif
