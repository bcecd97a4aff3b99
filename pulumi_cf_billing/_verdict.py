"""Judging a balance against a floor, a runway and a spending-limit rule: pure functions for the guard,
``require_credit_balance`` and the CLI.

Everything here is exact decimal arithmetic in US dollars; the message is one line a person can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from ._money import MONEY_CONTEXT, format_usd
from ._text import SERVER_TEXT_LIMIT, clean
from ._topup import DEFAULT_TOPUP_FAILURE_WINDOW_DAYS, TOPUP_PROBLEM, topup_problem

if TYPE_CHECKING:  # annotations only: judging a reading needs no model class loaded
    from ._models import CreditBalance, SpendingLimit, TopupConfig, UsageHistory

__all__ = [
    "DEFAULT_RUNWAY_WINDOW_DAYS",
    "Runway",
    "breach_message",
    "describe_topup",
    "judge",
    "measure_runway",
    "runway_window",
]

DEFAULT_RUNWAY_WINDOW_DAYS = 7
"""Complete UTC days of usage whose mean daily spend measures runway."""

TOP_UP_ADVICE = "Top up in the Cloudflare dashboard (AI > AI Gateway > Credits) or lower the floor."


@dataclass(frozen=True, slots=True)
class Runway:
    """Spend measured from Cloudflare's usage history, and how long the balance lasts at that pace.

    ``spend_usd_per_day`` is the mean daily usage cost over the last ``window_days`` complete UTC days;
    ``days_until_floor`` the days until the balance reaches the floor at that pace (``None`` when
    nothing was spent, ``0`` when already under).
    """

    window_days: int
    spend_usd_per_day: Decimal
    days_until_floor: Decimal | None


def runway_window(now: datetime, window_days: int = DEFAULT_RUNWAY_WINDOW_DAYS) -> tuple[datetime, datetime]:
    """The last ``window_days`` complete UTC days before ``now``: from midnight to midnight, UTC."""
    end = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return end - timedelta(days=window_days), end


def measure_runway(
    balance_usd: Decimal,
    floor_usd: Decimal,
    usage: UsageHistory,
    now: datetime,
    window_days: int = DEFAULT_RUNWAY_WINDOW_DAYS,
) -> Runway:
    """Runway from measured spend: buckets wholly inside :func:`runway_window` count, the running day does not."""
    start, end = runway_window(now, window_days)
    spent = sum((b.spend_usd for b in usage.buckets if start <= b.start and b.end <= end), Decimal(0))
    per_day = MONEY_CONTEXT.divide(spent, Decimal(window_days))
    if per_day <= 0:
        return Runway(window_days, Decimal(0), None)
    headroom = MONEY_CONTEXT.subtract(balance_usd, floor_usd)
    days = Decimal(0) if headroom <= 0 else MONEY_CONTEXT.divide(headroom, per_day)
    return Runway(window_days, per_day, days)


def describe_topup(topup: TopupConfig) -> str:
    """Automatic top-up in a few words, server text cleaned: ``$20.00 when under $10.00``, ``off`` or ``off (reason)``.

    A last failed top-up is appended (``; last top-up failed: card declined``). The one description,
    for the CLI's table and the guard's message alike.
    """
    if topup.enabled and topup.amount_usd is not None and topup.threshold_usd is not None:
        state = f"{format_usd(topup.amount_usd)} when under {format_usd(topup.threshold_usd)}"
    else:
        state = f"off ({clean(topup.disabled_reason, SERVER_TEXT_LIMIT)})" if topup.disabled_reason else "off"
    return f"{state}; last top-up failed: {clean(topup.error, SERVER_TEXT_LIMIT)}" if topup.error else state


def judge(
    balance: CreditBalance,
    floor_usd: Decimal,
    *,
    now: datetime,
    require_auto_topup: bool = False,
    topup_failure_window_days: int = DEFAULT_TOPUP_FAILURE_WINDOW_DAYS,
    min_runway_days: Decimal | None = None,
    runway: Runway | None = None,
    require_spending_limit: bool = False,
    spending_limit: SpendingLimit | None = None,
) -> list[str]:
    """The problems with ``balance`` at ``now``, most urgent first; empty when the deploy may go ahead.

    ``require_auto_topup`` asks that auto top-up would actually work (:func:`._topup.topup_problem`:
    set up, enabled, threshold at or above the floor, a default payment method, no top-up failed in
    the last ``topup_failure_window_days`` days).
    """
    problems: list[str] = []
    if balance.is_below(floor_usd):
        problems.append(f"balance {format_usd(balance.balance_usd)} is below the floor {format_usd(floor_usd)}")
    topup = topup_problem(balance, floor_usd, now, topup_failure_window_days) if require_auto_topup else None
    if topup is not None:
        problems.append(topup)
    days = runway.days_until_floor if runway is not None else None
    if min_runway_days is not None and runway is not None and days is not None and days < min_runway_days:
        pace = f"{format_usd(runway.spend_usd_per_day.quantize(Decimal('0.01')))} a day"
        required = f"{min_runway_days.normalize():f}"
        problems.append(
            f"at {pace} (the mean of the last {runway.window_days} days) the floor is {days:.1f} days away, "
            f"under the {required} required"
        )
    if require_spending_limit and (spending_limit is None or not spending_limit.enabled):
        problems.append("an account spending limit must be enabled (AI > AI Gateway > Spending limit)")
    return problems


def breach_message(subject: str, balance: CreditBalance, floor_usd: Decimal, problems: list[str]) -> str:
    """One line naming who, which account, the problems, balance, floor, top-up state and what to do; each fact once.

    The balance and the floor are stated in the problem when the balance is below the floor, else
    after it; the top-up state likewise, unless a problem already describes auto top-up.
    """
    facts = (
        []
        if balance.is_below(floor_usd)
        else [f"balance {format_usd(balance.balance_usd)}", f"floor {format_usd(floor_usd)}"]
    )
    if not any(problem.startswith(TOPUP_PROBLEM) for problem in problems):
        facts.append(f"auto top-up {describe_topup(balance.topup_config)}")
    return (
        f"{subject}: AI Gateway credits of account {balance.account_id} are not enough to deploy: "
        f"{'; '.join(problems)} ({', '.join(facts)}). {TOP_UP_ADVICE}"
    )
