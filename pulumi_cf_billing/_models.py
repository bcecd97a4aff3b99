"""The credit balance as typed, immutable values.

Cloudflare's US-cent fields (``balance``, ``topup_config.amount``, ``topup_config.threshold``)
are kept exactly as returned, as ``Decimal`` cents; each has a ``*_usd`` companion in exact
US dollars, computed by :mod:`._money`. Unknown fields are tolerated and kept in ``raw``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from ._money import cents_to_usd, usage_value_to_usd

__all__ = [
    "LAST_FAILED_AT_SECONDS_BEFORE",
    "CreditBalance",
    "PaymentMethod",
    "SpendingLimit",
    "TopupConfig",
    "UsageBucket",
    "UsageHistory",
]

LAST_FAILED_AT_SECONDS_BEFORE = Decimal(10) ** 11
"""``lastFailedAt`` values under this are epoch seconds (10^11 s is the year 5138), others epoch milliseconds
(10^11 ms is March 1973, before Cloudflare sold credits)."""


@dataclass(frozen=True, slots=True)
class PaymentMethod:
    """The account's payment method as Cloudflare shows it (``brand`` and ``last4``, either may be ``None``)."""

    brand: str | None = None
    last4: str | None = None


@dataclass(frozen=True, slots=True)
class TopupConfig:
    """Automatic top-up settings.

    ``amount`` and ``threshold`` are US cents as returned (``None`` when not set);
    ``last_failed_at`` is as returned (epoch milliseconds), within years 1970 to 9999.
    """

    amount: Decimal | None = None
    threshold: Decimal | None = None
    disabled_reason: str | None = None
    error: str | None = None
    last_failed_at: Decimal | None = None

    @property
    def amount_usd(self) -> Decimal | None:
        """The top-up amount in US dollars."""
        return None if self.amount is None else cents_to_usd(self.amount)

    @property
    def threshold_usd(self) -> Decimal | None:
        """The balance in US dollars under which a top-up is triggered."""
        return None if self.threshold is None else cents_to_usd(self.threshold)

    @property
    def last_failed_at_datetime(self) -> datetime | None:
        """``last_failed_at`` as an aware UTC datetime; ``None`` when Cloudflare gave no time.

        Cloudflare does not document its unit: a value under :data:`LAST_FAILED_AT_SECONDS_BEFORE`
        is read as epoch seconds, any other as epoch milliseconds (for any date this century the
        two cannot be confused).
        """
        value = self.last_failed_at
        if value is None:
            return None
        seconds = value if value < LAST_FAILED_AT_SECONDS_BEFORE else value / 1000
        return datetime.fromtimestamp(float(seconds), tz=UTC)

    @property
    def enabled(self) -> bool:
        """Whether automatic top-up is configured and not disabled."""
        return self.amount is not None and self.threshold is not None and not self.disabled_reason


@dataclass(frozen=True, slots=True)
class CreditBalance:
    """One account's AI Gateway credit balance, payment method and top-up configuration.

    ``balance`` is in US cents, exactly as Cloudflare returned it; ``balance_usd`` is the same
    amount in US dollars. ``raw`` is the untouched ``result`` object, unknown fields included.
    """

    account_id: str
    balance: Decimal
    has_default_payment_method: bool | None = None
    payment_method: PaymentMethod | None = None
    topup_config: TopupConfig = field(default_factory=TopupConfig)
    first_topup_success: bool | None = None
    raw: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), repr=False, compare=False)

    def __reduce__(self) -> tuple[Any, ...]:
        # ``raw`` is a read-only MappingProxyType, which neither pickles nor deep-copies: rebuild
        # the balance from a plain copy of it instead.
        values = {item.name: getattr(self, item.name) for item in fields(self)}
        return _rebuild, ({**values, "raw": dict(self.raw)},)

    @property
    def balance_usd(self) -> Decimal:
        """The balance in US dollars (``4999.5`` cents -> ``Decimal("49.995")``)."""
        return cents_to_usd(self.balance)

    def is_below(self, floor_usd: Decimal) -> bool:
        """Whether the balance is strictly below ``floor_usd`` US dollars (exact: $50.00 is not below $50)."""
        return self.balance_usd < floor_usd


@dataclass(frozen=True, slots=True)
class UsageBucket:
    """AI Gateway usage cost of one hour or day: ``start`` to ``end`` (aware UTC datetimes).

    ``aggregated_value`` is the number as Cloudflare returned it; ``spend_usd`` the same in US dollars.
    A bucket whose ``end`` is in the future is still accumulating.
    """

    start: datetime
    end: datetime
    aggregated_value: Decimal
    id: str | None = None

    @property
    def spend_usd(self) -> Decimal:
        """The usage cost of this bucket in US dollars (exact)."""
        return usage_value_to_usd(self.aggregated_value)


@dataclass(frozen=True, slots=True)
class UsageHistory:
    """An account's AI Gateway usage cost over time, buckets in time order."""

    account_id: str
    buckets: tuple[UsageBucket, ...] = ()

    @property
    def total_usd(self) -> Decimal:
        """The usage cost of every bucket, in US dollars."""
        return sum((bucket.spend_usd for bucket in self.buckets), Decimal(0))


@dataclass(frozen=True, slots=True)
class SpendingLimit:
    """The account-level cap on AI Gateway spend.

    ``amount`` is in US cents as returned (``None`` when unset); ``duration`` is ``daily``, ``weekly`` or
    ``monthly`` and ``strategy`` ``fixed`` or ``sliding``, as Cloudflare words them (other words are kept).
    """

    account_id: str
    enabled: bool
    amount: Decimal | None = None
    duration: str | None = None
    strategy: str | None = None

    @property
    def amount_usd(self) -> Decimal | None:
        """The cap in US dollars."""
        return None if self.amount is None else cents_to_usd(self.amount)


def _rebuild(values: dict[str, Any]) -> CreditBalance:
    return CreditBalance(**{**values, "raw": MappingProxyType(values["raw"])})
