"""``cf-billing check`` takes every rule of the guard definition (auto top-up, runway window, spending limit)
and judges by its code, in its words. Runs the CLI as a process against the fake API.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from pulumi_cf_billing import CreditBalanceClient
from pulumi_cf_billing._assess import read_for
from pulumi_cf_billing._guard_judging import judge_guard, parse_guard
from pulumi_cf_billing.cli import ExitCode
from pulumi_cf_billing.testing import FakeCloudflareAPI

from .conftest import ACCOUNT, OTHER_ACCOUNT, SENTINEL_TOKEN
from .test_cli import THIRD_ACCOUNT, api, ids, run_process

__all__ = ["api"]  # the fixture, shared with test_cli

LIMIT = {"amount": Decimal("10000.5"), "duration": "monthly", "strategy": "fixed"}  # US cents


def test_require_auto_topup_wants_it_on_at_or_above_the_floor(api: FakeCloudflareAPI) -> None:
    api.add_account(ACCOUNT, topup_threshold_cents=2000)  # $20 at a $20 floor: covered
    api.add_account(OTHER_ACCOUNT, topup_threshold_cents=1999)  # $19.99: tops up too late
    api.add_account(THIRD_ACCOUNT, topup_amount_cents=None, disabled_reason="no payment method")
    accounts = ids(ACCOUNT, OTHER_ACCOUNT, THIRD_ACCOUNT)
    assert run_process(api, "check", "--floor-usd", "20", *accounts).returncode == ExitCode.OK  # not asked for
    done = run_process(api, "check", "--floor-usd", "20", "--require-auto-topup", *accounts)
    assert done.returncode == ExitCode.BELOW
    covered, late, off = done.stdout.splitlines()
    assert covered == f"ok     {ACCOUNT}  $50.00 ≥ floor $20.00"
    assert late.startswith(f"BREACH {OTHER_ACCOUNT}  auto top-up would not work: its threshold $19.99 is under")
    assert off.startswith(f"BREACH {THIRD_ACCOUNT}  auto top-up")
    assert all(line.endswith(" (balance $50.00 ≥ floor $20.00)") for line in (late, off))
    assert "2 of 3 accounts meet the floor but break a rule" in done.stderr
    assert api.request_count(endpoint="credit-balance") == 6  # the rule needs no other read


def test_topup_failure_window_days_sets_how_long_a_failed_top_up_counts(api: FakeCloudflareAPI) -> None:
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    api.add_account(ACCOUNT, topup_error="card declined", last_failed_at_ms=int(two_days_ago.timestamp() * 1000))
    check = ("check", "--floor-usd", "10", "--require-auto-topup", *ids(ACCOUNT))
    recent = run_process(api, *check)  # the guard's default: 3 days
    assert recent.returncode == ExitCode.BELOW
    assert f'the last top-up failed {two_days_ago:%Y-%m-%d %H:%M} UTC ("card declined")' in recent.stdout
    assert run_process(api, *check, "--topup-failure-window-days", "1").returncode == ExitCode.OK


def test_require_spending_limit_reads_it_once_per_account_and_says_it_exactly(api: FakeCloudflareAPI) -> None:
    api.add_account(ACCOUNT, spending_limit=LIMIT)
    api.add_account(OTHER_ACCOUNT)
    done = run_process(
        api, "check", "--floor-usd", "10", "--require-spending-limit", "--json", *ids(ACCOUNT, OTHER_ACCOUNT)
    )
    assert done.returncode == ExitCode.BELOW
    limited, unlimited = json.loads(done.stdout, parse_float=Decimal)
    assert limited["problems"] == []
    assert limited["spending_limit"] == {
        "enabled": True, "amount": Decimal("10000.5"), "amount_usd": Decimal("100.005"), "duration": "monthly",
        "strategy": "fixed",
    }  # fmt: skip
    assert unlimited["problems"] == ["an account spending limit must be enabled (AI > AI Gateway > Spending limit)"]
    assert (unlimited["below_floor"], unlimited["spending_limit"]["enabled"]) == (False, False)
    assert api.request_count(endpoint="spending-limit") == 2
    assert api.request_count(endpoint="usage-history") == 0


def test_runway_window_days_sets_the_usage_read_and_the_mean(api: FakeCloudflareAPI) -> None:
    api.add_account(ACCOUNT, spend_usd_per_day=10)
    done = run_process(
        api, "check", "--floor-usd", "10", "--min-runway-days", "7", "--runway-window-days", "3", *ids(ACCOUNT)
    )
    assert done.returncode == ExitCode.BELOW
    assert "at $10.00 a day (the mean of the last 3 days) the floor is 4.0 days away" in done.stdout
    [request] = [r for r in api.requests if r.endpoint == "usage-history"]
    query = parse_qs(urlsplit(request.path).query)
    start, end = (datetime.fromtimestamp(int(query[key][0]) / 1000, UTC) for key in ("start_time", "end_time"))
    assert (end - start, end.time()) == (timedelta(days=3), datetime.min.time())  # 3 complete UTC days


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--runway-window-days", "0"], "--runway-window-days must be a whole number from 1 to 90; got '0'"),
        (["--runway-window-days", "91"], "--runway-window-days must be a whole number from 1 to 90; got '91'"),
        (["--runway-window-days", "7.0"], "--runway-window-days must be a whole number from 1 to 90; got '7.0'"),
    ],
)
def test_a_rule_out_of_bounds_exits_2_before_any_read(api: FakeCloudflareAPI, argv: list[str], message: str) -> None:
    api.add_account(ACCOUNT)
    done = run_process(api, "check", "--floor-usd", "10", "--min-runway-days", "7", *argv, *ids(ACCOUNT))
    assert (done.returncode, done.stdout, api.request_count()) == (ExitCode.USAGE, "", 0)
    assert done.stderr == f"cf-billing: error: {message}.\n"


def test_check_judges_every_rule_as_the_guard_does_with_one_read_of_each_endpoint(api: FakeCloudflareAPI) -> None:
    api.add_account(ACCOUNT, balance_cents=4000, spend_usd_per_day=5, topup_amount_cents=None)
    flags = ["--floor-usd", "30", "--require-auto-topup", "--min-runway-days", "7", "--runway-window-days", "5"]
    done = run_process(api, "check", *flags, "--require-spending-limit", *ids(ACCOUNT))
    assert done.returncode == ExitCode.BELOW
    counts = [
        api.request_count(ACCOUNT, endpoint) for endpoint in ("credit-balance", "usage-history", "spending-limit")
    ]
    assert counts == [1, 1, 1]
    line = done.stdout.strip()
    assert line.startswith(f"BREACH {ACCOUNT}  ")
    problems = line.removeprefix(f"BREACH {ACCOUNT}  ").removesuffix(" (balance $40.00 ≥ floor $30.00)")
    guard = parse_guard(
        {
            "account_id": ACCOUNT,
            "floor_usd": 30,
            "require_auto_topup": True,
            "min_runway_days": 7,
            "runway_window_days": 5,
            "require_spending_limit": True,
        }
    ).guard
    assert guard is not None
    with CreditBalanceClient(api_token=SENTINEL_TOKEN, base_url=api.base_url) as client:
        now = datetime.now(UTC)
        verdict = judge_guard(guard, lambda: read_for(client, ACCOUNT, guard.rules, now), now, "guard")
    assert verdict.status == "breach"
    assert f": {problems} (" in verdict.message  # the same problems, in the same words and order
    assert problems.count("; ") == 2  # auto top-up, runway, spending limit
