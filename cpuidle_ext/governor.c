// SPDX-License-Identifier: GPL-2.0
/*
 * The cpuidle governor "ext": the callbacks the cpuidle core calls. Each hands Rust (ffi.rs)
 * the driver's states, what the tick and PM QoS say, and a BPF program's answer if one is
 * attached (bpf.c); Rust decides, counts and keeps the per-CPU history allocated here.
 *
 * cpuidle_register_governor has no counterpart: once the governor is registered, the module
 * takes a reference on itself and can no longer be unloaded.
 */
#include <linux/cpu.h>
#include <linux/cpuidle.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/tick.h>

#include "shim.h"

static_assert(sizeof(struct ce_state) == 24);
static_assert(sizeof(struct ce_input) == 24);
static_assert(sizeof(struct ce_answer) == 16);

/* Rust's per-CPU state (cpu.rs), one per possible CPU. */
static void __percpu *ce_cpus;

int ce_cpus_alloc(void)
{
	unsigned int cpu;

	ce_cpus = __alloc_percpu(ce_rs_cpu_size(), ce_rs_cpu_align());
	if (!ce_cpus)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		ce_rs_cpu_init(per_cpu_ptr(ce_cpus, cpu));
	return 0;
}

void ce_cpus_free(void)
{
	free_percpu(ce_cpus);
	ce_cpus = NULL;
}

unsigned int ce_nr_cpus(void)
{
	return nr_cpu_ids;
}

/* A CPU's state for the counters, or NULL for an impossible CPU. */
void *ce_cpu(unsigned int cpu)
{
	if (cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return NULL;
	return per_cpu_ptr(ce_cpus, cpu);
}

/* The number of states of the (first) registered driver; 0 without one. */
unsigned int ce_state_count(void)
{
	struct cpuidle_driver *drv = cpuidle_get_driver();

	return drv ? clamp(READ_ONCE(drv->state_count), 0, CPUIDLE_STATE_MAX) : 0;
}

/*
 * The driver's states for this CPU, shallow to deep; returns how many. masked: also count the
 * states a program masked as disabled (for choosing; the kernel's counters ignore the mask).
 */
static unsigned int ce_states(struct cpuidle_driver *drv, struct cpuidle_device *dev,
			      struct ce_state *states, bool masked)
{
	int i, count = clamp(drv->state_count, 0, CPUIDLE_STATE_MAX);
	u32 mask = masked ? ce_bpf_masked() : 0;

	for (i = 0; i < count; i++) {
		states[i].target_residency_ns = drv->states[i].target_residency_ns;
		states[i].exit_latency_ns = drv->states[i].exit_latency_ns;
		states[i].disabled = dev->states_usage[i].disable || (mask & BIT(i));
		states[i].polling = !!(drv->states[i].flags & CPUIDLE_FLAG_POLLING);
	}
	return count;
}

static int ce_enable(struct cpuidle_driver *drv, struct cpuidle_device *dev)
{
	ce_rs_enable(per_cpu_ptr(ce_cpus, dev->cpu));
	/* A program's enable is told, never obeyed: it must not leave a CPU without idle. */
	ce_bpf_enable(drv, dev);
	return 0;
}

static void ce_disable(struct cpuidle_driver *drv, struct cpuidle_device *dev)
{
	ce_bpf_disable(drv, dev);
}

/* The idle path: interrupts off, on the CPU itself. */
static int ce_select(struct cpuidle_driver *drv, struct cpuidle_device *dev, bool *stop_tick)
{
	struct ce_state states[CPUIDLE_STATE_MAX];
	struct ce_answer answer = {};
	struct ce_input in;
	unsigned int count = ce_states(drv, dev, states, true);
	ktime_t delta_tick;

	in.sleep_length_ns = ktime_to_ns(tick_nohz_get_sleep_length(&delta_tick));
	in.delta_tick_ns = ktime_to_ns(delta_tick);
	in.latency_req_ns = cpuidle_governor_latency_req(dev->cpu);
	ce_bpf_answer(drv, dev, &in, &answer);
	return ce_rs_select(this_cpu_ptr(ce_cpus), states, count, &in, &answer, stop_tick);
}

/* After the idle period, on the CPU itself (interrupts on, preemption off). */
static void ce_reflect(struct cpuidle_device *dev, int index)
{
	struct cpuidle_driver *drv = cpuidle_get_cpu_driver(dev);
	struct ce_state states[CPUIDLE_STATE_MAX];
	unsigned int count;
	bool poll_limit;

	if (!drv)
		return;
	count = ce_states(drv, dev, states, false);
	poll_limit = dev->poll_time_limit;
	dev->poll_time_limit = false;
	ce_rs_reflect(this_cpu_ptr(ce_cpus), states, count, index, dev->last_residency_ns,
		      poll_limit);
	ce_bpf_reflect(dev, index);
}

/* Below menu (20), teo (19), ladder (10) and haltpoll (9): current only when chosen by name. */
static struct cpuidle_governor ce_governor = {
	.name = "ext",
	.rating = 1,
	.enable = ce_enable,
	.disable = ce_disable,
	.select = ce_select,
	.reflect = ce_reflect,
};

/*
 * On success the governor is on the cpuidle core's list for good (nothing removes one), so
 * the module pins itself: rmmod fails with EWOULDBLOCK from here on.
 */
int ce_governor_register(void)
{
	int err = cpuidle_register_governor(&ce_governor);

	if (err)
		return err;
	__module_get(THIS_MODULE);
	pr_info("governor ext registered; the module stays loaded (cpuidle cannot unregister a governor)\n");
	return 0;
}

u64 ce_tick_ns(void)
{
	return TICK_NSEC;
}
