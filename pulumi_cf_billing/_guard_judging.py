"""A guard judged: its inputs parsed into a :class:`Guard`, a reading judged into a :class:`Verdict`, the outputs.

What the inputs are lives in :mod:`._guard_definition`; what to read for a rule set and how to judge a
reading live in :mod:`._assess`. This module adds the parsing every surface shares (a problem named as
the surface spells the input, an unknown value deferred everywhere), the deploy-level verdict
(``on_breach``/``on_error``) and the outputs a guard records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ._assess import Reading, Rules, assess
from ._exceptions import CloudflareBillingError
from ._guard_definition import (
    DEFAULT_RUNWAY_WINDOW_DAYS,
    DEFAULT_TOPUP_FAILURE_WINDOW_DAYS,
    GUARD_INPUTS,
    OBSERVED_KEYS,
    REQUIRED,
    RUNWAY_KEYS,
    GuardInput,
)
from ._money import MONEY_CONTEXT, format_usd
from ._serialize import credit_balance_to_dict, spending_limit_to_dict
from ._verdict import Runway, breach_message

__all__ = ["Guard", "InputProblem", "ParsedGuard", "Verdict", "guard_outputs", "judge_guard", "parse_guard"]


@dataclass(frozen=True, slots=True)
class Guard:
    """A parsed guard: the account, the rules it must meet, and what a breach or an error does to the deploy."""

    account_id: str
    rules: Rules
    on_breach: str = "fail"
    on_error: str = "fail"


@dataclass(frozen=True, slots=True)
class InputProblem:
    """An input that cannot be accepted: its name as the surface spells it, and why."""

    key: str
    reason: str


@dataclass(frozen=True, slots=True)
class ParsedGuard:
    """What :func:`parse_guard` found: a guard, or the problems, or (``deferred``) inputs not known yet."""

    guard: Guard | None
    problems: list[InputProblem] = field(default_factory=list)
    deferred: bool = False


def parse_guard(
    values: Mapping[str, object],
    *,
    spelling: Callable[[str], str] = str,
    is_unknown: Callable[[object], bool] = lambda _value: False,
    inputs: tuple[GuardInput, ...] = GUARD_INPUTS,
) -> ParsedGuard:
    """Parse a surface's guard inputs, keyed by ``spelling(name)`` (``str``: snake_case; :func:`camel`).

    Every known value is checked; a problem names the input as the surface spells it. When no known
    value has a problem but some value is unknown (``is_unknown``), the guard is deferred: judge it
    when the values are known. An absent or ``None`` value takes its default.
    """
    parsed: dict[str, Any] = {}
    problems: list[InputProblem] = []
    unknown = False
    for item in inputs:
        key = spelling(item.name)
        value = values.get(key)
        if is_unknown(value):
            unknown = True
        elif value is None and item.default is REQUIRED:
            problems.append(InputProblem(key, _missing(item, key)))
        elif value is None:
            parsed[item.name] = item.default
        else:
            try:
                parsed[item.name] = item.parse(value, key)
            except (ValueError, CloudflareBillingError) as error:
                problems.append(InputProblem(key, str(error)))
    if problems or unknown:
        return ParsedGuard(None, problems, deferred=not problems)
    return ParsedGuard(_guard(parsed))


def _missing(item: GuardInput, key: str) -> str:
    """Why a required input cannot be left out: an account id says where one can come from."""
    try:
        item.parse(None, key) if item.kind == "account" else None
    except CloudflareBillingError as error:
        return str(error)
    return f"{key} is required"


def _guard(parsed: Mapping[str, Any]) -> Guard:
    rules = Rules(
        floor_usd=parsed["floor_usd"],
        require_auto_topup=parsed.get("require_auto_topup", False),
        min_runway_days=parsed.get("min_runway_days"),
        runway_window_days=parsed.get("runway_window_days", DEFAULT_RUNWAY_WINDOW_DAYS),
        require_spending_limit=parsed.get("require_spending_limit", False),
        topup_failure_window_days=parsed.get("topup_failure_window_days", DEFAULT_TOPUP_FAILURE_WINDOW_DAYS),
    )
    return Guard(parsed.get("account_id", ""), rules, parsed.get("on_breach", "fail"), parsed.get("on_error", "fail"))


@dataclass(frozen=True, slots=True)
class Verdict:
    """The guard's answer: ``status`` (``ok``, ``breach`` or ``unreadable``), one line, and whether the deploy stops.

    ``reading`` and ``runway`` are what was read and measured (``None`` when unreadable).
    """

    status: str
    message: str
    stops_deploy: bool
    reading: Reading | None = None
    runway: Runway | None = None


def judge_guard(guard: Guard, read: Callable[[], Reading], now: datetime, subject: str) -> Verdict:
    """Read with ``read`` (what ``guard.rules`` need) and judge at ``now``; ``subject`` opens every message.

    Every failure to read, and every reading that cannot be judged, is ``unreadable`` and goes
    through ``on_error``: nothing escapes as an exception but a bug.
    """
    try:
        reading = read()
        runway, problems = assess(reading, guard.rules, now)
    except CloudflareBillingError as error:
        message = f"{subject}: could not read the AI Gateway balance of account {guard.account_id}: {error.message}"
        return Verdict("unreadable", message, guard.on_error == "fail")
    if not problems:
        balance = reading.balance.balance_usd
        message = f"balance {format_usd(balance)} is at or above the floor {format_usd(guard.rules.floor_usd)}"
        return Verdict("ok", message, stops_deploy=False, reading=reading, runway=runway)
    message = breach_message(subject, reading.balance, guard.rules.floor_usd, problems)
    return Verdict("breach", message, guard.on_breach == "fail", reading, runway)


def guard_outputs(verdict: Verdict, previous: Mapping[str, Any]) -> dict[str, Any]:
    """The outputs to record for ``verdict``; an unreadable account keeps the ``previous`` reading's fields."""
    reading, runway = verdict.reading, verdict.runway
    if reading is None:
        carried = {key: previous.get(key) for key in (*OBSERVED_KEYS, *RUNWAY_KEYS)}
        return {**carried, "status": verdict.status, "message": verdict.message}
    balance = credit_balance_to_dict(reading.balance)
    limit = reading.spending_limit
    return {
        **{key: balance[key] for key in OBSERVED_KEYS},
        "spend_usd_per_day": None if runway is None else _rounded(runway.spend_usd_per_day),
        "days_until_floor": None if runway is None else _rounded(runway.days_until_floor),
        "spending_limit": None if limit is None else spending_limit_to_dict(limit),
        "status": verdict.status,
        "message": verdict.message,
    }


def _rounded(value: Decimal | None) -> float | None:
    """Four decimals, rounded in the money context (the ambient 28 digits cannot hold a long runway)."""
    return None if value is None else float(MONEY_CONTEXT.quantize(value, Decimal("0.0001")))
