// SPDX-License-Identifier: GPL-2.0
/*
 * audiosim: the cpuidle bench's music-playback workload (guest side, no libc; see
 * qemu/guest/sys.h for how it is built).
 *
 *   audiosim SECONDS PERIOD_US WORK_US DEADLINE_US PLAYER_CPU DSP_CPU
 *
 * Two processes. The "DSP" (pinned to DSP_CPU) sleeps on an absolute CLOCK_MONOTONIC timer
 * every PERIOD_US and at each expiry publishes the period's number and expiry time in shared
 * memory and wakes the player with a futex, as an audio DSP's interrupt wakes the audio thread
 * on a phone: the player's CPU sees no timer for it. The player (pinned to PLAYER_CPU) waits on
 * the futex, then works (spins) for WORK_US, as filling the next buffer. Per period it records
 * the wake-up latency (the DSP timer's expiry to the player running) and whether the work was
 * done within DEADLINE_US of that expiry; a period the player never saw (the DSP moved on
 * before it ran) is a miss too.
 *
 * Prints one JSON object: periods, misses, skipped periods, wake-up latency p50/p99/max and
 * mean (us), completion p50/p99 (us after the expiry), and the DSP's own timer latency p50/p99.
 */
#include "sys.h"

#if defined(__x86_64__)
#define NR_futex 202
#define NR_sched_setaffinity 203
#define NR_clock_nanosleep 230
#else
#define NR_futex 98
#define NR_sched_setaffinity 122
#define NR_clock_nanosleep 115
#endif
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define TIMER_ABSTIME 1
#define HIST_US 65536

struct shared {
	volatile unsigned int seq;	/* the futex word: periods published so far */
	unsigned int pad;
	volatile u64 expiry_ns[64];	/* the expiry of period k, at k % 64 */
	volatile unsigned int stop;
	unsigned int dsp_hist[HIST_US];	/* the DSP's own timer latency, us */
};

static void pin(u64 cpu)
{
	u64 mask = 1UL << cpu;

	if (sys(NR_sched_setaffinity, 0, sizeof(mask), (s64)&mask) < 0)
		fail("sched_setaffinity cpu", cpu, 0, 0);
}

static void hist_add(unsigned int *h, u64 ns)
{
	u64 us = ns / 1000;

	h[us < HIST_US ? us : HIST_US - 1]++;
}

/* The PCT-th percentile (us) of a histogram of N values. */
static u64 hist_pct(const unsigned int *h, u64 n, u64 pct)
{
	u64 want = (n * pct + 99) / 100, seen = 0, i;

	if (!want)
		want = 1;
	for (i = 0; i < HIST_US; i++) {
		seen += h[i];
		if (seen >= want)
			return i;
	}
	return HIST_US - 1;
}

static u64 hist_max(const unsigned int *h)
{
	u64 i = HIST_US;

	while (i > 0 && !h[i - 1])
		i--;
	return i ? i - 1 : 0;
}

static void field(const char *name, u64 v, int last)
{
	put(1, "\""); put(1, name); put(1, "\": "); putnum(1, v); put(1, last ? "" : ", ");
}

static void dsp(struct shared *s, u64 start, u64 period_ns, u64 periods)
{
	u64 k;

	for (k = 1; k <= periods; k++) {
		u64 t = start + k * period_ns;
		s64 ts[2] = { (s64)(t / 1000000000UL), (s64)(t % 1000000000UL) };

		while (sys6(NR_clock_nanosleep, 1, TIMER_ABSTIME, (s64)ts, 0, 0, 0) != 0)
			;
		hist_add(s->dsp_hist, now_ns() - t);
		s->expiry_ns[k % 64] = t;
		__atomic_store_n(&s->seq, (unsigned int)k, __ATOMIC_RELEASE);
		sys6(NR_futex, (s64)&s->seq, FUTEX_WAKE, 1, 0, 0, 0);
	}
	/* A period's grace for the player to finish the last one. */
	sleep_ms(period_ns / 1000000 + 1);
	s->stop = 1;
	__atomic_store_n(&s->seq, (unsigned int)periods + 1, __ATOMIC_RELEASE);
	sys6(NR_futex, (s64)&s->seq, FUTEX_WAKE, 1, 0, 0, 0);
}

