"""get_usage_history* and get_spending_limit* under Pulumi's mocks, reading the fake over real sockets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pulumi
import pytest
from pulumi import _types as pulumi_types

from pulumi_cf_billing import (
    GetSpendingLimitResult,
    GetUsageHistoryResult,
    get_spending_limit,
    get_spending_limit_output,
    get_usage_history,
    get_usage_history_output,
)
from pulumi_cf_billing.testing import FakeCloudflareAPI, Fault

from ..conftest import ACCOUNT
from .conftest import SENTINEL, as_plain, run_program

END = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
START = END - timedelta(days=3)


@pytest.fixture
def billing_api(api: FakeCloudflareAPI) -> FakeCloudflareAPI:
    api.accounts[ACCOUNT].spend_usd_per_day = 2.5
    api.accounts[ACCOUNT].spending_limit = {"amount": 50000, "duration": "weekly", "strategy": "fixed"}
    return api


def test_usage_and_the_cap_become_outputs_in_their_units(
    billing_api: FakeCloudflareAPI, stack_config: dict[str, str]
) -> None:
    def program() -> dict[str, Any]:
        usage = get_usage_history_output(ACCOUNT, start=START, end=END)
        return {"usage": usage, "total": usage.total_usd, "limit": get_spending_limit_output(ACCOUNT)}

    run = run_program(billing_api, program, config=stack_config)

    usage = run.known("usage")
    assert isinstance(usage, GetUsageHistoryResult)
    assert pulumi_types.is_output_type(type(usage.buckets[0]))
    assert [bucket.spend_usd for bucket in usage.buckets] == [2.5, 2.5, 2.5]
    assert usage.buckets[0].start == START.isoformat()
    assert run.known("total") == 7.5
    limit = run.known("limit")
    assert isinstance(limit, GetSpendingLimitResult)
    assert as_plain(limit) == {
        "account_id": ACCOUNT, "enabled": True, "amount": 50000, "amount_usd": 500, "duration": "weekly",
        "strategy": "fixed",
    }  # fmt: skip


def test_reads_of_one_range_in_one_run_share_one_request(
    billing_api: FakeCloudflareAPI, stack_config: dict[str, str]
) -> None:
    def program() -> dict[str, Any]:
        direct = get_usage_history(ACCOUNT, start=START, end=END)
        return {
            "direct": direct.total_usd,
            "output": get_usage_history_output(ACCOUNT, start=START, end=END).total_usd,
            "limit": get_spending_limit(ACCOUNT).enabled,
            "limit-again": get_spending_limit_output(ACCOUNT).enabled,
        }

    run = run_program(billing_api, program, config=stack_config)

    assert run.known("direct") == run.known("output") == 7.5
    assert run.known("limit") is run.known("limit-again") is True
    assert billing_api.request_count(ACCOUNT, "usage-history") == 1
    assert billing_api.request_count(ACCOUNT, "spending-limit") == 1


def test_an_unreadable_usage_history_is_one_clean_run_error(
    billing_api: FakeCloudflareAPI, stack_config: dict[str, str]
) -> None:
    billing_api.inject(ACCOUNT, Fault.error(403, 10000, "Authentication error"))

    with pytest.raises(pulumi.RunError) as caught:
        run_program(billing_api, lambda: {"usage": get_usage_history(ACCOUNT)}, config=stack_config)

    assert str(caught.value).startswith("get_usage_history: ")
    assert "'AI Gateway Read'" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert SENTINEL not in str(caught.value)
