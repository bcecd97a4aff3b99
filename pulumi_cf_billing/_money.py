"""Money: the one place where Cloudflare's US cents become US dollars.

Cloudflare's AI Gateway billing API counts money in US cents, fractional cents
included (usage is metered finely). People type and read dollars. Every
conversion between the two goes through this module, in exact decimal
arithmetic, so a floor of ``$50`` is compared with a balance of ``4999.5`` cents
without any floating-point rounding.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

__all__ = ["CENTS_PER_USD", "cents_to_usd", "format_usd", "parse_usd"]

CENTS_PER_USD = Decimal(100)
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")


def cents_to_usd(cents: Decimal) -> Decimal:
    """Convert an amount in US cents to exact US dollars (``4999.5`` -> ``49.995``)."""
    return cents / CENTS_PER_USD


def parse_usd(value: object, *, what: str = "amount") -> Decimal:
    """Parse a dollar amount a person typed (``"50"``, ``"49.99"``, ``12.5``) into a ``Decimal``.

    Raises ``ValueError`` with a message naming ``what`` when the value is not a finite,
    non-negative number. A leading ``$`` and thousands separators (``1,000.50``) are accepted; a
    decimal comma (``49,99``) is refused rather than read 100 times too large. Floats go through
    ``str`` so that ``49.99`` stays ``49.99``.
    """
    text = str(value).strip().removeprefix("$") if not isinstance(value, bool) else ""
    if "," in text and _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{what} must be a number of US dollars, like 50 or 49.99; got {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{what} must be a non-negative number of US dollars; got {value!r}")
    return amount


def format_usd(usd: Decimal) -> str:
    """Format US dollars for people: at least two decimals, more only when needed (``$49.995``)."""
    sign = "-" if usd < 0 else ""
    magnitude = abs(usd)
    if magnitude == magnitude.quantize(Decimal("0.01")):
        magnitude = magnitude.quantize(Decimal("0.01"))
    else:
        magnitude = magnitude.normalize()
    return f"{sign}${magnitude:,f}"
