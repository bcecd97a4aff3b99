"""The guard, defined once: its inputs (names, kinds, bounds, defaults, meaning) and the outputs it records.

Every surface that guards a deploy is a thin adapter over this definition and :mod:`._guard_judging`:
the dynamic provider behind ``CreditBalanceGuard``, the provider plugin's
``cf-billing:index:CreditBalanceGuard``, the policy pack's config and ``cf-billing check``. Each spells
an input its own way (``floor_usd``, ``floorUsd``, ``--floor-usd``) but parses it with the parser its
kind names here (:mod:`._inputs`), so the same value means the same thing everywhere; the plugin's
schema and the policy's config schema are built from, or tested against, :data:`GUARD_INPUTS`.

This module is light on purpose (no models, no client): a Pulumi program that declares a guard loads
it at once, and loads :mod:`._guard_judging` (parsing into a :class:`~._guard_judging.Guard`, reading,
the verdict) only in the worker thread that judges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from ._config import validate_account_id
from ._inputs import parse_amount_usd, parse_bool, parse_days, parse_whole_number
from ._text import shown
from ._topup import DEFAULT_TOPUP_FAILURE_WINDOW_DAYS
from ._verdict import DEFAULT_RUNWAY_WINDOW_DAYS

__all__ = [
    "DEFAULT_RUNWAY_WINDOW_DAYS",
    "DEFAULT_TOPUP_FAILURE_WINDOW_DAYS",
    "GUARD_INPUTS",
    "GUARD_SUBJECT",
    "MAX_RUNWAY_WINDOW_DAYS",
    "MODES",
    "OBSERVED_KEYS",
    "OUTPUT_KEYS",
    "REQUIRED",
    "RUNWAY_KEYS",
    "GuardInput",
    "camel",
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
