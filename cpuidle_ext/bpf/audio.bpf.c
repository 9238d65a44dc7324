// SPDX-License-Identifier: GPL-2.0
/*
 * An idle policy for music playback, as a cpuidle_ext_ops struct_ops program. While playback is
 * on (the audio_cfg map: mode 1 and the audio DSP's wake-up period), a CPU is expected to wake
 * within a period whatever its timers say, so the policy takes the deepest usable state whose
 * target residency fits before the earlier of the next timer and one period, and keeps the tick
 * stopped. With playback off (mode 0) it takes the deepest usable state that fits the sleep
 * length alone, and stops the tick when the next timer comes after it. Mode 2 is for tests:
 * select returns the value "garbage" as it is, which the governor must clamp.
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

/* Whether select found a timer beyond the next tick, for set_stop_tick; per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} audio_tick SEC(".maps");

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

SEC("struct_ops/select")
int BPF_PROG(audio_select, struct cpuidle_driver *drv, struct cpuidle_device *dev)
{
	struct audio_cfg *c = cfg();
	__u32 mode = c ? c->mode : 0;
	__s64 fit = cpuidle_ext_sleep_length();
	__s64 limit = cpuidle_ext_latency_req(dev->cpu);
	int count_states = drv->state_count, best = 0;
	__u32 zero = 0, *beyond_tick = bpf_map_lookup_elem(&audio_tick, &zero);

	if (beyond_tick)
		*beyond_tick = fit > cpuidle_ext_delta_tick();

	if (mode == 2) {
		count(2);
		return c->garbage;
	}
	if (mode == 1 && c->period_us && (__s64)c->period_us * 1000 < fit)
		fit = (__s64)c->period_us * 1000;
	/*
	 * One statement per state with a constant index: libbpf relocates each field access to
	 * the kernel's layout, which it cannot do for the stride of a loop over the array.
	 */
#define FITS(i)								\
	if (i < count_states && !dev->states_usage[i].disable &&		\
	    drv->states[i].exit_latency_ns <= limit &&			\
	    drv->states[i].target_residency_ns <= fit)			\
		best = i
	FITS(0); FITS(1); FITS(2); FITS(3); FITS(4);
	FITS(5); FITS(6); FITS(7); FITS(8); FITS(9);
#undef FITS
	count(mode == 1 ? 1 : 0);
	return best;
}

SEC("struct_ops/set_stop_tick")
int BPF_PROG(audio_set_stop_tick, struct cpuidle_device *dev, int index)
{
	struct audio_cfg *c = cfg();
	__u32 zero = 0, *beyond_tick = bpf_map_lookup_elem(&audio_tick, &zero);

	/* Playing: the DSP's interrupt ends the period, the tick would only cut it short. */
	if (c && c->mode == 1)
		return 1;
	/* Else as the timers say: stop it when the next timer comes after the next tick. */
	return beyond_tick && *beyond_tick;
}

char _license[] SEC("license") = "GPL";

SEC(".struct_ops")
struct cpuidle_ext_ops audio = {
	.select = (void *)audio_select,
	.set_stop_tick = (void *)audio_set_stop_tick,
	.name = "audio",
};
