"""Helpers shared by the benchmark scripts: the machine header, summary statistics, the result line.

Every script ends with one ``RESULT`` line that :mod:`run_all` collects into its summary.
"""

from __future__ import annotations

import os
import platform
import random
import statistics
import sys
from collections.abc import Sequence


def machine() -> str:
    """One line naming the machine: usable cores, CPU model, Python version and platform."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"machine: nproc={usable} cpu={_cpu_model()!r} python={platform.python_version()} "
        f"({sys.implementation.name}) platform={platform.platform()}"
    )


def load() -> str:
    """The load averages, with a warning when other work competes for the cores during the run."""
    if not hasattr(os, "getloadavg"):
        return "load: unknown"
    one, five, _ = os.getloadavg()
    cores = os.cpu_count() or 1
    busy = "  (busy machine: other processes compete for the cores; expect wider spread)" if one > cores / 2 else ""
    return f"load average: {one:.2f} (1 min), {five:.2f} (5 min){busy}"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def median(values: Sequence[float]) -> float:
    """The median of ``values``."""
    return statistics.median(values)


def spread(values: Sequence[float], scale: float = 1.0, unit: str = "") -> str:
    """``median [min .. max] (IQR q1..q3)`` of ``values`` times ``scale``, for reading noise at a glance."""
    scaled = sorted(v * scale for v in values)
    if len(scaled) >= 4:
        q1, _, q3 = statistics.quantiles(scaled, n=4)
        iqr = f" IQR {q1:.2f}..{q3:.2f}"
    else:
        iqr = ""
    return f"median {statistics.median(scaled):.2f}{unit} [min {scaled[0]:.2f} .. max {scaled[-1]:.2f}]{iqr}"


def bootstrap_ci(
    a: Sequence[float], b: Sequence[float], stat: str = "difference", rounds: int = 2000
) -> tuple[float, float]:
    """95 % bootstrap interval of ``median(b) - median(a)`` (``stat="difference"``) or ``median(b) / median(a)``."""
    rng = random.Random(0)  # noqa: S311  # resampling, not cryptography
    estimates = []
    for _ in range(rounds):
        ma = statistics.median(rng.choices(a, k=len(a)))
        mb = statistics.median(rng.choices(b, k=len(b)))
        estimates.append(mb - ma if stat == "difference" else mb / ma)
    estimates.sort()
    return estimates[int(0.025 * rounds)], estimates[int(0.975 * rounds) - 1]


def result(name: str, figure: str, goal: str, met: bool) -> str:
    """The last line of every benchmark, parsed by ``run_all.py``."""
    return f"RESULT {name}: {figure} | goal {goal} | {'MET' if met else 'MISSED'}"
