"""argparse value types: each turns one typed string into a value or a usage error (exit 2).

None of them echoes a long value back: a long string in the wrong option may be a credential.
Amounts, days and whole numbers are not here: they are parsed by :mod:`.._inputs` (``check``'s and
``metrics``' rules by the guard definition, see :mod:`._rules`), once argparse has collected them.
"""

from __future__ import annotations

import argparse
import sys

from .._inputs import parse_seconds, parse_whole_number
from .._text import shown

__all__ = ["port_number", "positive_int", "positive_seconds"]


def positive_seconds(text: str) -> float:
    """A number of seconds greater than zero, up to a day, in ASCII digits, by :func:`parse_seconds`."""
    try:
        return float(parse_seconds(text, what="the seconds"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a positive number of seconds up to a day; got {shown(text)}"
        ) from None


def positive_int(text: str) -> int:
    """A whole number of at least 1 in ASCII digits, by :func:`parse_whole_number`."""
    try:
        return parse_whole_number(text, what="the number", minimum=1, maximum=sys.maxsize)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1; got {shown(text)}") from None


def port_number(text: str) -> int:
    """A TCP port: 0 (any free port) to 65535, in ASCII digits, by :func:`parse_whole_number`."""
    try:
        return parse_whole_number(text, what="the port", minimum=0, maximum=65535)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535; got {shown(text)}") from None
