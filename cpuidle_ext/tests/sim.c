// SPDX-License-Identifier: GPL-2.0
/*
 * cpuidle_ext_sim: a simulated cpuidle driver for cpuidle_ext's guest tests and bench. Under
 * QEMU's TCG no cpuidle driver binds (no intel_idle, no _CST, no PSCI idle states), so without
 * one the idle governors are never asked. It registers four states shaped like a phone's
 * (those of idle-policy's tests): WFI, core off, cluster off, system off.
 *
 * Every state waits for an interrupt as the architecture's default idle does. A state's exit
 * latency is then waited out, interrupts still off, before the CPU runs again: a state deeper
 * than the idle period allows shows up as lost time, as on hardware. Each state has a power
 * figure (power_mw), shown in the kernel's per-state power file, for energy estimates from
 * the kernel's own residency counters; active_mw is a running CPU's (C0) for the same sums.
 *
 * The kernel counts the exit wait as residency in the state, so the driver counts it apart
 * (exit_wait_us: per CPU, per state) and names the power to charge it at (wake_mw). So too
 * for the waking interrupt's handler (irq_us): the architecture's wait for an interrupt runs
 * it before returning, inside the state's residency, where hardware that wakes with
 * interrupts masked runs it after the exit latency, at C0. With the
 * default, WFI's figure, cluster-off and system-off break even with the next shallower state
 * at their target residencies (core-off already at a quarter of its own).
 *
 * The states are flagged CPUIDLE_FLAG_RCU_IDLE: RCU stops watching only around the wait for
 * the interrupt (ct_cpuidle_enter/exit), so the timing and waiting code runs as ordinary
 * instrumented code.
 */
#include <linux/cpu.h>
#include <linux/cpuidle.h>
#include <linux/delay.h>
#include <linux/kernel_stat.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>

#include <asm/barrier.h>
#if defined(CONFIG_ARM64) || defined(CONFIG_RISCV)
#include <asm/cpuidle.h>
#endif

#define SIM_STATES 4

struct sim_state {
	const char *name, *desc;
	unsigned int exit_latency_us, target_residency_us;
};

static const struct sim_state sim_states[SIM_STATES] = {
	{ "WFI", "wait for interrupt", 1, 1 },
	{ "core-off", "core power down", 150, 600 },
	{ "cluster-off", "cluster power down", 1000, 3000 },
	{ "system-off", "system retention", 3000, 20000 },
};

static int power_mw[SIM_STATES] = { 100, 40, 15, 5 };
static int nr_power;
module_param_array(power_mw, int, &nr_power, 0444);
MODULE_PARM_DESC(power_mw, "Power of each state in mW, shallow to deep (default 100,40,15,5)");

/* Not used by the driver: the running (C0) figure beside the states', for the same estimates. */
static int active_mw = 250;
module_param(active_mw, int, 0444);
MODULE_PARM_DESC(active_mw, "Power of a running CPU (C0) in mW, for energy estimates (default 250)");

/* Not used by the driver: the power of a CPU waiting out an exit latency, for the same sums. */
static int wake_mw = 100;
module_param(wake_mw, int, 0444);
MODULE_PARM_DESC(wake_mw, "Power while an exit latency is waited out, in mW, for energy estimates (default 100)");

static DEFINE_PER_CPU(u64 [SIM_STATES], exit_wait_ns);
static DEFINE_PER_CPU(u64 [SIM_STATES], irq_ns);

/* One line per possible CPU: a per-CPU count of each state, in us. */
static int per_cpu_us_get(char *buf, const struct kernel_param *kp)
{
	u64 (__percpu *v)[SIM_STATES] = (u64 (__percpu *)[SIM_STATES])kp->arg;
	int cpu, i, n = 0;

	for_each_possible_cpu(cpu) {
		u64 *w = *per_cpu_ptr(v, cpu);

		for (i = 0; i < SIM_STATES; i++)
			n += sysfs_emit_at(buf, n, "%llu%c", div_u64(READ_ONCE(w[i]), NSEC_PER_USEC),
					   i + 1 < SIM_STATES ? ' ' : '\n');
	}
	return n;
}

static const struct kernel_param_ops per_cpu_us_ops = {
	.get = per_cpu_us_get,
};
module_param_cb(exit_wait_us, &per_cpu_us_ops, &exit_wait_ns, 0444);
MODULE_PARM_DESC(exit_wait_us, "Time spent waiting out exit latencies, per CPU and state, in us");
module_param_cb(irq_us, &per_cpu_us_ops, &irq_ns, 0444);
MODULE_PARM_DESC(irq_us, "Handler time of waking interrupts inside each state, per CPU, in us (needs IRQ_TIME_ACCOUNTING)");

