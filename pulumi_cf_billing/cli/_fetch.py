"""Reading the balances: one async client, every account concurrently, each outcome kept in order."""

from __future__ import annotations

import asyncio

from .._client import AsyncCreditBalanceClient
from .._exceptions import CloudflareBillingError
from .._models import CreditBalance
from .._retry import Timeout
from ._args import ReadOptions
from ._progress import Progress

__all__ = ["Outcome", "read_all"]

Outcome = CreditBalance | CloudflareBillingError


def read_all(options: ReadOptions) -> list[Outcome]:
    """One outcome per account id, in the order given: its balance or the error it failed with.

    Credentials and base URL come from the environment; a missing credential raises
    :class:`MissingCredentialsError` before any request. Nothing is cached or deduplicated.
    """
    return asyncio.run(_read_all(options))


async def _read_all(options: ReadOptions) -> list[Outcome]:
    client = AsyncCreditBalanceClient(timeout=Timeout(total_s=options.timeout_s), cache_ttl_s=0)
    progress = Progress(len(options.account_ids))
    async with client:
        try:
            return await client.get_many(
                options.account_ids, concurrency=options.concurrency, on_result=progress.update
            )
        finally:
            progress.finish()
