"""Each billing endpoint: what to ask (:class:`Call`) and how its ``result`` becomes a typed model.

A reader takes the ``result`` of a success envelope and the account id, and returns the model or
raises :class:`ResultProblem` (which :func:`._protocol.parse_response` turns into a
:class:`MalformedResponseError`). Unknown fields and values are tolerated; numbers out of the sane
range are problems, never rounded. Units follow Cloudflare's reference (see :mod:`._money`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from ._exceptions import ConfigurationError
from ._models import CreditBalance, PaymentMethod, SpendingLimit, TopupConfig, UsageBucket, UsageHistory
from ._money import MAX_USD, bounded_amount

__all__ = [
    "CREDIT_BALANCE",
    "MAX_CENTS",
    "SPENDING_LIMIT",
    "USAGE_HISTORY",
    "WINDOWS",
    "Call",
    "Query",
    "ResultProblem",
    "ResultReader",
    "epoch_ms",
    "read_credit_balance",
    "read_spending_limit",
    "read_usage_history",
    "usage_query",
]

T = TypeVar("T")
ResultReader = Callable[[dict[str, Any], str], T]
"""``(result, account_id) -> model``; raises :class:`ResultProblem` for a result it cannot accept."""
Query = tuple[tuple[str, str], ...]
"""A request's query string as sorted ``(name, value)`` pairs."""

CREDIT_BALANCE = "credit-balance"
USAGE_HISTORY = "usage-history"
SPENDING_LIMIT = "spending-limit"

MAX_CENTS = MAX_USD * 100
"""The largest money amount accepted on the wire, in US cents; beyond it a response is malformed."""
MAX_EPOCH_MS = 253402300799999
"""The last millisecond of the year 9999: later timestamps are malformed."""


class ResultProblem(Exception):
    """What is wrong with a result, in words that complete "Cloudflare's answer was ..."."""


def _number(value: Any, what: str, limit: Decimal = MAX_CENTS) -> Decimal | None:
    """A bounded number, ``None`` when absent or not a number; :class:`ResultProblem` when out of range."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return None
    bounded = bounded_amount(Decimal(value), max_abs=limit)
    if bounded is None:
        raise ResultProblem(f"a result whose {what} is out of range")
    return bounded


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def epoch_ms(moment: datetime) -> int:
    """An aware datetime as Unix epoch milliseconds, the unit of the usage-history endpoint."""
    return int(moment.timestamp() * 1000)


def _moment(value: Any, what: str) -> datetime:
    millis = _number(value, what, Decimal(MAX_EPOCH_MS))
    if millis is None or millis < 0:
        raise ResultProblem(f"a result whose {what} is not a timestamp in epoch milliseconds")
    return datetime.fromtimestamp(int(millis) / 1000, tz=UTC)


def read_credit_balance(result: dict[str, Any], account_id: str) -> CreditBalance:
    """The credit-balance ``result``: a :class:`CreditBalance`, amounts in US cents as returned."""
    balance = _number(result.get("balance"), "balance")
    if balance is None:
        raise ResultProblem("a result without a numeric balance")
    payment = result.get("payment_method")
    topup = result.get("topup_config")
    topup = topup if isinstance(topup, dict) else {}
    last_failed_at = _number(topup.get("lastFailedAt"), "topup_config.lastFailedAt", Decimal(MAX_EPOCH_MS))
    return CreditBalance(
        account_id=account_id,
        balance=balance,
        has_default_payment_method=_bool(result.get("has_default_payment_method")),
        payment_method=(
            PaymentMethod(brand=_str(payment.get("brand")), last4=_str(payment.get("last4")))
            if isinstance(payment, dict)
            else None
        ),
        topup_config=TopupConfig(
            amount=_number(topup.get("amount"), "topup_config.amount"),
            threshold=_number(topup.get("threshold"), "topup_config.threshold"),
            disabled_reason=_str(topup.get("disabledReason")),
            error=_str(topup.get("error")),
            last_failed_at=None if last_failed_at is None or last_failed_at < 0 else last_failed_at,
        ),
        first_topup_success=_bool(result.get("first_topup_success")),
        raw=MappingProxyType(result),
    )


def read_usage_history(result: dict[str, Any], account_id: str) -> UsageHistory:
    """The usage-history ``result``: buckets in time order, spend in US dollars as Cloudflare documents.

    Fails closed: a negative cost, a bucket ending before it starts or a repeated bucket id makes the
    whole history malformed, since any of them could hide spend and lengthen a runway.
    """
    history = result.get("history")
    if not isinstance(history, list):
        raise ResultProblem("a usage result without a history list")
    buckets = [_bucket(entry) for entry in history if isinstance(entry, Mapping)]
    ids = [bucket.id for bucket in buckets if bucket.id is not None]
    if len(ids) != len(set(ids)):
        raise ResultProblem("a usage history that lists the same bucket id twice")
    return UsageHistory(account_id=account_id, buckets=tuple(sorted(buckets, key=lambda bucket: bucket.start)))


def _bucket(entry: Mapping[str, Any]) -> UsageBucket:
    value = _number(entry.get("aggregated_value"), "history[].aggregated_value", MAX_USD)
    if value is None or value < 0:  # a negative cost would be netted off real spend and hide a burn
        raise ResultProblem("a usage bucket without a non-negative numeric aggregated_value")
    start = _moment(entry.get("start_time"), "history[].start_time")
    end = _moment(entry.get("end_time"), "history[].end_time")
    if end < start:
        raise ResultProblem("a usage bucket that ends before it starts")
    return UsageBucket(start=start, end=end, aggregated_value=value, id=_str(entry.get("id")))


def read_spending_limit(result: dict[str, Any], account_id: str) -> SpendingLimit:
    """The spending-limit ``result``: ``enabled``, and the cap's amount in US cents, duration and strategy."""
    config = result.get("config")
    config = config if isinstance(config, Mapping) else {}
    return SpendingLimit(
        account_id=account_id,
        enabled=result.get("enabled") is True,
        amount=_number(config.get("amount"), "config.amount"),
        duration=_str(config.get("duration")),
        strategy=_str(config.get("strategy")),
    )


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One read to make: the endpoint, its query and the reader of its result."""

    endpoint: str
    query: Query
    read: ResultReader[T]


WINDOWS = ("day", "hour")


def usage_query(window: str = "day", start: datetime | None = None, end: datetime | None = None) -> Query:
    """``window`` is ``day`` (default) or ``hour``; ``start`` and ``end`` are timezone-aware datetimes
    (default: Cloudflare's range, ending now).

    The usage-history query, times in epoch milliseconds. Raises :class:`ConfigurationError` for another
    window, a naive datetime or ``start`` after ``end``.
    """
    if window not in WINDOWS:
        raise ConfigurationError(f"window must be 'day' or 'hour'; got {window!r}.")
    for name, moment in (("start", start), ("end", end)):
        if moment is not None and moment.utcoffset() is None:
            raise ConfigurationError(f"{name} must be a timezone-aware datetime (say, with tzinfo=UTC).")
    if start is not None and end is not None and start > end:
        raise ConfigurationError(f"start ({start.isoformat()}) is after end ({end.isoformat()}).")
    query = {"value_grouping_window": window}
    query |= {"start_time": str(epoch_ms(start))} if start is not None else {}
    query |= {"end_time": str(epoch_ms(end))} if end is not None else {}
    return tuple(sorted(query.items()))
