"""The pure parts: envelope parsing (property-based), Retry-After, money, pacing arithmetic, the public surface."""

from __future__ import annotations

import copy
import json
import pickle
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import pulumi_cf_billing
from pulumi_cf_billing import MalformedResponseError, ServerError
from pulumi_cf_billing._money import cents_to_usd, format_usd
from pulumi_cf_billing._pacing import RequestPacer
from pulumi_cf_billing._protocol import parse_response, retry_after_seconds
from pulumi_cf_billing._pulumi._functions import from_data
from pulumi_cf_billing._pulumi._generated.get_credit_balance import AwaitableGetCreditBalanceResult
from pulumi_cf_billing._serialize import credit_balance_to_dict

from .conftest import ACCOUNT

json_scalars = st.none() | st.booleans() | st.integers(-(10**9), 10**9) | st.text(max_size=8)
unknown_fields = st.dictionaries(st.text(min_size=1, max_size=12).map(lambda k: f"x_{k}"), json_scalars, max_size=4)
cents = st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False, allow_infinity=False)


@given(
    balance=cents,
    extra=unknown_fields,
    topup_extra=unknown_fields,
    drop=st.sets(
        st.sampled_from(["has_default_payment_method", "payment_method", "topup_config", "first_topup_success"])
    ),
)
def test_any_valid_envelope_parses_whatever_else_it_holds(
    balance: Decimal, extra: dict[str, Any], topup_extra: dict[str, Any], drop: set[str]
) -> None:
    result: dict[str, Any] = {
        "balance": float(balance),
        "has_default_payment_method": True,
        "payment_method": {"brand": "visa", "last4": "4242"},
        "topup_config": {"amount": 2000, "threshold": 1000, "disabledReason": None, "lastFailedAt": 1, **topup_extra},
        "first_topup_success": False,
        **extra,
    }
    for key in drop:
        del result[key]
    body = json.dumps({"success": True, "errors": [], "messages": [], "result": result, "zz_new": [1]}).encode()
    parsed = parse_response(200, httpx.Headers(), body, ACCOUNT)
    assert parsed.balance == Decimal(repr(float(balance)))
    assert parsed.balance_usd * 100 == parsed.balance
    assert set(parsed.raw) == set(result)
    assert (parsed.topup_config.amount == 2000) is ("topup_config" not in drop)


@given(
    payload=st.recursive(
        json_scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=10,
    )
)
def test_any_other_200_body_is_malformed_never_a_crash(payload: Any) -> None:
    with pytest.raises(MalformedResponseError):
        parse_response(200, httpx.Headers(), json.dumps(payload).encode(), ACCOUNT)


@given(body=st.binary(max_size=64), status=st.sampled_from([500, 502, 503, 504, 520]))
def test_any_5xx_body_is_a_server_error(body: bytes, status: int) -> None:
    with pytest.raises(ServerError):
        parse_response(status, httpx.Headers(), body, ACCOUNT)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": "7", "retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "Wed, 21 Oct 2026 07:28:30 GMT", "date": "Wed, 21 Oct 2026 07:28:00 GMT"}, 30.0),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_forms(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after_seconds(httpx.Headers(headers)) == expected


def test_retry_after_http_date_without_date_header_uses_the_given_clock() -> None:
    headers = httpx.Headers({"retry-after": "Wed, 21 Oct 2026 07:28:30 GMT"})
    assert retry_after_seconds(headers, now=1792567700.0) == 10.0


@pytest.mark.parametrize(
    ("cents_text", "shown"),
    [("4999", "$49.99"), ("4999.5", "$49.995"), ("5000", "$50.00"), ("0", "$0.00"), ("123456789", "$1,234,567.89")],
)
def test_dollars_are_shown_with_their_unit(cents_text: str, shown: str) -> None:
    assert format_usd(cents_to_usd(Decimal(cents_text))) == shown


def test_pacer_never_lets_more_than_the_limit_into_a_window() -> None:
    pacer = RequestPacer(limit=3, window_s=10)
    waits = [pacer.reserve(0.0) for _ in range(7)]
    assert waits == [0, 0, 0, 10, 10, 10, 20]


def test_pacer_reserves_nothing_it_would_not_use() -> None:
    pacer = RequestPacer(limit=1, window_s=10)
    assert pacer.reserve(0.0) == 0
    assert pacer.reserve(1.0, within_s=5) == 9
    assert pacer.reserve(1.0) == 9


def test_pacer_pauses_when_the_server_says_nothing_remains() -> None:
    pacer = RequestPacer()
    pacer.note_response(httpx.Headers({"ratelimit": '"default";r=0;t=42'}), now=100.0)
    assert pacer.reserve(100.0) == 42
    pacer.note_response(httpx.Headers({"ratelimit": '"default";r=5;t=42'}), now=100.0)
    assert pacer.reserve(150.0) == 0


def test_public_api_is_pinned() -> None:
    assert set(pulumi_cf_billing.__all__) == {
        "APIError", "AccountNotFoundError", "AsyncBillingClient", "AsyncCreditBalanceClient", "AuthenticationError",
        "BillingClient", "SingleFlightCache",
        "AwaitableGetCreditBalanceResult", "AwaitableGetSpendingLimitResult", "AwaitableGetUsageHistoryResult",
        "ClientClosedError", "CloudflareBillingError", "ConfigurationError", "CreditBalance", "CreditBalanceClient",
        "CreditBalanceGuard", "Credentials", "DeadlineExceededError", "GetCreditBalancePaymentMethodResult",
        "GetCreditBalanceResult", "GetCreditBalanceTopupConfigResult", "GetSpendingLimitResult",
        "GetUsageHistoryBucketResult", "GetUsageHistoryResult", "InvalidAccountIdError", "MalformedResponseError",
        "MissingCredentialsError", "PaymentMethod", "PermissionDeniedError", "RateLimitedError", "RetryPolicy",
        "ServerError", "SpendingLimit", "Timeout", "TopupConfig", "TransportError", "UsageBucket", "UsageHistory",
        "__version__", "cents_to_usd", "format_usd", "get_credit_balance", "get_credit_balance_output",
        "get_spending_limit", "get_spending_limit_output", "get_usage_history", "get_usage_history_output",
        "require_credit_balance",
    }  # fmt: skip
    missing = [name for name in pulumi_cf_billing.__all__ if not hasattr(pulumi_cf_billing, name)]
    assert missing == []


def test_function_results_copy_and_pickle() -> None:
    body = json.dumps({"success": True, "result": {"balance": 4999.5, "topup_config": {"amount": 2000}}}).encode()
    result = from_data(
        AwaitableGetCreditBalanceResult, credit_balance_to_dict(parse_response(200, httpx.Headers(), body, ACCOUNT))
    )
    for copied in (copy.deepcopy(result), pickle.loads(pickle.dumps(result))):  # noqa: S301  # our own bytes
        assert copied == result
        assert copied.topup_config.amount_usd == 20
        assert type(copied.topup_config).__name__ == "GetCreditBalanceTopupConfigResult"
