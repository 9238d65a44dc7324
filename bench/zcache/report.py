"""The zcache bench report: bench/results/zcache-ARCH.json, zcache-ARCH.md, zcache-ARCH-launch.png
and zcache-ARCH-passes.png.

Input: the guest's BENCH records (bench/zcache/zcache.sh): the calibration (guest lz4 speed,
the flash latency derived from it, the cgroup's sizes), one record per launch (arm, pass, app,
round, fio's runtime in ms, the cache's hits and misses, sectors read from the lower disk,
file refaults of the cgroup, busy CPU ticks) and a summary per arm and pass. Round 0 of each
run is the cold start (every app read from the disk, the cache empty) and is left out of the
launch figures; every other launch is a relaunch.
"""

import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import benchlib  # noqa: E402

ARMS = ["plain", "off", "sync", "async"]

# name: (definition, op, target, numerator arm, denominator arm)
RATIOS = {
    "launch_p50_ratio": ("async mode's relaunch time p50 over the plain disk's", "<=", 0.88,
                         "async", "plain"),
    "async_vs_sync_launch": ("async mode's relaunch time p50 over sync mode's", "<", 1.0,
                             "async", "sync"),
    "off_overhead_ratio": ("relaunch time p50 on zcache0 with caching off over the plain "
                           "disk's", "<=", 1.02, "off", "plain"),
}


def pct(values, p):
    v = sorted(values)
    if not v:
        raise SystemExit("zcache report: an arm has no relaunches")
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def verdict(value, op, target):
    if value is None:
        return "not measured"
    return "met" if (value < target if op == "<" else value <= target) else "not met"


