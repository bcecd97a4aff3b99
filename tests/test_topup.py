"""The auto top-up rule: configured, enabled, threshold at or above the floor, a payment method, no recent failure."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pulumi_cf_billing import CreditBalanceClient
from pulumi_cf_billing._models import LAST_FAILED_AT_SECONDS_BEFORE as SECONDS_BEFORE
from pulumi_cf_billing._models import CreditBalance, TopupConfig
from pulumi_cf_billing._topup import topup_problem
from pulumi_cf_billing.testing import FakeCloudflareAPI

from .conftest import ACCOUNT, SENTINEL_TOKEN

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FLOOR = Decimal(10)
WORKING = TopupConfig(amount=Decimal(2000), threshold=Decimal(1000))


def balance(topup: TopupConfig = WORKING, *, payment: bool | None = True) -> CreditBalance:
    return CreditBalance(ACCOUNT, Decimal(5000), has_default_payment_method=payment, topup_config=topup)


def failed(at: datetime | None, error: str | None = "card declined") -> TopupConfig:
    millis = None if at is None else Decimal(int(at.timestamp() * 1000))
    return replace(WORKING, error=error, last_failed_at=millis)


# -- the unit of lastFailedAt --------------------------------------------------------------


def test_no_timestamp_is_no_time() -> None:
    assert WORKING.last_failed_at_datetime is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal(1_700_000_000), datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),  # seconds
        (Decimal(1_700_000_000_000), datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),  # the same moment in ms
        (Decimal(1_700_000_000_500), datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=UTC)),
        (Decimal(0), datetime(1970, 1, 1, tzinfo=UTC)),
        (SECONDS_BEFORE - 1, datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=10**11 - 1)),  # year 5138, seconds
        (SECONDS_BEFORE, datetime(1973, 3, 3, 9, 46, 40, tzinfo=UTC)),  # 10^11 itself: milliseconds
        (Decimal("99999999999.5"), datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=99999999999.5)),
    ],
)
def test_under_ten_to_the_eleven_is_seconds_else_milliseconds(value: Decimal, expected: datetime) -> None:
    assert replace(WORKING, last_failed_at=value).last_failed_at_datetime == expected


@given(st.datetimes(min_value=datetime(1974, 1, 1), max_value=datetime(5000, 1, 1), timezones=st.just(UTC)))
def test_a_moment_reads_the_same_in_seconds_and_in_milliseconds(moment: datetime) -> None:
    whole = moment.replace(microsecond=0)
    seconds = Decimal(int(whole.timestamp()))
    assert replace(WORKING, last_failed_at=seconds).last_failed_at_datetime == whole
    assert replace(WORKING, last_failed_at=seconds * 1000).last_failed_at_datetime == whole


# -- the rule ------------------------------------------------------------------------------


def test_configured_enabled_above_the_floor_with_a_card_and_no_failure_works() -> None:
    assert topup_problem(balance(), FLOOR, NOW) is None


def test_a_threshold_at_the_floor_works_and_a_cent_under_does_not() -> None:
    assert topup_problem(balance(replace(WORKING, threshold=Decimal(1000))), FLOOR, NOW) is None
    assert topup_problem(balance(replace(WORKING, threshold=Decimal(999))), FLOOR, NOW) == (
        "auto top-up would not work: its threshold $9.99 is under the floor $10.00, "
        "so the balance would fall below the floor before a top-up"
    )


def test_disabled_names_cloudflares_reason_cleaned() -> None:
    topup = replace(WORKING, disabled_reason="too many\x1b[31m failures")
    assert topup_problem(balance(topup), FLOOR, NOW) == (
        "auto top-up would not work: it is disabled (too many?[31m failures)"
    )


@pytest.mark.parametrize(
    "topup",
    [TopupConfig(), TopupConfig(amount=Decimal(2000)), TopupConfig(threshold=Decimal(1000))],
    ids=["neither", "no threshold", "no amount"],
)
def test_not_configured(topup: TopupConfig) -> None:
    assert topup_problem(balance(topup), Decimal(0), NOW) == (
        "auto top-up would not work: it is not set up (no amount and threshold)"
    )


def test_no_default_payment_method() -> None:
    assert topup_problem(balance(payment=False), FLOOR, NOW) == (
        "auto top-up would not work: the account has no default payment method"
    )


def test_an_unknown_payment_method_is_not_vouched_for() -> None:
    assert topup_problem(balance(payment=None), FLOOR, NOW) == (
        "auto top-up would not work: Cloudflare did not say whether the account has a default payment method"
    )


def test_a_recent_failure_quotes_when_and_cloudflares_words() -> None:
    topup = failed(NOW - timedelta(hours=5), error="card declined\nby the bank")
    assert topup_problem(balance(topup), FLOOR, NOW) == (
        'auto top-up would not work: the last top-up failed 2026-11-25 07:00 UTC ("card declined?by the bank")'
    )


def test_a_failure_exactly_at_the_window_counts_and_one_ms_older_does_not() -> None:
    assert topup_problem(balance(failed(NOW - timedelta(days=3))), FLOOR, NOW) is not None
    assert topup_problem(balance(failed(NOW - timedelta(days=3, milliseconds=1))), FLOOR, NOW) is None


def test_the_window_is_configurable() -> None:
    topup = failed(NOW - timedelta(days=5))
    assert topup_problem(balance(topup), FLOOR, NOW) is None
    assert topup_problem(balance(topup), FLOOR, NOW, failure_window_days=7) is not None
    assert topup_problem(balance(failed(NOW - timedelta(seconds=1))), FLOOR, NOW, failure_window_days=0) is None


def test_a_failure_stamped_in_seconds_counts_as_well() -> None:
    topup = replace(WORKING, error="expired card", last_failed_at=Decimal(int((NOW - timedelta(hours=1)).timestamp())))
    assert topup_problem(balance(topup), FLOOR, NOW) == (
        'auto top-up would not work: the last top-up failed 2026-11-25 11:00 UTC ("expired card")'
    )


def test_a_failure_after_now_is_recent() -> None:
    assert topup_problem(balance(failed(NOW + timedelta(minutes=2))), FLOOR, NOW) is not None


def test_an_error_without_a_timestamp_counts_as_recent() -> None:
    assert topup_problem(balance(failed(None, error="insufficient funds")), FLOOR, NOW) == (
        'auto top-up would not work: the last top-up failed at a time Cloudflare did not give ("insufficient funds")'
    )


def test_a_timestamp_without_an_error_still_is_a_failure() -> None:
    assert topup_problem(balance(failed(NOW - timedelta(days=1), error=None)), FLOOR, NOW) == (
        "auto top-up would not work: the last top-up failed 2026-11-24 12:00 UTC"
    )


def test_every_reason_is_named_at_once() -> None:
    topup = replace(failed(NOW - timedelta(days=1)), threshold=Decimal(500))
    assert topup_problem(balance(topup, payment=False), FLOOR, NOW) == (
        "auto top-up would not work: its threshold $5.00 is under the floor $10.00, so the balance would fall "
        "below the floor before a top-up, the account has no default payment method and the last top-up failed "
        '2026-11-24 12:00 UTC ("card declined")'
    )


def test_long_server_text_is_cut() -> None:
    problem = topup_problem(balance(failed(None, error="x" * 5000)), FLOOR, NOW)
    assert problem is not None
    assert len(problem) < 400
    assert problem.endswith('…")')


def test_read_over_the_wire_from_milliseconds(fake_cloudflare_api: FakeCloudflareAPI) -> None:
    failed_ms = int((datetime.now(UTC) - timedelta(hours=2)).timestamp() * 1000)
    fake_cloudflare_api.add_account(ACCOUNT, topup_error="card declined", last_failed_at_ms=failed_ms)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    with CreditBalanceClient(api_token=SENTINEL_TOKEN, base_url=fake_cloudflare_api.base_url, environ={}) as client:
        read = client.get(ACCOUNT)
    problem = topup_problem(read, FLOOR, datetime.now(UTC))
    assert problem is not None
    assert f"{datetime.fromtimestamp(failed_ms / 1000, UTC):%Y-%m-%d %H:%M} UTC" in problem
    assert SENTINEL_TOKEN not in problem
