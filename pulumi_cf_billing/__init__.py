"""pulumi-cf-billing: see and guard Cloudflare AI Gateway credits from Pulumi programs.

Money on Cloudflare's wire is US cents; every name that carries dollars ends in ``_usd``.
The public API is what this module exports; everything in ``_modules`` is private.
"""

from typing import TYPE_CHECKING

from ._assertions import require_credit_balance
from ._client import AsyncCreditBalanceClient, CreditBalanceClient
from ._credentials import Credentials
from ._exceptions import (
    AccountNotFoundError,
    APIError,
    AuthenticationError,
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
from ._functions import (
    AwaitableGetCreditBalanceResult,
    GetCreditBalancePaymentMethodResult,
    GetCreditBalanceResult,
    GetCreditBalanceTopupConfigResult,
    get_credit_balance,
    get_credit_balance_output,
)
from ._models import CreditBalance, PaymentMethod, TopupConfig
from ._money import cents_to_usd, format_usd
from ._retry import RetryPolicy, Timeout
from ._version import __version__

if TYPE_CHECKING:
    from ._guard import CreditBalanceGuard

__all__ = [
    "APIError",
    "AccountNotFoundError",
    "AsyncCreditBalanceClient",
    "AuthenticationError",
    "AwaitableGetCreditBalanceResult",
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
    "InvalidAccountIdError",
    "MalformedResponseError",
    "MissingCredentialsError",
    "PaymentMethod",
    "PermissionDeniedError",
    "RateLimitedError",
    "RetryPolicy",
    "ServerError",
    "Timeout",
    "TopupConfig",
    "TransportError",
    "__version__",
    "cents_to_usd",
    "format_usd",
    "get_credit_balance",
    "get_credit_balance_output",
    "require_credit_balance",
]


def __getattr__(name: str) -> object:
    # The guard needs pulumi.dynamic, which loads dill (~6 ms): only programs that declare a guard pay.
    if name == "CreditBalanceGuard":
        from ._guard import CreditBalanceGuard  # noqa: PLC0415

        return CreditBalanceGuard
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
