"""Rendering outcomes for people (a table, one line per check) and for programs (one JSON array).

Money is shown in US dollars (``$49.99``; more decimals only when the amount has them). Text that
came from the server is stripped of control characters before it reaches a terminal.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from .._models import CreditBalance
from .._money import format_usd
from .._serialize import json_number, outcome_to_dict
from .._text import clean
from .._verdict import Runway, describe_topup
from ._fetch import AccountResult

__all__ = ["balance_table", "check_line", "check_to_dict", "to_json"]

TOP_UP_URL = "https://dash.cloudflare.com/?to=/:account/ai/ai-gateway"
_HEADER = ("ACCOUNT", "BALANCE", "AUTO TOP-UP", "PAYMENT METHOD")


def error_summary(error: Exception) -> str:
    """``ErrorType: message``, safe for a terminal."""
    return clean(f"{type(error).__name__}: {error}")


def payment_summary(balance: CreditBalance) -> str:
    """``visa ••4242``, or ``none`` when the account has no payment method."""
    method = balance.payment_method
    if method is None or not (method.brand or method.last4):
        return "none"
    parts = [method.brand or "card"] + ([f"••{method.last4}"] if method.last4 else [])
    return clean(" ".join(parts))


def _row(outcome: CreditBalance) -> tuple[str, str, str, str]:
    money = format_usd(outcome.balance_usd)
    return outcome.account_id, money, describe_topup(outcome.topup_config), payment_summary(outcome)


def balance_table(account_ids: Sequence[str], outcomes: Sequence[AccountResult]) -> str:
    """One row per account in order; a failed account's row holds its error type and message."""
    rows = [_row(outcome) for outcome in outcomes if isinstance(outcome, CreditBalance)]
    account, money, topup = (max(len(row[column]) for row in [_HEADER, *rows]) for column in range(3))

    def line(cells: Sequence[str]) -> str:
        return f"{cells[0]:<{account}}  {cells[1]:>{money}}  {cells[2]:<{topup}}  {cells[3]}".rstrip()

    lines = [line(_HEADER)]
    for account_id, outcome in zip(account_ids, outcomes, strict=True):
        if isinstance(outcome, CreditBalance):
            lines.append(line(_row(outcome)))
        else:
            lines.append(f"{account_id:<{account}}  {'error':>{money}}  {error_summary(outcome)}")
    return "\n".join(lines)


def check_line(
    account_id: str,
    outcome: AccountResult,
    floor_usd: Decimal,
    runway: Runway | None = None,
    min_runway_days: Decimal | None = None,
) -> str:
    """``ok``/``BELOW``/``SHORT``/``ERROR`` for one account, with the amounts compared or what went wrong."""
    floor = format_usd(floor_usd)
    if not isinstance(outcome, CreditBalance):
        return f"{'ERROR':<7}{account_id}  {error_summary(outcome)}"
    money = format_usd(outcome.balance_usd)
    if outcome.is_below(floor_usd):
        return f"{'BELOW':<7}{account_id}  {money} < floor {floor} — top up at {TOP_UP_URL}"
    days = None if runway is None else runway.days_until_floor
    if runway is not None and min_runway_days is not None and days is not None and days < min_runway_days:
        pace = format_usd(runway.spend_usd_per_day.quantize(Decimal("0.01")))
        return (
            f"{'SHORT':<7}{account_id}  {money} ≥ floor {floor}, but at {pace} a day (the mean of the last "
            f"{runway.window_days} days) the floor is {days:.1f} days away, under the {min_runway_days:f} required"
        )
    return f"{'ok':<7}{account_id}  {money} ≥ floor {floor}"


def check_to_dict(
    account_id: str,
    outcome: AccountResult,
    floor_usd: Decimal,
    runway: Runway | None = None,
    min_runway_days: Decimal | None = None,
) -> dict[str, Any]:
    """The ``balance --json`` object plus ``floor_usd`` and ``below_floor`` (``null`` when unreadable).

    With a runway rule: ``spend_usd_per_day``, ``days_until_floor`` and ``runway_too_short`` too.
    """
    below = outcome.is_below(floor_usd) if isinstance(outcome, CreditBalance) else None
    data = {**outcome_to_dict(account_id, outcome), "floor_usd": json_number(floor_usd), "below_floor": below}
    if min_runway_days is None:
        return data
    days = None if runway is None else runway.days_until_floor
    return {
        **data,
        "spend_usd_per_day": None if runway is None else json_number(runway.spend_usd_per_day),
        "days_until_floor": None if days is None else json_number(days),
        "runway_too_short": None if runway is None else days is not None and days < min_runway_days,
    }


def to_json(objects: Sequence[dict[str, Any]]) -> str:
    """One JSON array, indented for people, ASCII-only so any pipe can carry it."""
    return json.dumps(list(objects), indent=2)
