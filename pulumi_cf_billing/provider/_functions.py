"""The plugin's functions, one per endpoint of the table (``getCreditBalance``, ``getUsageHistory``, ...).

Arguments are parsed before any request by the endpoint's ``parse_arguments``, and a wrong one is a
failure naming it (``window``, ``start``, ``end``, ``accountId``); a failure to read names
``accountId``, the account that could not be read. The result is the endpoint's JSON form in the
schema's camelCase names. When an argument, or the provider's default account, is secret, so is
every value returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.provider.experimental import provider as api
from pulumi.provider.experimental.property_value import PropertyValue

from .._config import validate_account_id
from .._endpoints import ENDPOINTS, ArgumentError, Endpoint
from .._exceptions import CloudflareBillingError
from .._text import shown
from ._settings import PluginSettings
from ._values import camel, contains_secret, is_unknown, to_plain, to_value, unechoed

__all__ = ["invoke"]

PREFIX = "cf-billing:index:"
_FUNCTIONS: dict[str, Endpoint[Any]] = {PREFIX + camel(endpoint.function): endpoint for endpoint in ENDPOINTS.values()}


def _account(args: Mapping[str, PropertyValue], settings: PluginSettings) -> tuple[str, bool]:
    """The account to read and whether it is secret: the argument, else the provider's default."""
    given = args.get("accountId")
    if given is None or given.value is None:
        return validate_account_id(settings.default_account()), settings.secret_account
    text = given.value if isinstance(given.value, str) else str(to_plain(given))  # as the guard reads it
    return validate_account_id(text), given.is_secret


def invoke(request: api.InvokeRequest, settings: PluginSettings) -> api.InvokeResponse:
    """Call the function ``request.tok`` names: its result, or a failure naming the argument that is wrong."""
    endpoint = _FUNCTIONS.get(request.tok)
    if endpoint is None:
        raise CloudflareBillingError(f"cf-billing has no function {shown(request.tok)}.")
    unknown = next((key for key, value in request.args.items() if is_unknown(value)), None)
    if unknown is not None:  # the SDKs wait for known arguments; a request that does not is answered plainly
        reason = f"{unknown} is not known yet: a function reads when it is called, so its arguments must be known"
        return api.InvokeResponse(failures=[api.CheckFailure(unknown, reason)])
    try:
        arguments = endpoint.parse_arguments({key: to_plain(value) for key, value in request.args.items()})
        account, secret_account = _account(request.args, settings)
        with settings.client() as client:
            data = endpoint.to_dict(client.read(endpoint, account, **arguments))
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
