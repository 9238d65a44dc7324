"""The zcache bench report: bench/results/zcache-ARCH.json, zcache-ARCH.md, zcache-ARCH-launch.png.

Input: the guest's BENCH records (bench/zcache/zcache.sh): one per launch (arm, app, round,
ms, hits, misses, lower_sectors, cpu_ticks) and a summary per arm. The first round of each arm
is the cold start (every app read from the disk) and is left out of the percentiles.
A skeleton: the figures are only meaningful once the disk is throttled (see bench.conf).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import benchlib  # noqa: E402

ARMS = ["plain", "off", "sync", "async"]

# name: (definition, op, target)
RATIOS = {
    "launch_p50_ratio": ("async mode's launch time p50 over the plain disk's", "<=", 0.88),
    "async_vs_sync_launch": ("async mode's launch time p50 over sync mode's", "<", 1.0),
    "off_overhead_ratio": ("launch time p50 on zcache0 with caching off over the plain disk's",
                           "<=", 1.02),
}


def pct(values, p):
    v = sorted(values)
    if not v:
        raise SystemExit("zcache report: an arm has no warm launches")
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def main():
    args = benchlib.parse_args(__doc__)
    recs = benchlib.read_records(args.records)
    guest = next((r["guest"] for r in recs if "guest" in r), {})
    arms = {}
    for arm in ARMS:
        launches = [r for r in recs if r.get("arm") == arm and "ms" in r and r["round"] > 0]
        summary = next((r for r in recs if r.get("arm") == arm and r.get("summary")), None)
        if not launches or summary is None:
            raise SystemExit(f"zcache report: no figures for the {arm} arm")
        ms = [r["ms"] for r in launches]
        hits = sum(r["hits"] for r in launches)
        arms[arm] = {
            "launch_p50_ms": pct(ms, 50),
            "launch_p90_ms": pct(ms, 90),
            "hits": hits,
            "lower_sectors": sum(r["lower_sectors"] for r in launches),
            "cpu_ticks": sum(r["cpu_ticks"] for r in launches),
            "compressed_to_original": benchlib.ratio(summary["compressed_bytes"],
                                                     summary["original_bytes"]),
            "stores": summary["stores"],
            "staging_drops": summary["staging_drops"],
        }
    p50 = {a: arms[a]["launch_p50_ms"] for a in ARMS}
    figures = {
        "launch_p50_ratio": benchlib.ratio(p50["async"], p50["plain"]),
        "async_vs_sync_launch": benchlib.ratio(p50["async"], p50["sync"]),
        "off_overhead_ratio": benchlib.ratio(p50["off"], p50["plain"]),
    }
    out = {"machine": benchlib.machine(args, guest), "arms": arms, **figures,
           "definitions": {k: v[0] for k, v in RATIOS.items()}}
    base = os.path.join(args.outdir, f"zcache-{args.arch}")
    benchlib.write_json(base + ".json", out)
    benchlib.bar_chart(base + "-launch.png", "app launch time (warm rounds)", "ms", ARMS,
                       {"p50": [p50[a] for a in ARMS],
                        "p90": [arms[a]["launch_p90_ms"] for a in ARMS]})
    lines = [f"# zcache bench, {args.arch}", "",
             "Skeleton figures: the disk is not throttled to flash latency yet.", ""]
    lines += benchlib.targets_table([(k, figures[k], v[1], v[2]) for k, v in RATIOS.items()])
    with open(base + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
