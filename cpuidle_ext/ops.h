/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The struct_ops type cpuidle_ext_ops, one definition for the module (bpf.c, whose BTF
 * describes it) and for the BPF programs (bpf/cpuidle_ext.bpf.h), so that the two cannot drift.
 * The includer declares struct cpuidle_driver and struct cpuidle_device first: the kernel's,
 * or the programs' CO-RE views of them.
 */
#ifndef CPUIDLE_EXT_OPS_H
#define CPUIDLE_EXT_OPS_H

#define CPUIDLE_EXT_NAME_LEN 16

/*
 * The ops a program implements; every one is optional. dev and drv are the cpuidle core's,
 * read-only to the program.
 */
struct cpuidle_ext_ops {
	/* A CPU's device starts using the governor (switch to it, CPU online); told, not obeyed. */
	int (*enable)(struct cpuidle_driver *drv, struct cpuidle_device *dev);
	/* ... stops using it. */
	void (*disable)(struct cpuidle_driver *drv, struct cpuidle_device *dev);
	/* The state to enter, on the CPU going idle (interrupts off). */
	int (*select)(struct cpuidle_driver *drv, struct cpuidle_device *dev);
	/* Nonzero: stop the tick before entering index (called after select). */
	int (*set_stop_tick)(struct cpuidle_device *dev, int index);
	/* The state entered; dev->last_residency_ns holds how long. */
	void (*reflect)(struct cpuidle_device *dev, int index);
	/* On attach (an error refuses it) and after detach. */
	int (*init)(void);
	void (*exit)(void);
	char name[CPUIDLE_EXT_NAME_LEN];
};

#endif
