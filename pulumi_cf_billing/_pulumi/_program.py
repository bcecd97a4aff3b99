"""Reading from inside a Pulumi program: the one path under the functions, the guard and the assertion.

Settings resolve as :mod:`._settings` says. Every read of one endpoint of one account, with the same
arguments and credentials, in one program run shares one request: the run's cache lives as long as
the run's root stack resource, so a program that exports the balance, declares a guard and asserts a
floor asks Cloudflare once, and the next run (a new root, as in the Automation API's inline programs)
asks again.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import pulumi.runtime

from .._cache import PROGRAM_RUN_CACHES, SingleFlightCache
from .._client import CreditBalanceClient
from .._endpoints import BALANCE_ENDPOINT, SPENDING_LIMIT_ENDPOINT, USAGE_ENDPOINT, Endpoint
from .._exceptions import CloudflareBillingError
from .._models import CreditBalance
from .._serialize import exact_json
from .._verdict import runway_window
from ._settings import CREDENTIALS_NAMESPACE, account_id_for, program_config, settings_for

__all__ = ["read_in_program", "read_in_run", "reading_for_guard"]

M = TypeVar("M")


def _run_cache() -> SingleFlightCache[object]:
    """The cache of this program run, keyed by the run's root stack resource (a fresh one without a run)."""
    root = pulumi.runtime.get_root_resource()
    return SingleFlightCache(time.monotonic) if root is None else PROGRAM_RUN_CACHES.for_owner(root)


def _program_client(
    account_id: str | None,
    *,
    namespace: str = CREDENTIALS_NAMESPACE,
    api_token: str | None = None,
    api_key: str | None = None,
    email: str | None = None,
    base_url: str | None = None,
) -> CreditBalanceClient:
    """A client for one read of this run: settings resolved for the program, the run's shared cache."""
    settings = settings_for(
        program_config, api_token=api_token, api_key=api_key, email=email, base_url=base_url, namespace=namespace
    )
    account = account_id_for(program_config, account_id)
    return CreditBalanceClient(
        account_id=account,
        credentials=settings.credentials,
        base_url=settings.base_url,
        cache_ttl_s=math.inf,
        cache=_run_cache(),  # the run's cache, shared by this run's clients only
    )


def read_in_run(
    endpoint: Endpoint[M],
    account_id: str | None = None,
    *,
    namespace: str = CREDENTIALS_NAMESPACE,
    credentials: Mapping[str, str | None] | None = None,
    arguments: Mapping[str, Any] | None = None,
) -> M:
    """Read ``endpoint`` of ``account_id`` with ``arguments``, once per run. Raises :class:`CloudflareBillingError`.

    ``credentials`` holds the explicit ``api_token``, ``api_key``, ``email`` and ``base_url`` arguments.
    """
    with _program_client(account_id, namespace=namespace, **(credentials or {})) as client:
        return client.read(endpoint, **(arguments or {}))


def read_in_program(
    account_id: str | None = None,
    *,
    api_token: str | None = None,
    api_key: str | None = None,
    email: str | None = None,
    base_url: str | None = None,
    namespace: str = CREDENTIALS_NAMESPACE,
) -> CreditBalance:
    """Read ``account_id``'s balance, once per run. Raises :class:`CloudflareBillingError` subclasses."""
    options = {"api_token": api_token, "api_key": api_key, "email": email, "base_url": base_url}
    return read_in_run(BALANCE_ENDPOINT, account_id, namespace=namespace, credentials=options)


def reading_for_guard(
    account_id: str | None,
    namespace: str = CREDENTIALS_NAMESPACE,
    runway_window_days: int | None = None,
    spending_limit: bool = False,
) -> dict[str, Any]:
    """What a guard hands its provider: ``{"result": <JSON text>, ...}`` or ``{"error": <message>}``.

    ``result`` is the balance; with ``runway_window_days``, ``usage`` is the usage history of those
    complete UTC days; with ``spending_limit``, ``spending_limit`` is the account's cap. Made in the
    program, these reads are the ones the program's other reads of the account share; the provider
    judges them without asking Cloudflare again. Each is JSON text holding only the fields this
    library knows, amounts digit for digit (a gRPC number would be a float). Never raises for an
    unreadable account: the provider turns the error into one clean line, or a warning with
    ``on_error="warn"``.
    """
    reads: dict[str, tuple[Endpoint[Any], dict[str, Any]]] = {"result": (BALANCE_ENDPOINT, {})}
    if runway_window_days is not None:
        start, end = runway_window(datetime.now(UTC), runway_window_days)
        reads["usage"] = (USAGE_ENDPOINT, {"start": start, "end": end})
    if spending_limit:
        reads["spending_limit"] = (SPENDING_LIMIT_ENDPOINT, {})

    def wire(endpoint: Endpoint[Any], arguments: dict[str, Any]) -> str:
        return exact_json(endpoint.to_wire(read_in_run(endpoint, account_id, namespace=namespace, arguments=arguments)))

    try:
        return {key: wire(*read) for key, read in reads.items()}
    except CloudflareBillingError as error:
        return {"error": error.message}
