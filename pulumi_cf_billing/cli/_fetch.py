"""Reading balances and usage: one async client, every account concurrently, each outcome kept in order."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from .._client import AsyncCreditBalanceClient
from .._exceptions import CloudflareBillingError
from .._models import CreditBalance, UsageHistory
from .._retry import Timeout
from ._args import ReadOptions
from ._progress import Progress

__all__ = ["AccountResult", "ReadHooks", "UsageResult", "read_all", "read_usage_all"]

AccountResult = CreditBalance | CloudflareBillingError
"""One account's read: its balance or the error it failed with."""


@dataclass(frozen=True)
class ReadHooks:
    """Injected time and chance, for tests: a monotonic ``clock``, an awaitable ``sleep``, a seeded ``rng``."""

    clock: Callable[[], float] | None = None
    sleep: Callable[[float], Awaitable[object]] | None = None
    rng: random.Random | None = None


def read_all(options: ReadOptions, hooks: ReadHooks | None = None) -> list[AccountResult]:
    """One outcome per account id, in the order given: its balance or the error it failed with.

    Credentials and base URL come from the environment; a missing credential raises
    :class:`MissingCredentialsError` before any request. Nothing is cached or deduplicated.
    """
    return asyncio.run(_read_all(options, hooks or ReadHooks()))


async def _read_all(options: ReadOptions, hooks: ReadHooks) -> list[AccountResult]:
    progress = Progress(len(options.account_ids))
    async with _client(options, hooks) as client:
        try:
            return await client.get_many(
                options.account_ids, concurrency=options.concurrency, on_result=progress.update
            )
        finally:
            progress.finish()


UsageResult = UsageHistory | CloudflareBillingError
"""One account's usage read: its history or the error it failed with."""


def read_usage_all(
    options: ReadOptions, window: str, start: datetime, end: datetime, hooks: ReadHooks | None = None
) -> list[UsageResult]:
    """One usage history per account id, in the order given, at most ``options.concurrency`` at a time."""
    return asyncio.run(_read_usage_all(options, window, start, end, hooks or ReadHooks()))


async def _read_usage_all(
    options: ReadOptions, window: str, start: datetime, end: datetime, hooks: ReadHooks
) -> list[UsageResult]:
    slots = asyncio.Semaphore(options.concurrency)

    async def one(client: AsyncCreditBalanceClient, account_id: str) -> UsageResult:
        async with slots:
            try:
                return await client.get_usage_history(account_id, window=window, start=start, end=end)
            except CloudflareBillingError as error:
                return error

    async with _client(options, hooks) as client:
        return list(await asyncio.gather(*(one(client, account_id) for account_id in options.account_ids)))


def _client(options: ReadOptions, hooks: ReadHooks) -> AsyncCreditBalanceClient:
    return AsyncCreditBalanceClient(
        timeout=Timeout(total_s=options.timeout_s),
        clock=hooks.clock or time.monotonic,
        sleep=hooks.sleep,
        rng=hooks.rng,
    )
