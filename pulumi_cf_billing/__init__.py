"""pulumi-cf-billing: see and guard Cloudflare AI Gateway credits from Pulumi programs.

Money on Cloudflare's wire is US cents; every name that carries dollars ends in ``_usd``.
The public API is what this module exports; everything in ``_modules`` is private.

Every name loads on first use (PEP 562): ``import pulumi_cf_billing`` costs almost nothing, a
program that only declares a guard never loads the fleet client's code paths it does not use,
the provider host that judges a guard loads only the judging, and the Pulumi surface loads only
for a Pulumi program. Type checkers see every name through the imports below.
"""

from typing import TYPE_CHECKING

from . import _exceptions
from ._lazy import lazy_names
from ._pulumi import _generated
from ._version import __version__

if TYPE_CHECKING:
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
    from ._pulumi._assertions import require_credit_balance
    from ._pulumi._generated import *  # noqa: F403  # the Pulumi functions and their results (generated)
    from ._pulumi._guard import CreditBalanceGuard
    from ._retry import RetryPolicy, Timeout

_MODULES = {
    "_cache": ("SingleFlightCache",),
    "_client": ("AsyncBillingClient", "AsyncCreditBalanceClient", "BillingClient", "CreditBalanceClient"),
    "_credentials": ("Credentials",),
    "_exceptions": tuple(_exceptions.__all__),  # the whole error tree, light enough to load at once
    "_models": ("CreditBalance", "PaymentMethod", "SpendingLimit", "TopupConfig", "UsageBucket", "UsageHistory"),
    "_money": ("cents_to_usd", "format_usd"),
    "_pulumi._assertions": ("require_credit_balance",),
    "_pulumi._guard": ("CreditBalanceGuard",),
    "_retry": ("RetryPolicy", "Timeout"),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}
# The Python Pulumi functions and their results, generated from the endpoint table.
_WHERE |= {name: f"_pulumi._generated.{module}" for name, module in _generated.MODULES.items()}

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


__getattr__ = lazy_names(__name__, _WHERE)


def __dir__() -> list[str]:
    return __all__
