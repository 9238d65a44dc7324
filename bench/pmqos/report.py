"""The blk_pmqos bench report: bench/results/pmqos-ARCH.json, pmqos-ARCH.md and pmqos-ARCH-*.png.

Input: the guest's BENCH records (bench/pmqos/pmqos.sh): per workload and arm, fio's JSON and
devfreq's time in each frequency over the run. The energy proxy is the mean frequency over the
run (time at each frequency weighted by the frequency); see RATIOS for each ratio's definition.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import benchlib  # noqa: E402

ARMS = ["ondemand", "pmqos", "hold", "performance", "probes", "powersave"]
WORKLOADS = ["intermittent", "sustained", "bursty"]

# name: (definition, op, target)
RATIOS = {
    "intermittent_latency_ratio": (
        "mean completion latency of intermittent reads, simple_ondemand with blk_pmqos over "
        "simple_ondemand alone", "<=", 0.85),
    "latency_vs_performance": (
        "the same, blk_pmqos over the top frequency pinned (performance)", "<=", 1.10),
    "sustained_bw_ratio": (
        "bandwidth of sustained reads at depth 32, with blk_pmqos over simple_ondemand alone",
        ">=", 1.05),
    "energy_fraction": (
        "energy proxy (mean frequency over the run) of the intermittent workload: how far "
        "blk_pmqos goes from simple_ondemand alone (0) to performance (1)", "<=", 0.5),
}


def mean_mhz(before, after):
    """Mean frequency in MHz over the run, from two trans_stat readings ("freq ms" pairs)."""
    def pairs(text):
        f = text.split()
        return {int(f[i]): int(f[i + 1]) for i in range(0, len(f) - 1, 2)}
    b, a = pairs(before), pairs(after)
    dt = {hz: a[hz] - b.get(hz, 0) for hz in a}
    total = sum(dt.values())
    if total <= 0:
        raise SystemExit("pmqos report: trans_stat shows no time over a run")
    return sum(hz / 1e6 * ms for hz, ms in dt.items()) / total, {hz // 1000000: ms for hz, ms in dt.items()}


def figures(rec):
    rd = rec["fio"]["jobs"][0]["read"]
    pct = rd["clat_ns"].get("percentile", {})
    mhz, ms = mean_mhz(rec["tstat_before"], rec["tstat_after"])
    return {
        "mean_us": round(rd["clat_ns"]["mean"] / 1000, 1),
        "p50_us": round(pct.get("50.000000", 0) / 1000, 1),
        "p99_us": round(pct.get("99.000000", 0) / 1000, 1),
        "bw_kib_s": rd["bw"],
        "iops": round(rd["iops"], 1),
        "ios": rd["total_ios"],
        "mean_mhz": round(mhz, 1),
        "ms_at_mhz": ms,
        "pmqos": rec.get("pmqos", ""),
    }


def main():
    args = benchlib.parse_args(__doc__)
    records = benchlib.read_records(args.records)
    head = next(r for r in records if "guest" in r)
    res = {w: {} for w in WORKLOADS}
    for r in records:
        if "arm" in r:
            res[r["workload"]][r["arm"]] = figures(r)
    for w in WORKLOADS:
        for a in ARMS:
            if a not in res[w]:
                raise SystemExit(f"pmqos report: no record for {w} on {a}")
    it, su = res["intermittent"], res["sustained"]
    span = it["performance"]["mean_mhz"] - it["ondemand"]["mean_mhz"]
    ratios = {
        "intermittent_latency_ratio": benchlib.ratio(it["pmqos"]["mean_us"], it["ondemand"]["mean_us"]),
        "latency_vs_performance": benchlib.ratio(it["pmqos"]["mean_us"], it["performance"]["mean_us"]),
        "sustained_bw_ratio": benchlib.ratio(su["pmqos"]["bw_kib_s"], su["ondemand"]["bw_kib_s"]),
        "energy_fraction": benchlib.ratio(it["pmqos"]["mean_mhz"] - it["ondemand"]["mean_mhz"], span),
        # Not targets: what the plain hold (lead_time 0) gives, and the most any floor can give
        # on the sustained load (the top frequency pinned).
        "hold_latency_ratio": benchlib.ratio(it["hold"]["mean_us"], it["ondemand"]["mean_us"]),
        "hold_energy_fraction": benchlib.ratio(it["hold"]["mean_mhz"] - it["ondemand"]["mean_mhz"], span),
        "sustained_bw_ceiling": benchlib.ratio(su["performance"]["bw_kib_s"], su["ondemand"]["bw_kib_s"]),
        # The per-request path's own cost: the top frequency pinned, blk_pmqos attached but
        # disabled, over the same without it.
        "probes_latency_ratio": benchlib.ratio(it["probes"]["mean_us"], it["performance"]["mean_us"]),
        "probes_bw_ratio": benchlib.ratio(su["probes"]["bw_kib_s"], su["performance"]["bw_kib_s"]),
    }
    machine = benchlib.machine(args, head["guest"])
    stem = os.path.join(args.outdir, f"pmqos-{args.arch}")
    doc = {
        "bench": "pmqos",
        "machine": machine,
        "runtime_s": head["runtime_s"],
        "ratios": ratios,
        "targets": {k: {"definition": d, "op": op, "target": t,
                        "verdict": benchlib.verdict(ratios[k], op, t)}
                    for k, (d, op, t) in RATIOS.items()},
        "results": res,
    }
    benchlib.write_json(stem + ".json", doc)
    benchlib.bar_chart(stem + "-latency.png", "Mean completion latency (us), by workload",
                       "us", WORKLOADS, {a: [res[w][a]["mean_us"] for w in WORKLOADS] for a in ARMS},
                       log=True)
    benchlib.bar_chart(stem + "-energy.png", "Energy proxy: mean frequency over the run (MHz)",
                       "MHz", WORKLOADS, {a: [res[w][a]["mean_mhz"] for w in WORKLOADS] for a in ARMS})
    lines = ["# blk_pmqos bench (" + args.arch + ")", ""]
    lines += benchlib.machine_lines(machine)
    lines += ["", "The simulated devfreq disk (blk_pmqos_sim), four arms in turn on each workload, "
              f"{head['runtime_s']} s each: simple_ondemand alone (`ondemand`), with blk_pmqos "
              "attached (`pmqos`, its defaults), the same with `lead_time` 0 (`hold`: the plain "
              "hold, no rhythm), the top frequency pinned (`performance`), the same with "
              "blk_pmqos attached but disabled (`probes`: its per-request path alone) and the "
              "bottom frequency pinned (`powersave`).", ""]
    lines += benchlib.targets_table([(k, ratios[k], op, t) for k, (_, op, t) in RATIOS.items()])
    lines += ["", f"Not targets: the plain hold gives an intermittent latency ratio of "
              f"{ratios['hold_latency_ratio']} at an energy fraction of {ratios['hold_energy_fraction']} "
              f"(`hold_latency_ratio`, `hold_energy_fraction`); pinning the top frequency gives the "
              f"sustained load {ratios['sustained_bw_ceiling']}x simple_ondemand's bandwidth "
              f"(`sustained_bw_ceiling`), the most any floor can add to it on this device. "
              f"blk_pmqos's per-request path alone (attached, disabled, top frequency pinned) "
              f"changes intermittent latency by {ratios['probes_latency_ratio']}x and sustained "
              f"bandwidth by {ratios['probes_bw_ratio']}x (`probes_latency_ratio`, "
              f"`probes_bw_ratio`; under emulation, where every instruction costs many)."]
    lines += ["", "| workload | arm | mean us | p50 us | p99 us | KiB/s | mean MHz | ms at 100/200/400/800 MHz | blk_pmqos |",
              "|---|---|---|---|---|---|---|---|---|"]
    for w in WORKLOADS:
        for a in ARMS:
            f = res[w][a]
            at = "/".join(str(f["ms_at_mhz"].get(m, 0)) for m in (100, 200, 400, 800))
            lines.append(f"| {w} | {a} | {f['mean_us']} | {f['p50_us']} | {f['p99_us']} | "
                         f"{f['bw_kib_s']} | {f['mean_mhz']} | {at} | {f['pmqos']} |")
    lines += ["", f"![latency](pmqos-{args.arch}-latency.png)", "",
              f"![energy](pmqos-{args.arch}-energy.png)", ""]
    with open(stem + ".md", "w") as f:
        f.write("\n".join(lines))
    print("\n".join(benchlib.targets_table([(k, ratios[k], op, t) for k, (_, op, t) in RATIOS.items()])))


if __name__ == "__main__":
    main()
