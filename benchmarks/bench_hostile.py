"""A hostile server against the client: deadline overshoot and peak memory, each against a baseline of the same run.

- Deadline: a body trickled one byte every 0.2 s (30 s in all) read with ``timeout=2``. The figure is
  the elapsed time over the deadline (goal: at most 1.10x, i.e. 0.2 s late), median of ``RUNS``.
- Memory: peak RSS of a fresh interpreter that reads one normal balance (baseline), against one
  that reads a gzip bomb (1 MiB on the wire, 1 GiB inflated) and one that reads an endless chunked
  body. Goal: each hostile read adds at most 50 MB over the baseline (the issue asks "well under 200").

Run: ``.venv/bin/python benchmarks/bench_hostile.py [runs]`` (default 3, about 20 s).
"""

from __future__ import annotations

import subprocess
import sys
import time

from _common import load, machine, median, result

from pulumi_cf_billing import CreditBalanceClient, DeadlineExceededError
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

ACCOUNT = "0123456789abcdef0123456789abcdef"
TOKEN = "bench-token"  # noqa: S105  # accepted by the fake only
DEADLINE_S = 2.0
GOAL_OVERSHOOT = 1.10
GOAL_EXTRA_MB = 50.0

_READER = """
import resource, sys
from pulumi_cf_billing import CloudflareBillingError, CreditBalanceClient
with CreditBalanceClient(api_token=sys.argv[2], base_url=sys.argv[1], environ={{}}, timeout=30) as client:
    try:
        client.get(sys.argv[3])
        outcome = "ok"
    except CloudflareBillingError as error:
        outcome = type(error).__name__
print(outcome, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def overshoot(api: FakeCloudflareAPI) -> float:
    api.inject(ACCOUNT, Fault.trickle_body(0.2), times=1)
    start = time.perf_counter()
    with CreditBalanceClient(api_token=TOKEN, base_url=api.base_url, environ={}, timeout=DEADLINE_S) as client:
        try:
            client.get(ACCOUNT)
        except DeadlineExceededError:
            pass
        else:
            raise AssertionError("a trickled body was read within the deadline")
    return (time.perf_counter() - start) / DEADLINE_S


def peak_mb(api: FakeCloudflareAPI, fault: Fault | None) -> tuple[str, float]:
    if fault is not None:
        api.inject(ACCOUNT, fault, times=1)
    done = subprocess.run(  # noqa: S603  # our own interpreter and code
        [sys.executable, "-c", _READER.format(), api.base_url, TOKEN, ACCOUNT],
        capture_output=True,
        text=True,
        check=True,
    )
    outcome, megabytes = done.stdout.split()
    return outcome, float(megabytes)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print("bench_hostile: deadline overshoot under a trickling server; peak RSS under a gzip bomb and an endless body")
    print(machine())
    print(load())
    with FakeCloudflareAPI() as api:
        api.add_account(ACCOUNT)
        api.add_token(TOKEN)
        ratios = [overshoot(api) for _ in range(runs)]
        base = [peak_mb(api, None) for _ in range(runs)]
        bomb = [peak_mb(api, Fault.gzip_bomb(2**30)) for _ in range(runs)]
        endless = [peak_mb(api, Fault.endless_body()) for _ in range(runs)]
    print(f"deadline {DEADLINE_S:g} s, trickled body: elapsed/deadline runs {', '.join(f'{r:.3f}' for r in ratios)}")
    for name, samples in (("normal read", base), ("gzip bomb, 1 GiB inflated", bomb), ("endless chunked", endless)):
        outcomes = sorted({outcome for outcome, _ in samples})
        print(f"{name:<28} peak RSS MB runs {', '.join(f'{mb:.1f}' for _, mb in samples)}; outcome {outcomes}")
    extra = max(median([mb for _, mb in bomb]), median([mb for _, mb in endless])) - median([mb for _, mb in base])
    ratio = median(ratios)
    figure = f"deadline overshoot {ratio:.3f}x, worst hostile read +{extra:.1f} MB peak RSS over a normal read"
    met = ratio <= GOAL_OVERSHOOT and extra <= GOAL_EXTRA_MB
    print(result("hostile", figure, f"<= {GOAL_OVERSHOOT:.2f}x and <= +{GOAL_EXTRA_MB:g} MB", met))


if __name__ == "__main__":
    main()
