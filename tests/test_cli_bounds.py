"""What ``cf-billing`` accepts: days as days, dollars as plain dollars, whole numbers in ASCII, each bounded;
and a terminal width it holds within bounds. Each case runs the CLI as a process against the fake API.
"""

from __future__ import annotations

import pytest

from pulumi_cf_billing.cli import ExitCode
from pulumi_cf_billing.testing import FakeCloudflareAPI

from .conftest import ACCOUNT
from .test_cli import api, ids, run_process

__all__ = ["api"]  # the fixture, shared with test_cli


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["usage", "--days", "1000000"], "--days must be a whole number from 1 to 366"),
        (["usage", "--days", "367"], "from 1 to 366; got '367'"),
        (["usage", "--days", "0"], "from 1 to 366; got '0'"),
        (["usage", "--days", "٣"], "from 1 to 366; got '٣'"),  # an Arabic-Indic three: digits are ASCII
        (["usage", "--days", "7.5"], "whole number"),
        (["balance", "--concurrency", "1_0"], "--concurrency must be a whole number"),
        (["balance", "--concurrency", "257"], "from 1 to 256; got '257'"),
        (
            ["check", "--floor-usd", "10", "--min-runway-days", "$7"],
            "--min-runway-days must be a plain non-negative number of days",
        ),
        (["check", "--floor-usd", "10", "--min-runway-days", "36501"], "up to 36,500"),
        (
            ["check", "--floor-usd", "$50"],
            "--floor-usd must be a plain non-negative number of US dollars",
        ),
        (["check", "--floor-usd", "1,000"], "like 50 or 49.99; got '1,000'"),
        (["usage", "--floor-usd", "5e1"], "like 50 or 49.99; got '5e1'"),
        (["balance", "--timeout", "٢"], "positive number of seconds up to a day; got '٢'"),  # float() took it
        (["balance", "--timeout", "1e3"], "positive number of seconds up to a day; got '1e3'"),
        (["balance", "--timeout", "86401"], "positive number of seconds up to a day; got '86401'"),
        (["fake-api", "--port", "٨٠"], "port number from 0 to 65535; got '٨٠'"),  # str.isdigit() took it
        (["fake-api", "--port", "65536"], "port number from 0 to 65535; got '65536'"),
    ],
)
def test_out_of_bounds_or_mistyped_numbers_exit_2_naming_the_rule(
    api: FakeCloudflareAPI, argv: list[str], message: str
) -> None:
    api.add_account(ACCOUNT)
    done = run_process(api, *argv, *ids(ACCOUNT))
    assert done.returncode == ExitCode.USAGE
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()[-1]) < 240  # one line, not a wall of text
    assert (done.stdout, api.request_count()) == ("", 0)


@pytest.mark.parametrize(("window", "days", "buckets"), [("day", 366, 366), ("hour", 31, 31 * 24)])
def test_the_longest_usage_each_window_allows_is_read_whole(
    api: FakeCloudflareAPI, window: str, days: int, buckets: int
) -> None:
    api.add_account(ACCOUNT, spend_usd_per_day=1)
    done = run_process(api, "usage", "--days", str(days), "--window", window, "--json", *ids(ACCOUNT))
    assert done.returncode == ExitCode.OK, done.stderr
    assert done.stdout.count('"start"') == buckets


def test_hourly_usage_is_bounded_to_what_one_answer_holds(api: FakeCloudflareAPI) -> None:
    api.add_account(ACCOUNT, spend_usd_per_day=1)
    done = run_process(api, "usage", "--days", "32", "--window", "hour", *ids(ACCOUNT))
    assert done.returncode == ExitCode.USAGE
    assert done.stderr == (
        "cf-billing: error: --days 32 is too many for --window hour: at most 31 days of hourly usage fit one "
        "answer. Use --window day for up to 366 days.\n"
    )
    assert api.request_count() == 0


@pytest.mark.parametrize("columns", ["100000", str(10**12)])
def test_a_huge_terminal_width_draws_a_bounded_chart_without_padding(api: FakeCloudflareAPI, columns: str) -> None:
    api.add_account(ACCOUNT, spend_usd_per_day=3)
    done = run_process(api, "usage", "--days", "3", *ids(ACCOUNT), COLUMNS=columns)
    assert done.returncode == ExitCode.OK, done.stderr
    lines = done.stdout.splitlines()
    assert max(map(len, lines)) <= 200
    assert [line for line in lines if line != line.rstrip()] == []  # no trailing spaces
    assert len(lines[1]) == 200  # the widest bar fills the widest chart


def test_a_tiny_terminal_width_still_draws_40_columns(api: FakeCloudflareAPI) -> None:
    api.add_account(ACCOUNT, spend_usd_per_day=3)
    done = run_process(api, "usage", "--days", "3", *ids(ACCOUNT), COLUMNS="5")
    assert done.returncode == ExitCode.OK, done.stderr
    bars = done.stdout.splitlines()[1:4]
    assert [len(line) for line in bars] == [40, 40, 40]
