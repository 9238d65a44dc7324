#!/usr/bin/env python3
"""Writes the synthetic wakeup traces of tests/trace.rs (deterministic; run from this folder).

A trace is one CPU's idle periods, one per line: `timer_us wake_us`. `timer_us` is the time
from entering idle to the next timer (tick_nohz_get_sleep_length), `wake_us` when the CPU was
woken; `wake_us == timer_us` is a timer wakeup, less is a non-timer event (an interrupt). The
CPU runs `BUSY_US` between idle periods. Lines starting with `#` are comments.
"""

import random

BUSY_US = 300


def periodic(rng, n, period_us, jitter_us, timer_period_us, start_us=0):
    """An interrupt every `period_us` (a DSP's audio buffer), a timer every `timer_period_us`."""
    out, t = [], start_us
    next_irq = t + period_us
    for _ in range(n):
        timer = (t // timer_period_us + 1) * timer_period_us - t
        irq = max(1, next_irq + rng.randint(-jitter_us, jitter_us) - t)
        wake = min(timer, irq)
        out.append((timer, wake))
        t += wake + BUSY_US
        if t >= next_irq:
            next_irq += period_us
    return out, t


def long_idle(rng, n, lo_us, hi_us):
    """Only timers, from `lo_us` to `hi_us` apart: the CPU sleeps until each."""
    out = []
    for _ in range(n):
        timer = rng.randint(lo_us, hi_us)
        out.append((timer, timer))
    return out


def bursts(rng, n, lo_us, hi_us, timer_lo_us, timer_hi_us):
    """Interrupts at random short intervals (network, touch), timers far away."""
    out = []
    for _ in range(n):
        timer = rng.randint(timer_lo_us, timer_hi_us)
        out.append((timer, min(timer, rng.randint(lo_us, hi_us))))
    return out


def write(name, comment, periods):
    with open(name, "w") as f:
        for line in comment.strip().splitlines():
            f.write(f"# {line}\n")
        for timer, wake in periods:
            f.write(f"{timer} {wake}\n")


def main():
    rng = random.Random(15)
    music, _ = periodic(rng, 400, 10_000, 150, 100_000)
    write("music-10ms.trace", """
Music playback: the audio DSP interrupts every 10 ms (+-150 us), a timer every 100 ms.
""", music)

    music2, _ = periodic(rng, 600, 2_000, 50, 100_000)
    write("music-2ms.trace", """
Low-latency audio: an interrupt every 2 ms (+-50 us), shorter than the 4 ms tick;
a timer every 100 ms.
""", music2)

    write("long-idle.trace", """
Screen off: timers 30 to 200 ms apart and nothing else.
""", long_idle(rng, 200, 30_000, 200_000))

    phases = []
    phases += long_idle(rng, 100, 30_000, 200_000)
    m, _ = periodic(rng, 200, 10_000, 150, 100_000)
    phases += m
    phases += long_idle(rng, 100, 30_000, 200_000)
    write("phases.trace", """
Phases: 100 long timer sleeps, 200 periods of music (10 ms interrupts, 100 ms timer),
100 long timer sleeps.
""", phases)

    mixed = []
    for _ in range(12):
        kind = rng.randrange(4)
        n = rng.randint(30, 80)
        if kind == 0:
            p, _ = periodic(rng, n, rng.choice([5_000, 10_000, 20_000]), 200, 100_000)
            mixed += p
        elif kind == 1:
            mixed += long_idle(rng, n, 10_000, 300_000)
        elif kind == 2:
            mixed += bursts(rng, n, 100, 8_000, 5_000, 200_000)
        else:
            # Timers alone, short and long, as when the display refreshes.
            mixed += long_idle(rng, n, 500, 40_000)
    write("mixed.trace", """
A random mix of phases (seed 15): periodic interrupts every 5, 10 or 20 ms; long timer
sleeps; random short interrupts with far timers; timers alone from 0.5 to 40 ms.
""", mixed)


if __name__ == "__main__":
    main()
