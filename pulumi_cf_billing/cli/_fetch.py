"""Reading accounts: one async client per command, every account concurrently, each outcome kept in order.

One client means one connection pool and one rate-limit pacer for the command's token, however many
endpoints a command reads. An account's reads (balance, usage history, spending limit) start
together, so the one deadline each read gets (``--timeout``) bounds the account as a whole.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from .._client import AsyncCreditBalanceClient
from .._exceptions import CloudflareBillingError
from .._models import CreditBalance, SpendingLimit, UsageHistory
from .._retry import Timeout
from ._args import ReadOptions
from ._progress import Progress

__all__ = [
    "AccountReads",
    "AccountResult",
    "ReadHooks",
    "ReadPlan",
    "UsageRange",
    "UsageResult",
    "read_accounts",
]

T = TypeVar("T")

AccountResult = CreditBalance | CloudflareBillingError
"""One account's balance read: the balance or the error it failed with."""
UsageResult = UsageHistory | CloudflareBillingError
"""One account's usage read: its history or the error it failed with."""
LimitResult = SpendingLimit | CloudflareBillingError
"""One account's spending-limit read: the limit or the error it failed with."""


@dataclass(frozen=True)
class ReadHooks:
    """Injected time and chance, for tests: a monotonic ``clock``, an awaitable ``sleep``, a seeded ``rng``."""

    clock: Callable[[], float] | None = None
    sleep: Callable[[float], Awaitable[object]] | None = None
    rng: random.Random | None = None


@dataclass(frozen=True)
class UsageRange:
    """Usage history per ``window`` (``day`` or ``hour``) from ``start`` to ``end`` (aware datetimes)."""

    window: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ReadPlan:
    """What to read of every account: the balance, a usage range, the spending limit."""

    balance: bool = True
    usage: UsageRange | None = None
    spending_limit: bool = False


@dataclass(frozen=True)
class AccountReads:
    """One account's reads: each its result, the error it failed with, or ``None`` when not asked for."""

    account_id: str
    balance: AccountResult | None = None
    usage: UsageResult | None = None
    spending_limit: LimitResult | None = None

    @property
    def failures(self) -> list[tuple[str, CloudflareBillingError]]:
        """The reads that failed, named (``balance``, ``usage history``, ``spending limit``), in that order."""
        named = (("balance", self.balance), ("usage history", self.usage), ("spending limit", self.spending_limit))
        return [(name, result) for name, result in named if isinstance(result, CloudflareBillingError)]


def read_accounts(options: ReadOptions, plan: ReadPlan, hooks: ReadHooks | None = None) -> list[AccountReads]:
    """One :class:`AccountReads` per account id, in the order given, at most ``options.concurrency`` at a time.

    Credentials and base URL come from the environment; a missing credential raises
    :class:`MissingCredentialsError` before any request. Nothing is cached or deduplicated.
    """
    return asyncio.run(_read_accounts(options, plan, hooks or ReadHooks()))


async def _read_accounts(options: ReadOptions, plan: ReadPlan, hooks: ReadHooks) -> list[AccountReads]:
    ids = options.account_ids
    progress = Progress(len(ids))
    async with _client(options, hooks) as client:
        try:
            if plan == ReadPlan():  # balances alone: the fleet read, which spreads many accounts over small pools
                balances = await client.get_many(ids, concurrency=options.concurrency, on_result=progress.update)
                return [AccountReads(account_id, balance) for account_id, balance in zip(ids, balances, strict=True)]
            slots = asyncio.Semaphore(options.concurrency)

            async def one(account_id: str) -> AccountReads:
                async with slots:
                    reads = await _read_account(client, account_id, plan)
                progress.update(account_id, reads)
                return reads

            return list(await asyncio.gather(*(one(account_id) for account_id in ids)))
        finally:
            progress.finish()


async def _read_account(client: AsyncCreditBalanceClient, account_id: str, plan: ReadPlan) -> AccountReads:
    """Every read ``plan`` asks of ``account_id``, started at once: their deadlines end together."""
    usage = plan.usage
    balance, history, limit = await asyncio.gather(
        _settled(client.get(account_id)) if plan.balance else _nothing(),
        _nothing()
        if usage is None
        else _settled(client.get_usage_history(account_id, window=usage.window, start=usage.start, end=usage.end)),
        _settled(client.get_spending_limit(account_id)) if plan.spending_limit else _nothing(),
    )
    return AccountReads(account_id, balance, history, limit)


async def _settled(read: Awaitable[T]) -> T | CloudflareBillingError:
    try:
        return await read
    except CloudflareBillingError as error:
        return error


async def _nothing() -> None:
    return None


def _client(options: ReadOptions, hooks: ReadHooks) -> AsyncCreditBalanceClient:
    return AsyncCreditBalanceClient(
        timeout=Timeout(total_s=options.timeout_s),
        clock=hooks.clock or time.monotonic,
        sleep=hooks.sleep,
        rng=hooks.rng,
    )
