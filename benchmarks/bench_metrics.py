"""The exporter over 1,000 accounts at 50 ms latency: CPU seconds per cycle and peak RSS, vs one fleet read.

Baseline (same run): ``AsyncCreditBalanceClient.get_many(1000 ids, concurrency=16)``, what ``cf-billing check``
does once. Candidate: one cycle of ``pulumi_cf_billing.metrics.Exporter`` (the same accounts, concurrency 16,
``--floor-usd 50 --require-auto-topup``: one request per account) serving ``/metrics``, scraped once over
HTTP (for the size), its OpenMetrics exposition rendered 20 times (for the CPU of a scrape).

Method: ``RUNS`` runs; each measures the baseline and the candidate in fresh interpreters (so peak RSS is
each one's own), each against a fresh fake (a fresh rate-limit window: Cloudflare's 1,200 requests per 5
minutes is enforced, and 1,000 accounts fit one window once). The fake runs in a child process
(``_fake_process.py``). CPU is the process's CPU time (every thread) around the read alone; peak RSS is
``ru_maxrss`` at the end; a scrape's cost is the CPU time of rendering the exposition (median of 20). The
exporter is given the token's whole budget (``request_budget=1200``): with the default half, a 1,000-account
cycle waits for the rate-limit window to slide.

Run: ``.venv/bin/python benchmarks/bench_metrics.py [--runs 3] [--accounts 1000] [--latency 0.05]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal

import httpx
from _common import load, machine, median, result
from _fake_process import TOKEN, account_ids, fake_in_child

from pulumi_cf_billing.metrics import SYNC_CLIENT_CONNECTIONS

GOAL_CPU_RATIO = 1.5
GOAL_EXTRA_RSS_MB = 40.0
LIMIT, WINDOW_S = 1200, 300.0
CONCURRENCY = 16
SCRAPES = 20
OPENMETRICS = "application/openmetrics-text; version=1.0.0"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def _baseline(base_url: str, ids: list[str]) -> dict[str, float]:
    from pulumi_cf_billing import AsyncCreditBalanceClient, CreditBalance  # noqa: PLC0415  # child only

    async with AsyncCreditBalanceClient(api_token=TOKEN, base_url=base_url, environ={}) as client:
        cpu, wall = time.process_time(), time.perf_counter()
        results = await client.get_many(ids, concurrency=CONCURRENCY)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    failed = sum(not isinstance(r, CreditBalance) for r in results)
    return {"cpu_s": cpu, "wall_s": wall, "failed": failed, "rss_mb": peak_rss_mb()}


def _candidate(base_url: str, ids: list[str]) -> dict[str, float]:
    from pulumi_cf_billing import CreditBalanceClient  # noqa: PLC0415  # child only
    from pulumi_cf_billing._assess import Rules  # noqa: PLC0415
    from pulumi_cf_billing.metrics import Exporter, registry_for, serving  # noqa: PLC0415

    rules = Rules(Decimal(50), require_auto_topup=True)
    with CreditBalanceClient(api_token=TOKEN, base_url=base_url, environ={}) as client:
        exporter = Exporter(client, ids, rules, concurrency=CONCURRENCY, request_budget=LIMIT)
        registry = registry_for(exporter.snapshot, rules.floor_usd)
        with serving(registry, "127.0.0.1", 0) as (host, port):
            cpu, wall = time.process_time(), time.perf_counter()
            cycle = exporter.refresh()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            scrape_cpu, size = _scrape(f"http://{host}:{port}/metrics", registry)
    return {
        "cpu_s": cpu,
        "wall_s": wall,
        "failed": len(cycle.errors),
        "rss_mb": peak_rss_mb(),
        "scrape_cpu_ms": scrape_cpu * 1e3,
        "scrape_kb": size / 1024,
    }


def _scrape(url: str, registry: object) -> tuple[float, int]:
    """CPU seconds to render one OpenMetrics exposition (median of ``SCRAPES``), and its size over HTTP."""
    from prometheus_client.openmetrics.exposition import generate_latest  # noqa: PLC0415  # child only

    renders = []
    for _ in range(SCRAPES):
        start = time.process_time()
        generate_latest(registry)  # type: ignore[arg-type]  # a CollectorRegistry
        renders.append(time.process_time() - start)
    with httpx.Client() as http:
        body = http.get(url, headers={"Accept": OPENMETRICS}).content
    return median(renders), len(body)


def child(kind: str, base_url: str, accounts: int) -> None:
    ids = account_ids(accounts)
    measured = asyncio.run(_baseline(base_url, ids)) if kind == "baseline" else _candidate(base_url, ids)
    print(json.dumps(measured), flush=True)


@contextlib.contextmanager
def fake_api(accounts: int, latency_s: float) -> Iterator[str]:
    """A fresh fake in a child process (so a fresh rate-limit window); yields its base URL."""
    with fake_in_child(accounts, latency_s, LIMIT, WINDOW_S) as (base_url, served):
        yield base_url
    assert served["requests"] == accounts, f"the fake served {served}: retried or missing requests"


def measure(kind: str, args: argparse.Namespace) -> dict[str, float]:
    with fake_api(args.accounts, args.latency) as base_url:
        argv = [sys.executable, __file__, "--child", kind, base_url, "--accounts", str(args.accounts)]
        done = subprocess.run(argv, capture_output=True, text=True, check=True)  # noqa: S603
    measured: dict[str, float] = json.loads(done.stdout)
    assert measured["failed"] == 0, f"{kind}: {measured['failed']} reads failed"
    return measured


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the fake waits before each answer")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "BASE_URL"), help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.accounts)
        return
    print("bench_metrics: one exporter cycle vs one fleet read (get_many), fresh interpreters, fake API in a child")
    print(machine())
    print(load())
    print(
        f"{args.accounts} accounts, latency {args.latency * 1e3:g} ms, concurrency {CONCURRENCY} (the exporter reads "
        f"with at most {SYNC_CLIENT_CONNECTIONS} threads: its sync client's connections), {args.runs} runs"
    )
    pairs = []
    for run in range(1, args.runs + 1):
        base, cand = measure("baseline", args), measure("exporter", args)
        pairs.append((base, cand))
        print(
            f"run {run}: baseline cpu {base['cpu_s']:.2f} s wall {base['wall_s']:.2f} s rss {base['rss_mb']:.1f} MB | "
            f"exporter cycle cpu {cand['cpu_s']:.2f} s wall {cand['wall_s']:.2f} s rss {cand['rss_mb']:.1f} MB | "
            f"scrape {cand['scrape_cpu_ms']:.1f} ms cpu, {cand['scrape_kb']:.0f} KiB"
        )
    cpu_ratio = median([c["cpu_s"] / b["cpu_s"] for b, c in pairs])
    extra_rss = median([c["rss_mb"] - b["rss_mb"] for b, c in pairs])
    cpu = median([c["cpu_s"] for _, c in pairs])
    rss = median([c["rss_mb"] for _, c in pairs])
    scrape = median([c["scrape_cpu_ms"] for _, c in pairs])
    print(
        f"N = {args.runs}; exporter cycle: median {cpu:.2f} CPU s = {cpu_ratio:.2f}x the fleet read (judged); "
        f"peak RSS median {rss:.1f} MB = {extra_rss:+.1f} MB over it (judged); {scrape:.1f} ms CPU per scrape"
    )
    figure = f"cycle CPU {cpu:.2f} s = {cpu_ratio:.2f}x fleet read, peak RSS {rss:.0f} MB ({extra_rss:+.1f} MB)"
    goal = f"<= {GOAL_CPU_RATIO:.1f}x CPU and <= +{GOAL_EXTRA_RSS_MB:g} MB"
    print(result("metrics", figure, goal, cpu_ratio <= GOAL_CPU_RATIO and extra_rss <= GOAL_EXTRA_RSS_MB))


if __name__ == "__main__":
    main()
