"""The ``cf-billing`` provider plugin: the balance as functions and the guard as a resource, for every Pulumi language.

Served by the ``pulumi-resource-cf-billing`` console script (or this directory's ``PulumiPlugin.yaml``
as a source-based plugin). Its schema, ``schema.json`` here, is the one source of truth for names
and types. It judges with the same code as the dynamic guard (:func:`._pulumi._guard_provider.judge_reading`),
reads with the same client, and speaks the same units: ``balance`` in US cents, ``*Usd`` in US dollars.

Credentials come from the provider's config (``cf-billing:apiToken``, secret; or ``apiKey`` +
``email``; ``baseUrl``; ``accountId``), else the ``CLOUDFLARE_*`` environment. They never reach an
output or the state: the guard's state holds its inputs and what was read, nothing else.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pulumi.provider.experimental import provider as api
from pulumi.provider.experimental.property_value import Computed, PropertyValue

from .._assess import Reading, Rules, read_for
from .._client import CreditBalanceClient
from .._config import environment_layer, resolve_account_id, resolve_settings, validate_account_id
from .._exceptions import CloudflareBillingError
from .._pulumi._guard_provider import INPUT_KEYS, OUTPUT_KEYS, judge_reading, validate_inputs
from .._serialize import credit_balance_to_dict, spending_limit_to_dict, usage_history_to_dict
from .._version import __version__

__all__ = ["SCHEMA_PATH", "CfBillingProvider", "main"]

SCHEMA_PATH = Path(__file__).with_name("schema.json")
GUARD = "cf-billing:index:CreditBalanceGuard"
_CONFIG_KEYS = {"apiToken": "api_token", "apiKey": "api_key", "email": "email", "baseUrl": "base_url"}


def camel(name: str) -> str:
    """``balance_usd`` -> ``balanceUsd``: the schema's names for this library's snake_case keys."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake(name: str) -> str:
    """``balanceUsd`` -> ``balance_usd``."""
    return "".join(f"_{char.lower()}" if char.isupper() else char for char in name)


def to_plain(value: PropertyValue) -> Any:
    """A property value as plain Python data (``Computed`` stays, to be recognised as unknown)."""
    inner = value.value
    if isinstance(inner, Mapping):
        return {key: to_plain(item) for key, item in inner.items()}
    if isinstance(inner, (list, tuple)):
        return [to_plain(item) for item in inner]
    return inner


def to_value(data: Any, rename: Callable[[str], str] = camel) -> PropertyValue:
    """Plain data as a property value, map keys renamed (snake_case to the schema's camelCase by default)."""
    if isinstance(data, Mapping):
        return PropertyValue({rename(key): to_value(item, rename) for key, item in data.items() if item is not None})
    if isinstance(data, (list, tuple)):
        return PropertyValue([to_value(item, rename) for item in data])
    if isinstance(data, int) and not isinstance(data, bool):
        return PropertyValue(float(data))
    return PropertyValue(data)


def _props(data: Mapping[str, Any]) -> dict[str, PropertyValue]:
    return {camel(key): to_value(value) for key, value in data.items() if value is not None}


def _snake_inputs(inputs: Mapping[str, PropertyValue]) -> dict[str, Any]:
    return {snake(key): to_plain(value) for key, value in inputs.items()}


