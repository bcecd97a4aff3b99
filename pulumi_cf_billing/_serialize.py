"""Plain-data views of balances and errors: the one place their JSON shape is decided.

The CLI's ``--json`` output and the Pulumi surface both build on these, so a pipeline reading
one sees the same keys and numbers as the other. Amounts stay in the units they carry:
``balance``, ``amount`` and ``threshold`` are US cents as Cloudflare returned them, the
``*_usd`` keys are exact US dollars. Decimals become JSON numbers (see :func:`json_number`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ._exceptions import APIError, CloudflareBillingError
from ._models import CreditBalance, PaymentMethod, SpendingLimit, TopupConfig, UsageHistory

__all__ = [
    "credit_balance_to_dict",
    "error_to_dict",
    "exact_json",
    "json_number",
    "outcome_to_dict",
    "spending_limit_to_dict",
    "usage_history_to_dict",
]


def json_number(value: Decimal) -> int | float:
    """A ``Decimal`` as a JSON number: ``int`` when integral, else ``float`` (``Decimal("49.995")`` -> ``49.995``)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _optional_number(value: Decimal | None) -> int | float | None:
    return None if value is None else json_number(value)


def _payment_method_to_dict(method: PaymentMethod | None) -> dict[str, str | None] | None:
    return None if method is None else {"brand": method.brand, "last4": method.last4}


def _topup_to_dict(topup: TopupConfig) -> dict[str, Any]:
    return {
        "amount": _optional_number(topup.amount),
        "threshold": _optional_number(topup.threshold),
        "amount_usd": _optional_number(topup.amount_usd),
        "threshold_usd": _optional_number(topup.threshold_usd),
        "disabled_reason": topup.disabled_reason,
        "error": topup.error,
        "last_failed_at": _optional_number(topup.last_failed_at),
    }


def credit_balance_to_dict(balance: CreditBalance) -> dict[str, Any]:
    """One account's balance as JSON-ready data; cents as returned, dollars under ``*_usd`` keys."""
    return {
        "account_id": balance.account_id,
        "balance": json_number(balance.balance),
        "balance_usd": json_number(balance.balance_usd),
        "has_default_payment_method": balance.has_default_payment_method,
        "payment_method": _payment_method_to_dict(balance.payment_method),
        "topup_config": _topup_to_dict(balance.topup_config),
        "first_topup_success": balance.first_topup_success,
    }


def spending_limit_to_dict(limit: SpendingLimit) -> dict[str, Any]:
    """A spending limit as JSON-ready data: ``amount`` in US cents as returned, ``amount_usd`` in dollars."""
    return {
        "enabled": limit.enabled,
        "amount": _optional_number(limit.amount),
        "amount_usd": _optional_number(limit.amount_usd),
        "duration": limit.duration,
        "strategy": limit.strategy,
    }


def usage_history_to_dict(usage: UsageHistory) -> dict[str, Any]:
    """A usage history as JSON-ready data: buckets with ISO 8601 times and ``spend_usd`` in US dollars."""
    return {
        "account_id": usage.account_id,
        "total_usd": json_number(usage.total_usd),
        "buckets": [
            {"start": b.start.isoformat(), "end": b.end.isoformat(), "spend_usd": json_number(b.spend_usd)}
            for b in usage.buckets
        ],
    }


def error_to_dict(error: CloudflareBillingError) -> dict[str, Any]:
    """An error as ``{"type", "message", "status", "codes"}``; ``status`` is ``None`` when no response arrived."""
    api = error if isinstance(error, APIError) else None
    return {
        "type": type(error).__name__,
        "message": error.message,
        "status": None if api is None else api.status,
        "codes": [] if api is None else list(api.codes),
    }


def outcome_to_dict(account_id: str, outcome: CreditBalance | CloudflareBillingError) -> dict[str, Any]:
    """One account's read: its balance (:func:`credit_balance_to_dict`) or ``{"account_id", "error"}``."""
    if isinstance(outcome, CreditBalance):
        return credit_balance_to_dict(outcome)
    return {"account_id": account_id, "error": error_to_dict(outcome)}


def exact_json(value: Any) -> str:
    """Compact JSON text in which every ``Decimal`` is written digit for digit, never through ``float``.

    ``json.dumps`` refuses ``Decimal``; converting to ``float`` first would round
    ``4999.99999999999999999999999999`` cents up to a round $50. Raises ``ValueError`` for NaN and
    infinities, which JSON cannot carry, and ``TypeError`` for values it has no form for.
    """
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"JSON cannot carry {value}")
        return str(value)  # always a valid JSON number for a finite Decimal (1E+3, -0, 0.5)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{json.dumps(str(key))}:{exact_json(item)}" for key, item in value.items()) + "}"
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return "[" + ",".join(exact_json(item) for item in value) + "]"
    return json.dumps(value, allow_nan=False)
