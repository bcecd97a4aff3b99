"""The plugin's functions: ``getCreditBalance``, ``getSpendingLimit`` and ``getUsageHistory``.

Arguments are parsed before any request, and a wrong one is a failure naming it (``window``,
``start``, ``end``, ``accountId``); a failure to read names ``accountId``, the account that could not
be read. When an argument, or the provider's default account, is secret, so is every value returned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pulumi.provider.experimental import provider as api
from pulumi.provider.experimental.property_value import PropertyValue

from .._client import CreditBalanceClient
from .._config import validate_account_id
from .._exceptions import CloudflareBillingError
from .._results import WINDOWS
from .._serialize import credit_balance_to_dict, spending_limit_to_dict, usage_history_to_dict
from .._text import shown
from ._settings import PluginSettings
from ._values import camel, contains_secret, is_unknown, to_plain, to_value, unechoed

__all__ = ["invoke"]

PREFIX = "cf-billing:index:"


class ArgumentError(ValueError):
    """One argument is wrong: ``argument`` names it."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.argument = argument


def _moment(args: Mapping[str, Any], name: str) -> datetime | None:
    """``start``/``end``: ISO 8601 text with a UTC offset (``2026-11-01T00:00:00Z``), or absent."""
    text = args.get(name)
    if text is None:
        return None
    example = "an ISO 8601 time with a UTC offset, like 2026-11-01T00:00:00Z or 2026-11-01T09:00:00+09:00"
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise ArgumentError(name, f"{name} must be {example}; got {shown(text)}")
    return moment


def _window(args: Mapping[str, Any]) -> str:
    window = args.get("window", "day")
    if window not in WINDOWS:
        raise ArgumentError("window", f"window must be 'day' or 'hour'; got {shown(window)}")
    return str(window)


def _usage_args(args: Mapping[str, Any]) -> dict[str, Any]:
    window, start, end = _window(args), _moment(args, "start"), _moment(args, "end")
    if start is not None and end is not None and start > end:
        raise ArgumentError("start", f"start ({args['start']}) is after end ({args['end']})")
    return {"window": window, "start": start, "end": end}


def _no_args(_args: Mapping[str, Any]) -> dict[str, Any]:
    return {}


Reader = Callable[[CreditBalanceClient, str, dict[str, Any]], dict[str, Any]]

# Each function: how its arguments (but accountId) are parsed, before any request, and what it reads.
_FUNCTIONS: dict[str, tuple[Callable[[Mapping[str, Any]], dict[str, Any]], Reader]] = {
    "getCreditBalance": (_no_args, lambda client, account, _: credit_balance_to_dict(client.get(account))),
    "getSpendingLimit": (
        _no_args,
        lambda client, account, _: {
            "account_id": account,
            **spending_limit_to_dict(client.get_spending_limit(account)),
        },
    ),
    "getUsageHistory": (
        _usage_args,
        lambda client, account, kwargs: usage_history_to_dict(client.get_usage_history(account, **kwargs)),
    ),
}


def _account(args: Mapping[str, PropertyValue], settings: PluginSettings) -> tuple[str, bool]:
    """The account to read and whether it is secret: the argument, else the provider's default."""
    given = args.get("accountId")
    if given is None or given.value is None:
        return validate_account_id(settings.default_account()), settings.secret_account
    text = given.value if isinstance(given.value, str) else str(to_plain(given))  # as the guard reads it
    return validate_account_id(text), given.is_secret


def invoke(request: api.InvokeRequest, settings: PluginSettings) -> api.InvokeResponse:
    """Call the function ``request.tok`` names: its result, or a failure naming the argument that is wrong."""
    function = _FUNCTIONS.get(request.tok.removeprefix(PREFIX)) if request.tok.startswith(PREFIX) else None
    if function is None:
        raise CloudflareBillingError(f"cf-billing has no function {shown(request.tok)}.")
    parse, read = function
    unknown = next((key for key, value in request.args.items() if is_unknown(value)), None)
    if unknown is not None:  # the SDKs wait for known arguments; a request that does not is answered plainly
        reason = f"{unknown} is not known yet: a function reads when it is called, so its arguments must be known"
        return api.InvokeResponse(failures=[api.CheckFailure(unknown, reason)])
    try:
        kwargs = parse({key: to_plain(value) for key, value in request.args.items()})
        account, secret_account = _account(request.args, settings)
        with settings.client() as client:
            data = read(client, account, kwargs)
    except ArgumentError as error:
        reason = unechoed(str(error), request.args.get(error.argument))
        return api.InvokeResponse(failures=[api.CheckFailure(error.argument, reason)])
    except CloudflareBillingError as error:
        return api.InvokeResponse(
            failures=[api.CheckFailure("accountId", unechoed(str(error), request.args.get("accountId")))]
        )
    secret = secret_account or contains_secret(request.args.values())
    values = {camel(key): to_value(value, secret=secret) for key, value in data.items() if value is not None}
    return api.InvokeResponse(return_value=values)
