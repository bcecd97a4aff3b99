"""pulumi-cf-billing: see and guard Cloudflare AI Gateway credits from Pulumi programs.

Money on Cloudflare's wire is US cents; every name that carries dollars ends in ``_usd``.
The public API is what this module exports; everything in ``_modules`` is private.
"""

import importlib
from typing import TYPE_CHECKING

from ._cache import SingleFlightCache
from ._client import AsyncBillingClient, AsyncCreditBalanceClient, BillingClient, CreditBalanceClient
from ._credentials import Credentials
from ._exceptions import (
    AccountNotFoundError,
    APIError,
    AuthenticationError,
    ClientClosedError,
    CloudflareBillingError,
    ConfigurationError,
    DeadlineExceededError,
    InvalidAccountIdError,
    MalformedResponseError,
    MissingCredentialsError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from ._models import CreditBalance, PaymentMethod, SpendingLimit, TopupConfig, UsageBucket, UsageHistory
from ._money import cents_to_usd, format_usd
from ._retry import RetryPolicy, Timeout
from ._version import __version__

if TYPE_CHECKING:
    from ._pulumi._assertions import require_credit_balance
    from ._pulumi._billing_functions import (
        AwaitableGetSpendingLimitResult,
        AwaitableGetUsageHistoryResult,
        GetSpendingLimitResult,
        GetUsageHistoryBucketResult,
        GetUsageHistoryResult,
        get_spending_limit,
        get_spending_limit_output,
        get_usage_history,
        get_usage_history_output,
    )
    from ._pulumi._functions import (
        AwaitableGetCreditBalanceResult,
        GetCreditBalancePaymentMethodResult,
        GetCreditBalanceResult,
        GetCreditBalanceTopupConfigResult,
        get_credit_balance,
        get_credit_balance_output,
    )
    from ._pulumi._guard import CreditBalanceGuard

__all__ = [
    "APIError",
    "AccountNotFoundError",
    "AsyncBillingClient",
    "AsyncCreditBalanceClient",
    "AuthenticationError",
    "AwaitableGetCreditBalanceResult",
    "AwaitableGetSpendingLimitResult",
    "AwaitableGetUsageHistoryResult",
    "BillingClient",
    "ClientClosedError",
    "CloudflareBillingError",
    "ConfigurationError",
    "Credentials",
    "CreditBalance",
    "CreditBalanceClient",
    "CreditBalanceGuard",
    "DeadlineExceededError",
    "GetCreditBalancePaymentMethodResult",
    "GetCreditBalanceResult",
    "GetCreditBalanceTopupConfigResult",
    "GetSpendingLimitResult",
    "GetUsageHistoryBucketResult",
    "GetUsageHistoryResult",
    "InvalidAccountIdError",
    "MalformedResponseError",
    "MissingCredentialsError",
    "PaymentMethod",
    "PermissionDeniedError",
    "RateLimitedError",
    "RetryPolicy",
    "ServerError",
    "SingleFlightCache",
    "SpendingLimit",
    "Timeout",
    "TopupConfig",
    "TransportError",
    "UsageBucket",
    "UsageHistory",
    "__version__",
    "cents_to_usd",
    "format_usd",
    "get_credit_balance",
    "get_credit_balance_output",
    "get_spending_limit",
    "get_spending_limit_output",
    "get_usage_history",
    "get_usage_history_output",
    "require_credit_balance",
]


# The Pulumi surface (the _pulumi subpackage) loads on first use: the client and the CLI never pay
# for it, and the guard's pulumi.dynamic brings in dill. Programs see no difference.
_PULUMI_SURFACE = {
    "AwaitableGetCreditBalanceResult": "_pulumi._functions",
    "CreditBalanceGuard": "_pulumi._guard",
    "GetCreditBalancePaymentMethodResult": "_pulumi._functions",
    "GetCreditBalanceResult": "_pulumi._functions",
    "GetCreditBalanceTopupConfigResult": "_pulumi._functions",
    "get_credit_balance": "_pulumi._functions",
    "get_credit_balance_output": "_pulumi._functions",
    "require_credit_balance": "_pulumi._assertions",
    **dict.fromkeys(
        (
            "AwaitableGetSpendingLimitResult",
            "AwaitableGetUsageHistoryResult",
            "GetSpendingLimitResult",
            "GetUsageHistoryBucketResult",
            "GetUsageHistoryResult",
            "get_spending_limit",
            "get_spending_limit_output",
            "get_usage_history",
            "get_usage_history_output",
        ),
        "_pulumi._billing_functions",
    ),
}


def __getattr__(name: str) -> object:
    module = _PULUMI_SURFACE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
