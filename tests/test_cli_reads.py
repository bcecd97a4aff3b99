"""How ``cf-billing`` reads: one client per command (one pacer per token), one deadline per account, every read's
failure reported. Against the fake API over real sockets; the clock injected where time matters.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest

from pulumi_cf_billing.cli import ExitCode, main
from pulumi_cf_billing.cli._fetch import ReadHooks
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from .conftest import ACCOUNT, OTHER_ACCOUNT, FakeClock
from .test_cli import api, ids, run_process

__all__ = ["api"]  # the fixture, shared with test_cli

RUNWAY_CHECK = ("check", "--floor-usd", "10", "--min-runway-days", "7")
UNREADABLE_USAGE = Decimal(10) ** 13  # US dollars a day: more than the client believes, so only usage is refused


@pytest.mark.parametrize(
    "argv",
    [RUNWAY_CHECK, (*RUNWAY_CHECK, "--require-spending-limit"), ("usage", "--days", "7", "--floor-usd", "10")],
    ids=["check", "check-three-reads", "usage"],
)
def test_one_deadline_bounds_every_read_of_an_account_together(
    api: FakeCloudflareAPI, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    api.add_account(ACCOUNT, spend_usd_per_day=1)
    # Each answer asks for a 0.9 s wait: one read alone spends 1.8 s of its 2 s on the clock, and gives up
    # when the next wait would end past the deadline. Reads one after the other would take 3.6 s or more.
    api.inject(ACCOUNT, Fault.rate_limited(retry_after="0.9"), times=None)
    clock = FakeClock()
    hooks = ReadHooks(clock=clock, sleep=clock.async_sleep, rng=random.Random(7))
    code = main([*argv, "--timeout", "2", "--json", *ids(ACCOUNT)], hooks=hooks)
    assert code == ExitCode.UNREADABLE
    [entry] = json.loads(capsys.readouterr().out)
    assert "ends after the deadline" in entry["error"]["message"]
    assert 1.75 < clock.now - 1000 < 2  # both reads, their waits included, inside the one --timeout
    assert api.request_count(ACCOUNT, "credit-balance") >= 1
    assert api.request_count(ACCOUNT, "usage-history") >= 1


def test_one_pacer_per_token_across_the_balance_and_the_usage_reads(api: FakeCloudflareAPI) -> None:
    api.add_account(ACCOUNT, spend_usd_per_day=1)
    api.add_account(OTHER_ACCOUNT, spend_usd_per_day=1)
    api.enforce_rate_limit(limit=2, window_s=60)  # the first account's two reads spend the token's allowance
    done = run_process(api, *RUNWAY_CHECK, "--concurrency", "1", "--timeout", "5", *ids(ACCOUNT, OTHER_ACCOUNT))
    assert done.returncode == ExitCode.UNREADABLE, done.stdout
    first, second = done.stdout.splitlines()
    assert first.startswith(f"ok     {ACCOUNT}")
    assert second.startswith(f"ERROR  {OTHER_ACCOUNT}  RateLimitedError: Not sent:")
    # The one pacer heard "none remain" on the first account's answers and held back every later read,
    # the usage read as much as the balance read: nothing more reached Cloudflare to be refused.
    assert api.request_count() == 2, api.requests


def test_a_slow_api_answers_both_reads_within_one_timeout(api: FakeCloudflareAPI) -> None:
    api.add_account(ACCOUNT, spend_usd_per_day=1)
    api.latency_s = 0.8  # each read alone fits the 1.5 s deadline; one after the other they would not
    done = run_process(api, *RUNWAY_CHECK, "--timeout", "1.5", "--json", *ids(ACCOUNT))
    assert done.returncode == ExitCode.OK, done.stdout
    [entry] = json.loads(done.stdout)
    assert (entry["below_floor"], entry["runway_too_short"]) == (False, False)
    assert (api.request_count(ACCOUNT, "credit-balance"), api.request_count(ACCOUNT, "usage-history")) == (1, 1)


def test_a_readable_balance_with_an_unreadable_usage_history_makes_the_check_unknown(api: FakeCloudflareAPI) -> None:
    api.add_account(ACCOUNT, balance_cents=100_000, spend_usd_per_day=UNREADABLE_USAGE)
    api.add_account(OTHER_ACCOUNT, spend_usd_per_day=1)
    done = run_process(api, *RUNWAY_CHECK, *ids(ACCOUNT, OTHER_ACCOUNT))
    assert done.returncode == ExitCode.UNREADABLE
    unknown, fine = done.stdout.splitlines()
    assert unknown.startswith(f"ERROR  {ACCOUNT}  its usage history could not be read: MalformedResponseError: ")
    assert fine.startswith(f"ok     {OTHER_ACCOUNT}")
    assert "1 of 2 accounts could not be read: the check cannot be vouched for (exit 3)" in done.stderr
    assert api.request_count(ACCOUNT, "credit-balance") == 1  # the balance was read; the usage is what failed


def test_check_json_keeps_the_balance_and_names_the_read_that_failed(api: FakeCloudflareAPI) -> None:
    api.add_account(ACCOUNT, balance_cents=100_000, spend_usd_per_day=UNREADABLE_USAGE)
    done = run_process(api, *RUNWAY_CHECK, "--json", *ids(ACCOUNT))
    assert done.returncode == ExitCode.UNREADABLE
    [entry] = json.loads(done.stdout)
    assert (entry["balance"], entry["error"]["type"], entry["error"]["read"]) == (
        100_000,
        "MalformedResponseError",
        "usage history",
    )
    assert (entry["below_floor"], entry["days_until_floor"], entry["runway_too_short"]) == (None, None, None)
