"""The guard, defined once: its inputs (names, kinds, bounds, defaults), their parsing, its verdict and its outputs.

Every surface that guards a deploy is a thin adapter over this module: the dynamic provider behind
``CreditBalanceGuard``, the provider plugin's ``cf-billing:index:CreditBalanceGuard``, the policy
pack's config and ``cf-billing check``. Each spells an input its own way (``floor_usd``,
``floorUsd``, ``--floor-usd``) but parses it here, with the parsers of :mod:`._inputs`, so the same
value means the same thing everywhere and an unknown value (a preview's unknown) is deferred
everywhere. What to read and how to judge a reading live in :mod:`._assess`; this module adds the
deploy-level verdict (``on_breach``/``on_error``) and the outputs a guard records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from ._assess import Reading, Rules, assess
from ._config import validate_account_id
from ._exceptions import CloudflareBillingError
from ._inputs import parse_amount_usd, parse_bool, parse_days, parse_whole_number
from ._money import MONEY_CONTEXT, format_usd
from ._serialize import credit_balance_to_dict, spending_limit_to_dict
from ._text import shown
from ._topup import DEFAULT_TOPUP_FAILURE_WINDOW_DAYS
from ._verdict import DEFAULT_RUNWAY_WINDOW_DAYS, Runway, breach_message

__all__ = [
    "GUARD_INPUTS",
    "GUARD_SUBJECT",
    "MAX_RUNWAY_WINDOW_DAYS",
    "MODES",
    "OBSERVED_KEYS",
    "OUTPUT_KEYS",
    "REQUIRED",
    "RUNWAY_KEYS",
    "Guard",
    "GuardInput",
    "InputProblem",
    "ParsedGuard",
    "Verdict",
    "camel",
    "guard_outputs",
    "judge_guard",
    "parse_guard",
]

GUARD_SUBJECT = "CreditBalanceGuard"
"""How the guard names itself at the head of its lines, as the dynamic resource and as the plugin's."""
MODES = ("fail", "warn")
MAX_RUNWAY_WINDOW_DAYS = 90
REQUIRED: Final = object()
"""The default of an input that must be given."""


def camel(name: str) -> str:
    """``floor_usd`` -> ``floorUsd``: how the plugin's schema and the policy config spell an input."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _mode(value: object, what: str) -> str:
    if isinstance(value, str) and value in MODES:
        return value
    raise ValueError(f"{what} must be 'fail' or 'warn'; got {shown(value)}")


def _account(value: object, _what: str) -> str:
    """An account id (its own error names the rule); a number is read as its digits, then refused."""
    return validate_account_id(None if value is None else str(value))


_PARSERS: dict[str, Callable[[object, str], object]] = {
    "account": _account,
    "amount_usd": lambda value, what: parse_amount_usd(value, what=what),
    "days": lambda value, what: parse_days(value, what=what),
    "window_days": lambda value, what: parse_whole_number(value, what=what, minimum=1, maximum=MAX_RUNWAY_WINDOW_DAYS),
    "boolean": lambda value, what: parse_bool(value, what=what),
    "mode": _mode,
}
_SCHEMAS: dict[str, dict[str, Any]] = {
    "account": {"type": "string"},
    "amount_usd": {"type": "number", "minimum": 0, "maximum": 10**12},
    "days": {"type": "number", "minimum": 0, "maximum": 36500},
    "window_days": {"type": "integer", "minimum": 1, "maximum": MAX_RUNWAY_WINDOW_DAYS},
    "boolean": {"type": "boolean"},
    "mode": {"type": "string", "enum": list(MODES)},
}


@dataclass(frozen=True, slots=True)
class GuardInput:
    """One input of the guard: its snake_case name, its kind (which parser), its default and what it means."""

    name: str
    kind: str
    default: object
    description: str

    @property
    def camel(self) -> str:
        """The name as the plugin's schema and the policy config spell it."""
        return camel(self.name)

    @property
    def json_schema(self) -> dict[str, Any]:
        """The JSON schema of the input's values (type and bounds), for the plugin's schema and the policy config."""
        return {**_SCHEMAS[self.kind], "description": self.description}

    def parse(self, value: object, what: str) -> object:
        """The parsed value; ``ValueError`` (or a library error) naming ``what`` when it is not acceptable."""
        return _PARSERS[self.kind](value, what)


GUARD_INPUTS: tuple[GuardInput, ...] = (
    GuardInput("account_id", "account", REQUIRED, "the Cloudflare account whose AI Gateway credits are judged"),
    GuardInput("floor_usd", "amount_usd", REQUIRED, "the lowest acceptable balance, in US dollars"),
    GuardInput(
        "require_auto_topup",
        "boolean",
        False,
        "also require working auto top-up: enabled, threshold at or above the floor, a default payment method, "
        "no recent failure",
    ),
    GuardInput(
        "topup_failure_window_days",
        "window_days",
        DEFAULT_TOPUP_FAILURE_WINDOW_DAYS,
        "with require_auto_topup: a top-up that failed this many days ago or less means auto top-up is not working",
    ),
    GuardInput("min_runway_days", "days", None, "days the balance must last at the measured daily spend"),
    GuardInput(
        "runway_window_days",
        "window_days",
        DEFAULT_RUNWAY_WINDOW_DAYS,
        "complete UTC days of usage history whose mean daily spend measures runway",
    ),
    GuardInput("require_spending_limit", "boolean", False, "also require an enabled account spending limit"),
    GuardInput("on_breach", "mode", "fail", "a breach: 'fail' stops the deploy, 'warn' reports it and goes on"),
    GuardInput("on_error", "mode", "fail", "an unreadable account: 'fail' stops the deploy, 'warn' goes on"),
)


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


OBSERVED_KEYS = (
    "balance",
    "balance_usd",
    "has_default_payment_method",
    "payment_method",
    "topup_config",
    "first_topup_success",
)
RUNWAY_KEYS = ("spend_usd_per_day", "days_until_floor", "spending_limit")
OUTPUT_KEYS = (*OBSERVED_KEYS, *RUNWAY_KEYS, "status", "message")
"""What a guard records besides its inputs (snake_case; the plugin's schema spells them in camelCase)."""


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
