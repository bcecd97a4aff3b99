"""``get_usage_history*`` and ``get_spending_limit*``: usage cost and the spending cap, shaped like SDK functions.

Like ``get_credit_balance``, each has a direct form (reads now, result usable directly or awaited)
and an output form (``Input``s in, ``Output`` out, ``opts.depends_on`` honoured); results are
``@pulumi.output_type`` mappings whose keys and units are those of ``cf-billing usage --json``:
usage in US dollars (``spend_usd``), the cap in US cents (``amount``) and dollars (``amount_usd``).
Every read of one account and range in one run shares one request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from datetime import datetime
from typing import Any, TypeVar

import pulumi

from .._serialize import spending_limit_to_dict, usage_history_to_dict
from ._functions import _as_run_error, _dependencies_gate, _set_all
from ._program import spending_limit_in_program, usage_in_program

__all__ = [
    "AwaitableGetSpendingLimitResult",
    "AwaitableGetUsageHistoryResult",
    "GetSpendingLimitResult",
    "GetUsageHistoryBucketResult",
    "GetUsageHistoryResult",
    "get_spending_limit",
    "get_spending_limit_output",
    "get_usage_history",
    "get_usage_history_output",
]

R = TypeVar("R")


@pulumi.output_type
class GetUsageHistoryBucketResult(dict[str, Any]):
    """One hour or day of usage: ISO 8601 ``start`` and ``end`` (UTC), ``spend_usd`` in US dollars."""

    def __init__(__self__, *, start: str, end: str, spend_usd: float) -> None:
        _set_all(__self__, locals())

    @property
    @pulumi.getter
    def start(self) -> str:
        """When the bucket starts (ISO 8601, UTC)."""
        return pulumi.get(self, "start")

    @property
    @pulumi.getter
    def end(self) -> str:
        """When the bucket ends (ISO 8601, UTC); in the future while it is still accumulating."""
        return pulumi.get(self, "end")

    @property
    @pulumi.getter
    def spend_usd(self) -> float:
        """The AI Gateway usage cost of the bucket in US dollars."""
        return pulumi.get(self, "spend_usd")


@pulumi.output_type
class GetUsageHistoryResult(dict[str, Any]):
    """A collection of values returned by get_usage_history: buckets and their total, in US dollars."""

    def __init__(__self__, *, account_id: str, total_usd: float, buckets: list[GetUsageHistoryBucketResult]) -> None:
        _set_all(__self__, locals())

    @property
    @pulumi.getter
    def account_id(self) -> str:
        """The account read."""
        return pulumi.get(self, "account_id")

    @property
    @pulumi.getter
    def total_usd(self) -> float:
        """The usage cost of every bucket, in US dollars."""
        return pulumi.get(self, "total_usd")

    @property
    @pulumi.getter
    def buckets(self) -> list[GetUsageHistoryBucketResult]:
        """The buckets in time order."""
        return pulumi.get(self, "buckets")


class AwaitableGetUsageHistoryResult(GetUsageHistoryResult):
    """The result of :func:`get_usage_history`, usable directly or with ``await``."""

    def __await__(self) -> Generator[None, None, GetUsageHistoryResult]:
        if False:  # makes this a generator, as Pulumi's SDK functions do
            yield
        return GetUsageHistoryResult(**self)


@pulumi.output_type
class GetSpendingLimitResult(dict[str, Any]):
    """A collection of values returned by get_spending_limit: the cap in US cents and US dollars."""

    def __init__(
        __self__,
        *,
        account_id: str,
        enabled: bool,
        amount: float | None = None,
        amount_usd: float | None = None,
        duration: str | None = None,
        strategy: str | None = None,
    ) -> None:
        _set_all(__self__, locals())

    @property
    @pulumi.getter
    def account_id(self) -> str:
        """The account read."""
        return pulumi.get(self, "account_id")

    @property
    @pulumi.getter
    def enabled(self) -> bool:
        """Whether an account-level spending limit is enabled."""
        return pulumi.get(self, "enabled")

    @property
    @pulumi.getter
    def amount(self) -> float | None:
        """The cap in US cents, as Cloudflare returned it."""
        return pulumi.get(self, "amount")

    @property
    @pulumi.getter
    def amount_usd(self) -> float | None:
        """The cap in US dollars."""
        return pulumi.get(self, "amount_usd")

    @property
    @pulumi.getter
    def duration(self) -> str | None:
        """``daily``, ``weekly`` or ``monthly``."""
        return pulumi.get(self, "duration")

    @property
    @pulumi.getter
    def strategy(self) -> str | None:
        """``fixed`` (resets on the window boundary) or ``sliding``."""
        return pulumi.get(self, "strategy")


class AwaitableGetSpendingLimitResult(GetSpendingLimitResult):
    """The result of :func:`get_spending_limit`, usable directly or with ``await``."""

    def __await__(self) -> Generator[None, None, GetSpendingLimitResult]:
        if False:  # makes this a generator, as Pulumi's SDK functions do
            yield
        return GetSpendingLimitResult(**self)


def get_usage_history(
    account_id: str | None = None,
    *,
    window: str = "day",
    start: datetime | None = None,
    end: datetime | None = None,
    api_token: str | None = None,
    api_key: str | None = None,
    email: str | None = None,
    base_url: str | None = None,
) -> AwaitableGetUsageHistoryResult:
    """AI Gateway usage cost of ``account_id`` per ``window`` (``day`` or ``hour``), in US dollars, read now.

    ``start`` and ``end`` are timezone-aware datetimes (default: Cloudflare's range, ending now).
    Raises ``pulumi.RunError`` (one line) when it cannot be read.
    """
    options = {"api_token": api_token, "api_key": api_key, "email": email, "base_url": base_url}
    with _as_run_error("get_usage_history"):
        usage = usage_in_program(account_id, window=window, start=start, end=end, credentials=options)
    data = usage_history_to_dict(usage)
    buckets = [GetUsageHistoryBucketResult(**bucket) for bucket in data["buckets"]]
    return AwaitableGetUsageHistoryResult(**{**data, "buckets": buckets})


def get_spending_limit(
    account_id: str | None = None,
    *,
    api_token: str | None = None,
    api_key: str | None = None,
    email: str | None = None,
    base_url: str | None = None,
) -> AwaitableGetSpendingLimitResult:
    """The account-level spending limit of ``account_id``, read now. Raises ``pulumi.RunError`` when unreadable."""
    options = {"api_token": api_token, "api_key": api_key, "email": email, "base_url": base_url}
    with _as_run_error("get_spending_limit"):
        limit = spending_limit_in_program(account_id, credentials=options)
    return AwaitableGetSpendingLimitResult(account_id=limit.account_id, **spending_limit_to_dict(limit))


def get_usage_history_output(
    account_id: pulumi.Input[str] | None = None,
    opts: pulumi.InvokeOutputOptions | None = None,
    *,
    window: pulumi.Input[str] = "day",
    start: datetime | None = None,
    end: datetime | None = None,
    api_token: pulumi.Input[str] | None = None,
    api_key: pulumi.Input[str] | None = None,
    email: pulumi.Input[str] | None = None,
    base_url: pulumi.Input[str] | None = None,
) -> pulumi.Output[GetUsageHistoryResult]:
    """Like :func:`get_usage_history`, taking ``Input``s and returning an ``Output``."""

    def read(values: list[Any]) -> GetUsageHistoryResult:
        account, kind, token, key, mail, url = values
        options = {"api_token": token, "api_key": key, "email": mail, "base_url": url}
        return GetUsageHistoryResult(**get_usage_history(account, window=kind, start=start, end=end, **options))

    return _output(read, opts, account_id, window, api_token, api_key, email, base_url)


def get_spending_limit_output(
    account_id: pulumi.Input[str] | None = None,
    opts: pulumi.InvokeOutputOptions | None = None,
    *,
    api_token: pulumi.Input[str] | None = None,
    api_key: pulumi.Input[str] | None = None,
    email: pulumi.Input[str] | None = None,
    base_url: pulumi.Input[str] | None = None,
) -> pulumi.Output[GetSpendingLimitResult]:
    """Like :func:`get_spending_limit`, taking ``Input``s and returning an ``Output``."""

    def read(values: list[Any]) -> GetSpendingLimitResult:
        account, token, key, mail, url = values
        options = {"api_token": token, "api_key": key, "email": mail, "base_url": url}
        return GetSpendingLimitResult(**get_spending_limit(account, **options))

    return _output(read, opts, account_id, api_token, api_key, email, base_url)


def _output(read: Callable[[list[Any]], R], opts: pulumi.InvokeOutputOptions | None, *inputs: Any) -> pulumi.Output[R]:
    """Read once the inputs are known and ``opts.depends_on`` exists, in a worker thread (see ``_functions``)."""

    async def in_thread(values: list[Any]) -> R:
        return await asyncio.to_thread(read, values[:-1])

    return pulumi.Output.all(*inputs, _dependencies_gate(opts)).apply(in_thread)
