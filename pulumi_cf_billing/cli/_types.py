"""argparse value types: each turns one typed string into a value or a usage error (exit 2).

None of them echoes a long value back: a long string in the wrong option may be a credential.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from .._config import validate_account_id
from .._exceptions import InvalidAccountIdError
from .._inputs import parse_amount_usd, parse_days, parse_whole_number
from .._money import bounded_amount
from .._results import MAX_CENTS
from .._text import shown

__all__ = [
    "MAX_CONCURRENCY",
    "MAX_HOURLY_DAYS",
    "MAX_USAGE_DAYS",
    "account_balance",
    "concurrency",
    "floor_usd",
    "port_number",
    "positive_seconds",
    "runway_days",
    "usage_days",
]

T = TypeVar("T")

MAX_USAGE_DAYS = 366
"""The most complete days ``usage --days`` shows per day: a year, leap day included."""
MAX_HOURLY_DAYS = 31
"""The most complete days ``usage --window hour`` shows: 744 buckets, well inside the client's 1 MiB answer."""
MAX_CONCURRENCY = 256
"""The most accounts read at once: far past where Cloudflare's 1,200 requests / 5 minutes per token binds."""


def _parsed(parse: Callable[..., T], text: str, **rules: Any) -> T:
    """``parse(text, **rules)``, its ``ValueError`` turned into argparse's usage error (exit 2), message kept."""
    try:
        return parse(text, **rules)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def floor_usd(text: str) -> Decimal:
    """A non-negative number of US dollars, exact: plain ASCII like ``50`` or ``49.99`` (no ``$``, no ``,``)."""
    return _parsed(parse_amount_usd, text, what="the floor")


def runway_days(text: str) -> Decimal:
    """A non-negative number of days, exact: plain ASCII like ``7`` or ``2.5``."""
    return _parsed(parse_days, text, what="the runway")


def usage_days(text: str) -> int:
    """A whole number of days from 1 to :data:`MAX_USAGE_DAYS`, in ASCII digits."""
    return _parsed(parse_whole_number, text, what="the number of days", minimum=1, maximum=MAX_USAGE_DAYS)


def concurrency(text: str) -> int:
    """A whole number of accounts from 1 to :data:`MAX_CONCURRENCY`, in ASCII digits."""
    return _parsed(parse_whole_number, text, what="the concurrency", minimum=1, maximum=MAX_CONCURRENCY)


def positive_seconds(text: str) -> float:
    """A finite number of seconds greater than zero."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds < math.inf:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds; got {shown(text)}")
    return seconds


def port_number(text: str) -> int:
    """A TCP port: 0 (any free port) to 65535."""
    if not text.strip().isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535; got {shown(text)}")
    return int(text)


def account_balance(text: str) -> tuple[str, Decimal]:
    """``ACCOUNT_ID=BALANCE_CENTS``: a valid account id and a finite number of US cents (``4999.5`` allowed)."""
    account, _, cents = text.partition("=")
    try:
        account_id = validate_account_id(account)
    except InvalidAccountIdError as error:
        raise argparse.ArgumentTypeError(f"expected ACCOUNT_ID=BALANCE_CENTS: {error}") from None
    try:
        balance = bounded_amount(Decimal(cents.strip()), max_abs=MAX_CENTS)
    except InvalidOperation:
        balance = None
    if balance is None:
        raise argparse.ArgumentTypeError(f"expected ACCOUNT_ID=BALANCE_CENTS; {shown(cents)} is not a number of cents")
    return account_id, balance
