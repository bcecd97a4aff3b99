"""Plain-data views of balances and errors: the one place their JSON shape is decided.

The CLI's ``--json`` output and the Pulumi surface both build on these, so a pipeline reading
one sees the same keys as the other. Amounts stay in the units they carry: ``balance``,
``amount`` and ``threshold`` are US cents as Cloudflare returned them, the ``*_usd`` keys are US
dollars. By default amounts become Python numbers (:func:`json_number`), which is all a Pulumi
output can carry; with ``exact=True`` they stay ``Decimal``, for :func:`exact_json` to write digit
for digit (the CLI's ``--json``).
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
    "spending_limit_to_dict",
    "usage_history_to_dict",
]

Number = Decimal | int | float
"""An amount in a plain-data view: exact ``Decimal`` (``exact=True``), else what :func:`json_number` makes."""


def json_number(value: Decimal) -> int | float:
    """A ``Decimal`` as a JSON number: ``int`` when integral, else ``float`` (``Decimal("49.995")`` -> ``49.995``)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _number(value: Decimal, exact: bool) -> Number:
    return value if exact else json_number(value)


def _optional_number(value: Decimal | None, exact: bool) -> Number | None:
    return None if value is None else _number(value, exact)


def _payment_method_to_dict(method: PaymentMethod | None) -> dict[str, str | None] | None:
    return None if method is None else {"brand": method.brand, "last4": method.last4}


def _topup_to_dict(topup: TopupConfig, exact: bool) -> dict[str, Any]:
    """Always says ``enabled``, so an account without auto top-up reads ``enabled: false``, not ``{}``."""
    return {
        "enabled": topup.enabled,
        "amount": _optional_number(topup.amount, exact),
        "threshold": _optional_number(topup.threshold, exact),
        "amount_usd": _optional_number(topup.amount_usd, exact),
        "threshold_usd": _optional_number(topup.threshold_usd, exact),
        "disabled_reason": topup.disabled_reason,
        "error": topup.error,
        "last_failed_at": _optional_number(topup.last_failed_at, exact),
    }


def credit_balance_to_dict(balance: CreditBalance, *, exact: bool = False) -> dict[str, Any]:
    """One account's balance as JSON-ready data; cents as returned, dollars under ``*_usd`` keys."""
    return {
        "account_id": balance.account_id,
        "balance": _number(balance.balance, exact),
        "balance_usd": _number(balance.balance_usd, exact),
        "has_default_payment_method": balance.has_default_payment_method,
        "payment_method": _payment_method_to_dict(balance.payment_method),
        "topup_config": _topup_to_dict(balance.topup_config, exact),
        "first_topup_success": balance.first_topup_success,
    }


def spending_limit_to_dict(limit: SpendingLimit, *, exact: bool = False) -> dict[str, Any]:
    """A spending limit as JSON-ready data: ``amount`` in US cents as returned, ``amount_usd`` in dollars."""
    return {
        "enabled": limit.enabled,
        "amount": _optional_number(limit.amount, exact),
        "amount_usd": _optional_number(limit.amount_usd, exact),
        "duration": limit.duration,
        "strategy": limit.strategy,
    }


def usage_history_to_dict(usage: UsageHistory, *, exact: bool = False) -> dict[str, Any]:
    """A usage history as JSON-ready data: buckets with ISO 8601 times and ``spend_usd`` in US dollars."""
    return {
        "account_id": usage.account_id,
        "total_usd": _number(usage.total_usd, exact),
        "buckets": [
            {"start": b.start.isoformat(), "end": b.end.isoformat(), "spend_usd": _number(b.spend_usd, exact)}
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


def exact_json(value: Any, *, indent: int | None = None) -> str:
    """JSON text in which every ``Decimal`` is written digit for digit, never through ``float``.

    ``json.dumps`` refuses ``Decimal``; converting to ``float`` first would round
    ``4999.99999999999999999999999999`` cents up to a round $50. Compact by default; with ``indent``
    laid out as ``json.dumps(..., indent=indent)`` would, ASCII-only either way. Raises ``ValueError``
    for NaN and infinities, which JSON cannot carry, and ``TypeError`` for values it has no form for.
    """
    return _encode(value, indent, 0)


def _encode(value: Any, indent: int | None, depth: int) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"JSON cannot carry {value}")
        return str(value)  # always a valid JSON number for a finite Decimal (1E+3, -0, 0.5)
    colon = ":" if indent is None else ": "
    if isinstance(value, Mapping):
        items = [f"{json.dumps(str(key))}{colon}{_encode(item, indent, depth + 1)}" for key, item in value.items()]
        return _enclose("{", items, "}", indent, depth)
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return _enclose("[", [_encode(item, indent, depth + 1) for item in value], "]", indent, depth)
    return json.dumps(value, allow_nan=False)


def _enclose(opening: str, items: list[str], closing: str, indent: int | None, depth: int) -> str:
    if indent is None or not items:
        return opening + ",".join(items) + closing
    inner, outer = "\n" + " " * indent * (depth + 1), "\n" + " " * indent * depth
    return opening + inner + f",{inner}".join(items) + outer + closing
