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
from ._pulumi import _generated
from ._retry import RetryPolicy, Timeout
from ._version import __version__

if TYPE_CHECKING:
    from ._pulumi._assertions import require_credit_balance
    from ._pulumi._generated import *  # noqa: F403  # the Pulumi functions and their results (generated)
    from ._pulumi._guard import CreditBalanceGuard

__all__ = [
    "APIError",
    "AccountNotFoundError",
    "AsyncBillingClient",
    "AsyncCreditBalanceClient",
    "AuthenticationError",
    "BillingClient",
    "ClientClosedError",
    "CloudflareBillingError",
    "ConfigurationError",
    "Credentials",
    "CreditBalance",
    "CreditBalanceClient",
    "CreditBalanceGuard",
    "DeadlineExceededError",
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
    "require_credit_balance",
]


__all__ += _generated.__all__  # the Python Pulumi functions and their results, generated from the endpoint table

# The Pulumi surface (the _pulumi subpackage) loads on first use: the client and the CLI never pay
# for it, and the guard's pulumi.dynamic brings in dill. Programs see no difference.
_PULUMI_SURFACE = {
    "CreditBalanceGuard": "_pulumi._guard",
    "require_credit_balance": "_pulumi._assertions",
    **{name: f"_pulumi._generated.{module}" for name, module in _generated.MODULES.items()},
}


def __getattr__(name: str) -> object:
    module = _PULUMI_SURFACE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
