"""argparse value types: each turns one typed string into a value or a usage error (exit 2).

None of them echoes a long value back: a long string in the wrong option may be a credential.
"""

from __future__ import annotations

import argparse
import math
from decimal import Decimal, InvalidOperation

from .._config import validate_account_id
from .._exceptions import InvalidAccountIdError
from .._money import bounded_amount
from .._results import MAX_CENTS
from .._text import shown

__all__ = ["account_balance", "port_number", "positive_seconds"]


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
