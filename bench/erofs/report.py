"""Report of the erofs bench: bench/results/erofs-ARCH.json, .md and plots.

Reads the guest's BENCH records (bench/erofs/erofs.sh) and derives:
  dio_vs_buffered_lowmem / _normal  MiB/s of erofs_dio O_DIRECT over stock erofs buffered,
                                    4 jobs, under low and normal memory
  page_cache_growth_fraction        the largest growth of Cached over an erofs_dio O_DIRECT
                                    run, over the bytes that run read
  fraction_of_decompress_limit      erofs_dio O_DIRECT, 4 jobs, normal memory, from the virtio
                                    disk, over the decompression limit: the best of erofs_dio
                                    O_DIRECT with 1, one per vCPU and 4 jobs from the same image
                                    in RAM (tmpfs + loop)
Every configuration runs in several rounds; the figures are medians.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import benchlib  # noqa: E402

MIB = 1 << 20
TARGETS = [
    ("dio_vs_buffered_lowmem", ">=", 1.6),
    ("page_cache_growth_fraction", "<=", 0.01),
    ("fraction_of_decompress_limit", ">=", 0.8),
]


def derive(r):
    """Per-run figures from one fio record."""
    d = dict(r)
    d["mib_s"] = round(r["bw_bytes"] / MIB, 2)
    hz = r["hz"]
    cpu_s = r["busy_jiffies"] / hz
    d["cpu_s"] = round(cpu_s, 2)
    d["cpu_s_per_gib"] = round(cpu_s / (r["bytes"] / (1 << 30)), 2)
    wall = r["wall_cs"] / 100
    d["cpu_util"] = round(cpu_s / (wall * r["ncpu"]), 3) if wall else None
    growth = (r["cached_kb_after"] - r["cached_kb_before"]) * 1024
    d["cached_growth_bytes"] = growth
    d["page_cache_growth_fraction"] = round(growth / r["bytes"], 5)
    d["cgroup_file_fraction"] = round(r["cgroup_file_bytes"] / r["bytes"], 5)
    return d


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    if not n:
        return None
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def summarize(group):
    """The median of each figure over a configuration's rounds."""
    keys = ("mib_s", "cpu_s", "cpu_s_per_gib", "cpu_util", "cached_growth_bytes",
            "page_cache_growth_fraction", "cgroup_file_bytes", "fio_usr_pct", "fio_sys_pct")
    first = group[0]
    out = {k: first[k] for k in ("run", "fs", "direct", "mem", "jobs", "bs")}
    out["rounds"] = len(group)
    for k in keys:
        vals = [r[k] for r in group if r.get(k) is not None]
        v = median(vals)
        out[k] = round(v, 5) if v is not None else None
    out["mib_s_min"] = min(r["mib_s"] for r in group)
    out["mib_s_max"] = max(r["mib_s"] for r in group)
    return out


