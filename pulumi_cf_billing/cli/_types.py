"""argparse value types: each turns one typed string into a value or a usage error (exit 2).

None of them echoes a long value back: a long string in the wrong option may be a credential.
"""

from __future__ import annotations

import argparse
import math
from decimal import Decimal

from .._money import parse_usd
from .._text import shown

__all__ = ["days_number", "floor_usd", "port_number", "positive_int", "positive_seconds"]


def floor_usd(text: str) -> Decimal:
    """A non-negative number of US dollars (``50``, ``49.99``, ``$50``), exact."""
    try:
        return parse_usd(text, what="the floor")
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a non-negative number of US dollars, like 50 or 49.99; got {shown(text)}"
        ) from None


def days_number(text: str) -> Decimal:
    """A non-negative number of days (``7``, ``2.5``), exact."""
    try:
        return parse_usd(text, what="days")
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a non-negative number of days, like 7 or 2.5; got {shown(text)}"
        ) from None


def positive_seconds(text: str) -> float:
    """A finite number of seconds greater than zero."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds < math.inf:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds; got {shown(text)}")
    return seconds


def positive_int(text: str) -> int:
    """A whole number of at least 1."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1; got {shown(text)}")
    return int(text)


def port_number(text: str) -> int:
    """A TCP port: 0 (any free port) to 65535."""
    if not text.strip().isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535; got {shown(text)}")
    return int(text)
