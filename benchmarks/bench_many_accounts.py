"""1,000 accounts at 50 ms latency vs the ideal set by the concurrency bound. Goal: <= 1.10x, zero 429s.

``AsyncCreditBalanceClient.get_many(ids, concurrency=C)`` reads ``ACCOUNTS`` accounts from the
fake API answering every request after ``latency_s`` and enforcing Cloudflare's limit (1,200
requests per 5 minutes per token). The ideal is ``ceil(ACCOUNTS / C) * latency_s``: C requests
always in flight and nothing else costing time (1.0 s for 1,000 accounts, C = 50, 50 ms).

Method: ``RUNS`` runs; each starts a fresh fake (so a fresh rate-limit window), clears the
process-wide pacers, builds a client with ``cache_ttl_s=0`` and its default httpx client (so
``get_many`` reads through its own small pools), then times ``get_many`` alone. The figure
judged is the median elapsed time over the ideal. The fake, unchanged, runs in a child process
by default, so that its threads (one per connection) do not take the GIL from the client;
``--in-process`` runs it in this process, as the test suite does.

Zero 429s is checked from both ends: every result must be a balance (a 429 the retries could
not absorb ends as a ``RateLimitedError``), and the fake must have served exactly one request
per account (a 429 that was retried shows up as a second request). Diagnostics per run: the
event loop thread's CPU time per request, and Linux's count of connections dropped because a
listen queue was full (``TcpExtListenOverflows``, system-wide).

Run: ``.venv/bin/python benchmarks/bench_many_accounts.py [--runs 3] [--concurrency 50] [--in-process]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import math
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpcore
from _common import load, machine, median, result
from _fake_process import TOKEN, account_ids, configure, fake_in_child, served

from pulumi_cf_billing import AsyncCreditBalanceClient, CreditBalance, RateLimitedError
from pulumi_cf_billing.testing import FakeCloudflareAPI

GOAL_RATIO = 1.10
LIMIT, WINDOW_S = 1200, 300.0


@dataclass
class Run:
    """One timed ``get_many``: elapsed and loop-thread CPU seconds, outcomes by type, what the fake saw."""

    elapsed_s: float
    loop_cpu_s: float
    outcomes: Counter[str]
    rate_limited: int
    fake: dict[str, int]
    listen_overflows: int | None


def listen_overflows() -> int | None:
    """Linux's TcpExtListenOverflows counter (connections refused by a full accept queue), if readable."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            return int(values.split()[names.split().index("ListenOverflows")])
    return None


@contextlib.contextmanager
def fake_api(args: argparse.Namespace) -> Iterator[tuple[str, dict[str, int]]]:
    """A fresh fake: yields its base URL and a dict filled with what it served once the block ends."""
    stats: dict[str, int] = {}
    if args.in_process:
        with FakeCloudflareAPI() as api:
            configure(api, args.accounts, args.latency, LIMIT, WINDOW_S)
            yield api.base_url, stats
            stats.update(served(api))
        return
    with fake_in_child(args.accounts, args.latency, LIMIT, WINDOW_S) as started:
        yield started


async def read_all(base_url: str, ids: list[str], concurrency: int) -> tuple[float, float, list[object]]:
    """Time ``get_many`` alone (the client is built before the clock starts)."""
    async with AsyncCreditBalanceClient(api_token=TOKEN, base_url=base_url, cache_ttl_s=0, environ={}) as client:
        start_wall, start_cpu = time.perf_counter(), time.thread_time()
        results = await client.get_many(ids, concurrency=concurrency)
        return time.perf_counter() - start_wall, time.thread_time() - start_cpu, list(results)


def one_run(args: argparse.Namespace, ids: list[str]) -> Run:
    """One run against a fresh fake, with a fresh client (and so a fresh pacer)."""
    before = listen_overflows()
    with fake_api(args) as (base_url, stats):
        elapsed, cpu, results = asyncio.run(read_all(base_url, ids, args.concurrency))
    after = listen_overflows()
    outcomes = Counter(type(r).__name__ for r in results)
    rate_limited = sum(isinstance(r, RateLimitedError) for r in results)
    overflows = None if before is None or after is None else after - before
    return Run(elapsed, cpu, outcomes, rate_limited, stats, overflows)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the fake waits before each answer")
    parser.add_argument("--in-process", action="store_true", help="run the fake in this process, as tests do")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    ids = account_ids(args.accounts)
    ideal_s = math.ceil(args.accounts / args.concurrency) * args.latency
    print("bench_many_accounts: AsyncCreditBalanceClient.get_many against the fake API with latency and rate limit")
    print(machine())
    print(load())
    has_sniffio = importlib.util.find_spec("sniffio") is not None
    sniffio_note = "" if has_sniffio else " (so httpcore retries a failed import on every lock it sets up)"
    print(f"httpcore {httpcore.__version__}; sniffio importable: {has_sniffio}{sniffio_note}")
    where = "in this process" if args.in_process else "in a child process"
    print(
        f"{args.accounts} accounts, concurrency {args.concurrency}, latency {args.latency * 1e3:g} ms, "
        f"limit {LIMIT}/{WINDOW_S:g} s; fake {where}; ideal {ideal_s:.3f} s"
    )
    runs = []
    for i in range(args.runs):
        run = one_run(args, ids)
        runs.append(run)
        print(
            f"run {i + 1}: {run.elapsed_s:6.3f} s = {run.elapsed_s / ideal_s:5.2f}x ideal | "
            f"loop thread CPU {run.loop_cpu_s / args.accounts * 1e3:.2f} ms/request "
            f"({run.loop_cpu_s / run.elapsed_s:.0%} busy) | results {dict(run.outcomes)} | fake served {run.fake} | "
            f"listen overflows {run.listen_overflows}"
        )

    elapsed = median([r.elapsed_s for r in runs])
    ratio = elapsed / ideal_s
    retried = sum(r.fake["requests"] - r.fake["accounts"] for r in runs)
    rate_limited = sum(r.rate_limited for r in runs)
    failed = sum(args.accounts - r.outcomes[CreditBalance.__name__] for r in runs)
    served_all = all(r.fake["accounts"] == args.accounts for r in runs)
    print(f"N = {args.runs} runs; median {elapsed:.3f} s over ideal {ideal_s:.3f} s = {ratio:.3f}x (judged)")
    print(
        f"429s: {rate_limited} RateLimitedError results, {retried} retried requests "
        f"(zero of both proves zero 429s); failed reads: {failed}; every account served: {served_all}"
    )
    clean = rate_limited == 0 and retried == 0 and failed == 0 and served_all
    figure = f"{ratio:.2f}x ideal ({elapsed:.2f} s vs {ideal_s:.2f} s), 429s {'0' if clean else 'or failures seen'}"
    print(result("many_accounts", figure, f"<= {GOAL_RATIO:.2f}x and no 429", ratio <= GOAL_RATIO and clean))


if __name__ == "__main__":
    main()
