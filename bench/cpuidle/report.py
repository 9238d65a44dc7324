"""The cpuidle_ext bench report: bench/results/cpuidle-ARCH.json, cpuidle-ARCH.md, cpuidle-ARCH-*.png.

Input: the guest's BENCH records (bench/cpuidle/cpuidle.sh): the simulated driver's states,
and per run (arm, round) the kernel's per-state usage, time, above and below of every CPU and
the simulator's exit wait of every CPU and state, before and after, the wall time between
(/proc/uptime), the workload's figures and the governor's decision counters.

Per run, over all CPUs:
- residency of each state: the kernel's per-state time, as a share of all CPU time;
- running (C0): CPU time in no idle state (the wall time less the states' time, per CPU);
  split into busy (what /proc/stat counts as busy: tasks and interrupts) and the idle path
  (the rest: the idle loop's own work outside a state, the governor's included). Indicative
  only: /proc/stat's busy fields are sampled by the tick, which the arms stop and keep
  differently, and its idle field does not match the states' time on the simulated driver
  (its exit wait runs after the interrupt), so neither splits the running time exactly;
- c0_poll: time in the shallowest state (state 0: WFI on the simulated driver, the polling
  state on x86 drivers) and in any polling state, as a share of all CPU time: where a governor
  that expects an early wake-up parks the CPU, what the issue's seed figure counts (C0
  occupancy during playback, 50% to 10%). Time running is the workload's, the same under any
  governor; it is reported apart (running_share);
- energy proxy: mean power in mW over the wall time of all CPUs: each state's time less its
  exit wait by the state's power figure (the driver's power file), the exit wait by the
  simulator's wake_mw, the running time by its active_mw. The kernel counts a state's exit wait
  as time in the state; charged at the state's own power (the proxy of earlier reports, kept as
  mean_power_state_mw) a state too deep for the idle period looked cheap: a wake-up from
  system-off cost 3 ms at 5 mW. The waking interrupt's handler, which x86's wait for an
  interrupt (sti; hlt) runs before the state returns, is counted apart too (the simulator's
  irq_us, exact with IRQ time accounting, else 0): it is running time (at active_mw), as on
  hardware that wakes with interrupts masked and runs the handler after the exit latency; the
  proxy with it at the state's power is kept as mean_power_irq_in_state_mw;
- the workload's deadline misses and wake-up latency (DSP timer expiry to the player running).
Each arm's figure is the median over its rounds (a burst of host load in one round moves it
little), with the spread (min, max) of the rounds; deadline misses are also summed.
"""

import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import benchlib  # noqa: E402

ARMS = ["menu", "teo", "ext", "ext-audio"]
LABELS = {"menu": "menu", "teo": "teo", "ext": "ext (built-in)", "ext-audio": "ext + audio BPF"}

# name: (definition, op, target)
RATIOS = {
    "c0_poll_ratio_vs_menu": (
        "time in the shallowest or a polling state, ext with the audio BPF policy over menu",
        "<=", 0.2),
    "energy_ratio_vs_menu": (
        "energy proxy (mean power over the run), ext with the audio BPF policy over menu",
        "<=", 0.95),
    "deadline_miss_delta": (
        "deadline misses per run (median of the rounds), ext with the audio BPF policy minus "
        "menu", "<=", 0),
    "builtin_energy_vs_best": (
        "energy proxy, ext with its built-in policy over the better of menu and teo",
        "<=", 1.05),
    "builtin_miss_delta": (
        "deadline misses per run (median of the rounds), ext with its built-in policy minus "
        "that better arm", "<=", 0),
}


def why_groups(text):
    """The `reasons` and `learnt` files read as one line: [(label, [numbers])] in order."""
    groups = []
    for tok in text.split():
        if tok.isalpha():
            groups.append((tok, []))
        elif groups:
            groups[-1][1].append(int(tok))
    return groups


def why_delta(rec):
    """The built-in policy's selections per reason and what its history learnt over a run:
    {"reasons": {reason: per state}, "hits": per bin, "intercepts": per bin, "ignored": n}."""
    if not rec.get("why_after"):
        return None
    b, a = why_groups(rec["why_before"]), why_groups(rec["why_after"])
    if [g[0] for g in b] != [g[0] for g in a] or len(a) < 3:
        return None
    d = [(la, [x - y for x, y in zip(va, vb)]) for (la, va), (_, vb) in zip(a, b)]
    reasons, (hits, intercepts, ignored) = d[:-3], d[-3:]
    return {"reasons": {k: v for k, v in reasons}, "hits": hits[1], "intercepts": intercepts[1],
            "ignored": ignored[1][0] if ignored[1] else 0}


