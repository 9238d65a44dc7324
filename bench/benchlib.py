"""Shared helpers for the bench reports (bench/NAME/report.py).

A report reads the guest's "# BENCH {json}" records, derives the ratios the issue asks for,
and writes bench/results/NAME-ARCH.json, NAME-ARCH.md and NAME-ARCH-*.png. Only what the guest
measured goes in; a figure the guest did not print is an error, not a default.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def parse_args(description):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--arch", required=True)
    ap.add_argument("--accel", required=True)
    ap.add_argument("--qemu-args", default="")
    ap.add_argument("records", help="the guest's BENCH records, one JSON object per line")
    ap.add_argument("outdir")
    return ap.parse_args()


def read_records(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                out.append(json.loads(line))
    return out


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine(args, guest):
    """Where the figures were measured: the host, the accelerator and the guest."""
    here = os.path.dirname(__file__)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=here).stdout.strip()
    # Changes to tracked files (the reports themselves aside) mean the code measured is not
    # that commit's.
    changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                              ":/", ":!/bench/results"], capture_output=True, text=True,
                             cwd=here).stdout.strip()
    if changed:
        commit += " with uncommitted changes"
    # When the guest printed the records (a report made again later keeps the run's date).
    records = getattr(args, "records", None)
    measured = os.path.getmtime(records) if records and os.path.exists(records) else time.time()
    return {
        "date": datetime.datetime.fromtimestamp(measured, datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC"),
        "host_cpu": cpu_model(),
        "host_cpus": os.cpu_count(),
        "accel": args.accel,
        "arch": args.arch,
        "qemu_args": args.qemu_args,
        "guest": guest,
        "commit": commit,
    }


def ratio(a, b):
    return round(a / b, 4) if b else None


def verdict(value, op, target):
    if value is None:
        return "not measured"
    ok = value <= target if op == "<=" else value >= target
    return "met" if ok else "not met"


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


def bar_chart(path, title, ylabel, labels, series, log=False):
    """series: {name: [value per label]} drawn as grouped bars (on a log scale if log)."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    n = len(series)
    width = 0.8 / max(n, 1)
    for i, (name, values) in enumerate(series.items()):
        xs = [x + (i - (n - 1) / 2) * width for x in range(len(labels))]
        ax.bar(xs, values, width, label=name)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_ylabel(ylabel)
    if log:
        ax.set_yscale("log")
    ax.set_title(title, fontsize=10)
    if n > 1:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def scatter(path, title, xlabel, ylabel, points):
    """points: {name: (x, y)}, each labelled beside its marker."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for name, (x, y) in points.items():
        ax.scatter([x], [y], s=30)
        ax.annotate(name, (x, y), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.margins(0.2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def targets_table(rows):
    """rows: (name, value, op, target) -> markdown lines."""
    out = ["| figure | value | target | |", "|---|---|---|---|"]
    for name, value, op, target in rows:
        shown = "n/a" if value is None else f"{value:.3f}"
        out.append(f"| `{name}` | {shown} | {op} {target} | {verdict(value, op, target)} |")
    return out


def guest_text(g):
    if not isinstance(g, dict):
        return str(g)
    mem = f", {g['mem_kb'] // 1024} MiB" if "mem_kb" in g else ""
    return f"Linux {g.get('kernel', '?')} on {g.get('arch', '?')}, {g.get('cpus', '?')} vCPUs{mem}"


def machine_lines(m):
    return [
        f"Measured {m['date']} at commit {m['commit']}: {m['arch']} guest under QEMU "
        f"({m['accel'].upper()}{', no KVM' if m['accel'] != 'kvm' else ''}; {m['qemu_args']}), "
        f"host {m['host_cpu']} with {m['host_cpus']} CPUs. Guest: {guest_text(m['guest'])}.",
        "",
        "Under TCG every guest instruction is emulated, so absolute times are many times a real "
        "device's; the ratios compare the module and its upstream baseline in the same boot on "
        "the same data.",
    ]
