/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between cpuidle_ext's C glue and its Rust engine. The C files, one job each:
 * governor.c (the cpuidle governor, the states and inputs it hands to Rust, per-CPU data),
 * sysfs.c (/sys/kernel/cpuidle_ext), bpf.c (the cpuidle_ext_ops struct_ops type and the
 * kfuncs, where the kernel has module BTF). ffi.rs mirrors every declaration here.
 */
#ifndef CPUIDLE_EXT_SHIM_H
#define CPUIDLE_EXT_SHIM_H

#include <linux/types.h>

struct cpuidle_driver;
struct cpuidle_device;

/* One idle state, with the CPU's disable folded in (ffi.rs: RawState). */
struct ce_state {
	s64 target_residency_ns;
	s64 exit_latency_ns;
	u8 disabled;
	u8 polling;
};

/* What select learns from the tick and PM QoS (ffi.rs: RawInput). */
struct ce_input {
	s64 sleep_length_ns;
	s64 delta_tick_ns;
	s64 latency_req_ns;
};

/* A BPF program's answer to select, if one is attached (ffi.rs: RawAnswer). */
struct ce_answer {
	s64 state;
	u8 valid;
	u8 has_stop_tick;
	u8 stop_tick;
};

/* Implemented in Rust (ffi.rs), called from C. */
size_t ce_rs_cpu_size(void);
size_t ce_rs_cpu_align(void);
void ce_rs_cpu_init(void *cpu);
void ce_rs_enable(void *cpu);
int ce_rs_select(void *cpu, const struct ce_state *states, unsigned int count,
		 const struct ce_input *in, const struct ce_answer *answer, bool *stop_tick);
void ce_rs_reflect(void *cpu, const struct ce_state *states, unsigned int count,
		   unsigned int index, u64 measured_ns, bool poll_limit);
ssize_t ce_rs_show(const char *attr, char *buf);

/* governor.c */
int ce_cpus_alloc(void);
void ce_cpus_free(void);
unsigned int ce_nr_cpus(void);
void *ce_cpu(unsigned int cpu);
unsigned int ce_state_count(void);
int ce_governor_register(void);
u64 ce_tick_ns(void);

/* sysfs.c */
int ce_sysfs_init(void);
void ce_sysfs_exit(void);

/* bpf.c: the struct_ops type and kfuncs (no-ops without module BTF) */
int ce_bpf_init(void);
void ce_bpf_answer(struct cpuidle_driver *drv, struct cpuidle_device *dev,
		   const struct ce_input *in, struct ce_answer *ans);
void ce_bpf_reflect(struct cpuidle_device *dev, int index);
void ce_bpf_enable(struct cpuidle_driver *drv, struct cpuidle_device *dev);
void ce_bpf_disable(struct cpuidle_driver *drv, struct cpuidle_device *dev);
bool ce_bpf_supported(void);
u32 ce_bpf_masked(void);
ssize_t ce_bpf_show(const char *attr, char *buf);

#endif
