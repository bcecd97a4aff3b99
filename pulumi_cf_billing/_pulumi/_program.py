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

from .._assess import Reading, read_for
from .._cache import PROGRAM_RUN_CACHES, SingleFlightCache
from .._client import CreditBalanceClient
from .._endpoints import BALANCE_ENDPOINT, Endpoint
from .._guard_definition import GUARD_SUBJECT, OBSERVED_KEYS, RUNWAY_KEYS, guard_outputs, judge_guard, parse_guard
from .._models import CreditBalance
from ._settings import CREDENTIALS_NAMESPACE, account_id_for, program_config, settings_for

__all__ = ["read_in_program", "read_in_run", "verdict_for_guard"]

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


def verdict_for_guard(
    values: Mapping[str, Any], namespace: str = CREDENTIALS_NAMESPACE, now: datetime | None = None
) -> dict[str, Any]:
    """The guard's verdict, made in the program, for its provider to report (``check()`` relays it).

    ``values`` are the guard's inputs (``floor_usd``, ...), all known. Refused inputs give
    ``{"problems": [{"key": ..., "reason": ...}]}`` and no request; otherwise the account is read
    as the rules need (balance, and usage history or spending limit when a rule needs them), in the
    requests this run's other reads of the account share, and judged by the guard definition:
    ``{"outputs": <the guard's outputs>, "stops_deploy": <bool>, "carry": <outputs to keep from the
    previous state>}`` (an unreadable account keeps the previous reading's fields). Never raises for
    an unreadable account: the verdict says so, in one clean line, and ``on_error`` decides.
    """
    parsed = parse_guard(values)
    if parsed.guard is None:
        return {"problems": [{"key": problem.key, "reason": problem.reason} for problem in parsed.problems]}
    guard = parsed.guard
    moment = now or datetime.now(UTC)

    def read() -> Reading:
        with _program_client(guard.account_id, namespace=namespace) as client:
            return read_for(client, guard.account_id, guard.rules, moment)

    verdict = judge_guard(guard, read, moment, GUARD_SUBJECT)
    outputs = guard_outputs(verdict, {})
    carry = [] if verdict.reading is not None else [*OBSERVED_KEYS, *RUNWAY_KEYS]
    return {"outputs": outputs, "stops_deploy": verdict.stops_deploy, "carry": carry}
