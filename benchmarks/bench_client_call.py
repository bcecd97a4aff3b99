"""One client call vs a raw httpx request on a warm connection, against the fake API. Goal: <= 1.07x.

Baseline: ``httpx.Client.get(url, headers=auth)`` then ``response.json()``, on a warm
keep-alive connection. Candidate: ``CreditBalanceClient(..., cache_ttl_s=0).get(account)``
with its own warm connection (its own httpcore pool), so every call reaches the server
and runs the whole read: pacing, request building, sending, deciphering into a typed model.

Method: ``ROUNDS`` rounds; each builds a fresh baseline client and a fresh candidate client
(each with a pacer of its own, so the 1,200-per-5-minutes pacing never waits),
warms both with a few calls, then times a block of ``CALLS`` sequential calls of each, the
order alternating from round to round. The figure judged is the ratio of the median per-call
wall times, with a 95 % bootstrap interval; the median of the per-round ratios is shown too
(each compares two blocks run back to back, under the same load). Cross-check: CPU time of
the calling thread only (the fake serves from its own threads in this process), which is far
less sensitive to other load on the machine.

Run: ``.venv/bin/python benchmarks/bench_client_call.py [rounds] [calls]`` (default 40 x 200, about 10 s).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from decimal import Decimal

import httpx
from _common import bootstrap_ci, load, machine, median, result, spread

from pulumi_cf_billing import CreditBalanceClient
from pulumi_cf_billing.testing import FakeCloudflareAPI

GOAL_RATIO = 1.07
ACCOUNT = "0123456789abcdef0123456789abcdef"
TOKEN = "bench-token"  # noqa: S105  # accepted by the fake only
WARMUP_CALLS = 5


def timed_block(call: Callable[[], object], calls: int, wall: list[float], cpu: list[float]) -> None:
    """Warm ``call`` up, then append the per-call wall and calling-thread CPU seconds of ``calls`` calls."""
    for _ in range(WARMUP_CALLS):
        call()
    start_wall, start_cpu = time.perf_counter(), time.thread_time()
    for _ in range(calls):
        call()
    wall.append((time.perf_counter() - start_wall) / calls)
    cpu.append((time.thread_time() - start_cpu) / calls)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    print("bench_client_call: CreditBalanceClient.get vs raw httpx get + json, warm connection, fake API")
    print(machine())
    print(load())
    base_wall: list[float] = []
    base_cpu: list[float] = []
    cand_wall: list[float] = []
    cand_cpu: list[float] = []
    with FakeCloudflareAPI() as api:
        api.add_account(ACCOUNT, balance_cents=4999.5)
        api.add_token(TOKEN)
        url = f"{api.base_url}/accounts/{ACCOUNT}/ai-gateway/billing/credit-balance"
        auth = {"Authorization": f"Bearer {TOKEN}"}
        for i in range(rounds):
            with (
                httpx.Client() as raw,
                CreditBalanceClient(api_token=TOKEN, base_url=api.base_url, cache_ttl_s=0, environ={}) as client,
            ):
                assert raw.get(url, headers=auth).json()["result"]["balance"] == 4999.5
                assert client.get(ACCOUNT).balance == Decimal("4999.5")
                sides = [
                    (lambda: raw.get(url, headers=auth).json(), base_wall, base_cpu),
                    (lambda: client.get(ACCOUNT), cand_wall, cand_cpu),
                ]
                for call, wall, cpu in sides if i % 2 == 0 else sides[::-1]:
                    timed_block(call, calls, wall, cpu)
        served = api.request_count()
    expected = rounds * 2 * (1 + WARMUP_CALLS + calls)
    assert served == expected, f"the fake served {served} requests, expected {expected}: a call was cached or retried"

    ratio = median(cand_wall) / median(base_wall)
    low, high = bootstrap_ci(base_wall, cand_wall, stat="ratio")
    cpu_ratio = median(cand_cpu) / median(base_cpu)
    print(f"N = {rounds} rounds x {calls} calls per side, alternating order, {WARMUP_CALLS} warm-up calls per block")
    print(f"baseline  httpx get + json   wall us/call: {spread(base_wall, 1e6)}")
    print(f"candidate client.get         wall us/call: {spread(cand_wall, 1e6)}")
    print(
        f"ratio of medians (judged): {ratio:.3f}  (95% CI {low:.3f} .. {high:.3f}); "
        f"overhead {(median(cand_wall) - median(base_wall)) * 1e6:+.1f} us/call"
    )
    paired = median([c / b for c, b in zip(cand_wall, base_wall, strict=True)])
    print(f"median of per-round ratios (same round, same load): {paired:.3f}")
    print(
        f"calling-thread CPU us/call: baseline {median(base_cpu) * 1e6:.1f}, candidate {median(cand_cpu) * 1e6:.1f}, "
        f"ratio {cpu_ratio:.3f}, overhead {(median(cand_cpu) - median(base_cpu)) * 1e6:+.1f} us/call"
    )
    print(f"requests served by the fake: {served} (every call reached it: nothing cached, nothing retried)")
    figure = f"{ratio:.3f}x raw httpx ({median(cand_wall) * 1e6:.0f} vs {median(base_wall) * 1e6:.0f} us/call)"
    print(result("client_call", figure, f"<= {GOAL_RATIO:.2f}x", ratio <= GOAL_RATIO))


if __name__ == "__main__":
    main()
