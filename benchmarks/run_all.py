"""Run every benchmark in turn, each in a fresh interpreter, then print a compact summary.

Run: ``.venv/bin/python benchmarks/run_all.py`` (about 30 s on 2 cores). Each script's
full output is printed as it finishes; the summary collects their ``RESULT`` lines. The exit
status is 0 even when a goal is missed (benchmarks report, tests assert); it is 1 only when a
benchmark fails to run.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from _common import load, machine

HERE = Path(__file__).parent
BENCHMARKS = (
    "bench_import.py",
    "bench_cli.py",
    "bench_plugin_start.py",
    "bench_client_call.py",
    "bench_many_accounts.py",
    "bench_hostile.py",
    "bench_preview.py",
    "bench_policy_pack.py",
    "bench_metrics.py",
)


def main() -> int:
    summary: list[str] = []
    crashed = False
    for name in BENCHMARKS:
        print(f"=== {name}", flush=True)
        start = time.perf_counter()
        done = subprocess.run(  # noqa: S603  # our own scripts, with our own interpreter
            [sys.executable, str(HERE / name)], capture_output=True, text=True, check=False
        )
        took = time.perf_counter() - start
        print(done.stdout, end="")
        print(done.stderr, end="", file=sys.stderr)
        results = [line.removeprefix("RESULT ") for line in done.stdout.splitlines() if line.startswith("RESULT ")]
        if done.returncode != 0 or not results:
            crashed = True
            results = [f"{name}: FAILED TO RUN (exit {done.returncode})"]
        summary += [f"{line}  [{took:.0f} s]" for line in results]
    print("=== summary")
    print(machine())
    print(load())
    for line in summary:
        print(f"  {line}")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
