"""Reading the balances: one async client, every account concurrently, each outcome kept in order."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from .._client import AsyncCreditBalanceClient
from .._exceptions import CloudflareBillingError
from .._models import CreditBalance
from .._retry import Timeout
from ._args import ReadOptions
from ._progress import Progress

__all__ = ["AccountResult", "ReadHooks", "read_all"]

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
    client = AsyncCreditBalanceClient(
        timeout=Timeout(total_s=options.timeout_s),
        clock=hooks.clock or time.monotonic,
        sleep=hooks.sleep,
        rng=hooks.rng,
    )
    progress = Progress(len(options.account_ids))
    async with client:
        try:
            return await client.get_many(
                options.account_ids, concurrency=options.concurrency, on_result=progress.update
            )
        finally:
            progress.finish()
