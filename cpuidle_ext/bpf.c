// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF side of the governor: the struct_ops type cpuidle_ext_ops, which a BPF program
 * implements to replace select and observe the rest, and the kfuncs it may call. Both must be
 * in the module's BTF, so they are C (Rust units get no BTF) and exist only where the kernel
 * has module BTF (CONFIG_DEBUG_INFO_BTF_MODULES); elsewhere the governor runs its built-in
 * policy alone and the ops file says "unsupported".
 *
 * At most one program is attached. The governor reads the ops pointer under RCU on every call,
 * so a program attaches and detaches at any time, under load: after detach (and a grace
 * period) the built-in policy decides again. A program's select answer is never entered as it
 * is: Rust clamps it to a usable state and counts the clamp (cpu.rs).
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/cpuidle.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/sysfs.h>

#include "ops.h"
#include "shim.h"

static atomic64_t ce_attached = ATOMIC64_INIT(0);
static atomic64_t ce_detached = ATOMIC64_INIT(0);

#if defined(CONFIG_BPF_SYSCALL) && defined(CONFIG_DEBUG_INFO_BTF_MODULES)

static struct cpuidle_ext_ops __rcu *ce_ops;
static DEFINE_MUTEX(ce_ops_lock);

/* What select learnt from the tick, for the kfuncs. */
struct ce_tick_seen {
	s64 sleep_length_ns;
	s64 delta_tick_ns;
};
static DEFINE_PER_CPU(struct ce_tick_seen, ce_tick_seen);

/* States a program masked: treated as disabled by the built-in policy and by the clamp. */
static atomic_t ce_state_mask = ATOMIC_INIT(0);

bool ce_bpf_supported(void)
{
	return true;
}

u32 ce_bpf_masked(void)
{
	return atomic_read(&ce_state_mask);
}

void ce_bpf_answer(struct cpuidle_driver *drv, struct cpuidle_device *dev,
		   const struct ce_input *in, struct ce_answer *ans)
{
	struct cpuidle_ext_ops *ops;

	this_cpu_write(ce_tick_seen.sleep_length_ns, in->sleep_length_ns);
	this_cpu_write(ce_tick_seen.delta_tick_ns, in->delta_tick_ns);
	rcu_read_lock();
	ops = rcu_dereference(ce_ops);
	if (ops && ops->select) {
		int index = ops->select(drv, dev);

		ans->state = index;
		ans->valid = 1;
		if (ops->set_stop_tick) {
			ans->has_stop_tick = 1;
			ans->stop_tick = !!ops->set_stop_tick(dev, index);
		}
	}
	rcu_read_unlock();
}

void ce_bpf_reflect(struct cpuidle_device *dev, int index)
{
	struct cpuidle_ext_ops *ops;

	rcu_read_lock();
	ops = rcu_dereference(ce_ops);
	if (ops && ops->reflect)
		ops->reflect(dev, index);
	rcu_read_unlock();
}

void ce_bpf_enable(struct cpuidle_driver *drv, struct cpuidle_device *dev)
{
	struct cpuidle_ext_ops *ops;

	rcu_read_lock();
	ops = rcu_dereference(ce_ops);
	if (ops && ops->enable)
		ops->enable(drv, dev);
	rcu_read_unlock();
}

void ce_bpf_disable(struct cpuidle_driver *drv, struct cpuidle_device *dev)
{
	struct cpuidle_ext_ops *ops;

	rcu_read_lock();
	ops = rcu_dereference(ce_ops);
	if (ops && ops->disable)
		ops->disable(drv, dev);
	rcu_read_unlock();
}

/* ---- kfuncs ---- */

__bpf_kfunc_start_defs();

/* The time to the next timer event, as select saw it on this CPU (ns; may be negative). */
__bpf_kfunc s64 cpuidle_ext_sleep_length(void)
{
	return this_cpu_read(ce_tick_seen.sleep_length_ns);
}

/* The time to the next tick if it keeps running, as select saw it on this CPU (ns). */
__bpf_kfunc s64 cpuidle_ext_delta_tick(void)
{
	return this_cpu_read(ce_tick_seen.delta_tick_ns);
}

