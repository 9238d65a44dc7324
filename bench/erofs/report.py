"""Report of the erofs bench: bench/results/erofs-ARCH.json, .md and plots.

Reads the guest's BENCH records (bench/erofs/erofs.sh) and derives:
  dio_vs_buffered_lowmem / _normal  MiB/s of erofs_dio O_DIRECT over stock erofs buffered,
                                    4 jobs, under low and normal memory
  buffered_vs_stock (_lowmem, _1job) MiB/s of erofs_dio buffered over stock erofs buffered,
                                    4 jobs under normal memory (and the variants)
  page_cache_growth_fraction        the largest growth of Cached over an erofs_dio O_DIRECT
                                    run, over the bytes that run read
  fraction_of_decompress_limit      erofs_dio O_DIRECT, 4 jobs, normal memory, from the virtio
                                    disk, over the LZ4 ceiling: the guest's lz4 program decoding
                                    the model file's bytes (lz4hc level 12, 256 KiB blocks) on
                                    every vCPU at once, summed, measured right after the read in
                                    the same round; the median of the rounds' fractions
  fraction_of_ram_backed_limit      the same over erofs_dio's own read path from RAM: the best
                                    of erofs_dio O_DIRECT with 1, one per vCPU and 4 jobs from
                                    the same image in tmpfs behind a loop device
  smallfiles_time_vs_stock          time to read every file of a package tree cold, erofs_dio
                                    over stock erofs buffered, the worst of the three images and
                                    of erofs_dio's two paths (buffered and O_DIRECT); per image
                                    under "smallfiles"
Every configuration runs in several rounds; the figures are medians.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import benchlib  # noqa: E402

MIB = 1 << 20
TARGETS = [
    ("dio_vs_buffered_lowmem", ">=", 1.6),
    ("dio_vs_buffered_lowmem_1job", ">=", 1.3),
    ("dio_vs_buffered_normal", ">=", 1.2),
    ("buffered_vs_stock", ">=", 0.95),
    ("page_cache_growth_fraction", "<=", 0.01),
    ("fraction_of_decompress_limit", ">=", 0.8),
    ("smallfiles_time_vs_stock", "<=", 1.1),
]
# erofs_dio's debugfs cost counters a run records (ns summed over its readers).
COSTS = ("ns_device", "ns_meta", "ns_decode", "ns_copy", "ns_map")
# The small-file passes: (path in the records, label).
SMALL_PATHS = [("buffered", "stock erofs buffered"), ("dio-buffered", "erofs_dio buffered"),
               ("dio", "erofs_dio O_DIRECT")]
# The small-file passes add the engine's part of opening a file: directory lookups and inode
# setup (metadata reads included, so these overlap ns_meta).
SMALL_COSTS = COSTS + ("ns_lookup", "ns_iget")
# Passes that open and close every file and read nothing: lookups and inodes alone.
OPEN_PATHS = [("opens", "stock erofs"), ("dio-opens", "erofs_dio")]


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
    # fio's runtime is its longest job's; job_runtime the jobs' sum: their balance, 1 when the
    # jobs end together, lower when vCPUs idle at the end while the last job finishes alone.
    rt = r.get("runtime_ms")
    jr = r.get("job_runtime_ms")
    d["job_balance"] = round(jr / (rt * r["jobs"]), 3) if jr and rt else None
    d["runtime_share"] = round(rt / (wall * 1000), 3) if rt and wall else None
    growth = (r["cached_kb_after"] - r["cached_kb_before"]) * 1024
    d["cached_growth_bytes"] = growth
    d["page_cache_growth_fraction"] = round(growth / r["bytes"], 5)
    d["cgroup_file_fraction"] = round(r["cgroup_file_bytes"] / r["bytes"], 5)
    # erofs_dio's own split of its time (summed over readers), per GiB read.
    gib = r["bytes"] / (1 << 30)
    for k in COSTS:
        if k in r:
            d[k.replace("ns_", "s_per_gib_")] = round(r[k] / 1e9 / gib, 3)
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
            "page_cache_growth_fraction", "cgroup_file_bytes", "fio_usr_pct", "fio_sys_pct",
            "cache_hits", "mapped_decodes", "handed_decodes", "helper_decodes", "job_balance",
            "runtime_share") + tuple(k.replace("ns_", "s_per_gib_")
                                                    for k in COSTS)
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


def smallfiles(recs):
    """Per image: median times of the three paths over the rounds, and erofs_dio over stock."""
    info = {r["image"]: r for r in recs if r["run"] == "smallinfo"}
    samples = []
    for r in recs:
        if r["run"] != "small":
            continue
        d = dict(r)
        d["io_s"] = r["io_ns"] / 1e9
        d["wall_s"] = r["wall_ns"] / 1e9
        d["cpu_s"] = r["busy_jiffies"] / r["hz"]
        samples.append(d)
    out = {}
    for img, inf in info.items():
        fig = {"mkfs": inf["mkfs"], "image_bytes": inf["image_bytes"], "files": inf["files"],
               "package": inf["package"]}
        for path, _ in SMALL_PATHS + OPEN_PATHS:
            group = [r for r in samples if r["image"] == img and r["path"] == path]
            if not group:
                continue
            if path not in dict(OPEN_PATHS):
                fig["bytes"] = group[0]["bytes"]
            fig[path] = {"rounds": len(group),
                         "io_s": round(median([r["io_s"] for r in group]), 4),
                         "io_s_min": round(min(r["io_s"] for r in group), 4),
                         "io_s_max": round(max(r["io_s"] for r in group), 4),
                         "wall_s": round(median([r["wall_s"] for r in group]), 4),
                         "cpu_s": round(median([r["cpu_s"] for r in group]), 3)}
            # erofs_dio's own cost counters over the pass, seconds (all readers summed).
            fig[path]["dev_reads"] = median([r.get("dev_reads", 0) for r in group])
            for c in SMALL_COSTS:
                if all(c in r for r in group):
                    fig[path][c.replace("ns_", "s_")] = round(median([r[c] for r in group]) / 1e9,
                                                              4)
        opened, dio_opened = fig.get("opens"), fig.get("dio-opens")
        fig["opens_vs_stock"] = (benchlib.ratio(dio_opened["io_s"], opened["io_s"])
                                 if opened and dio_opened else None)
        stock = fig.get("buffered")
        for path, key in (("dio-buffered", "buffered"), ("dio", "direct")):
            mine = fig.get(path)
            fig[f"time_vs_stock_{key}"] = (benchlib.ratio(mine["io_s"], stock["io_s"])
                                           if mine and stock else None)
            fig[f"wall_vs_stock_{key}"] = (benchlib.ratio(mine["wall_s"], stock["wall_s"])
                                           if mine and stock else None)
            fig[f"cpu_vs_stock_{key}"] = (benchlib.ratio(mine["cpu_s"], stock["cpu_s"])
                                          if mine and stock and stock["cpu_s"] else None)
        out[img] = fig
    return out, samples


def worst(figs, key):
    vals = [(f[key], img) for img, f in figs.items() if f.get(key) is not None]
    return max(vals) if vals else (None, None)


def main():
    args = benchlib.parse_args(__doc__.splitlines()[0])
    recs = benchlib.read_records(args.records)
    info = next(r for r in recs if r["run"] == "info")
    loopraw = next((r for r in recs if r["run"] == "loopraw"), None)
    samples = [derive(r) for r in recs if r["run"] in ("buffered", "dio-buffered", "dio", "limit")]
    # Ceilings outside erofs_dio: lz4 reports MB of 10^6 bytes of decoded data a second.
    lz4 = [r for r in recs if r["run"] == "lz4"]
    lz4_mib = median([r["decompress_mb_s"] * 1e6 / MIB for r in lz4])
    lz4_c_mib = median([r["compress_mb_s"] * 1e6 / MIB for r in lz4])
    lz4_all = [r for r in recs if r["run"] == "lz4_all"]
    # The limit: every vCPU decoding at once; one vCPU's rate times the vCPUs is kept beside it.
    lz4_limit = median([sum(r["decompress_mb_s"]) * 1e6 / MIB for r in lz4_all])
    # Each round's ceiling, for the read it was measured beside.
    limit_by_rep = {r["rep"]: sum(r["decompress_mb_s"]) * 1e6 / MIB for r in lz4_all}
    memcpy = median([r["bytes"] / r["ns"] * 1e9 / MIB for r in recs if r["run"] == "memcpy"])
    small, small_samples = smallfiles(recs)
    groups = {}
    for r in samples:
        groups.setdefault((r["run"], r["mem"], r["jobs"]), []).append(r)
    order = {"buffered": 0, "dio-buffered": 0, "dio": 0, "limit": 1}
    within = {"buffered": 0, "dio-buffered": 1, "dio": 2, "limit": 0}
    runs = [summarize(g) for _, g in sorted(groups.items(), key=lambda kv: (
        order[kv[0][0]], kv[0][1] != "low", -kv[0][2] if kv[0][0] != "limit" else kv[0][2],
        within[kv[0][0]]))]

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

    def paired(mem, jobs):
        """Each round's erofs_dio O_DIRECT read over that round's LZ4 ceiling."""
        return [round(r["mib_s"] / limit_by_rep[r["rep"]], 4) for r in samples
                if r["run"] == "dio" and r["mem"] == mem and r["jobs"] == jobs
                and limit_by_rep.get(r["rep"])]

    fraction_rounds = paired("normal", 4)
    fraction_rounds_low = paired("low", 4)
    ncpu = info["ncpu"]
    limits = {r["jobs"]: r["mib_s"] for r in runs if r["run"] == "limit"}
    per_vcpu = mib("limit", "normal", ncpu)
    # The limit is the best of the job counts: the most the read path gave from RAM.
    best = max(limits.values()) if limits else None
    dio_samples = [r for r in samples if r["run"] == "dio"]
    lz4_scaled = lz4_mib * ncpu if lz4_mib else None
    small_worst_buf, small_worst_buf_img = worst(small, "time_vs_stock_buffered")
    small_worst_dio, small_worst_dio_img = worst(small, "time_vs_stock_direct")
    small_worst = max((v for v in (small_worst_buf, small_worst_dio) if v is not None),
                      default=None)
    out = {
        "samples": samples,
        "small_samples": small_samples,
        "runs": runs,
        "info": info,
        "loop_raw_read_mib_s": round(loopraw["bw_bytes"] / MIB, 2) if loopraw else None,
        "lz4_version": lz4[0]["version"] if lz4 else None,
        "lz4_rounds": [r["decompress_mb_s"] for r in lz4],
        "lz4_decompress_mib_s": round(lz4_mib, 1) if lz4_mib else None,
        "lz4_decompress_limit_mib_s": round(lz4_limit, 1) if lz4_limit else None,
        "lz4_all_rounds": [r["decompress_mb_s"] for r in lz4_all],
        "lz4_decompress_scaled_mib_s": round(lz4_scaled, 1) if lz4_scaled else None,
        "lz4_compress_mib_s": round(lz4_c_mib, 2) if lz4_c_mib else None,
        "memcpy_mib_s": round(memcpy, 1) if memcpy else None,
        "ram_backed_limit_mib_s": {str(j): v for j, v in sorted(limits.items())},
        "ram_backed_limit_per_vcpu_mib_s": round(per_vcpu / ncpu, 2) if per_vcpu else None,
        "dio_vs_buffered_lowmem": ratio(mib("dio", "low", 4), mib("buffered", "low", 4)),
        "dio_vs_buffered_normal": ratio(mib("dio", "normal", 4), mib("buffered", "normal", 4)),
        "dio_vs_buffered_lowmem_1job": ratio(mib("dio", "low", 1), mib("buffered", "low", 1)),
        "dio_vs_buffered_normal_1job": ratio(mib("dio", "normal", 1),
                                             mib("buffered", "normal", 1)),
        "buffered_vs_stock": ratio(mib("dio-buffered", "normal", 4),
                                   mib("buffered", "normal", 4)),
        "buffered_vs_stock_lowmem": ratio(mib("dio-buffered", "low", 4),
                                          mib("buffered", "low", 4)),
        "buffered_vs_stock_1job": ratio(mib("dio-buffered", "normal", 1),
                                        mib("buffered", "normal", 1)),
        "page_cache_growth_fraction": (max(r["page_cache_growth_fraction"] for r in dio_samples)
                                       if dio_samples else None),
        "ram_backed_limit_best_mib_s": best,
        "fraction_of_decompress_limit": (round(median(fraction_rounds), 4)
                                         if fraction_rounds else None),
        "fraction_of_decompress_limit_rounds": fraction_rounds,
        "fraction_of_decompress_limit_of_medians": ratio(mib("dio", "normal", 4), lz4_limit),
        "fraction_of_decompress_limit_lowmem": (round(median(fraction_rounds_low), 4)
                                                if fraction_rounds_low else None),
        "fraction_of_decompress_scaled": ratio(mib("dio", "normal", 4), lz4_scaled),
        "fraction_of_decompress_limit_1job": ratio(mib("dio", "normal", 1), lz4_mib),
        "stock_fraction_of_decompress_limit": ratio(mib("buffered", "normal", 4), lz4_limit),
        "fraction_of_ram_backed_limit": ratio(mib("dio", "normal", 4), best),
        "fraction_of_ram_backed_limit_lowmem": ratio(mib("dio", "low", 4), best),
        "fraction_of_ram_backed_limit_same_jobs": ratio(mib("dio", "normal", 4), limits.get(4)),
        "fraction_of_ram_backed_limit_1job": ratio(mib("dio", "normal", 1), limits.get(1)),
        "smallfiles": small,
        "smallfiles_time_vs_stock": small_worst,
        "smallfiles_time_vs_stock_buffered": small_worst_buf,
        "smallfiles_time_vs_stock_buffered_image": small_worst_buf_img,
        "smallfiles_time_vs_stock_direct": small_worst_dio,
        "smallfiles_time_vs_stock_direct_image": small_worst_dio_img,
    }
    guest = (f"{ncpu} vCPUs, {info['memtotal_kb'] // 1024} MiB RAM (MemTotal); low memory: fio "
             f"in a memory cgroup with memory.max={info['lowmem']}; file "
             f"{info['file_bytes'] // MIB} MiB on a {info['image_bytes'] / MIB:.0f} MiB image "
             f"(mkfs.erofs -zlz4hc,12 -C262144 -Eztailpacking); fio psync, bs={info['bs']}; "
             f"{info['reps']} rounds, medians; page cache "
             + ("in order-0 pages (kernel without THP)" if info.get("thp", "none") == "none"
                else "in large folios (kernel with THP)")
             + (f"; small files: {next(iter(small.values()))['files']} files of "
                f"{next(iter(small.values()))['package']}, "
                f"{max(f[p]['rounds'] for f in small.values() for p, _ in SMALL_PATHS if p in f)}"
                " rounds, medians" if small else ""))
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
            "erofs_dio, buffered": [(get("dio-buffered", m_, j) or {}).get(key, nan) * scale
                                    for m_, j in cases],
            "erofs_dio, O_DIRECT": [(get("dio", m_, j) or {}).get(key, nan) * scale
                                    for m_, j in cases],
        }
        if limit:
            out_["erofs_dio, O_DIRECT, image in RAM (RAM-backed limit)"] = [
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

    if small:
        png["small"] = base + "-small.png"
        imgs = list(small)
        benchlib.bar_chart(
            png["small"], f"Every file of {next(iter(small.values()))['package']}, read cold "
            f"({args.arch}, {args.accel.upper()}), median", "seconds (open to close, summed)",
            [f"{i} image" for i in imgs],
            {label: [(small[i].get(path) or {}).get("io_s", nan) for i in imgs]
             for path, label in SMALL_PATHS})

    def fmt(v, spec=".3f"):
        return "n/a" if v is None else format(v, spec)

    md = [f"# erofs_dio against stock erofs: {args.arch}", ""]
    md += benchlib.machine_lines(m)
    md += ["", "## Targets", ""]
    md += benchlib.targets_table([(n, out[n], op, t) for n, op, t in TARGETS])
    md += ["", f"`buffered_vs_stock` (erofs_dio buffered over stock erofs buffered, 4 jobs, "
           f"normal memory): {out['buffered_vs_stock']}; low memory "
           f"{out['buffered_vs_stock_lowmem']}, 1 job {out['buffered_vs_stock_1job']}."]
    md += ["", f"`dio_vs_buffered_normal` (4 jobs, no memory limit): "
           f"{out['dio_vs_buffered_normal']}; with 1 job: low memory "
           f"{out['dio_vs_buffered_lowmem_1job']}, normal {out['dio_vs_buffered_normal_1job']}.",
           "", f"`smallfiles_time_vs_stock` is the worst of erofs_dio buffered "
           f"({fmt(out['smallfiles_time_vs_stock_buffered'])}, "
           f"{out['smallfiles_time_vs_stock_buffered_image']} image) and erofs_dio O_DIRECT "
           f"({fmt(out['smallfiles_time_vs_stock_direct'])}, "
           f"{out['smallfiles_time_vs_stock_direct_image']} image); "
           f"`fraction_of_ram_backed_limit` (the old limit, erofs_dio's own path from RAM): "
           f"{fmt(out['fraction_of_ram_backed_limit'])}.",
           "", "## Ceilings", "",
           "| figure | MiB/s | |", "|---|---|---|",
           f"| `lz4_decompress_mib_s` | {fmt(out['lz4_decompress_mib_s'], '.1f')} | lz4 "
           f"{out['lz4_version']} `-b12 -B262144` on one vCPU, median of "
           f"{len(out['lz4_rounds'])} ({', '.join(f'{v:g}' for v in out['lz4_rounds'])} MB/s) |",
           f"| `lz4_decompress_limit_mib_s` | {fmt(out['lz4_decompress_limit_mib_s'], '.1f')} "
           f"| the same on all {ncpu} vCPUs at once, summed, median of {len(out['lz4_all_rounds'])} "
           f"({'; '.join(', '.join(f'{v:g}' for v in r) for r in out['lz4_all_rounds'])} MB/s) |",
           f"| `lz4_decompress_scaled_mib_s` | {fmt(out['lz4_decompress_scaled_mib_s'], '.1f')} "
           f"| one vCPU's rate times {ncpu} |",
           f"| `memcpy_mib_s` | {fmt(out['memcpy_mib_s'], '.1f')} | one vCPU, a word-copy "
           "loop between 4 MiB buffers |",
           f"| `ram_backed_limit_best_mib_s` | {fmt(best, '.1f')} | erofs_dio O_DIRECT from "
           "the image in tmpfs (best job count) |",
           f"| erofs_dio O_DIRECT, 4 jobs, normal memory | {fmt(mib('dio', 'normal', 4), '.1f')} "
           f"| `fraction_of_decompress_limit` {fmt(out['fraction_of_decompress_limit'])} "
           "(median of the rounds' fractions) |",
           f"| stock erofs buffered, 4 jobs, normal memory "
           f"| {fmt(mib('buffered', 'normal', 4), '.1f')} "
           f"| over the LZ4 ceiling {fmt(out['stock_fraction_of_decompress_limit'])} |",
           "", "## Runs", "",
           "Each run reads the whole file once, cold (drop_caches and a fresh mount before it): "
           "4 jobs read disjoint quarters, 1 job reads it all. fio runs in its own memory cgroup "
           "(memory.max set only for low memory).", "",
           "| path | memory | jobs | MiB/s (min-max) | CPU s | CPU s/GiB | CPU busy "
           "| Cached growth MiB | growth / bytes read | cgroup page cache MiB | fio usr/sys % "
           "| jobs' runtime, mean / longest | fio runtime / window |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    names = {"buffered": "stock erofs buffered", "dio-buffered": "erofs_dio buffered",
             "dio": "erofs_dio O_DIRECT",
             "limit": "erofs_dio O_DIRECT, image in RAM"}
    for r in runs:
        md.append(f"| {names[r['run']]} | {r['mem']} | {r['jobs']} | {r['mib_s']:.1f} "
                  f"({r['mib_s_min']:.1f}-{r['mib_s_max']:.1f}) | "
                  f"{r['cpu_s']:.1f} | {r['cpu_s_per_gib']:.1f} | {r['cpu_util'] * 100:.0f}% | "
                  f"{r['cached_growth_bytes'] / MIB:.1f} | {r['page_cache_growth_fraction']:.4f} | "
                  f"{r['cgroup_file_bytes'] / MIB:.1f} | "
                  f"{r['fio_usr_pct']:.1f}/{r['fio_sys_pct']:.1f} | "
                  f"{fmt(r.get('job_balance'))} | {fmt(r.get('runtime_share'))} |")
    costed = [r for r in runs if r.get("s_per_gib_decode") is not None]
    if costed:
        md += ["", "## Where erofs_dio's time goes", "",
               "erofs_dio's own debugfs counters over each run, summed over its readers and "
               "divided by the GiB read: waiting for data reads (`ns_device`), metadata reads "
               "(`ns_meta`), decompression (`ns_decode`), copies to the destination (`ns_copy`, "
               "only for bytes not decoded straight into it), pinning and mapping the destination "
               "of each extent decoded straight into it and unmapping and releasing it "
               "(`ns_map`). Seconds per GiB, medians; CPU "
               "s/GiB (all vCPUs, busy jiffies) beside them for scale. Device waits are not CPU "
               "time, and with several jobs they overlap each other.", "",
               "| path | memory | jobs | device wait | metadata | decode | copy | map | CPU "
               "| extents decoded in place | handed to a kworker, run by one | decoded-cache hits |",
               "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in costed:
            md.append(f"| {names[r['run']]} | {r['mem']} | {r['jobs']} "
                      f"| {r['s_per_gib_device']:.2f} | {r['s_per_gib_meta']:.2f} "
                      f"| {r['s_per_gib_decode']:.2f} | {r['s_per_gib_copy']:.2f} "
                      f"| {fmt(r.get('s_per_gib_map'))} | {r['cpu_s_per_gib']:.2f} | {r['mapped_decodes']:.0f} "
                      f"| {fmt(r.get('handed_decodes'), '.0f')}, {fmt(r.get('helper_decodes'), '.0f')} "
                      f"| {r['cache_hits']:.0f} |")
    if small:
        md += ["", "## Small files", "",
               f"Every regular file of {next(iter(small.values()))['package']} "
               f"({next(iter(small.values()))['files']} files, "
               f"{next(iter(small.values())).get('bytes', 0) / MIB:.1f} MiB), read cold "
               "(fresh mount, drop_caches) by one process per pass that opens, reads whole in "
               "1 MiB reads and closes each file in turn and checks its hash. Seconds are the "
               "sum of open-to-close times over the files (median over rounds, min-max); "
               "erofs_dio over stock in brackets.", "",
               "| image (mkfs.erofs) | MiB | stock erofs buffered s | erofs_dio buffered s "
               "| erofs_dio O_DIRECT s | whole-pass ratios, buffered / O_DIRECT | CPU s stock / "
               "erofs_dio buffered / O_DIRECT |",
               "|---|---|---|---|---|---|---|"]

        def cell(f, path, key=None):
            r = f.get(path)
            if not r:
                return "n/a"
            c = f"{r['io_s']:.2f} ({r['io_s_min']:.2f}-{r['io_s_max']:.2f})"
            return c + (f" [{fmt(f[key])}]" if key else "")

        for img, f in small.items():
            md.append(f"| {img} (`{f['mkfs']}`) | {f['image_bytes'] / MIB:.1f} | "
                      f"{cell(f, 'buffered')} | {cell(f, 'dio-buffered', 'time_vs_stock_buffered')}"
                      f" | {cell(f, 'dio', 'time_vs_stock_direct')} | "
                      f"{fmt(f['wall_vs_stock_buffered'])} / {fmt(f['wall_vs_stock_direct'])} | "
                      + " / ".join(fmt((f.get(p) or {}).get("cpu_s"), ".2f")
                                   for p, _ in SMALL_PATHS) + " |")
        if any(f.get("dio-opens") for f in small.values()):
            md += ["", "Where erofs_dio's small-file time goes, per pass (medians, seconds): "
                   "opening every file without reading anything, stock erofs against erofs_dio "
                   "(the same device reads for both), and erofs_dio's own counters over each "
                   "pass: directory lookups and inode setup (metadata reads included), device "
                   "wait for data, metadata reads (page-cache misses), decoding, copies. The "
                   "rest of a pass's time is the VFS, the page cache and the system calls.", "",
                   "| image | path | pass s | device reads | lookup | inode | data wait "
                   "| metadata | decode | copy |", "|---|---|---|---|---|---|---|---|---|---|"]
            for img, f in small.items():
                for path, label in [("opens", "stock erofs, opens only"),
                                    ("dio-opens", "erofs_dio, opens only")] + SMALL_PATHS:
                    r = f.get(path)
                    if not r:
                        continue
                    c = [fmt(r.get(k.replace("ns_", "s_")), ".3f") for k in
                         ("ns_lookup", "ns_iget", "ns_device", "ns_meta", "ns_decode", "ns_copy")]
                    md.append(f"| {img} | {label} | {r['io_s']:.3f} | {r['dev_reads']:.0f} | "
                              + " | ".join(c) + " |")
        md += ["", f"![small files]({os.path.basename(png['small'])})"]
    md += ["", f"![throughput]({os.path.basename(png['mibs'])})", "",
           f"![page cache]({os.path.basename(png['cache'])})", "",
           f"![cpu]({os.path.basename(png['cpu'])})", "",
           "## How each figure is measured", "",
           "- MiB/s: fio's aggregate read bandwidth (`bw_bytes`, group reporting), psync, "
           f"bs={info['bs']}.",
           "- CPU: busy jiffies of all vCPUs in /proc/stat (user, nice, system, irq, softirq, "
           "steal) over the run, so kernel work outside the reader's context (erofs's "
           "decompression workers, loop workers) counts; `CPU busy` is that over wall time times "
           "vCPUs. The window is fio's whole life, its start-up and exit included, so short runs "
           "show idle vCPUs that fio's runtime does not hold (`fio runtime / window`: the share "
           "of the window fio spent reading). fio's own usr/sys percentages are listed as well.",
           "- Jobs' runtime, mean over longest: fio's `job_runtime` (the jobs' runtimes summed) "
           "over the jobs times its `runtime` (the longest job's, which its aggregate bandwidth "
           "divides by): below 1 when jobs end apart and vCPUs idle while the last one finishes.",
           "- Page cache: Cached in /proc/meminfo before and after the run (everything in the "
           "guest), and the `file` bytes of memory.stat in the run's own cgroup just before "
           "unmount, which is the page cache of the file being read (per file: fio reads only "
           "model.bin).",
           "- `lz4_decompress_mib_s`: the guest's own lz4 program (Debian's, from the guest "
           "packages: the userspace liblz4, not the kernel's lib/lz4 that erofs and erofs_dio "
           f"call) in benchmark mode, `lz4 -b12 -B262144 -i1` on the first "
           f"{(lz4[0]['bytes'] >> 20) if lz4 else '?'} MiB of the model file: lz4hc level 12 "
           "in independent 256 KiB blocks, then LZ4_decompress_safe on each, best of its "
           "loops, on one vCPU; one run per round, median. `lz4_decompress_limit_mib_s` is the "
           f"same benchmark run on all {ncpu} vCPUs at once (one lz4 pinned to each), the "
           "speeds summed: the most the guest decodes with every vCPU doing nothing else. "
           "Under emulation the vCPUs share the host's cores with each other and with QEMU's "
           "own threads, so this is less than one vCPU's rate times the vCPUs "
           "(`lz4_decompress_scaled_mib_s`, the ceiling before). It is independent of "
           "erofs_dio, but it cannot show the kernel's own decoder speed (a different build of the same algorithm, and erofs decodes with "
           "LZ4_decompress_safe_partial into pages), nor device reads, page mapping or copies; "
           "its blocks are 256 KiB decoded where the image's pclusters are 256 KiB compressed "
           "(about 2.25 times that decoded). Under TCG, it measures how fast QEMU emulates "
           "the decoder's instructions on this host, as every other figure here does: the "
           "fraction compares like with like, the absolute MiB/s says nothing about a phone.",
           "- `memcpy_mib_s`: dioread memcpy, a word-copy loop (vectorised by the compiler "
           "where the arch allows) between two 4 MiB buffers, on one vCPU: how fast a vCPU "
           "moves bytes at all under this emulation. It bounds any decoder's output rate, "
           "not the kernel's copy routines (rep movsb and friends), which it does not time.",
           "- `fraction_of_decompress_limit`: erofs_dio O_DIRECT from the virtio disk (4 jobs, "
           "normal memory) over the LZ4 limit on every vCPU, each round's read over the limit "
           "measured right after it (the emulation's speed drifts by tens of percent within a "
           "boot, so a ceiling from another moment would bound a different machine); the "
           "median of the rounds' fractions ("
           + ", ".join(f"{v:.3f}" for v in out["fraction_of_decompress_limit_rounds"])
           + "); the median read over the median limit "
           f"{out['fraction_of_decompress_limit_of_medians']}; the low-memory reads of the same "
           f"rounds over the same limits {out['fraction_of_decompress_limit_lowmem']} (measured "
           "a minute before them); with 1 job over one vCPU's LZ4 "
           f"{out['fraction_of_decompress_limit_1job']}, over one vCPU's rate times {ncpu} "
           f"{out['fraction_of_decompress_scaled']}.",
           "- RAM-backed limit: the same image copied into tmpfs and attached through a loop "
           "device, so a device read is a memcpy; erofs_dio O_DIRECT reads of the whole file "
           f"with 1 job, one job per vCPU ({ncpu}) and 4 jobs: "
           + ", ".join(f"{j} job{'s' if j != 1 else ''} {v:.1f} MiB/s"
                       for j, v in sorted(limits.items()))
           + f" (one job per vCPU, divided by vCPUs: {out['ram_backed_limit_per_vcpu_mib_s']} "
           "MiB/s per vCPU). This is the read path's ceiling on these pclusters with device "
           "costs removed; it still includes erofs_dio's extent mapping, bio setup and page "
           "pinning, so it is not LZ4 alone (the LZ4 ceiling above is, in user space). The "
           "loop device's raw O_DIRECT read rate, "
           f"{out['loop_raw_read_mib_s']} MiB/s of compressed bytes (1 job), shows the device's "
           "share.",
           "- `fraction_of_ram_backed_limit` (before, `fraction_of_decompress_limit`): erofs_dio "
           "O_DIRECT from the virtio disk (4 jobs, normal memory) over the RAM-backed limit, "
           f"taken as the best median of the job counts ({best} MiB/s). Under low memory it is "
           f"{out['fraction_of_ram_backed_limit_lowmem']}; over the limit at the same job "
           f"count (4) {out['fraction_of_ram_backed_limit_same_jobs']}; with 1 job over the "
           f"1-job limit {out['fraction_of_ram_backed_limit_1job']}. It is not independent: "
           "the limit is erofs_dio's own path, so it shows the device's share, not how far "
           "erofs_dio is from what decoding allows. A fraction near or above 1 "
           "says the virtio disk adds little under TCG, and that the spread between rounds is "
           "as large as the device's share.",
           "- Small files: `time_vs_stock_buffered` and `time_vs_stock_direct` under "
           "`smallfiles` are erofs_dio buffered and O_DIRECT over stock erofs buffered, per "
           "image, on the summed open-to-close times (the hash dioread checks after each close "
           "is left out, it is the same work on every path); `wall_vs_stock_*` use the pass's "
           "whole time, `cpu_vs_stock_*` busy jiffies of all vCPUs. "
           "`smallfiles_time_vs_stock` is the largest of the six (three images, two paths): "
           "erofs_dio should not make any layout slower to read, in either mode.",
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
