"""The CLI's words: tables whose rows line up under their header, advice given once, headings that count right.
Each case runs the CLI as a process against the fake API.
"""

from __future__ import annotations

import json
import re

import pytest

from pulumi_cf_billing.cli import ExitCode
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from .conftest import ACCOUNT, NOWHERE_BASE_URL, OTHER_ACCOUNT
from .test_cli import THIRD_ACCOUNT, api, ids, run_process

__all__ = ["api"]  # the fixture, shared with test_cli

HEADER = ("ACCOUNT", "BALANCE", "AUTO TOP-UP", "PAYMENT METHOD")


def assert_aligned(table: str) -> None:
    """Every row's cells sit under the header's: accounts left, balances right-aligned, the rest left."""
    header, *rows = table.splitlines()
    balance_end = header.index("BALANCE") + len("BALANCE")
    topup, payment = header.index("AUTO TOP-UP"), header.index("PAYMENT METHOD")
    for row in rows:
        account, money = row.split()[:2]
        assert row.startswith(f"{account}  "), row
        assert row[balance_end - len(money) - 1 : balance_end] == f" {money}", row  # right-aligned
        assert re.fullmatch(r"  \S", row[topup - 2 : topup + 1]), row
        assert money == "error" or re.fullmatch(r"  \S", row[payment - 2 : payment + 1]), row


@pytest.mark.parametrize("readable", [True, False], ids=["mixed", "all-failed"])
def test_balance_rows_line_up_under_the_header_errors_included(api: FakeCloudflareAPI, readable: bool) -> None:
    if readable:
        api.add_account(
            ACCOUNT, balance_cents=123_456_789, disabled_reason="no payment method", topup_amount_cents=None
        )
        api.add_account(THIRD_ACCOUNT, balance_cents=5)
    done = run_process(api, "balance", *ids(ACCOUNT, OTHER_ACCOUNT, THIRD_ACCOUNT))
    assert done.returncode == ExitCode.UNREADABLE
    lines = done.stdout.splitlines()
    assert tuple(re.split(r"\s{2,}", lines[0])) == HEADER
    assert len(lines) == 4
    assert lines[2].split()[1:3] == ["error", "AccountNotFoundError:"]
    assert_aligned(done.stdout)


def test_a_dead_port_gives_its_advice_once(api: FakeCloudflareAPI) -> None:
    done = run_process(api, "balance", "--json", "--timeout", "1", *ids(ACCOUNT), CLOUDFLARE_BASE_URL=NOWHERE_BASE_URL)
    assert done.returncode == ExitCode.UNREADABLE
    [entry] = json.loads(done.stdout)
    message = entry["error"]["message"]
    assert entry["error"]["type"] in ("DeadlineExceededError", "TransportError")  # 5 quick refusals may fit 1 s
    assert message.lower().count("check the network") == 1, message
    assert message.count(ACCOUNT) == 1, message
    assert "127.0.0.1" in message


def test_a_server_failing_until_the_deadline_is_named_once(api: FakeCloudflareAPI) -> None:
    api.add_account(ACCOUNT)
    api.inject(ACCOUNT, Fault.slow(30), times=None)
    done = run_process(api, "check", "--floor-usd", "1", "--timeout", "0.5", *ids(ACCOUNT))
    assert done.returncode == ExitCode.UNREADABLE
    assert done.stdout.count(ACCOUNT) == 2  # the row's account column, and once in the message
    assert "did not answer within 0.5 s" in done.stdout


@pytest.mark.parametrize(
    ("days", "heading"), [("1", "over the last 1 complete day"), ("2", "over the last 2 complete days")]
)
def test_hourly_usage_covers_exactly_the_complete_days_asked_for(
    api: FakeCloudflareAPI, days: str, heading: str
) -> None:
    api.add_account(ACCOUNT, spend_usd_per_day=24)
    done = run_process(api, "usage", "--days", days, "--window", "hour", *ids(ACCOUNT))
    assert done.returncode == ExitCode.OK, done.stderr
    title, *bars, total = done.stdout.splitlines()
    assert title == f"{ACCOUNT}  AI Gateway usage per hour, US dollars"
    assert len(bars) == 24 * int(days)
    assert [bar[6:11] for bar in bars] == [f"{hour:02d}:00" for hour in range(24)] * int(days)  # midnight to midnight
    assert all(" $1.00  " in bar for bar in bars)
    assert total == f"total ${24 * int(days)}.00; mean $24.00 a day {heading}"
