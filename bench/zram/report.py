"""The zram bench report: bench/results/zram-ARCH.json, zram-ARCH.md and zram-ARCH-*.png.

Input: the guest's BENCH records (bench/zram/zram.sh). Every ratio compares zram_multicomp
with upstream zram measured in the same boot on the same pages; see RATIOS for each one's
definition.
"""

import glob
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import benchlib  # noqa: E402
import gain  # noqa: E402

DEVICES = ["zram-lz4", "zram-lz4+zstd", "zmc-async", "zmc-sync"]
TIGHT_DEVICES = ["zram-lz4", "zmc-async", "zmc-async-sio", "zmc-tiers", "zmc-tiers-sio"]
# The swap row the relaunch targets are read from: the configuration README recommends for a
# phone, latency tiers with the module's default swap semantics (synchronous_io 0: readahead).
SWAP_ROW = "zmc-tiers"

# name: (definition, op, target)
RATIOS = {
    "stored_bytes_ratio": (
        "mem_used_total of zmc-async after its background recompression over zram-lz4's, "
        "real pages", "<=", 0.75),
    "swapin_p99_ratio": (
        "p99 of the app's first touch of a page while relaunching under tight memory, "
        f"{SWAP_ROW} over zram-lz4, over all rounds", "<=", 1.05),
    "swapout_p99_ratio": (
        "p99 of one 4 KiB O_DIRECT write (swap-out submit), zmc-async over zram-lz4, real pages",
        "<=", 0.5),
    "swapout_p99_ratio_contended": (
        "the same with a CPU hog spinning on every vCPU (the async workers get no idle CPU)",
        "<=", 1.0),
    "relaunch_ratio": (
        "tight memory (the app, background apps and the store share one budget): time for the "
        f"app to touch all its pages again, {SWAP_ROW} over zram-lz4, summed over the rounds",
        "<=", 0.85),
    "relaunch_ratio_churn": (
        "time to touch a swapped-out working set again while a hog in another cgroup keeps "
        f"memory tight (the store outside every limit), {SWAP_ROW} over zram-lz4", "<=", 1.0),
    "ratio_vs_zram_recompress": (
        "compression ratio (orig_data_size / mem_used_total) after recompression, zmc-async over "
        "zram-lz4+zstd (idle + recompress type=idle), real pages", ">=", 1.0),
    "recompress_cpu_ratio": (
        "CPU time of the cold-page recompression, real pages, both as the scheduler counts a "
        "thread's CPU time: zmc-async's background worker (policy_stat bg_cpu_ns) over the "
        "process that wrote type=idle to zram-lz4+zstd's recompress (its getrusage)",
        "<=", 0.5),
}


def find(records, set_, dev, phase):
    for r in records:
        if r.get("set") == set_ and r.get("dev") == dev and r.get("phase") == phase:
            return r
    raise SystemExit(f"zram report: no {phase} record for {dev} on the {set_} set")


def policy_cpu(text):
    """Per algorithm: ms spent compressing, from a policy_stat dump."""
    out = {}
    slot = 0
    for line in text.split(";"):
        f = line.split()
        if len(f) == 7 and f[0] not in ("algo",) and f[1].isdigit():
            # One line per slot, in slot order; a name may fill two slots.
            name = f[0] if f[0] not in out else f"{f[0]} (slot {slot})"
            slot += 1
            out[name] = {"pages": int(f[1]), "bytes_in": int(f[2]), "bytes_out": int(f[3]),
                         "comp_ms": round(int(f[4]) / 1e6, 1),
                         "decomp_pages": int(f[5]), "decomp_ms": round(int(f[6]) / 1e6, 1)}
    return out


