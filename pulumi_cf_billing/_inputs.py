"""What people type, parsed: one function per kind of input, the same on every surface.

The dynamic guard, the provider plugin, the policy pack and the CLI all parse amounts, days, whole
numbers and booleans here, so ``"50"`` means $50 everywhere and ``"false"`` is never true. The
grammar is deliberately narrow: a number is a JSON number or plain ASCII decimal text (``50``,
``49.99``); a ``$``, a thousands separator, an underscore, an exponent or a non-ASCII digit is
refused rather than guessed at, because a misread amount is a 100x error that lets a broke account
deploy. A boolean is a boolean. Every refusal is a ``ValueError`` naming the input and the rule, and
shows a long value only by its length (it may be a credential typed in the wrong place).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from ._money import MAX_DECIMAL_PLACES, MAX_USD, bounded_amount
from ._text import shown

__all__ = [
    "MAX_DAYS",
    "MAX_SECONDS",
    "parse_amount_usd",
    "parse_bool",
    "parse_days",
    "parse_seconds",
    "parse_whole_number",
]

MAX_DAYS = Decimal(36500)
"""The most days a days input may say: a century, far beyond any runway worth requiring."""
MAX_SECONDS = Decimal(86400)
"""The most seconds a timeout or an interval may say: a day."""

_PLAIN_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)
_PLAIN_WHOLE = re.compile(r"[0-9]+", re.ASCII)


def _plain_number(value: object) -> Decimal | None:
    """A JSON number or plain ASCII decimal text as an exact ``Decimal``; ``None`` for anything else.

    Floats (how JSON numbers and gRPC doubles arrive) go through ``repr`` so ``49.99`` stays ``49.99``.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str) and len(value) <= 64 and _PLAIN_DECIMAL.fullmatch(value):
        return Decimal(value)
    return None


def _bounded(value: object, what: str, unit: str, maximum: Decimal, example: str) -> Decimal:
    number = _plain_number(value)
    if number is not None and bounded_amount(number, max_abs=maximum) is not None and number >= 0:
        return number
    raise ValueError(
        f"{what} must be a plain non-negative number of {unit} up to {maximum:,f} with at most "
        f"{MAX_DECIMAL_PLACES} decimals, like {example}; got {shown(value)}"
    )


def parse_amount_usd(value: object, *, what: str) -> Decimal:
    """An amount of US dollars, exact: a JSON number or ASCII text like ``50`` or ``49.99``; 0 to 10^12."""
    return _bounded(value, what, "US dollars", MAX_USD, "50 or 49.99")


def parse_days(value: object, *, what: str) -> Decimal:
    """A number of days, exact: a JSON number or ASCII text like ``7`` or ``2.5``; 0 to :data:`MAX_DAYS`."""
    return _bounded(value, what, "days", MAX_DAYS, "7 or 2.5")


def parse_seconds(value: object, *, what: str) -> Decimal:
    """A positive number of seconds, exact: a JSON number or ASCII text like ``30`` or ``0.5``; up to a day."""
    number = _plain_number(value)
    if number is not None and 0 < number <= MAX_SECONDS:
        return number
    raise ValueError(
        f"{what} must be a positive number of seconds up to {MAX_SECONDS:,}, like 30 or 0.5; got {shown(value)}"
    )


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and len(value) <= 12 and _PLAIN_WHOLE.fullmatch(value):
        return int(value)
    return None


def parse_whole_number(value: object, *, what: str, minimum: int, maximum: int) -> int:
    """A whole number from ``minimum`` to ``maximum``: an int, an integral float, or ASCII digits."""
    number = _whole(value)
    if number is None or not minimum <= number <= maximum:
        raise ValueError(f"{what} must be a whole number from {minimum} to {maximum}; got {shown(value)}")
    return number


def parse_bool(value: object, *, what: str) -> bool:
    """A boolean, and only a boolean: the text ``"false"`` is refused, never read as true."""
    if isinstance(value, bool):
        return value
    raise ValueError(f"{what} must be true or false (a boolean, not text or a number); got {shown(value)}")
