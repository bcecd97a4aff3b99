"""``--json`` writes money digit for digit: each command run as a process, its output parsed as ``Decimal``."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from pulumi_cf_billing.cli import ExitCode
from pulumi_cf_billing.testing import FakeCloudflareAPI

from .conftest import ACCOUNT
from .test_cli import api, ids, run_process

__all__ = ["api"]  # the fixture, shared with test_cli

JUST_UNDER_50_USD = Decimal("4999.99999999999999999")  # US cents; a float would round it to 5000.0


def exact(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


def test_balance_json_keeps_a_balance_just_under_50_usd_exact(api: FakeCloudflareAPI) -> None:
    api.add_account(ACCOUNT, balance_cents=JUST_UNDER_50_USD, topup_threshold_cents=Decimal("999.999"))
    done = run_process(api, "balance", "--json", *ids(ACCOUNT))
    assert done.returncode == ExitCode.OK, done.stderr
    [entry] = exact(done.stdout)
    assert (entry["balance"], entry["balance_usd"]) == (JUST_UNDER_50_USD, Decimal("49.9999999999999999999"))
    assert (entry["topup_config"]["threshold"], entry["topup_config"]["threshold_usd"]) == (
        Decimal("999.999"),
        Decimal("9.99999"),
    )
    assert done.stdout.isascii()


def test_check_json_says_below_next_to_the_exact_balance_that_is_below(api: FakeCloudflareAPI) -> None:
    api.add_account(ACCOUNT, balance_cents=JUST_UNDER_50_USD)
    done = run_process(api, "check", "--floor-usd", "50", "--json", *ids(ACCOUNT))
    assert done.returncode == ExitCode.BELOW
    [entry] = exact(done.stdout)
    assert entry["balance_usd"] == Decimal("49.9999999999999999999")
    assert entry["balance_usd"] < entry["floor_usd"] == 50
    assert entry["below_floor"] is True


def test_check_json_keeps_the_floor_exact(api: FakeCloudflareAPI) -> None:
    api.add_account(ACCOUNT, balance_cents=JUST_UNDER_50_USD)
    done = run_process(api, "check", "--floor-usd", "49.9999999999999999999", "--json", *ids(ACCOUNT))
    assert done.returncode == ExitCode.OK
    [entry] = exact(done.stdout)
    assert (entry["floor_usd"], entry["below_floor"]) == (Decimal("49.9999999999999999999"), False)


def test_usage_json_keeps_spend_and_runway_exact(api: FakeCloudflareAPI) -> None:
    spend = Decimal("10.000000000000000000001")  # US dollars a day
    api.add_account(ACCOUNT, balance_cents=5000, spend_usd_per_day=spend)
    done = run_process(api, "usage", "--days", "3", "--floor-usd", "10", "--json", *ids(ACCOUNT))
    assert done.returncode == ExitCode.OK, done.stderr
    [entry] = exact(done.stdout)
    assert [bucket["spend_usd"] for bucket in entry["buckets"]] == [spend] * 3
    assert entry["total_usd"] == 3 * spend
    assert entry["spend_usd_per_day"] == spend
    assert entry["days_until_floor"] * spend == 40  # $50 - $10 at that pace, to the last digit kept