static bool irq_exact = IS_ENABLED(CONFIG_IRQ_TIME_ACCOUNTING);
module_param(irq_exact, bool, 0444);
MODULE_PARM_DESC(irq_exact, "Whether irq_us is counted (the kernel has IRQ time accounting)");

/*
 * This CPU's time in hard and soft interrupts so far. Exact only with IRQ time accounting;
 * without it the fields move in whole ticks, so nothing is counted.
 */
static u64 sim_irq_time(void)
{
	u64 *c;

	if (!IS_ENABLED(CONFIG_IRQ_TIME_ACCOUNTING))
		return 0;
	c = kcpustat_this_cpu->cpustat;
	return READ_ONCE(c[CPUTIME_IRQ]) + READ_ONCE(c[CPUTIME_SOFTIRQ]);
}

static bool exit_wait = true;
module_param(exit_wait, bool, 0644);
MODULE_PARM_DESC(exit_wait, "Wait out a state's exit latency on wake-up (default on)");

/* The architecture's wait for an interrupt, with RCU not watching; interrupts stay off. */
static void __cpuidle sim_wait_irq(void)
{
	instrumentation_begin();
	ct_cpuidle_enter();
#if defined(CONFIG_X86)
	/* hlt with interrupts enabled for the instant, off again after it (default_idle). */
	arch_cpu_idle();
#elif defined(CONFIG_ARM64)
	{
		struct arm_cpuidle_irq_context ctx;

		arm_cpuidle_save_irq_context(&ctx);
		dsb(sy);
		wfi();
		arm_cpuidle_restore_irq_context(&ctx);
	}
#elif defined(CONFIG_RISCV)
	cpu_do_idle();
#else
#error "cpuidle_ext_sim: no wait for interrupt on this architecture"
#endif
	ct_cpuidle_exit();
	instrumentation_end();
}

static int sim_enter(struct cpuidle_device *dev, struct cpuidle_driver *drv, int index)
{
	u64 latency_ns = drv->states[index].exit_latency_ns, woke, now, irq, *w;

	irq = sim_irq_time();
	sim_wait_irq();
	/* Interrupts are off again: only this CPU writes its counters. */
	if (IS_ENABLED(CONFIG_IRQ_TIME_ACCOUNTING)) {
		w = *this_cpu_ptr(&irq_ns);
		WRITE_ONCE(w[index], w[index] + sim_irq_time() - irq);
	}
	if (!READ_ONCE(exit_wait) || !latency_ns)
		return index;
	/* Wake-up costs the exit latency, as leaving a power-down state does. */
	woke = ktime_get_ns();
	do {
		cpu_relax();
		now = ktime_get_ns();
	} while (now - woke < latency_ns);
	w = *this_cpu_ptr(&exit_wait_ns);
	WRITE_ONCE(w[index], w[index] + now - woke);
	return index;
}

/*
 * No .owner: each registered device would hold a reference on it, and the tests unload the
 * driver while a governor uses it; exit unregisters every device first (as haltpoll does).
 */
static struct cpuidle_driver sim_driver = {
	.name = "cpuidle_ext_sim",
};

static int __init sim_init(void)
{
	int i;

	for (i = 0; i < SIM_STATES; i++) {
		struct cpuidle_state *st = &sim_driver.states[i];

		strscpy(st->name, sim_states[i].name, CPUIDLE_NAME_LEN);
		strscpy(st->desc, sim_states[i].desc, CPUIDLE_DESC_LEN);
		st->exit_latency = sim_states[i].exit_latency_us;
		st->target_residency = sim_states[i].target_residency_us;
		st->power_usage = power_mw[i];
		st->flags = CPUIDLE_FLAG_RCU_IDLE;
		st->enter = sim_enter;
	}
	sim_driver.state_count = SIM_STATES;
	return cpuidle_register(&sim_driver, NULL);
}

static void __exit sim_exit(void)
{
	cpuidle_unregister(&sim_driver);
}

module_init(sim_init);
module_exit(sim_exit);
MODULE_DESCRIPTION("Simulated cpuidle driver with four power-down states, for tests");
MODULE_LICENSE("GPL");
