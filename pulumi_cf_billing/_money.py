"""Money: the one place where Cloudflare's amounts become US dollars, and where amounts are bounded.

Cloudflare's AI Gateway billing API counts the balance, top-up and spending-limit amounts in US
cents, fractional cents included (usage is metered finely); its usage history reports cost in US
dollars (see ``shared/reference/credit-balance-endpoint.md``). People type and read dollars. Every
conversion goes through this module, in exact decimal arithmetic, so a floor of ``$50`` is compared
with a balance of ``4999.99999999999999999999999999`` cents without any rounding.

Exactness has a price only for absurd input, so amounts are bounded: at most :data:`MAX_USD`
dollars in size and :data:`MAX_DECIMAL_PLACES` digits after the point. Inside those bounds every
conversion is exact (:data:`MONEY_CONTEXT` has room for every digit); outside them an amount is
refused rather than rounded, and nothing here ever builds a million-digit number.
"""

from __future__ import annotations

from decimal import Context, Decimal

__all__ = [
    "CENTS_PER_USD",
    "MAX_DECIMAL_PLACES",
    "MAX_USD",
    "MONEY_CONTEXT",
    "bounded_amount",
    "cents_to_usd",
    "format_usd",
    "usage_value_to_usd",
]

CENTS_PER_USD = Decimal(100)
MAX_USD = Decimal(10) ** 12
"""The largest amount accepted, in US dollars (a trillion): far beyond any account, far below trouble."""
MAX_DECIMAL_PLACES = 30
"""The most digits after the decimal point an amount may carry (in its own unit, cents or dollars)."""
MONEY_CONTEXT = Context(prec=60, Emin=-100, Emax=100)
"""Room for every digit of a bounded amount: 15 before the point, 32 after (30, plus 2 from /100)."""


def bounded_amount(value: Decimal, *, max_abs: Decimal) -> Decimal | None:
    """``value`` when it is a finite amount within ``max_abs`` and :data:`MAX_DECIMAL_PLACES`, else ``None``.

    Only the exponent and the adjusted exponent are inspected, so a value like ``1e1000000`` is
    refused in constant time.
    """
    if not value.is_finite() or value.adjusted() > max_abs.adjusted():
        return None
    if abs(value) > max_abs or -int(value.as_tuple().exponent) > MAX_DECIMAL_PLACES:
        return None
    return value


def cents_to_usd(cents: Decimal) -> Decimal:
    """Convert a bounded amount in US cents to exact US dollars (``4999.5`` -> ``49.995``).

    For the credit balance, the top-up ``amount`` and ``threshold`` and the spending limit's ``amount``:
    Cloudflare's write endpoints take them "in cents" (top-up min 1000, threshold min 500, limit min 100).
    """
    return MONEY_CONTEXT.divide(cents, CENTS_PER_USD)


def usage_value_to_usd(aggregated_value: Decimal) -> Decimal:
    """A usage-history ``aggregated_value`` in US dollars: already dollars, unchanged.

    Cloudflare's reference for ``GET .../ai-gateway/billing/usage-history``: "Retrieve AI Gateway
    usage cost, in US dollars, aggregated by hour or day". Unlike the balance, not cents.
    """
    return aggregated_value


def format_usd(usd: Decimal) -> str:
    """Format US dollars for people: at least two decimals, more only when needed (``$49.995``)."""
    sign = "-" if usd < 0 else ""
    magnitude = usd.copy_abs()  # abs() would round to the ambient 28 digits
    cents = MONEY_CONTEXT.quantize(magnitude, Decimal("0.01"))
    exact = cents if cents == magnitude else MONEY_CONTEXT.normalize(magnitude)
    return f"{sign}${exact:,f}"