def cpu_busy(rec, ncpu):
    """Every CPU's busy time over a run (user, nice, system, irq, softirq of /proc/stat, in
    USER_HZ ticks of 10 ms) in us, summed and per CPU; (None, []) for records without it."""
    if not rec.get("cpustat_before"):
        return None, []
    b = [int(x) for x in rec["cpustat_before"].split()]
    a = [int(x) for x in rec["cpustat_after"].split()]
    if len(b) != 7 * ncpu or len(a) != len(b):
        raise SystemExit(f"cpuidle report: run {rec['arm']}/{rec['round']}: {len(b)} /proc/stat "
                         f"figures, expected {7 * ncpu}")
    per = []
    for c in range(ncpu):
        d = [a[7 * c + j] - b[7 * c + j] for j in range(7)]
        per.append((d[0] + d[1] + d[2] + d[5] + d[6]) * 10000.0)
    return sum(per), per


def run_figures(rec, head):
    names = head["states"].split()
    power = [int(x) for x in head["power_mw"].split()]
    active = head["active_mw"]
    ncpu, ns = head["guest"]["cpus"], len(names)
    polling = [i == 0 or n.upper() == "POLL" for i, n in enumerate(names)]
    b = [float(x) for x in rec["before"].split()]
    a = [float(x) for x in rec["after"].split()]
    kernel = 1 + ncpu * ns * 4
    # After the kernel's counters, the simulator's exit wait, then (runs since it was added)
    # the waking interrupts' handler time in the state: a value per state for each CPU.
    sim = ncpu * ns
    if len(b) not in (kernel + sim, kernel + 2 * sim) or len(a) != len(b):
        raise SystemExit(f"cpuidle report: run {rec['arm']}/{rec['round']}: "
                         f"{len(b)} counters, expected {kernel} and the simulator's")
    exit_us = [0.0] * ns
    irq_us = [[0.0] * ns for _ in range(ncpu)]
    for k in range(kernel, kernel + sim):
        exit_us[(k - kernel) % ns] += a[k] - b[k]
    for k in range(kernel + sim, len(b)):
        irq_us[(k - kernel - sim) // ns][(k - kernel - sim) % ns] += a[k] - b[k]
    irq_state = [sum(q[s] for q in irq_us) for s in range(ns)]
    wall_us = (a[0] - b[0]) * 1e6
    if wall_us <= 0:
        raise SystemExit("cpuidle report: no time passed over a run")
    # time_us: each state's time less the handlers' time in it, which is running time (the
    # kernel's state time counts it: the wait for an interrupt runs the handler).
    usage, time_us, above, below = [0] * ns, [0.0] * ns, [0] * ns, [0] * ns
    running_us = 0.0
    per_cpu = []
    for c in range(ncpu):
        idle = 0.0
        mine = {}
        for s in range(ns):
            k = 1 + (c * ns + s) * 4
            d = [a[k + j] - b[k + j] for j in range(4)]
            usage[s] += int(d[0])
            t = max(d[1] - irq_us[c][s], 0.0)
            time_us[s] += t
            above[s] += int(d[2])
            below[s] += int(d[3])
            idle += t
            mine[names[s]] = round(t / wall_us, 4)
        # uptime has 10 ms steps: a CPU idle through the whole run can show a little more idle
        # time than wall time.
        running_us += max(wall_us - idle, 0.0)
        mine["running"] = round(max(wall_us - idle, 0.0) / wall_us, 4)
        mine["irq_in_state"] = round(sum(irq_us[c]) / wall_us, 4)
        per_cpu.append(mine)
    total = wall_us * ncpu
    c0_poll = sum(t for t, p in zip(time_us, polling) if p)
    wake = head["wake_mw"]
    idle_energy = sum((t - x) * p + x * wake for t, x, p in zip(time_us, exit_us, power))
    energy = idle_energy + running_us * active
    state_energy = sum(t * p for t, p in zip(time_us, power)) + running_us * active
    # The proxy before the handlers' time was counted apart: all of it at the state's power.
    irq_total = sum(irq_state)
    irq_in_state_energy = (energy - irq_total * active
                           + sum(q * p for q, p in zip(irq_state, power)))
    busy_us, per_cpu_busy = cpu_busy(rec, ncpu)
    for mine, busy in zip(per_cpu, per_cpu_busy):
        mine["busy"] = round(busy / wall_us, 4)
    w = rec["workload"]
    return {
        "wall_s": round(wall_us / 1e6, 2),
        "residency": {n: round(t / total, 4) for n, t in zip(names, time_us)},
        "usage": dict(zip(names, usage)),
        "above": dict(zip(names, above)),
        "below": dict(zip(names, below)),
        "residency_per_cpu": per_cpu,
        "exit_wait_us": dict(zip(names, (round(x) for x in exit_us))),
        "irq_us": dict(zip(names, (round(x) for x in irq_state))),
        "irq_share": round(irq_total / total, 4),
        "running_share": round(running_us / total, 4),
        # Of the running time, what the kernel counts as busy (tasks, interrupts) and the rest:
        # the idle loop's own work outside any state (governor, tick, cpuidle core).
        "busy_share": round(busy_us / total, 4) if busy_us is not None else None,
        "idle_path_share": (round((running_us - busy_us) / total, 4)
                            if busy_us is not None else None),
        "c0_poll_share": round(c0_poll / total, 4),
        "exit_wait_share": round(sum(exit_us) / total, 4),
        "mean_power_mw": round(energy / total, 2),
        # The idle states alone, as the issue words the proxy: running time differs between
        # arms only by the emulation's and the governor's own cost.
        "idle_power_mw": round(idle_energy / total, 2),
        "mean_power_state_mw": round(state_energy / total, 2),
        "mean_power_irq_in_state_mw": round(irq_in_state_energy / total, 2),
        "misses": w["misses"],
        "periods": w["periods"],
        "lat_p50_us": w["lat_p50_us"],
        "lat_p99_us": w["lat_p99_us"],
        "lat_max_us": w["lat_max_us"],
        "done_p99_us": w["done_p99_us"],
        "decisions_bpf_builtin_clamped": rec["decisions"],
        "why": why_delta(rec),
        "workload": w,
    }


def summary(runs):
    """Median of each figure over the rounds, with min and max; misses summed too."""
    out = {"rounds": len(runs)}
    for k in ("busy_share", "idle_path_share"):
        v = [r[k] for r in runs if r.get(k) is not None]
        if v:
            out[k] = round(statistics.median(v), 4)
            out[k + "_spread"] = [min(v), max(v)]
    for k in ("running_share", "c0_poll_share", "exit_wait_share", "irq_share", "mean_power_mw",
              "idle_power_mw", "mean_power_state_mw", "mean_power_irq_in_state_mw", "lat_p50_us", "lat_p99_us", "lat_max_us", "done_p99_us",
              "misses"):
        v = [r[k] for r in runs]
        out[k] = round(statistics.median(v), 4)
        out[k + "_spread"] = [min(v), max(v)]
    out["misses_total"] = sum(r["misses"] for r in runs)
    out["periods_total"] = sum(r["periods"] for r in runs)
    names = list(runs[0]["residency"])
    out["residency"] = {n: round(statistics.median(r["residency"][n] for r in runs), 4) for n in names}
    for k in ("usage", "above", "below", "exit_wait_us", "irq_us"):
        out[k] = {n: sum(r[k][n] for r in runs) for n in names}
    whys = [r["why"] for r in runs if r.get("why")]
    if whys:
        add = lambda vs: [sum(x) for x in zip(*vs)]  # noqa: E731
        out["why"] = {
            "reasons": {k: add([w["reasons"][k] for w in whys]) for k in whys[0]["reasons"]},
            "hits": add([w["hits"] for w in whys]),
            "intercepts": add([w["intercepts"] for w in whys]),
            "ignored": sum(w["ignored"] for w in whys),
        }
    return out


def main():
    args = benchlib.parse_args(__doc__)
    records = benchlib.read_records(args.records)
    head = next(r for r in records if "guest" in r)
    absent = {r["absent"]: r["reason"] for r in records if "absent" in r}
    runs = {a: [] for a in ARMS}
    for r in records:
        if "arm" in r:
            runs[r["arm"]].append(dict(run_figures(r, head), round=r["round"]))
    for a in ARMS:
        if not runs[a] and a not in absent:
            raise SystemExit(f"cpuidle report: no run of {a}, and the guest did not say it is absent")
    present = [a for a in ARMS if runs[a]]
    res = {a: summary(runs[a]) for a in present}
    for a in present:
        res[a]["runs"] = runs[a]

    def per_round(a, b, key):
        """The ratio a/b of the same round, for each round both ran: the ratio's spread."""
        rb = {r["round"]: r[key] for r in runs[b]}
        v = [r[key] / rb[r["round"]] for r in runs[a] if rb.get(r["round"])]
        return [round(min(v), 4), round(max(v), 4)] if v else None

    menu, teo = res["menu"], res["teo"]
    best = "menu" if menu["mean_power_mw"] <= teo["mean_power_mw"] else "teo"
    ratios, spread = {}, {}
    au = res.get("ext-audio")
    ratios["c0_poll_ratio_vs_menu"] = benchlib.ratio(au["c0_poll_share"], menu["c0_poll_share"]) if au else None
    ratios["energy_ratio_vs_menu"] = benchlib.ratio(au["mean_power_mw"], menu["mean_power_mw"]) if au else None
    ratios["deadline_miss_delta"] = au["misses"] - menu["misses"] if au else None
    ratios["builtin_energy_vs_best"] = benchlib.ratio(res["ext"]["mean_power_mw"], res[best]["mean_power_mw"])
    ratios["builtin_miss_delta"] = res["ext"]["misses"] - res[best]["misses"]
    if au:
        spread["c0_poll_ratio_vs_menu"] = per_round("ext-audio", "menu", "c0_poll_share")
        spread["energy_ratio_vs_menu"] = per_round("ext-audio", "menu", "mean_power_mw")
    spread["builtin_energy_vs_best"] = per_round("ext", best, "mean_power_mw")
    extra = {
        "builtin_energy_vs_menu": benchlib.ratio(res["ext"]["mean_power_mw"], menu["mean_power_mw"]),
        "builtin_energy_vs_teo": benchlib.ratio(res["ext"]["mean_power_mw"], teo["mean_power_mw"]),
        "idle_energy_ratio_vs_menu": (benchlib.ratio(au["idle_power_mw"], menu["idle_power_mw"])
                                      if au else None),
        "builtin_idle_energy_vs_best": benchlib.ratio(res["ext"]["idle_power_mw"],
                                                      res[best]["idle_power_mw"]),
        "energy_ratio_vs_menu_exit_at_state_power": (
            benchlib.ratio(au["mean_power_state_mw"], menu["mean_power_state_mw"]) if au else None),
        "builtin_energy_vs_best_exit_at_state_power": benchlib.ratio(
            res["ext"]["mean_power_state_mw"],
            min(menu["mean_power_state_mw"], teo["mean_power_state_mw"])),
        "energy_ratio_vs_menu_irq_in_state": (
            benchlib.ratio(au["mean_power_irq_in_state_mw"], menu["mean_power_irq_in_state_mw"])
            if au else None),
        "builtin_energy_vs_best_irq_in_state": benchlib.ratio(
            res["ext"]["mean_power_irq_in_state_mw"],
            min(menu["mean_power_irq_in_state_mw"], teo["mean_power_irq_in_state_mw"])),
        "running_ratio_vs_menu": benchlib.ratio(au["running_share"], menu["running_share"]) if au else None,
        "lat_p99_ratio_vs_menu": benchlib.ratio(au["lat_p99_us"], menu["lat_p99_us"]) if au else None,
        "misses_total_delta_vs_menu": au["misses_total"] - menu["misses_total"] if au else None,
        "builtin_misses_total_delta_vs_best": res["ext"]["misses_total"] - res[best]["misses_total"],
        "best_of_menu_teo": best,
    }
    machine = benchlib.machine(args, head["guest"])
    stem = os.path.join(args.outdir, f"cpuidle-{args.arch}")
    setup = {k: head[k] for k in ("driver", "states", "latency_us", "residency_us", "power_mw",
                                  "active_mw", "wake_mw", "rounds", "seconds", "period_us", "work_us",
                                  "deadline_us")}
    doc = {
        "bench": "cpuidle",
        "machine": machine,
        "setup": setup,
        "absent": absent,
        "ratios": ratios,
        "ratio_spread_over_rounds": spread,
        "other_ratios": extra,
        "targets": {k: {"definition": d, "op": op, "target": t,
                        "verdict": benchlib.verdict(ratios[k], op, t)}
                    for k, (d, op, t) in RATIOS.items()},
        "results": res,
    }
    benchlib.write_json(stem + ".json", doc)
    plots(stem, present, res)
    md(args, stem, head, machine, setup, absent, present, res, ratios, spread, extra)


def plots(stem, present, res):
    plt = benchlib.plt
    names = list(res[present[0]]["residency"])
    labels = [LABELS[a] for a in present]
    fig, ax = plt.subplots(figsize=(7, 3.6))
    bottom = [0.0] * len(present)
    for part in ["running (C0)"] + names:
        v = [100 * (res[a]["running_share"] if part == "running (C0)" else res[a]["residency"][part])
             for a in present]
        ax.bar(labels, v, bottom=bottom, label=part)
        bottom = [x + y for x, y in zip(bottom, v)]
    ax.set_ylabel("% of CPU time (all CPUs)")
    ax.set_title("Residency per state (kernel's cpuidle time), median of rounds", fontsize=10)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1, 0.5))
    fig.tight_layout()
    fig.savefig(stem + "-residency.png", dpi=110)
    plt.close(fig)
    for key, fname, title, ylabel in (
            ("mean_power_mw", "energy", "Energy proxy: mean power per CPU (mW), rounds' spread", "mW"),
            ("c0_poll_share", "c0poll", "Share of CPU time in the shallowest state, rounds' spread", "share")):
        fig, ax = plt.subplots(figsize=(7, 3.6))
        v = [res[a][key] for a in present]
        lo = [v[i] - res[a][key + "_spread"][0] for i, a in enumerate(present)]
        hi = [res[a][key + "_spread"][1] - v[i] for i, a in enumerate(present)]
        ax.bar(labels, v, yerr=[lo, hi], capsize=4)
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=10)
        fig.tight_layout()
        fig.savefig(f"{stem}-{fname}.png", dpi=110)
        plt.close(fig)
    benchlib.bar_chart(stem + "-latency.png", "Wake-up latency, DSP timer expiry to the player running (us)",
                       "us", labels, {"p50": [res[a]["lat_p50_us"] for a in present],
                                      "p99": [res[a]["lat_p99_us"] for a in present]})


