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
from typing import Any, TypeVar

import pulumi.runtime

from .._cache import PROGRAM_RUN_CACHES, SingleFlightCache
from .._client import CreditBalanceClient
from .._endpoints import BALANCE_ENDPOINT, Endpoint
from .._models import CreditBalance
from ._settings import CREDENTIALS_NAMESPACE, account_id_for, program_config, settings_for

__all__ = ["read_in_program", "read_in_run", "run_client"]

M = TypeVar("M")


def _run_cache() -> SingleFlightCache[object]:
    """The cache of this program run, keyed by the run's root stack resource (a fresh one without a run)."""
    root = pulumi.runtime.get_root_resource()
    return SingleFlightCache(time.monotonic) if root is None else PROGRAM_RUN_CACHES.for_owner(root)


def run_client(
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
    with run_client(account_id, namespace=namespace, **(credentials or {})) as client:
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
