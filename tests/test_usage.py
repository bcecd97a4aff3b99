"""Usage history and spending limit: the fake's endpoints and both clients, over real sockets."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from pulumi_cf_billing import (
    AsyncCreditBalanceClient,
    ConfigurationError,
    CreditBalanceClient,
    MalformedResponseError,
    PermissionDeniedError,
    SpendingLimit,
    UsageHistory,
)
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from .conftest import ACCOUNT, SENTINEL_TOKEN

DAY = timedelta(days=1)
MIDNIGHT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
LIMIT = {"amount": 12345, "duration": "monthly", "strategy": "sliding"}


@pytest.fixture
def api(fake_cloudflare_api: FakeCloudflareAPI) -> FakeCloudflareAPI:
    fake_cloudflare_api.add_account(ACCOUNT, spend_usd_per_day=Decimal("12.5"), spending_limit=LIMIT)
    fake_cloudflare_api.add_token(SENTINEL_TOKEN)
    return fake_cloudflare_api


def client_for(api: FakeCloudflareAPI) -> CreditBalanceClient:
    return CreditBalanceClient(api_token=SENTINEL_TOKEN, base_url=api.base_url, environ={}, account_id=ACCOUNT)


def test_daily_usage_comes_in_dollars_per_complete_day(api: FakeCloudflareAPI) -> None:
    with client_for(api) as client:
        usage = client.get_usage_history(start=MIDNIGHT - 7 * DAY, end=MIDNIGHT)
    assert isinstance(usage, UsageHistory)
    assert [bucket.start for bucket in usage.buckets] == [MIDNIGHT - n * DAY for n in range(7, 0, -1)]
    assert all(bucket.end - bucket.start == DAY for bucket in usage.buckets)
    assert all(bucket.spend_usd == Decimal("12.5") for bucket in usage.buckets)
    assert usage.total_usd == Decimal("87.5")
    [request] = api.requests
    assert "value_grouping_window=day" in request.path
    assert f"start_time={int((MIDNIGHT - 7 * DAY).timestamp() * 1000)}" in request.path


def test_hourly_usage_comes_in_a_24th_of_the_day(api: FakeCloudflareAPI) -> None:
    api.accounts[ACCOUNT].spend_usd_per_day = 24

    async def read() -> UsageHistory:
        async with AsyncCreditBalanceClient(api_token=SENTINEL_TOKEN, base_url=api.base_url, environ={}) as client:
            return await client.get_usage_history(ACCOUNT, window="hour", start=MIDNIGHT - DAY, end=MIDNIGHT)

    usage = asyncio.run(read())
    assert len(usage.buckets) == 24
    assert {bucket.spend_usd for bucket in usage.buckets} == {Decimal(1)}


def test_the_spending_limit_keeps_cents_and_gives_dollars(api: FakeCloudflareAPI) -> None:
    with client_for(api) as client:
        limit = client.get_spending_limit()
    assert limit == SpendingLimit(ACCOUNT, True, Decimal(12345), "monthly", "sliding")
    assert limit.amount_usd == Decimal("123.45")
    api.accounts[ACCOUNT].spending_limit = None
    with client_for(api) as client:
        assert client.get_spending_limit().enabled is False


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("", "value_grouping_window"),
        ("value_grouping_window=week", "value_grouping_window"),
        ("value_grouping_window=day&start_time=soon", "start_time"),
        ("value_grouping_window=day&start_time=200&end_time=100", "after end_time"),
    ],
)
def test_the_fake_validates_the_usage_query_as_cloudflare_does(
    api: FakeCloudflareAPI, query: str, problem: str
) -> None:
    url = f"{api.base_url}/accounts/{ACCOUNT}/ai-gateway/billing/usage-history?{query}"
    response = httpx.get(url, headers={"Authorization": f"Bearer {SENTINEL_TOKEN}"})
    assert response.status_code == 400
    assert problem in response.json()["errors"][0]["message"]


def test_faults_and_errors_apply_to_every_endpoint(api: FakeCloudflareAPI) -> None:
    api.inject(ACCOUNT, Fault.error(403, 10000, "Authentication error"), times=1)
    api.inject(ACCOUNT, Fault.raw(200, b'{"success":true,"result":{"history":[{"aggregated_value":1e99}]}}'), times=1)
    with client_for(api) as client:
        with pytest.raises(PermissionDeniedError):
            client.get_spending_limit()
        with pytest.raises(MalformedResponseError, match="out of range"):
            client.get_usage_history()
    assert api.request_count(ACCOUNT, "spending-limit") == api.request_count(ACCOUNT, "usage-history") == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"window": "week"}, "window must be 'day' or 'hour'"),
        ({"start": datetime(2026, 1, 1)}, "timezone-aware"),  # the naive datetime under test
        ({"start": MIDNIGHT, "end": MIDNIGHT - DAY}, "is after end"),
    ],
)
def test_bad_usage_arguments_are_refused_before_any_request(
    api: FakeCloudflareAPI, options: dict[str, object], message: str
) -> None:
    with client_for(api) as client, pytest.raises(ConfigurationError, match=message):
        client.get_usage_history(**options)  # type: ignore[arg-type]
    assert api.request_count() == 0
