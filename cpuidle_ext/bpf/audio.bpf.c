// SPDX-License-Identifier: GPL-2.0
/*
 * An idle policy for music playback, as a cpuidle_ext_ops struct_ops program. While playback is
 * on (the audio_cfg map: mode 1 and the audio DSP's wake-up period), a CPU is expected to wake
 * once a period whatever its timers say: the policy keeps the phase of those wake-ups (reflect
 * notes when a CPU woke from an idle period of half a period or more) and takes the deepest
 * usable state whose target residency fits before the earlier of the next timer and the next
 * expected wake-up. With playback off (mode 0) it takes the deepest usable state that fits the
 * sleep length alone. Either way the tick is stopped only when what ends the idle period comes
 * after the next tick: before it, the tick never fires, and stopping and restarting it is work
 * for nothing. Mode 2 is for tests: select returns the value "garbage" as it is, which the
 * governor must clamp.
 *
 * Loaded with: bpftool struct_ops register audio.bpf.o
 */
#include "cpuidle_ext.bpf.h"

/* Written by user space (bpftool map update name audio_cfg ...). */
struct audio_cfg {
	__u32 mode;		/* 0: timers only, 1: music playing, 2: return garbage */
	__u32 period_us;	/* the audio wake-up period while playing */
	__s32 garbage;		/* what select returns in mode 2 */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct audio_cfg);
} audio_cfg SEC(".maps");

/* Per CPU, from select for set_stop_tick and reflect, and from reflect for select. */
struct audio_cpu {
	__u64 woke_ns;		/* the last wake-up's interrupt, in the period's phase (0: none) */
	__s64 exit_ns;		/* the exit latency of the state selected */
	__u32 beyond_tick;	/* what ends the idle period comes after the next tick */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct audio_cpu);
} audio_cpu SEC(".maps");

/* Decisions taken, per mode (read with bpftool map dump name audio_stats). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} audio_stats SEC(".maps");

static struct audio_cfg *cfg(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&audio_cfg, &zero);
}

static void count(__u32 mode)
{
	__u64 *n = bpf_map_lookup_elem(&audio_stats, &mode);

	if (n)
		*n += 1;
}

static struct audio_cpu *me(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&audio_cpu, &zero);
}

/* The time to the next expected wake-up: a whole period when its phase is not known yet. */
static __s64 to_next_wakeup(struct audio_cpu *m, __s64 period)
{
	__u64 since;

	if (!m || !m->woke_ns)
		return period;
	since = bpf_ktime_get_ns() - m->woke_ns;
	return period - (__s64)(since % (__u64)period);
}

SEC("struct_ops/select")
int BPF_PROG(audio_select, struct cpuidle_driver *drv, struct cpuidle_device *dev)
{
	struct audio_cfg *c = cfg();
	struct audio_cpu *m = me();
	__u32 mode = c ? c->mode : 0;
	__s64 fit = cpuidle_ext_sleep_length();
	__s64 limit = cpuidle_ext_latency_req(dev->cpu);
	__s64 exit_ns = 0;
	int count_states = drv->state_count, best = 0;

	if (mode == 2) {
		count(2);
		return c->garbage;
	}
	if (mode == 1 && c->period_us) {
		__s64 next = to_next_wakeup(m, (__s64)c->period_us * 1000);

		if (next < fit)
			fit = next;
	}
	/*
	 * One statement per state with a constant index: libbpf relocates each field access to
	 * the kernel's layout, which it cannot do for the stride of a loop over the array.
	 */
#define FITS(i)								\
	if (i < count_states && !dev->states_usage[i].disable &&		\
	    drv->states[i].exit_latency_ns <= limit &&			\
	    drv->states[i].target_residency_ns <= fit) {			\
		best = i;						\
		exit_ns = drv->states[i].exit_latency_ns;		\
	}
	FITS(0); FITS(1); FITS(2); FITS(3); FITS(4);
	FITS(5); FITS(6); FITS(7); FITS(8); FITS(9);
#undef FITS
	if (m) {
		m->beyond_tick = fit > cpuidle_ext_delta_tick();
		m->exit_ns = exit_ns;
	}
	count(mode == 1 ? 1 : 0);
	return best;
}

SEC("struct_ops/set_stop_tick")
int BPF_PROG(audio_set_stop_tick, struct cpuidle_device *dev, int index)
{
	struct audio_cpu *m = me();

	return m && m->beyond_tick;
}

SEC("struct_ops/reflect")
void BPF_PROG(audio_reflect, struct cpuidle_device *dev, int index)
{
	struct audio_cfg *c = cfg();
	struct audio_cpu *m = me();

	if (!c || c->mode != 1 || !c->period_us || !m)
		return;
	/*
	 * A long idle period ended by the playback's wake-up: its interrupt came the exit
	 * latency before now. Short ones (the player's own waits) keep the phase.
	 */
	if (dev->last_residency_ns * 2 >= (__s64)c->period_us * 1000)
		m->woke_ns = bpf_ktime_get_ns() - m->exit_ns;
}

char _license[] SEC("license") = "GPL";

SEC(".struct_ops")
struct cpuidle_ext_ops audio = {
	.select = (void *)audio_select,
	.set_stop_tick = (void *)audio_set_stop_tick,
	.reflect = (void *)audio_reflect,
	.name = "audio",
};
