"""Whether automatic top-up will actually work: one pure rule for the guard, the plugin, the policy pack and the CLI.

Auto top-up counts as working only when it is configured (an amount and a threshold) and not
disabled, its threshold is at or above the floor (else the balance sinks under the floor before a
top-up is triggered), the account has a default payment method to charge, and no top-up failed in
the last ``failure_window_days`` days. Cloudflare's ``topup_config.error`` without a
``lastFailedAt`` counts as a recent failure: nothing says it is old.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from ._money import format_usd
from ._text import SERVER_TEXT_LIMIT, clean

if TYPE_CHECKING:  # annotations only: judging a reading needs no model class loaded
    from ._models import CreditBalance, TopupConfig

__all__ = ["DEFAULT_TOPUP_FAILURE_WINDOW_DAYS", "TOPUP_PROBLEM", "topup_problem"]

TOPUP_PROBLEM = "auto top-up would not work"
"""How every top-up problem begins (a refusal line then leaves the top-up state out of its facts)."""

DEFAULT_TOPUP_FAILURE_WINDOW_DAYS = 3
"""Days during which a failed top-up means auto top-up is not working."""


def topup_problem(
    balance: CreditBalance,
    floor_usd: Decimal,
    now: datetime,
    failure_window_days: int = DEFAULT_TOPUP_FAILURE_WINDOW_DAYS,
) -> str | None:
    """Why auto top-up would not keep ``balance`` at or above ``floor_usd`` US dollars; ``None`` when it works.

    One phrase for a refusal line, naming every reason at once (so one fix is not followed by
    another refusal), e.g. ``auto top-up would not work: the last top-up failed 2026-11-24 09:30 UTC
    ("card declined")``. Server text is cleaned. A failure counts as recent when it happened at most
    ``failure_window_days`` days before ``now`` (an aware datetime), or after it (a skewed clock).
    """
    reasons = [
        reason
        for reason in (
            _configuration_problem(balance.topup_config, floor_usd),
            _payment_problem(balance.has_default_payment_method),
            _failure_problem(balance.topup_config, now, failure_window_days),
        )
        if reason is not None
    ]
    if not reasons:
        return None
    listed = reasons[0] if len(reasons) == 1 else f"{', '.join(reasons[:-1])} and {reasons[-1]}"
    return f"{TOPUP_PROBLEM}: {listed}"


def _configuration_problem(topup: TopupConfig, floor_usd: Decimal) -> str | None:
    if topup.disabled_reason:
        return f"it is disabled ({clean(topup.disabled_reason, SERVER_TEXT_LIMIT)})"
    if topup.amount is None or topup.threshold_usd is None:
        return "it is not set up (no amount and threshold)"
    if topup.threshold_usd < floor_usd:
        return (
            f"its threshold {format_usd(topup.threshold_usd)} is under the floor {format_usd(floor_usd)}, "
            "so the balance would fall below the floor before a top-up"
        )
    return None


def _payment_problem(has_default_payment_method: bool | None) -> str | None:
    if has_default_payment_method is True:
        return None
    if has_default_payment_method is None:
        return "Cloudflare did not say whether the account has a default payment method"
    return "the account has no default payment method"


def _failure_problem(topup: TopupConfig, now: datetime, window_days: int) -> str | None:
    failed_at = topup.last_failed_at_datetime
    text = f' ("{clean(topup.error, SERVER_TEXT_LIMIT)}")' if topup.error else ""
    if failed_at is None:
        return f"the last top-up failed at a time Cloudflare did not give{text}" if topup.error else None
    if now - failed_at > timedelta(days=window_days):
        return None
    return f"the last top-up failed {failed_at:%Y-%m-%d %H:%M} UTC{text}"
