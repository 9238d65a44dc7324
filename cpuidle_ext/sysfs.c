// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/cpuidle_ext: the governor's counters, read-only. Attribute tables are C only in
 * 6.12; the decision counters are Rust's (stats.rs, by the attribute's name), the struct_ops
 * ones bpf.c's.
 */
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/sysfs.h>

#include "shim.h"

/* RFL_SUITE_VERSION: the suite's version and git commit, from scripts/modules.sh. */
MODULE_VERSION(RFL_SUITE_VERSION);

static struct kobject *ce_root;

static ssize_t ce_rs_attr_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return ce_rs_show(attr->attr.name, buf);
}

static ssize_t ce_bpf_attr_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return ce_bpf_show(attr->attr.name, buf);
}

#define CE_RS(_name) \
	static struct kobj_attribute ce_attr_##_name = __ATTR(_name, 0444, ce_rs_attr_show, NULL)
#define CE_BPF(_name) \
	static struct kobj_attribute ce_attr_##_name = __ATTR(_name, 0444, ce_bpf_attr_show, NULL)

/* Per state, one number each, shallow to deep (stats.rs). */
CE_RS(selected);
CE_RS(usage);
CE_RS(time);
CE_RS(above);
CE_RS(below);
/* Per state, a line per reason or per kind of wakeup learnt from (stats.rs). */
CE_RS(reasons);
CE_RS(learnt);
/* Totals of decisions (stats.rs). */
CE_RS(builtin);
CE_RS(bpf);
CE_RS(clamped);
/* The struct_ops program (bpf.c). */
CE_BPF(ops);
CE_BPF(attached);
CE_BPF(detached);

static struct attribute *ce_attrs[] = {
	&ce_attr_selected.attr,
	&ce_attr_usage.attr,
	&ce_attr_time.attr,
	&ce_attr_above.attr,
	&ce_attr_below.attr,
	&ce_attr_reasons.attr,
	&ce_attr_learnt.attr,
	&ce_attr_builtin.attr,
	&ce_attr_bpf.attr,
	&ce_attr_clamped.attr,
	&ce_attr_ops.attr,
	&ce_attr_attached.attr,
	&ce_attr_detached.attr,
	NULL,
};

static const struct attribute_group ce_group = {
	.attrs = ce_attrs,
};

int ce_sysfs_init(void)
{
	int err;

	ce_root = kobject_create_and_add("cpuidle_ext", kernel_kobj);
	if (!ce_root)
		return -ENOMEM;
	err = sysfs_create_group(ce_root, &ce_group);
	if (err) {
		kobject_put(ce_root);
		ce_root = NULL;
	}
	return err;
}

void ce_sysfs_exit(void)
{
	kobject_put(ce_root);
	ce_root = NULL;
}
