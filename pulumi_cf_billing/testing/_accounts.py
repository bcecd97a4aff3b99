"""The fake's accounts: one account's billing state, and how it goes on the wire (money in US cents).

What the fake answers on each endpoint is said by the endpoint table (``pulumi_cf_billing._endpoints``),
in terms of the methods here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any

from ._usage import spending_limit_result, usage_result

__all__ = ["PAYMENT_METHOD_DEFAULT", "FakeAccount", "Money", "default_payment_method"]


class DefaultPaymentMethod(Enum):
    # A sentinel type, so that ``payment_method=None`` (no payment method) stays expressible.
    PAYMENT_METHOD = "visa 4242"


def default_payment_method() -> dict[str, Any]:
    return {"brand": "visa", "last4": "4242"}


Money = float | Decimal
"""An amount in US cents: a ``Decimal`` goes on the wire digit for digit, a ``float`` as Python prints it."""


def _wire_number(value: Money | None) -> Money | int | None:
    """Integral floats as ints, so ``5000.0`` cents goes on the wire as ``5000`` like Cloudflare's."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass
class FakeAccount:
    """One account's billing state, served as the endpoint's ``result``; change it at any time.

    Money is in US cents (fractional cents allowed), as on the balance endpoint's wire, except
    ``spend_usd_per_day``: the usage cost of each whole UTC day in US dollars, the unit of the
    usage-history endpoint. ``spending_limit`` is the cap's config as the spending-limit endpoint
    sends it (``{"amount": <US cents>, "duration": "monthly", "strategy": "fixed"}``), ``None`` for
    no limit. ``last_failed_at_ms`` is epoch milliseconds. ``first_topup_success=None`` leaves that
    optional field out of the response. ``extra_fields`` are merged into ``result`` last, so they
    can add new fields or override the standard ones.
    """

    account_id: str
    balance_cents: Money = 5000
    has_default_payment_method: bool = True
    payment_method: dict[str, Any] | None = field(default_factory=default_payment_method)
    topup_amount_cents: Money | None = 2000
    topup_threshold_cents: Money | None = 1000
    disabled_reason: str | None = None
    topup_error: str | None = None
    last_failed_at_ms: int | None = None
    first_topup_success: bool | None = True
    extra_fields: dict[str, Any] = field(default_factory=dict)
    spend_usd_per_day: Money = 0
    spending_limit: dict[str, Any] | None = None

    def result(self) -> dict[str, Any]:
        """The credit-balance ``result`` Cloudflare would send for this account."""
        result: dict[str, Any] = {
            "balance": _wire_number(self.balance_cents),
            "has_default_payment_method": self.has_default_payment_method,
            "payment_method": None if self.payment_method is None else dict(self.payment_method),
            "topup_config": {
                "amount": _wire_number(self.topup_amount_cents),
                "threshold": _wire_number(self.topup_threshold_cents),
                "disabledReason": self.disabled_reason,
                "error": self.topup_error,
                "lastFailedAt": self.last_failed_at_ms,
            },
        }
        if self.first_topup_success is not None:
            result["first_topup_success"] = self.first_topup_success
        return {**result, **self.extra_fields}

    def usage_result(self, query: str, now_ms: int) -> dict[str, Any]:
        """The usage-history ``result`` for the raw ``query`` at ``now_ms``; raises ``_usage.QueryProblem``."""
        return usage_result(self, query, now_ms)

    def spending_limit_result(self) -> dict[str, Any]:
        """The spending-limit ``result``: ``enabled`` and the cap's ``config`` (amount in US cents)."""
        return spending_limit_result(self)


PAYMENT_METHOD_DEFAULT = DefaultPaymentMethod.PAYMENT_METHOD
