"""Serve the fake Cloudflare API from a child process, for the benchmarks (:func:`fake_in_child`).

Usage: ``python _fake_process.py ACCOUNTS LATENCY_S LIMIT WINDOW_S``. Accounts are ``1..ACCOUNTS``
as 32-digit hexadecimal ids, the token is ``bench-token``; the fake is the shipped one, unchanged.
Prints the base URL on the first line, serves until stdin closes, then prints one JSON line:
requests served, distinct accounts, the most requests any one account got, and the handler
errors the fake recorded.

In its own process the fake's threads do not compete with the client (or the Automation API's
threads driving a preview) for the GIL, so a benchmark measures the client, as it would against
Cloudflare.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator

from pulumi_cf_billing.testing import FakeCloudflareAPI

TOKEN = "bench-token"  # noqa: S105  # accepted by the fake only


def account_ids(count: int) -> list[str]:
    """The benchmark's account ids: 1..count as 32 hexadecimal digits."""
    return [f"{i:032x}" for i in range(1, count + 1)]


def configure(api: FakeCloudflareAPI, accounts: int, latency_s: float, limit: int, window_s: float) -> None:
    """Accounts, token, latency and Cloudflare's rate limit on a started fake."""
    for account_id in account_ids(accounts):
        api.add_account(account_id)
    api.add_token(TOKEN)
    api.latency_s = latency_s
    api.enforce_rate_limit(limit, window_s)


def served(api: FakeCloudflareAPI) -> dict[str, int]:
    """What the fake saw: requests, distinct accounts, the most requests for one account, handler errors."""
    per_account = Counter(r.account_id for r in api.requests if r.account_id is not None)
    return {
        "requests": sum(per_account.values()),
        "accounts": len(per_account),
        "most_per_account": max(per_account.values(), default=0),
        "errors": len(api.errors),
    }


@contextlib.contextmanager
def fake_in_child(accounts: int, latency_s: float, limit: int, window_s: float) -> Iterator[tuple[str, dict[str, int]]]:
    """A fresh fake in a child process: yields its base URL and a dict holding :func:`served` once the block ends."""
    stats: dict[str, int] = {}
    argv = [sys.executable, __file__, *map(str, (accounts, latency_s, limit, window_s))]
    with subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as child:  # noqa: S603
        assert child.stdin is not None
        assert child.stdout is not None
        yield child.stdout.readline().strip(), stats
        child.stdin.close()
        stats.update(json.loads(child.stdout.readline()))


def main() -> None:
    accounts, latency_s, limit, window_s = sys.argv[1:5]
    with FakeCloudflareAPI() as api:
        configure(api, int(accounts), float(latency_s), int(limit), float(window_s))
        print(api.base_url, flush=True)
        sys.stdin.read()
        print(json.dumps(served(api)), flush=True)


if __name__ == "__main__":
    main()