def main():
    args = benchlib.parse_args(__doc__.splitlines()[0])
    recs = benchlib.read_records(args.records)
    info = next(r for r in recs if r["run"] == "info")
    loopraw = next((r for r in recs if r["run"] == "loopraw"), None)
    samples = [derive(r) for r in recs if r["run"] in ("buffered", "dio", "limit")]
    groups = {}
    for r in samples:
        groups.setdefault((r["run"], r["mem"], r["jobs"]), []).append(r)
    order = {"buffered": 0, "dio": 0, "limit": 1}
    runs = [summarize(g) for _, g in sorted(groups.items(), key=lambda kv: (
        order[kv[0][0]], kv[0][1] != "low", -kv[0][2] if kv[0][0] != "limit" else kv[0][2],
        kv[0][0] != "buffered"))]

    def get(name, mem, jobs):
        for r in runs:
            if r["run"] == name and r["mem"] == mem and r["jobs"] == jobs:
                return r
        return None

    def mib(name, mem, jobs):
        r = get(name, mem, jobs)
        return r["mib_s"] if r else None

    def ratio(a, b):
        return benchlib.ratio(a, b) if a is not None and b is not None else None

    ncpu = info["ncpu"]
    limits = {r["jobs"]: r["mib_s"] for r in runs if r["run"] == "limit"}
    per_vcpu = mib("limit", "normal", ncpu)
    # The limit is the best of the job counts: the most the read path gave from RAM.
    best = max(limits.values()) if limits else None
    dio_samples = [r for r in samples if r["run"] == "dio"]
    out = {
        "samples": samples,
        "runs": runs,
        "info": info,
        "loop_raw_read_mib_s": round(loopraw["bw_bytes"] / MIB, 2) if loopraw else None,
        "decompress_limit_mib_s": {str(j): v for j, v in sorted(limits.items())},
        "decompress_limit_per_vcpu_mib_s": round(per_vcpu / ncpu, 2) if per_vcpu else None,
        "dio_vs_buffered_lowmem": ratio(mib("dio", "low", 4), mib("buffered", "low", 4)),
        "dio_vs_buffered_normal": ratio(mib("dio", "normal", 4), mib("buffered", "normal", 4)),
        "dio_vs_buffered_lowmem_1job": ratio(mib("dio", "low", 1), mib("buffered", "low", 1)),
        "dio_vs_buffered_normal_1job": ratio(mib("dio", "normal", 1),
                                             mib("buffered", "normal", 1)),
        "page_cache_growth_fraction": (max(r["page_cache_growth_fraction"] for r in dio_samples)
                                       if dio_samples else None),
        "decompress_limit_best_mib_s": best,
        "fraction_of_decompress_limit": ratio(mib("dio", "normal", 4), best),
        "fraction_of_decompress_limit_lowmem": ratio(mib("dio", "low", 4), best),
        "fraction_of_decompress_limit_same_jobs": ratio(mib("dio", "normal", 4), limits.get(4)),
        "fraction_of_decompress_limit_1job": ratio(mib("dio", "normal", 1), limits.get(1)),
    }
    guest = (f"{ncpu} vCPUs, {info['memtotal_kb'] // 1024} MiB RAM (MemTotal); low memory: fio "
             f"in a memory cgroup with memory.max={info['lowmem']}; file "
             f"{info['file_bytes'] // MIB} MiB on a {info['image_bytes'] / MIB:.0f} MiB image "
             f"(mkfs.erofs -zlz4hc,12 -C262144 -Eztailpacking); fio psync, bs={info['bs']}; "
             f"{info['reps']} rounds, medians")
    m = benchlib.machine(args, guest)
    out["machine"] = m
    out["targets"] = {name: {"value": out[name], "op": op, "target": t,
                             "verdict": benchlib.verdict(out[name], op, t)}
                      for name, op, t in TARGETS}

    os.makedirs(args.outdir, exist_ok=True)
    base = os.path.join(args.outdir, f"erofs-{args.arch}")
    benchlib.write_json(base + ".json", out)

    labels, cases = [], []
    for mem in ("low", "normal"):
        for jobs in (4, 1):
            if get("dio", mem, jobs) or get("buffered", mem, jobs):
                labels.append(f"{mem} mem, {jobs} job{'s' if jobs > 1 else ''}")
                cases.append((mem, jobs))

    nan = float("nan")

    def series(key, scale=1.0, limit=False):
        out_ = {
            "stock erofs, buffered": [(get("buffered", m_, j) or {}).get(key, nan) * scale
                                      for m_, j in cases],
            "erofs_dio, O_DIRECT": [(get("dio", m_, j) or {}).get(key, nan) * scale
                                    for m_, j in cases],
        }
        if limit:
            out_["erofs_dio, O_DIRECT, image in RAM (limit)"] = [
                (get("limit", m_, j) or {}).get(key, nan) * scale for m_, j in cases]
        return out_

    png = {}
    png["mibs"] = base + "-mibs.png"
    benchlib.bar_chart(png["mibs"], f"Sequential read of a {info['file_bytes'] // MIB} MiB "
                       f"model file ({args.arch}, {args.accel.upper()}), median of "
                       f"{info['reps']}", "MiB/s", labels, series("mib_s", limit=True))
    png["cache"] = base + "-cache.png"
    benchlib.bar_chart(png["cache"], "Page cache growth over the run (Cached, /proc/meminfo)",
                       "MiB", labels, series("cached_growth_bytes", 1 / MIB))
    png["cpu"] = base + "-cpu.png"
    benchlib.bar_chart(png["cpu"], "CPU time per GiB read (busy jiffies, all vCPUs)",
                       "CPU s / GiB", labels, series("cpu_s_per_gib"))

    md = [f"# erofs_dio against stock erofs: {args.arch}", ""]
    md += benchlib.machine_lines(m)
    md += ["", "## Targets", ""]
    md += benchlib.targets_table([(n, out[n], op, t) for n, op, t in TARGETS])
    md += ["", f"`dio_vs_buffered_normal` (4 jobs, no memory limit): "
           f"{out['dio_vs_buffered_normal']}; with 1 job: low memory "
           f"{out['dio_vs_buffered_lowmem_1job']}, normal {out['dio_vs_buffered_normal_1job']}.",
           "", "## Runs", "",
           "Each run reads the whole file once, cold (drop_caches and a fresh mount before it): "
           "4 jobs read disjoint quarters, 1 job reads it all. fio runs in its own memory cgroup "
           "(memory.max set only for low memory).", "",
           "| path | memory | jobs | MiB/s (min-max) | CPU s | CPU s/GiB | CPU busy "
           "| Cached growth MiB | growth / bytes read | cgroup page cache MiB | fio usr/sys % |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    names = {"buffered": "stock erofs buffered", "dio": "erofs_dio O_DIRECT",
             "limit": "erofs_dio O_DIRECT, image in RAM"}
    for r in runs:
        md.append(f"| {names[r['run']]} | {r['mem']} | {r['jobs']} | {r['mib_s']:.1f} "
                  f"({r['mib_s_min']:.1f}-{r['mib_s_max']:.1f}) | "
                  f"{r['cpu_s']:.1f} | {r['cpu_s_per_gib']:.1f} | {r['cpu_util'] * 100:.0f}% | "
                  f"{r['cached_growth_bytes'] / MIB:.1f} | {r['page_cache_growth_fraction']:.4f} | "
                  f"{r['cgroup_file_bytes'] / MIB:.1f} | "
                  f"{r['fio_usr_pct']:.1f}/{r['fio_sys_pct']:.1f} |")
    md += ["", f"![throughput]({os.path.basename(png['mibs'])})", "",
           f"![page cache]({os.path.basename(png['cache'])})", "",
           f"![cpu]({os.path.basename(png['cpu'])})", "",
           "## How each figure is measured", "",
           "- MiB/s: fio's aggregate read bandwidth (`bw_bytes`, group reporting), psync, "
           f"bs={info['bs']}.",
           "- CPU: busy jiffies of all vCPUs in /proc/stat (user, nice, system, irq, softirq, "
           "steal) over the run, so kernel work outside the reader's context (erofs's "
           "decompression workers, loop workers) counts; `CPU busy` is that over wall time times "
           "vCPUs. fio's own usr/sys percentages are listed as well.",
           "- Page cache: Cached in /proc/meminfo before and after the run (everything in the "
           "guest), and the `file` bytes of memory.stat in the run's own cgroup just before "
           "unmount, which is the page cache of the file being read (per file: fio reads only "
           "model.bin).",
           "- Decompression limit: the same image copied into tmpfs and attached through a loop "
           "device, so a device read is a memcpy; erofs_dio O_DIRECT reads of the whole file "
           f"with 1 job, one job per vCPU ({ncpu}) and 4 jobs: "
           + ", ".join(f"{j} job{'s' if j != 1 else ''} {v:.1f} MiB/s"
                       for j, v in sorted(limits.items()))
           + f" (one job per vCPU, divided by vCPUs: {out['decompress_limit_per_vcpu_mib_s']} "
           "MiB/s per vCPU). This is the read path's ceiling on these pclusters with device "
           "costs removed; it still includes erofs_dio's extent mapping, bio setup and copy to "
           "user, so it is not LZ4 alone: neither the module nor the kernel offers a way to time "
           "the decompression calls by themselves, so pure decompression is not measured. The "
           "loop device's raw O_DIRECT read rate, "
           f"{out['loop_raw_read_mib_s']} MiB/s of compressed bytes (1 job), shows the device's "
           "share.",
           "- `fraction_of_decompress_limit`: erofs_dio O_DIRECT from the virtio disk (4 jobs, "
           "normal memory) over the limit, taken as the best median of the job counts "
           f"({best} MiB/s). Under low memory it is "
           f"{out['fraction_of_decompress_limit_lowmem']}; over the limit at the same job "
           f"count (4) {out['fraction_of_decompress_limit_same_jobs']}; with 1 job over the "
           f"1-job limit {out['fraction_of_decompress_limit_1job']}. A fraction near or above 1 "
           "says the virtio disk adds little under TCG, and that the spread between rounds is "
           "as large as the device's share.",
           "- `page_cache_growth_fraction`: the largest Cached growth of any erofs_dio O_DIRECT "
           "run (all rounds, both memory settings) over the bytes that run read.",
           "- Medians over the rounds; MiB/s also shows the smallest and largest round. The "
           "machine is shared and TCG runs vCPUs as host threads, so rounds differ by tens of "
           "percent; every sample is in the JSON (`samples`).",
           ""]
    with open(base + ".md", "w") as f:
        f.write("\n".join(md))
    print(f"wrote {base}.json, {base}.md and {len(png)} plots")


if __name__ == "__main__":
    main()
