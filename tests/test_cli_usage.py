"""``cf-billing usage`` and ``cf-billing check --min-runway-days`` against the fake API over real sockets."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pulumi_cf_billing.cli import ExitCode, main
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from .conftest import ACCOUNT, OTHER_ACCOUNT, SENTINEL_TOKEN


@pytest.fixture
def api(fake_api_in_environment: FakeCloudflareAPI) -> FakeCloudflareAPI:
    fake_api_in_environment.add_account(ACCOUNT, balance_cents=5000, spend_usd_per_day=10)
    fake_api_in_environment.add_account(OTHER_ACCOUNT, balance_cents=5000, spend_usd_per_day=1)
    return fake_api_in_environment


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert SENTINEL_TOKEN not in out + err
    assert "Traceback" not in err
    return code, out, err


def test_usage_charts_each_complete_day_with_total_mean_and_runway(
    api: FakeCloudflareAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "usage", "--days", "7", "--floor-usd", "10", "--account-id", ACCOUNT)
    assert code == ExitCode.OK
    lines = out.splitlines()
    assert lines[0] == f"{ACCOUNT}  AI Gateway usage per day, US dollars"
    assert len(lines) == 1 + 7 + 2  # the heading, one bar per complete day (not the running one), two sums
    assert all(" $10.00  █" in line for line in lines[1:8])
    assert "mean $10.00 a day over the last 7 complete days" in out
    assert "floor $10.00: 4.0 days at that pace" in out
    assert api.request_count(ACCOUNT, "usage-history") == 1
    assert api.request_count(ACCOUNT, "credit-balance") == 1


def test_usage_json_keeps_dollars_exact_and_says_the_runway(
    api: FakeCloudflareAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "usage", "--days", "3", "--json", "--floor-usd", "10", "--account-id", ACCOUNT, "--account-id",
        OTHER_ACCOUNT,
    )  # fmt: skip
    assert code == ExitCode.OK
    first, second = json.loads(out)
    assert [bucket["spend_usd"] for bucket in first["buckets"][:3]] == [10, 10, 10]
    assert (first["spend_usd_per_day"], first["days_until_floor"]) == (10, 4)
    assert (second["spend_usd_per_day"], second["days_until_floor"]) == (1, 40)
    assert first["window"] == "day"


def test_usage_in_ascii_when_the_terminal_cannot_show_blocks(api: FakeCloudflareAPI) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "CLOUDFLARE_BASE_URL": api.base_url}
    done = subprocess.run(  # noqa: S603  # this interpreter, our module
        [sys.executable, "-m", "pulumi_cf_billing.cli", "usage", "--days", "2", "--account-id", ACCOUNT],
        env=env | {"CLOUDFLARE_API_TOKEN": SENTINEL_TOKEN},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == ExitCode.OK, done.stderr
    assert "##" in done.stdout
    assert "?" not in done.stdout  # nothing the encoding could not carry
    assert SENTINEL_TOKEN not in done.stdout + done.stderr


def test_check_min_runway_days_exits_1_when_the_measured_pace_is_too_fast(
    api: FakeCloudflareAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "check", "--floor-usd", "10", "--min-runway-days", "7", "--account-id", ACCOUNT, "--account-id",
        OTHER_ACCOUNT,
    )  # fmt: skip
    assert code == ExitCode.BELOW
    short, fine = out.splitlines()
    assert short == (
        f"BREACH {ACCOUNT}  at $10.00 a day (the mean of the last 7 days) the floor is 4.0 days away, "
        "under the 7 required (balance $50.00 ≥ floor $10.00)"
    )
    assert fine.startswith(f"ok     {OTHER_ACCOUNT}")
    code, _, _ = run(capsys, "check", "--floor-usd", "10", "--min-runway-days", "3", "--account-id", ACCOUNT)
    assert code == ExitCode.OK


def test_check_json_with_a_runway_rule(api: FakeCloudflareAPI, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "check", "--floor-usd", "10", "--min-runway-days", "7", "--json", "--account-id", ACCOUNT
    )
    assert code == ExitCode.BELOW
    [entry] = json.loads(out)
    assert (entry["spend_usd_per_day"], entry["days_until_floor"], entry["runway_too_short"]) == (10, 4, True)
    assert entry["below_floor"] is False


def test_an_unreadable_usage_history_makes_the_check_unknown(
    api: FakeCloudflareAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    api.inject(ACCOUNT, Fault.error(403, 10000, "Authentication error"), times=None)
    code, out, _ = run(capsys, "check", "--floor-usd", "10", "--min-runway-days", "7", "--account-id", ACCOUNT)
    assert code == ExitCode.UNREADABLE
    assert "PermissionDeniedError" in out


def test_runway_needs_a_number_of_days(api: FakeCloudflareAPI, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "--floor-usd", "10", "--min-runway-days", "soon", "--account-id", ACCOUNT)
    assert (code, out) == (ExitCode.USAGE, "")
    assert "--min-runway-days must be a plain non-negative number of days" in err
