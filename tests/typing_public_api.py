"""Type-checked only (mypy --strict), never run: the public API as a user's code would call it.

A signature change that breaks user code breaks ``mypy`` here first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pulumi

from pulumi_cf_billing import (
    AsyncCreditBalanceClient,
    CloudflareBillingError,
    CreditBalance,
    CreditBalanceClient,
    CreditBalanceGuard,
    GetCreditBalanceResult,
    GetSpendingLimitResult,
    RateLimitedError,
    Timeout,
    get_credit_balance,
    get_credit_balance_output,
    get_spending_limit,
    get_spending_limit_output,
    get_usage_history,
    require_credit_balance,
)


def sync_read() -> Decimal:
    with CreditBalanceClient(api_token="t", timeout=Timeout(total_s=10)) as client:
        balance: CreditBalance = client.get("0123456789abcdef0123456789abcdef")
    amount: Decimal | None = balance.topup_config.threshold_usd
    return balance.balance_usd + (amount or Decimal(0))


async def fleet_read(ids: list[str]) -> list[str]:
    async with AsyncCreditBalanceClient(cache_ttl_s=0) as client:
        results = await client.get_many(ids, concurrency=8)
    lines: list[str] = []
    for result in results:
        if isinstance(result, RateLimitedError):
            lines.append(f"retry in {result.retry_after_s}")
        elif isinstance(result, CloudflareBillingError):
            lines.append(result.message)
        else:
            lines.append(str(result.balance_usd))
    return lines


def program() -> None:
    credits: pulumi.Output[GetCreditBalanceResult] = get_credit_balance_output(
        pulumi.Output.from_input("0123456789abcdef0123456789abcdef")
    )
    pulumi.export("balance_usd", credits.balance_usd)
    now = get_credit_balance()
    usd: float = now.balance_usd
    threshold: float | None = now.topup_config.threshold_usd
    guard = CreditBalanceGuard("credits", floor_usd=usd, min_runway_days=threshold, on_breach="warn")
    status: pulumi.Output[str] = guard.status
    pulumi.export("status", status)
    require_credit_balance(floor_usd="50", require_auto_topup=True)


def billing_program() -> list[float]:
    usage = get_usage_history(window="hour", start=datetime(2026, 11, 1, tzinfo=UTC), api_token="t")
    total: float = usage.total_usd
    limit: pulumi.Output[GetSpendingLimitResult] = get_spending_limit_output(opts=pulumi.InvokeOutputOptions())
    pulumi.export("limit", limit)
    cap: float | None = get_spending_limit().amount_usd
    get_spending_limit(window="day")  # type: ignore[call-arg]  # strict mypy fails here if this were accepted
    return [total, *(bucket.spend_usd for bucket in usage.buckets), cap or 0.0]
