"""Judging a balance against a floor: pure functions shared by the guard and ``require_credit_balance``.

Everything here is exact decimal arithmetic in US dollars; the message is one line a person can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ._models import CreditBalance, TopupConfig
from ._money import format_usd
from ._text import SERVER_TEXT_LIMIT, clean

__all__ = ["Runway", "breach_message", "describe_topup", "judge"]

TOP_UP_ADVICE = "Top up in the Cloudflare dashboard (AI > AI Gateway > Credits) or lower the floor."


@dataclass(frozen=True, slots=True)
class Runway:
    """Spend measured since the last top-up: ``spend_usd_per_day`` and ``days_until_floor`` (``None``: unknown)."""

    spend_usd_per_day: Decimal | None = None
    days_until_floor: Decimal | None = None


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
    require_auto_topup: bool = False,
    min_runway_days: Decimal | None = None,
    runway: Runway | None = None,
) -> list[str]:
    """The problems with ``balance``, most urgent first; empty when the deploy may go ahead."""
    problems: list[str] = []
    if balance.is_below(floor_usd):
        problems.append(f"balance {format_usd(balance.balance_usd)} is below the floor {format_usd(floor_usd)}")
    if require_auto_topup and not _topup_covers(balance.topup_config, floor_usd):
        problems.append("auto top-up must be on with a threshold at or above the floor")
    days = runway.days_until_floor if runway is not None else None
    if min_runway_days is not None and days is not None and days < min_runway_days:
        required = f"{min_runway_days.normalize():f}"
        problems.append(f"at the current spend the floor is {days:.1f} days away, under the {required} required")
    return problems


def _topup_covers(topup: TopupConfig, floor_usd: Decimal) -> bool:
    return topup.enabled and topup.threshold_usd is not None and topup.threshold_usd >= floor_usd


def breach_message(subject: str, balance: CreditBalance, floor_usd: Decimal, problems: list[str]) -> str:
    """One line naming who, which account, the problems, balance, floor, top-up state and what to do; each fact once.

    The balance and the floor are stated in the problem when the balance is below the floor, else after it.
    """
    facts = (
        []
        if balance.is_below(floor_usd)
        else [f"balance {format_usd(balance.balance_usd)}", f"floor {format_usd(floor_usd)}"]
    )
    facts.append(f"auto top-up {describe_topup(balance.topup_config)}")
    return (
        f"{subject}: AI Gateway credits of account {balance.account_id} are not enough to deploy: "
        f"{'; '.join(problems)} ({', '.join(facts)}). {TOP_UP_ADVICE}"
    )


def measure_runway(
    balance_usd: Decimal,
    floor_usd: Decimal,
    baseline_usd: Decimal,
    days_since_baseline: Decimal,
) -> Runway:
    """Spend per day since the baseline (the first balance seen after the last top-up), and days until the floor.

    No spend measured (no time passed, or no drop) gives an unknown runway rather than a guess.
    """
    spent = baseline_usd - balance_usd
    if days_since_baseline <= 0 or spent <= 0:
        return Runway()
    per_day = spent / days_since_baseline
    return Runway(spend_usd_per_day=per_day, days_until_floor=max(Decimal(0), balance_usd - floor_usd) / per_day)
