"""``CreditBalanceGuard``: a resource that stops ``pulumi preview`` and ``pulumi up`` when credits are low.

Make the resources that spend credits depend on it (``depends_on=[guard]``): under the floor the
guard fails its check with one line, and nothing that depends on it is created or updated.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi.dynamic
import pulumi.runtime
from pulumi.runtime.mocks import MockMonitor

from .._guard_definition import DEFAULT_RUNWAY_WINDOW_DAYS, DEFAULT_TOPUP_FAILURE_WINDOW_DAYS, OUTPUT_KEYS
from ._dynamic_provider import VERDICT_INPUT, CreditBalanceGuardProvider
from ._settings import CREDENTIALS_NAMESPACE, account_id_for, program_config

__all__ = ["CreditBalanceGuard"]


class CreditBalanceGuard(pulumi.dynamic.Resource, module="cf-billing", name="CreditBalanceGuard"):
    """Fails the deployment when an account's AI Gateway credits are below ``floor_usd`` US dollars.

    Every preview and up reads the live balance, once per account and run: the program reads it
    (sharing the request of ``get_credit_balance*`` for the same account) and judges it, and the
    provider reports the verdict; ``pulumi refresh`` has the provider read it again. Options:

    - ``require_auto_topup``: also fail unless auto top-up would work: on, not disabled, a threshold of
      at least the floor, a default payment method, and no failed top-up within the last
      ``topup_failure_window_days`` days (default 3);
    - ``min_runway_days``: also fail when, at the mean daily spend of the last ``runway_window_days``
      complete UTC days (default 7) in Cloudflare's usage history, the floor is fewer days away
      (one more request per run: the usage history);
    - ``require_spending_limit``: also fail unless an account-level spending limit is enabled, so a
      runaway loop is capped by Cloudflare (one more request per run: the spending limit);
    - ``on_breach="warn"``: report a breach as a warning instead of failing;
    - ``on_error="warn"``: deploy anyway, with a warning, when the balance cannot be read
      (the default ``"fail"`` stops the deploy: fail closed);
    - ``credentials_namespace``: the stack config namespace holding ``apiToken`` (or ``apiKey`` +
      ``email``) and ``baseUrl``, default ``cloudflare``, so one program can guard accounts of
      different owners.

    Credentials never become inputs: the program (and, on refresh, the provider) reads them from stack
    config or the environment.
    Outputs: ``balance`` (US cents), ``balance_usd``, ``floor_usd``, ``topup_config``,
    ``has_default_payment_method``, ``spend_usd_per_day`` (US dollars) and ``days_until_floor`` (with a
    runway rule), ``runway_window_days``, ``spending_limit`` (with its rule; ``amount`` in US cents,
    ``amount_usd``), ``status`` (``ok``, ``breach`` or ``unreadable``) and ``message``.
    """

    account_id: pulumi.Output[str]
    floor_usd: pulumi.Output[float]
    balance: pulumi.Output[float]
    balance_usd: pulumi.Output[float]
    has_default_payment_method: pulumi.Output[bool | None]
    payment_method: pulumi.Output[dict[str, Any] | None]
    topup_config: pulumi.Output[dict[str, Any]]
    first_topup_success: pulumi.Output[bool | None]
    spend_usd_per_day: pulumi.Output[float | None]
    days_until_floor: pulumi.Output[float | None]
    runway_window_days: pulumi.Output[int]
    spending_limit: pulumi.Output[dict[str, Any] | None]
    status: pulumi.Output[str]
    message: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        floor_usd: pulumi.Input[float] | pulumi.Input[str],
        account_id: pulumi.Input[str] | None = None,
        require_auto_topup: pulumi.Input[bool] = False,
        topup_failure_window_days: pulumi.Input[int] = DEFAULT_TOPUP_FAILURE_WINDOW_DAYS,
        min_runway_days: pulumi.Input[float] | None = None,
        runway_window_days: int = DEFAULT_RUNWAY_WINDOW_DAYS,
        require_spending_limit: pulumi.Input[bool] = False,
        on_breach: str = "fail",
        on_error: str = "fail",
        credentials_namespace: str = CREDENTIALS_NAMESPACE,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        _start_provider_host()
        account = account_id or account_id_for(program_config)
        values: dict[str, Any] = {
            "account_id": account,
            "floor_usd": floor_usd,
            "require_auto_topup": require_auto_topup,
            "topup_failure_window_days": topup_failure_window_days,
            "min_runway_days": min_runway_days,
            "runway_window_days": runway_window_days,
            "require_spending_limit": require_spending_limit,
            "on_breach": on_breach,
            "on_error": on_error,
        }
        # Judged here, in a worker thread, once every input is known (an unknown one in preview leaves
        # the verdict unknown): the reads share this run's requests for the account.
        verdict: pulumi.Output[dict[str, Any]] = pulumi.Output.all(**values).apply(
            lambda known: asyncio.to_thread(_judged, known, credentials_namespace)
        )
        inputs = {**values, "credentials_namespace": credentials_namespace, VERDICT_INPUT: verdict}
        super().__init__(CreditBalanceGuardProvider(), resource_name, {**inputs, **dict.fromkeys(OUTPUT_KEYS)}, opts)
        pulumi.Output.all(self.status, self.message).apply(self._warn)

    def _warn(self, status_and_message: list[Any]) -> None:
        status, message = status_and_message
        if status in ("breach", "unreadable") and message:
            pulumi.log.warn(str(message), resource=self)


def _judged(values: Mapping[str, Any], namespace: str) -> dict[str, Any]:
    """The verdict, made in the worker thread that judges: the read path and the judging load there, not
    when the program imports the guard, so the program's first requests reach the engine at once."""
    from ._program_judging import verdict_for_guard  # noqa: PLC0415  # see the docstring

    return verdict_for_guard(values, namespace)


PROVIDER_HOST_START = "pulumi-python:cf-billing:startProviderHost"
"""An invoke of the dynamic providers' package, which no host implements: the request that starts the host."""

_hosts_asked: weakref.WeakSet[pulumi.Resource] = weakref.WeakSet()
"""The program runs (their root stack resources) that asked the engine to start the provider host."""
_asking: set[asyncio.Future[None]] = set()
"""The requests in flight, held until answered."""


def _start_provider_host() -> None:
    """Have the engine start Pulumi's dynamic-provider host now, while the program reads and judges.

    The engine starts a provider's host on the first request for it. A guard's first request is its
    registration, which waits for the verdict, that is for the program's read, so the host (a Python
    process importing ``pulumi``, a third of a second here) would start only then and the guard's
    check wait for it. An invoke of the dynamic providers' package waits for nothing: the engine
    starts the host to answer it, the host answers that it has no functions, and that answer is
    dropped. The read and the host's start overlap. Asked once per run; not under Pulumi's mocks,
    which have no host (and whose ``call`` may refuse what it does not know).
    """
    root = pulumi.runtime.get_root_resource()
    if root is None or root in _hosts_asked or isinstance(pulumi.runtime.settings.get_monitor(), MockMonitor):
        return
    _hosts_asked.add(root)

    async def ask() -> None:
        with contextlib.suppress(Exception):
            await pulumi.runtime.invoke_async(PROVIDER_HOST_START, {})

    request = asyncio.ensure_future(ask())
    _asking.add(request)
    request.add_done_callback(_asking.discard)