/* The PM QoS resume latency limit of a CPU (ns); 0 for a CPU that does not exist. */
__bpf_kfunc s64 cpuidle_ext_latency_req(u32 cpu)
{
	if (cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return 0;
	return cpuidle_governor_latency_req(cpu);
}

/*
 * Masks (disable nonzero) or unmasks state index for every CPU: a masked state is never
 * entered while the governor is ext. -EINVAL for an index out of range.
 */
__bpf_kfunc int cpuidle_ext_state_mask(u32 index, u32 disable)
{
	if (index >= CPUIDLE_STATE_MAX)
		return -EINVAL;
	if (disable)
		atomic_or(BIT(index), &ce_state_mask);
	else
		atomic_andnot(BIT(index), &ce_state_mask);
	return 0;
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(ce_kfunc_ids)
BTF_ID_FLAGS(func, cpuidle_ext_sleep_length)
BTF_ID_FLAGS(func, cpuidle_ext_delta_tick)
BTF_ID_FLAGS(func, cpuidle_ext_latency_req)
BTF_ID_FLAGS(func, cpuidle_ext_state_mask)
BTF_KFUNCS_END(ce_kfunc_ids)

static const struct btf_kfunc_id_set ce_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &ce_kfunc_ids,
};

/* ---- the struct_ops type ---- */

static int ce_st_init(struct btf *btf)
{
	return 0;
}

static bool ce_is_valid_access(int off, int size, enum bpf_access_type type,
			       const struct bpf_prog *prog, struct bpf_insn_access_aux *info)
{
	return bpf_tracing_btf_ctx_access(off, size, type, prog, info);
}

static const struct bpf_verifier_ops ce_verifier_ops = {
	.get_func_proto = bpf_base_func_proto,
	.is_valid_access = ce_is_valid_access,
};

static int ce_init_member(const struct btf_type *t, const struct btf_member *member,
			  void *kdata, const void *udata)
{
	const struct cpuidle_ext_ops *uops = udata;
	struct cpuidle_ext_ops *ops = kdata;
	u32 moff = __btf_member_bit_offset(t, member) / 8;

	if (moff != offsetof(struct cpuidle_ext_ops, name))
		return 0;
	if (strscpy(ops->name, uops->name, sizeof(ops->name)) <= 0)
		return -EINVAL;
	return 1;
}

static int ce_reg(void *kdata, struct bpf_link *link)
{
	struct cpuidle_ext_ops *ops = kdata;
	int err = 0;

	mutex_lock(&ce_ops_lock);
	if (rcu_access_pointer(ce_ops)) {
		err = -EBUSY;
		goto out;
	}
	if (ops->init) {
		err = ops->init();
		if (err)
			goto out;
	}
	rcu_assign_pointer(ce_ops, ops);
	atomic64_inc(&ce_attached);
	pr_info("struct_ops %s attached\n", ops->name);
out:
	mutex_unlock(&ce_ops_lock);
	return err;
}

static void ce_unreg(void *kdata, struct bpf_link *link)
{
	struct cpuidle_ext_ops *ops = kdata;

	mutex_lock(&ce_ops_lock);
	if (rcu_access_pointer(ce_ops) == ops) {
		RCU_INIT_POINTER(ce_ops, NULL);
		/* No CPU runs the program any more once this returns. */
		synchronize_rcu();
		atomic_set(&ce_state_mask, 0);
		if (ops->exit)
			ops->exit();
		atomic64_inc(&ce_detached);
		pr_info("struct_ops %s detached\n", ops->name);
	}
	mutex_unlock(&ce_ops_lock);
}

/* The trampolines' call targets for kCFI: one of each op's type. */
static int ce_stub_enable(struct cpuidle_driver *drv, struct cpuidle_device *dev)
{
	return 0;
}

static void ce_stub_disable(struct cpuidle_driver *drv, struct cpuidle_device *dev)
{
}

static int ce_stub_select(struct cpuidle_driver *drv, struct cpuidle_device *dev)
{
	return 0;
}

static int ce_stub_set_stop_tick(struct cpuidle_device *dev, int index)
{
	return 0;
}

static void ce_stub_reflect(struct cpuidle_device *dev, int index)
{
}

static int ce_stub_init(void)
{
	return 0;
}

static void ce_stub_exit(void)
{
}

static struct cpuidle_ext_ops ce_cfi_stubs = {
	.enable = ce_stub_enable,
	.disable = ce_stub_disable,
	.select = ce_stub_select,
	.set_stop_tick = ce_stub_set_stop_tick,
	.reflect = ce_stub_reflect,
	.init = ce_stub_init,
	.exit = ce_stub_exit,
};

static struct bpf_struct_ops ce_struct_ops = {
	.verifier_ops = &ce_verifier_ops,
	.init = ce_st_init,
	.init_member = ce_init_member,
	.reg = ce_reg,
	.unreg = ce_unreg,
	.cfi_stubs = &ce_cfi_stubs,
	.name = "cpuidle_ext_ops",
	.owner = THIS_MODULE,
};

/*
 * There is no unregister for either: they go with the module's BTF, which the module being
 * pinned keeps.
 */
int ce_bpf_init(void)
{
	int err = register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS, &ce_kfunc_set);

	return err ?: register_bpf_struct_ops(&ce_struct_ops, cpuidle_ext_ops);
}

ssize_t ce_bpf_show(const char *attr, char *buf)
{
	struct cpuidle_ext_ops *ops;
	ssize_t len;

	if (strcmp(attr, "ops"))
		goto counters;
	rcu_read_lock();
	ops = rcu_dereference(ce_ops);
	len = sysfs_emit(buf, "%s\n", ops ? ops->name : "none");
	rcu_read_unlock();
	return len;
counters:
	if (!strcmp(attr, "attached"))
		return sysfs_emit(buf, "%lld\n", atomic64_read(&ce_attached));
	if (!strcmp(attr, "detached"))
		return sysfs_emit(buf, "%lld\n", atomic64_read(&ce_detached));
	return -EINVAL;
}

#else /* no module BTF: the built-in policy alone */

bool ce_bpf_supported(void)
{
	return false;
}

u32 ce_bpf_masked(void)
{
	return 0;
}

void ce_bpf_answer(struct cpuidle_driver *drv, struct cpuidle_device *dev,
		   const struct ce_input *in, struct ce_answer *ans)
{
}

void ce_bpf_reflect(struct cpuidle_device *dev, int index)
{
}

void ce_bpf_enable(struct cpuidle_driver *drv, struct cpuidle_device *dev)
{
}

void ce_bpf_disable(struct cpuidle_driver *drv, struct cpuidle_device *dev)
{
}

int ce_bpf_init(void)
{
	return 0;
}

ssize_t ce_bpf_show(const char *attr, char *buf)
{
	if (!strcmp(attr, "ops"))
		return sysfs_emit(buf, "unsupported\n");
	if (!strcmp(attr, "attached"))
		return sysfs_emit(buf, "%lld\n", atomic64_read(&ce_attached));
	if (!strcmp(attr, "detached"))
		return sysfs_emit(buf, "%lld\n", atomic64_read(&ce_detached));
	return -EINVAL;
}

#endif
