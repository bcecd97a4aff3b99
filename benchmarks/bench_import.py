"""Import cost: what ``import pulumi_cf_billing`` adds over ``import pulumi, httpx``. Goal: <= 8 ms.

Method: fresh interpreters, one per sample, in ABBA order (baseline and candidate alternate
which runs first in each pair, so drift hits both alike). The baseline runs
``import pulumi, httpx``; the candidate runs that and then ``import pulumi_cf_billing``.
The figure judged is the difference of the median wall times of whole processes, measured
from this process, with a 95 % bootstrap interval. Cross-checks, less sensitive to other load
on the machine: the children's CPU time (user + sys, from ``wait4``), the time each child
measures around its own last import statement, and one ``-X importtime`` run.

Bytecode: children run with ``PYTHONDONTWRITEBYTECODE`` unset and ``PYTHONPYCACHEPREFIX``
pointing at a temporary directory warmed by a few discarded runs, so both sides load cached
bytecode, as an installed wheel does, and nothing is written into the source tree. An extra
line shows the cost when our modules are compiled from source on every import (an editable
install under ``PYTHONDONTWRITEBYTECODE=1``).

Run: ``.venv/bin/python benchmarks/bench_import.py [pairs]`` (default 40 pairs, about 20 s).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from _common import bootstrap_ci, load, machine, median, result, spread

GOAL_MS = 8.0
WARMUP = 3
SOURCE_ONLY_RUNS = 7

_TIMED = "import time; _t0 = time.perf_counter(); {stmt}; print(time.perf_counter() - _t0)"
BASELINE = "import pulumi, httpx; " + _TIMED.format(stmt="pass")
CANDIDATE = "import pulumi, httpx; " + _TIMED.format(stmt="import pulumi_cf_billing")


@dataclass
class Samples:
    """Per-run seconds: wall clock seen from here, child CPU, and the child's own timing of its last statement."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    own: list[float] = field(default_factory=list)


def run(code: str, env: dict[str, str], into: Samples | None = None, *flags: str) -> str:
    """Run ``code`` in a fresh interpreter, record its timings in ``into``; return its stderr."""
    with tempfile.TemporaryFile("w+") as errors:
        start = time.perf_counter()
        child = subprocess.Popen(  # noqa: S603  # our own interpreter with fixed code
            [sys.executable, *flags, "-c", code], env=env, stdout=subprocess.PIPE, stderr=errors, text=True
        )
        assert child.stdout is not None
        stdout = child.stdout.read()  # a few bytes; stderr goes to a file so that no pipe can fill up
        # wait4 rather than wait: it also returns the child's CPU time.
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = status  # reaped here, so Popen must not wait for it again
        child.stdout.close()
        errors.seek(0)
        stderr = errors.read()
    if status != 0:
        raise RuntimeError(f"child failed ({status}): {stderr}")
    if into is not None:
        into.wall.append(wall)
        into.cpu.append(usage.ru_utime + usage.ru_stime)
        into.own.append(float(stdout.strip()))
    return stderr


def importtime(env: dict[str, str]) -> tuple[int, int, list[tuple[int, str]]]:
    """One ``-X importtime`` run: the package's self and cumulative µs, and the costliest modules it pulled in."""
    stderr = run(CANDIDATE, env, None, "-X", "importtime")
    rows = re.findall(r"import time:\s+(\d+) \|\s+(\d+) \|\s+(\S+)", stderr)
    self_us, cumulative_us = next((int(s), int(c)) for s, c, name in rows if name == "pulumi_cf_billing")
    # Everything logged after httpx finished importing is what our import pulled in.
    first = next(i for i, row in enumerate(rows) if row[2] == "httpx") + 1
    pulled = sorted(((int(s), name) for s, _, name in rows[first:]), reverse=True)
    return self_us, cumulative_us, pulled[:6]


def main() -> None:
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    print("bench_import: what `import pulumi_cf_billing` adds over `import pulumi, httpx`")
    print(machine())
    print(load())
    base, cand = Samples(), Samples()
    with tempfile.TemporaryDirectory(prefix="cfb-bench-pyc-") as pycache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = pycache
        for _ in range(WARMUP):
            run(CANDIDATE, env)
        for i in range(pairs):
            order = [(BASELINE, base), (CANDIDATE, cand)]
            for code, into in order if i % 2 == 0 else order[::-1]:
                run(code, env, into)
        self_us, cumulative_us, pulled = importtime(env)

    # Our sources without bytecode; pulumi, httpx and the stdlib still load their installed .pyc files.
    source_env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    source_env.pop("PYTHONPYCACHEPREFIX", None)
    from_source = Samples()
    for _ in range(SOURCE_ONLY_RUNS):
        run(CANDIDATE, source_env, from_source)

    added_ms = (median(cand.wall) - median(base.wall)) * 1e3
    low, high = (x * 1e3 for x in bootstrap_ci(base.wall, cand.wall))
    cpu_ms = (median(cand.cpu) - median(base.cpu)) * 1e3
    own_ms = (median(cand.own) - median(base.own)) * 1e3
    print(f"N = {pairs} fresh interpreters per side, ABBA order, {WARMUP} warm-up runs discarded; cached bytecode")
    print(f"baseline  `import pulumi, httpx`           wall ms: {spread(base.wall, 1e3)}")
    print(f"candidate `...; import pulumi_cf_billing`  wall ms: {spread(cand.wall, 1e3)}")
    print(f"added wall, difference of medians (judged): {added_ms:6.2f} ms  (95% CI {low:.1f} .. {high:.1f} ms)")
    print(
        f"added CPU (user+sys), difference of medians: {cpu_ms:6.2f} ms  "
        f"(baseline {median(base.cpu) * 1e3:.1f}, candidate {median(cand.cpu) * 1e3:.1f})"
    )
    print(f"added, timed inside the child:              {own_ms:6.2f} ms  ({spread(cand.own, 1e3)})")
    print(f"-X importtime (one run): self {self_us / 1e3:.2f} ms, cumulative {cumulative_us / 1e3:.2f} ms")
    print("  costliest modules it pulls in, self ms: " + ", ".join(f"{name} {us / 1e3:.2f}" for us, name in pulled))
    print(
        f"info: our modules compiled from source on each import (N={SOURCE_ONLY_RUNS}), timed inside the child: "
        f"{median(from_source.own) * 1e3:.2f} ms"
    )
    figure = f"+{added_ms:.1f} ms wall (CPU +{cpu_ms:.1f}, in-child +{own_ms:.1f}) = {added_ms / GOAL_MS:.2f}x goal"
    print(result("import", figure, f"<= {GOAL_MS:g} ms", added_ms <= GOAL_MS))


if __name__ == "__main__":
    main()