int main_(char **argv, int argc)
{
	u64 secs, period_ns, work_ns, deadline_ns, periods, start, seen = 0, misses = 0;
	u64 skipped = 0, sum_lat_us = 0, player_cpu, dsp_cpu;
	unsigned int last = 0, *lat, *done;
	struct shared *s;
	s64 pid;

	prog_name = "audiosim";
	if (argc != 7)
		fail("usage: audiosim SECONDS PERIOD_US WORK_US DEADLINE_US PLAYER_CPU DSP_CPU; args",
		     argc, 0, 0);
	secs = num(argv[1]);
	period_ns = num(argv[2]) * 1000;
	work_ns = num(argv[3]) * 1000;
	deadline_ns = num(argv[4]) * 1000;
	player_cpu = num(argv[5]);
	dsp_cpu = num(argv[6]);
	if (!secs || !period_ns || work_ns >= period_ns)
		fail("bad seconds, period or work", secs, period_ns, work_ns);
	periods = secs * 1000000000UL / period_ns;

	s = (struct shared *)sys6(NR_mmap, 0, (sizeof(*s) + 4095) & ~4095UL, PROT_RW,
				  MAP_SHARED_ANON, -1, 0);
	if ((s64)s < 0 && (s64)s > -4096)
		fail("mmap shared", -(s64)s, 0, 0);
	lat = (unsigned int *)map(HIST_US * sizeof(*lat));
	done = (unsigned int *)map(HIST_US * sizeof(*done));
	/* The first period starts 20 ms from now, once both sides are pinned and waiting. */
	start = now_ns() + 20000000UL;

	pid = sys(NR_clone, SIGCHLD, 0, 0);
	if (pid < 0)
		fail("clone", -pid, 0, 0);
	if (pid == 0) {
		pin(dsp_cpu);
		dsp(s, start, period_ns, periods);
		quit(0);
	}
	pin(player_cpu);
	for (;;) {
		unsigned int k = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		u64 woke, t, end;

		if (k == last) {
			sys6(NR_futex, (s64)&s->seq, FUTEX_WAIT, last, 0, 0, 0);
			continue;
		}
		if (s->stop) {
			skipped += periods - last;
			break;
		}
		woke = now_ns();
		t = s->expiry_ns[k % 64];
		if (t > woke)	/* the slot reused: the player was 64 periods behind */
			t = woke;
		if (k != last + 1)
			skipped += k - last - 1;
		last = k;
		seen++;
		hist_add(lat, woke - t);
		sum_lat_us += (woke - t) / 1000;
		/* Fill the buffer: spin for the work time. */
		while ((end = now_ns()) - woke < work_ns)
			;
		hist_add(done, end - t);
		if (end - t > deadline_ns)
			misses++;
	}
	sys6(NR_wait4, pid, 0, 0, 0, 0, 0);
	put(1, "{");
	field("periods", periods, 0);
	field("seen", seen, 0);
	field("misses", misses + skipped, 0);
	field("skipped", skipped, 0);
	field("lat_p50_us", hist_pct(lat, seen, 50), 0);
	field("lat_p99_us", hist_pct(lat, seen, 99), 0);
	field("lat_max_us", hist_max(lat), 0);
	field("lat_mean_us", seen ? sum_lat_us / seen : 0, 0);
	field("done_p50_us", hist_pct(done, seen, 50), 0);
	field("done_p99_us", hist_pct(done, seen, 99), 0);
	field("dsp_lat_p50_us", hist_pct(s->dsp_hist, periods, 50), 0);
	field("dsp_lat_p99_us", hist_pct(s->dsp_hist, periods, 99), 1);
	put(1, "}\n");
	return 0;
}