def main():
    args = benchlib.parse_args(__doc__)
    recs = benchlib.read_records(args.records)
    head = next((r for r in recs if "guest" in r), None)
    cgroup = next((r["cgroup"] for r in recs if "cgroup" in r), None)
    if head is None or cgroup is None:
        raise SystemExit("zcache report: no calibration records")
    passes = sorted({r["pass"] for r in recs if "pass" in r})
    arms = {}
    for arm in ARMS:
        launches = [r for r in recs if r.get("arm") == arm and "ms" in r and r["round"] > 0]
        sums = [r for r in recs if r.get("arm") == arm and r.get("summary")]
        if not launches or len(sums) != len(passes):
            raise SystemExit(f"zcache report: no figures for the {arm} arm in every pass")
        ms = [r["ms"] for r in launches]
        per_pass = [pct([r["ms"] for r in launches if r["pass"] == p], 50) for p in passes]
        hits = sum(r["hits"] for r in launches)
        refaults = sum(r["refaults"] for r in launches)
        n = len(launches)
        hz = sums[0]["hz"]
        arms[arm] = {
            "relaunches": n,
            "launch_p10_ms": pct(ms, 10),
            "launch_p50_ms": pct(ms, 50),
            "launch_p90_ms": pct(ms, 90),
            "launch_mean_ms": round(statistics.mean(ms), 1),
            "launch_p50_ms_per_pass": per_pass,
            "hits": hits,
            "refaults": refaults,
            "hits_over_refaults": benchlib.ratio(hits, refaults),
            "lower_kib_per_relaunch": round(sum(r["lower_sectors"] for r in launches) / 2 / n, 1),
            "cpu_busy_ms_per_relaunch": round(sum(r["cpu_ticks"] for r in launches) * 1000 / hz / n,
                                              1),
            "worker_cpu_ms": round(sum(s["worker_ticks"] for s in sums) * 1000 / hz, 1),
            "arm_cpu_busy_ms": round(sum(s["cpu_ticks"] for s in sums) * 1000 / hz, 1),
            "arm_wall_ms": sum(s["wall_cs"] for s in sums) * 10,
            "compressed_to_original": benchlib.ratio(sum(s["compressed_bytes"] for s in sums),
                                                     sum(s["original_bytes"] for s in sums)),
            **{k: sum(s[k] for s in sums) for k in
               ["stores", "evictions", "staging_drops", "store_failures", "changed", "stale",
                "corrupt"]},
        }
    figures, spread = {}, {}
    for name, (_, _, _, num, den) in RATIOS.items():
        figures[name] = benchlib.ratio(arms[num]["launch_p50_ms"], arms[den]["launch_p50_ms"])
        spread[name] = [benchlib.ratio(a, b) for a, b in
                        zip(arms[num]["launch_p50_ms_per_pass"],
                            arms[den]["launch_p50_ms_per_pass"])]
    calib = {k: head[k] for k in ["apps", "app_kib", "rounds", "passes", "lz4_decode_mbs",
                                  "lz4_4k_ns", "phone", "flash_us", "flash_ns_per_kib",
                                  "staging_pages"]}
    out = {"machine": benchlib.machine(args, head["guest"]), "model": {**calib, "cgroup": cgroup},
           "arms": arms, **figures, "per_pass": spread,
           "definitions": {k: v[0] for k, v in RATIOS.items()}}
    base = os.path.join(args.outdir, f"zcache-{args.arch}")
    benchlib.write_json(base + ".json", out)
    benchlib.bar_chart(base + "-launch.png", "app relaunch time (fio runtime, all passes)", "ms",
                       ARMS, {"p10": [arms[a]["launch_p10_ms"] for a in ARMS],
                              "p50": [arms[a]["launch_p50_ms"] for a in ARMS],
                              "p90": [arms[a]["launch_p90_ms"] for a in ARMS]})
    benchlib.bar_chart(base + "-passes.png", "relaunch time p50 per pass", "ms", ARMS,
                       {f"pass {p}": [arms[a]["launch_p50_ms_per_pass"][i] for a in ARMS]
                        for i, p in enumerate(passes)})

    m = out["model"]
    lines = [f"# zcache bench ({args.arch})", ""] + benchlib.machine_lines(out["machine"]) + [
        "",
        f"Model: {m['apps']} apps of {m['app_kib']} KiB of the guest's own program bytes on "
        f"ext4, relaunched round-robin ({m['rounds']} rounds, round 0 cold and left out) in a "
        f"memory cgroup of {cgroup['limit_kib']} KiB (the launcher's own {cgroup['launcher_kib']} "
        f"KiB, a {cgroup['hog_kib']} KiB shared-memory hog that comes and goes, room for "
        f"{cgroup['room_kib']} KiB of app pages); a launch reads every 4 KiB page of its app "
        "once in random order (fio, readahead off), then the checksums are checked. "
        f"{m['passes']} passes, the arms in rotated order.",
        "",
        f"Flash: zcdelay0 over the virtio disk, reads taking at least {m['flash_us']} us + "
        f"{m['flash_ns_per_kib']} ns/KiB: a phone's {m['phone']['flash_us']} us + "
        f"{m['phone']['ns_per_kib']} ns/KiB scaled by the guest's lz4 4 KiB decode time "
        f"({m['lz4_4k_ns']} ns, {m['lz4_decode_mbs']} MB/s) over a phone's "
        f"({m['phone']['lz4_4k_ns']} ns).",
        "",
        "| figure | value | per pass | target | |",
        "|---|---|---|---|---|",
    ]
    for name, (_, op, target, _, _) in RATIOS.items():
        v = figures[name]
        shown = "n/a" if v is None else f"{v:.3f}"
        per = ", ".join("n/a" if x is None else f"{x:.3f}" for x in spread[name])
        lines.append(f"| `{name}` | {shown} | {per} | {op} {target} | {verdict(v, op, target)} |")
    lines += [
        "",
        "| arm | p10 ms | p50 ms | p90 ms | p50 per pass | hits / file refaults | lower KiB per relaunch "
        "| busy CPU ms per relaunch | worker CPU ms | compressed / original | stores | staging "
        "drops |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for a in ARMS:
        x = arms[a]
        hr = "n/a" if x["hits_over_refaults"] is None else f"{x['hits_over_refaults']:.3f}"
        co = "n/a" if x["compressed_to_original"] is None else f"{x['compressed_to_original']:.3f}"
        lines.append(
            f"| {a} | {x['launch_p10_ms']} | {x['launch_p50_ms']} | {x['launch_p90_ms']} | "
            f"{'/'.join(str(v) for v in x['launch_p50_ms_per_pass'])} | {x['hits']} / "
            f"{x['refaults']} ({hr}) | {x['lower_kib_per_relaunch']} | "
            f"{x['cpu_busy_ms_per_relaunch']} | {x['worker_cpu_ms']} | {co} | {x['stores']} | "
            f"{x['staging_drops']} |")
    lines += [
        "",
        "On a shared host the arms that spend their relaunch on the CPU (sync, async: the "
        "cache's hits leave little to wait for) stretch when the host is busy, while the "
        "plain disk's relaunch mostly sleeps on the flash latency; p10 is the least disturbed "
        "figure. Busy CPU is all vCPUs' (the hog and the workers included) during the relaunch; worker "
        "CPU is zcache's worker threads over the whole run of the arm (compression in async "
        "mode; in sync mode the evicting task compresses, and that time is in busy CPU). No "
        "launch read a wrong byte (the run fails otherwise); the module's own checks found "
        f"{sum(arms[a]['changed'] + arms[a]['corrupt'] for a in ARMS)} pages changed or corrupt.",
        "",
        f"![relaunch time](zcache-{args.arch}-launch.png)",
        "",
        f"![per pass](zcache-{args.arch}-passes.png)",
    ]
    with open(base + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