def main():
    args = benchlib.parse_args(__doc__)
    records = benchlib.read_records(args.records)
    guest = next(r["guest"] for r in records if "guest" in r)
    idle = next(r["idle"] for r in records if "idle" in r)
    idle_rate = idle["cpu_ms"] / idle["wall_ns"]  # busy ms per ns of wall time, while idle

    def net_cpu(rec):
        """Busy ms over a phase, less what the idle guest spends in as long."""
        return round(max(0.0, rec["cpu_ms"] - idle_rate * rec["wall_ns"]), 1)
    raw = {}
    for set_ in ("corpus", "synthetic"):
        per = {}
        for dev in DEVICES:
            w = find(records, set_, dev, "write")
            rd = find(records, set_, dev, "read")
            entry = {
                "write": {k: w[k] for k in ("n", "p50_ns", "p99_ns", "mean_ns", "total_ns", "cpu_ms")},
                "stored": {k: w[k] for k in ("orig_data_size", "compr_data_size",
                                             "mem_used_total", "same_pages", "huge_pages")},
                "read": {k: rd[k] for k in ("n", "p50_ns", "p99_ns", "mean_ns")},
            }
            if dev != "zram-lz4":
                rc = find(records, set_, dev, "recomp")
                rr = find(records, set_, dev, "read_recomp")
                entry["recompress"] = {k: rc[k] for k in rc if k not in ("set", "dev", "phase")}
                entry["recompress"]["cpu_ms_net"] = net_cpu(rc)
                entry["read_after_recompress"] = {k: rr[k] for k in ("n", "p50_ns", "p99_ns", "mean_ns")}
            if dev.startswith("zmc"):
                ps = find(records, set_, dev, "policy_stat")
                entry["policy_stat_after_write"] = policy_cpu(ps["text"])
                fields = [int(x) for x in ps.get("async_stat", "").split()]
                names = ["staged", "completed", "pending", "served_from_staging", "sync_fallbacks",
                         "dropped_stale", "store_retries", "wakeups", "cpu_ns"]
                entry["async_stat"] = dict(zip(names, fields))
                entry["policy_stat_after_recompress"] = policy_cpu(
                    find(records, set_, dev, "policy_stat_recomp")["text"])
            per[dev] = entry
        raw[set_] = per
    raw["relaunch"] = {}
    for dev in ("zram-lz4", "zmc-async", "zmc-async-sio", "zmc-tiers", "zmc-tiers-sio", "zmc-sync"):
        r = find(records, "corpus", dev, "relaunch")
        raw["relaunch"][dev] = {k: r[k] for k in r if k not in ("set", "dev", "phase")}

    tight = next(r["tight"] for r in records if "tight" in r)
    raw["relaunch_tight"] = {"setup": tight}
    for dev in TIGHT_DEVICES:
        rows = [r for r in records if r.get("dev") == dev and r.get("phase") == "relaunch_tight"]
        if len(rows) != tight["rounds"]:
            raise SystemExit(f"zram report: {len(rows)} tight relaunch rounds for {dev}, "
                             f"{tight['rounds']} expected")
        raw["relaunch_tight"][dev] = [{k: r[k] for k in r if k not in ("set", "dev", "phase")}
                                      for r in rows]

    c = raw["corpus"]
    rl = raw["relaunch"]
    rt = {d: raw["relaunch_tight"][d] for d in TIGHT_DEVICES}

    def tight_ratio(dev, key, agg=sum):
        return benchlib.ratio(agg(r[key] for r in rt[dev]), agg(r[key] for r in rt["zram-lz4"]))

    def round_ratios(dev):
        return [benchlib.ratio(a["total_ns"], b["total_ns"]) for a, b in zip(rt[dev], rt["zram-lz4"])]
    zmc_after = c["zmc-async"]["recompress"]
    zram_rc = c["zram-lz4+zstd"]["recompress"]
    ratios = {
        "stored_bytes_ratio": benchlib.ratio(zmc_after["mem_used_total"],
                                             c["zram-lz4"]["stored"]["mem_used_total"]),
        "swapin_p99_ratio": tight_ratio(SWAP_ROW, "p99_ns", max),
        "swapout_p99_ratio": benchlib.ratio(c["zmc-async"]["write"]["p99_ns"],
                                            c["zram-lz4"]["write"]["p99_ns"]),
        "relaunch_ratio": tight_ratio(SWAP_ROW, "total_ns"),
        "relaunch_ratio_churn": benchlib.ratio(rl[SWAP_ROW]["total_ns"], rl["zram-lz4"]["total_ns"]),
        # The store at relaunch, tight memory: the tiers keep warm pages in lz4hc, so it is the
        # cold store of stored_bytes_ratio only once pages pass bg_cold_age.
        "store_at_relaunch_ratio": tight_ratio(SWAP_ROW, "mem_used_total"),
        "relaunch_cpu_ratio": tight_ratio(SWAP_ROW, "cpu_ms"),
        "relaunch_ratio_tiers_sio": tight_ratio("zmc-tiers-sio", "total_ns"),
        "relaunch_ratio_zstd": tight_ratio("zmc-async", "total_ns"),
        "relaunch_ratio_zstd_sio": tight_ratio("zmc-async-sio", "total_ns"),
        "relaunch_cpu_ratio_zstd": tight_ratio("zmc-async", "cpu_ms"),
        "relaunch_cpu_ratio_zstd_sio": tight_ratio("zmc-async-sio", "cpu_ms"),
        "swapin_p99_ratio_tiers_sio": tight_ratio("zmc-tiers-sio", "p99_ns", max),
        "swapin_p99_ratio_zstd": tight_ratio("zmc-async", "p99_ns", max),
        "swapout_p99_ratio_contended": benchlib.ratio(
            find(records, "corpus", "zmc-async", "write_contended")["p99_ns"],
            find(records, "corpus", "zram-lz4", "write_contended")["p99_ns"]),
        "relaunch_ratio_tiers_sio_churn": benchlib.ratio(rl["zmc-tiers-sio"]["total_ns"], rl["zram-lz4"]["total_ns"]),
        "relaunch_ratio_zstd_churn": benchlib.ratio(rl["zmc-async"]["total_ns"], rl["zram-lz4"]["total_ns"]),
        "relaunch_ratio_zstd_sio_churn": benchlib.ratio(rl["zmc-async-sio"]["total_ns"], rl["zram-lz4"]["total_ns"]),
        "swapin_p99_ratio_churn": benchlib.ratio(rl[SWAP_ROW]["p99_ns"], rl["zram-lz4"]["p99_ns"]),
        "swapin_p99_ratio_tiers_sio_churn": benchlib.ratio(rl["zmc-tiers-sio"]["p99_ns"], rl["zram-lz4"]["p99_ns"]),
        "ratio_vs_zram_recompress": benchlib.ratio(zram_rc["mem_used_total"],
                                                   zmc_after["mem_used_total"]),
        "recompress_cpu_ratio": benchlib.ratio(zmc_after["bg_cpu_ns"], zram_rc["cpu_ns"]),
    }
    # What stands between recompress_cpu_ratio and its target, on the pages the guest read.
    corpus = glob.glob(os.path.join(os.path.dirname(args.records), "disks", "*", "corpus.img"))
    if len(corpus) != 1:
        raise SystemExit(f"zram report: expected one corpus.img beside {args.records}, found {corpus}")
    recompress_gain = gain.analyse(corpus[0], zram_rc["mem_used_total"] - zmc_after["mem_used_total"])
    if "oracle_pages_fraction" in recompress_gain:
        ratios["recompress_cpu_ratio_oracle_floor"] = round(
            recompress_gain["oracle_pages_fraction"] * ratios["recompress_cpu_ratio"], 4)
    # Beside swapout_p99_ratio: the async pool moves compression off the writer, not away.
    st = c["zmc-async"]["async_stat"]
    async_cpu = {
        "worker_cpu_us_per_staged_page": round(st["cpu_ns"] / max(1, st["staged"]) / 1e3, 1),
        "zram_lz4_write_mean_us": round(c["zram-lz4"]["write"]["mean_ns"] / 1e3, 1),
        "zmc_async_write_mean_us": round(c["zmc-async"]["write"]["mean_ns"] / 1e3, 1),
    }
    # Decodes per algorithm over the tight relaunches, from policy_stat before and after.
    relaunch_decodes = {}
    for d in TIGHT_DEVICES:
        per = {}
        for r in rt[d]:
            if not r.get("policy_stat_after"):
                continue
            before, after = policy_cpu(r["policy_stat_before"]), policy_cpu(r["policy_stat_after"])
            for algo, v in after.items():
                b = before.get(algo, {"decomp_pages": 0, "decomp_ms": 0.0})
                acc = per.setdefault(algo, {"pages": 0, "ms": 0.0})
                acc["pages"] += v["decomp_pages"] - b["decomp_pages"]
                acc["ms"] = round(acc["ms"] + v["decomp_ms"] - b["decomp_ms"], 1)
        if per:
            relaunch_decodes[d] = per
    machine = benchlib.machine(args, guest)
    doc = {
        "bench": "zram",
        "machine": machine,
        "ratios": ratios,
        "targets": {k: f"{op} {t}" for k, (_, op, t) in RATIOS.items()},
        "definitions": {k: d for k, (d, _, _) in RATIOS.items()},
        "async_cpu": async_cpu,
        "relaunch_tight_decodes": relaunch_decodes,
        "recompress_gain": recompress_gain,
        "relaunch_tight_round_ratios": {d: round_ratios(d) for d in TIGHT_DEVICES if d != "zram-lz4"},
        "raw": raw,
        "idle": idle,
    }
    os.makedirs(args.outdir, exist_ok=True)
    stem = os.path.join(args.outdir, f"zram-{args.arch}")
    benchlib.write_json(stem + ".json", doc)

    # Plots.
    sets = ["corpus", "synthetic"]
    mib = 1 << 20
    benchlib.bar_chart(
        stem + "-stored.png", "Memory used after writing (and after recompression)", "MiB",
        [f"{s}" for s in sets],
        {
            "zram-lz4": [raw[s]["zram-lz4"]["stored"]["mem_used_total"] / mib for s in sets],
            "zram-lz4+zstd recompressed": [raw[s]["zram-lz4+zstd"]["recompress"]["mem_used_total"] / mib for s in sets],
            "zmc-async": [raw[s]["zmc-async"]["stored"]["mem_used_total"] / mib for s in sets],
            "zmc-async after bg": [raw[s]["zmc-async"]["recompress"]["mem_used_total"] / mib for s in sets],
        })
    benchlib.bar_chart(
        stem + "-latency.png", "4 KiB write and read latency, real pages (p50 / p99, log scale)", "µs",
        ["write p50", "write p99", "read p50", "read p99"],
        {d: [c[d]["write"]["p50_ns"] / 1e3, c[d]["write"]["p99_ns"] / 1e3,
             c[d]["read"]["p50_ns"] / 1e3, c[d]["read"]["p99_ns"] / 1e3] for d in DEVICES},
        log=True)
    benchlib.bar_chart(
        stem + "-relaunch.png", "Relaunch of a swapped-out working set under a hog (log scale)", "ms or µs",
        ["relaunch total (ms)", "fault p50 (µs)", "fault p99 (µs)"],
        {d: [rl[d]["total_ns"] / 1e6, rl[d]["p50_ns"] / 1e3, rl[d]["p99_ns"] / 1e3] for d in rl},
        log=True)

    benchlib.scatter(
        stem + "-tradeoff.png", "Memory against relaunch: the swap rows (lower left is better)",
        "stored before relaunch, mem_used_total (MiB)", "relaunch (ms)",
        {d: (r["mem_used_total"] / mib, r["total_ns"] / 1e6) for d, r in rl.items()})

    benchlib.scatter(
        stem + "-tradeoff-tight.png",
        "Tight memory: store against relaunch, each round (lower left is better)",
        "store before relaunch, mem_used_total (MiB)", "relaunch (ms)",
        {f"{d} #{r['round']}": (r["mem_used_total"] / mib, r["total_ns"] / 1e6)
         for d in TIGHT_DEVICES for r in rt[d]})

    lines = [f"# zram bench, {args.arch}", ""]
    lines += benchlib.machine_lines(machine)
    lines += ["", f"Pages per set: {guest['pages']} (4 KiB); random reads per device: {guest['reads']}.",
              "The real pages are the anonymous memory of three programs (python3 tables, python3 "
              "buffers, node objects) captured by tools/page-corpus; the synthetic pages are fio's "
              "buffers with buffer_compress_percentage=50.", "",
              "## Ratios against upstream zram in the same boot", ""]
    lines += benchlib.targets_table([(k, ratios[k], op, t) for k, (_, op, t) in RATIOS.items()])
    lines += [""] + [f"- `{k}`: {d}." for k, (d, _, _) in RATIOS.items()]
    lines += ["", "## Stored bytes", "",
              "| set | device | orig | compr_data_size | mem_used_total | after recompression |",
              "|---|---|---|---|---|---|"]
    for s in sets:
        for d in DEVICES:
            st = raw[s][d]["stored"]
            after = raw[s][d].get("recompress", {}).get("mem_used_total")
            lines.append(f"| {s} | {d} | {st['orig_data_size']} | {st['compr_data_size']} | "
                         f"{st['mem_used_total']} | {after if after is not None else '-'} |")
    lines += ["", "![stored](zram-%s-stored.png)" % args.arch, "",
              "## Latency (µs)", "",
              "| set | device | write p50 | write p99 | read p50 | read p99 | read p99 after recompression |",
              "|---|---|---|---|---|---|---|"]
    for s in sets:
        for d in DEVICES:
            e = raw[s][d]
            rr = e.get("read_after_recompress")
            lines.append(
                f"| {s} | {d} | {e['write']['p50_ns'] / 1e3:.0f} | {e['write']['p99_ns'] / 1e3:.0f} | "
                f"{e['read']['p50_ns'] / 1e3:.0f} | {e['read']['p99_ns'] / 1e3:.0f} | "
                f"{'%.0f' % (rr['p99_ns'] / 1e3) if rr else '-'} |")
    lines += ["", "![latency](zram-%s-latency.png)" % args.arch, "",
              "## Recompression of cold pages (real pages)", "",
              "| device | how | wall s | guest CPU busy ms | net of idle | pass time (bg_ns) ms | "
              "pass CPU ms (scheduler) | mem_used_total after |",
              "|---|---|---|---|---|---|---|---|"]
    for d, how in (("zram-lz4+zstd", "idle all + recompress type=idle (sysfs, synchronous)"),
                   ("zmc-async", "bg_recompress, one pass (budgeted, in the background)"),
                   ("zmc-sync", "bg_recompress, one pass (budgeted, in the background)")):
        r = c[d]["recompress"]
        bg = f"{r['bg_ns'] / 1e6:.0f}" if "bg_ns" in r else "-"
        sched = r.get("bg_cpu_ns", r.get("cpu_ns"))
        sched = f"{sched / 1e6:.0f}" if sched is not None else "-"
        lines.append(f"| {d} | {how} | {r['wall_ns'] / 1e9:.1f} | {r['cpu_ms']} | {r['cpu_ms_net']} | {bg} | "
                     f"{sched} | {r['mem_used_total']} |")
    lines += ["", "Swap-out cost beside `swapout_p99_ratio` (real pages): zram-lz4 compresses in the "
              f"write, {async_cpu['zram_lz4_write_mean_us']} µs a page on average; zmc-async's write "
              f"takes {async_cpu['zmc_async_write_mean_us']} µs and its workers then spend "
              f"{async_cpu['worker_cpu_us_per_staged_page']} µs of CPU per staged page (async_stat "
              "cpu_ns / staged). The p99 ratio shows the writer's wait, not the work saved."]
    lines += ["", "Async pool after the writes (real pages): " + ", ".join(
        f"{k} {v}" for k, v in c["zmc-async"].get("async_stat", {}).items()) + "."]
    lines += ["", "CPU spent compressing per algorithm (zram_multicomp's policy_stat, real pages, ms):", "",
              "| device | algorithm | pages | comp ms | decomp pages | decomp ms |", "|---|---|---|---|---|---|"]
    for d in ("zmc-async", "zmc-sync"):
        for algo, v in c[d]["policy_stat_after_recompress"].items():
            lines.append(f"| {d} | {algo} | {v['pages']} | {v['comp_ms']} | {v['decomp_pages']} | {v['decomp_ms']} |")
    g = recompress_gain
    lines += ["", "What `recompress_cpu_ratio` can reach (bench/zram/gain.py, on the host, on the same "
              f"{g['pages']} pages the guest read, not same-filled): recompressing every page with zstd level "
              f"{g['zstd_level']} under the module's keep rule saves {g['saving_bytes']} of "
              f"{g['stored_lz4_bytes']} bytes stored with lz4. Both sides pay about the same per page "
              "tried (a decode and a zstd compression), so the CPU ratio follows the share of pages "
              "tried, and the saving is spread evenly over the pages:", "",
              "| stored with lz4, bytes | pages | saving, bytes | per page |", "|---|---|---|---|"]
    for b in g["by_stored_size"]:
        lines.append(f"| {b['from']}-{b['to']} | {b['pages']} | {b['saving_bytes']} | "
                     f"{b['saving_bytes'] // max(1, b['pages'])} |")
    if "oracle_pages_fraction" in g:
        rule = g.get("threshold_rule")
        lines += ["", f"zram_multicomp stores {g['slack_bytes']} bytes less than zram after "
                  "recompression, so it can skip pages worth that much saving and keep "
                  f"`ratio_vs_zram_recompress` >= 1.0: an oracle that knows each page's saving "
                  f"must still try {g['oracle_pages_fraction']:.0%} of the pages, "
                  + (f"a rule on the stored size (try pages of {rule['min_stored_bytes']} bytes "
                     f"or more) {rule['pages_fraction']:.0%}" if rule else "no rule on the stored size keeps it")
                  + f"; at today's cost per page the oracle gives `recompress_cpu_ratio` "
                  f"{ratios['recompress_cpu_ratio_oracle_floor']} "
                  "(`recompress_cpu_ratio_oracle_floor`). Other zstd levels, saving and host "
                  "compression time over lz4's: " + ", ".join(
                      f"level {k} {v['saving_bytes']} bytes, {v['host_time_vs_lz4']}x"
                      for k, v in g["levels"].items()) + "."]
    lines += ["", "## Relaunch under tight memory (swap, real pages)", "",
              f"The app ({tight['app_pages']} pages), {tight['bg_apps']} background apps "
              f"({tight['bg_pages']} pages each, a quarter of them written every second) and the "
              f"store share {tight['budget_kb']} KiB: the apps' memory cgroup is held at that less "
              "the store's mem_used_total (and zmc's staging buffers). The background apps are "
              "frozen before the app comes back. Rounds: "
              f"{tight['rounds']}, the devices in turn within each.", "",
              "| device | round | relaunch ms | fault p50 µs | fault p99 µs | major faults | "
              "app swapped KiB | store KiB | cgroup limit KiB | pswpin | pswpout | guest CPU ms |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for d in TIGHT_DEVICES:
        for r in rt[d]:
            lines.append(f"| {d} | {r['round']} | {r['total_ns'] / 1e6:.0f} | {r['p50_ns'] / 1e3:.0f} | "
                         f"{r['p99_ns'] / 1e3:.0f} | {r['majflt']} | {r['app_swap_kb']} | "
                         f"{r['mem_used_total'] >> 10} | {r['limit_kb']} | {r['pswpin']} | "
                         f"{r['pswpout']} | {r['cpu_ms']} |")
    lines += ["", "Decodes during the relaunch, per algorithm (zram_multicomp's policy_stat before "
              "and after, all rounds): pages decoded, their share, and the decode time per page "
              "(a swap-in also pays the fault, the swap cache and the copy). These include the "
              "background pass's decodes, which read a page in its old algorithm before "
              "recompressing it, and not reads served from a staging buffer:", "",
              "| device | algorithm | pages decoded | share | µs per page |", "|---|---|---|---|---|"]
    for d, per in relaunch_decodes.items():
        total = sum(v["pages"] for v in per.values()) or 1
        for algo, v in per.items():
            us = v["ms"] * 1e3 / v["pages"] if v["pages"] else 0
            lines.append(f"| {d} | {algo} | {v['pages']} | {v['pages'] / total:.2f} | {us:.1f} |")
    lines += ["", "![trade-off, tight memory](zram-%s-tradeoff-tight.png)" % args.arch]
    lines += ["", "## Relaunch with the store outside the limit (churn; swap, real pages)", "",
              "| device | swap-out by memory.reclaim ms | relaunch ms | fault p50 µs | fault p99 µs | guest CPU ms | "
              "pswpin | swap_ra | swap_ra_hit | stored before relaunch |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for d, r in rl.items():
        lines.append(f"| {d} | {r['swapout_ns'] / 1e6:.0f} | {r['total_ns'] / 1e6:.0f} | {r['p50_ns'] / 1e3:.0f} | "
                     f"{r['p99_ns'] / 1e3:.0f} | {r['cpu_ms']} | {r.get('pswpin', '-')} | {r.get('swap_ra', '-')} | "
                     f"{r.get('swap_ra_hit', '-')} | {r['mem_used_total']} |")
    lines += ["", "zmc-async-sio is zmc-async declared synchronous (`synchronous_io` 1, as zram is): "
              "swap reads each faulting page alone, bypassing the swap cache and readahead. "
              "zmc-tiers is zmc-async with lz4hc as a third algorithm and latency tiers (bg_warm_age 5, "
              "bg_cold_age 300): over the cold wait, pages go to lz4hc (lz4's decode speed), not zstd. "
              "zmc-tiers is the configuration README recommends and the row the relaunch targets are read "
              "from. zmc-tiers-sio is zmc-tiers declared synchronous."]
    lines += ["", "![relaunch](zram-%s-relaunch.png)" % args.arch, "",
              "![trade-off](zram-%s-tradeoff.png)" % args.arch, ""]
    with open(stem + ".md", "w") as f:
        f.write("\n".join(lines))
    print("\n".join(benchlib.targets_table([(k, ratios[k], op, t) for k, (_, op, t) in RATIOS.items()])))
    print(f"zram report: {stem}.json, {stem}.md")


if __name__ == "__main__":
    main()