class CfBillingProvider(api.Provider):
    """The provider: ``getCreditBalance``, ``getUsageHistory``, ``getSpendingLimit`` and ``CreditBalanceGuard``."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ
        self._config: dict[str, str | None] = {}

    async def get_schema(self, request: api.GetSchemaRequest) -> api.GetSchemaResponse:
        schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
        return api.GetSchemaResponse(schema=json.dumps({**schema, "version": __version__}))

    async def configure(self, request: api.ConfigureRequest) -> api.ConfigureResponse:
        values = {key: to_plain(value) for key, value in request.args.items()}
        self._config = {name: _text(values.get(key)) for key, name in _CONFIG_KEYS.items()}
        self._config["account_id"] = _text(values.get("accountId"))
        return api.ConfigureResponse(accept_secrets=True, supports_preview=True)

    def _client(self) -> CreditBalanceClient:
        environment = environment_layer(self._environ)
        settings = resolve_settings(self._config, environment)
        return CreditBalanceClient(credentials=settings.credentials, base_url=settings.base_url, environ=self._environ)

    def _account(self, given: Any) -> str:
        layers = ({"account_id": _text(given)}, self._config, environment_layer(self._environ))
        return validate_account_id(resolve_account_id(*layers))

    async def invoke(self, request: api.InvokeRequest) -> api.InvokeResponse:
        args = {key: to_plain(value) for key, value in request.args.items()}
        try:
            with self._client() as client:
                account = self._account(args.get("accountId"))
                data = _function(request.tok, client, account, args)
        except CloudflareBillingError as error:
            return api.InvokeResponse(failures=[api.CheckFailure("accountId", str(error))])
        return api.InvokeResponse(return_value=_props(data))

    async def check(self, request: api.CheckRequest) -> api.CheckResponse:
        news = _snake_inputs(request.new_inputs)
        news["account_id"] = news.get("account_id") or self._config.get("account_id") or _env_account(self._environ)
        failures = validate_inputs(news)
        if failures or any(isinstance(value, Computed) for value in news.values()):
            return api.CheckResponse(inputs=request.new_inputs, failures=_failures(failures))
        state, failure = judge_reading(news, {}, read=self._read)
        if failure is not None:
            return api.CheckResponse(inputs=request.new_inputs, failures=[api.CheckFailure("floorUsd", failure)])
        return api.CheckResponse(inputs=_props(_record({**news, **state})))

    def _read(self, news: Mapping[str, Any], rules: Rules, now: datetime) -> Reading:
        with self._client() as client:
            return read_for(client, validate_account_id(str(news["account_id"])), rules, now)

    async def diff(self, request: api.DiffRequest) -> api.DiffResponse:
        olds, news = _snake_inputs(request.old_state), _snake_inputs(request.new_inputs)
        changed = [camel(key) for key in (*INPUT_KEYS, *OUTPUT_KEYS) if olds.get(key) != news.get(key)]
        return api.DiffResponse(changes=bool(changed), diffs=changed)

    async def create(self, request: api.CreateRequest) -> api.CreateResponse:
        return api.CreateResponse(resource_id=f"credit-guard-{uuid.uuid4().hex[:12]}", properties=request.properties)

    async def update(self, request: api.UpdateRequest) -> api.UpdateResponse:
        return api.UpdateResponse(properties=request.news)

    async def read(self, request: api.ReadRequest) -> api.ReadResponse:
        props = _snake_inputs(request.properties)
        state, _ = judge_reading(props, props, read=self._read)
        refreshed = _props(_record({**props, **state}))
        return api.ReadResponse(resource_id=request.resource_id, properties=refreshed, inputs=refreshed)

    async def delete(self, request: api.DeleteRequest) -> None:
        """Nothing to delete at Cloudflare: a guard only reads."""


def _function(function: str, client: CreditBalanceClient, account: str, args: Mapping[str, Any]) -> dict[str, Any]:
    if function == "cf-billing:index:getCreditBalance":
        return credit_balance_to_dict(client.get(account))
    if function == "cf-billing:index:getSpendingLimit":
        return {"account_id": account, **spending_limit_to_dict(client.get_spending_limit(account))}
    if function == "cf-billing:index:getUsageHistory":
        start, end = (_moment(args.get(name), name) for name in ("start", "end"))
        usage = client.get_usage_history(account, window=str(args.get("window") or "day"), start=start, end=end)
        return usage_history_to_dict(usage)
    raise CloudflareBillingError(f"cf-billing has no function {function}.")


def _moment(text: Any, name: str) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        raise CloudflareBillingError(
            f"{name} must be an ISO 8601 time with an offset, like 2026-11-01T00:00:00Z."
        ) from None


def _record(props: Mapping[str, Any]) -> dict[str, Any]:
    return {key: props.get(key) for key in (*INPUT_KEYS, *OUTPUT_KEYS) if key != "credentials_namespace"}


def _failures(failures: list[Any]) -> list[api.CheckFailure]:
    return [api.CheckFailure(camel(failure.property), failure.reason) for failure in failures]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _env_account(environ: Mapping[str, str]) -> str | None:
    return environment_layer(environ).get("account_id")


def main() -> None:
    """``pulumi-resource-cf-billing ENGINE_ADDRESS``: serve the provider to the engine."""
    from pulumi.provider.experimental.server import main as serve  # noqa: PLC0415

    serve(sys.argv[1:], __version__, CfBillingProvider())
