"""Runway arithmetic: exact decimals, only complete UTC days, no spend means no date, under the floor means 0."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pulumi_cf_billing import UsageBucket, UsageHistory
from pulumi_cf_billing._money import MONEY_CONTEXT
from pulumi_cf_billing._verdict import measure_runway, runway_window

from .conftest import ACCOUNT

DAY = timedelta(days=1)
money = st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False)
moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC))


def history(now: datetime, daily: list[Decimal], today: Decimal = Decimal(0)) -> UsageHistory:
    """``daily[0]`` is yesterday's spend, ``daily[1]`` the day before, ...; ``today`` the running day's."""
    midnight = runway_window(now, 0)[1]
    buckets = [UsageBucket(midnight - (n + 1) * DAY, midnight - n * DAY, spend) for n, spend in enumerate(daily)]
    return UsageHistory(ACCOUNT, (*reversed(buckets), UsageBucket(midnight, midnight + DAY, today)))


@given(now=moments, daily=st.lists(money, min_size=7, max_size=7), today=money, balance=money, floor=money)
def test_the_mean_is_exact_and_the_running_day_never_counts(
    now: datetime, daily: list[Decimal], today: Decimal, balance: Decimal, floor: Decimal
) -> None:
    runway = measure_runway(balance, floor, history(now, daily, today), now)
    assert runway.spend_usd_per_day == MONEY_CONTEXT.divide(sum(daily, Decimal(0)), Decimal(7))
    assert runway.window_days == 7
    if runway.spend_usd_per_day == 0:
        assert runway.days_until_floor is None
    elif balance <= floor:
        assert runway.days_until_floor == 0
    else:
        assert runway.days_until_floor is not None
        # days x pace gives back the headroom (to the context's 60 digits)
        assert abs(runway.days_until_floor * runway.spend_usd_per_day - (balance - floor)) < Decimal("1e-40")


@given(now=moments, older=st.lists(money, min_size=1, max_size=5))
def test_days_before_the_window_do_not_count(now: datetime, older: list[Decimal]) -> None:
    runway = measure_runway(Decimal(100), Decimal(0), history(now, [Decimal(1)] * 7 + older), now)
    assert runway.spend_usd_per_day == 1
    assert runway.days_until_floor == 100


def test_spend_larger_than_the_balance_gives_less_than_a_day() -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    runway = measure_runway(Decimal(50), Decimal(10), history(now, [Decimal(700)] * 7), now)
    assert (runway.spend_usd_per_day, runway.days_until_floor) == (700, MONEY_CONTEXT.divide(Decimal(40), Decimal(700)))
    assert runway.days_until_floor is not None
    assert runway.days_until_floor < 1


def test_the_window_is_whole_utc_days_before_now_whatever_the_time_zone() -> None:
    now = datetime(2026, 11, 25, 1, 30, tzinfo=UTC).astimezone()  # any zone, same instant
    assert runway_window(now, 3) == (datetime(2026, 11, 22, tzinfo=UTC), datetime(2026, 11, 25, tzinfo=UTC))