def md(args, stem, head, machine, setup, absent, present, res, ratios, spread, extra):
    arch = args.arch
    names = list(res[present[0]]["residency"])
    lines = ["# cpuidle_ext bench (" + arch + ")", ""]
    lines += benchlib.machine_lines(machine)
    lines += ["", f"Simulated cpuidle driver `{setup['driver']}`: states {setup['states'].strip()}; exit latency "
              f"{setup['latency_us'].strip()} us, target residency {setup['residency_us'].strip()} us, power "
              f"{setup['power_mw'].strip()} mW, running {setup['active_mw']} mW, waiting out an exit latency "
              f"{setup['wake_mw']} mW. Workload: a DSP timer on "
              f"CPU 1 every {setup['period_us']} us wakes the player on CPU 1's peer, CPU 0, which works "
              f"{setup['work_us']} us and must be done {setup['deadline_us']} us after the expiry; the guest is "
              f"otherwise idle. {setup['rounds']} rounds of {setup['seconds']} s per arm, arms interleaved.", ""]
    for a, why in absent.items():
        lines += [f"Arm `{a}` absent: {why}.", ""]
    rows = [(k, ratios[k], op, t) for k, (_, op, t) in RATIOS.items()]
    lines += benchlib.targets_table(rows)
    lines += ["", "Spread of the ratios over the rounds (same round's arms): " +
              ", ".join(f"`{k}` {v[0]}..{v[1]}" for k, v in spread.items() if v) + ".",
              "Other ratios: " + ", ".join(f"`{k}` {v}" for k, v in extra.items()) + ".", ""]
    head_row = "| arm | " + " | ".join(f"{n} %" for n in names) + \
        " | running % | shallow % | exit wait % | handlers in a state % | mean mW | misses per run (all) | wake p50 us | wake p99 us | done p99 us |"
    lines += [head_row, "|" + "---|" * (len(names) + 10)]
    for a in present:
        r = res[a]
        pw = r["mean_power_mw_spread"]
        lines.append(f"| {LABELS[a]} | " + " | ".join(f"{100 * r['residency'][n]:.1f}" for n in names) +
                     f" | {100 * r['running_share']:.1f} | {100 * r['c0_poll_share']:.1f} | "
                     f"{100 * r['exit_wait_share']:.1f} | {100 * r['irq_share']:.1f} | "
                     f"{r['mean_power_mw']:.1f} ({pw[0]:.1f}-{pw[1]:.1f}) | {r['misses']:.0f} ({r['misses_total']}/{r['periods_total']}) | "
                     f"{r['lat_p50_us']:.0f} | {r['lat_p99_us']:.0f} | {r['done_p99_us']:.0f} |")
    lines += ["", "Handlers in a state: the waking interrupts' handler time that x86's wait for an "
              "interrupt (sti; hlt) runs inside a state, which the kernel counts as the state's; it "
              "is running time here (charged at the running power) and left out of the states' "
              "columns. 0 where the kernel has no IRQ time accounting (the simulator's irq_us)."]
    if all(res[a].get("busy_share") is not None for a in present):
        lines += ["", "Where the running time goes, per CPU (CPU 0 the player's, CPU 1 the DSP's), "
                  "medians of the rounds, % of the CPU's time: running is the wall time less the "
                  "states' time, busy what /proc/stat counts as busy on it (tasks, interrupts), "
                  "idle path the rest (the idle loop's own work outside any state: governor, tick, "
                  "cpuidle core); USER_HZ steps of 10 ms. Indicative only: the busy fields are "
                  "sampled by the tick, which the arms stop and keep differently.", "",
                  "| arm | running | busy | idle path | CPU 0 running, busy | CPU 1 running, busy |",
                  "|---|---|---|---|---|---|"]
        for a in present:
            r = res[a]
            cells = []
            for c in range(len(r["runs"][0]["residency_per_cpu"])):
                run = statistics.median(x["residency_per_cpu"][c]["running"] for x in r["runs"])
                busy = statistics.median(x["residency_per_cpu"][c]["busy"] for x in r["runs"])
                cells.append(f"{100 * run:.1f}, {100 * busy:.1f}")
            lines.append(f"| {LABELS[a]} | {100 * r['running_share']:.1f} | {100 * r['busy_share']:.1f} | "
                         f"{100 * r['idle_path_share']:.1f} | " + " | ".join(cells[:2]) + " |")
    lines += ["", "Entries per state over all rounds (above: the state was too deep for the idle "
              "period; below: a deeper one would have fitted), from the kernel's counters:", "",
              "| arm | " + " | ".join(names) + " |", "|" + "---|" * (len(names) + 1)]
    for a in present:
        r = res[a]
        lines.append(f"| {LABELS[a]} | " + " | ".join(
            f"{r['usage'][n]} (above {r['above'][n]}, below {r['below'][n]})" for n in names) + " |")
    if "why" in res.get("ext", {}):
        w = res["ext"]["why"]
        lines += ["", "ext's built-in policy over all rounds: selections per state by reason, and "
                  "what its history learnt from each wakeup (per bin; one bin per state):", "",
                  "| | " + " | ".join(names) + " |", "|" + "---|" * (len(names) + 1)]
        for k, v in list(w["reasons"].items()) + [("learnt: hits", w["hits"]),
                                                  ("learnt: intercepts", w["intercepts"])]:
            lines.append(f"| {k} | " + " | ".join(str(x) for x in v[:len(names)]) + " |")
        lines += ["", f"Wakeups not learnt from (cut short by the tick before the expected "
                  f"wakeup): {w['ignored']}."]
    for p in ("residency", "energy", "c0poll", "latency"):
        lines += ["", f"![{p}](cpuidle-{arch}-{p}.png)"]
    lines.append("")
    with open(stem + ".md", "w") as f:
        f.write("\n".join(lines))
    print("\n".join(benchlib.targets_table(rows)))


if __name__ == "__main__":
    main()
